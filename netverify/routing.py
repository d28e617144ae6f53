"""Which route serves an HTTP request: host and path matching of Ingress and HTTPRoute.

Pure functions over the model, following the API specifications:

- Ingress (networking.k8s.io/v1): a rule's host is exact or a one-label
  wildcard (``*.example.com`` matches ``app.example.com``, not ``example.com``
  nor ``a.b.example.com``).  Exact hosts win over wildcards, which win over
  rules without a host.  Among the paths of the chosen host the longest
  matching path wins, Exact before Prefix at equal length.  ``Prefix`` matches
  by path elements (``/api`` matches ``/api`` and ``/api/x``, not ``/apix``; a
  trailing slash is ignored).  ``ImplementationSpecific`` depends on the
  controller; it is matched as Prefix and the choice is reported.  With no
  matching path the Ingress's ``defaultBackend`` serves the request.
- HTTPRoute (gateway.networking.k8s.io): the route's hostnames must intersect
  the listener's hostname; among matching rules an Exact path wins, then the
  longest prefix, then a method match, then the most header matches, then the
  most query param matches, then the older route (``creationTimestamp`` when the
  manifests carry it, else namespace/name), then the first rule of the route.
  A route attaches to HTTP and HTTPS listeners only, and only where the
  listener's ``allowedRoutes`` admit its namespace and kind.  A backendRef to
  another namespace needs a ReferenceGrant there that permits it (``routing_grants``).
- The Host header routes (its port ignored, as HTTPRoute hostnames require); an HTTPS
  listener is chosen by the TLS server name, and a Host its hostname does not match
  gets no route there (``routing_sni`` tells a misdirected request, 421, from a 404).
- The request path is normalised as RFC 3986 section 5.2.4 says (``.`` and ``..``
  segments removed) before any match, as proxies do.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlsplit

from netverify.model import (
    BackendRef,
    Cluster,
    Gateway,
    HTTPRoute,
    Ingress,
    Listener,
    PathMatch,
    Route,
)
from netverify.routing_grants import Reference, grant_check

GATEWAY_GROUP = "gateway.networking.k8s.io"
# Listener protocols an HTTPRoute may attach to (Gateway API: HTTPRoute is the route
# kind of HTTP and HTTPS listeners; TLS, TCP and UDP listeners take other kinds).
HTTP_ROUTE_PROTOCOLS = ("HTTP", "HTTPS")
# The listener protocols of each route kind: GRPCRoute as HTTPRoute (h2c on HTTP, ALPN
# on HTTPS); "A TLSRoute MUST be attached to a Listener of protocol TLS".
ROUTE_PROTOCOLS = {"HTTPRoute": HTTP_ROUTE_PROTOCOLS, "GRPCRoute": HTTP_ROUTE_PROTOCOLS,
                   "TLSRoute": ("TLS",)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """An HTTP request as far as routing cares."""

    scheme: str  # http or https
    host: str
    port: int
    path: str = "/"
    headers: tuple[tuple[str, str], ...] = ()  # names lower-cased
    method: str = "GET"
    query: tuple[tuple[str, str], ...] = ()  # (name, value) in URL order
    # The URL's host, when a Host header (``host``, which routes) differs from it.
    url_host: str | None = None
    sni: str | None = None  # https: the TLS server name (the URL's host unless --sni)

    @property
    def url(self) -> str:
        """The request as a URL (default ports left out)."""
        default = 443 if self.scheme == "https" else 80
        port = "" if self.port == default else f":{self.port}"
        query = "?" + "&".join(f"{k}={v}" for k, v in self.query) if self.query else ""
        return f"{self.scheme}://{self.url_host or self.host}{port}{self.path}{query}"

    @property
    def server_name(self) -> str:
        """The name that picks a listener: the SNI of an https request, else the Host."""
        return self.sni if self.scheme == "https" and self.sni else self.host


def remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4: resolve ``.`` and ``..`` segments (``/a/../b`` is ``/b``).

    Proxies normalise the path this way before they match routes, so ``/public/../admin``
    is routed as ``/admin``.
    """
    inp, out = path, ""
    while inp:
        if inp.startswith("../"):
            inp = inp[3:]
        elif inp.startswith(("./", "/./")):
            inp = inp[2:]
        elif inp == "/.":
            inp = "/"
        elif inp.startswith("/../") or inp == "/..":
            inp = "/" + inp[4:]
            out = out[: out.rfind("/")] if "/" in out else ""
        elif inp in (".", ".."):
            inp = ""
        else:
            cut = inp.find("/", 1)
            seg, inp = (inp, "") if cut < 0 else (inp[:cut], inp[cut:])
            out += seg
    return out or "/"


