"""The cluster-wide tiers for one side of a connection, exactly and with reasons.

One direction of a connection (the source's egress, or the destination's ingress)
walks the layers in order and stops at the first final decision
(kubernetes-sigs/network-policy-api, ``apis/v1alpha1`` and ``apis/v1alpha2``):

1. the Admin tier: policies by ``priority`` (lower first), rules in order;
   ``Accept``/``Allow`` and ``Deny`` are final, ``Pass`` skips the rest of the tier;
2. NetworkPolicy: a pod it isolates for this direction gets NetworkPolicy's answer,
   implicit deny included, and no lower layer is consulted;
3. the Baseline tier, the same way (a ``Pass`` there leaves the decision to 4);
4. allow.

Work is done on port sets, not port by port: each rule takes the ports it decides
out of the ports still open.  Three things make part of an answer *undecided*,
never a guess: policies of one tier at the same priority that both match and lead
to different results ("the implementation can apply any of the matching
policies"), and rules that *may* match what the manifests cannot tell (a
``domainNames`` peer and an address outside the cluster, a pod whose IP is not in
the manifests against ``networks``, a reversed v1alpha1 ``portRange``).  Each is
evaluated both ways; where both ways agree, the answer stands.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import permutations

from netverify.cluster_policies import (
    Action,
    ClusterPolicy,
    Node,
    PeerKind,
    Tier,
    TierPeer,
    TierPort,
    TierRule,
    domain_matches,
)
from netverify.ipblocks import FAMILIES, Address, IPv4, IPv6
from netverify.model import Cluster, Direction, Pod
from netverify.ports import MAX_PORT, MIN_PORT, PortSet, Protocol
from netverify.results import Decision, Layer, Outcome

# The permutations of tied policies are evaluated one by one; past this many tied
# policies (never seen in practice) every port they could decide is undecided.
MAX_TIED = 5


@dataclass(frozen=True, slots=True)
class SideOutcome:
    """A side's answer over the port space: allowed, denied and undecided ports."""

    allow: PortSet = field(default_factory=PortSet.empty)
    deny: PortSet = field(default_factory=PortSet.empty)
    undecided: PortSet = field(default_factory=PortSet.empty)
    decisions: tuple[Decision, ...] = ()

    def plus(self, other: SideOutcome) -> SideOutcome:
        """Both outcomes, over disjoint port sets."""
        return SideOutcome(self.allow.union(other.allow), self.deny.union(other.deny),
                           self.undecided.union(other.undecided),
                           self.decisions + other.decisions)

    @staticmethod
    def of(decision: Decision) -> SideOutcome:
        """The outcome of one decision."""
        ps = decision.ports
        if decision.outcome is Outcome.ALLOW:
            return SideOutcome(allow=ps, decisions=(decision,))
        if decision.outcome is Outcome.DENY:
            return SideOutcome(deny=ps, decisions=(decision,))
        return SideOutcome(undecided=ps, decisions=(decision,))

    def restricted(self, ports: PortSet) -> SideOutcome:
        """The part of this outcome on ``ports``."""
        decisions = []
        for d in self.decisions:
            ps = d.ports.intersection(ports)
            if not ps.is_empty:
                decisions.append(_with_ports(d, ps))
        return SideOutcome(self.allow.intersection(ports), self.deny.intersection(ports),
                           self.undecided.intersection(ports), tuple(decisions))


def _with_ports(d: Decision, ports: PortSet) -> Decision:
    return Decision(ports=ports, outcome=d.outcome, layer=d.layer, policy=d.policy,
                    rule=d.rule, peer=d.peer, passed=d.passed,
                    alternatives=tuple(_with_ports(a, ports) for a in d.alternatives),
                    why=d.why)


@dataclass(frozen=True, slots=True)
class _Match:
    """The ports of a rule that match for sure, and those that may match."""

    sure: PortSet
    maybe: PortSet
    peer: TierPeer | None
    why: str = ""


_NO_MATCH = _Match(PortSet.empty(), PortSet.empty(), None)
Lower = Callable[[PortSet, tuple[tuple[ClusterPolicy, TierRule], ...]], SideOutcome]


