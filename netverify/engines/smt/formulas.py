"""Policies as formulas: one place builds each selector, peer, port and rule term.

The encoding mirrors the concrete Evaluator rule for rule (see
``netverify/engines/concrete.py`` for the Kubernetes semantics and links):

- ``selects(p, x)``: x is a pod, not hostNetwork, in p's namespace, and p's
  podSelector holds on x's labels;
- ``isolated(d, x)``: some policy with policy type d selects x;
- ``peer(p, e, x)``: ipBlock -> some known address of x lies in cidr minus
  except; otherwise x is a non-hostNetwork pod whose namespace is p's (no
  namespaceSelector) or satisfies the namespaceSelector, and whose labels
  satisfy the podSelector when there is one;
- ``ports(r, dst, port, proto)``: no list -> true; else some entry matches the
  protocol and the port (a number, a range with endPort, every port, or a name
  that ``dst`` declares for that protocol with that number);
- ``allowed(src, dst, port, proto)`` = egress side of src AND ingress side of
  dst, each side being "not governed" (not a pod, or hostNetwork) or "not
  isolated" or "some rule of a selecting policy matches the other side".

Terms are cached per (policy, endpoint) so a query that asks many questions
about the same endpoints builds each sub-term once.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from netverify.engines.classes import numbered_ports
from netverify.engines.smt.endpoints import PROTOCOL_CODE, Labels, SymEndpoint
from netverify.engines.smt.universe import Universe
from netverify.model import Cluster, Direction, NetworkPolicy, Peer, Rule
from netverify.ports import MAX_PORT, MIN_PORT, Interval
from netverify.selectors import LabelSelector, Operator


@dataclass(frozen=True)
class Traffic:
    """The symbolic (or fixed) port and protocol of a connection."""

    port: z3.BitVecRef
    proto: z3.ArithRef
    domain: tuple[z3.BoolRef, ...]

    @staticmethod
    def symbolic(prefix: str = "traffic") -> Traffic:
        """Any port 1-65535 of any protocol."""
        port = z3.BitVec(f"{prefix}.port", 16)
        proto = z3.Int(f"{prefix}.protocol")
        return Traffic(port, proto, (port != 0, proto >= 0, proto <= 2))


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
            return port == lo if lo == hi else z3.And(z3.UGE(port, lo), z3.ULE(port, hi))
        m = (a + b) // 2
        return z3.If(z3.ULT(port, intervals[m][0]), within(a, m), within(m, b))

    return within(0, len(intervals))


class Encoder:
    """Builds formulas for one cluster over one universe."""

    def __init__(self, cluster: Cluster, universe: Universe, *,
                 without_rules: frozenset[tuple[str, str, int]] = frozenset(),
                 without_policies: frozenset[str] = frozenset()) -> None:
        """``without_*`` leave rules ((policy, direction, index)) or whole policies out:
        that is how redundancy is asked (is the cluster the same without it?)."""
        self.cluster = cluster
        self.u = universe
        self.without_rules = without_rules
        self.policies = {d: [p for p in cluster.policies if d in p.policy_types
                             and p.key not in without_policies] for d in Direction}
        # Sub-terms shared between policies (the same selector on the same endpoint)
        # are built once; keys hold id()s of endpoint parts that live as long as the query.
        self._sel_cache: dict[tuple[object, ...], z3.BoolRef] = {}

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
            one_of = z3.Or(*[value == self.u.value_index(req.key, v)
                             for v in sorted(req.values)]) if req.values else z3.BoolVal(False)
            if req.operator is Operator.IN:
                terms.append(z3.And(present, one_of))
            elif req.operator is Operator.NOT_IN:
                terms.append(z3.Or(z3.Not(present), z3.Not(one_of)))
            elif req.operator is Operator.EXISTS:
                terms.append(present)
            else:
                terms.append(z3.Not(present))
        return z3.And(*terms) if terms else z3.BoolVal(True)

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
        return z3.And(ep.is_pod, z3.Not(ep.host_network), self._in_namespace(pol.namespace, ep),
                      self.selector(pol.pod_selector, ep.labels))

    def isolated(self, direction: Direction, ep: SymEndpoint) -> z3.BoolRef:
        """Some policy of ``direction`` selects ``ep``."""
        return z3.Or(*[self.selects(p, ep) for p in self._candidates(direction, ep)])

    def _candidates(self, direction: Direction, ep: SymEndpoint) -> list[NetworkPolicy]:
        pols = self.policies[direction]
        if ep.fixed_ns is not None:
            return [p for p in pols if p.namespace == ep.fixed_ns]
        return pols

    # -- peers and ports -----------------------------------------------------

    def peer(self, pol: NetworkPolicy, peer: Peer, ep: SymEndpoint) -> z3.BoolRef:
        """One element of from/to matches ``ep``."""
        key = ("peer", pol.namespace if peer.namespace_selector is None else None,
               peer.pod_selector, peer.namespace_selector,
               peer.ip_block.addresses if peer.ip_block else None, id(ep))
        hit = self._sel_cache.get(key)
        if hit is None:
            hit = self._peer(pol, peer, ep)
            self._sel_cache[key] = hit
        return hit

    def _peer(self, pol: NetworkPolicy, peer: Peer, ep: SymEndpoint) -> z3.BoolRef:
        if peer.ip_block is not None:
            addrs = peer.ip_block.addresses
            width = 32 if addrs.family == 4 else 128
            cases = []
            for has, addr in ep.ips(addrs.family):
                inside = z3.Or(*[z3.And(z3.UGE(addr, z3.BitVecVal(lo, width)),
                                        z3.ULE(addr, z3.BitVecVal(hi, width)))
                                 for lo, hi in addrs.intervals])
                cases.append(z3.And(has, inside))
            return z3.Or(*cases) if cases else z3.BoolVal(False)
        terms = [ep.is_pod, z3.Not(ep.host_network)]
        if peer.namespace_selector is None:
            terms.append(self._in_namespace(pol.namespace, ep))
        else:
            terms.append(self.selector(peer.namespace_selector, ep.ns_labels))
        if peer.pod_selector is not None:
            terms.append(self.selector(peer.pod_selector, ep.labels))
        return z3.And(*terms)

    def ports(self, rule: Rule, dst: SymEndpoint, traffic: Traffic) -> z3.BoolRef:
        """The rule's ports admit (port, protocol) towards ``dst``.

        Number and range entries are merged per protocol first and encoded as
        intervals (``port_in``), so a list of thousands of ports is one compact
        term per protocol, built once per query.
        """
        if rule.ports is None:
            return z3.BoolVal(True)
        numbered = numbered_ports(rule)
        # AST ids: the cached term holds the port and protocol terms, so they stay unique.
        key = ("ports", numbered, traffic.port.get_id(), traffic.proto.get_id())
        hit = self._sel_cache.get(key)
        if hit is None:
            hit = z3.Or(*[z3.And(traffic.proto == PROTOCOL_CODE[proto],
                                 port_in(traffic.port, ivs)) for proto, ivs in numbered.items()])
            self._sel_cache[key] = hit
        cases = [hit]
        for spec in rule.ports:
            if isinstance(spec.port, str):
                proto_ok = traffic.proto == PROTOCOL_CODE[spec.protocol]
                decl = dst.named.get((spec.port, spec.protocol), [])
                cases.append(z3.And(proto_ok, z3.Or(*[z3.And(has, num == traffic.port)
                                                      for has, num in decl])
                                    if decl else z3.BoolVal(False)))
        return z3.Or(*cases)

    def rule(self, pol: NetworkPolicy, rule: Rule, other: SymEndpoint, dst: SymEndpoint,
             traffic: Traffic) -> z3.BoolRef:
        """The rule admits ``other`` on this traffic."""
        peers = z3.BoolVal(True) if rule.peers is None else z3.Or(
            *[self.peer(pol, p, other) for p in rule.peers])
        return z3.And(peers, self.ports(rule, dst, traffic))

    # -- sides and connections -------------------------------------------------

    def side(self, direction: Direction, subject: SymEndpoint, other: SymEndpoint,
             dst: SymEndpoint, traffic: Traffic) -> tuple[z3.BoolRef, list[RuleTerm]]:
        """What ``subject``'s policies of ``direction`` allow, and each rule's own term."""
        pols = self._candidates(direction, subject)
        terms: list[RuleTerm] = []
        admitted = []
        for pol in pols:
            sel = self.selects(pol, subject)
            for rule in pol.rules(direction):
                if (pol.key, direction.value, rule.index) in self.without_rules:
                    continue
                t = z3.And(sel, self.rule(pol, rule, other, dst, traffic))
                terms.append(RuleTerm(pol, rule, t))
                admitted.append(t)
        governed = z3.And(subject.is_pod, z3.Not(subject.host_network))
        isolated = z3.Or(*[self.selects(p, subject) for p in pols])  # cached terms
        allowed = z3.Or(z3.Not(governed), z3.Not(isolated), *admitted)
        return allowed, terms

    def allowed(self, src: SymEndpoint, dst: SymEndpoint, traffic: Traffic
                ) -> tuple[z3.BoolRef, z3.BoolRef, list[RuleTerm], list[RuleTerm]]:
        """Egress of src and ingress of dst allow the traffic; plus their rule terms."""
        if (src.pod is not None and dst.pod is not None and src.pod.key == dst.pod.key
                and not src.pod.is_template):
            true = z3.BoolVal(True)
            return true, true, [], []  # loopback
        e, eterms = self.side(Direction.EGRESS, src, dst, dst, traffic)
        i, iterms = self.side(Direction.INGRESS, dst, src, dst, traffic)
        return e, i, eterms, iterms
