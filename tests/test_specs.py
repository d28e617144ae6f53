"""Spec files are read as strictly as manifests, and their errors point at line and column."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from netverify.cli import main
from netverify.specs import SpecError, find_specs, load_spec

ASSERTION = "  - name: web reaches the API\n    from: frontend/web\n    to: backend/api:8080\n"


def write(tmp_path: Path, text: str | bytes) -> str:
    p = tmp_path / "s.yaml"
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text)
    return str(p)


def error(path: str) -> str:
    with pytest.raises(SpecError) as e:
        load_spec(path)
    return str(e.value)


def test_schema_error_names_line_and_column(tmp_path):
    path = write(tmp_path, "assertions:\n" + ASSERTION + "    expect: maybe\n")
    assert error(path).startswith(f"{path}:5:13: assertions[0].expect ('web reaches the API'): "
                                  "'maybe' is not one of ['allow', 'deny']")


def test_repeated_key_is_an_error_not_the_last_value(tmp_path):
    # expect: deny last would silently turn a promise into a prohibition.
    path = write(tmp_path, "assertions:\n" + ASSERTION + "    expect: allow\n    expect: deny\n")
    assert error(path).startswith(f"{path}:6:5: duplicate key 'expect' (also at line 5, "
                                  "column 5)")


def test_not_utf8_names_line_and_column(tmp_path):
    path = write(tmp_path, b"assertions:\n  - name: caf\xe9\n")
    assert error(path) == f"{path}:2:14: not UTF-8 text (byte 0xe9: invalid continuation byte)"


def test_two_documents_are_an_error(tmp_path):
    path = write(tmp_path, "assertions: []\n---\nassertions: []\n")
    assert error(path).startswith(f"{path}:3:1: a spec file holds one YAML document")


def test_huge_value_is_cut_in_the_message(tmp_path):
    path = write(tmp_path, "assertions:\n" + ASSERTION + f"    expect: {'x' * 1_000_000}\n")
    r = CliRunner().invoke(main, ["check", path])
    assert r.exit_code == 2
    assert len(r.stderr) < 600, len(r.stderr)
    assert "(1,000,000 characters" in r.stderr


def test_unreadable_spec_folder_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "a.yaml").write_text("assertions: []\n")
    locked = tmp_path / "team"
    locked.mkdir()
    (locked / "b.yaml").write_text("assertions: []\n")
    real = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(SpecError, match="cannot list folder: Permission denied"):
        find_specs([str(tmp_path)])


def test_unknown_cni_names_the_spec_line(tmp_path):
    path = write(tmp_path, "cni: flanel\nassertions:\n" + ASSERTION + "    expect: allow\n")
    assert error(path).startswith(f"{path}:1:6: cni: unknown CNI 'flanel'")


def test_empty_spec_is_an_error_at_its_start(tmp_path):
    path = write(tmp_path, "# only a comment\n")
    assert error(path).startswith(f"{path}:1:1: the file is empty")


def test_schema_choices_are_the_enums_the_loader_builds():
    """The spec schema and the enums the loader turns its values into list the same words:
    a value the schema accepts never fails to convert, and no enum member is unreachable."""
    import json
    from importlib import resources

    from netverify.verdicts import AssertionScope, Basis, Expect

    schema = json.loads(resources.files("netverify").joinpath("schemas/spec.schema.json")
                        .read_text(encoding="utf-8"))
    props = schema["$defs"]["assertion"]["properties"]
    for key, enum in (("expect", Expect), ("scope", AssertionScope), ("answer", Basis)):
        assert props[key]["enum"] == [m.value for m in enum], key


def test_assertions_carry_enum_members(tmp_path):
    from netverify.verdicts import AssertionScope, Basis, Expect

    path = tmp_path / "s.yaml"
    path.write_text("assertions:\n  - {name: a, from: x/y, to: x/z, expect: deny, "
                    "scope: any, answer: policy}\n  - {name: b, from: x/y, to: x/z, "
                    "expect: allow}\n")
    a, b = load_spec(str(path)).assertions
    assert (a.expect, a.scope, a.answer) == (Expect.DENY, AssertionScope.ANY, Basis.POLICY)
    assert (b.expect, b.scope, b.answer) == (Expect.ALLOW, AssertionScope.EXISTING,
                                             Basis.EFFECTIVE)
