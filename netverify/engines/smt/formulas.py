"""Policies as formulas: one place builds each selector, peer, port and rule term.

The encoding mirrors the concrete Evaluator rule for rule (see
``netverify/engines/concrete.py`` for the Kubernetes semantics and links):

- ``selects(p, x)``: x is a pod, not hostNetwork, in p's namespace, and p's
  podSelector holds on x's labels;
- ``isolated(d, x)``: some policy with policy type d selects x;
- ``peer(p, e, x)``: ipBlock -> the connection uses the block's family and x's
  known address of that family lies in cidr minus except; otherwise x is a
  non-hostNetwork pod whose namespace is p's (no namespaceSelector) or
  satisfies the namespaceSelector, and whose labels satisfy the podSelector
  when there is one;
- ``ports(r, dst, port, proto)``: no list -> true; else some entry matches the
  protocol and the port (a number, a range with endPort, every port, or a name
  that ``dst`` declares for that protocol with that number);
- ``allowed(src, dst, port, proto)`` = egress side of src AND ingress side of
  dst, each side being "not governed" (not a pod, or hostNetwork) or "not
  isolated" or "some rule of a selecting policy matches the other side"; both
  sides also require that the two endpoints can use the connection's address
  family (``Traffic.ipv6``): a pair with no common family never connects.

Terms are cached per (policy, endpoint) so a query that asks many questions
about the same endpoints builds each sub-term once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import z3

from netverify.engines.classes import numbered_ports
from netverify.engines.smt.endpoints import PROTOCOL_CODE, Labels, SymEndpoint, can_use
from netverify.engines.smt.terms import and_, not_, or_
from netverify.engines.smt.tiers import TierFormulas
from netverify.engines.smt.universe import Universe
from netverify.ipblocks import IPv4, IPv6
from netverify.model import Cluster, Direction, NetworkPolicy, Peer, Rule
from netverify.ports import MAX_PORT, MIN_PORT, Interval, PortSet
from netverify.selectors import LabelSelector, Operator


@dataclass(frozen=True)
class Traffic:
    """The symbolic (or fixed) port, protocol and address family of a connection.

    ``ipv6`` is true for a connection over IPv6, false over IPv4: a connection
    uses one family, and ipBlocks see the endpoints' addresses of that family.
    """

    port: z3.BitVecRef
    proto: z3.ArithRef
    domain: tuple[z3.BoolRef, ...]
    ipv6: z3.BoolRef = field(default_factory=lambda: z3.Bool("traffic.ipv6"))

    @staticmethod
    def symbolic(prefix: str = "traffic") -> Traffic:
        """Any port 1-65535 of any protocol, over either address family."""
        port = z3.BitVec(f"{prefix}.port", 16)
        proto = z3.Int(f"{prefix}.protocol")
        return Traffic(port, proto, (port != 0, proto >= 0, proto <= 2),
                       z3.Bool(f"{prefix}.ipv6"))

    def over(self, family: int) -> z3.BoolRef:
        """The connection uses ``family``."""
        return self.ipv6 if family == IPv6 else z3.Not(self.ipv6)

    def family_in(self, model: z3.ModelRef) -> int:
        """The family a model chose."""
        return IPv6 if z3.is_true(model.eval(self.ipv6, model_completion=True)) else IPv4

    def either_family(self, formula: z3.BoolRef) -> z3.BoolRef:
        """``formula`` holds over some family: the connection can be made over one of them.

        This is the concrete engine's verdict for a pair that could use both families
        (the union); use it where "not allowed" must mean "over no family".
        """
        if not z3.is_const(self.ipv6) or z3.is_true(self.ipv6) or z3.is_false(self.ipv6):
            return formula
        return or_(z3.substitute(formula, (self.ipv6, z3.BoolVal(True))),
                     z3.substitute(formula, (self.ipv6, z3.BoolVal(False))))


@dataclass(frozen=True)
class RuleTerm:
    """A rule's formula for one (subject, other) pair, kept for explanations."""

    policy: NetworkPolicy
    rule: Rule
    term: z3.BoolRef


