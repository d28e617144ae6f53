"""Audit report as a table (text) or JSON; Markdown, HTML and SARIF come next (issue 6)."""

from __future__ import annotations

import json
from typing import Any

from tabulate import tabulate

from netverify.renderers.base import RenderOptions
from netverify.renderers.json import SCHEMA_VERSION
from netverify.results import AuditReport


def render_audit(r: AuditReport, opts: RenderOptions) -> str:
    """One row per finding, most severe first, then a count per severity."""
    if not r.findings:
        return "no findings\n"
    rows = [[r.severity(f).value, f.code, f.object, f.path or "",
             f.message, f.source.location() if f.source else ""] for f in r.findings]
    counts: dict[str, int] = {}
    for f in r.findings:
        counts[r.severity(f).value] = counts.get(r.severity(f).value, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    return tabulate(rows, headers=["severity", "rule", "object", "field", "finding", "where"]
                    ) + f"\n\n{len(r.findings)} finding(s): {summary}\n"


def render_audit_json(r: AuditReport) -> str:
    """The canonical machine form."""
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION, "query": "audit",
        "rules": [{"code": c, "title": r.rules[c].title, "severity": r.rules[c].severity.value}
                  for c in sorted(r.rules)],
        "findings": [{"code": f.code, "severity": r.severity(f).value,
                      "object": f.object, "path": f.path, "message": f.message,
                      "source": None if f.source is None else {
                          "file": f.source.file, "document": f.source.document,
                          "item": f.source.item, "line": f.source.line}}
                     for f in r.findings],
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
