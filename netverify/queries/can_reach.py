"""``can-reach``: may traffic flow from SRC to DST, and which rules decide it."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from netverify.cluster_policies import PeerKind
from netverify.deadline import DEFAULT_TIMEOUT_MS, Deadline
from netverify.engines.concrete import Evaluator, External
from netverify.errors import QueryError
from netverify.ipblocks import parse_address, usable_families
from netverify.model import Cluster, Direction, Pod, Service
from netverify.ports import PortSet, Protocol
from netverify.queries.coverage import mark_pairs, pairs_coverage
from netverify.queries.endpoints import (
    PortQuery,
    Resolved,
    outside_host,
    parse_port,
    parse_protocol,
    resolve,
    resolve_host,
    split_port,
)
from netverify.queries.enforcement import enforced
from netverify.queries.services import find_service, service_target
from netverify.results import CanReachResult, PairVerdict

if TYPE_CHECKING:
    from netverify.engines.smt.endpoints import SymEndpoint


NODE_LOCAL = ("traffic from a pod's own node (kubelet probes, and hostNetwork pods on that node) "
              "is always allowed, whatever the policies say")


def can_reach(cluster: Cluster, src: str, dst: str, *, port: str | int | None = None,
              protocol: str | None = None, engine: str = "concrete",
              cni: str | None = None, policy_only: bool = False,
              timeout_ms: int = DEFAULT_TIMEOUT_MS,
              resolves_to: str | None = None) -> CanReachResult:
    """Answer whether ``src`` may reach ``dst``: what the policies say and what the CNI does.

    The CNI is ``cni`` as ``name[@version]``, else detected; ``policy_only`` leaves it out.

    Either end may be a DNS name outside the cluster (``api.example.com:443``): cluster-wide
    ``domainNames`` rules are matched against the name, every other rule against the
    address it resolves to, which is ``resolves_to`` when given and otherwise unknown
    (the answer is then yes or no only when every address gets the same one).

    ``timeout_ms`` bounds the solver work of ``engine="smt"`` as a whole.

    >>> cluster = load_cluster(["fixtures/demo"])  # doctest: +SKIP
    >>> can_reach(cluster, "frontend/web", "backend/db:5432").allowed  # doctest: +SKIP
    False
    >>> can_reach(cluster, "frontend/web", "backend/api:8080").allowed  # doctest: +SKIP
    True

    Pairs that a traffic policy netverify does not evaluate (a CiliumNetworkPolicy, a
    Calico GlobalNetworkPolicy, ...) could change are marked ``complete=False`` and the objects
    listed in ``coverage``: the answer is then incomplete unless another pair is denied
    for sure (``denied``).

    Raises:
        QueryError: for unknown or ambiguous endpoints, malformed ports, unknown CNIs.
        UndecidedError: with ``engine="smt"``, when a check is not decided in time.
    """
    deadline = Deadline(timeout_ms)
    result = _can_reach(cluster, src, dst, port=port, protocol=protocol, engine=engine,
                        deadline=deadline, resolves_to=resolves_to)
    if any(p.ingress.isolated for p in result.pairs):
        result = replace(result, caveats=(*result.caveats, NODE_LOCAL))
    if not policy_only:
        plugin = enforced(cluster, cni)
        prof = plugin.profile
        result = replace(result, cni=prof.label, cni_notes=plugin.notes)
        if plugin.changes(cluster) or prof.service_hairpin_policed is not None:
            # The plugin's treatment of a pod reaching itself through a Service can make
            # its answer differ even when it enforces every policy as written.
            eff = _can_reach(plugin.cluster, src, dst, port=port, protocol=protocol,
                             engine=engine, hairpin=prof.service_hairpin_policed,
                             cni_label=prof.label, deadline=deadline,
                             resolves_to=resolves_to)
            if plugin.changes(cluster) or eff.pairs != result.pairs:
                result = replace(result, effective=eff.pairs)
    cov = cluster.coverage
    return replace(result, pairs=mark_pairs(result.pairs, cov),
                   effective=None if result.effective is None else mark_pairs(
                       result.effective, cov),
                   coverage=pairs_coverage(result.pairs, cov))


def _can_reach(cluster: Cluster, src: str, dst: str, *, port: str | int | None = None,
               protocol: str | None = None, engine: str = "concrete",
               hairpin: bool | None = None, cni_label: str | None = None,
               deadline: Deadline | None = None,
               resolves_to: str | None = None) -> CanReachResult:
    """The policy answer, pair by pair, with the deciding rules.

    ``engine="smt"`` decides each pair's ports with the SMT engine instead (the
    explanation still lists the concrete rules); a disagreement is reported.
    ``hairpin`` is the plugin's ``service_hairpin_policed`` (None: not known).
    """
    if engine not in ("concrete", "smt"):
        raise QueryError(f"unknown engine {engine!r}", hint="concrete or smt")
    ev = Evaluator(cluster)
    src_text, src_port = split_port(src)
    if src_port is not None:
        raise QueryError(f"source {src!r} has a port; ports belong to the destination",
                         hint="the source port of a connection is ephemeral")
    dst_text, dst_port = split_port(dst)
    if dst_port is not None and port is not None:
        raise QueryError(f"port given twice: {dst!r} and --port {port}")
    port_text = dst_port if dst_port is not None else (str(port) if port is not None else None)
    pq = parse_port(port_text, protocol) if port_text is not None else None
    proto_only = parse_protocol(protocol) if protocol is not None and pq is None else None

    src_host = outside_host(cluster, src_text)
    s = resolve_host(ev, src_host, resolves_to) if src_host else resolve(cluster, ev, src_text)
    client_ns = s.pods[0].namespace if s.pods else None
    svc = None if _is_pod_endpoint(dst_text) else find_service(
        cluster, dst_text, client_ns)
    if svc is not None:
        if resolves_to is not None:
            raise QueryError("--resolves-to is for a DNS name outside the cluster, and "
                             f"{dst_text!r} is a Service")
        return _through_service(ev, src_text, dst_text, s.pods, s.external, svc, dst_port or (
            str(port) if port is not None else None), protocol, hairpin, cni_label)
    dst_host = outside_host(cluster, dst_text)
    d: Resolved = resolve_host(ev, dst_host, resolves_to) if dst_host else resolve(
        cluster, ev, dst_text)
    if resolves_to is not None and not (src_host or dst_host):
        raise QueryError("--resolves-to needs a DNS name outside the cluster as SRC or DST",
                         hint="e.g. can-reach shop/web api.example.com:443 "
                              "--resolves-to 203.0.113.7")
    if s.external and d.external:
        raise QueryError("both endpoints are outside the cluster",
                         hint="NetworkPolicy only governs traffic to or from pods")
    srcs: list[Pod | External] = [*s.pods, *s.external]
    dsts: list[Pod | External] = [*d.pods, *d.external]

    pairs, asked, caveats, resolved_any = _pairs(ev, srcs, dsts, pq, proto_only)
    if pq is not None and pq.name is not None and not resolved_any:
        raise QueryError(f"no destination pod of {dst_text!r} has a container port named "
                         f"{pq.name!r}", hint=_ports_hint(d.pods))
    if engine == "smt":
        pairs, more = _decide_with_smt(cluster, pairs, asked, deadline)
        caveats.extend(more)
    return CanReachResult(
        src=src_text, dst=dst_text,
        port=pq.number if pq else None, port_name=pq.name if pq else None,
        protocol=(pq.protocol or (None if pq.name else Protocol.TCP)) if pq else proto_only,
        pairs=tuple(pairs), caveats=tuple(dict.fromkeys(caveats)),
        host=src_host or dst_host,
    )


Asked = tuple[Pod | External, Pod | External, Protocol | None, int | None]


def _pairs(ev: Evaluator, srcs: list[Pod | External], dsts: list[Pod | External],
           pq: PortQuery | None, proto_only: Protocol | None
           ) -> tuple[list[PairVerdict], list[Asked], list[str], bool]:
    """Each (source, destination) pair's verdict on the port asked, as it resolves there.

    Also the pairs as asked (for the SMT engine), the caveats, and whether a named port
    resolved on some destination.
    """
    pairs: list[PairVerdict] = []
    asked: list[Asked] = []
    caveats: list[str] = []
    resolved_any = False
    for dp in dsts:
        number: int | None = None
        proto: Protocol | None = proto_only
        if pq is not None:
            proto = pq.protocol
            number = pq.number
            if pq.name is not None:
                nums, proto = _resolve_named(dp, pq.name, pq.protocol)
                if not nums:
                    caveats.append(f"{_name(dp)} has no container port named {pq.name!r}"
                                   f"{'/' + pq.protocol.value if pq.protocol else ''}: nothing "
                                   "can reach it by that name")
                    for sp in srcs:
                        pairs.append(ev.pair(sp, dp, protocol=proto or Protocol.TCP, port=0))
                        asked.append((sp, dp, proto or Protocol.TCP, 0))
                    continue
                number = nums[0]
                resolved_any = True
            elif proto is None:
                proto = Protocol.TCP
        for sp in srcs:
            if not _could_use(sp, dp):
                continue
            pairs.append(ev.pair(sp, dp, protocol=proto, port=number))
            asked.append((sp, dp, proto, number))
    return pairs, asked, caveats, resolved_any


def _could_use(a: Pod | External, b: Pod | External) -> bool:
    """False for a pod and an address of a named host in a family the pod has no address of.

    The client looks up the name's records of its own family, never the others.
    """
    pod, ext = (a, b) if isinstance(a, Pod) else (b, a)
    if not isinstance(pod, Pod) or not isinstance(ext, External) or not ext.host:
        return True
    return ext.family in usable_families(pod.ips)


def _name(x: Pod | External) -> str:
    return x.key if isinstance(x, Pod) else x.label


def _resolve_named(dp: Pod | External, name: str,
                   protocol: Protocol | None) -> tuple[list[int], Protocol | None]:
    if not isinstance(dp, Pod):
        return [], protocol
    for cp in dp.container_ports:
        if cp.name == name and (protocol is None or cp.protocol is protocol):
            return [cp.port], cp.protocol
    return [], protocol


def _ports_hint(pods: tuple[Pod, ...]) -> str | None:
    names = sorted({f"{cp.name} ({cp.port}/{cp.protocol.value})" for p in pods
                    for cp in p.container_ports if cp.name})
    return f"named ports: {', '.join(names)}" if names else "the pods declare no named ports"


def _decide_with_smt(cluster: Cluster, pairs: list[PairVerdict],
                     asked: list[tuple[Pod | External, Pod | External, Protocol | None,
                                       int | None]],
                     deadline: Deadline | None) -> tuple[list[PairVerdict], list[str]]:
    """Decide each pair's ports with the SMT engine; any disagreement is reported."""
    from netverify.engines.smt.engine import SmtEngine

    smt = SmtEngine(cluster, deadline=deadline)

    def ep(x: Pod | External) -> SymEndpoint:
        return smt.pod(x) if isinstance(x, Pod) else smt.external(x.family, x.lo, x.hi,
                                                                   host=x.host)

    out, notes = [], []
    for p, (s, d, proto, number) in zip(pairs, asked, strict=True):
        if p.loopback:
            out.append(p)
            continue
        got = smt.allowed_ports(ep(s), ep(d)).restrict(proto, number)
        if got != p.allowed:
            notes.append(f"the SMT and concrete engines disagree on {p.src.name} -> "
                         f"{p.dst.name} ({got} vs {p.allowed}); please report this as a bug")
        out.append(replace(p, allowed=got))
    return out, notes


