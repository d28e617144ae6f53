"""Audit report as a terminal table (text) and as canonical JSON.

JSON is the reference form (``docs/json-schema.md``, section *audit*): Markdown,
HTML and SARIF (``audit_md``, ``audit_html``, ``audit_sarif``) show no fact it
lacks.  The small helpers here (counts, summary sentences) are shared by every
audit format so that they all count the same way.

The report carries the ``--fail-on`` gate (``AuditReport.fail_on``), so that every
format can say when findings it does not show decide the exit status; a report without
one (``audit(cluster)`` from the library, no ``fail_on``) leaves the gate out.
"""

from __future__ import annotations

from typing import Any

from netverify.exits import exit_code_for
from netverify.renderers.base import RenderOptions, finish, sanitize
from netverify.renderers.coverage import coverage_json, coverage_lines
from netverify.renderers.fit import fit_table
from netverify.renderers.json import SCHEMA_VERSION, matrix_document
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


def hidden_at_or_above(r: AuditReport, level: Severity) -> int:
    """How many findings hidden by ``--min-severity`` are at or above ``level``."""
    return sum(1 for f in r.hidden if r.severity(f).rank <= level.rank)


def gate_sentence(r: AuditReport) -> str:
    """Why the exit status is 1 when findings the report does not show trip ``--fail-on``.

    ``exit 1: 2 hidden finding(s) at or above warning (--min-severity error hides
    them)``; empty when no hidden finding reaches the gate (or the gate is unknown).
    """
    if r.fail_on is None or r.min_severity is None:
        return ""
    n = hidden_at_or_above(r, r.fail_on)
    if not n:
        return ""
    return (f"exit 1: {n} hidden finding(s) at or above {r.fail_on.value} "
            f"(--min-severity {r.min_severity.value} hides them)")


def incomplete_sentence(r: AuditReport) -> str:
    """Why the report is incomplete (empty when it is complete), for every audit format.

    ``incomplete: the input holds 2 traffic policies netverify does not evaluate (1
    CiliumNetworkPolicy, 1 AdminNetworkPolicy; rule NV704 lists them): ...``
    """
    objs = r.coverage.unevaluated
    if not objs:
        return ""
    kinds: dict[str, int] = {}
    for o in objs:
        kinds[o.kind.kind] = kinds.get(o.kind.kind, 0) + 1
    listed = ", ".join(f"{n} {k}" for k, n in kinds.items())
    return (f"incomplete: the input holds {len(objs)} traffic polic"
            f"{'y' if len(objs) == 1 else 'ies'} netverify does not evaluate ({listed}; rule "
            "NV704 lists them): findings and connectivity about the traffic they apply to "
            "say only what the NetworkPolicies say")


def undecided_sentence(r: AuditReport) -> str:
    """Why the report is undecided (empty when every question was decided), for every format.

    ``undecided: 3 question(s) were not decided in time (raise --smt-timeout to decide
    them)``; ``r.undecided`` lists the questions.
    """
    if not r.undecided:
        return ""
    return (f"undecided: {len(r.undecided)} question(s) were not decided in time (raise "
            "--smt-timeout to decide them); a finding may be missing")


def _line(s: str) -> str:
    """An untrusted value that must stay on its line: every control character escaped."""
    return sanitize(s, newlines=False)


def render_audit(r: AuditReport, opts: RenderOptions) -> str:
    r"""One row per finding, most severe first, then the counts.

    With ``verbose``, each finding's example pair and related objects follow.  Names
    and messages are untrusted: control characters in them are escaped (``\x1b``),
    never sent to the terminal.
    """
    gate = gate_sentence(r)
    tail = f"{gate}\n" if gate else ""
    undecided = undecided_sentence(r)
    if undecided:
        tail += f"{_line(undecided)}\n" + "".join(f"  {_line(u)}\n" for u in r.undecided)
    coverage = coverage_lines(r.coverage)
    if coverage:
        incomplete = incomplete_sentence(r)
        tail += "".join(f"{_line(x)}\n" for x in ([incomplete] if incomplete else []))
        tail += "".join(f"{_line(x)}\n" for x in coverage if not x.startswith("  "))
    if not r.findings:
        return finish("no findings" + "".join(f"; {x}" for x in not_shown(r)) + "\n" + tail,
                      opts)
    rows = [[r.severity(f).value, f.code, _line(f.object), _line(f.path or ""),
             _line(f.message), _line(f.source.location()) if f.source else ""]
            for f in r.findings]
    # Messages are sentences: wrapped so that a row fits a terminal, never cut.
    text = fit_table(rows, ["severity", "rule", "object", "field", "finding", "where"],
                     opts.width, maxcolwidths=[None, None, 36, 28, 64, None],
                     disable_numparse=True)
    if opts.verbose:
        details = []
        for f in r.findings:
            extra = [f"    example: {_line(f.example)}"] if f.example else []
            extra += [f"    {_line(x.role)}: {_line(x.object)}"
                      + (f"  [{_line(x.source.location())}]" if x.source else "")
                      for x in f.related]
            if extra:
                details += [f"{f.code} {_line(f.object)}:", *extra]
        if details:
            text += "\n\n" + "\n".join(details)
    return finish(text + f"\n\n{counts_sentence(r)}\n" + tail, opts)


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
    data = matrix_document(m)
    # The report says once what it left out; cells keep their own ``complete``.
    for key in ("schema_version", "query", *coverage_json(m.coverage)):
        del data[key]
    return data


def _gate(r: AuditReport) -> dict[str, Any] | None:
    if r.fail_on is None:
        return None
    return {"fail_on": r.fail_on.value, "failed": r.reaches(r.fail_on),
            "hidden_at_or_above": hidden_at_or_above(r, r.fail_on),
            "exit_status": int(exit_code_for(r))}


def audit_document(r: AuditReport) -> dict[str, Any]:
    """The JSON-ready dict of a report (documented in docs/json-schema.md).

    ``gate`` is null unless the caller says which ``--fail-on`` decides the exit status.
    """
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
        "gate": _gate(r),
        "undecided": list(r.undecided),
        "connectivity": None if r.connectivity is None else {
            "answer": "policy",
            "namespaces": _matrix(r.connectivity),
            "workloads": _matrix(r.workload_connectivity)},
        **coverage_json(r.coverage),
    }
