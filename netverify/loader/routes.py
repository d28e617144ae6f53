"""Ingress, Gateway and HTTPRoute: validated and flattened into ``Route`` objects.

Both APIs say the same thing ("requests for this host and path go to these
Service ports"), so the loader flattens them into one shape and the routing
code has one matcher.  Field errors name the object and the field as the API
server would; what netverify does not interpret (filters, non-Service
backends, TCPRoute and friends) is kept visible, never silently dropped.
"""

from __future__ import annotations

import re
from typing import Any

from netverify.loader.documents import RawObject
from netverify.loader.policies import _Ctx
from netverify.model import (
    BackendRef,
    Gateway,
    HTTPRoute,
    Ingress,
    IngressClass,
    Listener,
    ParentRef,
    PathMatch,
    Route,
    TLSConfig,
)
from netverify.ports import MAX_PORT, MIN_PORT
from netverify.selectors import parse_selector
from netverify.source import SourceRef

INGRESS_VERSIONS = {"networking.k8s.io/v1": None,
                    "networking.k8s.io/v1beta1": "networking.k8s.io/v1",
                    "extensions/v1beta1": "networking.k8s.io/v1"}
GATEWAY_VERSIONS = {"gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1",
                    "gateway.networking.k8s.io/v1alpha2"}

INGRESS_PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")
# HTTPRoute path match types, as the model names them (PathPrefix is "Prefix").
ROUTE_PATH_TYPES = {"Exact": "Exact", "PathPrefix": "Prefix",
                    "RegularExpression": "RegularExpression"}
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"

