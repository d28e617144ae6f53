"""Services reached directly from outside: LoadBalancer, NodePort and externalIPs.

An Ingress or a Gateway is one way in; a Service is the other.  The Service API
reference says where outside traffic arrives: ``type: LoadBalancer`` "exposes the
Service externally using an external load balancer" whose addresses are in
``status.loadBalancer.ingress``; ``nodePort`` is "the port on each node on which this
service is exposed when type is NodePort or LoadBalancer"; ``externalIPs`` are
"IP addresses for which nodes in the cluster will also accept traffic for this
service".  Then ``loadBalancerSourceRanges`` limits the clients of the load balancer,
``externalTrafficPolicy`` decides whether the pods see the client's address (Local) or
possibly a node's (Cluster), and NetworkPolicy decides whether the endpoint pods admit
that address.

Each way in is a ``RoutedPath`` with two hops (the entry, then the endpoint pods), so
``can-reach internet URL`` and ``can-reach internet NS/NAME`` read like the Ingress
paths.  What the manifests do not hold (a load balancer's address before it is
provisioned, nodes' public addresses, a nodePort allocated at creation) leaves the
entry hop undecided, never assumed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from netverify.engines.concrete import Evaluator, External
from netverify.errors import QueryError
from netverify.ipblocks import format_range, usable_families
from netverify.model import Cluster, Pod, Service, ServicePort
from netverify.policy_kinds import OUTSIDE
from netverify.ports import Protocol
from netverify.queries.services import service_target
from netverify.results import BackendPath, Hop, HopReason, Reason, RoutedPath
from netverify.verdicts import Answer, HopStatus

LOAD_BALANCER = "LoadBalancer"
NODE_PORT = "NodePort"
EXTERNAL_IP = "externalIP"
NODE_PORTS = range(30000, 32768)  # the default --service-node-port-range
POLICY_DECIDED = (HopReason.ENDPOINTS_ADMIT_CLIENTS, HopReason.ENDPOINTS_DENY_CLIENTS,
                  HopReason.CLIENT_SNAT)


@dataclass(frozen=True, slots=True)
class Entry:
    """One way into a Service from outside: a load balancer address, node port, externalIP.

    ``address`` is None when the input does not hold it (a load balancer not yet
    provisioned; every node for a nodePort).  ``port`` is what the client connects to:
    the Service ``port``, or the ``nodePort`` (None: allocated at creation).
    """

    service: Service
    index: int  # in spec.ports
    way: str
    address: str | None
    port: int | None

    @property
    def sp(self) -> ServicePort:
        """The ``spec.ports`` entry."""
        return self.service.ports[self.index]

    @property
    def field(self) -> str:
        """Where in the Service the entry is defined."""
        at = {LOAD_BALANCER: "status.loadBalancer.ingress", EXTERNAL_IP: "spec.externalIPs",
              NODE_PORT: f"spec.ports[{self.index}].nodePort"}[self.way]
        return f"spec.ports[{self.index}]" if self.way == NODE_PORT else \
            f"spec.ports[{self.index}], {at}"


def entries(svc: Service) -> list[Entry]:
    """Every way in from outside to ``svc`` (none for a ClusterIP without externalIPs)."""
    out: list[Entry] = []
    for i, sp in enumerate(svc.ports):
        if svc.type == "LoadBalancer":
            out += [Entry(svc, i, LOAD_BALANCER, a, sp.port)
                    for a in svc.load_balancer_addresses or (None,)]
        if svc.type in ("LoadBalancer", "NodePort"):
            out.append(Entry(svc, i, NODE_PORT, None, sp.node_port))
        out += [Entry(svc, i, EXTERNAL_IP, a, sp.port) for a in svc.external_ips]
    return out


def _node_addresses(cluster: Cluster) -> set[str]:
    return {str(a) for n in cluster.nodes for a in n.addresses}


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class UrlMatch:
    """The entries a URL's host and port reach: for sure (``matched``) or maybe."""

    matched: tuple[Entry, ...]
    maybe: tuple[Entry, ...]


def match_url(cluster: Cluster, host: str, port: int, resolves_to: str | None) -> UrlMatch:
    """Which Service entries ``host:port`` reaches.

    The host is an address (literal, or ``resolves_to``) or a name: a name matches a load
    balancer ``hostname`` in its status; otherwise every entry it could resolve to is
    ``maybe``, as is, for an address, a load balancer without a known address or a node
    port when the nodes are not in the input.
    """
    addr = _literal(host) or (_literal(resolves_to) if resolves_to else None)
    if resolves_to and addr is None:
        raise QueryError(f"--resolves-to {resolves_to!r} is not an IP address")
    name = host.lower().rstrip(".")
    nodes = _node_addresses(cluster)
    matched: list[Entry] = []
    maybe: list[Entry] = []
    for svc in cluster.services:
        for e in entries(svc):
            found = _classify(e, port, addr, name, nodes)
            if found is not None:
                (matched if found else maybe).append(e)
    return UrlMatch(tuple(matched), tuple(maybe))


