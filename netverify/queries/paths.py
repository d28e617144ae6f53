"""End-to-end paths from outside the cluster: entry point, route, Service, pods.

A request from the internet passes several hops, and NetworkPolicy applies to
two of them: the ingress controller (or Gateway) pods must accept traffic from
outside, and they must be allowed to open connections to the backend pods on
the target port.  The second is the seed's "Ingress returns 502" outage: a
default deny in the backend namespace that forgot the controller.  So each
path is followed the way the cluster follows it (``netverify.routing`` picks
the route; ``service_target`` resolves the Service) and every hop gets a
verdict from the concrete engine, on the CNI's effective policies.

Ingresses are grouped by the controller that serves them (after the default
IngressClass is applied), because one controller routes all of its Ingresses
together; a class no detected controller serves is unknown, not guessed.  What
the manifests cannot tell (ExternalName and selector-less Services, a proxy port
nothing is known to expose) is ``undecided``; what the specifications say fails
(no ReferenceGrant, every weight 0, a port the proxy's Service does not expose)
is ``blocked``.  A hop NetworkPolicy decides is ``undecided`` too when a traffic
policy netverify does not evaluate (``Cluster.coverage``) applies to its pods.

HTTPRoute filters act on the request asked about (``routing_filters``): a
RequestRedirect answers with its ``Location`` (``--follow-redirects`` asks it in
turn, ``queries/redirects.py``), a URLRewrite changes the Host and path the backend
gets, and a RequestMirror's copies are a second path from the proxy pods, judged
like a backend without changing the client's answer.  An https request whose Host
belongs to another listener than its TLS server name's is misdirected (421,
``routing_sni``).

Each hop is returned as data: its status and a ``Reason`` (a ``HopReason`` code and
the facts it is about); ``netverify.hop_text`` words it for every output.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from netverify.cni import CniProfile
from netverify.endpointslices import SliceTarget, slice_target
from netverify.engines.concrete import Evaluator, External
from netverify.errors import QueryError
from netverify.ipblocks import format_range
from netverify.model import (
    BackendRef,
    Cluster,
    Gateway,
    HTTPRoute,
    Ingress,
    Listener,
    PathMatch,
    Pod,
    Service,
)
from netverify.policy_kinds import OUTSIDE, Coverage, objects_text
from netverify.ports import Protocol
from netverify.queries.client_address import ClientAddress, client_address
from netverify.queries.endpoints import resolve
from netverify.queries.enforcement import enforced
from netverify.queries.exposure import url_paths
from netverify.queries.gateway_entry import listener_tls_hop
from netverify.queries.proxies import (
    IngressEntry,
    Proxy,
    gateway_proxy,
    ingress_controllers,
    ingress_entry,
)
from netverify.queries.services import ServiceTarget, service_target
from netverify.results import (
    BackendPath,
    ExposedService,
    Hop,
    HopReason,
    MirrorPath,
    PairVerdict,
    PathsResult,
    PortSource,
    ProxyPort,
    Reason,
    RoutedPath,
    UrlResult,
)
from netverify.route_controls import Control, filter_controls, ingress_controls
from netverify.routing import (
    Request,
    RouteChoice,
    TLSHosts,
    backend_grant,
    check_method,
    choose_http_route,
    choose_ingress_route,
    describe_match,
    effective_ingress_class,
    methods_routed,
    older_rival,
    parse_url,
    route_attaches,
    route_host,
)
from netverify.routing_filters import follow_method, redirect, rewrite
from netverify.routing_grpc import (
    StreamRequest,
    choose_stream_route,
    describe_grpc,
    parse_stream_url,
)
from netverify.routing_listeners import bound_to
from netverify.routing_sni import Misdirected, misdirected
from netverify.verdicts import Answer, HopStatus

INTERNET = ("internet", "external", "0.0.0.0/0")
GATEWAY_ROUTES = ("HTTPRoute", "GRPCRoute", "TLSRoute")  # the kinds whose rules a Gateway routes
_NO_PROXY = Proxy(label="", pods=(), how="")

# -- sources outside the cluster -------------------------------------------------------

def external_sources(ev: Evaluator, src: str) -> tuple[External, ...]:
    """``internet`` (every IPv4 and IPv6 address) or an IP/CIDR, split at ipBlock bounds."""
    if src.lower() in INTERNET:
        out = []
        for family, bits in ((4, 32), (6, 128)):
            for lo, hi in ev.split(family, 0, (1 << bits) - 1):
                out.append(External(family, lo, hi, format_range(family, lo, hi)))
        return tuple(out)
    try:
        ipaddress.ip_network(src, strict=False)
    except ValueError:
        raise QueryError(f"source {src!r} is not 'internet' or an IP address or CIDR",
                         hint="requests to a URL come from outside the cluster") from None
    return resolve(ev.cluster, ev, src).external


@dataclass(frozen=True, slots=True)
class _Endpoints:
    """A Service port resolved and checked from one proxy (shared by every route to it)."""

    target: ServiceTarget | None
    error: str | None  # the Service has no such port, ...
    reachable: tuple[str, ...] = ()
    blocked: tuple[PairVerdict, ...] = ()
    missing: tuple[str, ...] = ()  # endpoints without the named target port
    # pairs the cluster-wide policies leave to the implementation (neither way for sure)
    open_: tuple[PairVerdict, ...] = ()


class _Run:
    """One query's evaluator, sources and caches.

    ``paths`` follows thousands of routes that share a few proxies and Services, so
    what depends only on (proxy, port) or (Service, port, proxy) is computed once:
    the port the proxy receives on, the inbound hop, the exposure note and the
    endpoint verdicts.  Service endpoints are looked up among the pods of the Service's
    namespace (``pods_by_ns``), as a Service only selects pods of its own namespace.
    """

    def __init__(self, ev: Evaluator, sources: tuple[External, ...], src_label: str,
                 backend_kinds: Iterable[tuple[str, str]] = (),
                 prof: CniProfile | None = None) -> None:
        self.ev = ev
        self.profile = prof  # None: --policy-only
        # (group, kind) of backendRefs the user says the implementation supports
        self.backend_kinds = frozenset(backend_kinds)
        self.cluster = ev.cluster
        self.sources = sources
        self.src_label = src_label
        self.services = {(s.namespace, s.name): s for s in self.cluster.services}
        self.ingresses = {(i.namespace, i.name): i for i in self.cluster.ingresses}
        self.pods_by_ns = self.cluster.pods_by_namespace()
        self._inbound: dict[tuple[object, ...], Hop] = {}
        self._exposure: dict[tuple[str, ...], str | None] = {}
        self._proxy_services: dict[tuple[str, ...], tuple[Service, ...]] = {}
        self._endpoints: dict[tuple[object, ...], _Endpoints] = {}
        self.touched: set[tuple[str | None, str | None]] = set()  # pairs left undecided

    def judged(self, hop: Hop, pairs: Iterable[tuple[str | None, str | None]]) -> Hop:
        """``hop``, or undecided when an unevaluated traffic policy applies to its pairs.

        Only for a hop whose status NetworkPolicy decided (the caller checks): a hop that
        fails for another reason fails whatever those policies say.
        """
        cov = self.cluster.coverage
        if cov.complete:
            return hop
        hit = {p for p in pairs if cov.affects(*p)}
        if not hit:
            return hop
        self.touched |= hit
        return replace(hop, status=HopStatus.UNDECIDED, coverage=cov.affecting(hit))

    def coverage(self) -> Coverage:
        """The objects that left some hop of this query undecided."""
        return self.cluster.coverage.affecting(self.touched)

    def proxy_services(self, proxy: Proxy) -> tuple[Service, ...]:
        """Services selecting the proxy pods: LoadBalancer and NodePort first."""
        if proxy.key not in self._proxy_services:
            namespaces = {p.namespace for p in proxy.pods}
            svcs = [s for s in self.cluster.services if s.namespace in namespaces
                    and any(s.selects(p) for p in proxy.pods)]
            svcs.sort(key=lambda s: (not s.external, s.namespace, s.name))
            self._proxy_services[proxy.key] = tuple(svcs)
        return self._proxy_services[proxy.key]

    # -- the proxy's side ----------------------------------------------------------------

    def proxy_port(self, proxy: Proxy, req_port: int, *, listener: bool
                   ) -> tuple[ProxyPort, Reason | None]:
        """The port the proxy pods receive ``req_port`` on (and how), and a problem if any.

        Through a Service selecting them (its ``port`` or ``nodePort``, resolved to the
        target port), else a container port of that number.  A request port no
        LoadBalancer or NodePort Service of the proxy exposes is refused (problem
        ``NO_SERVICE_PORT``, blocked); without such a Service, a port the pods do not
        declare is ``PORT_NOT_KNOWN`` (undecided: a Service or hostPort elsewhere may
        expose it).  A Gateway ``listener`` port is known to be served, so it is taken as is.
        """
        services = self.proxy_services(proxy)
        for svc in services:
            for sp in svc.ports:
                if sp.protocol is not Protocol.TCP or req_port not in (sp.port, sp.node_port):
                    continue
                tp = sp.target_port
                if isinstance(tp, int):
                    return ProxyPort(number=tp, source=PortSource.SERVICE, service=svc.key,
                                     service_port=sp.port), None
                for p in proxy.pods:
                    nums = p.named_port(tp, sp.protocol)
                    if nums:
                        return ProxyPort(number=nums[0], source=PortSource.SERVICE,
                                         service=svc.key, service_port=sp.port,
                                         target_name=tp), None
        declared = {cp.port for p in proxy.pods for cp in p.container_ports
                    if cp.protocol is Protocol.TCP}
        external = [s for s in services if s.external]
        if req_port in declared and (not external or all(p.host_network for p in proxy.pods)):
            return ProxyPort(number=req_port, source=PortSource.CONTAINER), None
        if listener and not external:
            return ProxyPort(number=req_port, source=PortSource.LISTENER), None
        via = ProxyPort(number=req_port, source=PortSource.REQUEST)
        if external:
            exposed = tuple((s.key, tuple(sp.port for sp in s.ports
                                          if sp.protocol is Protocol.TCP)) for s in external)
            return via, Reason(code=HopReason.NO_SERVICE_PORT, via=via, exposed=exposed)
        return via, Reason(code=HopReason.PORT_NOT_KNOWN, via=via, proxy=proxy.label)

    def exposure_note(self, proxy: Proxy) -> str | None:
        """Why the proxy is assumed reachable when no external Service selects it."""
        if proxy.key not in self._exposure:
            note = None
            if not any(s.external for s in self.proxy_services(proxy)) and not all(
                    p.host_network for p in proxy.pods):
                note = (f"no LoadBalancer or NodePort Service selects {proxy.label}'s pods in "
                        "the input; it is assumed reachable (hostPort or a Service defined "
                        "elsewhere)")
            self._exposure[proxy.key] = note
        return self._exposure[proxy.key]

    def inbound_hop(self, proxy: Proxy, req_port: int, *, listener: bool) -> Hop:
        """Outside -> proxy pods on the port they receive the request on."""
        key = (*proxy.key, req_port, listener)
        if key not in self._inbound:
            via, problem = self.proxy_port(proxy, req_port, listener=listener)
            self._inbound[key] = self._inbound_hop(proxy, via, problem)
        return self._inbound[key]

    def client_address(self, via: ProxyPort) -> ClientAddress | None:
        """What the proxy pods see as the source, when a Service may translate it."""
        if via.source is not PortSource.SERVICE or not via.service:
            return None
        ns, _, name = via.service.partition("/")
        svc = self.services.get((ns, name))
        return None if svc is None else client_address(svc, self.profile)

    def _inbound_hop(self, proxy: Proxy, via: ProxyPort, problem: Reason | None) -> Hop:
        step = f"{self.src_label} -> {proxy.label} ({', '.join(p.key for p in proxy.pods)})"
        port = via.number
        if problem is not None and problem.code is HopReason.NO_SERVICE_PORT:
            return Hop(step=step, status=HopStatus.BLOCKED, reason=problem, port=port)
        verdicts: list[PairVerdict] = []
        open_ranges: list[str] = []
        tied: list[PairVerdict] = []
        closed = 0
        addr = self.client_address(via)
        snat = addr is not None and not addr.kept
        # After SNAT the source is some node's address: judged over every address.
        sources = external_sources(self.ev, "internet") if snat else self.sources
        for pod in proxy.pods:
            for ext in sources:
                if ext.family not in pod.families:
                    continue  # a pod without an address of this family is not reached over it
                v = self.ev.pair(ext, pod, protocol=Protocol.TCP, port=port)
                if v.is_allowed:
                    open_ranges.append(ext.label)
                elif not v.undecided.is_empty:
                    tied.append(v)
                else:
                    closed += 1
                    verdicts.append(v)
        if not open_ranges and tied:
            return Hop(step=step, status=HopStatus.UNDECIDED,
                       reason=Reason(code=HopReason.LEFT_TO_IMPLEMENTATION,
                                     blocked=tuple(sorted({v.dst.name for v in tied}))),
                       verdicts=tuple(tied[:3]), port=port)
        if not open_ranges:
            return Hop(step=step, status=HopStatus.BLOCKED,
                       reason=Reason(code=HopReason.NO_SOURCE_ADMITTED, via=via),
                       verdicts=tuple(verdicts[:3]), port=port)
        admitted_from = tuple(sorted(set(open_ranges))) if closed else ()
        if snat and admitted_from and addr is not None:
            return Hop(step=step, status=HopStatus.UNDECIDED,
                       reason=Reason(code=HopReason.CLIENT_ADDRESS_SNAT, service=addr.service,
                                     why=addr.why, via=via, admitted_from=admitted_from),
                       port=port)
        if problem is not None:
            return Hop(step=step, status=HopStatus.UNDECIDED,
                       reason=replace(problem, admitted_from=admitted_from), port=port)
        return Hop(step=step, status=HopStatus.OK,
                   reason=Reason(code=HopReason.ADMITTED, via=via, admitted_from=admitted_from))

    # -- the backends ----------------------------------------------------------------------

    def endpoints(self, svc: Service, port: int | str | None, proxy: Proxy | None
                  ) -> _Endpoints:
        """``svc``'s endpoints on ``port`` and which of them admit the proxy (cached)."""
        key = (svc.namespace, svc.name, port, proxy.key if proxy else None)
        if key in self._endpoints:
            return self._endpoints[key]
        try:
            target = service_target(self.cluster, svc, None if port is None else str(port),
                                    Protocol.TCP, candidates=self.pods_by_ns.get(svc.namespace, ()))
        except QueryError as e:
            result = _Endpoints(target=None, error=e.message)
        else:
            reachable: list[str] = []
            blocked: list[PairVerdict] = []
            missing: list[str] = []
            open_: list[PairVerdict] = []
            for pod, number in target.endpoints:
                if number is None:
                    missing.append(pod.key)
                    continue
                if proxy is None:
                    continue
                verdicts = [self.ev.pair(src, pod, protocol=Protocol.TCP, port=number)
                            for src in proxy.pods]
                bad = [v for v in verdicts if not v.is_allowed and v.undecided.is_empty]
                tied = [v for v in verdicts if not v.is_allowed and not v.undecided.is_empty]
                if bad:
                    blocked.extend(bad)
                elif tied:
                    open_.extend(tied)
                else:
                    reachable.append(pod.key)
            result = _Endpoints(target=target, error=None, reachable=tuple(reachable),
                                blocked=tuple(blocked), missing=tuple(missing),
                                open_=tuple(open_))
        self._endpoints[key] = result
        return result

    def backend(self, ref: BackendRef, total: int, proxy: Proxy | None, route_namespace: str,
                route_kind: str) -> tuple[BackendPath, Hop, tuple[str, ...]]:
        """One backend of a route: its share, endpoints, and the proxy -> pods hop."""
        svc_key = f"{ref.namespace}/{ref.name}"
        share = ref.weight / total if total else 0.0
        step = f"{proxy.label if proxy else 'proxy'} -> svc/{svc_key}:{ref.port}"
        idle = not ref.weight

        def outcome(status: HopStatus, problem: Reason, notes: tuple[str, ...] = ()
                    ) -> tuple[BackendPath, Hop, tuple[str, ...]]:
            bp = BackendPath(service=svc_key, service_port=str(ref.port), target="",
                             weight=ref.weight, share=share, endpoints=(), reachable=(),
                             problem=problem)
            return bp, Hop(step=step, status=status if ref.weight else HopStatus.OK,
                           reason=replace(problem, idle=idle), source=ref.source), notes

        if ref.kind != "Service" or ref.group:
            if route_kind in GATEWAY_ROUTES and (ref.group, ref.kind) not in self.backend_kinds:
                return outcome(HopStatus.BLOCKED, Reason(
                    code=HopReason.INVALID_KIND, service=svc_key, kind=ref.kind,
                    group=ref.group, http_status=500))
            return outcome(HopStatus.UNDECIDED,
                           Reason(code=HopReason.BACKEND_KIND, service=svc_key, kind=ref.kind))
        notes: tuple[str, ...] = ()
        permitted, refused = backend_grant(self.cluster, route_namespace, ref, route_kind)
        if not permitted:
            return outcome(HopStatus.BLOCKED,
                           Reason(code=HopReason.REF_NOT_PERMITTED, service=svc_key,
                                  namespace=ref.namespace, grants=refused, http_status=500))
        svc = self.services.get((ref.namespace, ref.name))
        if svc is None:
            # HTTPBackendRef: a reference to "a resource that does not exist" is invalid
            # (BackendNotFound) and gets 500; ingress-nginx answers 503 for an Ingress's.
            return outcome(HopStatus.BLOCKED, Reason(
                code=HopReason.NO_SERVICE, service=svc_key,
                http_status=500 if route_kind in GATEWAY_ROUTES else 503), notes)
        if svc.type == "ExternalName":
            return outcome(HopStatus.UNDECIDED,
                           Reason(code=HopReason.EXTERNAL_NAME, service=svc_key,
                                  name=svc.external_name or ""), notes)
        found = self.endpoints(svc, ref.port, proxy)
        if found.error is not None or found.target is None:
            return outcome(HopStatus.BLOCKED,
                           Reason(code=HopReason.SERVICE_PORT, service=svc_key,
                                  why=found.error or ""), notes)
        if svc.selector is None:
            st = slice_target(self.cluster, svc, found.target.port)
            if not st.slices or (st.fqdn and not st.pods and not st.addresses):
                return outcome(HopStatus.UNDECIDED,
                               Reason(code=HopReason.NO_SELECTOR, service=svc_key,
                                      why=", ".join(st.fqdn)), notes)
            return self.slice_backend(ref, svc_key, share, st, proxy, step, notes)
        target = found.target
        if not target.endpoints:
            said = [n for n in target.notes if "no endpoints" in n]
            return outcome(HopStatus.BLOCKED,
                           Reason(code=HopReason.NO_ENDPOINTS, service=svc_key,
                                  why=said[0] if said else "", http_status=503), notes)
        numbers = sorted({n for _, n in target.endpoints if n is not None})
        tp = target.port.target_port if target.port else "?"
        target_text = (str(tp) if isinstance(tp, int)
                       else f"{tp} -> {'/'.join(map(str, numbers)) or 'none'}")
        endpoints = tuple(p.key for p, _ in target.endpoints)
        missing = Reason(code=HopReason.MISSING_PORT_NAME, service=svc_key, name=str(tp),
                         missing=found.missing) if found.missing else None
        bp = BackendPath(service=svc_key, service_port=str(ref.port), target=target_text,
                         weight=ref.weight, share=share, endpoints=endpoints,
                         reachable=found.reachable, problem=missing)
        n = len(endpoints)
        if proxy is None:
            return bp, Hop(step=step, status=HopStatus.UNDECIDED,
                           reason=Reason(code=HopReason.PROXY_NOT_KNOWN, service=svc_key,
                                         endpoints=n),
                           source=ref.source), notes
        if len(found.reachable) == n:
            return bp, Hop(step=step, status=HopStatus.OK,
                           reason=Reason(code=HopReason.ENDPOINTS_ADMIT, service=svc_key,
                                         endpoints=n, target=target_text, idle=idle),
                           source=ref.source), notes
        if found.open_ and not found.blocked and not found.missing:
            return bp, Hop(step=step, status=HopStatus.UNDECIDED,
                           reason=Reason(code=HopReason.LEFT_TO_IMPLEMENTATION,
                                         service=svc_key, endpoints=n,
                                         reachable=len(found.reachable),
                                         blocked=tuple(sorted({v.dst.name
                                                               for v in found.open_}))),
                           verdicts=found.open_[:3], source=ref.source), notes
        reason = Reason(code=HopReason.ENDPOINTS_UNREACHABLE, service=svc_key, endpoints=n,
                        reachable=len(found.reachable), target=target_text, name=str(tp),
                        blocked=tuple(sorted({v.dst.name for v in found.blocked})),
                        missing=found.missing, idle=idle)
        return bp, Hop(step=step, status=HopStatus.BLOCKED if ref.weight else HopStatus.OK,
                       reason=reason, verdicts=found.blocked[:3], source=ref.source,
                       port=numbers[0] if len(numbers) == 1 else None), notes

    def slice_backend(self, ref: BackendRef, svc_key: str, share: float, st: SliceTarget,
                      proxy: Proxy | None, step: str, notes: tuple[str, ...]
                      ) -> tuple[BackendPath, Hop, tuple[str, ...]]:
        """A selector-less Service's backend through its EndpointSlices.

        Each ready endpoint (a pod, or an address outside the pods) is judged from the
        proxy pods.
        """
        idle = not ref.weight
        subjects: list[tuple[str, Pod | External, int | None]] = [
            (p.key, p, n) for p, n in st.pods]
        subjects += [(str(a), External(a.family, a.value, a.value, str(a)), n)
                     for a, n in st.addresses]
        numbers = sorted({n for _, _, n in subjects if n is not None})
        target_text = "/".join(map(str, numbers)) or "none"
        endpoints = tuple(k for k, _, _ in subjects)
        if not subjects:
            reason = Reason(code=HopReason.NO_ENDPOINTS, service=svc_key, http_status=503,
                            why=f"EndpointSlice(s) {', '.join(st.slices)} of Service "
                                f"{svc_key} hold no ready endpoint ({st.not_ready} not ready)",
                            idle=idle)
            bp = BackendPath(service=svc_key, service_port=str(ref.port), target="",
                             weight=ref.weight, share=share, endpoints=(), reachable=(),
                             problem=reason)
            return bp, Hop(step=step, status=HopStatus.BLOCKED if ref.weight else HopStatus.OK,
                           reason=reason, source=ref.source), notes
        reachable: list[str] = []
        blocked: list[PairVerdict] = []
        missing = tuple(k for k, _, n in subjects if n is None)
        if proxy is not None:
            for key, dst, n in subjects:
                if n is None:
                    continue
                bad = [v for v in (self.ev.pair(src, dst, protocol=Protocol.TCP, port=n)
                                   for src in proxy.pods) if not v.is_allowed]
                if bad:
                    blocked.extend(bad)
                else:
                    reachable.append(key)
        bp = BackendPath(service=svc_key, service_port=str(ref.port), target=target_text,
                         weight=ref.weight, share=share, endpoints=endpoints,
                         reachable=tuple(reachable))
        n_all = len(endpoints)
        if proxy is None:
            return bp, Hop(step=step, status=HopStatus.UNDECIDED,
                           reason=Reason(code=HopReason.PROXY_NOT_KNOWN, service=svc_key,
                                         endpoints=n_all), source=ref.source), notes
        if len(reachable) == n_all:
            return bp, Hop(step=step, status=HopStatus.OK,
                           reason=Reason(code=HopReason.ENDPOINTS_ADMIT, service=svc_key,
                                         endpoints=n_all, target=target_text, idle=idle),
                           source=ref.source), notes
        reason = Reason(code=HopReason.ENDPOINTS_UNREACHABLE, service=svc_key,
                        endpoints=n_all, reachable=len(reachable), target=target_text,
                        blocked=tuple(sorted({v.dst.name for v in blocked})),
                        missing=missing, name=str(ref.port), idle=idle)
        return bp, Hop(step=step, status=HopStatus.BLOCKED if ref.weight else HopStatus.OK,
                       reason=reason, verdicts=tuple(blocked[:3]), source=ref.source,
                       port=numbers[0] if len(numbers) == 1 else None), notes

    def misdirected(self, gw: Gateway, mis: Misdirected, proxy: Proxy | None,
                    proxy_notes: tuple[str, ...], req_port: int) -> RoutedPath:
        """An https request the Gateway answers 421: the connection's listener, then 421."""
        listener = mis.taken_by
        hops = [Hop(step="TLS", status=HopStatus.OK,
                    reason=Reason(code=HopReason.LISTENER_TLS, name=listener.name))]
        if proxy is None:
            hops.append(Hop(step=f"{self.src_label} -> proxy", status=HopStatus.UNDECIDED,
                            reason=Reason(code=HopReason.NO_PROXY_PODS)))
        else:
            hops.append(self.inbound_hop(proxy, req_port, listener=True))
        hops.append(Hop(step="Host", status=HopStatus.BLOCKED, source=gw.source,
                        reason=Reason(code=HopReason.MISDIRECTED, name=listener.name,
                                      other=mis.belongs_to.name, host=mis.host, sni=mis.sni,
                                      why=mis.why, http_status=421)))
        notes = (*proxy_notes, "Gateway API (Listener.hostname): Gateways SHOULD answer 421 "
                 "here; one without misdirected-request detection (conformance feature "
                 "GatewayHTTPSListenerDetectMisdirectedRequests) may route the request on "
                 f"listener {listener.name} instead")
        return RoutedPath(
            entry=f"Gateway {gw.key} listener {listener.name}", route_object="",
            route_field="", host=mis.host, match="-", tls=f"listener {listener.name}",
            controller=tuple(p.key for p in proxy.pods) if proxy else (), backends=(),
            hops=tuple(hops), verdict=Answer.NO, notes=notes, source=gw.source)

    def mirrors(self, choice: RouteChoice, proxy: Proxy | None, notes: list[str]
                ) -> tuple[MirrorPath, ...]:
        """The rule's RequestMirror filters, each judged as a backend of the proxy pods.

        A mirror that does not get its copies is noted; the client's answer stays.
        """
        out = []
        for f in choice.route.filters:
            if f.mirror is None:
                continue
            ref = f.mirror.backend
            bp, hop, _ = self.backend(ref, ref.weight, proxy, choice.namespace,
                                      choice.object_kind)
            bp = replace(bp, share=f.mirror.fraction)
            hop = replace(hop, step=f"mirror: {hop.step}")
            cov = self.cluster.coverage
            pairs = {(p.namespace, e.partition("/")[0]) for p in (proxy.pods if proxy else ())
                     for e in bp.endpoints}
            if hop.status is HopStatus.OK and any(cov.affects(*pr) for pr in pairs):
                hop = replace(hop, status=HopStatus.UNDECIDED,
                              coverage=cov.affecting(pr for pr in pairs if cov.affects(*pr)))
            if hop.status is not HopStatus.OK:
                said = "do not arrive" if hop.status is HopStatus.BLOCKED else "may not arrive"
                notes.append(f"RequestMirror at {f.field}: the copies to svc/{bp.service}"
                             f":{bp.service_port} {said} ({hop_reason_code(hop)}); the "
                             "client's answer does not depend on the mirror")
            out.append(MirrorPath(backend=bp, hop=hop, field=f.field))
        return tuple(out)

    def controls(self, choice: RouteChoice, req_port: int) -> list[Hop]:
        """An undecided hop per access control on the route that netverify does not follow.

        ExtensionRef and ExternalAuth filters, and the Ingress annotations that restrict
        clients or add authentication (``route_controls``): any of them may refuse the
        request after NetworkPolicy admits it.
        """
        found: tuple[Control, ...]
        if choice.object_kind == "Ingress":
            ing = self.ingresses.get((choice.namespace, choice.name))
            found = ingress_controls(ing.annotations, req_port) if ing else ()
            source = ing.source if ing else None
        else:
            found, source = filter_controls(choice.route.filters), choice.route.source
        return [Hop(step="access control", status=HopStatus.UNDECIDED, source=source,
                    reason=Reason(code=HopReason.NOT_FOLLOWED, name=c.name, field=c.field,
                                  why=c.why))
                for c in found]

    def filters(self, choice: RouteChoice, req: Request | None, req_port: int,
                notes: list[str]) -> tuple[Hop | None, tuple[str, str] | None]:
        """A redirect rule's hop (None: it forwards), and the rewritten (Host, path).

        The (Host, path) is what the backends see after the rule's URLRewrite.  With the
        request, the ``Location`` and the rewrite are computed
        (``routing_filters``); filters netverify does not follow get a note.
        """
        route = choice.route
        terminal = next((f for f in route.filters if f.terminal), None)
        upstream = None
        for f in route.filters:
            if f is terminal:
                continue
            if f.rewrite is not None and req is not None and ".backendRefs[" not in f.field:
                seen = rewrite(f.rewrite, req, choice.match)
                upstream = (seen.host, seen.path)
                continue
            if f.mirror is not None:
                continue  # followed as a second path (``mirrors``)
            if f.type in ("ExtensionRef", "ExternalAuth"):
                continue  # an undecided hop (``controls``)
            what = f" ({f.detail})" if f.detail else ""
            notes.append(f"filter {f.type}{what} at {f.field} is applied by the proxy and not "
                         "followed")
        if terminal is None:
            return None, upstream
        spec = terminal.redirect
        if spec is None or req is None:
            return Hop(step=f"redirect ({terminal.detail})", status=HopStatus.OK,
                       reason=Reason(code=HopReason.REDIRECT, field=terminal.field,
                                     http_status=spec.status_code if spec else None),
                       source=route.source), None
        rd = redirect(spec, req, choice.match, req_port)
        return Hop(step=f"redirect ({rd.status} to {rd.location})", status=HopStatus.OK,
                   reason=Reason(code=HopReason.REDIRECT, field=terminal.field,
                                 http_status=rd.status, location=rd.location),
                   source=route.source), None

    # -- one path --------------------------------------------------------------------------

    def follow(self, *, entry: str, choice: RouteChoice, host: str, tls: str,
               tls_hop: Hop | None, proxy: Proxy | None, proxy_notes: tuple[str, ...],
               req_port: int, listener: bool = False, req: Request | None = None,
               redirect: Hop | None = None) -> RoutedPath:
        """Every hop of one route, from outside to the backend pods.

        ``req``: the request asked about (``can_reach_url``), to which the route's filters
        apply (``paths`` lists routes without one).  ``redirect``: the controller's own
        answer instead of the backends (ingress-nginx's 308 to https).
        """
        route = choice.route
        hops: list[Hop] = []
        notes = list(choice.notes) + list(proxy_notes)
        if tls_hop is not None:
            hops.append(tls_hop)
        if proxy is None:
            hops.append(Hop(step=f"{self.src_label} -> proxy", status=HopStatus.UNDECIDED,
                            reason=Reason(code=HopReason.NO_PROXY_PODS)))
        else:
            hop = self.inbound_hop(proxy, req_port, listener=listener)
            if hop.status is HopStatus.OK or (hop.status is HopStatus.BLOCKED and hop.verdicts):
                hop = self.judged(hop, [(OUTSIDE, p.namespace) for p in proxy.pods])
            hops.append(hop)
            note = self.exposure_note(proxy)
            if note:
                notes.append(note)
            addr = self.client_address(self.proxy_port(proxy, req_port, listener=listener)[0])
            snat = addr.note(proxy.label) if addr is not None else None
            if snat:
                notes.append(snat)
        redirected, upstream = self.filters(choice, req, req_port, notes)
        redirected = redirect or redirected
        hops.extend(self.controls(choice, req_port))
        backends = []
        if redirected is not None:
            hops.append(redirected)
        elif not route.backends:
            hops.append(Hop(step="route", status=HopStatus.BLOCKED,
                            reason=Reason(code=HopReason.NO_BACKENDS, http_status=500),
                            source=route.source))
        else:
            total = sum(b.weight for b in route.backends)
            if total == 0:
                hops.append(Hop(step="route", status=HopStatus.BLOCKED,
                                reason=Reason(code=HopReason.ALL_WEIGHT_ZERO),
                                source=route.source))
            for ref in route.backends:
                bp, hop, bnotes = self.backend(ref, total, proxy, choice.namespace,
                                               choice.object_kind)
                backends.append(bp)
                by_policy = (hop.status is HopStatus.OK and bool(bp.endpoints)) or (
                    hop.status is HopStatus.BLOCKED and bool(hop.verdicts) and bp.problem is None)
                if proxy is not None and ref.weight and by_policy:
                    hop = self.judged(hop, [(p.namespace, e.partition("/")[0])
                                            for p in proxy.pods for e in bp.endpoints])
                hops.append(hop)
                notes.extend(n for n in bnotes if n not in notes)
        mirrors = () if redirected is not None else self.mirrors(choice, proxy, notes)
        statuses = {h.status for h in hops}
        verdict = (Answer.NO if HopStatus.BLOCKED in statuses
                   else Answer.UNDECIDED if HopStatus.UNDECIDED in statuses else Answer.YES)
        return RoutedPath(mirrors=mirrors,
            entry=entry, route_object=choice.object, route_field=route.field, host=host,
            match=describe_match(choice.match), tls=tls,
            controller=tuple(p.key for p in proxy.pods) if proxy else (),
            backends=tuple(backends), hops=tuple(hops), verdict=verdict, notes=tuple(notes),
            source=route.source, upstream=upstream)


