"""NV602."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from netverify.audit.registry import Finding, Related, Rule, Severity, register
from netverify.model import Cluster, Route


def _catch_all(route: Route) -> bool:
    """Whether the route answers every path below ``/`` (a prefix ``/`` or a default backend)."""
    if route.is_default or not route.matches:
        return True
    return any(m.path == "/" and m.path_type in ("Prefix", "ImplementationSpecific")
               and not m.headers and m.method is None for m in route.matches)


def _shares_hosts(a: Route, b: Route) -> bool:
    return not a.hosts or not b.hosts or bool(set(a.hosts) & set(b.hosts))


def _exact_roots(routes: Sequence[Route], match_paths: bool) -> Iterator[tuple[Route, str]]:
    """(route, field path) of each ``Exact /`` match with no catch-all for its hosts."""
    for route in routes:
        for k, m in enumerate(route.matches):
            if m.path != "/" or m.path_type != "Exact":
                continue
            if any(_catch_all(other) and _shares_hosts(route, other) for other in routes):
                continue
            yield route, f"{route.field}.matches[{k}]" if match_paths else route.field


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
        for ing in cluster.ingresses:
            for route, path in _exact_roots(ing.routes, match_paths=False):
                yield self._finding(f"Ingress {ing.key}", route, path)
        for hr in cluster.http_routes:
            for route, path in _exact_roots(hr.routes, match_paths=True):
                yield self._finding(f"HTTPRoute {hr.key}", route, path)

    def _finding(self, obj: str, route: Route, path: str) -> Finding:
        host = route.hosts[0] if route.hosts else "HOST"
        backends = tuple(Related(object=f"{b.kind} {b.namespace}/{b.name}",
                                 role="backend of the exact / match", source=b.source)
                         for b in route.backends)
        return self.finding(
            "path / matches exactly and no prefix match or default backend serves the paths "
            "below it: a refresh on any client-side route answers 404",
            obj, path, route.source, example=f"GET http://{host}/some/route -> 404",
            related=backends)
