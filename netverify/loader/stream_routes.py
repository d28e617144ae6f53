"""GRPCRoute and TLSRoute, validated and flattened into the HTTPRoute shape.

Both share HTTPRoute's parentRefs, hostnames and backendRefs (``build_http_route`` reads
those); a GRPCRoute rule matches on gRPC service, method and headers
(``Route.grpc_matches``), a TLSRoute rule on the SNI hostnames alone.
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from typing import Any

from netverify.loader.documents import RawObject
from netverify.loader.fields import list_of, mapping, string
from netverify.loader.policies import FieldContext
from netverify.loader.routes import build_http_route
from netverify.model import GRPCMatch, HTTPRoute
from netverify.source import SourceRef

GRPC_VERSIONS = {"gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1alpha2"}
TLS_VERSIONS = {"gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1alpha2",
                "gateway.networking.k8s.io/v1alpha3"}
# GRPCMethodMatch, Exact: the CRD's patterns for service and method.
_SERVICE = re.compile(r"^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$", re.IGNORECASE)
_METHOD = re.compile(r"^[A-Za-z_][A-Za-z_0-9]*$")


def _without(raw: RawObject, key: str) -> RawObject:
    """``raw`` with ``key`` left out of every rule (read separately)."""
    data = copy.deepcopy(raw.data)
    spec = data.get("spec")
    if isinstance(spec, dict) and isinstance(spec.get("rules"), list):
        for rule in spec["rules"]:
            if isinstance(rule, dict):
                rule.pop(key, None)
    return replace(raw, data=data)


def _method_match(ctx: FieldContext, raw: Any, at: list[str | int]
                  ) -> tuple[str, str | None, str | None]:
    m = mapping(ctx, raw, at)
    mtype = m.get("type", "Exact")
    if mtype not in ("Exact", "RegularExpression"):
        raise ctx.error([*at, "type"], f"unknown method match type {mtype!r}",
                        hint="Exact or RegularExpression")
    service = string(ctx, m.get("service"), [*at, "service"])
    method = string(ctx, m.get("method"), [*at, "method"])
    if service is None and method is None:
        raise ctx.error(at, "needs service or method (\"One or both of 'service' or "
                            "'method' must be specified\")")
    if mtype == "Exact" and service is not None and not _SERVICE.match(service):
        raise ctx.error([*at, "service"], f"service {service!r} has characters the API "
                        "server rejects", hint="e.g. pkg.v1.Service")
    if mtype == "Exact" and method is not None and not _METHOD.match(method):
        raise ctx.error([*at, "method"], f"method {method!r} has characters the API server "
                        "rejects", hint="e.g. GetUser")
    if mtype == "RegularExpression":
        for key, value in (("service", service), ("method", method)):
            try:
                re.compile(value or "")
            except re.error as e:
                raise ctx.error([*at, key], f"{value!r} is not a regular expression: {e}"
                                ) from None
    return mtype, service, method


def _headers(ctx: FieldContext, raw: Any, at: list[str | int]) -> tuple[tuple[str, str], ...]:
    out: dict[str, str] = {}
    for h, entry in enumerate(list_of(ctx, raw, at)):
        hat: list[str | int] = [*at, h]
        hm = mapping(ctx, entry, hat)
        if hm.get("type", "Exact") != "Exact":
            raise ctx.error([*hat, "type"], f"header match type {hm.get('type')!r} is not "
                            "supported", hint="netverify matches Exact headers only")
        name = string(ctx, hm.get("name"), [*hat, "name"], required=True)
        value = string(ctx, hm.get("value"), [*hat, "value"], required=True)
        assert name is not None and value is not None
        out.setdefault(name.lower(), value)  # the first entry of a name counts
    return tuple(out.items())


def build_grpc_route(raw: RawObject, src: SourceRef) -> HTTPRoute:
    """A GRPCRoute: HTTPRoute's parents, hostnames and backends, gRPC matches per rule."""
    ctx = FieldContext(raw, src)
    base = build_http_route(_without(raw, "matches"), src)
    spec = mapping(ctx, raw.data.get("spec"), ["spec"])
    rules = list_of(ctx, spec.get("rules"), ["spec", "rules"])
    routes = []
    for i, (route, rule) in enumerate(zip(base.routes, rules, strict=True)):
        at: list[str | int] = ["spec", "rules", i, "matches"]
        matches = []
        for k, m in enumerate(list_of(ctx, mapping(ctx, rule, at[:-1]).get("matches"), at)):
            mat: list[str | int] = [*at, k]
            mm = mapping(ctx, m, mat)
            mtype, service, method = ("Exact", None, None)
            if mm.get("method") is not None:
                mtype, service, method = _method_match(ctx, mm["method"], [*mat, "method"])
            matches.append(GRPCMatch(service=service, method=method, type=mtype,
                                     headers=_headers(ctx, mm.get("headers"),
                                                      [*mat, "headers"])))
        # "If no matches are specified, the implementation MUST match every gRPC request."
        routes.append(replace(route, grpc_matches=tuple(matches) or (GRPCMatch(),)))
    return replace(base, routes=tuple(routes), kind="GRPCRoute")


def build_tls_route(raw: RawObject, src: SourceRef) -> HTTPRoute:
    """A TLSRoute: parents, SNI hostnames and weighted backends (no matches)."""
    ctx = FieldContext(raw, src)
    spec = mapping(ctx, raw.data.get("spec"), ["spec"])
    if not list_of(ctx, spec.get("rules"), ["spec", "rules"]):
        raise ctx.error(["spec", "rules"], "needs at least one rule")
    for i, rule in enumerate(spec["rules"]):
        r = mapping(ctx, rule, ["spec", "rules", i])
        for key in ("matches", "filters"):
            if r.get(key) is not None:
                raise ctx.error(["spec", "rules", i, key], "is not a field of a TLSRoute rule")
        if not list_of(ctx, r.get("backendRefs"), ["spec", "rules", i, "backendRefs"]):
            raise ctx.error(["spec", "rules", i, "backendRefs"], "needs at least one backendRef")
    if raw.data.get("apiVersion") == "gateway.networking.k8s.io/v1" and not spec.get(
            "hostnames"):
        raise ctx.error(["spec", "hostnames"], "needs at least one hostname (TLSRoute v1)")
    return replace(build_http_route(raw, src), kind="TLSRoute")