def hop_reason_code(hop: Hop) -> str:
    """``blocked: endpoints-unreachable``: a hop's status and reason code, for a note."""
    return f"{hop.status.value}: {hop.reason.code.value}"


# -- Ingress entry points ----------------------------------------------------------------

class _Ingresses:
    """The Ingresses grouped by the controller that serves them, with each class's entry."""

    def __init__(self, cluster: Cluster, override: tuple[Pod, ...]) -> None:
        found = ingress_controllers(cluster)
        self.entries: dict[str | None, IngressEntry] = {}
        self.groups: dict[tuple[str, ...], list[Ingress]] = {}
        self.classes: dict[tuple[str, str], str | None] = {}
        self._tls: dict[tuple[str, ...], TLSHosts] = {}
        for ing in cluster.ingresses:
            cls = effective_ingress_class(cluster, ing)
            if cls not in self.entries:
                self.entries[cls] = ingress_entry(cluster, cls, override, found)
            self.classes[(ing.namespace, ing.name)] = cls
            self.groups.setdefault(self.entries[cls].group, []).append(ing)

    def entry(self, ing: Ingress) -> IngressEntry:
        """Who serves ``ing``."""
        return self.entries[self.classes[(ing.namespace, ing.name)]]

    def tls(self, group: tuple[str, ...]) -> TLSHosts:
        """The TLS hosts of one controller's Ingresses (built once)."""
        if group not in self._tls:
            self._tls[group] = TLSHosts(self.groups[group])
        return self._tls[group]


