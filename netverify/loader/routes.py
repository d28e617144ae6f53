"""Ingress, Gateway and HTTPRoute: validated and flattened into ``Route`` objects.

Both APIs say the same thing ("requests for this host and path go to these
Service ports"), so the loader flattens them into one shape and the routing
code has one matcher.  Field errors name the object and the field as the API
server would; what netverify does not interpret (filters other than
RequestRedirect, URLRewrite and RequestMirror, whose settings ``route_filters``
reads; non-Service backends, TCPRoute and friends) is kept visible, never
silently dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from netverify.loader.documents import RawObject
from netverify.loader.fields import list_of as _list
from netverify.loader.fields import mapping as _mapping
from netverify.loader.fields import string as _str
from netverify.loader.gateway_fields import addresses, infrastructure_labels, listener_tls
from netverify.loader.ingress_paths import check_ingress_path
from netverify.loader.policies import FieldContext
from netverify.loader.route_filters import (
    check_prefix_replacement,
    mirror_spec,
    redirect_spec,
    rewrite_detail,
    rewrite_spec,
)
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
    RouteFilter,
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
GATEWAY_GROUP = "gateway.networking.k8s.io"
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
                "PATCH")
# HTTPRoute filter types (the CRD's enum), and the field each one's settings live in.
FILTER_FIELDS = {"RequestHeaderModifier": "requestHeaderModifier",
                 "ResponseHeaderModifier": "responseHeaderModifier",
                 "RequestMirror": "requestMirror", "RequestRedirect": "requestRedirect",
                 "URLRewrite": "urlRewrite", "ExtensionRef": "extensionRef",
                 # experimental channel
                 "CORS": "cors", "ExternalAuth": "externalAuth"}

_HOST = re.compile(r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
# HTTPPathMatch value for Exact and PathPrefix: the CRD's pattern and CEL rules.
_ROUTE_PATH = re.compile(r"^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$")
_ROUTE_PATH_FORBIDDEN = ("//", "/./", "/../", "%2f", "%2F", "#")
_ROUTE_PATH_SUFFIXES = ("/..", "/.")


def _choice(ctx: FieldContext, value: Any, path: list[str | int], allowed: Any, what: str) -> str:
    """``value`` when it is a string among ``allowed`` (a mapping or a tuple), else a field error.

    A list or mapping from the YAML must not reach a dict lookup (unhashable).
    """
    if not isinstance(value, str) or value not in allowed:
        raise ctx.error(path, f"unknown {what} {value!r}", hint=f"one of {', '.join(allowed)}")
    return value


def created_timestamp(ctx: FieldContext, raw: RawObject) -> str | None:
    """``metadata.creationTimestamp`` as RFC 3339 text (None when absent).

    YAML reads an unquoted timestamp as a datetime; a string must parse as RFC 3339,
    as the API server's ``metav1.Time`` demands.
    """
    meta = raw.data.get("metadata")
    value = meta.get("creationTimestamp") if isinstance(meta, dict) else None
    path: list[str | int] = ["metadata", "creationTimestamp"]
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return stamp.isoformat()
    if isinstance(value, str):
        try:
            dt.datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return value
    raise ctx.error(path, f"{value!r} is not an RFC 3339 time",
                    hint="e.g. 2024-05-01T12:00:00Z")


def _port(ctx: FieldContext, value: Any, path: list[str | int]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (
            MIN_PORT <= value <= MAX_PORT):
        raise ctx.error(path, f"port {value!r} is not a port 1-65535")
    return value


def _host(ctx: FieldContext, value: Any, path: list[str | int]) -> str:
    host = _str(ctx, value, path, required=True)
    assert host is not None
    if not _HOST.match(host):
        raise ctx.error(path, f"host {host!r} is not a DNS name (a wildcard may only be the "
                              "first label, as in *.example.com)")
    return host


def read_annotations(raw: RawObject, src: SourceRef) -> dict[str, str]:
    """``metadata.annotations`` as strings (the API requires string values)."""
    ctx = FieldContext(raw, src)
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

def _ingress_backend(ctx: FieldContext, raw: Any, path: list[str | int], ns: str) -> BackendRef:
    b = _mapping(ctx, raw, path)
    field = ctx.ref(path).field or ""
    if "serviceName" in b:  # extensions/v1beta1 and networking.k8s.io/v1beta1
        name = _str(ctx, b.get("serviceName"), [*path, "serviceName"], required=True)
        port_raw = b.get("servicePort")
        if isinstance(port_raw, str) and not re.fullmatch(r"[0-9]+", port_raw):
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
    ctx = FieldContext(raw, src)
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
            ptype = _choice(ctx, ptype, [*at, "pathType"], INGRESS_PATH_TYPES, "pathType")
            path = _str(ctx, e.get("path"), [*at, "path"]) or "/"
            check_ingress_path(ctx, path, ptype, at)
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
                   routes=tuple(routes), tls=tuple(tls), annotations=ann, source=src,
                   created=created_timestamp(ctx, raw))


# -- Gateway API ---------------------------------------------------------------------------

def build_gateway(raw: RawObject, src: SourceRef) -> Gateway:
    """Validate a Gateway's class and listeners."""
    ctx = FieldContext(raw, src)
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
        tls_mode, cert_refs = listener_tls(ctx, e, at, protocol or "",
                                           src.namespace or "default")
        allowed = _mapping(ctx, e.get("allowedRoutes"), [*at, "allowedRoutes"])
        nsr = _mapping(ctx, allowed.get("namespaces"), [*at, "allowedRoutes", "namespaces"])
        routes_from = _choice(ctx, nsr.get("from", "Same"),
                              [*at, "allowedRoutes", "namespaces", "from"],
                              ("Same", "All", "Selector"), "allowedRoutes.namespaces.from")
        selector = None
        if routes_from == "Selector":
            sel_path: list[str | int] = [*at, "allowedRoutes", "namespaces", "selector"]
            if nsr.get("selector") is None:
                raise ctx.error(sel_path, "is required when from is Selector")
            selector = parse_selector(nsr["selector"], source=None,
                                      field=ctx.ref(sel_path).field or "", locate=ctx.locate)
        kinds = []
        for k, kind_raw in enumerate(_list(ctx, allowed.get("kinds"),
                                           [*at, "allowedRoutes", "kinds"])):
            kat: list[str | int] = [*at, "allowedRoutes", "kinds", k]
            km = _mapping(ctx, kind_raw, kat)
            kind = _str(ctx, km.get("kind"), [*kat, "kind"], required=True)
            # an omitted group is the Gateway API's; "" is the core group
            group_raw = km.get("group")
            group = GATEWAY_GROUP if group_raw is None else (
                _str(ctx, group_raw, [*kat, "group"]) or "")
            assert kind is not None
            kinds.append((group, kind))
        assert name is not None and protocol is not None
        listeners.append(Listener(
            name=name, port=_port(ctx, e.get("port"), [*at, "port"]), protocol=protocol,
            hostname=hostname, routes_from=routes_from, route_selector=selector,
            route_kinds=tuple(kinds), tls=tls_mode is not None, tls_mode=tls_mode,
            certificate_refs=cert_refs))
    assert cls is not None
    return Gateway(namespace=src.namespace or "default", name=src.name or "",
                   gateway_class=cls, listeners=tuple(listeners), source=src,
                   addresses=addresses(ctx, spec),
                   infrastructure_labels=infrastructure_labels(ctx, spec))


