"""CSV and Markdown forms of the matrix and the diff (spreadsheets, pull-request comments).

Names are untrusted.  In CSV every cell has its control and bidi characters written
out, and a cell a spreadsheet would read as a formula gets a leading apostrophe.  In
Markdown every name goes through ``markdown.md_text``.
"""

from __future__ import annotations

import csv
import io

from netverify.matrix_cells import all_complete
from netverify.renderers.base import RenderOptions, sanitize
from netverify.renderers.coverage import coverage_lines
from netverify.renderers.markdown import md_text, table
from netverify.renderers.text import (
    DIFF_HEADERS,
    UNDECIDED_LEGEND,
    diff_causes,
    diff_rows,
    diff_symbolic,
    matrix_table,
)
from netverify.results import DiffResult, MatrixCell, MatrixResult
from netverify.verdicts import GroupBy

# Excel, LibreOffice and Google Sheets read a cell starting with one of these as a
# formula (=HYPERLINK(...), =cmd|...), even inside quotes; OWASP's "CSV Injection"
# lists = + - @ and tab and carriage return.  Leading spaces are looked through, as
# some spreadsheets trim them.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: ``'`` before a would-be formula.

    netverify's own cells (names, ``true``/``false``, counts, port lists such as
    ``80,443`` or ``all``) never start with these characters; only a name from the
    manifests can, so no legitimate value gains an apostrophe.
    """
    text = sanitize(str(value), newlines=False)
    return "'" + text if text.lstrip(" ").startswith(_FORMULA_START) else text


def render_matrix_csv(m: MatrixResult, opts: RenderOptions) -> str:
    """One row per ordered pair, columns as in the JSON results.

    ``complete`` is false for a pair a traffic policy netverify does not evaluate could
    change; the CSV has no room for which one (the JSON and text forms list them).
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")

    def row(*cells: object) -> None:
        w.writerow([csv_cell(c) for c in cells])

    proto = m.protocol.value if m.protocol else ""
    def done(c: MatrixCell) -> str:
        return str(c.complete).lower()

    if m.by is GroupBy.POD:
        if m.port is not None:
            row("from", "to", "port", "protocol", "allowed", "complete")
            for c in m.cells:
                row(c.src, c.dst, m.port, proto, str(not c.allowed.is_empty).lower(), done(c))
        else:
            row("from", "to", "TCP", "UDP", "SCTP", "complete")
            for c in m.cells:
                d = c.allowed.to_dict()
                row(c.src, c.dst, d.get("TCP", ""), d.get("UDP", ""), d.get("SCTP", ""), done(c))
    else:
        row("from", "to", "allowed_pairs", "pairs", "TCP", "UDP", "SCTP", "complete")
        for c in m.cells:
            d = c.allowed.to_dict()
            row(c.src, c.dst, c.allowed_pairs, c.pairs, d.get("TCP", ""), d.get("UDP", ""),
                d.get("SCTP", ""), done(c))
    return buf.getvalue()


def _notes(lines: list[str]) -> list[str]:
    """Lines as a Markdown list after a blank line (a plain line would join the table).

    A line indented under the one before it becomes a nested item.
    """
    items = [" " * (len(x) - len(x.lstrip(" "))) + f"- {md_text(x.strip())}" for x in lines]
    return ["", *items] if items else []


def _incomplete_banner(complete: bool) -> list[str]:
    return [] if complete else ["**INCOMPLETE**: some verdicts below are not decided.", ""]


def render_matrix_markdown(m: MatrixResult, opts: RenderOptions) -> str:
    """The text table in GitHub pipe syntax, every name escaped."""
    if not m.rows:
        return "no pods\n"
    title, headers, rows = matrix_table(m)
    out = _incomplete_banner(m.coverage.complete)
    out += [f"### {md_text(title)}", "", table(headers, rows)]
    if not all_complete(m.cells):
        out += ["", md_text(UNDECIDED_LEGEND)]
    out += _notes([*(x.strip() for x in coverage_lines(m.coverage)),
                   *(f"note: {c}" for c in m.caveats)])
    return "\n".join(out) + "\n"


def render_diff_markdown(r: DiffResult, opts: RenderOptions) -> str:
    """The diff for a pull-request comment, every name escaped."""
    out = _incomplete_banner(r.coverage.complete)
    out += [f"### {md_text(f'Reachability changes from {r.old} to {r.new}')}", ""]
    out.append(table(DIFF_HEADERS, diff_rows(r)) if r.rows else
               "existing pods: no pair changed")
    if not all(x.complete for x in r.rows):
        out += ["", md_text(UNDECIDED_LEGEND)]
    out += _notes([line.strip() for line in diff_causes(r)])
    lines = []
    if r.pods_added:
        lines.append(f"pods only in {r.new}: {', '.join(r.pods_added)}")
    if r.pods_removed:
        lines.append(f"pods only in {r.old}: {', '.join(r.pods_removed)}")
    out += _notes(lines)
    out += _notes([*diff_symbolic(r), *(x.strip() for x in coverage_lines(r.coverage)),
                   *(f"note: {c}" for c in r.caveats)])
    return "\n".join(out) + "\n"
