"""CSV and Markdown forms of the matrix (spreadsheets, pull-request comments)."""

from __future__ import annotations

import csv
import io

from netverify.renderers.base import RenderOptions
from netverify.renderers.text import render_diff, render_matrix
from netverify.results import DiffResult, MatrixCell, MatrixResult


def render_matrix_csv(m: MatrixResult) -> str:
    """One row per ordered pair, columns as in the JSON results.

    ``complete`` is false for a pair a traffic policy netverify does not evaluate could
    change; the CSV has no room for which one (the JSON and text forms list them).
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    proto = m.protocol.value if m.protocol else ""
    def done(c: MatrixCell) -> str:
        return str(c.complete).lower()

    if m.by == "pod":
        if m.port is not None:
            w.writerow(["from", "to", "port", "protocol", "allowed", "complete"])
            for c in m.cells:
                w.writerow([c.src, c.dst, m.port, proto, str(not c.allowed.is_empty).lower(),
                            done(c)])
        else:
            w.writerow(["from", "to", "TCP", "UDP", "SCTP", "complete"])
            for c in m.cells:
                d = c.allowed.to_dict()
                w.writerow([c.src, c.dst, d.get("TCP", ""), d.get("UDP", ""), d.get("SCTP", ""),
                            done(c)])
    else:
        w.writerow(["from", "to", "allowed_pairs", "pairs", "TCP", "UDP", "SCTP", "complete"])
        for c in m.cells:
            d = c.allowed.to_dict()
            w.writerow([c.src, c.dst, c.allowed_pairs, c.pairs, d.get("TCP", ""),
                        d.get("UDP", ""), d.get("SCTP", ""), done(c)])
    return buf.getvalue()


def render_matrix_markdown(m: MatrixResult, opts: RenderOptions) -> str:
    """The text table in GitHub pipe syntax."""
    text = render_matrix(m, RenderOptions(color=False, verbose=opts.verbose),
                         table_format="github")
    title, _, rest = text.partition("\n")
    return f"### {title}\n{rest}"


def render_diff_markdown(r: DiffResult, opts: RenderOptions) -> str:
    """The diff for a pull-request comment."""
    text = render_diff(r, RenderOptions(color=False, verbose=opts.verbose),
                       table_format="github")
    title, _, rest = text.partition("\n")
    return f"### {title}\n{rest}"
