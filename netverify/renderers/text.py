"""Text for people: verdicts with their reasons, aligned tables (tabulate).

Every public renderer returns through ``base.finish``: names from the manifests may hold
terminal control sequences, which are escaped; colour comes only from ``base.paint``.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass

from tabulate import tabulate

from netverify.matrix_cells import all_complete
from netverify.ports import PortSet, Protocol
from netverify.renderers.assertions import assertion_details, assertion_message, cause_text
from netverify.renderers.base import RenderOptions, finish, paint
from netverify.renderers.coverage import coverage_lines
from netverify.renderers.fit import fit_table, split_columns
from netverify.results import (
    CanReachResult,
    CheckReport,
    Decision,
    DiffResult,
    HypotheticalResult,
    Layer,
    MatrixResult,
    Outcome,
    PairVerdict,
    SideVerdict,
    WhoCanReachResult,
    WitnessPod,
)
from netverify.verdicts import Answer, AssertionScope, AssertionStatus, GroupBy, SourceStatus

DETAIL_LIMIT = 4  # pairs explained in full without --verbose

YES = "✓"
NO = "✗"
UNDECIDED_MARK = "?"  # after ✓/✗: objects netverify does not evaluate could change it
UNDECIDED_LEGEND = (f"{UNDECIDED_MARK}: not decided: objects netverify does not evaluate "
                    "apply, or cluster-wide policies leave it to the implementation (the "
                    "mark shows what is allowed for sure)")


class Asked(typing.Protocol):
    """The traffic a question names (None: any), which explanations restrict rules to."""

    @property
    def port(self) -> int | None:
        """The destination port asked about."""
        ...

    @property
    def protocol(self) -> Protocol | None:
        """The protocol asked about."""
        ...

    @property
    def port_name(self) -> str | None:
        """The port as named in the question, when it was a name."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Traffic:
    """An ``Asked`` for explanations outside a ``can-reach`` answer (a hop of a path)."""

    port: int | None = None
    protocol: Protocol | None = None
    port_name: str | None = None


def _asked(r: Asked) -> str:
    if r.port_name:
        return f"port {r.port_name}" + (f"/{r.protocol.value}" if r.protocol else "")
    if r.port is not None and r.protocol is not None:
        return f"{r.protocol.value} {r.port}"
    if r.protocol is not None:
        return f"{r.protocol.value} (any port)"
    return "any port"


def _can_reach_head(r: CanReachResult, ok: int, opts: RenderOptions) -> str:
    """The verdict word: incomplete, undecided, allowed, partly allowed or denied."""
    if not r.coverage.complete and not r.denied:
        return paint("INCOMPLETE", "yellow", opts)
    if r.undecided and not r.denied:
        return paint("UNDECIDED", "yellow", opts)
    if r.allowed:
        return paint("ALLOWED", "green", opts)
    if ok:
        return paint("PARTLY ALLOWED", "yellow", opts)
    return paint("DENIED", "red", opts)


