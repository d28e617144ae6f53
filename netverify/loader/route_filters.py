"""HTTPRoute RequestRedirect, URLRewrite and RequestMirror filters: validated, kept as data.

The fields and their rules are the Gateway API's (``apis/v1/httproute_types.go``):
HTTPPathModifier needs the value of its type and no other ("replaceFullPath must be
specified when type is set to 'ReplaceFullPath'"); a rule whose filter uses
``ReplacePrefixMatch`` must have exactly one ``PathPrefix`` match ("When using
RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be
specified", and the same for URLRewrite); hostnames are PreciseHostnames (no wildcard);
a mirror's ``percent`` and ``fraction`` exclude each other.  ``routing_filters`` applies
them to a request.
"""

from __future__ import annotations

from typing import Any

from netverify.loader.fields import mapping as _mapping
from netverify.loader.fields import string as _str
from netverify.loader.policies import FieldContext
from netverify.model import BackendRef, MirrorSpec, PathModifier, RedirectSpec, RewriteSpec
from netverify.ports import MAX_PORT, MIN_PORT

PATH_MODIFIERS = {"ReplaceFullPath": "replaceFullPath",
                  "ReplacePrefixMatch": "replacePrefixMatch"}
REDIRECT_CODES = (301, 302, 303, 307, 308)  # HTTPRequestRedirectFilter.StatusCode's enum


def _precise_host(ctx: FieldContext, raw: Any, at: list[str | int]) -> str | None:
    host = _str(ctx, raw, at)
    if host is not None and (host.startswith("*") or not host or host != host.lower()
                             or any(c in host for c in " /:@")):
        raise ctx.error(at, f"hostname {host!r} is not a precise host name (no wildcard, "
                            "lower case)")
    return host


def path_modifier(ctx: FieldContext, raw: Any, at: list[str | int]) -> PathModifier | None:
    """An HTTPPathModifier, or None when absent."""
    if raw is None:
        return None
    p = _mapping(ctx, raw, at)
    ptype = p.get("type")
    if not isinstance(ptype, str) or ptype not in PATH_MODIFIERS:
        raise ctx.error([*at, "type"], f"unknown path modifier type {ptype!r}",
                        hint="one of ReplaceFullPath, ReplacePrefixMatch")
    key = PATH_MODIFIERS[ptype]
    for other_type, other in PATH_MODIFIERS.items():
        if other != key and p.get(other) is not None:
            raise ctx.error([*at, other], f"type must be {other_type!r} when {other} is set")
    if p.get(key) is None:
        raise ctx.error([*at, key], f"{key} must be specified when type is set to {ptype!r}")
    value = _str(ctx, p[key], [*at, key]) or ""
    if len(value) > 1024:
        raise ctx.error([*at, key], "is longer than 1024 characters")
    if ptype == "ReplaceFullPath" and not value.startswith("/"):
        raise ctx.error([*at, key], f"path {value!r} must start with /")
    return PathModifier(type=ptype, value=value)


def redirect_spec(ctx: FieldContext, r: dict[str, Any], at: list[str | int]) -> RedirectSpec:
    """HTTPRequestRedirectFilter (statusCode defaults to 302)."""
    code = r.get("statusCode", 302)
    if isinstance(code, bool) or code not in REDIRECT_CODES:
        raise ctx.error([*at, "statusCode"], f"statusCode {code!r} is not a redirect status",
                        hint="301 or 302 (303, 307, 308 in the experimental channel)")
    scheme = r.get("scheme")
    if scheme is not None and scheme not in ("http", "https"):
        raise ctx.error([*at, "scheme"], f"unknown scheme {scheme!r}", hint="one of http, https")
    port = r.get("port")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int)
                             or not MIN_PORT <= port <= MAX_PORT):
        raise ctx.error([*at, "port"], f"port {port!r} is not a port 1-65535")
    return RedirectSpec(scheme=scheme, hostname=_precise_host(ctx, r.get("hostname"),
                                                              [*at, "hostname"]),
                        port=port, path=path_modifier(ctx, r.get("path"), [*at, "path"]),
                        status_code=code)


