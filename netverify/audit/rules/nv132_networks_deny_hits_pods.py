"""NV132: an egress Deny on networks that also cuts traffic between pods."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.guardrails import class_reps, tier_object
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.cluster_policies import Action, PeerKind
from netverify.engines.concrete import Evaluator
from netverify.engines.tiers import addresses_match
from netverify.model import Cluster, Direction, Pod
from netverify.results import Outcome


@register
class NetworksDenyHitsPods(Rule):
    """Cluster-wide egress Deny on networks that also cuts traffic between pods

    **Anti-pattern**

    A Deny meant for the internet, written with a CIDR that covers the pod network::

        egress:
          - name: no-internet
            action: Deny
            to: [{networks: ["0.0.0.0/0"]}]

    **Why it hurts**

    ``networks`` match pod addresses too: "if you Allow or Deny traffic to 0.0.0.0/0,
    that will allow or deny all IPv4 pod-to-pod traffic as well". Pods lose their
    backends and cluster DNS, and NetworkPolicies that allow the traffic never get a say.

    **Fix**

    Put a rule for in-cluster traffic before the Deny (a Pass to let NetworkPolicy decide,
    or an Accept)::

        egress:
          - {name: cluster-traffic, action: Pass, to: [{namespaces: {}}]}
          - {name: no-internet, action: Deny, to: [{networks: ["0.0.0.0/0"]}]}
    """

    code = "NV132"
    title = "Cluster-wide egress Deny on networks that also cuts traffic between pods"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        rules = [(p, r) for p in cluster.cluster_policies for r in p.egress
                 if r.action is Action.DENY
                 and any(pe.kind is PeerKind.NETWORKS for pe in r.peers)]
        if not rules:
            return
        ev = Evaluator(cluster)
        reps = [p for p in class_reps(cluster) if not p.host_network]
        for pol, rule in rules:
            subjects = [p for p in reps if ev.tiers.selects(pol, p)][:SUBJECTS]
            peers = [pe for pe in rule.peers if pe.kind is PeerKind.NETWORKS]
            # Every pod, not only class representatives: two pods of one class are a pair.
            others = [p for p in cluster.pods if not p.host_network
                      and any(addresses_match(pe, p)[0] for pe in peers)]
            example = _example(ev, subjects, others[:OTHERS], pol.key, rule.index)
            if example is None:
                continue
            src, dst, ports = example
            yield self.finding(
                f"{rule.label} denies {src} -> {dst} ({ports}): its networks peer holds pod "
                "addresses, so it cuts traffic between pods, not only to the outside",
                tier_object(pol), rule.field, rule.source,
                example=f"{src} -> {dst} ({ports})")


# An example is looked for among this many subject and peer pod classes: enough to find
# one where the rule decides, without a search over every pair of a large cluster.
SUBJECTS, OTHERS = 50, 500


def _example(ev: Evaluator, subjects: list[Pod], others: list[Pod], key: str,
             index: int) -> tuple[str, str, str] | None:
    """A pod pair whose egress this rule denies, if any."""
    for a in subjects:
        for b in others:
            if a.key == b.key:
                continue
            for d in ev.side(Direction.EGRESS, a, b, b).tiers:
                if d.outcome is Outcome.DENY and d.policy is not None and d.rule is not None \
                        and d.policy.key == key and d.rule.index == index:
                    return a.key, b.key, str(d.ports)
    return None