def render_can_reach(r: CanReachResult, opts: RenderOptions) -> str:
    """Verdict line, then per pair the egress and ingress explanation."""
    lines: list[str] = []
    n = len(r.pairs)
    ok = sum(1 for p in r.pairs if p.is_allowed)
    incomplete = not r.coverage.complete and not r.denied
    summary = f"{_can_reach_head(r, ok, opts)}  {r.src} -> {r.dst}  ({_asked(r)})"
    if incomplete:
        said = "allowed" if r.allowed else "partly allowed" if ok else "denied"
        summary += f"  by the policies netverify evaluates: {said}"
    if r.effective is not None and r.policy_allowed != r.allowed:
        summary += (f"  with {r.cni}; by the policies alone: "
                    f"{'allowed' if r.policy_allowed else 'denied'}")
    if r.host is not None and 0 < ok < n:
        summary += (f": depends on the address {r.host} resolves to (allowed for {ok} of {n} "
                    "address ranges; --resolves-to ADDRESS decides)")
    elif n > 1:
        summary += f": {ok} of {n} pairs allowed"
    elif n == 1 and r.port is None and r.pairs[0].is_allowed:
        summary += f": {r.pairs[0].allowed}"
    lines.append(summary)
    lines.extend(coverage_lines(r.coverage))
    if not r.coverage.complete and r.denied:
        sure = sum(1 for p in r.final if not p.is_allowed and p.complete)
        lines.append(f"  the answer is no all the same: {sure} pair(s) are denied where no "
                     "such object applies")
    if n > 1:
        rows = [[p.src.name, p.dst.name, (YES if p.is_allowed else NO)
                 + ("" if p.complete else f" {UNDECIDED_MARK}"),
                 _ports(p.allowed) if r.port is None else ""] for p in r.pairs]
        lines.append("")
        lines.append(tabulate(rows, headers=["from", "to", "allowed", "ports"]))
        if not all(p.complete for p in r.pairs):
            lines.append(UNDECIDED_LEGEND)
    detail = r.pairs if (opts.verbose or n <= DETAIL_LIMIT) else ()
    for p in detail:
        lines.append("")
        lines.extend(explain_pair(p, r, opts))
    if n > DETAIL_LIMIT and not opts.verbose:
        lines.append("")
        lines.append(f"(explanations of the {n} pairs shown with --verbose)")
    for c in r.caveats:
        lines.append(f"note: {c}")
    lines.extend(_effective_lines(r, opts))
    return finish("\n".join(lines) + "\n", opts)


def _effective_lines(r: CanReachResult, opts: RenderOptions) -> list[str]:
    """What the CNI does, when it differs from what the policies say (and the CNI notes)."""
    out: list[str] = []
    if r.effective is not None:
        changed = [(p, e) for p, e in zip(r.pairs, r.effective, strict=True)
                   if p.allowed != e.allowed]
        if changed:
            verdict = (paint("ALLOWED", "green", opts) if r.allowed
                       else paint("DENIED", "red", opts))
            out.append("")
            out.append(f"EFFECTIVE with {r.cni}: {verdict}  (the policies say otherwise)")
            for p, e in changed:
                pol = str(p.allowed) if p.is_allowed else "denied"
                eff = str(e.allowed) if e.is_allowed else "denied"
                out.append(f"  {p.src.name} -> {p.dst.name}: policies: {pol}; "
                           f"{r.cni}: {eff}")
    if r.cni_notes:
        out.append("")
        out.extend(f"note: {n}" for n in r.cni_notes)
    return out


def _ports(ps: PortSet) -> str:
    return "" if ps.is_empty else str(ps)


def explain_pair(p: PairVerdict, r: Asked, opts: RenderOptions) -> list[str]:
    """Why one pair is allowed, denied or undecided: each side's policies and rules.

    ``r`` says which traffic was asked about (a ``CanReachResult`` does): rules are
    shown for what they allow of it.
    """
    verdict = "allowed" if p.is_allowed else "undecided" if not p.undecided.is_empty \
        else "denied"
    out = [f"{p.src.name} -> {p.dst.name}: {verdict}"
           + (f" ({p.allowed})" if p.is_allowed and r.port is None else "")
           + ("" if p.complete else " by the policies netverify evaluates; not decided: "
              "objects it does not evaluate apply")]
    if p.loopback:
        out.append("  a pod talking to itself (loopback) is always allowed")
    else:
        out.extend(_side(p.egress, "egress from", r))
        out.extend(_side(p.ingress, "ingress to", r))
        if not p.is_allowed and p.undecided.is_empty and not p.egress.allowed.is_empty \
                and not p.ingress.allowed.is_empty:
            out.append(f"  each side allows some ports, but none in common with {_asked(r)}"
                       if r.port is not None or r.protocol is not None else
                       "  the two sides allow no port in common")
    out.extend(f"  note: {c}" for c in p.caveats)
    return out


def _side(s: SideVerdict, label: str, r: Asked) -> list[str]:
    if not s.governed:
        if s.external:
            return [f"  {label} {s.subject}: outside the cluster, not subject to NetworkPolicy"]
        return [f"  {label} {s.subject}: not subject to NetworkPolicy (hostNetwork)"]
    if s.tiers:
        return _tiered_side(s, label, r)
    return _np_side(s, label, r)


