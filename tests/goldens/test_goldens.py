"""Golden outputs: every (result type, format) of the renderer registry, on fixtures.

An output that changes fails here with a diff.  When the change is intended, rewrite
the goldens (and docs/json-schema.md) with one command and review the diff::

    python -m pytest -q --update-goldens

Every JSON golden, and the JSON the commands write, validates against the schema the
package ships for it (``netverify/schemas``); SARIF against the OASIS schema.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from netverify.cli import main
from netverify.renderers import RENDERERS, Format, formats_for, render
from netverify.renderers.registry import json_renderer
from tests.goldens.cases import CASES, FILES, ROOT, result

SARIF = json.loads((ROOT / "tests" / "schemas" / "sarif-2.1.0.json").read_text())
UPDATE = "python -m pytest -q --update-goldens"
PAIRS = [(name, fmt) for name, case in CASES.items() for fmt in formats_for(case.kind)]


def golden(name: str, fmt: Format) -> Path:
    """Where the golden of a case in a format lives."""
    return FILES / f"{name}.{fmt.suffix}"


def assert_golden(path: Path, actual: str, update: bool) -> None:
    """Compare with the golden file, or rewrite it under ``--update-goldens``."""
    if update:
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"no golden {path.name}; create it with: {UPDATE}"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            f"{path.name} (golden)", f"{path.name} (now)", n=2))
        pytest.fail(f"output changed; if that is intended, run: {UPDATE}\n{diff[:6000]}")


def assert_valid(doc: Any, schema: dict[str, Any]) -> None:
    """``doc`` follows ``schema`` (every error listed, with where it is)."""
    cls = jsonschema.validators.validator_for(schema)
    errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors)


def test_every_registered_pair_has_a_golden(update_goldens: bool) -> None:
    assert {(CASES[n].kind, f) for n, f in PAIRS} == set(RENDERERS)
    expected = {golden(n, f).name for n, f in PAIRS}
    if update_goldens:
        for stale in (p for p in FILES.iterdir() if p.name not in expected):
            stale.unlink()
        return
    assert {p.name for p in FILES.iterdir()} == expected, "stale or missing golden files"


@pytest.mark.parametrize(("name", "fmt"), PAIRS, ids=[f"{n}.{f.value}" for n, f in PAIRS])
def test_output_matches_golden(name: str, fmt: Format, update_goldens: bool) -> None:
    out = render(result(name), fmt)
    assert out.endswith("\n")
    assert str(ROOT) not in out, "an absolute path leaked into the output"
    if fmt is Format.JSON:
        assert_valid(json.loads(out), json_renderer(CASES[name].kind).json_schema())
    elif fmt is Format.SARIF:
        assert_valid(json.loads(out), SARIF)
    assert_golden(golden(name, fmt), out, update_goldens)


@pytest.mark.parametrize("name", list(CASES))
def test_command_json_is_the_golden_and_valid(name: str, monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    """The command writes what the library renders, and exits as its answer says."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NETVERIFY_CACHE_DIR", str(tmp_path))
    case = CASES[name]
    r = CliRunner().invoke(main, [*case.argv, "--format", "json"])
    assert r.exit_code == case.exit_code, r.output
    doc = json.loads(r.stdout)
    assert_valid(doc, json_renderer(case.kind).json_schema())
    assert doc == json.loads(golden(name, Format.JSON).read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind", ["can-reach-denied", "can-reach-pairs", "matrix-port",
                                  "check", "diff", "audit"])
def test_more_shapes_follow_their_schema(kind: str) -> None:
    """The renderer samples (failing assertions, witnesses, pod cells with a port, ...)."""
    from tests.renderers.samples import results

    sample = results()[kind]
    assert_valid(json.loads(render(sample, Format.JSON)),  # type: ignore[arg-type]
                 json_renderer(type(sample)).json_schema())  # type: ignore[arg-type]


def test_schemas_reject_the_old_spelling_of_undecided() -> None:
    """A hop said ``unknown`` in schema_version 1: the schema holds the one spelling."""
    doc = json.loads(golden("can-reach-url", Format.JSON).read_text(encoding="utf-8"))
    schema = json_renderer(CASES["can-reach-url"].kind).json_schema()
    doc["paths"][0]["hops"][0]["status"] = "unknown"
    with pytest.raises(AssertionError, match="unknown"):
        assert_valid(doc, schema)


def test_the_json_docs_are_generated_from_the_schemas(update_goldens: bool) -> None:
    """docs/json-schema.md is the schemas' readable form: regenerated, never edited."""
    from tests.goldens.schema_docs import render_docs

    assert_golden(ROOT / "docs" / "json-schema.md", render_docs(), update_goldens)


def test_every_shipped_schema_is_a_valid_schema_of_a_renderer() -> None:
    from tests.goldens.schema_docs import schemas

    shipped = {p.name for p in (ROOT / "netverify" / "schemas").glob("*.schema.json")}
    named = {file for file, _ in schemas()}
    assert shipped - named == {"spec.schema.json"}  # the spec input's, not an output's
    for _, schema in schemas():
        jsonschema.validators.validator_for(schema).check_schema(schema)
