"""matrix --format dot / list and --focus: every allowed pair, and only those, drawn."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from netverify.cli import main
from netverify.loader import load_cluster
from netverify.queries.focus import focus_matrix
from netverify.queries.matrix import matrix
from netverify.renderers import render
from netverify.renderers.graph import _dot_string

DEMO = str(Path(__file__).resolve().parents[2] / "fixtures" / "demo")


def _pairs(m) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(c.src, c.dst) for c in m.cells if c.src != c.dst and not c.allowed.is_empty}


def test_list_has_one_line_per_allowed_pair_with_its_ports():
    m = matrix(load_cluster([DEMO]))
    lines = [x for x in render(m, "list").splitlines() if not x.startswith("#")]
    got = {tuple(x.split(" : ")[0].split(" => ")) for x in lines}
    assert got == _pairs(m) and len(lines) == len(got)
    # the demo's policies: web may open 8080 on api; db may not reach api at all
    assert "frontend/web => backend/api : TCP 8080" in lines
    assert not any(x.startswith("backend/db => backend/api") for x in lines)


def test_dot_has_a_node_per_row_and_an_edge_per_allowed_pair():
    m = matrix(load_cluster([DEMO]))
    dot = render(m, "dot")
    assert dot.startswith("digraph ") and dot.rstrip().endswith("}")
    edges = set(re.findall(r'^  "([^"]+)" -> "([^"]+)" \[label="([^"]*)"', dot, re.M))
    assert {(a, b) for a, b, _ in edges} == _pairs(m)
    assert ("frontend/web", "backend/api", "TCP 8080") in edges
    nodes = set(re.findall(r'^\s+"([^"]+)" \[label=', dot, re.M))
    assert nodes == set(m.rows)


def test_dot_strings_cannot_break_out():
    assert _dot_string('a"b\\c') == '"a\\"b\\\\c"'
    assert "\x1b" not in _dot_string("x\x1b[31m")


def test_focus_keeps_only_what_touches_the_workload():
    c = load_cluster([DEMO])
    m = focus_matrix(c, matrix(c, by="workload"), "backend/api")
    lines = render(m, "list").splitlines()
    pairs = [x.split(" : ")[0].split(" => ") for x in lines if not x.startswith("#")]
    assert pairs and all("backend/api" in p for p in pairs)
    full = matrix(c, by="workload")
    touching = {p for p in _pairs(full) if "backend/api" in p}
    assert {tuple(p) for p in pairs} == touching
    assert m.focus == ("backend/api",)


def test_focus_cli_with_default_namespace_and_errors():
    # -n both limits the rows (matrix's filter) and names the namespace of "api"
    r = CliRunner().invoke(main, ["matrix", "-f", DEMO, "--focus", "api", "-n", "backend",
                                  "--format", "list"])
    assert r.exit_code == 0, r.output
    assert "backend/api => backend/db : TCP 5432" in r.output
    assert "frontend/web" not in r.output  # outside -n backend: not a row
    r = CliRunner().invoke(main, ["matrix", "-f", DEMO, "--focus", "backend/nope"])
    assert r.exit_code == 2
    assert "Traceback" not in r.output
