"""``who-can-reach``: the existing pods that can reach DST, and every possible source.

The possible sources are described by constraints read off the destination's
ingress rules and checked with the solver against the whole connection formula
(the source's own egress policies included): for each admitting peer, whether
all, some or none of the sources it describes may actually connect, with a
witness of each case.  Nothing is enumerated: a family may hold pods that do
not exist yet and address ranges.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from netverify.cluster_policies import Action, PeerKind, Tier, TierPeer, TierRule
from netverify.deadline import DEFAULT_TIMEOUT_MS, Deadline
from netverify.engines.classes import pod_classes
from netverify.engines.concrete import Evaluator, External, ports_of_rule
from netverify.engines.smt.endpoints import PROTOCOL_CODE, SymEndpoint, symbolic_pod
from netverify.engines.smt.engine import SmtEngine
from netverify.engines.smt.formulas import Traffic, port_in
from netverify.engines.smt.solve import (
    Check,
    Outcome,
    check,
    describe,
    new_solver,
    read_endpoint,
)
from netverify.engines.tiers import TierEvaluator, rule_ports
from netverify.errors import QueryError
from netverify.ipblocks import IPv4
from netverify.model import Cluster, Direction, NetworkPolicy, Peer, Pod
from netverify.policy_kinds import ANY
from netverify.ports import PortSet, Protocol
from netverify.queries.endpoints import parse_port, parse_protocol, resolve, split_port
from netverify.queries.ingress_candidates import ingress_candidates
from netverify.queries.source_scope import Scope, peer_scope, union
from netverify.results import SourceClass, WhoCanReachResult, WitnessPod
from netverify.verdicts import SourceStatus


def who_can_reach(cluster: Cluster, dst: str, *, port: str | int | None = None,
                  protocol: str | None = None,
                  timeout_ms: int = DEFAULT_TIMEOUT_MS,
                  localised: bool = True) -> WhoCanReachResult:
    """List existing sources of ``dst`` and describe all possible ones.

    ``timeout_ms`` bounds all the solver work of the query together; families
    not decided by then are "undecided".  ``localised=False`` encodes the
    sources' egress over every namespace's policies (the reference the
    namespace-scoped encoding is tested against).

    >>> r = who_can_reach(cluster, "backend/db:5432")  # doctest: +SKIP

    Raises:
        QueryError: for an unknown destination or a malformed port.
    """
    ev = Evaluator(cluster)
    text, ptext = split_port(dst)
    if ptext is not None and port is not None:
        raise QueryError(f"port given twice: {dst!r} and --port {port}")
    ptext = ptext if ptext is not None else (str(port) if port is not None else None)
    resolved = resolve(cluster, ev, text)
    if len(resolved.pods) != 1:
        raise QueryError(f"{text!r} is {len(resolved.pods)} pods; who-can-reach takes one pod",
                         hint="name one pod or workload")
    target = resolved.pods[0]
    number, proto = _port_asked(target, ptext, protocol)
    existing = _existing_sources(cluster, ev, target, proto, number, localised)
    smt = SmtEngine(cluster, deadline=Deadline(timeout_ms))
    policies = ev.selecting(target, Direction.INGRESS)
    asks = _families(cluster, target, policies, proto, number)
    scope = union(a.scope for a in asks) if localised else None
    ctx = _Contexts(smt, cluster, smt.pod(target), scope)
    classes = [ctx.family(a.description, a.rule, a.ports, a.pol, a.peer, a.tier_peer)
               for a in asks]
    caveats: list[str] = []
    for reason, names in ctx.undecided.items():
        shown = list(dict.fromkeys(names))
        more = f" and {len(shown) - 3} more" if len(shown) > 3 else ""
        caveats.append(f"not decided for {len(shown)} of {len(classes)} source families "
                       f"({'; '.join(shown[:3])}{more}): {reason}")
    if target.host_network:
        caveats.append(f"{target.key} uses hostNetwork: NetworkPolicy does not apply to it")
    # Sources range over every pod and address, so any object applying to traffic into
    # the destination's namespace, or out of any namespace, could change the answer.
    return WhoCanReachResult(dst=target.key, port=number, protocol=proto,
                             existing=tuple(existing), classes=tuple(classes),
                             isolated=bool(policies), caveats=tuple(dict.fromkeys(caveats)),
                             coverage=cluster.coverage.affecting([(ANY, target.namespace)]))


@dataclass(frozen=True, slots=True)
class _Ask:
    """One source family to decide, and where its pods can live (None: anywhere)."""

    description: str
    rule: str | None
    ports: PortSet
    pol: NetworkPolicy | None
    peer: Peer | None
    tier_peer: tuple[TierRule, TierPeer] | None
    scope: Scope | None


def _families(cluster: Cluster, target: Pod, policies: list[NetworkPolicy],
              proto: Protocol | None, number: int | None) -> list[_Ask]:
    """The families of sources the destination's ingress admits, in report order."""
    if not policies:
        everyone = PortSet.all().restrict(proto, number)
        return [_Ask("any source, in the cluster or outside", None, everyone, None, None,
                     None, None)]
    out = []
    for pol in policies:
        for rule in pol.ingress:
            ports = ports_of_rule(rule, target).restrict(proto, number)
            if ports.is_empty:
                continue
            field = f"{pol.key} spec.ingress[{rule.index}]"
            if rule.peers is None:
                out.append(_Ask("any source, in the cluster or outside", field, ports, pol,
                                None, None, None))
                continue
            for peer in rule.peers:
                out.append(_Ask(_describe_peer(pol, peer), f"{field}.from[{peer.index}]",
                                ports, pol, peer, None, peer_scope(cluster, pol, peer)))
    return out + _admin_accepted(cluster, target, proto, number)