def _ssl_redirect(entry: IngressEntry, ing: Ingress, req: Request, has_tls: bool
                  ) -> Hop | None:
    """ingress-nginx's answer to plain HTTP for a host with TLS: 308 to https.

    ingress-nginx (TLS/HTTPS user guide, "Server-side HTTPS enforcement through
    redirect"): "By default the controller redirects HTTP clients to the HTTPS port
    443 using a 308 Permanent Redirect response if TLS is enabled for that Ingress";
    the annotation ``ssl-redirect: "false"`` turns it off for an Ingress,
    ``force-ssl-redirect: "true"`` turns it on without TLS.  Other controllers do not
    redirect by default.
    """
    if req.scheme != "http" or entry.group[:1] != ("pods",) or not entry.group[1].startswith(
            "ingress-nginx"):
        return None
    ann = {k.removeprefix("nginx.ingress.kubernetes.io/"): v.strip().lower()
           for k, v in ing.annotations.items()}
    if ann.get("force-ssl-redirect") == "true":
        field = "metadata.annotations[nginx.ingress.kubernetes.io/force-ssl-redirect]"
    elif has_tls and ann.get("ssl-redirect") != "false":
        field = "spec.tls (ingress-nginx ssl-redirect, default true)"
    else:
        return None
    location = replace(req, scheme="https", port=443).url  # the same URL over https
    return Hop(step=f"redirect (308 to {location})", status=HopStatus.OK,
               reason=Reason(code=HopReason.REDIRECT, field=field, http_status=308,
                             location=location), source=ing.source)


