"""Audit report as GitHub-flavoured Markdown, with the connectivity as a Mermaid flowchart.

Everything that comes from the manifests (names, labels, messages, paths) is
untrusted: it goes through ``markdown.md_text`` (table cells and prose: pipes,
backticks, newlines, HTML and emphasis characters escaped, control and bidi characters
written out, ``@name`` mentions and ``#123`` references broken with a zero-width
space) or ``mermaid_text`` (labels: control and bidi characters written out, then
every character outside a small safe set becomes a Mermaid entity).  Mermaid node ids
never contain input text beyond ``[a-z0-9_]`` (``audit_graph.node_id``).

The report is meant for a pull-request comment or a job summary, which GitHub caps
at 65,536 characters: each rule shows at most ``MAX_ROWS_PER_RULE`` findings, cells
are cut at ``MAX_CELL`` characters, and rows stop once the report reaches
``MAX_CHARS``; a line per rule says how many findings were left out.  The HTML, JSON
and SARIF reports keep every finding.
"""

from __future__ import annotations

import re

from netverify.renderers.audit import (
    counts_sentence,
    gate_sentence,
    incomplete_sentence,
    severity_counts,
)
from netverify.renderers.audit_graph import Graph, build_graph
from netverify.renderers.base import RenderOptions, sanitize
from netverify.renderers.coverage import ignored_line
from netverify.renderers.markdown import md_text
from netverify.results import AuditReport, Finding, MatrixResult, Severity

_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 ._/:=,+-]")
MAX_LABEL = 60
MAX_MATRIX = 16  # namespaces; a wider table does not fit a pull-request comment
MAX_ROWS_PER_RULE = 20
MAX_CELL = 500  # characters of one value in a table cell (a name, a message) before it is cut
MAX_RELATED = 5  # related objects listed under a finding
MAX_INPUTS = 20  # input paths named in the header
MAX_NOTE = 400  # characters of one note under the graph
MAX_CHARS = 60_000  # the whole report, when the findings allow (GitHub's cap is 65,536)
MIN_FINDINGS_CHARS = 20_000  # for the findings tables, however large the rest
MORE = "(see the JSON, HTML or SARIF report)"


def mermaid_text(s: str, limit: int = MAX_LABEL) -> str:
    r"""A Mermaid label body (to go inside double quotes): safe characters or ``#NNN;``.

    Control and bidi characters are written out first (``\u202e``): as an entity,
    Mermaid would turn them back into the character itself.
    """
    s = sanitize(" ".join(s.split()), newlines=False)
    if len(s) > limit:
        s = s[:limit - 1] + "\u2026"
    return "".join(ch if _MERMAID_SAFE.fullmatch(ch) else f"#{ord(ch)};" for ch in s)


def _where(f: Finding) -> str:
    return md_text(f.source.location(), MAX_CELL) if f.source else ""


def _finding_row(r: AuditReport, f: Finding) -> str:
    rule = f"{f.code} {md_text(r.rules[f.code].title)}"
    what = md_text(f.message, MAX_CELL)
    if f.path:
        what = f"{md_text(f.path, MAX_CELL)}: {what}"
    for x in f.related[:MAX_RELATED]:
        loc = f" ({md_text(x.source.location(), MAX_CELL)})" if x.source else ""
        what += f"<br>{md_text(x.role, MAX_CELL)}: {md_text(x.object, MAX_CELL)}{loc}"
    if len(f.related) > MAX_RELATED:
        what += f"<br>and {len(f.related) - MAX_RELATED} more related object(s)"
    cells = [rule, md_text(f.object, MAX_CELL), _where(f), what, md_text(f.example, MAX_CELL)]
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
    """Allowed pod pairs / all pod pairs between namespaces, row to column.

    ``?`` marks a cell that traffic policies netverify does not evaluate could change.
    """
    cells = {(c.src, c.dst): c for c in m.cells}
    out = ["| from \\ to | " + " | ".join(md_text(n) for n in m.rows) + " |",
           "| --- |" + " ---: |" * len(m.rows)]
    for src in m.rows:
        row = [f"{cells[(src, d)].allowed_pairs}/{cells[(src, d)].pairs}"
               + ("" if cells[(src, d)].complete else " ?") for d in m.rows]
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
        out += ["", *(f"- {md_text(n, MAX_NOTE)}" for n in g.notes)]
    m = r.connectivity
    if m is not None and m.rows and len(m.rows) <= MAX_MATRIX:
        out += ["", "Allowed pod pairs out of all pod pairs, from each row's namespace to each "
                "column's:", "", *matrix_table(m)]
    elif m is not None and m.rows:
        out += ["", f"The {len(m.rows)} namespaces make a matrix too wide for Markdown: the "
                "HTML and JSON reports have it."]
    return out