def _port_asked(target: Pod, ptext: str | None,
                protocol: str | None) -> tuple[int | None, Protocol | None]:
    """The port number and protocol asked about (None: any); a name resolves on ``target``.

    Raises:
        QueryError: for a malformed port or one ``target`` does not name.
    """
    if ptext is None:
        return None, parse_protocol(protocol) if protocol else None
    pq = parse_port(ptext, protocol)
    if pq.name is None:
        return pq.number, pq.protocol or Protocol.TCP
    found = [cp for cp in target.container_ports if cp.name == pq.name
             and (pq.protocol is None or cp.protocol is pq.protocol)]
    if not found:
        raise QueryError(f"{target.key} has no container port named {pq.name!r}")
    return found[0].port, found[0].protocol


def _existing_sources(cluster: Cluster, ev: Evaluator, target: Pod, proto: Protocol | None,
                      number: int | None, localised: bool) -> list[tuple[str, PortSet]]:
    """The existing pods that may reach ``target``, with the ports they may use.

    Only the pods some admitting peer matches can (``ingress_candidates``); when
    they are many, pods of one class get the same verdict towards any destination,
    so one pair per class is evaluated.
    """
    pods = ingress_candidates(cluster, ev, target, proto, number) if localised else None
    if pods is not None and len(pods) * 4 <= len(cluster.pods):
        return [(p.key, allowed) for p in pods
                if not (p.key == target.key and not p.is_template)  # loopback
                and not (allowed := ev.allowed_ports(p, target).restrict(proto, number)).is_empty]
    verdict: dict[int, PortSet] = {}
    by_class = pod_classes(cluster)
    existing = []
    for p in cluster.pods if pods is None else pods:
        if p.key == target.key and not p.is_template:
            continue  # loopback
        c = by_class.class_of[p.key]
        got = verdict.get(c)
        if got is None:
            got = verdict[c] = ev.allowed_ports(p, target).restrict(proto, number)
        if not got.is_empty:
            existing.append((p.key, got))
    return existing


def _admin_accepted(cluster: Cluster, target: Pod, proto: Protocol | None,
                    number: int | None) -> list[_Ask]:
    """Sources an Admin tier Accept admits although no NetworkPolicy rule names them."""
    out = []
    for cp in TierEvaluator(cluster).selecting(Tier.ADMIN, target):
        for trule in cp.ingress:
            if trule.action is not Action.ACCEPT:
                continue
            sure, maybe = rule_ports(trule, target)
            ports = sure.union(maybe).restrict(proto, number)
            if ports.is_empty:
                continue
            for tpeer in trule.peers:
                if tpeer.kind in (PeerKind.NAMESPACES, PeerKind.PODS):
                    out.append(_Ask(tpeer.describe(), f"{cp.key} {trule.label}", ports,
                                    None, None, (trule, tpeer), None))
    return out


