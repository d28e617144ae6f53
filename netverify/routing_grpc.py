"""Which GRPCRoute serves a gRPC call, and which TLSRoute a TLS connection (by its SNI).

- GRPCRoute (gateway.networking.k8s.io/v1) attaches to HTTP (h2c) and HTTPS listeners.
  A call ``/pkg.Service/Method`` matches a GRPCMethodMatch whose service and method are
  equal (Exact, "with case sensitivity") or match (RegularExpression); an omitted one
  matches any.  "Precedence MUST be given to the rule with the largest number of:
  Characters in a matching non-wildcard hostname. Characters in a matching hostname.
  Characters in a matching service. Characters in a matching method. Header matches."
  then the oldest route, then "{namespace}/{name}", then the first rule.  An HTTPRoute
  and a GRPCRoute on one listener whose hostnames intersect: "the implementation MUST
  accept exactly one of these two routes": the oldest, then by namespace/name.
- TLSRoute attaches to TLS listeners only; its hostnames match "the SNI attribute of
  TLS ClientHello", the most specific hostname winning (exact, then the longest
  wildcard), then the oldest route and namespace/name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from netverify.model import Cluster, Gateway, GRPCMatch, HTTPRoute, Listener, PathMatch, Route
from netverify.routing import (
    RouteChoice,
    created_key,
    host_matches,
    host_rank,
    hostnames_intersect,
    older_rival,
    route_attaches,
)

# scheme -> (TLS, default port): grpc:// is HTTP/2 over cleartext (h2c), grpcs:// over TLS.
STREAM_SCHEMES = {"grpc": (False, 80), "grpcs": (True, 443), "tls": (True, 443)}
_CALL = re.compile(r"^/(?P<service>[^/]+)/(?P<method>[^/]+)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamRequest:
    """A gRPC call (``kind`` GRPCRoute) or a TLS connection (``kind`` TLSRoute)."""

    kind: str
    host: str  # the :authority of the call, or the SNI of the connection
    port: int
    tls: bool
    service: str = ""
    method: str = ""
    headers: tuple[tuple[str, str], ...] = ()  # names lower-cased

    @property
    def url(self) -> str:
        """The request as a URL."""
        if self.kind == "TLSRoute":
            return f"tls://{self.host}:{self.port}"
        scheme = "grpcs" if self.tls else "grpc"
        return f"{scheme}://{self.host}:{self.port}/{self.service}/{self.method}"


def parse_stream_url(text: str, headers: tuple[tuple[str, str], ...] = ()
                     ) -> StreamRequest | None:
    """``grpc[s]://host[:port]/pkg.Service/Method`` or ``tls://host[:port]``; None otherwise.

    Raises:
        ValueError: for such a URL that is malformed.
    """
    parts = urlsplit(text)
    if parts.scheme not in STREAM_SCHEMES:
        return None
    tls, default = STREAM_SCHEMES[parts.scheme]
    if not parts.hostname:
        raise ValueError(f"{text!r} has no host")
    try:
        port = parts.port or default
    except ValueError:
        raise ValueError(f"{text!r} has an invalid port") from None
    host = parts.hostname.lower().rstrip(".")
    if parts.scheme == "tls":
        if parts.path not in ("", "/") or parts.query:
            raise ValueError(f"{text!r}: a TLS connection has no path (tls://HOST:PORT)")
        return StreamRequest(kind="TLSRoute", host=host, port=port, tls=True)
    call = _CALL.match(parts.path)
    if call is None:
        raise ValueError(f"{text!r} names no gRPC method: write "
                         f"{parts.scheme}://{host}/pkg.Service/Method")
    return StreamRequest(kind="GRPCRoute", host=host, port=port, tls=tls,
                         service=call["service"], method=call["method"],
                         headers=tuple((k.lower(), v) for k, v in headers))


def _listener(gw: Gateway, req: StreamRequest) -> Listener | None:
    """The listener taking the connection: port, protocol, hostname (the most specific)."""
    if req.kind == "TLSRoute":
        protocols: tuple[str, ...] = ("TLS",)
    else:
        protocols = ("HTTPS",) if req.tls else ("HTTP",)
    found = [li for li in gw.listeners if li.port == req.port and li.protocol in protocols
             and (li.hostname is None or host_matches(li.hostname, req.host, gateway_api=True))]
    if not found:
        return None
    return max(found, key=lambda li: (host_rank(li.hostname), len(li.hostname or "")))


def _route_host(route: Route, host: str, listener: Listener) -> str | bool | None:
    """The route hostname matching ``host`` (None: the route has none; False: no match).

    Route hostnames outside the listener's hostname "MUST be ignored".
    """
    if not route.hosts:
        return None
    usable = [h for h in route.hosts
              if listener.hostname is None or hostnames_intersect(h, listener.hostname)]
    matching = [h for h in usable if host_matches(h, host, gateway_api=True)]
    if not matching:
        return False
    return max(matching, key=lambda h: (not h.startswith("*."), len(h)))


def _matches(value: str, want: str | None, mtype: str) -> bool:
    if want is None:
        return True
    if mtype == "RegularExpression":
        try:
            return re.fullmatch(want, value) is not None
        except re.error:
            return False
    return value == want


def grpc_match(m: GRPCMatch, req: StreamRequest) -> bool:
    """Whether one GRPCRouteMatch takes the call (service, method, headers: all of them)."""
    got = dict(req.headers)
    return (_matches(req.service, m.service, m.type) and _matches(req.method, m.method, m.type)
            and all(got.get(k) == v for k, v in m.headers))


def describe_grpc(m: GRPCMatch) -> PathMatch:
    """The match as ``RouteChoice.match`` shows it (``gRPC Exact pkg.Svc/Get x-h=v``)."""
    return PathMatch(path=f"{m.service or '*'}/{m.method or '*'}", path_type=f"gRPC {m.type}",
                     headers=m.headers)


def choose_stream_route(cluster: Cluster, gw: Gateway, req: StreamRequest
                        ) -> tuple[Listener | None, RouteChoice | None, tuple[str, ...]]:
    """The listener of ``gw`` taking ``req``, the rule serving it, and notes."""
    listener = _listener(gw, req)
    if listener is None:
        return None, None, ()
    routes = cluster.grpc_routes if req.kind == "GRPCRoute" else cluster.tls_routes
    notes: list[str] = []
    scored: list[tuple[tuple[int, ...], HTTPRoute, int, Route, PathMatch, str | None]] = []
    for rt in routes:
        if not route_attaches(cluster, rt, gw, listener):
            continue
        if req.kind == "GRPCRoute":
            winner = older_rival(cluster, rt, cluster.http_routes, gw, listener)
            if winner:
                notes.append(f"GRPCRoute {rt.key} is not accepted on listener {listener.name}: "
                             f"HTTPRoute {winner} is older and shares a hostname (\"MUST "
                             "accept exactly one of these two routes\")")
                continue
        for index, route in enumerate(rt.routes):
            host = _route_host(route, req.host, listener)
            if host is False:
                continue
            h = host if isinstance(host, str) else None
            exact = len(h) if h and not h.startswith("*.") else 0
            if req.kind == "TLSRoute":
                scored.append(((exact, len(h or "")), rt, index, route,
                               PathMatch(path=req.host, path_type="SNI"), h))
                continue
            for m in route.grpc_matches:
                if grpc_match(m, req):
                    key = (exact, len(h or ""), len(m.service or ""), len(m.method or ""),
                           len(m.headers))
                    scored.append((key, rt, index, route, describe_grpc(m), h))
    if not scored:
        return listener, None, tuple(notes)
    best = max(s[0] for s in scored)
    top = sorted((s for s in scored if s[0] == best),
                 key=lambda s: (*created_key(s[1].created), s[1].namespace, s[1].name, s[2]))
    _, rt, _, route, match, h = top[0]
    return listener, RouteChoice(object_kind=rt.kind, namespace=rt.namespace, name=rt.name,
                                 route=route, match=match, host=h), tuple(notes)
