"""Access controls a proxy applies that netverify does not evaluate.

A request can be refused after NetworkPolicy lets it in: an HTTPRoute's ``ExtensionRef``
or ``ExternalAuth`` filter, or an Ingress annotation asking the controller for a source
allowlist, authentication or raw configuration.  netverify follows none of them, so a
path through one is *undecided*, never a confident "reachable" (a path already blocked
stays blocked: these controls only refuse or answer in the backend's place).

Sources, one per entry below: the Gateway API reference (``HTTPRouteFilter``:
"ExtensionRef ... implementation-specific"; "If a reference to a custom resource cannot
be resolved, the filter MUST NOT be skipped"; ``ExternalAuth`` in the experimental
channel), the ingress-nginx annotations reference, Traefik's Kubernetes Ingress
annotations, HAProxy Kubernetes Ingress Controller and haproxy-ingress annotations, the
AWS Load Balancer Controller's Ingress annotations, GKE's Ingress annotations, Kong's
``konghq.com/plugins``, NGINX Inc's ``nginx.org`` annotations and Apache APISIX's.
Annotations that change only headers, timeouts, rate limits or TLS versions are not
listed: they do not decide whether a request reaches the backend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from netverify.model import RouteFilter


@dataclass(frozen=True, slots=True)
class Control:
    """One control on a path: what it is, where it is set and what it may do."""

    name: str  # the filter type or the annotation key
    field: str  # spec.rules[0].filters[1], or metadata.annotations
    why: str  # "may refuse ...": what it does to a request, in words


_ALWAYS: Callable[[str, int], bool] = lambda value, port: True  # noqa: E731


def _on(*values: str) -> Callable[[str, int], bool]:
    return lambda value, port: value.strip().lower() in values


# ingress-nginx reads its annotations under a configurable prefix
# (``--annotations-prefix``): the default and the one it had before.
_NGINX_PREFIXES = ("nginx.ingress.kubernetes.io/", "ingress.kubernetes.io/")
_NGINX: dict[str, tuple[str, Callable[[str, int], bool]]] = {
    "whitelist-source-range": ("admits only clients from {v} (403 to the others)", _ALWAYS),
    "allowlist-source-range": ("admits only clients from {v} (403 to the others)", _ALWAYS),
    "denylist-source-range": ("refuses clients from {v} (403)", _ALWAYS),
    "auth-url": ("asks {v} before forwarding; requests it refuses get 401 or 403", _ALWAYS),
    "auth-type": ("requires {v} authentication: requests without credentials get 401",
                  _ALWAYS),
    "auth-tls-verify-client": ("requires a client certificate (400 without one)", _on("on")),
    "configuration-snippet": ("adds raw nginx configuration to the location, which may "
                              "refuse or answer requests (deny, return)", _ALWAYS),
    "server-snippet": ("adds raw nginx configuration to the server, which may refuse or "
                       "answer requests (deny, return)", _ALWAYS),
    "permanent-redirect": ("answers every request with a redirect to {v}", _ALWAYS),
    "temporal-redirect": ("answers every request with a redirect to {v}", _ALWAYS),
    "app-root": ("redirects requests for / to {v}", _ALWAYS),
    "canary": ("makes this Ingress a canary: it gets only part of the requests for its host "
               "and path (by weight, header or cookie), the main Ingress the rest",
               _on("true")),
}
_OTHERS: dict[str, tuple[str, Callable[[str, int], bool]]] = {
    "traefik.ingress.kubernetes.io/router.middlewares": (
        "runs the Traefik middlewares {v}, which may refuse requests (IPAllowList, BasicAuth, "
        "ForwardAuth)", _ALWAYS),
    "haproxy.org/allow-list": ("admits only clients from {v}", _ALWAYS),
    "haproxy.org/whitelist": ("admits only clients from {v}", _ALWAYS),
    "haproxy.org/deny-list": ("refuses clients from {v}", _ALWAYS),
    "haproxy.org/blacklist": ("refuses clients from {v}", _ALWAYS),
    "haproxy.org/auth-type": ("requires {v} authentication", _ALWAYS),
    "haproxy-ingress.github.io/allowlist-source-range": ("admits only clients from {v}",
                                                         _ALWAYS),
    "haproxy-ingress.github.io/whitelist-source-range": ("admits only clients from {v}",
                                                         _ALWAYS),
    "haproxy-ingress.github.io/denylist-source-range": ("refuses clients from {v}", _ALWAYS),
    "haproxy-ingress.github.io/auth-url": ("asks {v} before forwarding", _ALWAYS),
    "haproxy-ingress.github.io/auth-type": ("requires {v} authentication", _ALWAYS),
    "alb.ingress.kubernetes.io/inbound-cidrs": ("admits only clients from {v}", _ALWAYS),
    "alb.ingress.kubernetes.io/scheme": (
        "makes the load balancer internal: it has no address on the internet",
        _on("internal")),
    "alb.ingress.kubernetes.io/auth-type": (
        "requires {v} authentication (unauthenticated requests are redirected or get 401)",
        _on("cognito", "oidc")),
    "alb.ingress.kubernetes.io/security-groups": (
        "puts the load balancer in the security groups {v}, which decide who may connect",
        _ALWAYS),
    "alb.ingress.kubernetes.io/wafv2-acl-arn": ("filters requests through the WAF ACL {v}",
                                                _ALWAYS),
    "kubernetes.io/ingress.allow-http": (
        "turns plain HTTP off on the GKE load balancer", lambda v, port: (
            v.strip().lower() == "false" and port == 80)),
    "konghq.com/plugins": ("runs the Kong plugins {v}, which may refuse requests "
                           "(ip-restriction, authentication plugins)", _ALWAYS),
    "nginx.org/server-snippets": ("adds raw nginx configuration to the server", _ALWAYS),
    "nginx.org/location-snippets": ("adds raw nginx configuration to the location", _ALWAYS),
    "nginx.org/basic-auth-secret": ("requires basic authentication (401 without)", _ALWAYS),
    "nginx.org/policies": ("applies the NGINX Policy resources {v} (access control, JWT, "
                           "OIDC)", _ALWAYS),
    "nginx.com/jwt-key": ("requires a JSON Web Token (401 without)", _ALWAYS),
    "k8s.apisix.apache.org/allowlist-source-range": ("admits only clients from {v}",
                                                     _ALWAYS),
    "k8s.apisix.apache.org/blocklist-source-range": ("refuses clients from {v}", _ALWAYS),
}


def _entry(key: str) -> tuple[str, Callable[[str, int], bool]] | None:
    for prefix in _NGINX_PREFIXES:
        if key.startswith(prefix):
            return _NGINX.get(key[len(prefix):])
    return _OTHERS.get(key)


def ingress_controls(annotations: Mapping[str, str], port: int) -> tuple[Control, ...]:
    """The annotations of an Ingress that may refuse a request on ``port``, in key order.

    Every controller's keys are read whatever the Ingress's class: a controller ignores
    the others' prefixes, but which controller serves a class is not always known, and
    an undecided answer is wrong less often than a confident one.
    """
    out = []
    for key in sorted(annotations):
        found = _entry(key)
        value = annotations[key]
        if found is None or not found[1](value, port):
            continue
        shown = value if len(value) <= 60 else value[:57] + "..."
        out.append(Control(name=key, field="metadata.annotations",
                           why=found[0].format(v=shown.strip() or "(empty)")))
    return tuple(out)


def filter_controls(filters: Iterable[RouteFilter]) -> tuple[Control, ...]:
    """The HTTPRoute/GRPCRoute filters that may refuse or answer a request themselves."""
    out = []
    for f in filters:
        if f.type == "ExtensionRef":
            what = f" ({f.detail})" if f.detail else ""
            out.append(Control(name=f.type, field=f.field, why=(
                f"runs an implementation-specific filter{what}, which may refuse, answer or "
                "redirect the request (one whose resource does not resolve answers with an "
                "error)")))
        elif f.type == "ExternalAuth":
            out.append(Control(name=f.type, field=f.field, why=(
                "asks an external authorization service before forwarding; requests it "
                "refuses do not reach the backends")))
    return tuple(out)
