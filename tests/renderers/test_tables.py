"""Matrix CSV and matrix/diff Markdown: hostile names stay text, real values stay readable.

CSV: a spreadsheet runs a cell starting with = + - @ (or tab, carriage return) as a
formula (OWASP, "CSV Injection"), so such a cell gets a leading apostrophe.
Markdown: a ``|`` in a name must not add a column, ``<img onerror=...>`` must not
become HTML, and ``@user`` must not notify anyone (GitHub Flavored Markdown spec,
"Tables (extension)": a pipe in a cell is escaped with a backslash).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from netverify.cli import main
from netverify.renderers import RenderOptions, render
from netverify.renderers.tables import csv_cell
from netverify.results import MatrixResult
from tests.renderers.inert import assert_csv_inert, assert_markdown_inert, unescaped
from tests.renderers.samples import DEMO, hostile, results

FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "  =1+1",
            "=cmd|' /C calc'!A0", "-"]


@pytest.mark.parametrize("name", FORMULAS)
def test_csv_cells_that_a_spreadsheet_would_run_get_an_apostrophe(name: str):
    cell = csv_cell(name)
    assert cell.startswith("'"), cell
    assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r"))


def test_csv_cells_starting_with_tab_or_carriage_return_show_it_written_out():
    assert csv_cell("\t=1") == "\\x09=1" and csv_cell("\r=1") == "\\x0d=1"
    assert csv_cell("a\nb\u202ec") == "a\\x0ab\\u202ec"  # one line, no bidi


@pytest.mark.parametrize("value", ["frontend/web", "8080", "80,443", "1-1024", "all", "true",
                                   "false", 5, 0, "", "TCP", "a=b", "x@y", "from"])
def test_csv_values_netverify_writes_itself_are_unchanged(value: object):
    assert csv_cell(value) == str(value)


def test_csv_matrix_of_the_demo_is_plain(tmp_path: Path):
    rows = list(csv.DictReader(io.StringIO(render(results()["matrix"], "csv", RenderOptions()))))
    row = next(r for r in rows if r["from"] == "frontend/web" and r["to"] == "backend/api")
    assert row == {"from": "frontend/web", "to": "backend/api", "TCP": "8080", "UDP": "",
                   "SCTP": "", "complete": "true"}
    assert not any(v.startswith("'") for r in rows for v in r.values())


def _pod(ns: str, name: str, app: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": {"app": app}},
            "spec": {"containers": [{"name": "c", "image": "x"}]}}


def _run(tmp_path: Path, *args: str, docs: list[dict[str, object]]) -> str:
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    r = CliRunner().invoke(main, [*args, "-f", str(path)])
    assert r.exit_code == 0, r.output
    return r.stdout


def test_csv_neutralises_formulas_from_names_and_namespaces(tmp_path: Path):
    out = _run(tmp_path, "matrix", "--format", "csv",
               docs=[_pod("=ns", "a", "a"), _pod("shop", "-2+3\t\u202e", "b")])
    assert_csv_inert(out)
    cells = {c for row in csv.reader(io.StringIO(out)) for c in row}
    assert "'=ns/a" in cells and "shop/-2+3\\x09\\u202e" in cells


def test_csv_by_namespace_and_port_keep_their_columns(tmp_path: Path):
    docs = [_pod("@evil", "a", "a"), _pod("+ns", "b", "b")]
    for args in (["--by", "namespace"], ["--port", "80"]):
        out = _run(tmp_path, "matrix", "--format", "csv", *args, docs=docs)
        assert_csv_inert(out)
        assert "'@evil" in out


HOSTILE = "a|b <img src=x onerror=alert(1)> @octocat #12 `x` [l](http://e) *e* _u_"


def test_matrix_markdown_keeps_its_columns_with_hostile_names():
    m = hostile(results()["matrix"], HOSTILE)
    assert isinstance(m, MatrixResult)
    text = render(m, "md", RenderOptions())
    assert_markdown_inert(text)
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert len(rows) == len(m.rows) + 2  # header, separator, one per pod
    assert {unescaped(r, "|") for r in rows} == {len(m.rows) + 2}
    assert unescaped(text, "<") == 0 and "\\<img src=x onerror=alert(1)\\>" in text
    assert "@octocat" not in text and "#12" not in text


def test_matrix_markdown_notes_are_not_table_rows():
    # GFM: a table ends at a blank line; a plain line after it would be one more row.
    text = render(results()["matrix"], "md", RenderOptions())
    lines = text.splitlines()
    note = next(i for i, line in enumerate(lines) if "CNI" in line)
    assert lines[note].startswith("- note: ") and lines[note - 1] == ""


def test_matrix_markdown_by_namespace_and_wide_matrices():
    for kind in ("matrix-namespace", "matrix-port"):
        assert_markdown_inert(render(hostile(results()[kind], HOSTILE), "md", RenderOptions()))


def test_diff_markdown_escapes_names_in_rows_labels_and_witnesses():
    text = render(hostile(results()["diff"], HOSTILE), "md", RenderOptions())
    assert_markdown_inert(text)
    assert text.startswith("### Reachability changes from old/a\\|b")
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert len(table) >= 3 and {unescaped(r, "|") for r in table} == {6}
    assert "e.g. newly allowed" in text and "@octocat" not in text


def test_matrix_and_diff_markdown_through_the_cli(tmp_path: Path):
    docs = [_pod("shop", "x-y", "a"), _pod("shop", "evil", "b")]
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump_all(docs).replace("evil", "a|b@octocat<img>"),
                    encoding="utf-8")
    for args in (["matrix", "-f", str(path)], ["diff", str(DEMO), str(path)]):
        r = CliRunner().invoke(main, [*args, "--format", "md"])
        assert r.exit_code == 0, r.output
        assert_markdown_inert(r.stdout)
        assert "a\\|b@&#8203;octocat\\<img\\>" in r.stdout
