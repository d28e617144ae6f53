"""End-to-end paths from outside the cluster: entry point, route, Service, pods.

A request from the internet passes several hops, and NetworkPolicy applies to
two of them: the ingress controller (or Gateway) pods must accept traffic from
outside, and they must be allowed to open connections to the backend pods on
the target port.  The second is the seed's "Ingress returns 502" outage: a
default deny in the backend namespace that forgot the controller.  So each
path is followed the way the cluster follows it (``netverify.routing`` picks
the route; ``service_target`` resolves the Service) and every hop gets a
verdict from the concrete engine, on the CNI's effective policies.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from netverify.cni import effective
from netverify.engines.concrete import Evaluator, External
from netverify.errors import QueryError
from netverify.ipblocks import format_range
from netverify.model import BackendRef, Cluster, Gateway, Ingress, Pod, Service
from netverify.ports import Protocol
from netverify.queries.endpoints import resolve
from netverify.queries.enforcement import choose
from netverify.queries.services import service_target
from netverify.results import (
    BackendPath,
    ExposedService,
    Hop,
    PairVerdict,
    PathsResult,
    RoutedPath,
    UrlResult,
)
from netverify.routing import (
    Request,
    RouteChoice,
    choose_http_route,
    choose_ingress_route,
    describe_match,
    parse_url,
    route_attaches,
    tls_covers,
)

INTERNET = ("internet", "external", "0.0.0.0/0")

@dataclass(frozen=True, slots=True)
class KnownController:
    """An ingress controller netverify recognises by image."""

    name: str
    images: tuple[str, ...]  # image repository fragments
    classes: frozenset[str]  # class names it serves by default
    controller_id: str  # what its IngressClass objects put in spec.controller


# ``--controller`` names any other.
CONTROLLERS = (
    KnownController("ingress-nginx", ("ingress-nginx/controller", "nginx-ingress-controller"),
                    frozenset({"nginx"}), "k8s.io/ingress-nginx"),
    KnownController("NGINX Ingress Controller", ("nginx/nginx-ingress",), frozenset({"nginx"}),
                    "nginx.org/ingress-controller"),
    KnownController("Traefik", ("traefik",), frozenset({"traefik"}),
                    "traefik.io/ingress-controller"),
    KnownController("HAProxy", ("haproxytech/kubernetes-ingress", "haproxy-ingress"),
                    frozenset({"haproxy"}), "haproxy.org/ingress-controller/haproxy"),
    KnownController("Kong", ("kong/kong-gateway", "library/kong", "kong"), frozenset({"kong"}),
                    "ingress-controllers.konghq.com/kong"),
)
GATEWAY_LABELS = ("gateway.networking.k8s.io/gateway-name", "istio.io/gateway-name",
                  "gateway.envoyproxy.io/owning-gateway-name")


@dataclass(frozen=True, slots=True)
class Proxy:
    """The pods that receive external requests for an entry point and forward them."""

    label: str
    pods: tuple[Pod, ...]
    how: str  # how they were found, for the notes


def _repo(image: str) -> str:
    repo = image.split("@", 1)[0]
    last = repo.rsplit("/", 1)[-1]
    if ":" in last:
        repo = repo[: len(repo) - len(last)] + last.split(":", 1)[0]
    return repo


def _image_matches(image: str, fragment: str) -> bool:
    repo = _repo(image)
    if "/" in fragment:
        return repo.endswith(fragment) or f"{fragment}" in repo
    return repo.rsplit("/", 1)[-1] == fragment


def ingress_controllers(cluster: Cluster) -> list[tuple[KnownController, tuple[Pod, ...]]]:
    """Recognised ingress controllers in the input, with their pods."""
    images = {img for p in cluster.pods for _, img in p.containers}
    out = []
    for known in CONTROLLERS:
        hits = {img for img in images if any(_image_matches(img, f) for f in known.images)}
        if not hits:
            continue
        pods = tuple(p for p in cluster.pods if any(img in hits for _, img in p.containers))
        out.append((known, pods))
    return out


def ingress_proxy(cluster: Cluster, ingress_class: str | None,
                  override: tuple[Pod, ...] = (),
                  found: list[tuple[KnownController, tuple[Pod, ...]]] | None = None
                  ) -> tuple[Proxy | None, tuple[str, ...]]:
    """The controller pods serving Ingresses of ``ingress_class``, and notes on the choice.

    An IngressClass object in the input decides (its ``spec.controller``; an Ingress
    without a class gets the default class); otherwise the class name is matched to
    the controllers' default class names.
    """
    if override:
        return Proxy("controller (--controller)", override, "named with --controller"), ()
    if found is None:
        found = ingress_controllers(cluster)
    by_name = {c.name: c for c in cluster.ingress_classes}
    cls_obj = by_name.get(ingress_class) if ingress_class else next(
        (c for c in cluster.ingress_classes if c.default), None)
    if cls_obj is not None:
        serving = [c for c in found if c[0].controller_id == cls_obj.controller]
        if not serving:
            return None, (f"IngressClass {cls_obj.name} is served by {cls_obj.controller}, whose "
                          "pods are not recognised in the input; name them with --controller "
                          "NS/NAME to check the NetworkPolicy hops",)
    else:
        serving = [c for c in found if ingress_class in c[0].classes]
    if len(serving) == 1 or (not serving and len(found) == 1):
        known, pods = (serving or found)[0]
        notes: tuple[str, ...] = ()
        if not serving:
            notes = (f"class {ingress_class or '(none)'} is not a default class of {known.name}; "
                     f"assumed served by {known.name}, the only controller in the input",)
        return Proxy(known.name, pods, "recognised by image"), notes
    if not found:
        return None, ("no ingress controller pods in the input (ingress-nginx, Traefik, "
                      "HAProxy, Kong are recognised by image); name them with --controller "
                      "NS/NAME to check the NetworkPolicy hops",)
    names = ", ".join(c[0].name for c in (serving or found))
    return None, (f"several ingress controllers could serve class {ingress_class}: {names}; "
                  "name one with --controller NS/NAME",)


def gateway_proxy(cluster: Cluster, gw: Gateway, override: tuple[Pod, ...] = ()
                  ) -> tuple[Proxy | None, tuple[str, ...]]:
    """The data-plane pods of a Gateway (by the implementations' gateway-name labels)."""
    if override:
        return Proxy("gateway (--controller)", override, "named with --controller"), ()
    pods = tuple(p for p in cluster.pods if any(p.labels.get(k) == gw.name for k in GATEWAY_LABELS)
                 and p.labels.get("gateway.envoyproxy.io/owning-gateway-namespace",
                                  gw.namespace) == gw.namespace)
    if pods:
        return Proxy(f"Gateway {gw.key}", pods, "gateway-name label"), ()
    return None, (f"no pods of Gateway {gw.key} in the input (implementations create them at "
                  f"run time; labels looked for: {', '.join(GATEWAY_LABELS)}); name them with "
                  "--controller NS/NAME to check the NetworkPolicy hops",)


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


def _proxy_port(cluster: Cluster, proxy: Proxy, req_port: int) -> tuple[int, str]:
    """The port the proxy pods receive ``req_port`` on: through a Service selecting them,
    else a container port of that number, else the number itself."""
    for svc in cluster.services:
        if svc.selector and any(_selects(svc, p) for p in proxy.pods):
            for sp in svc.ports:
                if sp.port == req_port or sp.node_port == req_port:
                    tp = sp.target_port
                    if isinstance(tp, int):
                        return tp, f"Service {svc.key} {sp.port} -> {tp}"
                    for p in proxy.pods:
                        nums = p.named_port(tp, sp.protocol)
                        if nums:
                            return nums[0], f"Service {svc.key} {sp.port} -> {tp} ({nums[0]})"
    return req_port, f"port {req_port}"


def _selects(svc: Service, pod: Pod) -> bool:
    return bool(svc.selector) and pod.namespace == svc.namespace and all(
        pod.labels.get(k) == v for k, v in (svc.selector or {}).items())


def _exposure_note(cluster: Cluster, proxy: Proxy) -> str | None:
    svcs = [s for s in cluster.services if s.external and any(_selects(s, p) for p in proxy.pods)]
    if svcs:
        return None
    if all(p.host_network for p in proxy.pods):
        return None
    return (f"no LoadBalancer or NodePort Service selects {proxy.label}'s pods in the input; "
            "it is assumed reachable (hostPort or a Service defined elsewhere)")


def _inbound_hop(ev: Evaluator, sources: tuple[External, ...], src_label: str, proxy: Proxy,
                 port: int, port_how: str) -> Hop:
    verdicts: list[PairVerdict] = []
    open_ranges: list[str] = []
    closed = 0
    for pod in proxy.pods:
        for ext in sources:
            v = ev.pair(ext, pod, protocol=Protocol.TCP, port=port)
            if v.is_allowed:
                open_ranges.append(ext.label)
            else:
                closed += 1
                verdicts.append(v)
    step = f"{src_label} -> {proxy.label} ({', '.join(p.key for p in proxy.pods)})"
    if not open_ranges:
        return Hop(step=step, status="blocked", detail=f"NetworkPolicy admits no source address "
                   f"on TCP {port} ({port_how})", verdicts=tuple(verdicts[:3]), port=port)
    if closed:
        shown = ", ".join(sorted(set(open_ranges))[:4])
        return Hop(step=step, status="ok", detail=f"TCP {port} ({port_how}) admitted only from "
                   f"{shown}{', ...' if len(set(open_ranges)) > 4 else ''}")
    return Hop(step=step, status="ok", detail=f"TCP {port} ({port_how}) admitted")


def _backend(ev: Evaluator, ref: BackendRef, total: int, proxy: Proxy | None
             ) -> tuple[BackendPath, Hop]:
    svc_key = f"{ref.namespace}/{ref.name}"
    share = ref.weight / total if total else 0.0
    step = f"{proxy.label if proxy else 'proxy'} -> svc/{svc_key}:{ref.port}"
    if ref.kind != "Service":
        bp = BackendPath(service=svc_key, service_port=str(ref.port), target="", weight=ref.weight,
                         share=share, endpoints=(), reachable=(),
                         problem=f"backend kind {ref.kind} is not followed")
        return bp, Hop(step=step, status="unknown", detail=bp.problem or "", source=ref.source)
    svc = next((s for s in ev.cluster.services
                if s.namespace == ref.namespace and s.name == ref.name), None)

    def failed(problem: str) -> tuple[BackendPath, Hop]:
        bp = BackendPath(service=svc_key, service_port=str(ref.port), target="",
                         weight=ref.weight, share=share, endpoints=(), reachable=(),
                         problem=problem)
        return bp, Hop(step=step, status="blocked" if ref.weight else "ok",
                       detail=problem + ("" if ref.weight else " (weight 0: no traffic)"),
                       source=ref.source)

    if svc is None:
        return failed(f"Service {svc_key} does not exist in the input (the proxy answers 503)")
    try:
        target = service_target(ev.cluster, svc, None if ref.port is None else str(ref.port),
                                Protocol.TCP)
    except QueryError as e:
        return failed(e.message)
    if not target.endpoints:
        why = [n for n in target.notes if "no endpoints" in n or "no selector" in n]
        return failed(why[0] if why else f"Service {svc_key} has no endpoints")
    numbers = sorted({n for _, n in target.endpoints if n is not None})
    tp = target.port.target_port if target.port else "?"
    target_text = (str(tp) if isinstance(tp, int)
                   else f"{tp} -> {'/'.join(map(str, numbers)) or 'none'}")
    reachable: list[str] = []
    blocked: list[PairVerdict] = []
    missing: list[str] = []
    for pod, number in target.endpoints:
        if number is None:
            missing.append(pod.key)
            continue
        if proxy is None:
            continue
        verdicts = [ev.pair(src, pod, protocol=Protocol.TCP, port=number) for src in proxy.pods]
        bad = [v for v in verdicts if not v.is_allowed]
        if bad:
            blocked.extend(bad)
        else:
            reachable.append(pod.key)
    endpoints = tuple(p.key for p, _ in target.endpoints)
    bp = BackendPath(service=svc_key, service_port=str(ref.port), target=target_text,
                     weight=ref.weight, share=share, endpoints=endpoints,
                     reachable=tuple(reachable),
                     problem=(f"no container port named {tp!r} on {', '.join(missing)}"
                              if missing else None))
    if proxy is None:
        return bp, Hop(step=step, status="unknown", detail=f"{len(endpoints)} endpoint(s); "
                       "the proxy pods are unknown, so NetworkPolicy is not checked",
                       source=ref.source)
    n = len(endpoints)
    if len(reachable) == n:
        return bp, Hop(step=step, status="ok", detail=f"{n}/{n} endpoint(s) admit the proxy on "
                       f"TCP {target_text}", source=ref.source)
    why = []
    if blocked:
        deny = sorted({v.dst.name for v in blocked})
        why.append(f"NetworkPolicy blocks the proxy from {', '.join(deny)} (requests routed "
                   "there fail with 502/504)")
    if missing:
        why.append(bp.problem or "")
    status = "blocked" if ref.weight else "ok"
    return bp, Hop(step=step, status=status,
                   detail=f"{len(reachable)}/{n} endpoint(s) reachable: " + "; ".join(why),
                   verdicts=tuple(blocked[:3]), source=ref.source,
                   port=numbers[0] if len(numbers) == 1 else None)


def _follow(ev: Evaluator, *, entry: str, choice: RouteChoice, host: str, tls: str,
            tls_hop: Hop | None, proxy: Proxy | None, proxy_notes: tuple[str, ...],
            sources: tuple[External, ...], src_label: str, req_port: int) -> RoutedPath:
    hops: list[Hop] = []
    notes = list(choice.notes) + list(proxy_notes)
    if tls_hop is not None:
        hops.append(tls_hop)
    if proxy is None:
        hops.append(Hop(step=f"{src_label} -> proxy", status="unknown",
                        detail="the pods serving this entry point are not in the input"))
    else:
        port, how = _proxy_port(ev.cluster, proxy, req_port)
        hops.append(_inbound_hop(ev, sources, src_label, proxy, port, how))
        note = _exposure_note(ev.cluster, proxy)
        if note:
            notes.append(note)
    total = sum(b.weight for b in choice.route.backends)
    backends = []
    if not choice.route.backends:
        hops.append(Hop(step="route", status="blocked", detail="the rule has no backends (the "
                        "proxy answers 500/404)", source=choice.route.source))
    for ref in choice.route.backends:
        bp, hop = _backend(ev, ref, total, proxy)
        backends.append(bp)
        hops.append(hop)
    statuses = {h.status for h in hops}
    verdict = "no" if "blocked" in statuses else "unknown" if "unknown" in statuses else "yes"
    return RoutedPath(
        entry=entry, route_object=choice.object, route_field=choice.route.field, host=host,
        match=describe_match(choice.match), tls=tls,
        controller=tuple(p.key for p in proxy.pods) if proxy else (),
        backends=tuple(backends), hops=tuple(hops), verdict=verdict, notes=tuple(notes),
        source=choice.route.source)


def _classes(cluster: Cluster) -> dict[str | None, list[Ingress]]:
    out: dict[str | None, list[Ingress]] = {}
    for ing in cluster.ingresses:
        out.setdefault(ing.ingress_class, []).append(ing)
    return out


def _tls_hop(req: Request, ing: Ingress) -> tuple[str, Hop | None]:
    secret = tls_covers(ing, req.host)
    if req.scheme != "https":
        if secret is not None:
            return secret or "default", Hop(
                step="TLS", status="ok", detail="plain HTTP; the Ingress has TLS for this host, "
                "so controllers such as ingress-nginx redirect to https")
        return "none", None
    if secret is None:
        return "none", Hop(step="TLS", status="blocked",
                           detail=f"no tls entry of {ing.key} covers {req.host}: the controller "
                                  "answers with its default certificate, which clients reject",
                           source=ing.source)
    return secret or "default", Hop(step="TLS", status="ok",
                                    detail=f"certificate from Secret {secret or '(default)'}")


def _prepare(cluster: Cluster, cni: str | None, policy_only: bool
             ) -> tuple[Evaluator, tuple[str, ...]]:
    if policy_only:
        return Evaluator(cluster), ("policy answer only (--policy-only): the CNI is not "
                                    "considered",)
    prof, notes = choose(cluster, cni)
    eff, eff_notes = effective(cluster, prof)
    return Evaluator(eff), (*notes, *eff_notes)


def can_reach_url(cluster: Cluster, src: str, url: str, *,
                  headers: Iterable[tuple[str, str]] = (), method: str = "GET",
                  controller: str | None = None, cni: str | None = None,
                  policy_only: bool = False) -> UrlResult:
    """Follow ``url`` from ``src`` (``internet`` or an IP/CIDR) through every entry point.

    Raises:
        QueryError: for a malformed URL or source, or an unknown ``controller``.
    """
    try:
        req = parse_url(url, tuple(headers), method)
    except ValueError as e:
        raise QueryError(str(e), hint="e.g. https://app.example.com/api") from None
    ev, notes = _prepare(cluster, cni, policy_only)
    sources = external_sources(ev, src)
    override = resolve(cluster, ev, controller).pods if controller else ()
    found = ingress_controllers(cluster)
    paths: list[RoutedPath] = []
    for cls, ingresses in sorted(_classes(cluster).items(), key=lambda kv: str(kv[0])):
        choice = choose_ingress_route(ingresses, req)
        if choice is None:
            continue
        ing = next(i for i in ingresses if i.namespace == choice.namespace
                   and i.name == choice.name)
        proxy, pnotes = ingress_proxy(cluster, cls, override, found)
        tls, tls_hop = _tls_hop(req, ing)
        paths.append(_follow(ev, entry=f"Ingress class {cls or '(default)'}", choice=choice,
                             host=choice.host or "*", tls=tls, tls_hop=tls_hop, proxy=proxy,
                             proxy_notes=pnotes, sources=sources, src_label=src,
                             req_port=req.port))
    unrouted: list[str] = []
    for gw in cluster.gateways:
        listener, choice = choose_http_route(cluster, gw, req)
        if listener is None or choice is None:
            if listener is not None:
                unrouted.append(f"Gateway {gw.key} listener {listener.name} accepts "
                                f"{req.host} but no HTTPRoute rule matches {req.path} (404)")
            continue
        proxy, pnotes = gateway_proxy(cluster, gw, override)
        tls_hop = Hop(step="TLS", status="ok", detail=f"listener {listener.name} terminates "
                      "TLS") if listener.tls else None
        paths.append(_follow(ev, entry=f"Gateway {gw.key} listener {listener.name}",
                             choice=choice, host=choice.host or listener.hostname or "*",
                             tls=f"listener {listener.name}" if listener.tls else "none",
                             tls_hop=tls_hop, proxy=proxy, proxy_notes=pnotes, sources=sources,
                             src_label=src, req_port=req.port))
    if not paths:
        notes = (*notes, *unrouted)
        hosts = sorted({h for i in cluster.ingresses for r in i.routes for h in r.hosts} | {
            h for hr in cluster.http_routes for r in hr.routes for h in r.hosts})
        notes = (*notes, f"no Ingress or HTTPRoute routes {req.url}" + (
            f"; hosts defined: {', '.join(hosts[:10])}" if hosts else
            "; the input has no Ingress or HTTPRoute"))
    return UrlResult(src=src, url=req.url, paths=tuple(paths), notes=notes)


# -- every path ---------------------------------------------------------------------------

def paths(cluster: Cluster, *, controller: str | None = None, cni: str | None = None,
          policy_only: bool = False) -> PathsResult:
    """Every route from outside (Ingress and HTTPRoute rules) and every exposed Service."""
    ev, notes = _prepare(cluster, cni, policy_only)
    sources = external_sources(ev, "internet")
    override = resolve(cluster, ev, controller).pods if controller else ()
    found = ingress_controllers(cluster)
    routes: list[RoutedPath] = []
    for ing in cluster.ingresses:
        proxy, pnotes = ingress_proxy(cluster, ing.ingress_class, override, found)
        for route in ing.routes:
            for host in route.hosts or ("*",):
                matches = route.matches or (None,)
                for m in matches:
                    secret = tls_covers(ing, host) if host != "*" else (
                        "" if any(not t.hosts for t in ing.tls) else None)
                    choice = RouteChoice(object_kind="Ingress", namespace=ing.namespace,
                                         name=ing.name, route=route, match=m,
                                         host=None if host == "*" else host)
                    routes.append(_follow(
                        ev, entry=f"Ingress class {ing.ingress_class or '(default)'}",
                        choice=choice, host=host,
                        tls="none" if secret is None else (secret or "default"), tls_hop=None,
                        proxy=proxy, proxy_notes=pnotes, sources=sources, src_label="internet",
                        req_port=443 if secret is not None else 80))
    for hr in cluster.http_routes:
        for gw in cluster.gateways:
            for listener in gw.listeners:
                if not route_attaches(cluster, hr, gw, listener):
                    continue
                proxy, pnotes = gateway_proxy(cluster, gw, override)
                for route in hr.routes:
                    for m in route.matches:
                        choice = RouteChoice(object_kind="HTTPRoute", namespace=hr.namespace,
                                             name=hr.name, route=route, match=m, host=None)
                        host = ", ".join(route.hosts) or listener.hostname or "*"
                        routes.append(_follow(
                            ev, entry=f"Gateway {gw.key} listener {listener.name}",
                            choice=choice, host=host,
                            tls=f"listener {listener.name}" if listener.tls else "none",
                            tls_hop=None, proxy=proxy, proxy_notes=pnotes, sources=sources,
                            src_label="internet", req_port=listener.port))
        if not any(route_attaches(cluster, hr, gw, li) for gw in cluster.gateways
                   for li in gw.listeners):
            notes = (*notes, f"HTTPRoute {hr.key} attaches to no Gateway in the input; its "
                     "routes are not listed")
    exposed = [_exposed(ev, svc, sources) for svc in cluster.services if svc.external]
    return PathsResult(routes=tuple(routes), exposed=tuple(exposed), notes=notes)


def _exposed(ev: Evaluator, svc: Service, sources: tuple[External, ...]) -> ExposedService:
    ports = []
    reachable: set[str] = set()
    endpoints: set[str] = set()
    notes: list[str] = []
    for sp in svc.ports:
        node = f" (nodePort {sp.node_port})" if sp.node_port else ""
        ports.append(f"{sp.port}/{sp.protocol.value} -> {sp.target_port}{node}")
        target = service_target(ev.cluster, svc, str(sp.port), sp.protocol)
        for pod, number in target.endpoints:
            endpoints.add(pod.key)
            if number is not None and any(
                    ev.pair(ext, pod, protocol=sp.protocol, port=number).is_allowed
                    for ext in sources):
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
    return ExposedService(service=svc.key, type=svc.type, ports=tuple(ports),
                          external_traffic_policy=svc.external_traffic_policy,
                          endpoints=tuple(sorted(endpoints)), reachable=tuple(sorted(reachable)),
                          notes=tuple(notes), source=svc.source)
