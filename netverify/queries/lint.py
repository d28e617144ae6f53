"""``lint``: policy-level questions answered over every pod that could exist.

- ``selects-no-pod``: the podSelector matches no existing pod (the policy does
  nothing today), or no possible pod at all.
- ``redundant-rule``: removing the rule allows and denies exactly the same
  traffic for every possible source, destination and port (rules only add
  allowances, so: nothing the rule admits is lost without it).
- ``redundant-policy``: removing the whole policy, isolation included, changes
  no verdict for any possible pod.
Each redundant item names the policies that shadow it, found by asking the
same question with only one other policy's rules left.
"""

from __future__ import annotations

import z3

from netverify.deadline import DEFAULT_TIMEOUT_MS
from netverify.engines.concrete import Evaluator
from netverify.engines.smt.endpoints import symbolic_pod
from netverify.engines.smt.engine import SmtEngine
from netverify.engines.smt.formulas import Encoder, Traffic
from netverify.engines.smt.solve import Outcome, check, new_solver
from netverify.model import Cluster, Direction, NetworkPolicy
from netverify.results import LintFinding, LintResult


def lint(cluster: Cluster, *, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> LintResult:
    """Find policies that select nothing and rules or policies that change nothing.

    ``timeout_ms`` bounds all the solver work together; what is not decided by
    then is listed in ``undecided``.

    >>> lint(cluster).findings  # doctest: +SKIP
    """
    smt = SmtEngine(cluster, timeout_ms=timeout_ms)
    u = smt.universe
    src = symbolic_pod(u, cluster, "src", allow_new_namespace=True)
    dst = symbolic_pod(u, cluster, "dst", allow_new_namespace=True)
    ext = smt.external(4, 0, (1 << 32) - 1, "ext")
    traffic = Traffic.symbolic()
    domain = [*src.domain, *dst.domain, *ext.domain, *traffic.domain]
    ev = Evaluator(cluster)
    findings: list[LintFinding] = []
    undecided: list[str] = []

    def allowed(enc: Encoder) -> list[z3.BoolRef]:
        """Three questions: pod to pod, outside to pod, pod to outside."""
        out = []
        for a, b in ((src, dst), (ext, dst), (dst, ext)):
            e, i, _, _ = enc.allowed(a, b, traffic)
            out.append(z3.And(e, i))
        return out

    full = allowed(smt.encoder)
    solver = new_solver(smt.deadline)
    solver.add(*domain)

    def differs(other: list[z3.BoolRef], what: str) -> bool | None:
        """Is some verdict different (for some pods, addresses and traffic)?"""
        r = check(solver, z3.Or(*[x != y for x, y in zip(full, other, strict=True)]))
        if r.outcome is Outcome.UNDECIDED:
            undecided.append(f"{what}: {r.reason}")
            return None
        return r.outcome is Outcome.YES

    for pol in cluster.policies:
        selected = [p for p in cluster.pods if p.namespace == pol.namespace
                    and not p.host_network and pol.pod_selector.matches(p.labels)]
        possible = check(solver, smt.encoder.selects(pol, dst))
        if possible.outcome is Outcome.UNDECIDED:
            undecided.append(f"{pol.key} spec.podSelector: {possible.reason}")
        if possible.outcome is Outcome.NO:
            findings.append(LintFinding(
                code="selects-no-pod", policy=pol.key, field="spec.podSelector",
                message="the podSelector contradicts itself: no pod could ever be selected",
                source=pol.source))
            continue
        if not selected:
            findings.append(LintFinding(
                code="selects-no-pod", policy=pol.key, field="spec.podSelector",
                message=f"selects no existing pod in namespace {pol.namespace} "
                        f"({{{pol.pod_selector}}}); it has no effect today", source=pol.source))
        if smt.deadline.expired():  # its formulas would only be built to be left undecided
            undecided.append(f"{pol.key} and its rules: {smt.deadline.reason()}")
            continue
        without = Encoder(cluster, u, without_policies=frozenset({pol.key}))
        d = differs(allowed(without), pol.key)
        if d is False:
            findings.append(LintFinding(
                code="redundant-policy", policy=pol.key, field="",
                message="removing this policy changes no verdict for any possible pod",
                source=pol.source, covered_by=tuple(_coverers(cluster, smt, pol, None))))
            continue
        for direction in Direction:
            if direction not in pol.policy_types:
                continue
            for rule in pol.rules(direction):
                key = (pol.key, direction.value, rule.index)
                if smt.deadline.expired():
                    undecided.append(f"{pol.key} spec.{direction.field}[{rule.index}]: "
                                     f"{smt.deadline.reason()}")
                    continue
                enc = Encoder(cluster, u, without_rules=frozenset({key}))
                d = differs(allowed(enc), f"{pol.key} spec.{direction.field}[{rule.index}]")
                if d is False:
                    findings.append(LintFinding(
                        code="redundant-rule", policy=pol.key,
                        field=f"spec.{direction.field}[{rule.index}]",
                        message="removing this rule allows and denies exactly the same traffic "
                                "for every possible pod", source=rule.source,
                        covered_by=tuple(_coverers(cluster, smt, pol, (direction, rule.index)))))
    del ev
    findings.sort(key=lambda f: (f.policy, f.field, f.code))
    return LintResult(findings=tuple(findings), policies=len(cluster.policies),
                      undecided=tuple(undecided))


def _coverers(cluster: Cluster, smt: SmtEngine, pol: NetworkPolicy,
              only: tuple[Direction, int] | None) -> list[str]:
    """Other policies whose rules alone admit everything ``pol`` (or one rule) admits."""
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