def _entry_label(cls: str | None) -> str:
    return f"Ingress class {cls}" if cls else "Ingress (no class)"


def _tls_hop(req: Request, tls_hosts: TLSHosts, ing: Ingress, *, known: bool
             ) -> tuple[str, Hop | None]:
    """The TLS hop of an https request (or the redirect of an http one).

    ``known``: the controller is identified.  An unidentified one may take its
    certificates from elsewhere (the AWS Load Balancer Controller reads annotations),
    so a host without a ``tls`` entry is then unknown rather than a failure.
    """
    found = tls_hosts.lookup(req.server_name)  # the certificate is chosen by SNI
    secret = None if found is None else found[0]
    other = "" if found is None or found[1] is ing else found[1].key
    if req.scheme != "https":
        if secret is not None:
            return secret or "default", Hop(
                step="TLS", status=HopStatus.OK,
                reason=Reason(code=HopReason.REDIRECT_TO_HTTPS, host=req.host, other=other))
        return "none", None
    if secret is None:
        code = HopReason.NO_TLS_ENTRY if known else HopReason.TLS_NOT_KNOWN
        return "none", Hop(step="TLS", status=HopStatus.BLOCKED if known else HopStatus.UNDECIDED,
                           reason=Reason(code=code, obj=ing.key, host=req.server_name),
                           source=ing.source)
    return secret or "default", Hop(step="TLS", status=HopStatus.OK,
                                    reason=Reason(code=HopReason.CERTIFICATE, name=secret,
                                                  host=req.host, other=other))


