"""Audit report as GitHub-flavoured Markdown, with the connectivity as a Mermaid flowchart.

Everything that comes from the manifests (names, labels, messages, paths) is
untrusted: it goes through ``md_text`` (table cells and prose: pipes, backticks,
newlines, HTML and emphasis characters escaped) or ``mermaid_text`` (labels:
every character outside a small safe set becomes a Mermaid entity).  Mermaid node
ids never contain input text beyond ``[a-z0-9_]`` (``audit_graph.node_id``).
"""

from __future__ import annotations

import re

from netverify.renderers.audit import counts_sentence, severity_counts
from netverify.renderers.audit_graph import Graph, build_graph
from netverify.results import AuditReport, Finding, MatrixResult

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$])")
_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 ._/:=,+-]")
MAX_LABEL = 60
MAX_MATRIX = 16  # namespaces; a wider table does not fit a pull-request comment


def md_text(s: str) -> str:
    """Escape text for a Markdown table cell or paragraph: one line, no markup."""
    one_line = " ".join(s.split()) if "\n" in s or "\r" in s else s
    return _MD_SPECIAL.sub(r"\\\1", one_line)


def mermaid_text(s: str, limit: int = MAX_LABEL) -> str:
    """A Mermaid label body (to go inside double quotes): safe characters or ``#NNN;``."""
    s = " ".join(s.split())
    if len(s) > limit:
        s = s[:limit - 1] + "\u2026"
    return "".join(ch if _MERMAID_SAFE.fullmatch(ch) else f"#{ord(ch)};" for ch in s)


def _where(f: Finding) -> str:
    return md_text(f.source.location()) if f.source else ""


def _finding_row(r: AuditReport, f: Finding) -> str:
    rule = f"{f.code} {md_text(r.rules[f.code].title)}"
    what = md_text(f.message)
    if f.path:
        what = f"{md_text(f.path)}: {what}"
    for x in f.related:
        loc = f" ({md_text(x.source.location())})" if x.source else ""
        what += f"<br>{md_text(x.role)}: {md_text(x.object)}{loc}"
    cells = [rule, md_text(f.object), _where(f), what, md_text(f.example)]
    return "| " + " | ".join(cells) + " |"


def mermaid(g: Graph) -> list[str]:
    """The flowchart lines (without the fence)."""
    lines = ["flowchart LR"]
    grouped = {n.id for n in g.nodes if n.group}
    for grp in g.groups:
        lines.append(f'  subgraph {grp.id}["{mermaid_text(grp.name)}"]')
        lines += [f'    {n.id}["{mermaid_text(n.label)}"]' for n in g.nodes if n.group == grp.id]
        lines.append("  end")
    lines += [f'  {n.id}["{mermaid_text(n.label)}"]' for n in g.nodes if n.id not in grouped]
    lines += [f'  {e.src} -->|"{mermaid_text(e.label)}"| {e.dst}' for e in g.edges]
    return lines


def matrix_table(m: MatrixResult) -> list[str]:
    """Allowed pod pairs / all pod pairs between namespaces, row to column."""
    cells = {(c.src, c.dst): c for c in m.cells}
    out = ["| from \\ to | " + " | ".join(md_text(n) for n in m.rows) + " |",
           "| --- |" + " ---: |" * len(m.rows)]
    for src in m.rows:
        row = [f"{cells[(src, d)].allowed_pairs}/{cells[(src, d)].pairs}" for d in m.rows]
        out.append(f"| **{md_text(src)}** | " + " | ".join(row) + " |")
    return out


def _connectivity(r: AuditReport) -> list[str]:
    g = build_graph(r)
    if g is None:
        return []
    out = ["", "## Connectivity", "",
           f"What the NetworkPolicies allow, by {g.level}: an arrow is allowed traffic, "
           "labelled with its ports. Whether the CNI enforces the policies is judged by "
           "the CNI rules above.", ""]
    if not g.edges and not g.nodes:
        return [*out, "No pods."]
    out += ["```mermaid", *mermaid(g), "```"]
    if g.notes:
        out += ["", *(f"- {md_text(n)}" for n in g.notes)]
    m = r.connectivity
    if m is not None and m.rows and len(m.rows) <= MAX_MATRIX:
        out += ["", "Allowed pod pairs out of all pod pairs, from each row's namespace to each "
                "column's:", "", *matrix_table(m)]
    elif m is not None and m.rows:
        out += ["", f"The {len(m.rows)} namespaces make a matrix too wide for Markdown: the "
                "HTML and JSON reports have it."]
    return out


def render_audit_markdown(r: AuditReport) -> str:
    """The report for a pull request, an issue or a review: summary, findings, graph."""
    s = r.cluster_summary
    out = ["# netverify audit", ""]
    if r.inputs:
        out.append("**Inputs:** " + ", ".join(md_text(i) for i in r.inputs) + "  ")
    out += ["**Cluster:** " + ", ".join(f"{n} {k}" for k, n in s.items()), "",
            "| Severity | Findings |", "| --- | ---: |"]
    counts = severity_counts(r, r.findings)
    out += [f"| {sev.value} | {n} |" for sev, n in counts.items()]
    out += ["", md_text(counts_sentence(r)) + "."]
    out += ["", "## Findings"]
    if not r.findings:
        out += ["", "No findings."]
    for sev, n in counts.items():
        if not n:
            continue
        out += ["", f"### {sev.value.capitalize()} ({n})", "",
                "| Rule | Object | Where | Finding | Example |",
                "| --- | --- | --- | --- | --- |"]
        out += [_finding_row(r, f) for f in r.findings if r.severity(f) is sev]
    out += _connectivity(r)
    out += ["", "## Rules that ran", "", "| Code | Title | Severity |", "| --- | --- | --- |"]
    out += [f"| {c} | {md_text(r.rules[c].title)} | {r.rules[c].severity.value} |"
            for c in sorted(r.rules)]
    return "\n".join(out) + "\n"