def _classify(e: Entry, port: int, addr: str | None, name: str, nodes: set[str]
              ) -> bool | None:
    """True: ``addr``/``name`` and ``port`` reach ``e``; False: they may; None: they do not."""
    if e.sp.protocol is not Protocol.TCP:
        return None
    if e.way == NODE_PORT:
        if not (e.port == port or (e.port is None and port in NODE_PORTS)):
            return None
        if addr is not None and nodes:
            return (e.port is not None) if addr in nodes else None
        return False
    if e.port != port:
        return None
    if e.address is not None and e.address in (addr, name):
        return True
    return False if addr is None or e.address is None else None


def _families(ev: Evaluator, families: Iterable[int]) -> tuple[External, ...]:
    out = []
    for family in sorted(families):
        bits = 32 if family == 4 else 128
        for lo, hi in ev.split(family, 0, (1 << bits) - 1):
            out.append(External(family, lo, hi, format_range(family, lo, hi)))
    return tuple(out)


def _within(ev: Evaluator, clients: Sequence[External], ranges: Sequence[str]
            ) -> tuple[External, ...]:
    """The parts of ``clients`` inside loadBalancerSourceRanges (all of them when none)."""
    if not ranges:
        return tuple(clients)
    out = []
    for r in ranges:
        try:
            net = ipaddress.ip_network(r.strip(), strict=False)
        except ValueError:
            raise QueryError(f"loadBalancerSourceRanges entry {r!r} is not a CIDR") from None
        lo, hi = int(net.network_address), int(net.broadcast_address)
        for c in clients:
            if c.family == net.version and c.lo <= hi and lo <= c.hi:
                a, b = max(lo, c.lo), min(hi, c.hi)
                for x, y in ev.split(c.family, a, b):
                    out.append(External(c.family, x, y, format_range(c.family, x, y)))
    return tuple(out)