def _prepare(cluster: Cluster, cni: str | None, policy_only: bool
             ) -> tuple[Evaluator, tuple[str, ...], CniProfile | None]:
    if policy_only:
        return Evaluator(cluster), ("policy answer only (--policy-only): the CNI is not "
                                    "considered",), None
    plugin = enforced(cluster, cni)
    return Evaluator(plugin.cluster), plugin.notes, plugin.profile


def can_reach_url(cluster: Cluster, src: str, url: str, *,
                  headers: Iterable[tuple[str, str]] = (), method: str | None = None,
                  controller: str | None = None, cni: str | None = None,
                  policy_only: bool = False,
                  backend_kinds: Iterable[tuple[str, str]] = (),
                  resolves_to: str | None = None, sni: str | None = None) -> UrlResult:
    """Follow ``url`` from ``src`` (``internet`` or an IP/CIDR) through every entry point.

    A host that is a LoadBalancer, externalIP or node address of a Service (or resolves
    to one: ``resolves_to``) reaches that Service directly (``queries.exposure``).

    Ingresses served by one controller are routed together (one path per controller),
    each Gateway separately.  ``method`` (GET when not given) is matched by HTTPRoute
    rules; Ingress has no method matching, which the Ingress paths say when one is given.
    A ``Host`` header routes instead of the URL's host; ``sni`` is the TLS server name of
    an https URL (default the URL's host), which picks the certificate and the Gateway
    listener (a Host that belongs to another listener is misdirected: 421).
    ``grpc://`` and ``tls://`` URLs follow GRPCRoutes and TLSRoutes.
    Example::

        can_reach_url(cluster, "internet", "https://app.example.com/api").verdict

    Raises:
        QueryError: for a malformed URL or source, or an unknown ``controller``.
    """
    try:
        stream = parse_stream_url(url, tuple(headers))
        req = parse_url(url, tuple(headers), method or "GET", sni) if stream is None else None
    except ValueError as e:
        raise QueryError(str(e), hint="e.g. https://app.example.com/api") from None
    ev, notes, prof = _prepare(cluster, cni, policy_only)
    run = _Run(ev, external_sources(ev, src), src, backend_kinds, prof)
    override = resolve(cluster, ev, controller).pods if controller else ()
    if stream is not None:
        if method is not None or sni is not None:
            raise QueryError(f"--method and --sni do not apply to {url} (gRPC calls are "
                             "POST; a tls:// URL's host is its server name)")
        return _stream_result(run, stream, override, notes)
    assert req is not None
    ingresses = _Ingresses(cluster, override)
    paths = _ingress_paths(run, ingresses, req, method)
    # Each Gateway's pods, found once: its paths and the exposure step both need them.
    gw_proxies = {gw.key: gateway_proxy(cluster, gw, override) for gw in cluster.gateways}
    gateway_paths, unrouted = _gateway_paths(run, req, gw_proxies)
    paths += gateway_paths
    proxies = frozenset(p.key for e in ingresses.entries.values() if e.proxy
                        for p in e.proxy.pods) | frozenset(
        p.key for proxy, _ in gw_proxies.values() for p in (proxy or _NO_PROXY).pods)
    sure, maybe = url_paths(ev, run.sources, src, req.host, req.port, resolves_to, proxies,
                            run.touched)
    mode = "every"
    if sure and paths:
        notes = (*notes, f"{req.host}:{req.port} is an address of "
                 f"{', '.join(sorted({p.route_object for p in sure}))}: the request goes "
                 "there, not through the Ingress or Gateway routes that match its host")
    if not paths and not sure:
        notes = (*notes, *unrouted, _unrouted_note(cluster, req.url))
        if maybe:
            paths, mode = maybe, "maybe"
    if sure:
        paths = sure
    redirects = tuple(dict.fromkeys(
        (h.reason.http_status, h.reason.location,
         follow_method(h.reason.http_status, req.method))
        for p in paths for h in p.hops
        if h.reason.code is HopReason.REDIRECT and h.reason.location and h.reason.http_status))
    return UrlResult(src=src, url=req.url, paths=tuple(paths), notes=notes, redirects=redirects,
                     coverage=run.coverage(), method=req.method, mode=mode,
                     not_found=bool(unrouted) and not sure, host=req.host, sni=req.sni)