# HTTPMethod, the Gateway API's enum of the methods a match may name (RFC 7231, RFC 5789).
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
                "PATCH")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # RFC 9110 method = token


def check_method(method: str) -> str:
    """``method`` upper-cased, or ValueError when it is not an HTTP token."""
    if not _TOKEN.match(method):
        raise ValueError(f"{method!r} is not an HTTP method (one of {', '.join(HTTP_METHODS)})")
    return method.upper()


def parse_url(text: str, headers: tuple[tuple[str, str], ...] = (),
              method: str = "GET", sni: str | None = None) -> Request:
    """Parse ``https://host[:port]/path[?query]`` (ValueError with a readable message).

    The path has its dot segments removed (RFC 3986 section 5.2.4).  A ``Host`` header
    is the host that routes (its port ignored: HTTPRoute "MUST ignore any port value
    specified in the HTTP Host header while performing a match"); the URL still names
    where the connection goes.  ``sni`` is the TLS server name of an https request
    (default: the URL's host, as clients send it).
    """
    method = check_method(method)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{text!r} is not an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError(f"{text!r} has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValueError(f"{text!r} has an invalid port") from None
    url_host = parts.hostname.lower().rstrip(".")
    host = url_host
    given = [v for k, v in headers if k.lower() == "host"]
    if given:
        host = header_host(given[0])
    if sni is not None and parts.scheme != "https":
        raise ValueError(f"a TLS server name (--sni {sni}) needs an https:// URL")
    if sni is not None:
        sni = header_host(sni, what="TLS server name")
    return Request(scheme=parts.scheme, host=host, port=port,
                   path=remove_dot_segments(parts.path or "/"), method=method,
                   headers=tuple((k.lower(), v) for k, v in headers),
                   query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
                   url_host=url_host if host != url_host else None,
                   sni=(sni or url_host) if parts.scheme == "https" else None)


_HOST_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def header_host(value: str, what: str = "Host header") -> str:
    """The host of a ``Host`` header value (``a.example:1234`` -> ``a.example``), lower-cased.

    ValueError for a value that is not a DNS name or an IP address (with an optional port).
    """
    text = value.strip()
    parts = urlsplit(f"//{text}")
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:
        raise ValueError(f"{what} {value!r} has an invalid port") from None
    host = (parts.hostname or "").rstrip(".")
    if not host or "@" in text or "/" in text or not (
            _HOST_NAME.match(host) or ":" in host):
        raise ValueError(f"{what} {value!r} is not a host name (e.g. app.example.com:8443)")
    return host


# -- matching --------------------------------------------------------------------------------

def host_matches(pattern: str, host: str, *, gateway_api: bool = False) -> bool:
    """Exact host, or a wildcard.

    For Ingress ``*.`` stands for exactly one label; for the Gateway API (listener and
    HTTPRoute hostnames) for one or more labels.
    """
    if pattern.startswith("*."):
        suffix = pattern[1:]
        if not host.endswith(suffix) or len(host) <= len(suffix):
            return False
        return gateway_api or "." not in host[: -len(suffix)]
    return pattern == host


def host_rank(pattern: str | None) -> int:
    """Specificity: 2 exact host, 1 wildcard, 0 any host (no host given)."""
    if pattern is None:
        return 0
    return 1 if pattern.startswith("*.") else 2


def _elements(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def path_matches(match: PathMatch, path: str) -> bool:
    """Whether one path match accepts ``path`` (headers and method checked elsewhere)."""
    if match.path_type == "Exact":
        return path == match.path
    if match.path_type == "RegularExpression":
        try:
            return re.fullmatch(match.path, path) is not None
        except re.error:
            return False
    # Prefix and ImplementationSpecific: element-wise prefix, trailing slash ignored.
    want = _elements(match.path)
    return _elements(path)[: len(want)] == want


def _first_values(pairs: Iterable[tuple[str, str]]) -> Mapping[str, str]:
    out: dict[str, str] = {}
    for k, v in pairs:
        out.setdefault(k, v)
    return out


def _request_matches(match: PathMatch, req: Request) -> bool:
    if not path_matches(match, req.path):
        return False
    if match.method is not None and match.method.upper() != req.method:
        return False
    got = dict(req.headers)
    if not all(got.get(k) == v for k, v in match.headers):
        return False
    # A repeated query param: the Gateway API recommends matching its first value.
    query = _first_values(req.query)
    return all(query.get(k) == v for k, v in match.query_params)


@dataclass(frozen=True, slots=True, kw_only=True)
class RouteChoice:
    """The route that serves a request at one entry point, and why."""

    object_kind: str  # Ingress or HTTPRoute
    namespace: str
    name: str
    route: Route
    match: PathMatch | None  # None: a default backend
    host: str | None  # the host pattern that matched (None: any host)
    notes: tuple[str, ...] = ()

    @property
    def object(self) -> str:
        """``Kind ns/name``."""
        return f"{self.object_kind} {self.namespace}/{self.name}"


def describe_match(match: PathMatch | None) -> str:
    """``Prefix /api``, ``Exact /``, ``default backend``."""
    if match is None:
        return "default backend"
    extra = "".join(f" {k}={v}" for k, v in match.headers)
    method = f" {match.method}" if match.method else ""
    query = ("?" + "&".join(f"{k}={v}" for k, v in match.query_params)
             if match.query_params else "")
    return f"{match.path_type} {match.path}{query}{method}{extra}"


def choose_ingress_route(ingresses: list[Ingress], req: Request) -> RouteChoice | None:
    """The Ingress route serving ``req`` among Ingresses of one class, or None."""
    candidates: list[tuple[int, Ingress, Route, str | None]] = []
    for ing in ingresses:
        for route in ing.routes:
            if route.is_default:
                continue
            pattern = route.hosts[0] if route.hosts else None
            if pattern is None or host_matches(pattern, req.host):
                candidates.append((host_rank(pattern), ing, route, pattern))
    if candidates:
        best_rank = max(c[0] for c in candidates)
        # Only the most specific host's rules are looked at, as controllers build one
        # virtual server per host.
        scored = []
        for rank, ing, route, pattern in candidates:
            if rank != best_rank:
                continue
            for m in route.matches:
                if path_matches(m, req.path):
                    length = len(m.path.rstrip("/")) if m.path_type != "Exact" else len(m.path)
                    scored.append(((length, m.path_type == "Exact"), ing, route, m, pattern))
        if scored:
            scored.sort(key=lambda s: (s[0], s[1].namespace, s[1].name), reverse=True)
            key, ing, route, m, pattern = scored[0]
            notes = []
            if m.path_type == "ImplementationSpecific":
                notes.append(f"{m.path} is pathType ImplementationSpecific: matched here by path "
                             "elements like Prefix; controllers differ (ingress-nginx matches a "
                             "plain string prefix, so it would also match longer words)")
            ties = [s for s in scored if s[0] == key and s[1] is not ing]
            if ties:
                notes.append(f"{len(ties) + 1} Ingresses define this host and path equally; "
                             f"which one wins depends on the controller (chose {ing.key})")
            return RouteChoice(object_kind="Ingress", namespace=ing.namespace, name=ing.name,
                               route=route, match=m, host=pattern, notes=tuple(notes))
    return _default_backend(ingresses, req)


def _default_backend(ingresses: list[Ingress], req: Request) -> RouteChoice | None:
    """The defaultBackend serving a request no rule matches (the first Ingress by name)."""
    for ing in sorted(ingresses, key=lambda i: (i.namespace, i.name)):
        for route in ing.routes:
            if route.is_default:
                return RouteChoice(object_kind="Ingress", namespace=ing.namespace,
                                   name=ing.name, route=route, match=None, host=None,
                                   notes=(f"no rule of the Ingresses matches {req.host}"
                                          f"{req.path}; {ing.key}'s defaultBackend serves it",))
    return None


def listener_accepts(listener: Listener, req: Request) -> bool:
    """Whether a Gateway listener receives the request (port, protocol, hostname)."""
    proto = "HTTPS" if req.scheme == "https" else "HTTP"
    if listener.port != req.port or listener.protocol != proto:
        return False
    # An HTTPS listener is chosen by the TLS server name, during the handshake.
    return listener.hostname is None or host_matches(listener.hostname, req.server_name,
                                                     gateway_api=True)


def hostnames_intersect(a: str, b: str) -> bool:
    """Whether two Gateway API hostnames (either may be a wildcard) share some host."""
    return host_matches(a, b, gateway_api=True) or host_matches(b, a, gateway_api=True) or (
        a.startswith("*.") and b.startswith("*.") and (a.endswith(b[1:]) or b.endswith(a[1:])))


def listener_admits_kind(listener: Listener, group: str = GATEWAY_GROUP,
                         kind: str = "HTTPRoute") -> bool:
    """Whether a listener takes routes of this kind.

    ``allowedRoutes.kinds``, when given, lists the kinds (the loader fills in the
    omitted group, gateway.networking.k8s.io; "" is the core group); and HTTPRoute goes
    to HTTP and HTTPS listeners only (a TCP, UDP or TLS listener takes TCPRoute,
    UDPRoute or TLSRoute).
    """
    if kind in ROUTE_PROTOCOLS and listener.protocol not in ROUTE_PROTOCOLS[kind]:
        return False
    if not listener.route_kinds:
        return True
    return (group, kind) in listener.route_kinds


def route_attaches(cluster: Cluster, route: HTTPRoute, gw: Gateway, listener: Listener) -> bool:
    """Whether an HTTPRoute is attached to this listener of ``gw``.

    The listener must take HTTPRoutes (an HTTP or HTTPS listener whose
    ``allowedRoutes.kinds``, when given, list HTTPRoute); the parentRef must name the
    Gateway (and the listener's ``sectionName`` and ``port`` when given); the
    listener's ``allowedRoutes`` must admit the route's namespace (``Same`` by
    default); and the route's hostnames, when it has some, must intersect the
    listener's hostname ("a Route is not accepted" otherwise).
    """
    if not listener_admits_kind(listener, kind=route.kind):
        return False
    named = any(p.kind == "Gateway" and p.namespace == gw.namespace and p.name == gw.name
                and p.section_name in (None, listener.name) and p.port in (None, listener.port)
                for p in route.parents)
    if not named:
        return False
    if listener.routes_from == "Same" and route.namespace != gw.namespace:
        return False
    if listener.routes_from == "Selector" and not (
            listener.route_selector is not None
            and listener.route_selector.matches(cluster.namespace_labels(route.namespace))):
        return False
    if listener.hostname is None:
        return True
    hosts = {h for r in route.routes for h in r.hosts}
    return not hosts or any(hostnames_intersect(h, listener.hostname) for h in hosts)


def route_host(route: Route, req: Request, listener: Listener) -> str | bool | None:
    """The hostname that lets ``route`` serve ``req`` on ``listener`` (False: none; None: any)."""
    if not route.hosts:
        return None
    matching = [h for h in route.hosts if host_matches(h, req.host, gateway_api=True)]
    if not matching:
        return False
    # An exact hostname is the most specific, then the longest wildcard.
    return max(matching, key=lambda h: (not h.startswith("*."), len(h)))


def choose_http_route(cluster: Cluster, gw: Gateway, req: Request
                      ) -> tuple[Listener | None, RouteChoice | None]:
    """The listener of ``gw`` that takes ``req`` and the HTTPRoute rule that serves it."""
    listeners = [li for li in gw.listeners if listener_accepts(li, req)]
    if not listeners:
        return None, None
    # The most specific listener hostname takes the request.
    listener = max(listeners, key=lambda li: (host_rank(li.hostname), len(li.hostname or "")))
    if listener.hostname is not None and not host_matches(listener.hostname, req.host,
                                                          gateway_api=True):
        # The TLS server name chose a listener the Host does not match (``routing_sni``).
        return listener, None
    scored = []
    for hr in cluster.http_routes:
        if not route_attaches(cluster, hr, gw, listener) or older_rival(
                cluster, hr, cluster.grpc_routes, gw, listener):
            continue
        for r_index, route in enumerate(hr.routes):
            host = route_host(route, req, listener)
            if host is False:
                continue
            for m in route.matches:
                if _request_matches(m, req):
                    h = host if isinstance(host, str) else None
                    key = (host_rank(h), len(h or ""), m.path_type == "Exact",
                           len(m.path) if m.path_type == "Prefix" else 0,
                           m.method is not None, len(m.headers), len(m.query_params))
                    scored.append((key, hr, r_index, route, m, host))
    if not scored:
        return listener, None
    best = max(s[0] for s in scored)
    # Ties: the oldest route (creationTimestamp, when the manifests carry it), then
    # namespace/name, then the first rule of the route.
    top = sorted((s for s in scored if s[0] == best),
                 key=lambda s: (*created_key(s[1].created), s[1].namespace, s[1].name, s[2]))
    _, hr, _, route, m, host = top[0]
    notes: tuple[str, ...] = ()
    tied = {(s[1].namespace, s[1].name) for s in top}
    if len(tied) > 1 and any(s[1].created is None for s in top):
        notes = (f"{len(tied)} HTTPRoutes match equally; the oldest wins, and without "
                 f"creationTimestamp in the manifests {hr.key} was chosen by name",)
    return listener, RouteChoice(object_kind="HTTPRoute", namespace=hr.namespace, name=hr.name,
                                 route=route, match=m,
                                 host=host if isinstance(host, str) else None, notes=notes)


def _older(a: HTTPRoute, b: HTTPRoute) -> bool:
    return (*created_key(a.created), a.namespace, a.name) < (
        *created_key(b.created), b.namespace, b.name)


def older_rival(cluster: Cluster, route: HTTPRoute, rivals: Iterable[HTTPRoute], gw: Gateway,
                li: Listener) -> str:
    """An older route of the other kind on the listener sharing a hostname, or "".

    GRPCRoute: when a GRPCRoute and an HTTPRoute attached to one listener have
    intersecting hostnames the implementation "MUST accept exactly one of these two
    routes": the older by creationTimestamp, then the first by namespace/name.  So an
    HTTPRoute loses to an older GRPCRoute (``rivals`` the GRPCRoutes) and the reverse.
    """
    mine = {h for r in route.routes for h in r.hosts} or {li.hostname or "*"}
    for other in rivals:
        if not route_attaches(cluster, other, gw, li) or not _older(other, route):
            continue
        theirs = {h for r in other.routes for h in r.hosts} or {li.hostname or "*"}
        if any(a == "*" or b == "*" or hostnames_intersect(a, b) for a in mine for b in theirs):
            return other.key
    return ""


def methods_routed(cluster: Cluster, gw: Gateway, req: Request) -> tuple[str, ...]:
    """The methods for which some HTTPRoute rule of ``gw`` would take ``req``.

    HTTPRouteMatch.Method: "When specified, this route will be matched only if the
    request has the specified method".
    """
    return tuple(m for m in HTTP_METHODS
                 if choose_http_route(cluster, gw, replace(req, method=m))[1] is not None)


_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


def created_key(created: str | None) -> tuple[bool, dt.datetime]:
    """Sort key for "the oldest wins".

    RFC 3339 times compare as times (``+02:00`` and fractions included); objects without a
    timestamp sort after every object with one.
    """
    if created is None:
        return True, _EPOCH
    try:
        stamp = dt.datetime.fromisoformat(created)
    except ValueError:
        return True, _EPOCH
    return False, stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def tls_covers(ing: Ingress, host: str) -> str | None:
    """The TLS secret serving ``host`` for an Ingress ("" when the entry names none), or None."""
    for t in ing.tls:
        if not t.hosts or any(host_matches(h, host) for h in t.hosts):
            return t.secret_name or ""
    return None


class TLSHosts:
    """Which TLS secret a controller serves each host with, from the Ingresses it serves.

    Controller behaviour, not the Ingress API: ingress-nginx builds one server per
    host out of every Ingress of its class, so a ``tls`` entry of *any* of them
    covering the host serves HTTPS for all of them; the oldest Ingress's entry wins
    (here by ``creationTimestamp``, then namespace/name, then entry order).  A ``tls``
    entry without hosts only counts for the hosts of its own Ingress's rules.
    Built once and looked up per host, as ``paths`` asks for thousands of hosts.
    """

    def __init__(self, ingresses: Iterable[Ingress]) -> None:
        ordered = sorted(ingresses, key=lambda i: (*created_key(i.created), i.namespace, i.name))
        # pattern -> (order, secret, ingress); exact hosts, and wildcards by their suffix
        self._exact: dict[str, tuple[int, str, Ingress]] = {}
        self._wild: dict[str, tuple[int, str, Ingress]] = {}
        self._any: tuple[int, str, Ingress] | None = None
        order = 0
        for ing in ordered:
            for t in ing.tls:
                hit = (order, t.secret_name or "", ing)
                order += 1
                patterns: list[str | None] = list(t.hosts)
                if not t.hosts:
                    patterns = [h for r in ing.routes if not r.is_default
                                for h in (r.hosts or (None,))]
                for pattern in patterns:
                    if pattern is None:
                        self._any = self._any or hit
                    elif pattern.startswith("*."):
                        self._wild.setdefault(pattern[1:], hit)
                    else:
                        self._exact.setdefault(pattern, hit)

    def lookup(self, host: str) -> tuple[str, Ingress] | None:
        """The secret ("" for the controller's default certificate) and its Ingress."""
        dot = host.find(".")
        hits = [self._exact.get(host), self._wild.get(host[dot:]) if dot > 0 else None,
                self._any]
        found = [h for h in hits if h is not None]
        if not found:
            return None
        _, secret, ing = min(found, key=lambda h: h[0])
        return secret, ing


def tls_secret_for(ingresses: Iterable[Ingress], host: str) -> tuple[str, Ingress] | None:
    """The TLS secret a controller serves ``host`` with, and the Ingress it comes from.

    Pass the Ingresses of one controller: see ``TLSHosts`` for the controller
    behaviour this follows (a ``tls`` entry of any of them counts).  The secret is ""
    when the entry names none (the controller's default certificate).
    """
    return TLSHosts(ingresses).lookup(host)


def reference_permitted(cluster: Cluster, route_namespace: str, backend: BackendRef,
                        route_kind: str = "HTTPRoute") -> bool:
    """Whether a route in ``route_namespace`` may send traffic to ``backend``.

    Gateway API: a backendRef to another namespace is only valid when a ReferenceGrant
    in the *target* namespace permits it (``routing_grants``); otherwise the route's
    ``ResolvedRefs`` condition is False with reason ``RefNotPermitted`` and requests for
    that backend get a 500.  Ingress backends are always in the Ingress's namespace.
    """
    return backend_grant(cluster, route_namespace, backend, route_kind)[0]


def backend_grant(cluster: Cluster, route_namespace: str, backend: BackendRef,
                  route_kind: str = "HTTPRoute") -> tuple[bool, tuple[tuple[str, str], ...]]:
    """``reference_permitted``, with the grants that do not permit the reference.

    Each grant of the target namespace that does not, with why (name, the field).
    """
    return grant_check(cluster, Reference(
        from_group=GATEWAY_GROUP, from_kind=route_kind, from_namespace=route_namespace,
        to_group=backend.group, to_kind=backend.kind, to_namespace=backend.namespace,
        to_name=backend.name))


def default_ingress_class(cluster: Cluster) -> str | None:
    """The IngressClass marked ``ingressclass.kubernetes.io/is-default-class: "true"``.

    None when there is none, or several: the DefaultIngressClass admission plugin then
    rejects new Ingresses without a class, so none gets a default.
    """
    defaults = [c.name for c in cluster.ingress_classes if c.default]
    return defaults[0] if len(defaults) == 1 else None


def effective_ingress_class(cluster: Cluster, ing: Ingress) -> str | None:
    """The class an Ingress ends up with.

    Its ``ingressClassName`` (or the legacy ``kubernetes.io/ingress.class`` annotation),
    else the default IngressClass, which
    the DefaultIngressClass admission plugin writes into Ingresses created without one.
    """
    return ing.ingress_class or default_ingress_class(cluster)