class TierEvaluator:
    """Evaluates the Admin and Baseline tiers of a cluster for one side at a time."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.admin = [p for p in cluster.cluster_policies if p.tier is Tier.ADMIN]
        self.baseline = [p for p in cluster.cluster_policies if p.tier is Tier.BASELINE]
        self.nodes: Sequence[Node] = cluster.nodes
        self._families: frozenset[int] = FAMILIES  # of the side being evaluated

    @property
    def active(self) -> bool:
        """Whether the cluster holds any cluster-wide policy."""
        return bool(self.admin or self.baseline)

    # -- selection -----------------------------------------------------------

    def selects(self, policy: ClusterPolicy, pod: Pod) -> bool:
        """Whether ``policy``'s subject holds ``pod`` (host-network pods never)."""
        if pod.host_network:
            return False
        if not policy.subject_namespaces.matches(self.cluster.namespace_labels(pod.namespace)):
            return False
        return policy.subject_pods is None or policy.subject_pods.matches(pod.labels)

    def selecting(self, tier: Tier, pod: Pod) -> list[ClusterPolicy]:
        """The policies of ``tier`` whose subject holds ``pod``, in evaluation order."""
        return [p for p in (self.admin if tier is Tier.ADMIN else self.baseline)
                if self.selects(p, pod)]

    # -- one side ------------------------------------------------------------

    def side(self, direction: Direction, subject: Pod, other: object, dst: object, *,
             np_isolated: bool, np_allowed: PortSet,
             families: frozenset[int] = FAMILIES) -> SideOutcome:
        """Every port's fate on ``subject``'s side for ``direction``, with reasons.

        ``np_isolated``/``np_allowed`` are NetworkPolicy's answer for this side; ``dst``
        is the destination of the traffic (named ports resolve on it); ``families`` the
        address families the connection uses (``networks`` see that address).
        """
        self._families = families
        baseline = self.selecting(Tier.BASELINE, subject)

        def default(ports: PortSet, passed: tuple[tuple[ClusterPolicy, TierRule], ...]
                    ) -> SideOutcome:
            if ports.is_empty:
                return SideOutcome()
            return SideOutcome.of(Decision(ports=ports, outcome=Outcome.ALLOW,
                                           layer=Layer.DEFAULT, passed=passed))

        def below_admin(ports: PortSet, passed: tuple[tuple[ClusterPolicy, TierRule], ...]
                        ) -> SideOutcome:
            if ports.is_empty:
                return SideOutcome()
            if np_isolated:
                out = SideOutcome()
                ok = ports.intersection(np_allowed)
                no = ports.difference(np_allowed)
                for ps, outcome in ((ok, Outcome.ALLOW), (no, Outcome.DENY)):
                    if not ps.is_empty:
                        out = out.plus(SideOutcome.of(Decision(
                            ports=ps, outcome=outcome, layer=Layer.NETWORK_POLICY,
                            passed=passed)))
                return out
            return self._tier(Layer.BASELINE, baseline, direction, other, dst, ports,
                              default, passed)

        admin = self.selecting(Tier.ADMIN, subject)
        return self._tier(Layer.ADMIN, admin, direction, other, dst, PortSet.all(),
                          below_admin, ())

    def _tier(self, layer: Layer, policies: list[ClusterPolicy], direction: Direction,
              other: object, dst: object, ports: PortSet, lower: Lower,
              passed: tuple[tuple[ClusterPolicy, TierRule], ...]) -> SideOutcome:
        orders = tier_orders(policies)
        if len(orders) == 1:
            return self._groups(layer, orders[0], 0, direction, other, dst, ports, lower,
                                passed)
        outcomes = [self._groups(layer, groups, 0, direction, other, dst, ports, lower, passed)
                    for groups in orders]
        return _agree(outcomes, layer, MIXED_VERSIONS)

    def _groups(self, layer: Layer, groups: list[list[ClusterPolicy]], gi: int,
                direction: Direction, other: object, dst: object, ports: PortSet,
                lower: Lower, passed: tuple[tuple[ClusterPolicy, TierRule], ...]
                ) -> SideOutcome:
        if ports.is_empty:
            return SideOutcome()
        if gi == len(groups):
            return lower(ports, passed)
        group = groups[gi]
        if len(group) == 1:
            steps = [(group[0], r) for r in group[0].rules(direction)]
            return self._steps(layer, steps, 0, groups, gi + 1, direction, other, dst, ports,
                               lower, passed)
        # Policies at one priority: any order is allowed, so every order is tried, and
        # what they all agree on stands.
        if len(group) > MAX_TIED:
            alts = [self._steps(layer, [(p, r) for p in group for r in p.rules(direction)], 0,
                                groups, gi + 1, direction, other, dst, ports, lower, passed)]
            touched = PortSet.empty()
            for p in group:
                for r in p.rules(direction):
                    m = self._match(p, r, other, dst)
                    touched = touched.union(m.sure).union(m.maybe)
            first = alts[0]
            undecided = touched.intersection(ports)
            rest = first.restricted(ports.difference(undecided))
            return rest.plus(SideOutcome.of(Decision(
                ports=undecided, outcome=Outcome.UNDECIDED, layer=layer,
                why=f"{len(group)} policies share priority {group[0].priority}")))
        outcomes = []
        for order in permutations(group):
            steps = [(p, r) for p in order for r in p.rules(direction)]
            outcomes.append(self._steps(layer, steps, 0, groups, gi + 1, direction, other, dst,
                                        ports, lower, passed))
        names = ", ".join(p.name for p in group)
        return _agree(outcomes, layer, f"{names} share priority {group[0].priority} and "
                                       "the implementation may apply either")

    def _steps(self, layer: Layer, steps: list[tuple[ClusterPolicy, TierRule]], i: int,
               groups: list[list[ClusterPolicy]], gnext: int, direction: Direction,
               other: object, dst: object, ports: PortSet, lower: Lower,
               passed: tuple[tuple[ClusterPolicy, TierRule], ...]) -> SideOutcome:
        out = SideOutcome()
        remaining = ports
        while i < len(steps) and not remaining.is_empty:
            policy, rule = steps[i]
            i += 1
            m = self._match(policy, rule, other, dst)
            sure = remaining.intersection(m.sure)
            if not sure.is_empty:
                out = out.plus(self._act(layer, policy, rule, m.peer, sure, lower, passed))
                remaining = remaining.difference(sure)
            maybe = remaining.intersection(m.maybe)
            if not maybe.is_empty:
                applied = self._act(layer, policy, rule, m.peer, maybe, lower, passed)
                skipped = self._steps(layer, steps, i, groups, gnext, direction, other, dst,
                                      maybe, lower, passed)
                out = out.plus(_agree([applied, skipped], layer, m.why))
                remaining = remaining.difference(maybe)
        if not remaining.is_empty:
            out = out.plus(self._groups(layer, groups, gnext, direction, other, dst, remaining,
                                        lower, passed))
        return out

    @staticmethod
    def _act(layer: Layer, policy: ClusterPolicy, rule: TierRule, peer: TierPeer | None,
             ports: PortSet, lower: Lower,
             passed: tuple[tuple[ClusterPolicy, TierRule], ...]) -> SideOutcome:
        if peer is not None and peer.kind is PeerKind.UNKNOWN:
            return SideOutcome.of(Decision(ports=ports, outcome=Outcome.DENY, layer=layer,
                                           policy=policy, rule=rule, peer=peer, passed=passed,
                                           why="fails closed: a peer this API version cannot "
                                               "read makes the rule deny all"))
        if rule.action is Action.PASS:
            return lower(ports, (*passed, (policy, rule)))
        outcome = Outcome.ALLOW if rule.action is Action.ACCEPT else Outcome.DENY
        return SideOutcome.of(Decision(ports=ports, outcome=outcome, layer=layer,
                                       policy=policy, rule=rule, peer=peer, passed=passed))

    # -- matching ------------------------------------------------------------

    def _match(self, policy: ClusterPolicy, rule: TierRule, other: object,
               dst: object) -> _Match:
        if rule.action is not Action.ACCEPT:
            unknown = next((p for p in rule.peers if p.kind is PeerKind.UNKNOWN), None)
            if unknown is not None:
                # Fail closed: a Deny or Pass rule with a peer this version cannot read is
                # "a 'Deny all' rule" (every peer, every port).
                return _Match(PortSet.all(), PortSet.empty(), unknown)
        sure_ports, maybe_ports = rule_ports(rule, dst)
        if sure_ports.is_empty and maybe_ports.is_empty:
            return _NO_MATCH
        found: tuple[TierPeer, str] | None = None
        for peer in rule.peers:
            verdict, why = self.peer_matches(peer, rule, other, self._families)
            if verdict is True:
                return _Match(sure_ports, maybe_ports, peer,
                              f"{policy.key} {rule.label}: {maybe_ports} unspecified"
                              if not maybe_ports.is_empty else "")
            if verdict is None and found is None:
                found = (peer, why)
        if found is None:
            return _NO_MATCH
        peer, why = found
        return _Match(PortSet.empty(), sure_ports.union(maybe_ports), peer,
                      f"{policy.key} {rule.label} may match: {why}")

    def peer_matches(self, peer: TierPeer, rule: TierRule, other: object,
                     families: frozenset[int] = FAMILIES) -> tuple[bool | None, str]:
        """True, False, or None (the manifests cannot tell), with the reason for None.

        ``networks`` and ``nodes`` see the address of the connection's family (one of
        ``families``).
        """
        if peer.kind is PeerKind.UNKNOWN:
            return False, ""  # fail closed for Accept rules (Deny and Pass: see _match)
        if rule.action is not Action.ACCEPT and peer.kind is PeerKind.DOMAIN_NAMES and \
                not isinstance(other, Pod):
            return None, ("domainNames in a Deny or Pass rule have no meaning in the spec "
                          "(it supports them only in Accept/Allow rules)")
        if isinstance(other, Pod):
            return self._pod_matches(peer, other, families)
        if peer.kind in (PeerKind.NAMESPACES, PeerKind.PODS):
            return False, ""
        family, lo, hi = _range_of(other)
        if family not in families:
            return False, ""
        if peer.kind is PeerKind.NETWORKS:
            inside = any(s.family == family and any(a <= lo and hi <= b for a, b in s.intervals)
                         for s in peer.addresses)
            if inside:
                return True, ""
            overlap = any(s.family == family and any(a <= hi and lo <= b for a, b in s.intervals)
                          for s in peer.addresses)
            return (None, "the range is only partly inside the networks") if overlap else (
                False, "")
        if peer.kind is PeerKind.NODES:
            return lo == hi and self._node_address(peer, Address(family, lo)), ""
        host = getattr(other, "host", "")
        if host:  # the question named the destination: the name decides
            return any(domain_matches(d, host) for d in peer.domain_names), ""
        return None, (f"whether {getattr(other, 'label', 'the address')} is an address of "
                      f"{', '.join(peer.domain_names)} depends on DNS at run time")

    def _pod_matches(self, peer: TierPeer, pod: Pod,
                     families: frozenset[int]) -> tuple[bool | None, str]:
        """``peer_matches`` for a pod: by its labels and namespace's, address or node."""
        if peer.kind in (PeerKind.NAMESPACES, PeerKind.PODS):
            if pod.host_network:
                return False, ""
            if peer.namespace_selector is not None and not peer.namespace_selector.matches(
                    self.cluster.namespace_labels(pod.namespace)):
                return False, ""
            return peer.pod_selector is None or peer.pod_selector.matches(pod.labels), ""
        if peer.kind is PeerKind.NETWORKS:
            return addresses_match(peer, pod, families)
        if peer.kind is PeerKind.NODES:
            if not pod.host_network:
                return False, ""
            if not pod.ips:
                return None, f"{pod.key} uses the host network but its node's IP is " \
                             "not in the manifests"
            return any(self._node_address(peer, ip) for ip in pod.ips
                       if ip.family in families), ""
        return False, ""  # domainNames: a pod IP is not an answer for an outside name

    def _node_address(self, peer: TierPeer, ip: Address) -> bool:
        assert peer.node_selector is not None
        return any(ip in n.addresses and peer.node_selector.matches(n.labels)
                   for n in self.nodes)

    def boundaries(self, family: int) -> set[int]:
        """Addresses where a ``networks`` peer or a Node address starts or ends."""
        out: set[int] = set()
        for p in self.cluster.cluster_policies:
            for r in p.egress:
                for peer in r.peers:
                    for s in peer.addresses:
                        if s.family == family:
                            out.update(s.boundaries())
        for n in self.nodes:
            for a in n.addresses:
                if a.family == family:
                    out.update((a.value, a.value + 1))
        return out


