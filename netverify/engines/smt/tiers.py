"""The cluster-wide tiers as formulas, mirroring ``engines.tiers`` rule for rule.

One side of a connection is an If-chain over the tier's rules in order (policies by
priority): the first rule whose policy selects the subject and whose peer and
ports match decides; Accept is true, Deny false, Pass continues below the tier.
Below the Admin tier, a subject NetworkPolicy isolates gets NetworkPolicy's answer,
any other the Baseline chain, whose end (and whose Pass) is the default allow.

What the manifests cannot decide (policies tied at one priority, a rule that may
match) makes two formulas: ``lo``, allowed whatever the implementation chooses,
and ``hi``, allowed for some choice.  Without such constructs they are equal.  A
"yes" needs ``lo``; a proof of "no" needs the negation of ``hi``.
"""

from __future__ import annotations

from itertools import permutations

import z3

from netverify.cluster_policies import (
    Action,
    ClusterPolicy,
    PeerKind,
    Tier,
    TierPeer,
    TierPort,
    TierRule,
    domain_matches,
)
from netverify.engines.smt.endpoints import PROTOCOL_CODE, SymEndpoint
from netverify.engines.tiers import MAX_TIED, tier_orders
from netverify.ipblocks import IPv4
from netverify.model import Cluster, Direction
from netverify.ports import MAX_PORT, MIN_PORT, Protocol

Bounds = tuple[z3.BoolRef, z3.BoolRef]  # (lo: allowed for sure, hi: allowed possibly)
TRUE, FALSE = z3.BoolVal(True), z3.BoolVal(False)
_FULL = {4: (0, 2**32 - 1), 6: (0, 2**128 - 1)}


