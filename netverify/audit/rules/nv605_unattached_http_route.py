"""NV605: HTTPRoutes that cannot attach to a parent Gateway they name.

Each parentRef is checked in the order a Gateway rejects it (missing Gateway, listener,
protocol, hostnames, port, allowedRoutes); attachment itself is
``routing.route_attaches``, as ``can-reach`` decides it.
"""

from __future__ import annotations

from collections.abc import Iterator

from netverify import routing
from netverify.audit.registry import Finding, Related, Rule, Severity, register
from netverify.model import Cluster, Gateway, HTTPRoute, Listener, ParentRef

ROUTE_PROTOCOLS = ("HTTP", "HTTPS")  # listeners an HTTPRoute may attach to


def hostnames_intersect(a: str | None, b: str | None) -> bool:
    """Whether two Gateway API hostnames (None: any) can both match one request host."""
    return a is None or b is None or routing.hostnames_intersect(a, b)


def _hosts(hr: HTTPRoute) -> tuple[str, ...]:
    # The loader copies spec.hostnames onto every route; a route without rules has none.
    return hr.routes[0].hosts if hr.routes else ()


def _problem(cluster: Cluster, hr: HTTPRoute, i: int, ref: ParentRef, gw: Gateway | None
             ) -> tuple[str, str] | None:
    """(field path, message) when the route cannot attach to this parent, else None."""
    name = f"Gateway {ref.namespace}/{ref.name}"
    if gw is None:
        return f"spec.parentRefs[{i}]", f"parent {name} is not in the input: the route is " \
            "not attached to any listener and its requests are never routed"
    listeners: list[Listener] = list(gw.listeners)
    if ref.section_name is not None:
        listeners = [lst for lst in listeners if lst.name == ref.section_name]
        if not listeners:
            names = ", ".join(lst.name for lst in gw.listeners)
            return f"spec.parentRefs[{i}].sectionName", f"{name} has no listener named " \
                f"{ref.section_name!r} (its listeners: {names}): the route is not attached"
    http = [lst for lst in listeners if lst.protocol in ROUTE_PROTOCOLS]
    if not http:
        return f"spec.parentRefs[{i}]", f"{name} has no HTTP or HTTPS listener " \
            "for an HTTPRoute to attach to"
    hosts = _hosts(hr)
    if hosts and not any(hostnames_intersect(lst.hostname, h) for lst in http for h in hosts):
        shown = ", ".join(lst.hostname or "*" for lst in http)
        return "spec.hostnames", f"hostnames {', '.join(hosts)} match no listener hostname " \
            f"of {name} ({shown}): the route is not attached there"
    ported = [lst for lst in http if ref.port in (None, lst.port)]
    if not ported:
        return f"spec.parentRefs[{i}].port", f"{name} has no HTTP or HTTPS listener on port " \
            f"{ref.port}: the route is not attached"
    kinded = [lst for lst in ported if routing.listener_admits_kind(lst)]
    if not kinded:
        return f"spec.parentRefs[{i}]", f"the listeners of {name} do not take HTTPRoutes " \
            "(allowedRoutes.kinds): the route is not attached"
    ported = kinded
    if not any(routing.route_attaches(cluster, hr, gw, lst) for lst in ported):
        admits = "; ".join(f"{lst.name} admits routes from " + (
            f"namespace {gw.namespace} only" if lst.routes_from == "Same" else
            f"namespaces matching {{{lst.route_selector}}}") for lst in ported
            if lst.routes_from != "All")
        return f"spec.parentRefs[{i}]", f"the listeners of {name} do not admit routes from " \
            f"namespace {hr.namespace} (allowedRoutes: {admits}): the route is not attached"
    return None


@register
class UnattachedHttpRoute(Rule):
    """HTTPRoute that cannot attach to its parent Gateway

    **Anti-pattern**

    The route names a Gateway that is not deployed, a listener the Gateway does not
    have, or hostnames none of the Gateway's listeners accepts::

        kind: Gateway
        metadata: {name: web}
        spec:
          listeners: [{name: https, protocol: HTTPS, port: 443, hostname: "*.example.com"}]
        ---
        kind: HTTPRoute
        spec:
          parentRefs: [{name: web}]
          hostnames: [example.org]

    **Why it hurts**

    The Gateway does not accept the route (``Accepted: False``, for instance
    ``NoMatchingListenerHostname``): none of its requests reach the backends, and clients
    get the Gateway's 404 while the route looks correct on its own.

    **Fix**

    Reference an existing Gateway and listener, and use hostnames the listener accepts
    (a listener wildcard ``*.example.com`` accepts ``app.example.com`` but not
    ``example.com``)::

        spec:
          parentRefs: [{name: web, sectionName: https}]
          hostnames: [app.example.com]
    """

    code = "NV605"
    title = "HTTPRoute that cannot attach to its parent Gateway"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        gateways = {(g.namespace, g.name): g for g in cluster.gateways}
        for hr in cluster.http_routes:
            for i, ref in enumerate(hr.parents):
                if ref.kind != "Gateway":
                    continue  # a mesh parent (a Service) or another implementation's kind
                gw = gateways.get((ref.namespace, ref.name))
                problem = _problem(cluster, hr, i, ref, gw)
                if problem is None:
                    continue
                path, message = problem
                gw_name = f"Gateway {ref.namespace}/{ref.name}"
                host = _hosts(hr)[0] if _hosts(hr) else "HOST"
                yield self.finding(
                    message, f"HTTPRoute {hr.key}", path, hr.source,
                    example=f"GET http://{host}/ -> {gw_name}: 404",
                    related=(Related(object=gw_name, role="parent Gateway",
                                     source=gw.source if gw else None),))