def _findings(r: AuditReport, counts: dict[Severity, int],
              budget: int) -> tuple[list[str], int, int]:
    """The findings sections, their rows within ``budget`` characters.

    Returns the lines, how many findings were left out, and the rows per rule shown.
    Each rule shows the same number of rows, ``MAX_ROWS_PER_RULE`` or fewer if that
    many do not fit, so that every rule keeps examples; should even one per rule not
    fit, the most severe come first.  A line after each table counts what it leaves out.
    """
    sections: list[tuple[Severity, int, dict[str, list[Finding]]]] = []
    for sev, n in counts.items():
        by_rule: dict[str, list[Finding]] = {}
        for f in r.findings:
            if r.severity(f) is sev:
                by_rule.setdefault(f.code, []).append(f)
        if n:
            sections.append((sev, n, by_rule))
    candidates = {code: [_finding_row(r, f) for f in fs[:MAX_ROWS_PER_RULE]]
                  for _, _, by_rule in sections for code, fs in by_rule.items()}
    per_rule = MAX_ROWS_PER_RULE
    while per_rule > 1 and sum(len(row) + 1 for rows in candidates.values()
                               for row in rows[:per_rule]) > budget:
        per_rule -= 1
    out: list[str] = []
    used = 0
    left_out = 0
    for sev, n, by_rule in sections:
        rows: list[str] = []
        more: list[str] = []
        for code, fs in by_rule.items():
            shown = 0
            for row in candidates[code][:per_rule]:
                if used + len(row) + 1 > budget:
                    used = budget  # full: no later row either, the order stays
                    break
                rows.append(row)
                used += len(row) + 1
                shown += 1
            rest = len(fs) - shown
            if rest:
                left_out += rest
                noun = "finding" if rest == 1 else "findings"
                more.append(f"- ... and {rest} more {code} {noun} {MORE}" if shown else
                            f"- ... {rest} {code} {noun} not shown here {MORE}")
        out += ["", f"### {sev.value.capitalize()} ({n})"]
        if rows:
            out += ["", "| Rule | Object | Where | Finding | Example |",
                    "| --- | --- | --- | --- | --- |", *rows]
        if more:
            out += ["", *more]
    return out, left_out, per_rule


def _inputs(r: AuditReport) -> list[str]:
    if not r.inputs:
        return []
    names = [md_text(i, MAX_CELL) for i in r.inputs[:MAX_INPUTS]]
    if len(r.inputs) > MAX_INPUTS:
        names.append(f"and {len(r.inputs) - MAX_INPUTS} more")
    return ["**Inputs:** " + ", ".join(names) + "  "]


def render_audit_markdown(r: AuditReport, opts: RenderOptions) -> str:
    """The report for a pull request, an issue or a review: summary, findings, graph.

    Long reports are cut to fit a comment (see the module's docstring); the summary
    says how many findings the tables leave out.
    """
    s = r.cluster_summary
    head = ["# netverify audit", "", *_inputs(r),
            "**Cluster:** " + ", ".join(f"{n} {k}" for k, n in s.items()), "",
            "| Severity | Findings |", "| --- | ---: |"]
    counts = severity_counts(r, r.findings)
    head += [f"| {sev.value} | {n} |" for sev, n in counts.items()]
    head += ["", md_text(counts_sentence(r)) + "."]
    gate = gate_sentence(r)
    if gate:
        head += ["", f"**{md_text(gate)}.**"]
    incomplete = incomplete_sentence(r)
    if incomplete:
        head += ["", f"**INCOMPLETE**: {md_text(incomplete.removeprefix('incomplete: '))}."]
    ignored = ignored_line(r.coverage)
    if ignored:
        head += ["", md_text(ignored) + "."]
    tail = _connectivity(r)
    tail += ["", "## Rules that ran", "", "| Code | Title | Severity |", "| --- | --- | --- |"]
    tail += [f"| {c} | {md_text(r.rules[c].title)} | {r.rules[c].severity.value} |"
             for c in sorted(r.rules)]
    # Room for what _findings adds besides rows: headings, table heads, a line per rule
    # for the findings left out; and for the sentence saying how many were.
    reserve = 1_000 + 200 * len(counts) + (len(MORE) + 50) * len({f.code for f in r.findings})
    fixed = sum(len(x) + 1 for x in (*head, *tail)) + reserve
    body, left_out, per_rule = _findings(r, counts,
                                         max(MAX_CHARS - fixed, MIN_FINDINGS_CHARS))
    if left_out:
        head += ["", f"To fit a GitHub comment, the tables below show at most {per_rule} "
                 f"finding(s) per rule: {left_out} finding(s) are left out here (the JSON, "
                 "HTML and SARIF reports have every finding)."]
    out = [*head, "", "## Findings"]
    if not r.findings:
        out += ["", "No findings."]
    out += [*body, *tail]
    return "\n".join(out) + "\n"