def _hairpin(ev: Evaluator, src: Pod | External, pod: Pod, traffic: dict[str, Any],
             loopback: PairVerdict, policed: bool | None, cni: str) -> PairVerdict:
    """A pod reaching itself through a Service, as the plugin treats it.

    Cluster-wide tiers: ClusterNetworkPolicy (v1alpha2) applies to it, as the API overview
    says ("A Pod connecting to a Service IP that the service proxy load-balances back to
    the same Pod is subject to ClusterNetworkPolicy"); v1alpha1 says nothing, so where
    AdminNetworkPolicies would change the answer it is undecided.
    """
    if ev.cluster.cluster_policies:
        return _tiered_hairpin(ev, src, pod, traffic, loopback, policed, cni)
    by_policy = ev.pair(src, pod, self_exempt=False, **traffic)
    if policed is True:
        return replace(by_policy, caveats=(
            *by_policy.caveats, f"through a Service, {cni} judges a pod's connection to itself "
            "by its policies (the service proxy sends it back out of the pod)"))
    if policed is False or by_policy.allowed == loopback.allowed:
        return loopback
    return replace(loopback, caveats=(
        *loopback.caveats, f"{pod.key} is an endpoint of the Service, so the connection may "
        "come back to it (hairpin); a pod's connection to its own address is always allowed, "
        f"but through a Service whether its policies apply depends on {cni} "
        f"(kubernetes#95879): by the policies it would be {by_policy.allowed}"))


