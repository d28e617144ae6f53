"""Audit report as one self-contained HTML file: summary, findings, matrix and an inline SVG.

The template (``templates/audit.html.j2``, shipped as package data) only loops and
branches; this module prepares plain values for it.  Jinja2 runs with
``autoescape=True``, so every name, label and message from the manifests is
escaped wherever it lands (text, attributes, SVG ``<text>`` and ``<title>``), and
with ``StrictUndefined``, so a missing field is an error and not an empty cell.
Escaping leaves control characters alone, so the finished text goes through
``base.sanitize`` (a report opened with ``cat`` or ``less`` sends no escape sequence
to the terminal).  The file loads nothing: inline CSS, no scripts, no fonts or
images from URLs.  Unlike Markdown, it keeps every finding.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from netverify.renderers.audit import (
    counts_sentence,
    gate_sentence,
    incomplete_sentence,
    plain_text,
    severity_counts,
    undecided_sentence,
)
from netverify.renderers.audit_graph import Graph, build_graph, port_summary
from netverify.renderers.audit_svg import layout
from netverify.renderers.base import RenderOptions, sanitize
from netverify.renderers.coverage import ignored_line
from netverify.results import AuditReport, Finding, MatrixResult

if TYPE_CHECKING:
    from jinja2 import Environment


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one Jinja2 environment, loading templates from the installed package.

    Jinja2 is imported here, on the first HTML report, not when the renderers load.
    """
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(loader=PackageLoader("netverify", "renderers/templates"),
                       autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                       lstrip_blocks=True, keep_trailing_newline=True)


def _finding(r: AuditReport, f: Finding) -> dict[str, Any]:
    return {"code": f.code, "title": r.rules[f.code].title, "object": f.object,
            "path": f.path, "message": f.message, "example": f.example,
            "where": f.source.location() if f.source else "",
            "related": [{"role": x.role, "object": x.object,
                         "where": x.source.location() if x.source else ""}
                        for x in f.related]}


def _matrix(m: MatrixResult | None) -> dict[str, Any] | None:
    """Rows of cells: ``allowed/all`` pod pairs, shaded none/some/all, ports as tooltip."""
    if m is None or not m.rows:
        return None
    cells = {(c.src, c.dst): c for c in m.cells}
    rows = []
    for src in m.rows:
        row = []
        for dst in m.rows:
            c = cells[(src, dst)]
            shade = ("none" if c.allowed_pairs == 0 else
                     "all" if c.allowed_pairs == c.pairs else "some")
            undecided = "" if c.complete else " ?"
            row.append({"text": f"{c.allowed_pairs}/{c.pairs}{undecided}", "shade": shade,
                        "title": f"{src} \u2192 {dst}: "
                                 + (port_summary(c.allowed) if c.allowed_pairs else "nothing")
                                 + ("" if c.complete else " by the NetworkPolicies; not "
                                    "decided: policies netverify does not evaluate apply")})
        rows.append({"name": src, "cells": row})
    return {"names": list(m.rows), "rows": rows}


def _matrices(r: AuditReport) -> dict[str, Any]:
    """The namespace matrix, or the workload matrix when there is one namespace only."""
    by_ns = r.connectivity
    if (by_ns is None or len(by_ns.rows) <= 1) and r.workload_connectivity is not None \
            and len(r.workload_connectivity.rows) > 1:
        return {"matrix": _matrix(r.workload_connectivity), "matrix_level": "workloads"}
    return {"matrix": _matrix(by_ns), "matrix_level": "namespaces"}


def _graph(graph: Graph, r: AuditReport) -> dict[str, Any]:
    picture = layout(graph, r.entry_points)
    return {"level": graph.level, "notes": [*graph.notes, *picture.notes], "picture": picture}


def audit_html_context(r: AuditReport) -> dict[str, Any]:
    """The values the template shows (plain data; the template escapes them)."""
    counts = severity_counts(r, r.findings)
    graph = build_graph(r)
    gate = gate_sentence(r)
    return {
        "inputs": list(r.inputs),
        "cluster": list(r.cluster_summary.items()),
        "counts": [{"severity": s.value, "count": n} for s, n in counts.items()],
        # The template ends the summary with a period: the gate is its second sentence.
        "summary": counts_sentence(r) + (f". {gate[0].upper()}{gate[1:]}" if gate else ""),
        "incomplete": incomplete_sentence(r).removeprefix("incomplete: "),
        "undecided": undecided_sentence(r).removeprefix("undecided: "),
        "undecided_questions": list(r.undecided),
        "ignored": ignored_line(r.coverage) or "",
        "sections": [{"severity": s.value, "count": n,
                      "findings": [_finding(r, f) for f in r.findings if r.severity(f) is s]}
                     for s, n in counts.items() if n],
        "rules": [{"code": c, "title": r.rules[c].title,
                   "severity": r.rules[c].severity.value,
                   "help": "\n\n".join(f"{h}:\n{plain_text(t)}" for h, t in (
                       ("Anti-pattern", r.rules[c].anti_pattern),
                       ("Why it hurts", r.rules[c].why), ("Fix", r.rules[c].fix)) if t)}
                  for c in sorted(r.rules)],
        **_matrices(r),
        "graph": None if graph is None else _graph(graph, r),
    }


def render_audit_html(r: AuditReport, opts: RenderOptions) -> str:
    """The HTML text of the report."""
    return sanitize(environment().get_template("audit.html.j2").render(
        audit_html_context(r)))