def _np_side(s: SideVerdict, label: str, r: Asked, indent: str = "  ") -> list[str]:
    if not s.isolated:
        kind = "Egress" if label.startswith("egress") else "Ingress"
        return [f"{indent}{label} {s.subject}: not isolated by NetworkPolicy (no {kind} "
                "policy selects it), all traffic allowed"]
    pols = ", ".join(f"{p.policy}" + (f" ({p.source.location()})" if p.source else "")
                     for p in s.isolating)
    out = [f"{indent}{label} {s.subject}: isolated by {pols}"]
    asked = r.port is not None or r.protocol is not None
    useful = 0
    for rule in s.rules:
        loc = f"  [{rule.source.location()}]" if rule.source else ""
        ports = rule.ports.restrict(r.protocol, r.port) if asked else rule.ports
        if ports.is_empty:
            continue
        useful += 1
        out.append(f"{indent}  allowed by {rule.policy} {rule.field} ({rule.peer}), "
                   f"{_ports(rule.ports)}{loc}")
    others = [rule for rule in s.rules if asked and
              rule.ports.restrict(r.protocol, r.port).is_empty]
    if not useful:
        out.append(f"{indent}  no rule allows {_asked(r)} with the other side")
    for rule in others:
        out.append(f"{indent}  ({rule.policy} {rule.field} matches the other side but allows "
                   f"only {_ports(rule.ports) or 'no port'})")
    return out


_LAYER_WORDS = {Layer.ADMIN: "Admin tier", Layer.BASELINE: "Baseline tier",
                Layer.NETWORK_POLICY: "NetworkPolicy", Layer.DEFAULT: "default"}


def _tiered_side(s: SideVerdict, label: str, r: Asked) -> list[str]:
    """A side with cluster-wide policies: which layer decided which ports, in order."""
    asked = r.port is not None or r.protocol is not None
    out = [f"  {label} {s.subject}:"]
    np_shown = False
    for d in s.tiers:
        ports = d.ports.restrict(r.protocol, r.port) if asked else d.ports
        if ports.is_empty:
            continue
        out.extend(f"    passed on by {pol.describe()} {rule.label} (Pass)"
                   for pol, rule in d.passed)
        if d.outcome is Outcome.UNDECIDED:
            out.append(f"    undecided, {ports}: {d.why}")
            for a in d.alternatives:
                out.append(f"      either {_decision_text(a)}")
            continue
        if d.layer is Layer.NETWORK_POLICY:
            word = "allowed" if d.outcome is Outcome.ALLOW else "denied"
            out.append(f"    NetworkPolicy decides {ports}: {word}")
            if not np_shown:
                out.extend(_np_side(s, label, r, indent="      "))
                np_shown = True
            continue
        out.append(f"    {_decision_text(d)}, {ports}")
    return out


def _decision_text(d: Decision) -> str:
    word = "allowed" if d.outcome is Outcome.ALLOW else "denied"
    if d.layer is Layer.DEFAULT:
        return "allowed by default (no tier or NetworkPolicy decides)"
    if d.layer is Layer.NETWORK_POLICY:
        return f"NetworkPolicy ({word})"
    if d.policy is None or d.rule is None:
        return f"{_LAYER_WORDS[d.layer]}: {word}"
    loc = f"  [{d.rule.source.location()}]" if d.rule.source else ""
    peer = f" ({d.peer.describe()})" if d.peer is not None else ""
    why = f"; {d.why}" if d.why else ""
    return (f"{word} by {d.policy.describe()} {d.rule.label} {d.rule.written_action}"
            f"{peer}{why}{loc}")


def _cell(ps: PortSet, asked_port: bool) -> str:
    if asked_port:
        return YES if not ps.is_empty else NO
    if ps.is_empty:
        return NO
    return str(ps).replace("; ", " ")