MIXED_VERSIONS = ("AdminNetworkPolicy or BaselineAdminNetworkPolicy (v1alpha1) and "
                  "ClusterNetworkPolicy (v1alpha2) in one tier: the spec does not order one "
                  "version against the other")


def tier_orders(policies: Sequence[ClusterPolicy]) -> list[list[list[ClusterPolicy]]]:
    """The orders an implementation may walk one tier's policies in, as priority groups.

    Policies sorted by priority form groups of equal priority (any order inside a group
    is allowed).  When v1alpha1 and v1alpha2 policies share the tier, nothing orders
    one API version against the other, so three orders are possible readings: by
    priority across both, v1alpha1 first, v1alpha2 first.
    """
    def groups(ps: Sequence[ClusterPolicy]) -> list[list[ClusterPolicy]]:
        out: list[list[ClusterPolicy]] = []
        for p in sorted(ps, key=lambda x: x.order):
            if out and out[-1][0].priority == p.priority:
                out[-1].append(p)
            else:
                out.append([p])
        return out

    v1 = [p for p in policies if not p.v2]
    v2 = [p for p in policies if p.v2]
    if not v1 or not v2:
        return [groups(policies)]
    return [groups(policies), groups(v1) + groups(v2), groups(v2) + groups(v1)]


def _range_of(other: object) -> tuple[int, int, int]:
    family, lo, hi = (getattr(other, "family", None), getattr(other, "lo", None),
                      getattr(other, "hi", None))
    if not isinstance(family, int) or not isinstance(lo, int) or not isinstance(hi, int):
        raise TypeError(f"not a pod or an address range: {other!r}")
    return family, lo, hi


