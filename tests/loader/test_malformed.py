"""Malformed manifests and specs: an answer or a located refusal, never a crash or a hang.

Valid fixture manifests and the demo spec are mutated (``tests/strategies.py``:
wrong types at random field paths, deleted or misplaced fields, repeated lines,
deep nesting, anchors, alias bombs, recursive aliases, control and non-UTF-8
bytes, truncation, a 100,000-character value).  Whatever comes out, the CLI must:

- exit 0-3, never 4 (exit 4 means a bug in netverify, not in the input);
- on exit 2, print one line naming the file and a line (``file:LINE:``), the only
  exception being input with no object at all, which has no line to name;
- finish each run within ``BOUND_SECONDS``: every mutation here is small, so a run
  past it is unbounded work (an alias bomb once took 184 s and 2.3 GB).

The default profile runs a handful of examples (``HYPOTHESIS_PROFILE=ci`` more).
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings

from netverify.cli import main
from tests.strategies import malformed_yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = tuple(sorted(p.read_text() for p in (ROOT / "fixtures").glob("[dis]*/*.yaml")))
SPECS = ((ROOT / "specs" / "demo.yaml").read_text(),)
DEMO = str(ROOT / "fixtures" / "demo")
# Far above any run here (under a second each); far below an unbounded one.
BOUND_SECONDS = 20.0
EXAMPLES = settings(max_examples=max(8, settings.default.max_examples // 5), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def run_on(text: bytes, name: str, args: list[str]) -> tuple[Result, str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(text)
        start = time.perf_counter()
        r = CliRunner().invoke(main, [a.replace("{input}", str(path)) for a in args])
        elapsed = time.perf_counter() - start
    assert elapsed < BOUND_SECONDS, f"{elapsed:.1f}s on {text[:200]!r}"
    return r, name


def check_outcome(r: Result, name: str) -> None:
    err = r.stderr
    assert r.exit_code in (0, 1, 2, 3), (r.exit_code, err[:500])
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    if r.exit_code == 2:
        assert err.startswith("netverify: error: ") and err.count("\n") == 1, err[:500]
        assert len(err) < 2000, len(err)
        located = re.search(rf"{re.escape(name)}:\d+:(\d+:)? ", err)
        assert located or f"{name}: no Kubernetes objects found" in err, err


@EXAMPLES
@given(malformed_yaml(MANIFESTS))
def test_malformed_manifests_are_answered_or_refused_with_a_line(text: bytes) -> None:
    check_outcome(*run_on(text, "m.yaml", ["audit", "-f", "{input}", "--format", "json"]))


@EXAMPLES
@given(malformed_yaml(SPECS))
def test_malformed_specs_are_answered_or_refused_with_a_line(text: bytes) -> None:
    check_outcome(*run_on(text, "spec.yaml", ["check", "{input}", "-f", DEMO]))