_NODE_LOCAL = ("internalTrafficPolicy Local: a pod's connections go only to the endpoints on "
               "its own node (and are dropped when there is none); the input does not say "
               "which node runs which pod, so an endpoint admitting the client is not enough")


def _vip_reading(ev: Evaluator, src: Pod, pod: Pod, svc: Service, traffic: dict[str, Any],
                 v: PairVerdict) -> PairVerdict:
    """Leave undecided what a cluster-wide ``networks`` peer holding the ClusterIP changes.

    Whether the peer sees the ClusterIP (before the service proxy rewrites it) or the
    endpoint pod's address is not specified (NPEP-133 says the VIP cannot be selected,
    NPEP-126 lists the Service CIDR as a useful ``networks`` value), so ports the two
    readings decide apart are undecided.
    """
    if not svc.cluster_ip or svc.headless:
        return v
    try:
        vip = parse_address(svc.cluster_ip)
    except ValueError:
        return v
    family, value = vip.family, vip.value
    if not any(s.contains(vip) for p in ev.cluster.cluster_policies for r in p.egress
               for peer in r.peers if peer.kind is PeerKind.NETWORKS for s in peer.addresses):
        return v
    if family not in usable_families(src.ips):
        return v
    ext = External(family, value, value, f"{svc.namespace}/{svc.name} ClusterIP {vip}")
    egress = ev.side(Direction.EGRESS, src, ext, pod, frozenset({family}))
    other = egress.allowed.intersection(v.ingress.allowed)
    if "protocol" in traffic:
        other = other.restrict(traffic["protocol"], traffic["port"])
    sure = v.allowed.intersection(other)
    maybe = v.allowed.union(other).union(v.undecided)
    if sure == v.allowed and maybe == v.allowed.union(v.undecided):
        return v
    return replace(v, allowed=sure, undecided=maybe.difference(sure), caveats=(
        *v.caveats, f"a cluster-wide networks peer holds the ClusterIP {vip}: whether it sees "
        "the ClusterIP or the endpoint pod's address is not specified (NPEP-133, NPEP-126); "
        f"seeing the ClusterIP, {src.key}'s egress allows {egress.allowed or 'nothing'}"))