def addresses_match(peer: TierPeer, pod: Pod, families: frozenset[int] = FAMILIES
                    ) -> tuple[bool | None, str]:
    """``networks`` against a pod: its address of the connection's family, when known.

    Networks match pod IPs too.

    A pod whose IP the manifests do not give (a workload's template) is matched only
    by a network covering a whole address family (``0.0.0.0/0``, ``::/0``), which
    holds whatever address of that family it gets; narrower networks are taken not
    to hold it, as NetworkPolicy ipBlocks are (pod addresses come from the cluster's
    pod range, which the manifests do not give).
    """
    sets = [s for s in peer.addresses if s.family in families]
    if pod.ips:
        return any(s.contains(ip) for s in sets for ip in pod.ips), ""
    return any(s.intervals == (_FULL_FAMILY[s.family],) for s in sets), ""


_FULL_FAMILY = {IPv4: (0, 2**32 - 1), IPv6: (0, 2**128 - 1)}


def rule_ports(rule: TierRule, dst: object) -> tuple[PortSet, PortSet]:
    """The ports a rule covers towards ``dst`` for sure, and those it may cover.

    Named ports resolve on ``dst`` (a destination without the name matches nothing);
    a reversed v1alpha1 ``portRange`` is accepted by the API with no meaning, so
    the ports between its ends may or may not match.
    """
    if rule.ports is None:
        return PortSet.all(), PortSet.empty()
    sure = PortSet.empty()
    maybe = PortSet.empty()
    for p in rule.ports:
        s, m = _port_entry(p, dst)
        sure = sure.union(s)
        maybe = maybe.union(m)
    return sure, maybe.difference(sure)


