"""``who-can-reach``: the existing pods that can reach DST, and every possible source.

The possible sources are described by constraints read off the destination's
ingress rules and checked with the solver against the whole connection formula
(the source's own egress policies included): for each admitting peer, whether
all, some or none of the sources it describes may actually connect, with a
witness of each case.  Nothing is enumerated: a family may hold pods that do
not exist yet and address ranges.
"""

from __future__ import annotations

import z3

from netverify.engines.concrete import Evaluator, External, ports_of_rule
from netverify.engines.smt.endpoints import PROTOCOL_CODE, SymEndpoint, symbolic_pod
from netverify.engines.smt.engine import SmtEngine
from netverify.engines.smt.formulas import Traffic
from netverify.engines.smt.solve import Outcome, check, describe, new_solver, read_endpoint
from netverify.errors import QueryError
from netverify.ipblocks import IPv4
from netverify.model import Cluster, Direction, NetworkPolicy, Peer
from netverify.policy_kinds import ANY
from netverify.ports import MAX_PORT, PortSet, Protocol
from netverify.queries.endpoints import parse_port, parse_protocol, resolve, split_port
from netverify.results import SourceClass, WhoCanReachResult, WitnessPod


def who_can_reach(cluster: Cluster, dst: str, *, port: str | int | None = None,
                  protocol: str | None = None, timeout_ms: int = 10_000) -> WhoCanReachResult:
    """List existing sources of ``dst`` and describe all possible ones.

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
    number: int | None = None
    proto: Protocol | None = parse_protocol(protocol) if protocol and ptext is None else None
    if ptext is not None:
        pq = parse_port(ptext, protocol)
        proto = pq.protocol or Protocol.TCP
        number = pq.number
        if pq.name is not None:
            found = [cp for cp in target.container_ports if cp.name == pq.name
                     and (pq.protocol is None or cp.protocol is pq.protocol)]
            if not found:
                raise QueryError(f"{target.key} has no container port named {pq.name!r}")
            number, proto = found[0].port, found[0].protocol

    existing = []
    for p in cluster.pods:
        if p.key == target.key and not p.is_template:
            continue
        got = ev.allowed_ports(p, target).restrict(proto, number)
        if not got.is_empty:
            existing.append((p.key, got))

    smt = SmtEngine(cluster, timeout_ms=timeout_ms)
    dst_ep = smt.pod(target)
    ctx = _Contexts(smt, cluster, dst_ep)
    policies = ev.selecting(target, Direction.INGRESS)
    classes: list[SourceClass] = []
    caveats: list[str] = []
    if not policies:
        everyone = PortSet.all().restrict(proto, number)
        classes.append(_family(ctx, "any source, in the cluster or outside", None, everyone,
                               None, None, caveats))
    for pol in policies:
        for rule in pol.ingress:
            ports = ports_of_rule(rule, target).restrict(proto, number)
            if ports.is_empty:
                continue
            field = f"{pol.key} spec.ingress[{rule.index}]"
            if rule.peers is None:
                classes.append(_family(ctx, "any source, in the cluster or outside", field, ports,
                                       pol, None, caveats))
                continue
            for peer in rule.peers:
                classes.append(_family(ctx, _describe_peer(pol, peer),
                                       f"{field}.from[{peer.index}]", ports, pol, peer,
                                       caveats))
    if target.host_network:
        caveats.append(f"{target.key} uses hostNetwork: NetworkPolicy does not apply to it")
    # Sources range over every pod and address, so any object applying to traffic into
    # the destination's namespace, or out of any namespace, could change the answer.
    return WhoCanReachResult(dst=target.key, port=number, protocol=proto,
                             existing=tuple(existing), classes=tuple(classes),
                             isolated=bool(policies), caveats=tuple(dict.fromkeys(caveats)),
                             coverage=cluster.coverage.affecting([(ANY, target.namespace)]))


def _describe_peer(pol: NetworkPolicy, peer: Peer) -> str:
    text = peer.describe()
    return text.replace("in this namespace", f"in namespace {pol.namespace}")


class _Contexts:
    """The source candidates (any pod, any address), each encoded once with its own solver.

    Every family is then one push/pop on these solvers, so the policies are
    encoded once per query, not once per family.
    """

    def __init__(self, smt: SmtEngine, cluster: Cluster, dst: SymEndpoint) -> None:
        self.smt = smt
        self.cluster = cluster
        self.items = []
        sources = [symbolic_pod(smt.universe, cluster, "src", allow_new_namespace=True),
                   smt.external(IPv4, 0, (1 << 32) - 1, "src4")]
        if any(peer.ip_block is not None and peer.ip_block.addresses.family == 6
               for pol in cluster.policies for d in Direction for rule in pol.rules(d)
               for peer in rule.peers or ()):
            # Without IPv6 ipBlocks an IPv6 source behaves like an IPv4 one.
            sources.append(smt.external(6, 0, (1 << 128) - 1, "src6"))
        for src in sources:
            traffic = Traffic.symbolic()
            q = smt.question(src, dst, traffic)
            solver = new_solver(smt.timeout_ms)
            solver.add(*q.domain)
            self.items.append((src, traffic, q, solver))


def _family(ctx: _Contexts, description: str, rule: str | None, ports: PortSet,
            pol: NetworkPolicy | None, peer: Peer | None, caveats: list[str]) -> SourceClass:
    """Ask the solver whether all, some or none of this family may connect."""
    smt, cluster = ctx.smt, ctx.cluster
    status = "none"
    example = blocked = None
    for src, traffic, q, solver in ctx.items:
        if peer is not None and peer.ip_block is None and z3.is_false(src.is_pod):
            continue  # selector peers never match addresses outside the cluster
        member = [smt.encoder.peer(pol, peer, src, traffic)] \
            if pol is not None and peer is not None else []
        in_ports = _in_ports(traffic, ports)
        r = check(solver, q.allowed, *member, in_ports)
        if r.outcome is Outcome.UNDECIDED:
            caveats.append(f"undecided for {description}: {r.reason}")
            status = "undecided"
            continue
        if r.outcome is Outcome.NO:
            continue
        assert r.model is not None
        example = example or _witness(smt, cluster, r.model, src)
        # Does the source's own egress ever block a member of this family?
        b = check(solver, q.ingress_ok, z3.Not(q.egress_ok), *member, in_ports)
        if b.outcome is Outcome.YES and b.model is not None:
            blocked = blocked or _witness(smt, cluster, b.model, src)
            status = "some"
        elif status != "some":
            status = "all"
    return SourceClass(description=description, ports=ports, rule=rule, status=status,
                       example=example, blocked_example=blocked)


def _in_ports(traffic: Traffic, ports: PortSet) -> z3.BoolRef:
    cases = []
    for proto, ivs in ports.items():
        rng = z3.Or(*[z3.And(z3.UGE(traffic.port, lo), z3.ULE(traffic.port, hi))
                      if (lo, hi) != (1, MAX_PORT) else z3.BoolVal(True) for lo, hi in ivs])
        cases.append(z3.And(traffic.proto == PROTOCOL_CODE[proto], rng))
    return z3.Or(*cases) if cases else z3.BoolVal(False)


def _witness(smt: SmtEngine, cluster: Cluster, m: z3.ModelRef, src: SymEndpoint) -> WitnessPod:
    return describe(cluster, read_endpoint(m, smt.universe, cluster, src, "example"))


__all__ = ["External", "who_can_reach"]
