"""``lint``: policy-level questions answered over every pod that could exist.

- ``selects-no-pod``: the podSelector matches no existing pod (the policy does
  nothing today), or no possible pod at all.
- ``redundant-rule``: deleting the rule allows and denies exactly the same
  traffic for every possible source, destination, address (IPv4 and IPv6) and
  port.  Deleting is the edit a user makes in the YAML, defaults included:
  without ``policyTypes``, deleting the last egress rule also ends egress
  isolation (``NetworkPolicy.without_rule``), and that is what is checked.
- ``redundant-policy``: deleting the whole policy, isolation included, changes
  no verdict for any possible pod.

The findings are advice, so each is checked by applying it: the edited cluster
is encoded again and compared with the original.  They are found one after the
other with the earlier ones applied, and each is also checked alone, so any
one of them, or all of them together, can be deleted (two identical rules are
not both reported).

Only NetworkPolicies are compared.  Policies of kinds netverify does not evaluate
(``Cluster.coverage``) cannot make a finding false, but can make more rules
redundant than the findings say: the result is then marked incomplete.
Each redundant item names the policies that shadow it, found by asking the
same question with only one other policy's rules left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import z3

from netverify.deadline import DEFAULT_TIMEOUT_MS
from netverify.engines.smt.endpoints import symbolic_pod
from netverify.engines.smt.engine import SmtEngine
from netverify.engines.smt.formulas import Encoder, Traffic
from netverify.engines.smt.solve import Outcome, check, new_solver
from netverify.ipblocks import IPv4, IPv6
from netverify.model import Cluster, Direction, NetworkPolicy
from netverify.results import LintFinding, LintResult
from netverify.source import SourceRef


def lint(cluster: Cluster, *, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> LintResult:
    """Find policies that select nothing and rules or policies that change nothing.

    ``timeout_ms`` bounds all the solver work together; what is not decided by
    then is listed in ``undecided``.

    >>> lint(cluster).findings  # doctest: +SKIP
    """
    search = _Search(cluster, timeout_ms)
    for pol in cluster.policies:
        search.policy(pol)
    findings = sorted(search.findings, key=lambda f: (f.policy, f.field, f.code))
    # Another kind of policy may make a NetworkPolicy rule redundant (a cluster-wide deny
    # covering what it allows) wherever it applies: with policies to judge, every object
    # netverify does not evaluate leaves the search incomplete.  Findings stay true.
    coverage = cluster.coverage if cluster.policies else cluster.coverage.affecting(())
    return LintResult(findings=tuple(findings), policies=len(cluster.policies),
                      undecided=tuple(search.undecided), coverage=coverage)


class _Search:
    """One lint run: the original cluster's verdicts encoded once, the findings so far.

    ``current`` holds the findings so far applied; a candidate must keep every verdict
    both on it and on the original cluster (alone).
    """

    def __init__(self, cluster: Cluster, timeout_ms: int) -> None:
        self.cluster = cluster
        self.current = cluster
        self.smt = smt = SmtEngine(cluster, timeout_ms=timeout_ms)
        u = smt.universe
        self.src = symbolic_pod(u, cluster, "src", allow_new_namespace=True)
        self.dst = symbolic_pod(u, cluster, "dst", allow_new_namespace=True)
        # Addresses outside the cluster, of both families: an IPv6 ipBlock only ever
        # admits IPv6 addresses.
        self.ext4 = smt.external(IPv4, 0, (1 << 32) - 1, "ext4")
        self.ext6 = smt.external(IPv6, 0, (1 << 128) - 1, "ext6")
        self.traffic = Traffic.symbolic()
        self.findings: list[LintFinding] = []
        self.undecided: list[str] = []
        self.full = self.allowed(smt.encoder)
        self.solver = new_solver(smt.deadline)
        self.solver.add(*self.src.domain, *self.dst.domain, *self.ext4.domain,
                        *self.ext6.domain, *self.traffic.domain)

    def allowed(self, enc: Encoder) -> list[z3.BoolRef]:
        """The questions: pod to pod, outside to pod and pod to outside (each family)."""
        src, dst, ext4, ext6 = self.src, self.dst, self.ext4, self.ext6
        out = []
        for a, b in ((src, dst), (ext4, dst), (dst, ext4), (ext6, dst), (dst, ext6)):
            e, i, _, _ = enc.allowed(a, b, self.traffic)
            out.append(z3.And(e, i))
            if enc.tiers.active:  # what the implementation may choose must not change
                out.append(enc.possibly_allowed(a, b, self.traffic))
        return out

    def same(self, edited: Cluster, what: str) -> bool:
        """Whether ``edited`` decides every connection as the original does."""
        if self.smt.deadline.expired():  # its formulas would only be built to be left undecided
            self.undecided.append(f"{what}: {self.smt.deadline.reason()}")
            return False
        other = self.allowed(Encoder(edited, self.smt.universe))
        r = check(self.solver, z3.Or(*[x != y for x, y in zip(self.full, other, strict=True)]))
        if r.outcome is Outcome.UNDECIDED:
            self.undecided.append(f"{what}: {r.reason}")
            return False
        return r.outcome is Outcome.NO

    def redundant(self, edit: Callable[[Cluster], Cluster], what: str) -> bool:
        """Whether ``edit`` changes no verdict; if so it joins the findings applied."""
        if not self.same(edit(self.current), what):
            return False
        if self.current is not self.cluster and not self.same(edit(self.cluster), what):
            return False
        self.current = edit(self.current)
        return True

    def policy(self, pol: NetworkPolicy) -> None:
        """Judge one policy: its selector, then the whole policy, then each rule."""
        selected = [p for p in self.cluster.pods if p.namespace == pol.namespace
                    and not p.host_network and pol.pod_selector.matches(p.labels)]
        possible = check(self.solver, self.smt.encoder.selects(pol, self.dst))
        if possible.outcome is Outcome.UNDECIDED:
            self.undecided.append(f"{pol.key} spec.podSelector: {possible.reason}")
        if possible.outcome is Outcome.NO:
            self.findings.append(LintFinding(
                code="selects-no-pod", policy=pol.key, field="spec.podSelector",
                message="the podSelector contradicts itself: no pod could ever be selected",
                source=pol.source))
            return
        if not selected:
            self.findings.append(LintFinding(
                code="selects-no-pod", policy=pol.key, field="spec.podSelector",
                message=f"selects no existing pod in namespace {pol.namespace} "
                        f"({{{pol.pod_selector}}}); it has no effect today", source=pol.source))

        def drop(c: Cluster, key: str = pol.key) -> Cluster:
            return _without_policy(c, key)

        if self.redundant(drop, pol.key):
            self.findings.append(LintFinding(
                code="redundant-policy", policy=pol.key, field="",
                message="deleting this policy changes no verdict for any possible pod",
                source=pol.source,
                covered_by=tuple(_coverers(self.current, self.smt, pol, None))))
            return
        for direction in Direction:
            if direction in pol.policy_types:
                for rule in pol.rules(direction):
                    self.rule(pol, direction, rule.index, rule.source)

    def rule(self, pol: NetworkPolicy, direction: Direction, index: int,
             source: SourceRef | None) -> None:
        """Judge one rule of a policy that is not redundant as a whole."""
        field = f"spec.{direction.field}[{index}]"

        def edit(c: Cluster, key: str = pol.key, d: Direction = direction,
                 i: int = index) -> Cluster:
            return _without_rule(c, key, d, i)

        if not self.redundant(edit, f"{pol.key} {field}"):
            return
        drops = pol.without_rule(direction, index).policy_types != pol.policy_types
        more = (f"; without policyTypes the policy then stops isolating "
                f"{direction.value.lower()}, which changes nothing either" if drops else "")
        self.findings.append(LintFinding(
            code="redundant-rule", policy=pol.key, field=field,
            message="deleting this rule allows and denies exactly the same traffic "
                    f"for every possible pod{more}", source=source,
            covered_by=tuple(_coverers(self.current, self.smt, pol, (direction, index)))))


def _without_policy(cluster: Cluster, key: str) -> Cluster:
    return replace(cluster, policies=tuple(p for p in cluster.policies if p.key != key))


def _without_rule(cluster: Cluster, key: str, direction: Direction, index: int) -> Cluster:
    return replace(cluster, policies=tuple(
        p.without_rule(direction, index) if p.key == key else p for p in cluster.policies))


def _coverers(cluster: Cluster, smt: SmtEngine, pol: NetworkPolicy,
              only: tuple[Direction, int] | None) -> list[str]:
    """Other policies whose rules alone admit everything ``pol`` (or one rule) admits.

    ``cluster`` is the one with the earlier findings applied: a policy already found
    redundant (and so to be deleted) shadows nothing.
    """
    u = smt.universe
    subject = symbolic_pod(u, cluster, "s", allow_new_namespace=True)
    other = symbolic_pod(u, cluster, "o", allow_new_namespace=True)
    traffic = Traffic.symbolic("t")
    base = [*subject.domain, *other.domain, *traffic.domain]
    out = []
    for direction in Direction:
        if smt.deadline.expired():
            break  # the coverers found so far; the finding itself was decided
        if only is not None and only[0] is not direction:
            continue
        mine = [z3.And(smt.encoder.selects(pol, subject),
                       smt.encoder.rule(pol, r, other, other if direction is Direction.EGRESS
                                        else subject, traffic))
                for r in pol.rules(direction) if only is None or r.index == only[1]]
        if not mine:
            if only is None and direction in pol.policy_types:
                # A policy without rules only isolates: shadowed by one isolating the same pods.
                for q in cluster.policies:
                    if q.key != pol.key and direction in q.policy_types:
                        s = new_solver(smt.deadline)
                        s.add(*base)
                        r = check(s, smt.encoder.selects(pol, subject),
                                  z3.Not(smt.encoder.selects(q, subject)))
                        if r.outcome is Outcome.NO:
                            out.append(q.key)
            continue
        for q in cluster.policies:
            if q.key == pol.key or q.namespace != pol.namespace or direction not in q.policy_types:
                continue
            theirs = [z3.And(smt.encoder.selects(q, subject),
                             smt.encoder.rule(q, r, other, other if direction is Direction.EGRESS
                                              else subject, traffic))
                      for r in q.rules(direction)]
            s = new_solver(smt.deadline)
            s.add(*base)
            r = check(s, z3.Or(*mine), z3.Not(z3.Or(*theirs)) if theirs else z3.BoolVal(True))
            if r.outcome is Outcome.NO:
                out.append(q.key)
    return sorted(set(out))