def _port_entry(p: TierPort, dst: object) -> tuple[PortSet, PortSet]:
    if p.name is not None:
        if not isinstance(dst, Pod):
            return PortSet.empty(), PortSet.empty()
        found: dict[Protocol, list[tuple[int, int]]] = {}
        for cp in dst.container_ports:
            if cp.name == p.name and (p.protocol is None or cp.protocol is p.protocol):
                found.setdefault(cp.protocol, []).append((cp.port, cp.port))
        return PortSet.from_map(found), PortSet.empty()
    assert p.protocol is not None and p.start is not None and p.end is not None
    if p.start <= p.end:
        return PortSet.of(p.protocol, p.start, p.end), PortSet.empty()
    return PortSet.empty(), PortSet.of(p.protocol, max(MIN_PORT, p.end),
                                       min(MAX_PORT, p.start))


def _agree(outcomes: list[SideOutcome], layer: Layer, why: str) -> SideOutcome:
    """What every alternative agrees on stands; the rest is undecided, with the choices."""
    allow = outcomes[0].allow
    deny = outcomes[0].deny
    every = outcomes[0].allow.union(outcomes[0].deny).union(outcomes[0].undecided)
    for o in outcomes[1:]:
        allow = allow.intersection(o.allow)
        deny = deny.intersection(o.deny)
    undecided = every.difference(allow).difference(deny)
    out = outcomes[0].restricted(allow.union(deny))
    if not undecided.is_empty:
        alternatives = []
        seen: set[tuple[object, ...]] = set()
        for o in outcomes:
            for d in o.restricted(undecided).decisions:
                key = (d.outcome, d.layer, d.policy and d.policy.key, d.rule and d.rule.index)
                if key not in seen:
                    seen.add(key)
                    alternatives.append(d)
        out = out.plus(SideOutcome.of(Decision(
            ports=undecided, outcome=Outcome.UNDECIDED, layer=layer,
            alternatives=tuple(alternatives), why=why)))
    return out


__all__ = ["Decision", "Layer", "Outcome", "SideOutcome", "TierEvaluator",
           "rule_ports"]