def _describe_peer(pol: NetworkPolicy, peer: Peer) -> str:
    text = peer.describe()
    return text.replace("in this namespace", f"in namespace {pol.namespace}")


class _Contexts:
    """The source candidates (any pod, any address), each with two solvers encoded once.

    A family's sources are admitted by the destination's ingress by construction
    (they match a peer of a rule of a policy isolating it, on that rule's ports),
    so only the sources' own egress can still block them: one solver holds
    "egress allows", the other "egress blocks", and each family is a small
    push/pop on them.  The destination's ingress (thousands of peers, possibly)
    is never re-sent to the solver, which keeps the query linear in the number
    of peers.  Families with the same membership formula and ports (identical
    peers) are decided once.
    """

    def __init__(self, smt: SmtEngine, cluster: Cluster, dst: SymEndpoint,
                 scope: Scope | None) -> None:
        self.smt = smt
        self.cluster = cluster
        self.items: list[tuple[SymEndpoint, Traffic, z3.Solver, z3.Solver]] = []
        # reason -> families left undecided for it
        self.undecided: dict[str, list[str]] = {}
        self._memo: dict[tuple[int, int, PortSet], tuple[z3.BoolRef, tuple[Check, Check]]] = {}
        self._in_ports: dict[tuple[int, PortSet], z3.BoolRef] = {}
        # (memo key, allowed 0 / blocked 1) -> the model an example is read from
        self._shown: dict[tuple[int, int, PortSet, int], z3.ModelRef] = {}
        # A family's pods live in ``scope`` (all of them do when None): the pod source is
        # kept there, and only those namespaces' egress policies are encoded for it.
        sources = [symbolic_pod(smt.universe, cluster, "src", allow_new_namespace=True)
                   if scope is None else
                   symbolic_pod(smt.universe, cluster, "src", narrow=True,
                                namespaces=sorted(scope.namespaces),
                                allow_new_namespace=scope.new),
                   smt.external(IPv4, 0, (1 << 32) - 1, "src4")]
        if any(peer.ip_block is not None and peer.ip_block.addresses.family == 6
               for pol in cluster.policies for d in Direction for rule in pol.rules(d)
               for peer in rule.peers or ()):
            # Without IPv6 ipBlocks an IPv6 source behaves like an IPv4 one.
            sources.append(smt.external(6, 0, (1 << 128) - 1, "src6"))
        if scope is not None:
            for outside in sources[1:]:
                outside.ns_choices = frozenset()  # no NetworkPolicy selects an address
        # With cluster-wide policies the destination's ingress is no longer decided by
        # family membership alone (an Admin Deny may cut a NetworkPolicy peer, an Admin
        # Accept admit others): the whole connection is asked, egress and ingress.
        self.tiers = smt.encoder.tiers.active
        for src in sources:
            traffic = Traffic.symbolic()
            ok, _ = smt.encoder.side(Direction.EGRESS, src, dst, dst, traffic)
            if self.tiers:
                ingress_ok, _ = smt.encoder.side(Direction.INGRESS, dst, src, dst, traffic)
                ok = z3.And(ok, ingress_ok)
            domain = [*src.domain, *dst.domain, *traffic.domain,
                      smt.encoder.common_family(src, dst, traffic)]
            allows, blocks = new_solver(smt.deadline), new_solver(smt.deadline)
            allows.add(*domain, ok)
            blocks.add(*domain, z3.Not(ok))
            self.items.append((src, traffic, allows, blocks))

    def family(self, description: str, rule: str | None, ports: PortSet,
               pol: NetworkPolicy | None, peer: Peer | None,
               tier_peer: tuple[TierRule, TierPeer] | None = None) -> SourceClass:
        """Ask the solver whether all, some or none of this family may connect.

        The family is the sources ``peer`` of ``pol`` matches (every source when
        None), or those a cluster-wide policy rule's ``tier_peer`` matches.
        """
        allowed: list[tuple[z3.ModelRef, SymEndpoint]] = []
        blocked: list[tuple[z3.ModelRef, SymEndpoint]] = []
        undecided = False
        for i, (src, traffic, allows, blocks) in enumerate(self.items):
            outside = z3.is_false(src.is_pod)
            if peer is not None and peer.ip_block is None and outside:
                continue  # selector peers never match addresses outside the cluster
            if tier_peer is not None and outside:
                continue  # ingress tier peers (namespaces, pods) match pods only
            if self.smt.deadline.expired():  # no formulas built only to be left open
                undecided = True
                self.undecided.setdefault(self.smt.deadline.reason(), []).append(description)
                continue
            member = self._member(src, traffic, pol, peer, tier_peer)
            key = (i, member.get_id(), ports)
            hit = self._memo.get(key)
            if hit is None:
                in_ports = self._in_ports.get((i, ports))
                if in_ports is None:
                    in_ports = self._in_ports[(i, ports)] = _in_ports(traffic, ports)
                # No egress policy governs an address outside the cluster.
                got = (check(allows, member, in_ports),
                       Check(Outcome.NO) if outside and not self.tiers
                       else check(blocks, member, in_ports))
                # The term is kept with the answer: while it lives, its id names only it.
                self._memo[key] = (member, got)
            else:
                got = hit[1]
            for n, (r, found, solver) in enumerate(zip(got, (allowed, blocked),
                                                       (allows, blocks), strict=True)):
                if r.outcome is Outcome.UNDECIDED:
                    undecided = True
                    self.undecided.setdefault(r.reason or "unknown", []).append(description)
                elif r.outcome is Outcome.YES:
                    assert r.model is not None
                    model = r.model
                    if not found:  # the example shown: no address unless one is needed
                        shown = self._shown.get((*key, n))
                        if shown is None:
                            shown = self._shown[(*key, n)] = self._bare(
                                solver, src, member, model, self._in_ports[(i, ports)])
                        model = shown
                    found.append((model, src))
        if allowed and blocked:
            status = SourceStatus.SOME
        elif undecided:
            status = SourceStatus.UNDECIDED  # not ALL or NONE without knowing the rest
        else:
            status = SourceStatus.ALL if allowed else SourceStatus.NONE
        # Witnesses are read only for what is shown: reading a model costs as much as a check.
        return SourceClass(
            description=description, ports=ports, rule=rule, status=status,
            example=self._witness(*allowed[0]) if allowed else None,
            blocked_example=self._witness(*blocked[0]) if status is SourceStatus.SOME else None)

    def _member(self, src: SymEndpoint, traffic: Traffic, pol: NetworkPolicy | None,
                peer: Peer | None, tier_peer: tuple[TierRule, TierPeer] | None) -> z3.BoolRef:
        """``src`` belongs to the family: the tier peer, the policy's peer, or anyone."""
        if tier_peer is not None:
            return self.smt.encoder.tiers.peer(tier_peer[1], tier_peer[0], src, traffic)
        if pol is not None and peer is not None:
            return self.smt.encoder.peer(pol, peer, src, traffic)
        return z3.BoolVal(True)

    def _bare(self, solver: z3.Solver, src: SymEndpoint, member: z3.BoolRef,
              model: z3.ModelRef, in_ports: z3.BoolRef) -> z3.ModelRef:
        """A model whose example pod has no address, when one exists.

        The solver picks addresses at will (0.0.0.0), which reads as if the address
        mattered.
        """
        terms = [has for has, _ in (*src.ip4, *src.ip6)]
        if z3.is_false(src.is_pod) or not any(
                z3.is_true(model.eval(h, model_completion=True)) for h in terms):
            return model
        again = check(solver, member, in_ports, *[z3.Not(h) for h in terms])
        return again.model if again.outcome is Outcome.YES and again.model is not None \
            else model

    def _witness(self, m: z3.ModelRef, src: SymEndpoint) -> WitnessPod:
        return describe(self.cluster, read_endpoint(m, self.smt.universe, self.cluster, src,
                                                     "example"))


def _in_ports(traffic: Traffic, ports: PortSet) -> z3.BoolRef:
    cases = [z3.And(traffic.proto == PROTOCOL_CODE[proto], port_in(traffic.port, ivs))
             for proto, ivs in ports.items()]
    return z3.Or(*cases) if cases else z3.BoolVal(False)


__all__ = ["External", "who_can_reach"]