class Exposure:
    """One query's evaluator and client addresses; builds one path per entry."""

    def __init__(self, ev: Evaluator, clients: tuple[External, ...], src_label: str,
                 touched: set[tuple[str | None, str | None]] | None = None) -> None:
        self.ev = ev
        # (source, namespace) pairs an unevaluated traffic policy left undecided
        self.touched = touched if touched is not None else set()
        self.cluster = ev.cluster
        self.clients = clients
        self.src_label = src_label
        self.pods_by_ns = self.cluster.pods_by_namespace()
        self.nodes = tuple(a for n in self.cluster.nodes for a in n.addresses)

    def path(self, e: Entry, *, maybe_host: str | None = None,
             only: frozenset[str] | None = None) -> RoutedPath:
        """The entry hop and the endpoints hop of ``e``.

        ``maybe_host``: the URL's host may or may not reach ``e`` (the entry hop is then
        undecided).  ``only``: judge these endpoint pods only (a workload's).
        """
        svc, sp = e.service, e.sp
        clients = _within(self.ev, self.clients, svc.load_balancer_source_ranges
                          if e.way == LOAD_BALANCER else ())
        entry_hop = self._entry_hop(e, clients, maybe_host)
        backend, ep_hop = self._endpoints_hop(e, clients, only)
        cov = self.cluster.coverage
        if ep_hop.reason.code in POLICY_DECIDED and cov.affects(OUTSIDE, svc.namespace):
            self.touched.add((OUTSIDE, svc.namespace))
            ep_hop = replace(ep_hop, status=HopStatus.UNDECIDED,
                             coverage=cov.affecting([(OUTSIDE, svc.namespace)]))
        hops = (entry_hop, ep_hop)
        statuses = {h.status for h in hops}
        verdict = (Answer.NO if HopStatus.BLOCKED in statuses
                   else Answer.UNDECIDED if HopStatus.UNDECIDED in statuses else Answer.YES)
        where = e.address or ("every node" if e.way == NODE_PORT else "address not known")
        return RoutedPath(
            entry=f"{e.way} of Service {svc.key} ({where}:{e.port or '?'})",
            route_object=f"Service {svc.key}", route_field=e.field, host=e.address or "*",
            match=f"TCP {e.port or '?'} -> port {sp.port}", tls="none", controller=(),
            backends=(backend,), hops=hops, verdict=verdict, notes=(_policy_note(svc),),
            source=svc.source)

    def _entry_hop(self, e: Entry, clients: tuple[External, ...], maybe_host: str | None
                   ) -> Hop:
        svc = e.service
        where = e.address or ("nodes" if e.way == NODE_PORT else "load balancer")
        step = f"{self.src_label} -> {e.way} {where}:{e.port or '?'}"
        base = Reason(code=HopReason.EXPOSED, service=svc.key, name=e.way,
                      host=e.address or "every node", target=str(e.port or "?"),
                      admitted_from=svc.load_balancer_source_ranges
                      if e.way == LOAD_BALANCER else ())
        if e.way == LOAD_BALANCER and svc.load_balancer_source_ranges and not clients:
            return Hop(step=step, status=HopStatus.BLOCKED,
                       reason=Reason(code=HopReason.SOURCE_RANGES, service=svc.key,
                                     admitted_from=svc.load_balancer_source_ranges),
                       source=svc.source)
        undecided = None
        if e.port is None:
            undecided = Reason(code=HopReason.NODE_PORT_NOT_KNOWN, service=svc.key,
                               target=str(e.sp.port))
        elif maybe_host is not None:
            undecided = Reason(code=HopReason.HOST_NOT_KNOWN, service=svc.key, name=e.way,
                               host=maybe_host, other=e.address or "")
        elif e.way == LOAD_BALANCER and e.address is None:
            undecided = Reason(code=HopReason.LB_ADDRESS_NOT_KNOWN, service=svc.key)
        elif e.way == NODE_PORT and e.address is None and not any(
                n.external for n in self.cluster.nodes):
            undecided = Reason(code=HopReason.NODE_ADDRESS_NOT_KNOWN, service=svc.key,
                               target=str(e.port))
        if undecided is not None:
            return Hop(step=step, status=HopStatus.UNDECIDED, reason=undecided,
                       source=svc.source)
        return Hop(step=step, status=HopStatus.OK, reason=base, source=svc.source)

    def _snat_sources(self, pod: Pod) -> tuple[External, ...]:
        """Addresses the pod may see instead of the client's: the nodes', else any."""
        families = usable_families(pod.ips)
        known = [a for a in self.nodes if a.family in families]
        if known:
            return tuple(External(a.family, a.value, a.value, str(a)) for a in known)
        return _families(self.ev, families)

    def _judge(self, svc: Service, proto: Protocol, pod: Pod, number: int,
               clients: tuple[External, ...]) -> tuple[str, tuple[str, ...]]:
        """``ok``, ``denied`` or ``snat`` for one endpoint pod, and the client ranges let in."""
        admitted = tuple(c.label for c in clients if self.ev.pair(
            c, pod, protocol=proto, port=number).is_allowed)
        if svc.external_traffic_policy == "Local":
            return ("ok" if admitted else "denied"), admitted
        seen = [self.ev.pair(s, pod, protocol=proto, port=number).is_allowed
                for s in self._snat_sources(pod)]
        if admitted and all(seen):
            return "ok", admitted
        if not admitted and not any(seen):
            return "denied", admitted
        return "snat", admitted

    def _endpoints_hop(self, e: Entry, clients: tuple[External, ...],
                       only: frozenset[str] | None) -> tuple[BackendPath, Hop]:
        svc, sp = e.service, e.sp
        step = f"{self.src_label} -> svc/{svc.key}:{sp.port} endpoints"
        target = service_target(self.cluster, svc, str(sp.port), sp.protocol,
                                candidates=self.pods_by_ns.get(svc.namespace, ()))
        pods = [(p, n) for p, n in target.endpoints if only is None or p.key in only]
        numbers = sorted({n for _, n in pods if n is not None})
        target_text = "/".join(map(str, numbers)) or str(sp.target_port)
        missing = tuple(p.key for p, n in pods if n is None)
        verdicts: dict[str, list[str]] = {"ok": [], "denied": [], "snat": []}
        admitted: set[str] = set()
        for pod, number in pods:
            if number is None:
                continue
            kind, let_in = self._judge(svc, sp.protocol, pod, number, clients)
            verdicts[kind].append(pod.key)
            admitted.update(let_in)
        backend = BackendPath(service=svc.key, service_port=str(sp.port), target=target_text,
                              weight=1, share=1.0, endpoints=tuple(p.key for p, _ in pods),
                              reachable=tuple(verdicts["ok"]))
        n = len(pods)
        partial = tuple(sorted(admitted)) if admitted and len(admitted) < len(clients) else ()
        if svc.selector is None:
            return backend, Hop(step=step, status=HopStatus.UNDECIDED, reason=Reason(
                code=HopReason.NO_SELECTOR, service=svc.key), source=svc.source)
        if not pods:
            said = [x for x in target.notes if "no endpoints" in x]
            return backend, Hop(step=step, status=HopStatus.BLOCKED, reason=Reason(
                code=HopReason.NO_ENDPOINTS, service=svc.key, why=said[0] if said else ""),
                source=svc.source)
        if verdicts["denied"] or missing:
            return backend, Hop(step=step, status=HopStatus.BLOCKED, reason=Reason(
                code=HopReason.ENDPOINTS_DENY_CLIENTS, service=svc.key, endpoints=n,
                reachable=len(verdicts["ok"]), blocked=tuple(verdicts["denied"]),
                missing=missing, name=str(sp.target_port)),
                port=numbers[0] if len(numbers) == 1 else None, source=svc.source)
        if verdicts["snat"]:
            return backend, Hop(step=step, status=HopStatus.UNDECIDED, reason=Reason(
                code=HopReason.CLIENT_SNAT, service=svc.key, endpoints=n,
                reachable=len(verdicts["ok"]), blocked=tuple(verdicts["snat"]),
                admitted_from=partial), source=svc.source)
        return backend, Hop(step=step, status=HopStatus.OK, reason=Reason(
            code=HopReason.ENDPOINTS_ADMIT_CLIENTS, service=svc.key, endpoints=n,
            target=target_text, admitted_from=partial), source=svc.source)