def matrix_table(m: MatrixResult) -> tuple[str, list[str], list[list[str]]]:
    """The title, headers and rows of the matrix (shared with its Markdown form).

    A square table: sources down, destinations across (numbered when wide).
    """
    n = len(m.rows)
    grid = [m.cells[i * n:(i + 1) * n] for i in range(n)]
    numbered = n > 6
    if m.by is GroupBy.POD:
        cells = [[_cell(c.allowed, m.port is not None) for c in row] for row in grid]
    else:
        cells = [[_group_cell(c.allowed_pairs, c.pairs) for c in row] for row in grid]
    cells = [[text if c.complete else f"{text} {UNDECIDED_MARK}" for text, c in zip(
        texts, row, strict=True)] for texts, row in zip(cells, grid, strict=True)]
    if numbered:
        headers = ["from \\ to", *[str(i + 1) for i in range(n)]]
        rows = [[f"{i + 1} {m.rows[i]}", *cells[i]] for i in range(n)]
    else:
        headers = ["from \\ to", *m.rows]
        rows = [[m.rows[i], *cells[i]] for i in range(n)]
    asked = ""
    if m.port is not None and m.protocol is not None:
        asked = f" on {m.protocol.value} {m.port}"
    elif m.protocol is not None:
        asked = f" on {m.protocol.value}"
    title = f"Connectivity by {m.by.value}{asked}"
    if m.by is not GroupBy.POD:
        title += " (allowed pod pairs / all pod pairs)"
    return title, headers, rows


def render_matrix(m: MatrixResult, opts: RenderOptions) -> str:
    """The matrix as an aligned table, then its caveats."""
    if not m.rows:
        return finish("\n".join(["no pods", *coverage_lines(m.coverage)]) + "\n", opts)
    title, headers, rows = matrix_table(m)
    if not m.coverage.complete:
        title = f"{paint('INCOMPLETE', 'yellow', opts)}  {title}"
    out = [title, *coverage_lines(m.coverage), "",
           split_columns(rows, headers, opts.width, disable_numparse=True)]
    if not all_complete(m.cells):
        out.append(UNDECIDED_LEGEND)
    for c in m.caveats:
        out.append(f"note: {c}")
    return finish("\n".join(out) + "\n", opts)


def _group_cell(allowed: int, pairs: int) -> str:
    if pairs == 0:
        return "-"
    return f"{allowed}/{pairs}"


def _witness_lines(role: str, w: WitnessPod) -> list[str]:
    if w.external:
        return [f"  {role}: the address {w.name}"]
    if w.existing:
        return [f"  {role}: the existing pod {w.namespace}/{w.name}"]
    labels = ", ".join(f"{k}={v}" for k, v in w.labels)
    pod = f"a pod labelled {labels}" if labels else "a pod with no labels"
    ns = f"namespace {w.namespace}"
    if w.new_namespace:
        # The name label is implied by the name; show the labels the namespace needs.
        nsl = ", ".join(f"{k}={v}" for k, v in w.namespace_labels
                        if k != "kubernetes.io/metadata.name")
        ns = f"a NEW namespace {w.namespace}" + (f" whose labels are {nsl}" if nsl else "")
    out = [f"  {role}: {pod}, in {ns}"]
    if w.ips:
        out.append(f"    with address {', '.join(w.ips)}")
    if w.named_ports:
        out.append(f"    declaring container ports {', '.join(w.named_ports)}")
    return out


def render_hypothetical(r: HypotheticalResult, opts: RenderOptions) -> str:
    """Yes with the witness and the admitting rules, no with reasons, or undecided."""
    asked = (f"{r.protocol.value} {r.port}" if r.port is not None and r.protocol else
             f"{r.protocol.value} (any port)" if r.protocol else "any port")
    head = {Answer.YES: paint("YES", "green", opts), Answer.NO: paint("NO", "red", opts),
            Answer.UNDECIDED: paint("UNDECIDED", "yellow", opts)}[r.outcome]
    said = ""
    if not r.coverage.complete:
        said = f"  by the policies netverify evaluates: {r.outcome.value}"
        head = paint("INCOMPLETE", "yellow", opts)
    lines = [f"{head}  could {r.src} reach {r.dst} ({asked})?{said}",
             *coverage_lines(r.coverage)]
    if r.outcome is Answer.YES:
        lines.append("")
        lines.append("witness (re-checked with the concrete engine):" if r.verified
                     else "witness:")
        if r.witness_src:
            lines.extend(_witness_lines("source", r.witness_src))
        if r.witness_dst:
            lines.extend(_witness_lines("destination", r.witness_dst))
        if r.witness_port is not None and r.witness_protocol is not None:
            lines.append(f"  traffic: {r.witness_protocol.value} {r.witness_port}")
        if r.admitted_by:
            lines.append(f"  admitted by: {', '.join(r.admitted_by)}")
        else:
            lines.append("  admitted because neither side is isolated for this traffic")
    elif r.outcome is Answer.NO:
        lines.append("")
        lines.append("proof: no pod that could match the source, existing or not, may open "
                     "this connection:")
        lines.extend(f"  - {x}" for x in r.reasons)
    else:
        lines.extend(f"  {x}" for x in r.reasons)
    lines.extend(f"note: {c}" for c in r.caveats)
    return finish("\n".join(lines) + "\n", opts)