def port_in(port: z3.BitVecRef, intervals: tuple[Interval, ...]) -> z3.BoolRef:
    """``port`` lies in one of the sorted, disjoint ``intervals`` (1-65535: true).

    A balanced If-tree on the interval starts: thousands of intervals stay a term
    of logarithmic depth.  A flat disjunction of one term per ports entry made
    its negation ("egress does not allow it") too hard to decide in a minute.
    """
    if not intervals:
        return z3.BoolVal(False)
    if intervals == ((MIN_PORT, MAX_PORT),):
        return z3.BoolVal(True)  # the traffic's domain excludes port 0

    def within(a: int, b: int) -> z3.BoolRef:
        if b - a == 1:
            lo, hi = intervals[a]
            return port == lo if lo == hi else and_(z3.UGE(port, lo), z3.ULE(port, hi))
        m = (a + b) // 2
        return z3.If(z3.ULT(port, intervals[m][0]), within(a, m), within(m, b))

    return within(0, len(intervals))


class Encoder:
    """Builds formulas for one cluster over one universe."""

    def __init__(self, cluster: Cluster, universe: Universe, *,
                 terms_of: Encoder | None = None) -> None:
        """Encode ``cluster``'s policies.

        Lint asks about edits by encoding the edited cluster over the same universe;
        ``terms_of`` (an encoder over that universe) lends its sub-terms, which depend
        on a policy's own fields and the endpoints only, never on the other policies.
        """
        self.cluster = cluster
        self.u = universe
        self.policies = {d: [p for p in cluster.policies if d in p.policy_types]
                         for d in Direction}
        # Sub-terms shared between policies (the same selector on the same endpoint)
        # are built once; keys hold id()s of endpoint parts that live as long as the query.
        self._sel_cache: dict[tuple[object, ...], z3.BoolRef] = (
            {} if terms_of is None else terms_of._sel_cache)
        self._rule_cache: dict[tuple[object, ...],
                               tuple[SymEndpoint, SymEndpoint, Traffic, z3.BoolRef]] = (
            {} if terms_of is None else terms_of._rule_cache)
        self._admits_cache: dict[tuple[object, ...],
                                 tuple[tuple[object, ...], list[RuleTerm]]] = (
            {} if terms_of is None else terms_of._admits_cache)
        # id(rule) -> (rule, its merged numbered ports); the rule is held so the id stays its
        self._numbered: dict[int, tuple[Rule, PortSet]] = {}
        self.tiers = TierFormulas(cluster, self.selector)

    # -- selectors -----------------------------------------------------------

    def selector(self, sel: LabelSelector, labels: Labels) -> z3.BoolRef:
        """A LabelSelector over symbolic labels (requirements AND'd; empty is true)."""
        key = (sel, id(labels))
        hit = self._sel_cache.get(key)
        if hit is not None:
            return hit
        out = self._selector(sel, labels)
        self._sel_cache[key] = out
        return out

    def _selector(self, sel: LabelSelector, labels: Labels) -> z3.BoolRef:
        terms: list[z3.BoolRef] = []
        for req in sel.requirements:
            present = labels.present[req.key]
            value = labels.value[req.key]
            one_of = or_(*[value == self.u.value_index(req.key, v)
                             for v in sorted(req.values)]) if req.values else z3.BoolVal(False)
            if req.operator is Operator.IN:
                terms.append(and_(present, one_of))
            elif req.operator is Operator.NOT_IN:
                terms.append(or_(z3.Not(present), z3.Not(one_of)))
            elif req.operator is Operator.EXISTS:
                terms.append(present)
            else:
                terms.append(z3.Not(present))
        return and_(*terms) if terms else z3.BoolVal(True)

    def _in_namespace(self, name: str, ep: SymEndpoint) -> z3.BoolRef:
        if ep.fixed_ns is not None:
            return z3.BoolVal(ep.fixed_ns == name)
        return ep.ns == self.u.namespaces.index(name)

    def selects(self, pol: NetworkPolicy, ep: SymEndpoint) -> z3.BoolRef:
        """``pol`` applies to ``ep`` (whatever its policy types)."""
        key = ("selects", pol.namespace, pol.pod_selector, id(ep))
        hit = self._sel_cache.get(key)
        if hit is None:
            hit = self._selects(pol, ep)
            self._sel_cache[key] = hit
        return hit

    def _selects(self, pol: NetworkPolicy, ep: SymEndpoint) -> z3.BoolRef:
        return and_(ep.is_pod, z3.Not(ep.host_network), self._in_namespace(pol.namespace, ep),
                      self.selector(pol.pod_selector, ep.labels))

    def isolated(self, direction: Direction, ep: SymEndpoint) -> z3.BoolRef:
        """Some policy of ``direction`` selects ``ep``."""
        return or_(*[self.selects(p, ep) for p in self._candidates(direction, ep)])

    def _candidates(self, direction: Direction, ep: SymEndpoint) -> list[NetworkPolicy]:
        pols = self.policies[direction]
        if ep.fixed_ns is not None:
            return [p for p in pols if p.namespace == ep.fixed_ns]
        if ep.ns_choices is not None:
            return [p for p in pols if p.namespace in ep.ns_choices]
        return pols

    # -- peers and ports -----------------------------------------------------

    def peer(self, pol: NetworkPolicy, peer: Peer, ep: SymEndpoint,
             traffic: Traffic | None = None) -> z3.BoolRef:
        """One element of from/to matches ``ep`` (an ipBlock: over ``traffic``'s family)."""
        key = ("peer", pol.namespace if peer.namespace_selector is None else None,
               peer.pod_selector, peer.namespace_selector,
               peer.ip_block.addresses if peer.ip_block else None, id(ep))
        hit = self._sel_cache.get(key)
        if hit is None:
            hit = self._peer(pol, peer, ep)
            self._sel_cache[key] = hit
        if peer.ip_block is not None and traffic is not None:
            return and_(traffic.over(peer.ip_block.addresses.family), hit)
        return hit

    def _peer(self, pol: NetworkPolicy, peer: Peer, ep: SymEndpoint) -> z3.BoolRef:
        if peer.ip_block is not None:
            addrs = peer.ip_block.addresses
            width = 32 if addrs.family == 4 else 128
            cases = []
            for has, addr in ep.ips(addrs.family):
                inside = or_(*[and_(z3.UGE(addr, z3.BitVecVal(lo, width)),
                                        z3.ULE(addr, z3.BitVecVal(hi, width)))
                                 for lo, hi in addrs.intervals])
                cases.append(and_(has, inside))
            return or_(*cases) if cases else z3.BoolVal(False)
        terms = [ep.is_pod, z3.Not(ep.host_network)]
        if peer.namespace_selector is None:
            terms.append(self._in_namespace(pol.namespace, ep))
        else:
            terms.append(self.selector(peer.namespace_selector, ep.ns_labels))
        if peer.pod_selector is not None:
            terms.append(self.selector(peer.pod_selector, ep.labels))
        return and_(*terms)

    def ports(self, rule: Rule, dst: SymEndpoint, traffic: Traffic) -> z3.BoolRef:
        """The rule's ports admit (port, protocol) towards ``dst``.

        Number and range entries are merged per protocol first and encoded as
        intervals (``port_in``), so a list of thousands of ports is one compact
        term per protocol, built once per query.
        """
        if rule.ports is None:
            return z3.BoolVal(True)
        known = self._numbered.get(id(rule))
        if known is None or known[0] is not rule:
            known = self._numbered[id(rule)] = (rule, numbered_ports(rule))
        numbered = known[1]
        # AST ids: the cached term holds the port and protocol terms, so they stay unique.
        key = ("ports", numbered, traffic.port.get_id(), traffic.proto.get_id())
        hit = self._sel_cache.get(key)
        if hit is None:
            hit = or_(*[and_(traffic.proto == PROTOCOL_CODE[proto],
                                 port_in(traffic.port, ivs)) for proto, ivs in numbered.items()])
            self._sel_cache[key] = hit
        cases = [hit]
        for spec in rule.ports:
            if isinstance(spec.port, str):
                proto_ok = traffic.proto == PROTOCOL_CODE[spec.protocol]
                decl = dst.named.get((spec.port, spec.protocol), [])
                cases.append(and_(proto_ok, or_(*[and_(has, num == traffic.port)
                                                      for has, num in decl])
                                    if decl else z3.BoolVal(False)))
        return or_(*cases)

    def rule(self, pol: NetworkPolicy, rule: Rule, other: SymEndpoint, dst: SymEndpoint,
             traffic: Traffic) -> z3.BoolRef:
        """The rule admits ``other`` on this traffic."""
        # A rule's term depends on its namespace and its own fields only (lint re-encodes
        # a namespace's policies once per candidate edit).
        # The entry holds the endpoints it was made for: an id reused by a later object
        # is never mistaken for them.
        key = ("rule", pol.namespace, rule.peers, rule.ports, id(other), id(dst), id(traffic))
        hit = self._rule_cache.get(key)
        if hit is not None and hit[0] is other and hit[1] is dst and hit[2] is traffic:
            return hit[3]
        peers = z3.BoolVal(True) if rule.peers is None else or_(
            *[self.peer(pol, p, other, traffic) for p in rule.peers])
        term = and_(peers, self.ports(rule, dst, traffic))
        self._rule_cache[key] = (other, dst, traffic, term)
        return term

    # -- sides and connections -------------------------------------------------

    def side(self, direction: Direction, subject: SymEndpoint, other: SymEndpoint,
             dst: SymEndpoint, traffic: Traffic) -> tuple[z3.BoolRef, list[RuleTerm]]:
        """What ``subject``'s policies of ``direction`` allow for sure, and each rule's term.

        The terms are those of the NetworkPolicy rules.
        """
        lo, _, terms = self.side_bounds(direction, subject, other, dst, traffic)
        return lo, terms

    def side_bounds(self, direction: Direction, subject: SymEndpoint, other: SymEndpoint,
                    dst: SymEndpoint, traffic: Traffic
                    ) -> tuple[z3.BoolRef, z3.BoolRef, list[RuleTerm]]:
        """(allowed for sure, allowed for some choice the manifests leave open, rule terms).

        The two differ only with cluster-wide policies tied at one priority or rules
        that may match (``engines.smt.tiers``).
        """
        pols = self._candidates(direction, subject)
        terms: list[RuleTerm] = []
        for pol in pols:
            terms += self._admits(pol, direction, subject, other, dst, traffic)
        admitted = [t.term for t in terms]
        governed = and_(subject.is_pod, not_(subject.host_network))
        isolated = or_(*[self.selects(p, subject) for p in pols])  # cached terms
        if not self.tiers.active:
            allowed = or_(not_(governed), not_(isolated), *admitted)
            return allowed, allowed, terms
        lo, hi = self.tiers.side(direction, subject, other, dst, traffic, isolated,
                                 or_(*admitted))
        return or_(not_(governed), lo), or_(not_(governed), hi), terms

    def _admits(self, pol: NetworkPolicy, direction: Direction, subject: SymEndpoint,
                other: SymEndpoint, dst: SymEndpoint, traffic: Traffic) -> list[RuleTerm]:
        """Each rule of ``pol`` selecting ``subject`` and admitting ``other``.

        Kept per policy object (lint encodes a namespace's unchanged policies again for
        every candidate edit); the entry holds the objects it was made for, so an id
        reused by a later object is never mistaken for them.
        """
        key = (id(pol), direction, id(subject), id(other), id(dst), id(traffic))
        hit = self._admits_cache.get(key)
        if hit is not None and all(a is b for a, b in zip(
                hit[0], (pol, subject, other, dst, traffic), strict=True)):
            return hit[1]
        sel = self.selects(pol, subject)
        out = [RuleTerm(pol, rule, and_(sel, self.rule(pol, rule, other, dst, traffic)))
               for rule in pol.rules(direction)]
        self._admits_cache[key] = ((pol, subject, other, dst, traffic), out)
        return out

    def allowed(self, src: SymEndpoint, dst: SymEndpoint, traffic: Traffic
                ) -> tuple[z3.BoolRef, z3.BoolRef, list[RuleTerm], list[RuleTerm]]:
        """Egress of src and ingress of dst allow the traffic; plus their rule terms."""
        if (src.pod is not None and dst.pod is not None and src.pod.key == dst.pod.key
                and not src.pod.is_template):
            true = z3.BoolVal(True)
            return true, true, [], []  # loopback
        e, eterms = self.side(Direction.EGRESS, src, dst, dst, traffic)
        i, iterms = self.side(Direction.INGRESS, dst, src, dst, traffic)
        both = self.common_family(src, dst, traffic)
        return and_(both, e), and_(both, i), eterms, iterms

    def common_family(self, src: SymEndpoint, dst: SymEndpoint,
                      traffic: Traffic) -> z3.BoolRef:
        """Both endpoints can use the connection's address family."""
        return or_(*[and_(traffic.over(f), can_use(src, f), can_use(dst, f))
                       for f in (IPv4, IPv6)])

    def possibly_allowed(self, src: SymEndpoint, dst: SymEndpoint, traffic: Traffic
                         ) -> z3.BoolRef:
        """Allowed for some choice the manifests leave open: a proof of "no" negates this.

        Equal to the sure answer unless cluster-wide policies tie or may match.
        """
        if (src.pod is not None and dst.pod is not None and src.pod.key == dst.pod.key
                and not src.pod.is_template):
            return z3.BoolVal(True)
        _, e, _ = self.side_bounds(Direction.EGRESS, src, dst, dst, traffic)
        _, i, _ = self.side_bounds(Direction.INGRESS, dst, src, dst, traffic)
        return and_(self.common_family(src, dst, traffic), e, i)