def _route_path(ctx: FieldContext, p: dict[str, Any], mat: list[str | int]) -> tuple[str, str]:
    """(model path type, value) of an HTTPPathMatch, validated as the CRD does."""
    ptype = _choice(ctx, p.get("type", "PathPrefix"), [*mat, "path", "type"],
                    ROUTE_PATH_TYPES, "path match type")
    vat: list[str | int] = [*mat, "path", "value"]
    value = _str(ctx, p.get("value"), vat) or "/"
    if len(value) > 1024:
        raise ctx.error(vat, "is longer than 1024 characters")
    if ptype == "RegularExpression":
        return ROUTE_PATH_TYPES[ptype], value
    if not value.startswith("/"):
        raise ctx.error(vat, f"path {value!r} must start with /")
    bad = [x for x in _ROUTE_PATH_FORBIDDEN if x in value]
    bad += [f"end with {x!r}" for x in _ROUTE_PATH_SUFFIXES if value.endswith(x)][:1]
    if bad:
        what = bad[0] if bad[0].startswith("end with") else f"contain {bad[0]!r}"
        raise ctx.error(vat, f"path {value!r} must not {what} (type {ptype})")
    if not _ROUTE_PATH.match(value):
        raise ctx.error(vat, f"path {value!r} has characters the API server rejects",
                        hint="letters, digits, -/._~!$&'()*+,;=:@ and %XX escapes")
    return ROUTE_PATH_TYPES[ptype], value