def _example(w: WitnessPod) -> str:
    if w.external:
        return f"the address {w.name}"
    labels = ",".join(f"{k}={v}" for k, v in w.labels) or "no labels"
    where = f"new namespace {w.namespace}" if w.new_namespace else f"namespace {w.namespace}"
    ip = f", address {w.ips[0]}" if w.ips else ""
    return f"a pod in {where} with {labels}{ip}"


def render_who_can_reach(r: WhoCanReachResult, opts: RenderOptions) -> str:
    """Existing sources as a table, then every possible source family."""
    asked = (f" on {r.protocol.value} {r.port}" if r.port is not None and r.protocol else
             f" on {r.protocol.value}" if r.protocol else "")
    lines = [f"Who can reach {r.dst}{asked}"]
    if not r.coverage.complete:
        lines[0] = (f"{paint('INCOMPLETE', 'yellow', opts)}  {lines[0]} (by the policies "
                    "netverify evaluates)")
    lines.extend(coverage_lines(r.coverage))
    lines.append("")
    if r.existing:
        lines.append(f"Existing pods ({len(r.existing)}):")
        lines.append(tabulate([[k, str(p)] for k, p in r.existing], headers=["from", "ports"]))
    else:
        lines.append("Existing pods: none")
    lines.append("")
    lines.append("Every possible source (existing or not), from the solver:")
    if not r.classes:
        lines.append("  none: no ingress rule of the policies isolating it admits anything"
                     + asked)
    rows = []
    word = {SourceStatus.ALL: "all may connect",
            SourceStatus.SOME: "only those their own egress (and cluster-wide policies) allow",
            SourceStatus.NONE: "none may connect (their own egress or a cluster-wide policy "
                               "blocks them)",
            SourceStatus.UNDECIDED: "undecided (solver limit)"}
    for c in r.classes:
        rows.append([c.description, str(c.ports), word[c.status], c.rule or "not isolated"])
    if rows:
        lines.append(tabulate(rows, headers=["sources", "ports", "of those", "admitted by"]))
    for c in r.classes:
        if c.status is SourceStatus.SOME and c.example and c.blocked_example:
            lines.append(f"  {c.description}: e.g. {_example(c.example)} may; "
                         f"{_example(c.blocked_example)} may not")
    lines.extend(f"note: {c}" for c in r.caveats)
    return finish("\n".join(lines) + "\n", opts)


def render_check(r: CheckReport, opts: RenderOptions) -> str:
    """A line per assertion (✓/✗), the counterexample under each failure, a summary."""
    lines: list[str] = []
    current = None
    for a in r.results:
        if a.file != current:
            if current is not None:
                lines.append("")
            lines.append(a.file)
            current = a.file
        mark = {AssertionStatus.PASS: paint(YES, "green", opts),
                AssertionStatus.FAIL: paint(NO, "red", opts),
                AssertionStatus.UNDECIDED: paint("?", "yellow", opts),
                AssertionStatus.INCOMPLETE: paint(UNDECIDED_MARK, "yellow", opts)}[a.status]
        scope = " [any pod]" if a.scope is AssertionScope.ANY else ""
        lines.append(f"  {mark} {a.name}{scope}")
        if a.status is not AssertionStatus.PASS or opts.verbose:
            lines.append(f"      {assertion_message(a)}")
            lines.extend(f"      {d}" for d in assertion_details(a))
    passed = sum(x.status is AssertionStatus.PASS for x in r.results)
    failed = sum(x.status is AssertionStatus.FAIL for x in r.results)
    undecided = sum(x.status is AssertionStatus.UNDECIDED for x in r.results)
    incomplete = sum(x.status is AssertionStatus.INCOMPLETE for x in r.results)
    lines.append("")
    summary = f"{passed} passed, {failed} failed"
    if undecided:
        summary += f", {undecided} undecided"
    if incomplete:
        summary += f", {incomplete} incomplete"
        if not r.failed:
            summary = f"{paint('INCOMPLETE', 'yellow', opts)}: {summary}"
    lines.append(summary)
    lines.extend(coverage_lines(r.coverage))
    lines.extend(f"note: {c}" for c in r.caveats)
    return finish("\n".join(lines) + "\n", opts)


