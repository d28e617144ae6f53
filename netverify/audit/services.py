"""What the Service rules (NV5xx) share: endpoint resolution and how Services look.

``service_targets`` resolves every port of every selector Service to its endpoint pods
with ``netverify.queries.services.service_target`` (the same resolution ``can-reach``
uses), per namespace so that the pass stays linear in pods.  ``serves_http`` and
``is_controller_entry`` are the heuristics NV503 and NV504 use to tell an application
published on its own from an ingress controller's entry point.  Findings are the
rules' business: nothing here yields one.
"""

from __future__ import annotations

from collections.abc import Iterator

from netverify.model import Cluster, Service, ServicePort
from netverify.ports import Protocol
from netverify.queries.services import ServiceTarget, service_target

_HTTP_PORTS = frozenset({80, 443, 8000, 8080, 8443})
_HTTP_NAMES = ("http", "https", "web")
# Words in a Service's name, namespace or selector values that mark the entry point of an
# ingress controller or a gateway: that one is the single load balancer to keep.
_CONTROLLER_HINTS = ("ingress", "gateway", "traefik", "contour", "envoy", "kong", "haproxy",
                     "istio")


def service_targets(cluster: Cluster
                    ) -> Iterator[tuple[Service, int, ServicePort, ServiceTarget]]:
    """Resolve every port of every selector Service to its endpoints, with ``service_target``.

    Yields the Service, the index of the port in ``spec.ports``, the port and its target.
    Endpoints are looked up among the pods of the Service's namespace only, so the whole
    pass stays linear in pods rather than pods times Services.  ExternalName Services and
    Services without a selector (hand-managed endpoints) are left out: they have no
    endpoints to check.
    """
    by_ns = cluster.pods_by_namespace()
    for svc in cluster.services:
        if svc.type == "ExternalName" or svc.selector is None:
            continue
        for index, port in enumerate(svc.ports):
            yield svc, index, port, service_target(cluster, svc, str(port.port), port.protocol,
                                                   candidates=by_ns.get(svc.namespace, ()))


def port_text(port: ServicePort) -> str:
    """``80/TCP (http)``."""
    return f"{port.port}/{port.protocol.value}" + (f" ({port.name})" if port.name else "")


def serves_http(svc: Service) -> bool:
    """Whether a Service port looks like HTTP(S): a web port number or an ``http*`` name."""
    return any(p.protocol is Protocol.TCP and (
        p.port in _HTTP_PORTS or (p.name or "").startswith(_HTTP_NAMES)) for p in svc.ports)


def is_controller_entry(svc: Service) -> bool:
    """Whether the Service looks like an ingress controller's or a gateway's own entry point."""
    words = [svc.name, svc.namespace, *(svc.selector or {}).values()]
    return any(hint in w.lower() for w in words for hint in _CONTROLLER_HINTS)