def _tiered_hairpin(ev: Evaluator, src: Pod | External, pod: Pod, traffic: dict[str, Any],
                    loopback: PairVerdict, policed: bool | None, cni: str) -> PairVerdict:
    """Hairpin through a Service with cluster-wide policies (see ``_hairpin``).

    The tiers judge it; NetworkPolicy too when the plugin polices hairpin traffic
    (``policed``); when that is not known, as without tiers, the answer leaves
    NetworkPolicy out and says what it would change.
    """
    everything = ev.pair(src, pod, self_exempt=False, **traffic)
    tiers_only = Evaluator(replace(ev.cluster, policies=())).pair(
        src, pod, self_exempt=False, **traffic)
    readings = [everything if policed else tiers_only]
    notes = [f"through a Service the connection may come back to {pod.key} (hairpin): "
             "ClusterNetworkPolicy applies to it (network-policy-api, API overview)"]
    if policed is None and everything.allowed != tiers_only.allowed:
        notes.append(f"whether its NetworkPolicies apply too depends on {cni} "
                     f"(kubernetes#95879): with them it would be {everything.allowed}")
    if any(not p.v2 for p in ev.cluster.cluster_policies):
        readings.append(loopback)
        notes.append("v1alpha1 (AdminNetworkPolicy, BaselineAdminNetworkPolicy) does not say "
                     "whether such traffic is subject to it")
    sure = readings[0].allowed
    maybe = readings[0].allowed.union(readings[0].undecided)
    for r in readings[1:]:
        sure = sure.intersection(r.allowed)
        maybe = maybe.union(r.allowed).union(r.undecided)
    base = readings[0]
    return replace(base, allowed=sure, undecided=maybe.difference(sure), loopback=False,
                    caveats=(*base.caveats, *notes))