def _policy_note(svc: Service) -> str:
    if svc.external_traffic_policy == "Local":
        return ("externalTrafficPolicy Local: the pods see the client's address; only nodes "
                "running an endpoint answer")
    return ("externalTrafficPolicy Cluster: a node may forward the request to another node, "
            "masquerading the client's address as its own")


def _selects_any(svc: Service, keys: frozenset[str], pods: Sequence[Pod]) -> bool:
    return any(p.key in keys and svc.selects(p) for p in pods)


def url_paths(ev: Evaluator, clients: tuple[External, ...], src_label: str, host: str,
              port: int, resolves_to: str | None, proxies: frozenset[str],
              touched: set[tuple[str | None, str | None]]
              ) -> tuple[list[RoutedPath], list[RoutedPath]]:
    """The paths of the Services ``host:port`` reaches for sure, and those it may reach.

    Services selecting an ingress controller or gateway (``proxies``: pod keys) are left
    out: the routes through them are followed by ``queries.paths``.
    """
    m = match_url(ev.cluster, host, port, resolves_to)
    pods = ev.cluster.pods
    exp = Exposure(ev, clients, src_label, touched)
    sure = [exp.path(e) for e in m.matched if not _selects_any(e.service, proxies, pods)]
    maybe = [exp.path(e, maybe_host=host) for e in m.maybe
             if not _selects_any(e.service, proxies, pods)]
    return sure, maybe


def workload_paths(ev: Evaluator, clients: tuple[External, ...], src_label: str,
                   pods: Sequence[Pod], port: int | str | None,
                   touched: set[tuple[str | None, str | None]],
                   service: str | None = None) -> list[RoutedPath]:
    """Every Service entry from outside whose endpoints include ``pods`` (on ``port``).

    ``service`` (``ns/name``): that Service's entries only, ``port`` then one of its ports.

    ``port`` is the pods' port (a number or a container port name), as in
    ``can-reach SRC NS/NAME:PORT``; None for every port.
    """
    keys = frozenset(p.key for p in pods)
    exp = Exposure(ev, clients, src_label, touched)
    out = []
    for svc in ev.cluster.services:
        if not any(svc.selects(p) for p in pods) or (service and svc.key != service):
            continue
        for e in entries(svc):
            if port is not None and not (port in (e.sp.port, e.sp.name) if service
                                         else _serves(e.sp, pods, port)):
                continue
            out.append(exp.path(e, only=keys))
    return out


def _serves(sp: ServicePort, pods: Sequence[Pod], port: int | str) -> bool:
    """Whether the Service port's target is ``port`` (a number or name) on one of ``pods``."""
    for pod in pods:
        tp = sp.target_port
        got = (tp,) if isinstance(tp, int) else pod.named_port(tp, sp.protocol)
        want = (port,) if isinstance(port, int) else pod.named_port(port, sp.protocol)
        if set(got) & set(want):
            return True
    return False