def _ingress_paths(run: _Run, ingresses: _Ingresses, req: Request,
                   method: str | None) -> list[RoutedPath]:
    """One path per ingress controller whose Ingresses route ``req``."""
    paths: list[RoutedPath] = []
    for key, group in sorted(ingresses.groups.items(), key=lambda kv: kv[0]):
        choice = choose_ingress_route(group, req)
        if choice is None:
            continue
        ing = next(i for i in group if i.namespace == choice.namespace
                   and i.name == choice.name)
        entry = ingresses.entry(ing)
        tls, tls_hop = _tls_hop(req, ingresses.tls(key), ing, known=entry.proxy is not None)
        path = run.follow(entry=_entry_label(entry.ingress_class), choice=choice,
                          host=choice.host or "*", tls=tls, tls_hop=tls_hop,
                          proxy=entry.proxy, proxy_notes=entry.notes, req_port=req.port,
                          req=req, redirect=_ssl_redirect(entry, ing, req, tls != "none"))
        if req.sni is not None and req.sni != req.host:
            path = replace(path, notes=(*path.notes, (
                f"the controller chooses the certificate by the TLS server name {req.sni} "
                f"and the route by Host {req.host}")))
        if method is not None:
            path = replace(path, notes=(*path.notes, (
                f"Ingress has no method matching: {ing.key} routes {req.method} like any "
                "other method (the Ingress API matches host and path only)")))
        paths.append(path)
    return paths


