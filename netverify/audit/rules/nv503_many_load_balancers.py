"""NV503: HTTP LoadBalancer Services, from three on, where one Ingress or Gateway would do.

Which Services serve HTTP and which are a controller's own entry point is decided in
``audit/services.py`` (NV504 uses the same test).
"""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.registry import Finding, Related, Rule, Severity, register
from netverify.audit.services import is_controller_entry, serves_http
from netverify.model import Cluster

THRESHOLD = 3  # HTTP LoadBalancer Services (controllers aside) from which one entry point pays
MAX_RELATED = 10  # the others named per finding; the message gives the count


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