def _name_values(ctx: FieldContext, raw: Any, at: list[str | int], what: str, *, lower: bool
                 ) -> tuple[tuple[str, str], ...]:
    """Exact ``headers`` or ``queryParams`` matches as (name, value).

    The first entry of a name counts ("subsequent entries with an equivalent name MUST be
    ignored").
    """
    out: dict[str, str] = {}
    field = at[-1]
    for h, hd in enumerate(_list(ctx, raw, at)):
        hat: list[str | int] = [*at, h]
        hdm = _mapping(ctx, hd, hat)
        htype = hdm.get("type", "Exact")
        if htype != "Exact":
            if not isinstance(htype, str) or htype != "RegularExpression":
                raise ctx.error([*hat, "type"], f"unknown {what} match type {htype!r}",
                                hint="one of Exact, RegularExpression")
            raise ctx.error([*hat, "type"], f"{what} match type {htype!r} is not supported",
                            hint=f"netverify matches Exact {field} only")
        hname = _str(ctx, hdm.get("name"), [*hat, "name"], required=True)
        hvalue = _str(ctx, hdm.get("value"), [*hat, "value"], required=True)
        assert hname is not None and hvalue is not None
        out.setdefault(hname.lower() if lower else hname, hvalue)
    return tuple(out.items())


def _route_matches(ctx: FieldContext, raw: Any, at: list[str | int]) -> tuple[PathMatch, ...]:
    out = []
    for k, m in enumerate(_list(ctx, raw, [*at, "matches"])):
        mat: list[str | int] = [*at, "matches", k]
        md = _mapping(ctx, m, mat)
        ptype, value = _route_path(ctx, _mapping(ctx, md.get("path"), [*mat, "path"]), mat)
        headers = _name_values(ctx, md.get("headers"), [*mat, "headers"], "header",
                               lower=True)
        query = _name_values(ctx, md.get("queryParams"), [*mat, "queryParams"],
                             "query param", lower=False)
        method = _str(ctx, md.get("method"), [*mat, "method"])
        if method is not None:
            method = _choice(ctx, method, [*mat, "method"], HTTP_METHODS, "method")
        out.append(PathMatch(path=value, path_type=ptype, headers=headers, method=method,
                             query_params=query))
    # A rule without matches matches every request (path prefix /).
    return tuple(out) or (PathMatch(path="/", path_type="Prefix"),)


def _redirect_detail(ctx: FieldContext, r: dict[str, Any], at: list[str | int]) -> str:
    """``301 to https``, ``302 to https://www.example.com:8443/new``."""
    code = r.get("statusCode", 302)
    if isinstance(code, bool) or code not in (301, 302, 303, 307, 308):
        raise ctx.error([*at, "statusCode"], f"statusCode {code!r} is not a redirect status",
                        hint="301 or 302 (303, 307, 308 in the experimental channel)")
    scheme = r.get("scheme")
    if scheme is not None:
        scheme = _choice(ctx, scheme, [*at, "scheme"], ("http", "https"), "scheme")
    host = _str(ctx, r.get("hostname"), [*at, "hostname"])
    port = None if r.get("port") is None else _port(ctx, r["port"], [*at, "port"])
    path = _mapping(ctx, r.get("path"), [*at, "path"])
    new_path = ""
    if path:
        ptype = _choice(ctx, path.get("type"), [*at, "path", "type"],
                        ("ReplaceFullPath", "ReplacePrefixMatch"), "path modifier type")
        key = "replaceFullPath" if ptype == "ReplaceFullPath" else "replacePrefixMatch"
        new_path = _str(ctx, path.get(key), [*at, "path", key]) or "/"
        if ptype == "ReplacePrefixMatch":
            new_path = f" (path prefix replaced by {new_path})"
    target = scheme or ""
    if host or port is not None:
        target += ("://" if scheme else "//") + (host or "") + (
            f":{port}" if port is not None else "")
    if new_path.startswith("/"):
        target += new_path
        new_path = ""
    return f"{code} to {target or 'the same URL'}{new_path}"


