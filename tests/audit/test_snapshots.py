"""One snapshot per audit format on fixtures/demo, through the CLI as a user runs it.

Rules are added often, and each one changes the demo's report: regenerate the
snapshots with one command and review the diff::

    NETVERIFY_UPDATE_SNAPSHOTS=1 python -m pytest -q tests/audit/test_snapshots.py

The outputs must be deterministic (no timestamps, no absolute paths): the test
runs each format twice and requires the same bytes.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = "NETVERIFY_UPDATE_SNAPSHOTS=1 python -m pytest -q tests/audit/test_snapshots.py"
FORMATS = {"text": "txt", "md": "md", "html": "html", "json": "json", "sarif": "sarif"}


def audit_output(fmt: str) -> str:
    r = CliRunner().invoke(main, ["audit", "-f", "fixtures/demo", "--format", fmt])
    assert r.exit_code in (0, 1), r.output
    return r.stdout


def assert_snapshot(path: Path, actual: str) -> None:
    if os.environ.get("NETVERIFY_UPDATE_SNAPSHOTS") == "1":
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path.name}; create it with: {UPDATE}"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            f"{path.name} (snapshot)", f"{path.name} (now)",
                                            n=2))
        pytest.fail(f"audit output changed; if that is intended, run: {UPDATE}\n{diff[:6000]}")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_demo_report_matches_snapshot(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # relative input paths, as in the README
    first = audit_output(fmt)
    assert first == audit_output(fmt), "output is not deterministic"
    assert str(ROOT) not in first, "an absolute path leaked into the output"
    assert_snapshot(SNAPSHOTS / f"demo.{FORMATS[fmt]}", first)