def _gateway_paths(run: _Run, req: Request,
                   gw_proxies: Mapping[str, tuple[Proxy | None, tuple[str, ...]]]
                   ) -> tuple[list[RoutedPath], list[str]]:
    """One path per Gateway that routes ``req`` (421s included), and the 404s' notes."""
    cluster = run.cluster
    paths: list[RoutedPath] = []
    unrouted: list[str] = []
    for gw in cluster.gateways:
        if not bound_to(gw, req.host):
            unrouted.append(f"Gateway {gw.key} is bound to its spec.addresses ("
                            f"{', '.join(v for _, v in gw.addresses)}), not {req.host}")
            continue
        mis = misdirected(gw, req)
        if mis is not None:
            proxy, pnotes = gw_proxies[gw.key]
            paths.append(run.misdirected(gw, mis, proxy, pnotes, req.port))
            continue
        listener, choice = choose_http_route(cluster, gw, req)
        if listener is None or choice is None:
            if listener is not None:
                unrouted.extend(_rejected_http_routes(cluster, gw, listener, req))
                others = methods_routed(cluster, gw, req)
                unrouted.append(f"Gateway {gw.key} listener {listener.name} accepts "
                                f"{req.host} but no HTTPRoute rule matches {req.method} "
                                f"{req.path} (404)" + (
                                    f"; rules match it for {', '.join(others)}"
                                    if others else ""))
            continue
        proxy, pnotes = gw_proxies[gw.key]
        tls_hop = listener_tls_hop(cluster, gw, listener)
        paths.append(run.follow(entry=f"Gateway {gw.key} listener {listener.name}",
                                choice=choice, host=choice.host or listener.hostname or "*",
                                tls=f"listener {listener.name}" if listener.tls else "none",
                                tls_hop=tls_hop, proxy=proxy, proxy_notes=pnotes,
                                req_port=req.port, listener=True, req=req))
    return paths, unrouted


def _rejected_http_routes(cluster: Cluster, gw: Gateway, listener: Listener, req: Request
                          ) -> list[str]:
    """Why HTTPRoutes for ``req``'s host are not on ``listener``: an older GRPCRoute won it."""
    out = []
    for hr in cluster.http_routes:
        if not route_attaches(cluster, hr, gw, listener) or all(
                route_host(r, req, listener) is False for r in hr.routes):
            continue
        winner = older_rival(cluster, hr, cluster.grpc_routes, gw, listener)
        if winner:
            out.append(f"HTTPRoute {hr.key} is not accepted on listener {listener.name}: "
                       f"GRPCRoute {winner} is older and shares a hostname (\"MUST accept "
                       "exactly one of these two routes\")")
    return out


def _unrouted_note(cluster: Cluster, url: str) -> str:
    """Why no route took ``url``: the hosts the input's routes do define."""
    hosts = sorted({h for i in cluster.ingresses for r in i.routes for h in r.hosts} | {
        h for hr in cluster.http_routes for r in hr.routes for h in r.hosts})
    return f"no Ingress or HTTPRoute routes {url}" + (
        f"; hosts defined: {', '.join(hosts[:10])}" if hosts else
        "; the input has no Ingress or HTTPRoute")


def _stream_result(run: _Run, stream: StreamRequest, override: tuple[Pod, ...],
                   notes: tuple[str, ...]) -> UrlResult:
    """The answer for a grpc:// call or a tls:// connection: Gateways only."""
    found, why_not = _stream_paths(run, stream, override)
    if not found:
        notes = (*notes, *why_not, f"no {stream.kind} routes {stream.url}")
    return UrlResult(src=run.src_label, url=stream.url, paths=tuple(found), notes=notes,
                     coverage=run.coverage(),
                     method="POST" if stream.kind == "GRPCRoute" else "")


def _stream_paths(run: _Run, req: StreamRequest, override: tuple[Pod, ...]
                  ) -> tuple[list[RoutedPath], list[str]]:
    """The paths of a gRPC call or a TLS connection through each Gateway, and why not."""
    cluster = run.cluster
    found: list[RoutedPath] = []
    unrouted: list[str] = []
    for gw in cluster.gateways:
        if not bound_to(gw, req.host):
            continue
        listener, choice, notes = choose_stream_route(cluster, gw, req)
        unrouted.extend(notes)
        if listener is None:
            continue
        if choice is None:
            unrouted.append(f"Gateway {gw.key} listener {listener.name} takes {req.host}:"
                            f"{req.port} but no {req.kind} attached to it matches"
                            + (f" {req.service}/{req.method} (gRPC status UNIMPLEMENTED)"
                               if req.kind == "GRPCRoute" else " its SNI"))
            continue
        proxy, pnotes = gateway_proxy(cluster, gw, override)
        passthrough = listener.tls_mode == "Passthrough"
        path = run.follow(
            entry=f"Gateway {gw.key} listener {listener.name}", choice=choice,
            host=choice.host or listener.hostname or "*",
            tls=("passthrough" if passthrough else f"listener {listener.name}")
            if listener.tls else "none",
            tls_hop=None if passthrough else listener_tls_hop(cluster, gw, listener),
            proxy=proxy, proxy_notes=(*notes, *pnotes), req_port=req.port, listener=True)
        if any(h.reason.http_status for h in path.hops):
            path = replace(path, notes=(*path.notes, STREAM_FAILURE[req.kind]))
        found.append(path)
    return found, unrouted


# What an invalid backend's share gets, where an HTTPRoute's would get an HTTP status.
STREAM_FAILURE = {
    "GRPCRoute": "GRPCRoute: calls for an invalid backend \"MUST receive an UNAVAILABLE "
                 "status\" (gRPC status 14), the HTTP status shown is an HTTPRoute's",
    "TLSRoute": "TLSRoute: for an invalid backend \"the underlying implementation must "
                "actively reject request attempts\": its share of connections is refused, "
                "the HTTP status shown is an HTTPRoute's",
}


