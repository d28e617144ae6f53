"""NV503, and how the exposure rules recognise HTTP Services and ingress controllers."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.registry import Finding, Related, Rule, Severity, register
from netverify.model import Cluster, Service
from netverify.ports import Protocol

THRESHOLD = 3  # HTTP LoadBalancer Services (controllers aside) from which one entry point pays
MAX_RELATED = 10  # the others named per finding; the message gives the count

_HTTP_PORTS = frozenset({80, 443, 8000, 8080, 8443})
_HTTP_NAMES = ("http", "https", "web")
# Words in a Service's name, namespace or selector values that mark the entry point of an
# ingress controller or a gateway: that one is the single load balancer to keep.
_CONTROLLER_HINTS = ("ingress", "gateway", "traefik", "contour", "envoy", "kong", "haproxy",
                     "istio")


def serves_http(svc: Service) -> bool:
    """Whether a Service port looks like HTTP(S): a web port number or an ``http*`` name."""
    return any(p.protocol is Protocol.TCP and (
        p.port in _HTTP_PORTS or (p.name or "").startswith(_HTTP_NAMES)) for p in svc.ports)


def is_controller_entry(svc: Service) -> bool:
    """Whether the Service looks like an ingress controller's or a gateway's own entry point."""
    words = [svc.name, svc.namespace, *(svc.selector or {}).values()]
    return any(hint in w.lower() for w in words for hint in _CONTROLLER_HINTS)


@register
class ManyLoadBalancers(Rule):
    """LoadBalancer Service for HTTP where one Ingress or Gateway would do

    **Anti-pattern**

    Every web application gets its own cloud load balancer::

        kind: Service
        metadata: {name: shop}
        spec: {type: LoadBalancer, ports: [{port: 443}]}
        ---
        kind: Service
        metadata: {name: blog}
        spec: {type: LoadBalancer, ports: [{port: 443}]}
        # ... and a third, a fourth

    **Why it hurts**

    Each LoadBalancer Service provisions a cloud load balancer with its own public IP
    and bill, and its own place to configure TLS, source ranges and logging. Costs grow
    with every application, and so does the attack surface to review.

    **Fix**

    Make the applications ClusterIP Services behind one Ingress controller (or one
    Gateway) that routes by host and path, and keep a single LoadBalancer for it::

        kind: Service
        metadata: {name: shop}
        spec: {type: ClusterIP, ports: [{port: 80, targetPort: http}]}
        ---
        kind: Ingress
        spec:
          rules:
            - host: shop.example.com
              http:
                paths:
                  - {path: /, pathType: Prefix,
                     backend: {service: {name: shop, port: {number: 80}}}}
    """

    code = "NV503"
    title = "LoadBalancer Service for HTTP where one Ingress or Gateway would do"
    severity = Severity.INFO

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        # One finding per Service, each naming the others: the change is made (and a
        # netverify.io/ignore annotation put) on each Service, not on the cluster.
        lbs = [s for s in cluster.services if s.type == "LoadBalancer" and serves_http(s)
               and not is_controller_entry(s)]
        if len(lbs) < THRESHOLD:
            return
        for svc in lbs:
            others = [s for s in lbs if s is not svc][:MAX_RELATED]
            ports = ", ".join(str(p.port) for p in svc.ports)
            yield self.finding(
                f"one of {len(lbs)} LoadBalancer Services serving HTTP (port {ports}), each "
                "with its own cloud load balancer and public IP: one Ingress controller or "
                "Gateway could route to all of them by host and path",
                f"Service {svc.key}", "spec.type", svc.source,
                related=tuple(Related(object=f"Service {s.key}",
                                      role="another HTTP LoadBalancer Service", source=s.source)
                              for s in others))
