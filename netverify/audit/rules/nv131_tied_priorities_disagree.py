"""NV131: cluster-wide policies at the same priority that decide the same traffic apart."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from netverify.audit.guardrails import tier_object
from netverify.audit.registry import Finding, Related, Rule, Severity, register
from netverify.engines.allpairs import compute_all_pairs
from netverify.engines.concrete import Evaluator
from netverify.model import Cluster
from netverify.results import Decision, Outcome


@register
class TiedPrioritiesDisagree(Rule):
    """Cluster-wide policies at one priority that decide the same traffic differently

    **Anti-pattern**

    Two policies of one tier share a priority, and their rules match the same traffic
    with different actions::

        kind: ClusterNetworkPolicy
        metadata: {name: deny-dev}
        spec: {tier: Admin, priority: 10, ...  action: Deny}
        ---
        kind: ClusterNetworkPolicy
        metadata: {name: allow-ci}
        spec: {tier: Admin, priority: 10, ...  action: Accept}

    **Why it hurts**

    "If two policies with the same priority could both match a connection, the
    implementation can apply any of the matching policies": the verdict depends on the
    plugin, and can change with a restart. netverify answers such pairs "undecided".

    **Fix**

    Give the policies distinct priorities, the one that must win the lower number.
    """

    code = "NV131"
    title = "Cluster-wide policies at one priority that decide the same traffic differently"
    severity = Severity.ERROR

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        keys = [(p.tier, p.priority, p.v2)
                for p in cluster.cluster_policies]
        if len(set(keys)) == len(keys):
            return  # no two policies of one tier and version share a priority
        # The all-pairs engine finds the undecided class pairs at once; a few of them
        # are explained pair by pair to name the tied policies.
        ap = compute_all_pairs(cluster)
        if ap.undecided is None:
            return
        open_ = np.zeros(ap.undecided[0].shape, dtype=bool)
        for w in ap.undecided:
            open_ |= w != 0
        reps = ap.pods.reps
        ev = Evaluator(cluster)
        seen: set[frozenset[str]] = set()
        # Class pairs in an order that moves on quickly to other subjects and peers.
        pairs = list(zip(*np.nonzero(open_), strict=True))
        for s, d in pairs[:: max(1, len(pairs) // MAX_EXPLAINED)][:MAX_EXPLAINED]:
            a, b = reps[int(s)], reps[int(d)]
            if a.key == b.key:
                continue
            v = ev.pair(a, b)
            for side in (v.egress, v.ingress):
                for dec in side.tiers:
                    if dec.outcome is not Outcome.UNDECIDED:
                        continue
                    names = _tied(dec)
                    if len(names) < 2 or frozenset(names) in seen:
                        continue
                    seen.add(frozenset(names))
                    pols = [p for p in cluster.cluster_policies if p.key in names]
                    first = pols[0]
                    yield self.finding(
                        f"{', '.join(sorted(names))} share priority {first.priority} in the "
                        f"{first.tier.value} tier and decide {a.key} -> {b.key} "
                        f"({dec.ports}) differently: the implementation may apply either",
                        tier_object(first), "spec.priority", first.source,
                        example=f"{a.key} -> {b.key} ({dec.ports})",
                        related=tuple(Related(object=tier_object(p), role="same priority",
                                              source=p.source) for p in pols[1:]))


MAX_EXPLAINED = 200  # undecided class pairs explained at most (each tie reported once)


def _tied(d: Decision) -> set[str]:
    """The policies whose choice an undecided decision hinges on (ties, not versions)."""
    pols = {a.policy for a in d.alternatives if a.policy is not None}
    pols |= {a.passed[-1][0] for a in d.alternatives if a.policy is None and a.passed}
    prios = {(p.tier, p.priority, p.v2) for p in pols}
    return {p.key for p in pols} if len(prios) == 1 else set()
