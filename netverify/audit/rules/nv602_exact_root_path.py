"""NV602: ``pathType: Exact`` on ``/`` when a request for a path below ``/`` gets no route.

Judged by asking ``netverify.routing`` (what ``can-reach`` answers) where a probe
request for a path below ``/`` goes: per host, among all the Ingresses of the class
(``audit/ingresses.py``), and for an HTTPRoute on every Gateway listener it attaches
to.  This way the rule agrees with routing on what merges (several Ingresses for one
host) and what shadows (a host's rules hide the host-less ones).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from netverify import routing
from netverify.audit.ingresses import class_text, ingress_groups
from netverify.audit.registry import Finding, Related, Rule, Severity, register
from netverify.model import Cluster, HTTPRoute, Ingress, PathMatch, Route

PROBE_PATH = "/__netverify_probe/x"  # a path below / that no real rule names
_PROBE_LABEL = "netverify-probe"


def probe_host(pattern: str | None) -> str:
    """A request host a rule for ``pattern`` serves (None: a host no rule names)."""
    if pattern is None:
        return f"{_PROBE_LABEL}.invalid"
    if pattern.startswith("*."):
        return _PROBE_LABEL + pattern[1:]
    return pattern


def _is_exact_root(m: PathMatch) -> bool:
    return m.path == "/" and m.path_type == "Exact"


def _same_service(a: Route, b: Route) -> bool:
    """Whether two routes share a backend (kind, namespace, name)."""
    return bool({(x.kind, x.namespace, x.name) for x in a.backends}
                & {(x.kind, x.namespace, x.name) for x in b.backends})


def _catch_all(route: Route) -> bool:
    """Whether the route answers every path below ``/`` (a prefix ``/`` or a default backend)."""
    if route.is_default or not route.matches:
        return True
    return any(m.path == "/" and m.path_type in ("Prefix", "ImplementationSpecific")
               and not m.headers and m.method is None for m in route.matches)


def _own_rules_miss(hr: HTTPRoute, route: Route) -> bool:
    """For an HTTPRoute attached to no Gateway of the input: none of its own rules catch all.

    Without the Gateway the other routes sharing its listener are unknown, so only the
    route's own rules are looked at.
    """
    return not any(_catch_all(other) and (not route.hosts or not other.hosts
                                          or set(route.hosts) & set(other.hosts))
                   for other in hr.routes)


@register
class ExactRootPath(Rule):
    """pathType Exact on / with nothing serving the paths below it

    **Anti-pattern**

    A single-page application routed with an exact match on ``/``::

        paths:
          - path: /
            pathType: Exact
            backend: {service: {name: frontend, port: {number: 80}}}

    **Why it hurts**

    Only the request for ``/`` itself reaches the application. The app's client-side
    routes (``/orders/42``) work while the user clicks through them, but a refresh, a
    bookmark or a shared link requests that path from the server, which matches no rule
    and answers 404. Assets under ``/static/`` fail the same way.

    How it is decided: a request for a path below ``/`` on the rule's host is routed as
    ``can-reach`` routes it. For an Ingress, every Ingress of the same class counts
    (controllers merge them per host), and only the rules of the most specific host do
    (a host's rules hide the host-less ones, so a host-less ``Prefix /`` does not help
    ``app.example.com``). A default backend counts when it is the Ingress's own or
    sends the paths to the same Service, not when another Ingress's default backend
    sends them elsewhere. For an HTTPRoute, every route attached to the same Gateway
    listener counts; a route whose Gateway is not in the input is judged on its own
    rules.

    **Fix**

    Use a prefix match, so that every path reaches the application and its router::

        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: frontend, port: {number: 80}}}
    """

    code = "NV602"
    title = "pathType Exact on / with nothing serving the paths below it"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        for cls, group in ingress_groups(cluster).items():
            for ing in group:
                for route in ing.routes:
                    if any(_is_exact_root(m) for m in route.matches):
                        yield from self._ingress(cls, group, ing, route)
        for hr in cluster.http_routes:
            for route in hr.routes:
                for k, m in enumerate(route.matches):
                    if _is_exact_root(m):
                        yield from self._http_route(cluster, hr, route, m,
                                                    f"{route.field}.matches[{k}]")

    def _ingress(self, cls: str | None, group: list[Ingress], ing: Ingress,
                 route: Route) -> Iterator[Finding]:
        """The finding for an Ingress ``Exact /`` rule, when its probe gets no route.

        A default backend answering the probe counts as serving the paths when it is
        this Ingress's own (a landing page on ``/`` and the application behind it is a
        deliberate setup) or sends them to a Service of the ``Exact /`` rule; another
        Ingress's default backend for other Services does not (typically a 404 page or
        another application).
        """
        pattern = route.hosts[0] if route.hosts else None
        host = probe_host(pattern)
        choice = routing.choose_ingress_route(
            group, routing.Request(scheme="https", host=host, port=443, path=PROBE_PATH))
        if choice is not None and (choice.match is not None or choice.object == f"Ingress {ing.key}"
                                   or _same_service(choice.route, route)):
            return
        shown = pattern or "HOST"
        where = f"host {pattern}" if pattern else "hosts without a rule of their own"
        if choice is None:
            outcome = f"no rule of the Ingresses {class_text(cls)} for {where} matches them"
            example = f"GET http://{shown}/some/route -> 404"
        else:
            svc = ", ".join(f"{b.kind} {b.namespace}/{b.name}" for b in choice.route.backends)
            outcome = (f"only the default backend of {choice.object} ({svc}) answers them, "
                       "not the application")
            example = f"GET http://{shown}/some/route -> {svc} (default backend)"
        shadow = pattern is not None and any(
            _catch_all(r) and not r.hosts and not r.is_default for i in group for r in i.routes)
        if shadow:
            outcome += (f"; the host-less prefix / rules do not apply to {pattern}, because a "
                        "controller looks only at the rules of the most specific host")
        yield self._finding(f"Ingress {ing.key}", route, route.field, outcome, example)

    def _http_route(self, cluster: Cluster, hr: HTTPRoute, route: Route, m: PathMatch,
                    path: str) -> Iterator[Finding]:
        """The finding for an HTTPRoute ``Exact /`` match, when a listener 404s its probe."""
        attached = [(gw, li) for gw in cluster.gateways for li in gw.listeners
                    if routing.route_attaches(cluster, hr, gw, li)]
        if not attached:
            if _own_rules_miss(hr, route):
                yield self._finding(
                    f"HTTPRoute {hr.key}", route, path,
                    "no other rule of the route serves them (its Gateway is not in the input, "
                    "so other routes of the listener are not known)",
                    f"GET http://{route.hosts[0] if route.hosts else 'HOST'}/some/route -> 404")
            return
        for gw, li in attached:
            for pattern in _route_hosts(route, li.hostname):
                req = routing.Request(
                    scheme="https" if li.protocol == "HTTPS" else "http", host=probe_host(
                        pattern), port=li.port, path=PROBE_PATH, method=m.method or "GET",
                    headers=m.headers, query=m.query_params)
                listener, choice = routing.choose_http_route(cluster, gw, req)
                if listener is None or choice is not None:
                    continue
                shown = pattern or "HOST"
                yield self._finding(
                    f"HTTPRoute {hr.key}", route, path,
                    f"no HTTPRoute rule on listener {listener.name} of Gateway {gw.key} "
                    f"matches them for {f'hostname {pattern}' if pattern else 'any hostname'}",
                    f"GET {req.scheme}://{shown}/some/route -> {gw.key}: 404")
                return

    def _finding(self, obj: str, route: Route, path: str, outcome: str,
                 example: str) -> Finding:
        backends = tuple(Related(object=f"{b.kind} {b.namespace}/{b.name}",
                                 role="backend of the exact / match", source=b.source)
                         for b in route.backends)
        return self.finding(
            f"path / matches exactly and requests for the paths below it are not routed to "
            f"the application: {outcome}; a refresh on any client-side route answers 404",
            obj, path, route.source, example=example, related=backends)


def _route_hosts(route: Route, listener_host: str | None) -> Sequence[str | None]:
    """The hostnames to probe a route with on a listener: its own, else the listener's."""
    if route.hosts:
        return route.hosts
    return (listener_host,)