_HOST = re.compile(r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _mapping(ctx: _Ctx, value: Any, path: list[str | int]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ctx.error(path, "must be a mapping")
    return value


def _list(ctx: _Ctx, value: Any, path: list[str | int]) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ctx.error(path, "must be a list")
    return value


def _str(ctx: _Ctx, value: Any, path: list[str | int], *, required: bool = False
         ) -> str | None:
    if value is None or value == "":
        if required:
            raise ctx.error(path, "is required")
        return None
    if not isinstance(value, str):
        raise ctx.error(path, f"{value!r} is not a string")
    return value


def _port(ctx: _Ctx, value: Any, path: list[str | int]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (
            MIN_PORT <= value <= MAX_PORT):
        raise ctx.error(path, f"port {value!r} is not a port 1-65535")
    return value


def _host(ctx: _Ctx, value: Any, path: list[str | int]) -> str:
    host = _str(ctx, value, path, required=True)
    assert host is not None
    if not _HOST.match(host):
        raise ctx.error(path, f"host {host!r} is not a DNS name (a wildcard may only be the "
                              "first label, as in *.example.com)")
    return host


def read_annotations(raw: RawObject, src: SourceRef) -> dict[str, str]:
    """``metadata.annotations`` as strings (the API requires string values)."""
    ctx = _Ctx(raw, src)
    meta = raw.data.get("metadata") or {}
    ann = _mapping(ctx, meta.get("annotations"), ["metadata", "annotations"])
    out = {}
    for k, v in ann.items():
        if not isinstance(v, str):
            raise ctx.error(["metadata", "annotations", str(k)],
                            f"annotation {k!r} has value {v!r}, which is not a string",
                            hint="quote annotation values")
        out[str(k)] = v
    return out


# -- Ingress -------------------------------------------------------------------------------

def _ingress_backend(ctx: _Ctx, raw: Any, path: list[str | int], ns: str) -> BackendRef:
    b = _mapping(ctx, raw, path)
    field = ctx.ref(path).field or ""
    if "serviceName" in b:  # extensions/v1beta1 and networking.k8s.io/v1beta1
        name = _str(ctx, b.get("serviceName"), [*path, "serviceName"], required=True)
        port_raw = b.get("servicePort")
        if isinstance(port_raw, str) and not port_raw.isdigit():
            port: int | str = port_raw
        else:
            port = _port(ctx, int(port_raw) if isinstance(port_raw, str) else port_raw,
                         [*path, "servicePort"])
        assert name is not None
        return BackendRef(namespace=ns, name=name, port=port, field=field,
                          source=ctx.ref(path))
    svc = b.get("service")
    res = b.get("resource")
    if (svc is None) == (res is None):
        raise ctx.error(path, "needs exactly one of service and resource")
    if res is not None:
        r = _mapping(ctx, res, [*path, "resource"])
        kind = _str(ctx, r.get("kind"), [*path, "resource", "kind"], required=True)
        rname = _str(ctx, r.get("name"), [*path, "resource", "name"], required=True)
        assert kind is not None and rname is not None
        return BackendRef(namespace=ns, name=rname, port=None, kind=kind, field=field,
                          source=ctx.ref(path))
    s = _mapping(ctx, svc, [*path, "service"])
    name = _str(ctx, s.get("name"), [*path, "service", "name"], required=True)
    p = _mapping(ctx, s.get("port"), [*path, "service", "port"])
    if ("number" in p) == ("name" in p):
        raise ctx.error([*path, "service", "port"], "needs exactly one of number and name")
    port = (_port(ctx, p["number"], [*path, "service", "port", "number"]) if "number" in p
            else _str(ctx, p["name"], [*path, "service", "port", "name"], required=True) or "")
    assert name is not None
    return BackendRef(namespace=ns, name=name, port=port, field=field, source=ctx.ref(path))


def build_ingress(raw: RawObject, src: SourceRef) -> Ingress:
    """Validate an Ingress and flatten its rules and default backend into routes."""
    ctx = _Ctx(raw, src)
    ns = src.namespace or "default"
    spec = _mapping(ctx, raw.data.get("spec"), ["spec"])
    ann = read_annotations(raw, src)
    ingress_class = _str(ctx, spec.get("ingressClassName"), ["spec", "ingressClassName"]) \
        or ann.get(CLASS_ANNOTATION)
    routes: list[Route] = []
    for i, rule in enumerate(_list(ctx, spec.get("rules"), ["spec", "rules"])):
        r = _mapping(ctx, rule, ["spec", "rules", i])
        hosts = (_host(ctx, r["host"], ["spec", "rules", i, "host"]),) if r.get("host") else ()
        http = _mapping(ctx, r.get("http"), ["spec", "rules", i, "http"])
        paths = _list(ctx, http.get("paths"), ["spec", "rules", i, "http", "paths"])
        if r.get("http") is not None and not paths:
            raise ctx.error(["spec", "rules", i, "http", "paths"], "needs at least one path")
        for j, entry in enumerate(paths):
            at: list[str | int] = ["spec", "rules", i, "http", "paths", j]
            e = _mapping(ctx, entry, at)
            ptype = e.get("pathType")
            if ptype is None:
                ptype = "ImplementationSpecific"
                if raw.data.get("apiVersion") == "networking.k8s.io/v1":
                    raise ctx.error([*at, "pathType"], "is required",
                                    hint=f"one of {', '.join(INGRESS_PATH_TYPES)}")
            if ptype not in INGRESS_PATH_TYPES:
                raise ctx.error([*at, "pathType"], f"unknown pathType {ptype!r}",
                                hint=f"one of {', '.join(INGRESS_PATH_TYPES)}")
            path = _str(ctx, e.get("path"), [*at, "path"]) or "/"
            if ptype != "ImplementationSpecific" and not path.startswith("/"):
                raise ctx.error([*at, "path"], f"path {path!r} must start with /")
            backend = _ingress_backend(ctx, e.get("backend"), [*at, "backend"], ns)
            routes.append(Route(hosts=hosts, matches=(PathMatch(path=path, path_type=ptype),),
                                backends=(backend,), field=ctx.ref(at).field or "",
                                source=ctx.ref(at)))
    default = spec.get("defaultBackend", spec.get("backend"))
    if default is not None:
        key = "defaultBackend" if "defaultBackend" in spec else "backend"
        backend = _ingress_backend(ctx, default, ["spec", key], ns)
        routes.append(Route(hosts=(), matches=(), backends=(backend,), field=f"spec.{key}",
                            is_default=True, source=ctx.ref(["spec", key])))
    tls = []
    for i, entry in enumerate(_list(ctx, spec.get("tls"), ["spec", "tls"])):
        t = _mapping(ctx, entry, ["spec", "tls", i])
        hosts_raw = _list(ctx, t.get("hosts"), ["spec", "tls", i, "hosts"])
        tls.append(TLSConfig(
            hosts=tuple(_host(ctx, h, ["spec", "tls", i, "hosts", k])
                        for k, h in enumerate(hosts_raw)),
            secret_name=_str(ctx, t.get("secretName"), ["spec", "tls", i, "secretName"])))
    return Ingress(namespace=ns, name=src.name or "", ingress_class=ingress_class,
                   routes=tuple(routes), tls=tuple(tls), annotations=ann, source=src)


# -- Gateway API ---------------------------------------------------------------------------

def build_gateway(raw: RawObject, src: SourceRef) -> Gateway:
    """Validate a Gateway's class and listeners."""
    ctx = _Ctx(raw, src)
    spec = _mapping(ctx, raw.data.get("spec"), ["spec"])
    cls = _str(ctx, spec.get("gatewayClassName"), ["spec", "gatewayClassName"], required=True)
    listeners = []
    raw_listeners = _list(ctx, spec.get("listeners"), ["spec", "listeners"])
    if not raw_listeners:
        raise ctx.error(["spec", "listeners"], "needs at least one listener")
    for i, entry in enumerate(raw_listeners):
        at: list[str | int] = ["spec", "listeners", i]
        e = _mapping(ctx, entry, at)
        name = _str(ctx, e.get("name"), [*at, "name"], required=True)
        protocol = _str(ctx, e.get("protocol"), [*at, "protocol"], required=True)
        hostname = _host(ctx, e["hostname"], [*at, "hostname"]) if e.get("hostname") else None
        tls = e.get("tls")
        allowed = _mapping(ctx, e.get("allowedRoutes"), [*at, "allowedRoutes"])
        nsr = _mapping(ctx, allowed.get("namespaces"), [*at, "allowedRoutes", "namespaces"])
        routes_from = nsr.get("from", "Same")
        if routes_from not in ("Same", "All", "Selector"):
            raise ctx.error([*at, "allowedRoutes", "namespaces", "from"],
                            f"{routes_from!r} is not Same, All or Selector")
        selector = None
        if routes_from == "Selector":
            sel_path: list[str | int] = [*at, "allowedRoutes", "namespaces", "selector"]
            if nsr.get("selector") is None:
                raise ctx.error(sel_path, "is required when from is Selector")
            selector = parse_selector(nsr["selector"], source=None,
                                      field=ctx.ref(sel_path).field or "", locate=ctx.locate)
        assert name is not None and protocol is not None
        listeners.append(Listener(
            name=name, port=_port(ctx, e.get("port"), [*at, "port"]), protocol=protocol,
            hostname=hostname, routes_from=routes_from, route_selector=selector,
            tls=protocol in ("HTTPS", "TLS") and (
                tls is None or _mapping(ctx, tls, [*at, "tls"]).get("mode", "Terminate")
                in ("Terminate", "Passthrough"))))
    assert cls is not None
    return Gateway(namespace=src.namespace or "default", name=src.name or "",
                   gateway_class=cls, listeners=tuple(listeners), source=src)


def _route_matches(ctx: _Ctx, raw: Any, at: list[str | int]) -> tuple[PathMatch, ...]:
    out = []
    for k, m in enumerate(_list(ctx, raw, [*at, "matches"])):
        mat: list[str | int] = [*at, "matches", k]
        md = _mapping(ctx, m, mat)
        p = _mapping(ctx, md.get("path"), [*mat, "path"])
        ptype = p.get("type", "PathPrefix")
        if ptype not in ROUTE_PATH_TYPES:
            raise ctx.error([*mat, "path", "type"], f"unknown path match type {ptype!r}",
                            hint=f"one of {', '.join(ROUTE_PATH_TYPES)}")
        value = _str(ctx, p.get("value"), [*mat, "path", "value"]) or "/"
        if ptype != "RegularExpression" and not value.startswith("/"):
            raise ctx.error([*mat, "path", "value"], f"path {value!r} must start with /")
        headers = []
        for h, hd in enumerate(_list(ctx, md.get("headers"), [*mat, "headers"])):
            hat: list[str | int] = [*mat, "headers", h]
            hdm = _mapping(ctx, hd, hat)
            if hdm.get("type", "Exact") != "Exact":
                raise ctx.error([*hat, "type"], f"header match type {hdm.get('type')!r} is "
                                "not supported", hint="netverify matches Exact headers only")
            hname = _str(ctx, hdm.get("name"), [*hat, "name"], required=True)
            hvalue = _str(ctx, hdm.get("value"), [*hat, "value"], required=True)
            assert hname is not None and hvalue is not None
            headers.append((hname.lower(), hvalue))
        out.append(PathMatch(path=value, path_type=ROUTE_PATH_TYPES[ptype],
                             headers=tuple(headers),
                             method=_str(ctx, md.get("method"), [*mat, "method"])))
    # A rule without matches matches every request (path prefix /).
    return tuple(out) or (PathMatch(path="/", path_type="Prefix"),)


def build_http_route(raw: RawObject, src: SourceRef) -> HTTPRoute:
    """Validate an HTTPRoute and flatten its rules into weighted routes."""
    ctx = _Ctx(raw, src)
    ns = src.namespace or "default"
    spec = _mapping(ctx, raw.data.get("spec"), ["spec"])
    parents = []
    for i, p in enumerate(_list(ctx, spec.get("parentRefs"), ["spec", "parentRefs"])):
        pm = _mapping(ctx, p, ["spec", "parentRefs", i])
        name = _str(ctx, pm.get("name"), ["spec", "parentRefs", i, "name"], required=True)
        assert name is not None
        parents.append(ParentRef(
            namespace=_str(ctx, pm.get("namespace"), ["spec", "parentRefs", i, "namespace"])
            or ns, name=name,
            section_name=_str(ctx, pm.get("sectionName"), ["spec", "parentRefs", i,
                                                             "sectionName"]),
            port=None if pm.get("port") is None else _port(ctx, pm["port"],
                                                            ["spec", "parentRefs", i, "port"]),
            kind=_str(ctx, pm.get("kind"), ["spec", "parentRefs", i, "kind"]) or "Gateway"))
    hosts = tuple(_host(ctx, h, ["spec", "hostnames", i])
                  for i, h in enumerate(_list(ctx, spec.get("hostnames"), ["spec", "hostnames"])))
    routes = []
    for i, rule in enumerate(_list(ctx, spec.get("rules"), ["spec", "rules"])):
        at: list[str | int] = ["spec", "rules", i]
        r = _mapping(ctx, rule, at)
        backends = []
        for k, b in enumerate(_list(ctx, r.get("backendRefs"), [*at, "backendRefs"])):
            bat: list[str | int] = [*at, "backendRefs", k]
            bm = _mapping(ctx, b, bat)
            name = _str(ctx, bm.get("name"), [*bat, "name"], required=True)
            kind = _str(ctx, bm.get("kind"), [*bat, "kind"]) or "Service"
            weight = bm.get("weight", 1)
            if isinstance(weight, bool) or not isinstance(weight, int) or not (
                    0 <= weight <= 1_000_000):
                raise ctx.error([*bat, "weight"], f"weight {weight!r} is not 0-1000000")
            port = bm.get("port")
            if kind == "Service" and port is None:
                raise ctx.error([*bat, "port"], "is required for a Service backend")
            assert name is not None
            backends.append(BackendRef(
                namespace=_str(ctx, bm.get("namespace"), [*bat, "namespace"]) or ns,
                name=name, port=None if port is None else _port(ctx, port, [*bat, "port"]),
                weight=weight, kind=kind, field=ctx.ref(bat).field or "", source=ctx.ref(bat)))
        routes.append(Route(hosts=hosts, matches=_route_matches(ctx, r.get("matches"), at),
                            backends=tuple(backends), field=ctx.ref(at).field or "",
                            source=ctx.ref(at)))
    created = (raw.data.get("metadata") or {}).get("creationTimestamp")
    return HTTPRoute(namespace=ns, name=src.name or "", parents=tuple(parents),
                     routes=tuple(routes), created=str(created) if created else None,
                     source=src)


def build_ingress_class(raw: RawObject, src: SourceRef) -> IngressClass:
    """An IngressClass: its controller and whether it is the cluster's default class."""
    ctx = _Ctx(raw, src)
    spec = _mapping(ctx, raw.data.get("spec"), ["spec"])
    controller = _str(ctx, spec.get("controller"), ["spec", "controller"], required=True)
    default = read_annotations(raw, src).get(DEFAULT_CLASS_ANNOTATION) == "true"
    assert controller is not None
    return IngressClass(name=src.name or "", controller=controller, default=default, source=src)