class TierFormulas:
    """Builds the tiers' formulas for one cluster; shares the Encoder's selector cache."""

    def __init__(self, cluster: Cluster, selector: object) -> None:
        self.cluster = cluster
        self.admin = [p for p in cluster.cluster_policies if p.tier is Tier.ADMIN]
        self.baseline = [p for p in cluster.cluster_policies if p.tier is Tier.BASELINE]
        self.sel = selector  # Encoder.selector(sel, labels) -> BoolRef

    @property
    def active(self) -> bool:
        """Whether the cluster holds any cluster-wide policy."""
        return bool(self.admin or self.baseline)

    def side(self, direction: Direction, subject: SymEndpoint, other: SymEndpoint,
             dst: SymEndpoint, traffic: object, np_isolated: z3.BoolRef,
             np_admitted: z3.BoolRef) -> Bounds:
        """(lo, hi) of a governed subject's side; the caller handles ungoverned ones."""
        def default(_: object = None) -> Bounds:
            return TRUE, TRUE

        base = self._chain(self.baseline, direction, subject, other, dst, traffic, default())

        def below_admin() -> Bounds:
            return (z3.If(np_isolated, np_admitted, base[0]),
                    z3.If(np_isolated, np_admitted, base[1]))

        return self._chain(self.admin, direction, subject, other, dst, traffic, below_admin())

    def admin_decides(self, direction: Direction, subject: SymEndpoint, other: SymEndpoint,
                      dst: SymEndpoint, traffic: object) -> z3.BoolRef:
        """The Admin tier settles the side (Accept or Deny) whatever lies beneath it.

        The tier is evaluated over a surely-allowing and a surely-denying rest: decided
        means allowed for sure over the second or denied for sure over the first.
        """
        lo_deny, _ = self._chain(self.admin, direction, subject, other, dst, traffic,
                                 (FALSE, FALSE))
        _, hi_allow = self._chain(self.admin, direction, subject, other, dst, traffic,
                                  (TRUE, TRUE))
        return z3.Or(lo_deny, z3.Not(hi_allow))

    def rule_match(self, policy: ClusterPolicy, rule: TierRule, subject: SymEndpoint,
                   other: SymEndpoint, dst: SymEndpoint, traffic: object
                   ) -> tuple[z3.BoolRef, z3.BoolRef]:
        """(surely matches, may match) of one rule on a connection of its direction."""
        return self._match(policy, rule, subject, other, dst, traffic)

    # -- chains --------------------------------------------------------------

    def _chain(self, policies: list[ClusterPolicy], direction: Direction,
               subject: SymEndpoint, other: SymEndpoint, dst: SymEndpoint, traffic: object,
               lower: Bounds) -> Bounds:
        readings = []
        for groups in tier_orders(policies):
            out = lower
            for group in reversed(groups):  # build from the end of the tier backwards
                if len(group) > MAX_TIED:
                    # As the pair evaluator: what any of their rules may match is undecided.
                    touched = z3.Or(*[z3.Or(*self._match(p, r, subject, other, dst, traffic))
                                      for p in group for r in p.rules(direction)])
                    out = (z3.And(z3.Not(touched), out[0]), z3.Or(touched, out[1]))
                    continue
                orders = list(permutations(group))[: _max_orders(len(group))]
                alts = [self._steps([(p, r) for p in order for r in p.rules(direction)],
                                    subject, other, dst, traffic, out, lower)
                        for order in orders]
                out = (z3.And(*[a[0] for a in alts]), z3.Or(*[a[1] for a in alts]))
            readings.append(out)
        if len(readings) == 1:
            return readings[0]
        return z3.And(*[r[0] for r in readings]), z3.Or(*[r[1] for r in readings])

    def _steps(self, steps: list[tuple[ClusterPolicy, TierRule]], subject: SymEndpoint,
               other: SymEndpoint, dst: SymEndpoint, traffic: object, rest: Bounds,
               lower: Bounds) -> Bounds:
        lo, hi = rest
        for policy, rule in reversed(steps):
            sure, maybe = self._match(policy, rule, subject, other, dst, traffic)
            act = self._act(rule, lower)
            lo = z3.If(sure, act[0], z3.If(maybe, z3.And(act[0], lo), lo))
            hi = z3.If(sure, act[1], z3.If(maybe, z3.Or(act[1], hi), hi))
        return lo, hi

    @staticmethod
    def _act(rule: TierRule, lower: Bounds) -> Bounds:
        if _fails_closed(rule):
            return FALSE, FALSE
        if rule.action is Action.ACCEPT:
            return TRUE, TRUE
        if rule.action is Action.DENY:
            return FALSE, FALSE
        return lower

    # -- matching ------------------------------------------------------------

    def selects(self, policy: ClusterPolicy, ep: SymEndpoint) -> z3.BoolRef:
        """The policy's subject holds ``ep`` (host-network pods never)."""
        terms = [ep.is_pod, z3.Not(ep.host_network),
                 self.sel(policy.subject_namespaces, ep.ns_labels)]  # type: ignore[operator]
        if policy.subject_pods is not None:
            terms.append(self.sel(policy.subject_pods, ep.labels))  # type: ignore[operator]
        return z3.And(*terms)

    def _match(self, policy: ClusterPolicy, rule: TierRule, subject: SymEndpoint,
               other: SymEndpoint, dst: SymEndpoint, traffic: object
               ) -> tuple[z3.BoolRef, z3.BoolRef]:
        sel = self.selects(policy, subject)
        if _fails_closed(rule):
            return sel, FALSE
        ports_sure, ports_maybe = self._ports(rule, dst, traffic)
        sure_peers, maybe_peers = [], []
        for peer in rule.peers:
            s, m = self._peer(peer, rule, other, traffic)
            sure_peers.append(s)
            maybe_peers.append(m)
        peer_sure = z3.Or(*sure_peers)
        peer_any = z3.Or(peer_sure, *maybe_peers)
        sure = z3.And(sel, peer_sure, ports_sure)
        maybe = z3.And(sel, z3.Or(z3.And(peer_any, z3.Or(ports_sure, ports_maybe)),
                                  z3.And(peer_sure, ports_maybe)))
        return sure, maybe

    def peer(self, peer: TierPeer, rule: TierRule, ep: SymEndpoint, traffic: object
             ) -> z3.BoolRef:
        """``peer`` surely matches ``ep`` (what a family of sources is made of)."""
        return self._peer(peer, rule, ep, traffic)[0]

    def _peer(self, peer: TierPeer, rule: TierRule, ep: SymEndpoint, traffic: object
              ) -> tuple[z3.BoolRef, z3.BoolRef]:
        """(surely matches, may match) for one peer (addresses: of the traffic's family)."""
        over = traffic.over  # type: ignore[attr-defined]
        pod = z3.And(ep.is_pod, z3.Not(ep.host_network))
        if peer.kind is PeerKind.UNKNOWN:
            return FALSE, FALSE
        if peer.kind is PeerKind.NAMESPACES:
            assert peer.namespace_selector is not None
            return z3.And(pod, self.sel(peer.namespace_selector,  # type: ignore[operator]
                                        ep.ns_labels)), FALSE
        if peer.kind is PeerKind.PODS:
            terms = [pod]
            if peer.namespace_selector is not None:
                terms.append(self.sel(peer.namespace_selector,  # type: ignore[operator]
                                      ep.ns_labels))
            if peer.pod_selector is not None:
                terms.append(self.sel(peer.pod_selector, ep.labels))  # type: ignore[operator]
            return z3.And(*terms), FALSE
        if peer.kind is PeerKind.NETWORKS:
            cases = []
            known = z3.Or(*[has for f in (4, 6) for has, _ in ep.ips(f)])
            for s in peer.addresses:
                width = 32 if s.family == IPv4 else 128
                for has, addr in ep.ips(s.family):
                    cases.append(z3.And(over(s.family), has, z3.Or(*[
                        z3.And(z3.UGE(addr, z3.BitVecVal(lo, width)),
                               z3.ULE(addr, z3.BitVecVal(hi, width)))
                        for lo, hi in s.intervals])))
                if s.intervals == (_FULL[s.family],):
                    # A pod with no address in the manifests: whole-family networks hold
                    # whatever address of that family it gets.
                    cases.append(z3.And(over(s.family), ep.is_pod, z3.Not(known)))
            return z3.Or(*cases), FALSE
        if peer.kind is PeerKind.NODES:
            assert peer.node_selector is not None
            addrs = [a for n in self.cluster.nodes if peer.node_selector.matches(n.labels)
                     for a in n.addresses]
            cases = []
            for a in addrs:
                width = 32 if a.family == IPv4 else 128
                for has, addr in ep.ips(a.family):
                    cases.append(z3.And(over(a.family), has,
                                        addr == z3.BitVecVal(a.value, width)))
            node_traffic = z3.Or(z3.Not(ep.is_pod), ep.host_network)
            sure = z3.And(node_traffic, z3.Or(*cases))
            known = z3.Or(*[has for f in (4, 6) for has, _ in ep.ips(f)])
            maybe = z3.And(ep.is_pod, ep.host_network, z3.Not(known))
            return sure, maybe
        # domainNames: an address outside the cluster may or may not be one of them,
        # unless the question named it.
        if ep.host and rule.action is Action.ACCEPT:  # elsewhere the spec gives no meaning
            hit = any(domain_matches(d, ep.host) for d in peer.domain_names)
            return (z3.Not(ep.is_pod) if hit else FALSE), FALSE
        return FALSE, z3.Not(ep.is_pod)

    def _ports(self, rule: TierRule, dst: SymEndpoint, traffic: object
               ) -> tuple[z3.BoolRef, z3.BoolRef]:
        if rule.ports is None:
            return TRUE, FALSE
        port = traffic.port  # type: ignore[attr-defined]
        proto = traffic.proto  # type: ignore[attr-defined]
        sure: list[z3.BoolRef] = []
        maybe: list[z3.BoolRef] = []
        for p in rule.ports:
            if p.name is not None:
                sure.append(_named(p, dst, port, proto))
                continue
            assert p.protocol is not None and p.start is not None and p.end is not None
            proto_ok = proto == PROTOCOL_CODE[p.protocol]
            lo, hi = sorted((p.start, p.end))
            term = proto_ok if (lo, hi) == (MIN_PORT, MAX_PORT) else z3.And(
                proto_ok, z3.UGE(port, lo), z3.ULE(port, hi))
            (sure if p.start <= p.end else maybe).append(term)
        return z3.Or(*sure), z3.Or(*maybe)


def _named(p: TierPort, dst: SymEndpoint, port: z3.BitVecRef, proto: z3.ArithRef
           ) -> z3.BoolRef:
    cases = []
    for protocol in Protocol:
        if p.protocol is not None and protocol is not p.protocol:
            continue
        for has, num in dst.named.get((p.name or "", protocol), []):
            cases.append(z3.And(proto == PROTOCOL_CODE[protocol], has, num == port))
    return z3.Or(*cases)


def _fails_closed(rule: TierRule) -> bool:
    return rule.action is not Action.ACCEPT and any(
        p.kind is PeerKind.UNKNOWN for p in rule.peers)


def _max_orders(n: int) -> int:
    """Every order of up to ``MAX_TIED`` tied policies (beyond, the first few: rare)."""
    return 1 if n == 1 else (120 if n <= MAX_TIED else 24)
