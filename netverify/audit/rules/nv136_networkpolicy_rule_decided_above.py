"""NV136: a NetworkPolicy rule whose traffic the Admin tier always decides first."""

from __future__ import annotations

from collections.abc import Iterator

import z3

from netverify.audit.guardrails import tier_object
from netverify.audit.registry import Finding, Related, Rule, Severity, register
from netverify.audit.tier_smt import TierQuestions
from netverify.cluster_policies import Action, ClusterPolicy, Tier, TierRule
from netverify.engines.smt.endpoints import SymEndpoint
from netverify.model import Cluster, Direction, NetworkPolicy
from netverify.model import Rule as NpRule

MAX_NAMED = 5


@register
class NetworkPolicyRuleDecidedAbove(Rule):
    """NetworkPolicy rule whose traffic the Admin tier always decides first

    **Anti-pattern**

    A NetworkPolicy rule that admits only traffic which an Admin tier Accept or Deny
    already decides::

        kind: NetworkPolicy       # the team's policy
        spec: {podSelector: {matchLabels: {app: db}},
               ingress: [{from: [{namespaceSelector: {matchLabels: {team: ops}}}]}]}
        ---
        kind: ClusterNetworkPolicy  # the platform's guardrail
        spec: {tier: Admin, ... ingress: [{action: Deny,
                                          from: [{namespaces: {matchLabels: {team: ops}}}]}]}

    **Why it hurts**

    NetworkPolicy is consulted only for what the Admin tier passes or leaves alone. A
    rule all of whose traffic is accepted or denied above it never takes effect, for any
    pod that exists or could exist: the team believes it opens (or that isolation
    closes) something the platform decides otherwise.

    **Fix**

    Ask the platform team whether the Admin rule should Pass this traffic to the
    namespace's policies; otherwise delete the NetworkPolicy rule, which changes no
    verdict while the Admin tier stays as it is.
    """

    code = "NV136"
    title = "NetworkPolicy rule whose traffic the Admin tier always decides first"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        admin = [p for p in cluster.cluster_policies if p.tier is Tier.ADMIN]
        if not admin:
            return
        q: TierQuestions | None = None
        for pol in cluster.policies:
            for direction in Direction:
                if direction not in pol.policy_types:
                    continue
                deciding = _could_decide(cluster, admin, pol, direction)
                if not deciding:
                    continue
                for rule in pol.rules(direction):
                    q = q or TierQuestions(cluster)
                    if not _decided_above(q, pol, rule, direction):
                        continue
                    named = _deciders(q, pol, rule, deciding, direction)[:MAX_NAMED]
                    field = f"spec.{direction.field}[{rule.index}]"
                    yield self.finding(
                        f"{field} never takes effect: the Admin tier accepts or denies all "
                        f"the traffic it admits before NetworkPolicy is consulted (by "
                        f"{', '.join(f'{p.key} {r.label} {r.written_action}' for p, r in named)})",
                        f"NetworkPolicy {pol.key}", field, rule.source,
                        related=tuple(Related(object=tier_object(p), role="decides first",
                                              source=r.source) for p, r in named))


def _could_decide(cluster: Cluster, admin: list[ClusterPolicy], pol: NetworkPolicy,
                  direction: Direction) -> list[ClusterPolicy]:
    """Admin policies with a final rule of ``direction`` that may apply to ``pol``'s pods.

    Their subject may include pods of the NetworkPolicy's namespace (its labels are known:
    the question stays small).
    """
    labels = cluster.namespace_labels(pol.namespace)
    return [p for p in admin if p.subject_namespaces.matches(labels) and any(
        r.action is not Action.PASS for r in p.rules(direction))]


def _decided_above(q: TierQuestions, pol: NetworkPolicy, rule: NpRule,
                   direction: Direction) -> bool:
    enc = q.smt.encoder

    def goal(subject: SymEndpoint, other: SymEndpoint, dst: SymEndpoint) -> z3.BoolRef:
        admits = z3.And(enc.selects(pol, subject),
                        enc.rule(pol, rule, other, dst, q.traffic))
        settled = enc.tiers.admin_decides(direction, subject, other, dst,
                                          q.traffic)
        return z3.And(admits, z3.Not(settled))

    return q.never(direction, goal)


def _deciders(q: TierQuestions, pol: NetworkPolicy, rule: NpRule,
              admin: list[ClusterPolicy], direction: Direction
              ) -> list[tuple[ClusterPolicy, TierRule]]:
    """The Admin rules (Accept or Deny) that match some traffic the rule admits."""
    enc = q.smt.encoder
    out: list[tuple[ClusterPolicy, TierRule]] = []
    for p in admin:
        for r in p.rules(direction):
            if r.action is Action.PASS:
                continue

            def goal(subject: SymEndpoint, other: SymEndpoint, dst: SymEndpoint,
                     p: ClusterPolicy = p, r: TierRule = r) -> z3.BoolRef:
                admits = z3.And(enc.selects(pol, subject),
                                enc.rule(pol, rule, other, dst, q.traffic))
                theirs = enc.tiers.rule_match(p, r, subject, other, dst,
                                              q.traffic)[0]
                return z3.And(admits, theirs)

            if not q.never(direction, goal):
                out.append((p, r))
    return out