def _filters(ctx: FieldContext, raw: Any, at: list[str | int], *, rule: bool, ns: str
             ) -> tuple[RouteFilter, ...]:
    """A rule's (or backendRef's) ``filters``: type-checked, summarised, kept in order."""
    out = []
    types = []
    for f, entry in enumerate(_list(ctx, raw, [*at, "filters"])):
        fat: list[str | int] = [*at, "filters", f]
        fm = _mapping(ctx, entry, fat)
        ftype = _choice(ctx, fm.get("type"), [*fat, "type"], FILTER_FIELDS, "filter type")
        for other, key in FILTER_FIELDS.items():
            if other != ftype and fm.get(key) is not None:
                raise ctx.error([*fat, key], f"must not be set for a {ftype} filter")
        settings = fm.get(FILTER_FIELDS[ftype])
        if settings is None:
            raise ctx.error([*fat, FILTER_FIELDS[ftype]], f"is required for a {ftype} filter")
        body = _mapping(ctx, settings, [*fat, FILTER_FIELDS[ftype]])
        detail = ""
        kept: dict[str, Any] = {}
        if ftype == "RequestRedirect":
            detail = _redirect_detail(ctx, body, [*fat, "requestRedirect"])
            kept["redirect"] = redirect_spec(ctx, body, [*fat, "requestRedirect"])
        elif ftype == "URLRewrite":
            kept["rewrite"] = rewrite_spec(ctx, body, [*fat, "urlRewrite"])
            detail = rewrite_detail(kept["rewrite"])
        elif ftype == "RequestMirror":
            mirror = mirror_spec(ctx, body, [*fat, "requestMirror"], ns)
            kept["mirror"] = mirror
            detail = f"copies requests to {mirror.backend.name} (responses ignored)"
        elif ftype == "ExtensionRef":
            kind = _str(ctx, body.get("kind"), [*fat, "extensionRef", "kind"], required=True)
            name = _str(ctx, body.get("name"), [*fat, "extensionRef", "name"], required=True)
            detail = f"{kind} {name} (implementation-specific)"
        types.append(ftype)
        out.append(RouteFilter(type=ftype, detail=detail, terminal=rule and
                               ftype == "RequestRedirect", field=ctx.ref(fat).field or "",
                               **kept))
    if "RequestRedirect" in types and "URLRewrite" in types:
        raise ctx.error([*at, "filters"], "may not have both RequestRedirect and URLRewrite")
    return tuple(out)


def build_http_route(raw: RawObject, src: SourceRef) -> HTTPRoute:
    """Validate an HTTPRoute and flatten its rules into weighted routes."""
    ctx = FieldContext(raw, src)
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
        filters = list(_filters(ctx, r.get("filters"), at, rule=True, ns=ns))
        backends = []
        for k, b in enumerate(_list(ctx, r.get("backendRefs"), [*at, "backendRefs"])):
            bat: list[str | int] = [*at, "backendRefs", k]
            bm = _mapping(ctx, b, bat)
            name = _str(ctx, bm.get("name"), [*bat, "name"], required=True)
            kind = _str(ctx, bm.get("kind"), [*bat, "kind"]) or "Service"
            group = bm.get("group", "")  # "" (the default) is the core group
            if not isinstance(group, str):
                raise ctx.error([*bat, "group"], f"{group!r} is not a string")
            weight = bm.get("weight", 1)
            if isinstance(weight, bool) or not isinstance(weight, int) or not (
                    0 <= weight <= 1_000_000):
                raise ctx.error([*bat, "weight"], f"weight {weight!r} is not 0-1000000")
            port = bm.get("port")
            if kind == "Service" and group == "" and port is None:
                raise ctx.error([*bat, "port"], "is required for a Service backend")
            assert name is not None
            filters += _filters(ctx, bm.get("filters"), bat, rule=False, ns=ns)
            backends.append(BackendRef(
                namespace=_str(ctx, bm.get("namespace"), [*bat, "namespace"]) or ns,
                name=name, port=None if port is None else _port(ctx, port, [*bat, "port"]),
                weight=weight, kind=kind, group=group, field=ctx.ref(bat).field or "",
                source=ctx.ref(bat)))
        if backends and any(f.type == "RequestRedirect" for f in filters if f.terminal):
            raise ctx.error([*at, "filters"], "a RequestRedirect filter must not be used "
                            "together with backendRefs")
        matches = _route_matches(ctx, r.get("matches"), at)
        check_prefix_replacement(ctx, filters, r.get("matches"), at)
        routes.append(Route(hosts=hosts, matches=matches,
                            backends=tuple(backends), field=ctx.ref(at).field or "",
                            source=ctx.ref(at), filters=tuple(filters)))
    return HTTPRoute(namespace=ns, name=src.name or "", parents=tuple(parents),
                     routes=tuple(routes), created=created_timestamp(ctx, raw), source=src)


def build_ingress_class(raw: RawObject, src: SourceRef) -> IngressClass:
    """An IngressClass: its controller and whether it is the cluster's default class."""
    ctx = FieldContext(raw, src)
    spec = _mapping(ctx, raw.data.get("spec"), ["spec"])
    controller = _str(ctx, spec.get("controller"), ["spec", "controller"], required=True)
    default = read_annotations(raw, src).get(DEFAULT_CLASS_ANNOTATION) == "true"
    assert controller is not None
    return IngressClass(name=src.name or "", controller=controller, default=default, source=src)