def _is_pod_endpoint(text: str) -> bool:
    """``NS/NAME`` forms name pods; only ``svc/...`` and DNS names name Services."""
    return "/" in text and not text.startswith("svc/")


def _through_service(ev: Evaluator, src_text: str, dst_text: str, src_pods: tuple[Pod, ...],
                     src_ext: tuple[External, ...], svc: object, port_text: str | None,
                     protocol: str | None, hairpin: bool | None = None,
                     cni_label: str | None = None) -> CanReachResult:
    """One verdict per endpoint pod, on the port the Service forwards to.

    A source that is itself an endpoint may be sent back to itself ("hairpin"): the
    connection leaves the pod, and whether the policies judge it depends on the plugin
    (``hairpin``; kubernetes#95879).  Unknown: the loopback verdict, with a caveat when
    the policies would say otherwise.
    """
    assert isinstance(svc, Service)
    proto = parse_protocol(protocol) if protocol else None
    target = service_target(ev.cluster, svc, port_text, proto)
    pairs: list[PairVerdict] = []
    srcs: list[Pod | External] = [*src_pods, *src_ext]
    for pod, number in target.endpoints:
        for sp in srcs:
            traffic: dict[str, Any] = {} if target.port is None else {
                "protocol": target.port.protocol, "port": number if number is not None else 0}
            v = ev.pair(sp, pod, **traffic)
            if v.loopback:
                v = _hairpin(ev, sp, pod, traffic, v, hairpin, cni_label or "the CNI")
            elif isinstance(sp, Pod):
                v = _vip_reading(ev, sp, pod, svc, traffic, v)
                if svc.internal_traffic_policy == "Local" and v.is_allowed:
                    v = replace(v, allowed=PortSet.empty(),
                                undecided=v.undecided.union(v.allowed))
            pairs.append(v)
    return CanReachResult(
        src=src_text, dst=f"svc/{svc.namespace}/{svc.name}",
        # The pods receive on the target port (per pod when it is named), so the
        # result names the Service port and its target rather than one number.
        port=None,
        port_name=(f"{target.port.port} -> {target.port.target_port}"
                   if target.port else None),
        protocol=target.port.protocol if target.port else proto,
        pairs=tuple(pairs), caveats=target.notes + (
            (_NODE_LOCAL,) if svc.internal_traffic_policy == "Local" and src_pods else ()),
        node_local=svc.internal_traffic_policy == "Local" and bool(src_pods))