def rewrite_spec(ctx: FieldContext, r: dict[str, Any], at: list[str | int]) -> RewriteSpec:
    """HTTPURLRewriteFilter."""
    return RewriteSpec(hostname=_precise_host(ctx, r.get("hostname"), [*at, "hostname"]),
                       path=path_modifier(ctx, r.get("path"), [*at, "path"]))


def mirror_spec(ctx: FieldContext, r: dict[str, Any], at: list[str | int], ns: str
                ) -> MirrorSpec:
    """HTTPRequestMirrorFilter: its backendRef and the share mirrored (100% by default)."""
    bat = [*at, "backendRef"]
    ref = _mapping(ctx, r.get("backendRef"), bat)
    name = _str(ctx, ref.get("name"), [*bat, "name"], required=True)
    kind = _str(ctx, ref.get("kind"), [*bat, "kind"]) or "Service"
    group = ref.get("group", "")
    if not isinstance(group, str):
        raise ctx.error([*bat, "group"], f"{group!r} is not a string")
    port = ref.get("port")
    if port is None and kind == "Service" and group == "":
        raise ctx.error([*bat, "port"], "is required for a Service backend")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int)
                             or not MIN_PORT <= port <= MAX_PORT):
        raise ctx.error([*bat, "port"], f"port {port!r} is not a port 1-65535")
    if r.get("percent") is not None and r.get("fraction") is not None:
        raise ctx.error([*at, "fraction"], "only one of fraction or percent may be specified")
    fraction = 1.0
    if r.get("percent") is not None:
        pct = r["percent"]
        if isinstance(pct, bool) or not isinstance(pct, int) or not 0 <= pct <= 100:
            raise ctx.error([*at, "percent"], f"percent {pct!r} is not 0-100")
        fraction = pct / 100
    elif r.get("fraction") is not None:
        f = _mapping(ctx, r["fraction"], [*at, "fraction"])
        num, den = f.get("numerator"), f.get("denominator", 100)
        if (isinstance(num, bool) or not isinstance(num, int) or isinstance(den, bool)
                or not isinstance(den, int) or num < 0 or den < 1 or num > den):
            raise ctx.error([*at, "fraction"], f"fraction {num!r}/{den!r} is not a fraction "
                            "0 <= numerator <= denominator, denominator >= 1")
        fraction = num / den
    assert name is not None
    backend = BackendRef(namespace=_str(ctx, ref.get("namespace"), [*bat, "namespace"]) or ns,
                         name=name, port=port, kind=kind, group=group,
                         field=ctx.ref(bat).field or "", source=ctx.ref(bat))
    return MirrorSpec(backend=backend, fraction=fraction)


def check_prefix_replacement(ctx: FieldContext, filters: list[Any], raw_matches: Any,
                             at: list[str | int]) -> None:
    """A ReplacePrefixMatch needs exactly one PathPrefix match (the CRD's CEL rule).

    Omitted matches default to one ``PathPrefix /`` match before the rule is checked.
    """
    uses = [f for f in filters if f is not None and (
        (f.redirect is not None and f.redirect.path is not None
         and f.redirect.path.type == "ReplacePrefixMatch")
        or (f.rewrite is not None and f.rewrite.path is not None
            and f.rewrite.path.type == "ReplacePrefixMatch"))]
    if not uses:
        return
    matches = raw_matches if isinstance(raw_matches, list) else None
    if raw_matches is None:
        return
    ok = matches is not None and len(matches) == 1 and isinstance(matches[0], dict) and (
        (matches[0].get("path") or {}).get("type", "PathPrefix") == "PathPrefix")
    if not ok:
        kind = "RequestRedirect" if uses[0].redirect is not None else "URLRewrite"
        raise ctx.error([*at, "matches"], f"when using {kind} filter with "
                        "path.replacePrefixMatch, exactly one PathPrefix match must be "
                        f"specified ({uses[0].field})")


def rewrite_detail(spec: RewriteSpec) -> str:
    """``Host -> a.example, path prefix -> /v2``: a URLRewrite in words."""
    parts = [f"Host -> {spec.hostname}"] if spec.hostname else []
    if spec.path is not None:
        what = "path" if spec.path.type == "ReplaceFullPath" else "path prefix"
        parts.append(f"{what} -> {spec.path.value or '(removed)'}")
    return ", ".join(parts) or "no change"