# -- every path ---------------------------------------------------------------------------

def paths(cluster: Cluster, *, controller: str | None = None, cni: str | None = None,
          policy_only: bool = False, backend_kinds: Iterable[tuple[str, str]] = (),
          method: str | None = None) -> PathsResult:
    """Every route from outside (Ingress and HTTPRoute rules) and every exposed Service.

    With ``method``, only the HTTPRoute matches that take it (no method, or that one);
    Ingress paths match every method.
    """
    method = _method(method)
    ev, notes, prof = _prepare(cluster, cni, policy_only)
    run = _Run(ev, external_sources(ev, "internet"), "internet", backend_kinds, prof)
    override = resolve(cluster, ev, controller).pods if controller else ()
    ingresses = _Ingresses(cluster, override)
    routes: list[RoutedPath] = []
    for ing in cluster.ingresses:
        entry = ingresses.entry(ing)
        tls_hosts = ingresses.tls(entry.group)
        for route in ing.routes:
            for host in route.hosts or ("*",):
                if host == "*":
                    secret = "" if any(not t.hosts for t in ing.tls) else None
                else:
                    found = tls_hosts.lookup(host)
                    secret = None if found is None else found[0]
                for m in route.matches or (None,):
                    choice = RouteChoice(object_kind="Ingress", namespace=ing.namespace,
                                         name=ing.name, route=route, match=m,
                                         host=None if host == "*" else host)
                    routes.append(run.follow(
                        entry=_entry_label(entry.ingress_class), choice=choice, host=host,
                        tls="none" if secret is None else (secret or "default"), tls_hop=None,
                        proxy=entry.proxy, proxy_notes=entry.notes,
                        req_port=443 if secret is not None else 80))
    for hr in cluster.http_routes:
        attached = False
        for gw in cluster.gateways:
            for listener in gw.listeners:
                if not route_attaches(cluster, hr, gw, listener):
                    continue
                attached = True
                proxy, pnotes = gateway_proxy(cluster, gw, override)
                for route in hr.routes:
                    for m in route.matches:
                        if method is not None and m.method not in (None, method):
                            continue
                        choice = RouteChoice(object_kind="HTTPRoute", namespace=hr.namespace,
                                             name=hr.name, route=route, match=m, host=None)
                        host = ", ".join(route.hosts) or listener.hostname or "*"
                        routes.append(run.follow(
                            entry=f"Gateway {gw.key} listener {listener.name}",
                            choice=choice, host=host,
                            tls=f"listener {listener.name}" if listener.tls else "none",
                            tls_hop=_refused(listener_tls_hop(cluster, gw, listener)),
                            proxy=proxy, proxy_notes=pnotes, req_port=listener.port,
                            listener=True))
        if not attached:
            notes = (*notes, f"HTTPRoute {hr.key} attaches to no Gateway in the input; its "
                     "routes are not listed")
    for rt in (*cluster.grpc_routes, *cluster.tls_routes):
        routes.extend(_stream_route_paths(run, rt, override))
    exposed = [_exposed(run, svc) for svc in cluster.services
               if svc.external or svc.external_ips]
    return PathsResult(routes=tuple(routes), exposed=tuple(exposed), notes=notes,
                       coverage=run.coverage(), method=method)


def _stream_route_paths(run: _Run, rt: HTTPRoute, override: tuple[Pod, ...]
                        ) -> list[RoutedPath]:
    """Every rule of a GRPCRoute or TLSRoute on every listener it attaches to."""
    out = []
    cluster = run.cluster
    for gw in cluster.gateways:
        for listener in gw.listeners:
            if not route_attaches(cluster, rt, gw, listener):
                continue
            proxy, pnotes = gateway_proxy(cluster, gw, override)
            passthrough = listener.tls_mode == "Passthrough"
            for route in rt.routes:
                host = ", ".join(route.hosts) or listener.hostname or "*"
                matches = [describe_grpc(m) for m in route.grpc_matches] or [
                    PathMatch(path=host, path_type="SNI")]
                for m in matches:
                    choice = RouteChoice(object_kind=rt.kind, namespace=rt.namespace,
                                         name=rt.name, route=route, match=m, host=None)
                    out.append(run.follow(
                        entry=f"Gateway {gw.key} listener {listener.name}", choice=choice,
                        host=host, tls=("passthrough" if passthrough else
                                        f"listener {listener.name}") if listener.tls else "none",
                        tls_hop=None if passthrough else _refused(
                            listener_tls_hop(cluster, gw, listener)),
                        proxy=proxy, proxy_notes=pnotes, req_port=listener.port, listener=True))
    return out


def _refused(hop: Hop | None) -> Hop | None:
    """A listener's TLS hop for ``paths``, which lists it only when it does not pass."""
    return hop if hop is not None and hop.status is not HopStatus.OK else None


def _method(method: str | None) -> str | None:
    """``--method`` upper-cased (QueryError for one that is not an HTTP token)."""
    try:
        return None if method is None else check_method(method)
    except ValueError as e:
        raise QueryError(str(e)) from None


def _exposed(run: _Run, svc: Service) -> ExposedService:
    ports = []
    reachable: set[str] = set()
    endpoints: set[str] = set()
    notes: list[str] = []
    for sp in svc.ports:
        node = f" (nodePort {sp.node_port})" if sp.node_port else ""
        ports.append(f"{sp.port}/{sp.protocol.value} -> {sp.target_port}{node}")
        target = service_target(run.cluster, svc, str(sp.port), sp.protocol,
                                candidates=run.pods_by_ns.get(svc.namespace, ()))
        for pod, number in target.endpoints:
            endpoints.add(pod.key)
            if number is not None and any(
                    run.ev.pair(ext, pod, protocol=sp.protocol, port=number).is_allowed
                    for ext in run.sources):
                reachable.add(pod.key)
    if svc.external_traffic_policy == "Local":
        notes.append("externalTrafficPolicy Local: the client IP is kept, but only nodes running "
                     "an endpoint answer; NetworkPolicy ipBlocks see the real client address")
    else:
        notes.append("externalTrafficPolicy Cluster: traffic may be SNATed to a node address "
                     "before it reaches the pod, so ipBlock rules on client addresses may not "
                     "match (CNI-dependent)")
    if svc.load_balancer_source_ranges:
        notes.append(f"loadBalancerSourceRanges limits clients to "
                     f"{', '.join(svc.load_balancer_source_ranges)}")
    cov = run.cluster.coverage
    if endpoints and cov.affects(OUTSIDE, svc.namespace):
        run.touched.add((OUTSIDE, svc.namespace))
        notes.append(f"which endpoints admit traffic from outside is not decided: "
                     f"{objects_text(cov.affecting([(OUTSIDE, svc.namespace)]))} not "
                     "evaluated (pods reachable: by the NetworkPolicies alone)")
    return ExposedService(service=svc.key, type=svc.type, ports=tuple(ports),
                          external_traffic_policy=svc.external_traffic_policy,
                          endpoints=tuple(sorted(endpoints)), reachable=tuple(sorted(reachable)),
                          notes=tuple(notes), source=svc.source)
