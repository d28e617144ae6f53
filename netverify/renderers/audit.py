"""Audit report as a terminal table (text) and as canonical JSON.

JSON is the reference form (``docs/json-schema.md``, section *audit*): Markdown,
HTML and SARIF (``audit_md``, ``audit_html``, ``audit_sarif``) show no fact it
lacks.  The small helpers here (counts, summary sentences) are shared by every
audit format so that they all count the same way.
"""

from __future__ import annotations

import json
from typing import Any

from tabulate import tabulate

from netverify.renderers.base import RenderOptions
from netverify.renderers.json import SCHEMA_VERSION, to_jsonable
from netverify.results import AuditReport, Finding, MatrixResult, Severity
from netverify.source import SourceRef

SEVERITIES = tuple(sorted(Severity, key=lambda s: s.rank))


def severity_counts(r: AuditReport, findings: tuple[Finding, ...]) -> dict[Severity, int]:
    """How many of ``findings`` each severity has, most severe first (zeros included)."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        counts[r.severity(f)] += 1
    return counts


def counts_sentence(r: AuditReport) -> str:
    """``2 finding(s): 1 error, 1 warning`` plus what was suppressed or hidden."""
    counts = severity_counts(r, r.findings)
    parts = [f"{n} {s.value}" for s, n in counts.items() if n]
    text = f"{len(r.findings)} finding(s)" + (f": {', '.join(parts)}" if parts else "")
    return text + "".join(f"; {x}" for x in not_shown(r))


def not_shown(r: AuditReport) -> list[str]:
    """Sentences for the suppressed and hidden findings (empty when there are none)."""
    out = []
    if r.suppressed:
        out.append(f"{len(r.suppressed)} suppressed by netverify.io/ignore")
    if r.hidden and r.min_severity is not None:
        out.append(f"{len(r.hidden)} below --min-severity {r.min_severity.value} not shown")
    return out


def plain_text(markdown: str) -> str:
    """Rule help (Markdown) as plain text: fenced blocks become indented blocks."""
    out, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        out.append(f"    {line}" if fenced and line else line)
    return "\n".join(out)


def render_audit(r: AuditReport, opts: RenderOptions) -> str:
    """One row per finding, most severe first, then the counts.

    With ``verbose``, each finding's example pair and related objects follow.
    """
    if not r.findings:
        return "no findings" + "".join(f"; {x}" for x in not_shown(r)) + "\n"
    rows = [[r.severity(f).value, f.code, f.object, f.path or "",
             f.message, f.source.location() if f.source else ""] for f in r.findings]
    # Messages are sentences: wrapped so that a row fits a terminal, never cut.
    text = tabulate(rows, headers=["severity", "rule", "object", "field", "finding", "where"],
                    maxcolwidths=[None, None, 36, 28, 64, None])
    if opts.verbose:
        details = []
        for f in r.findings:
            extra = [f"    example: {f.example}"] if f.example else []
            extra += [f"    {x.role}: {x.object}"
                      + (f"  [{x.source.location()}]" if x.source else "") for x in f.related]
            if extra:
                details += [f"{f.code} {f.object}:", *extra]
        if details:
            text += "\n\n" + "\n".join(details)
    return text + f"\n\n{counts_sentence(r)}\n"


def _source(s: SourceRef | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"file": s.file, "document": s.document, "item": s.item, "line": s.line}


def _finding(r: AuditReport, f: Finding) -> dict[str, Any]:
    return {"code": f.code, "severity": r.severity(f).value, "object": f.object,
            "path": f.path, "message": f.message, "example": f.example,
            "related": [{"object": x.object, "role": x.role, "source": _source(x.source)}
                        for x in f.related],
            "source": _source(f.source)}


def _matrix(m: MatrixResult | None) -> dict[str, Any] | None:
    if m is None:
        return None
    data = to_jsonable(m)
    del data["schema_version"], data["query"]
    return data


def audit_jsonable(r: AuditReport) -> dict[str, Any]:
    """The JSON-ready dict of a report (documented in docs/json-schema.md)."""
    return {
        "schema_version": SCHEMA_VERSION, "query": "audit",
        "inputs": list(r.inputs),
        "cluster": dict(sorted(r.cluster_summary.items())),
        "rules": [{"code": c, "name": r.rules[c].name, "title": r.rules[c].title,
                   "severity": r.rules[c].severity.value} for c in sorted(r.rules)],
        "counts": {s.value: n for s, n in severity_counts(r, r.findings).items()},
        "findings": [_finding(r, f) for f in r.findings],
        "suppressed": [_finding(r, f) for f in r.suppressed],
        "min_severity": r.min_severity.value if r.min_severity else None,
        "hidden": len(r.hidden),
        "connectivity": None if r.connectivity is None else {
            "answer": "policy",
            "namespaces": _matrix(r.connectivity),
            "workloads": _matrix(r.workload_connectivity)},
    }


def render_audit_json(r: AuditReport) -> str:
    """The canonical machine form."""
    return json.dumps(audit_jsonable(r), indent=2, sort_keys=True) + "\n"
