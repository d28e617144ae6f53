"""The existing pods a destination's NetworkPolicy ingress can admit at all.

who-can-reach evaluated one pair per pod class (4,198 classes at 10,000 pods), each
asking the destination's ingress again, although a family usually names a few
pods of one namespace.  When NetworkPolicy alone decides the destination's ingress
(it is isolated and no cluster-wide tier is active), a source no peer of an
admitting rule matches gets no port: only the others need their pair evaluated.
Each peer is matched once, against the pods of the namespaces it can select that
no earlier peer matched.
"""

from __future__ import annotations

from netverify.engines.concrete import Evaluator, ports_of_rule
from netverify.model import Cluster, Direction, NetworkPolicy, Peer, Pod
from netverify.ports import Protocol


def ingress_candidates(cluster: Cluster, ev: Evaluator, target: Pod,
                       proto: Protocol | None, number: int | None) -> list[Pod] | None:
    """The pods some admitting peer matches, in cluster order; None: any pod may be admitted.

    A superset of the pods with any allowed port towards ``target`` (the pair
    evaluator still decides each); ``ev.peer_matches`` over every address family,
    so an ipBlock matching a pod over one family keeps it.
    """
    if ev.tiers.active:
        return None  # an Admin Accept may admit a pod no NetworkPolicy peer names
    policies = ev.selecting(target, Direction.INGRESS)
    if not policies:
        return None  # not isolated: every pod's egress alone decides
    by_ns = cluster.pods_by_namespace()
    chosen: set[str] = set()
    seen: set[tuple[object, ...]] = set()
    for pol in policies:
        for rule in pol.ingress:
            if ports_of_rule(rule, target).restrict(proto, number).is_empty:
                continue
            if rule.peers is None:
                return None
            for peer in rule.peers:
                key = (pol.namespace if peer.namespace_selector is None else None,
                       peer.pod_selector, peer.namespace_selector,
                       peer.ip_block.addresses if peer.ip_block else None)
                if key not in seen:
                    seen.add(key)
                    _match(cluster, ev, by_ns, pol, peer, chosen)
    return [p for p in cluster.pods if p.key in chosen]


def _match(cluster: Cluster, ev: Evaluator, by_ns: dict[str, tuple[Pod, ...]],
           pol: NetworkPolicy, peer: Peer, chosen: set[str]) -> None:
    """Add to ``chosen`` the keys of the pods ``peer`` of ``pol`` matches."""
    if peer.ip_block is not None:
        names = list(by_ns)
    elif peer.namespace_selector is None:
        names = [pol.namespace]
    else:
        sel = peer.namespace_selector
        names = [n for n in by_ns if sel.matches(cluster.namespace_labels(n))]
    for name in names:
        for p in by_ns.get(name, ()):
            if p.key not in chosen and ev.peer_matches(pol, peer, p):
                chosen.add(p.key)
