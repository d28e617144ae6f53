"""The matrix as a graph (Graphviz DOT) and as a list of allowed connections.

Both show only what is allowed: one edge or line per ordered pair with some allowed
port, labelled with the ports.  A row's connections to itself are left out, as
netpol-analyzer does: the graph is about who talks to whom.  A pair an unevaluated
policy could change is dashed in DOT and marked ``?`` in the list; a matrix focused on
some rows (``--focus``) shows only the pairs that touch them.
"""

from __future__ import annotations

from netverify.matrix_cells import GroupCells
from netverify.renderers.base import RenderOptions, sanitize
from netverify.renderers.coverage import coverage_lines
from netverify.results import MatrixCell, MatrixResult
from netverify.verdicts import GroupBy

UNDECIDED = "?"


def _edges(m: MatrixResult) -> list[MatrixCell]:
    focus = set(m.focus)
    cells = m.cells.nontrivial() if isinstance(m.cells, GroupCells) else m.cells
    return [c for c in cells if c.src != c.dst and not c.allowed.is_empty
            and (not focus or c.src in focus or c.dst in focus)]


def _ports(m: MatrixResult, c: MatrixCell) -> str:
    if m.port is not None:
        proto = m.protocol.value if m.protocol else "TCP"
        text = f"{proto} {m.port}"
    else:
        text = str(c.allowed).replace("; ", " ")
    if m.by is not GroupBy.POD:
        text += f" ({c.allowed_pairs}/{c.pairs} pod pairs)"
    return text


def _dot_string(text: str) -> str:
    """A DOT quoted string: quotes and backslashes escaped, controls written out."""
    return '"' + sanitize(text, newlines=False).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_matrix_dot(m: MatrixResult, opts: RenderOptions) -> str:
    """A Graphviz digraph: one node per row (in a box per namespace), edges with ports."""
    edges = _edges(m)
    focus = set(m.focus)
    shown = {x for c in edges for x in (c.src, c.dst)} | focus if focus else set(m.rows)
    out = ["digraph netverify {", "  rankdir=LR;",
           '  node [shape=box, style=rounded, fontname="Helvetica"];',
           '  edge [fontname="Helvetica", fontsize=10];']
    by_ns: dict[str, list[str]] = {}
    for row in m.rows:
        if row in shown:
            by_ns.setdefault(row.split("/", 1)[0] if m.by is not GroupBy.NAMESPACE else "",
                             []).append(row)
    for i, (ns, rows) in enumerate(by_ns.items()):
        indent = "  "
        if ns:
            out += [f"  subgraph cluster_{i} {{", f"    label={_dot_string(ns)};"]
            indent = "    "
        for row in rows:
            extra = ", penwidth=2" if row in focus else ""
            out.append(f"{indent}{_dot_string(row)} [label={_dot_string(row)}{extra}];")
        if ns:
            out.append("  }")
    for c in edges:
        label = _ports(m, c) + ("" if c.complete else f" {UNDECIDED}")
        style = "" if c.complete else ", style=dashed"
        out.append(f"  {_dot_string(c.src)} -> {_dot_string(c.dst)} "
                   f"[label={_dot_string(label)}{style}];")
    out += [f"  // {sanitize(x.strip(), newlines=False)}" for x in
            [*coverage_lines(m.coverage), *m.caveats]]
    return "\n".join([*out, "}"]) + "\n"


def render_matrix_list(m: MatrixResult, opts: RenderOptions) -> str:
    """One line per allowed pair, ``SRC => DST : PORTS`` (netpol-analyzer's form)."""
    lines = [f"{c.src} => {c.dst} : {_ports(m, c)}" + ("" if c.complete else f" {UNDECIDED}")
             for c in _edges(m)]
    lines += [f"# {x.strip()}" for x in [*coverage_lines(m.coverage), *m.caveats]]
    return sanitize("\n".join(lines)) + "\n" if lines else ""