DIFF_HEADERS = ["from", "to", "newly allowed", "newly denied", "pod pairs"]


def diff_rows(r: DiffResult) -> list[list[str]]:
    """One row per changed pair of existing workloads (shared with the Markdown form)."""
    return [[x.src, x.dst, _ports(x.added) or "-", _ports(x.removed) or "-",
             str(x.pairs) + ("" if x.complete else f" {UNDECIDED_MARK}")] for x in r.rows]


def diff_causes(r: DiffResult) -> list[str]:
    """Per row, the rules responsible (read on one of its pod pairs and ports)."""
    out = []
    for x in r.rows:
        for c in x.because:
            pods = "" if (c.src, c.dst) == (x.src, x.dst) else f" (pods {c.src} -> {c.dst})"
            out.append(f"  {x.src} -> {x.dst}{pods}, {c.direction.value.lower()} on "
                       f"{c.protocol.value} {c.port}: now {cause_text(c.new)}; "
                       f"was {cause_text(c.old)}")
    return ["why (one pod pair and port of each row):", *out] if out else []


def diff_symbolic(r: DiffResult) -> list[str]:
    """The answer over every pod that could exist, with witnesses (one line each)."""
    words = {Answer.YES: "yes", Answer.NO: "no (proved)" if r.coverage.complete
             else "no (proved for the policies netverify evaluates)",
             Answer.UNDECIDED: "undecided (solver limit)"}
    out = [f"newly allowed for some pod that could exist: {words[r.any_allowed]}",
           f"newly denied for some pod that could exist: {words[r.any_denied]}"]
    for w in r.witnesses:
        rules = f" (by {', '.join(w.rules)})" if w.rules else ""
        out.append(f"  e.g. newly {w.direction.value}: {_example(w.src)} -> {_example(w.dst)} "
                   f"on {w.protocol.value} {w.port}{rules}")
    if r.any_allowed is Answer.NO and r.any_denied is not Answer.NO:
        out.append("  the change only tightens")
    return out


def render_diff(r: DiffResult, opts: RenderOptions) -> str:
    """Existing pods' changes as a table, then the answer over every possible pod."""
    lines = [f"Reachability changes from {r.old} to {r.new}"]
    if not r.coverage.complete:
        lines[0] = (f"{paint('INCOMPLETE', 'yellow', opts)}  {lines[0]} (by the policies "
                    "netverify evaluates)")
    lines.extend(coverage_lines(r.coverage))
    lines.append("")
    if r.rows:
        lines.append(fit_table(diff_rows(r), DIFF_HEADERS, opts.width, disable_numparse=True))
        if not all(x.complete for x in r.rows):
            lines.append(UNDECIDED_LEGEND)
        why = diff_causes(r)
        if why:
            lines.extend(["", *why])
    else:
        lines.append("existing pods: no pair changed")
    if r.pods_added:
        lines.append(f"pods only in {r.new}: {', '.join(r.pods_added)}")
    if r.pods_removed:
        lines.append(f"pods only in {r.old}: {', '.join(r.pods_removed)}")
    lines.append("")
    lines.extend(diff_symbolic(r))
    lines.extend(f"note: {c}" for c in r.caveats)
    return finish("\n".join(lines) + "\n", opts)
