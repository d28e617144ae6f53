"""NV135: a cluster-wide rule that earlier rules of its tier always decide first."""

from __future__ import annotations

from collections.abc import Iterator

import z3

from netverify.audit.guardrails import tier_object
from netverify.audit.registry import Finding, Related, Rule, Severity, register
from netverify.audit.tier_smt import TierQuestions
from netverify.cluster_policies import ClusterPolicy, TierRule
from netverify.engines.smt.endpoints import SymEndpoint
from netverify.model import Cluster, Direction

MAX_NAMED = 5  # earlier rules named as the ones that decide first


@register
class TierRuleShadowed(Rule):
    """Cluster-wide rule that earlier rules of its tier always decide first

    **Anti-pattern**

    A rule placed after rules (of its own policy, or of a policy with a lower priority
    number in the same tier) that match every connection it matches::

        kind: ClusterNetworkPolicy
        metadata: {name: lock-prod}
        spec: {tier: Admin, priority: 10, ... ingress: [{action: Deny, from: [{namespaces: {}}]}]}
        ---
        kind: ClusterNetworkPolicy
        metadata: {name: allow-monitoring}
        spec: {tier: Admin, priority: 20, ... ingress: [{action: Accept, from: [...]}]}

    **Why it hurts**

    Within a tier the first matching rule decides (Accept, Deny, or Pass to the next
    layer). A rule that only ever comes after a match never decides anything, for any pod
    that exists or could exist: an exception written for monitoring, say, that never
    takes effect.

    **Fix**

    Give the policy a lower priority number than the rules that shadow it (or move the
    rule up in its policy), or delete it: deleting it changes no verdict.
    """

    code = "NV135"
    title = "Cluster-wide rule that earlier rules of its tier always decide first"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        pols = cluster.cluster_policies
        if len(pols) + sum(len(p.ingress) + len(p.egress) for p in pols) <= 2:
            return
        q: TierQuestions | None = None
        for pol in pols:
            for direction, rules in ((Direction.INGRESS, pol.ingress),
                                     (Direction.EGRESS, pol.egress)):
                for rule in rules:
                    earlier = _earlier(cluster, pol, rule, direction)
                    if not earlier:
                        continue
                    q = q or TierQuestions(cluster)
                    if not _shadowed(q, pol, rule, earlier, direction):
                        continue
                    named = _overlapping(q, pol, rule, earlier, direction)[:MAX_NAMED]
                    yield self.finding(
                        f"{rule.label} ({rule.written_action}) never decides anything: every "
                        f"connection it matches is matched first by "
                        f"{', '.join(f'{p.key} {r.label}' for p, r in named)}",
                        tier_object(pol), rule.field, rule.source,
                        related=tuple(Related(object=tier_object(p), role="decides first",
                                              source=r.source) for p, r in named))


def _earlier(cluster: Cluster, pol: ClusterPolicy, rule: TierRule, direction: Direction
             ) -> list[tuple[ClusterPolicy, TierRule]]:
    """The rules surely evaluated before ``rule``.

    Those earlier in its policy, or in a policy of its tier and API version with a strictly
    lower priority (ties and versions side by side leave the order to the implementation).
    """
    out: list[tuple[ClusterPolicy, TierRule]] = []
    for p in cluster.cluster_policies:
        if p.tier is not pol.tier or p.v2 != pol.v2:
            continue
        own = p.rules(direction)
        if p is pol:
            out.extend((p, r) for r in own[:rule.index])
        elif p.priority is not None and pol.priority is not None and p.priority < pol.priority:
            out.extend((p, r) for r in own)
    return out


def _shadowed(q: TierQuestions, pol: ClusterPolicy, rule: TierRule,
              earlier: list[tuple[ClusterPolicy, TierRule]], direction: Direction) -> bool:
    tiers = q.smt.encoder.tiers

    def goal(subject: SymEndpoint, other: SymEndpoint, dst: SymEndpoint) -> z3.BoolRef:
        sure, maybe = tiers.rule_match(pol, rule, subject, other, dst,
                                       q.traffic)
        first = [tiers.rule_match(p, r, subject, other, dst, q.traffic)[0]
                 for p, r in earlier]
        return z3.And(z3.Or(sure, maybe), z3.Not(z3.Or(*first)))

    return q.never(direction, goal)


def _overlapping(q: TierQuestions, pol: ClusterPolicy, rule: TierRule,
                 earlier: list[tuple[ClusterPolicy, TierRule]], direction: Direction
                 ) -> list[tuple[ClusterPolicy, TierRule]]:
    """The earlier rules that match some connection ``rule`` matches."""
    tiers = q.smt.encoder.tiers
    out: list[tuple[ClusterPolicy, TierRule]] = []
    for p, r in earlier:
        def goal(subject: SymEndpoint, other: SymEndpoint, dst: SymEndpoint,
                 p: ClusterPolicy = p, r: TierRule = r) -> z3.BoolRef:
            sure, maybe = tiers.rule_match(pol, rule, subject, other,
                                           dst, q.traffic)
            theirs = tiers.rule_match(p, r, subject, other, dst, q.traffic)[0]
            return z3.And(z3.Or(sure, maybe), theirs)

        if not q.never(direction, goal):
            out.append((p, r))
    return out or earlier
