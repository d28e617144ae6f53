"""NV604: route backends naming a Service, or a Service port, that the input does not have.

The walk over every Ingress and HTTPRoute backend is shared with NV606
(``audit/ingresses.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.ingresses import backends
from netverify.audit.registry import Finding, Related, Rule, Severity, register
from netverify.model import Cluster, Service
from netverify.ports import Protocol


def _port_problem(svc: Service, port: int | str) -> str | None:
    """Why ``port`` (a Service port number or name) does not lead to the Service, or None."""
    # Ingress port.number and HTTPRoute port are the Service's port (not the targetPort);
    # Ingress port.name is the Service port's name.  Both carry HTTP, so TCP only.
    if isinstance(port, int):
        same = [p for p in svc.ports if p.port == port]
    else:
        same = [p for p in svc.ports if p.name == port]
    if any(p.protocol is Protocol.TCP for p in same):
        return None
    listed = ", ".join(f"{p.port}/{p.protocol.value}" + (f" ({p.name})" if p.name else "")
                       for p in svc.ports) or "none"
    what = f"port {port}" if isinstance(port, int) else f"port named {port!r}"
    if same:
        return f"its {what} is {same[0].protocol.value}, not TCP (its ports: {listed})"
    return f"it has no {what} (its ports: {listed})"


@register
class MissingBackendService(Rule):
    """Route backend naming a Service or Service port that does not exist

    **Anti-pattern**

    An Ingress or HTTPRoute sends traffic to a Service that is not deployed, is spelled
    differently, or has no such port::

        kind: Ingress
        spec:
          rules:
            - http:
                paths:
                  - path: /api
                    pathType: Prefix
                    backend: {service: {name: api-svc, port: {number: 8080}}}
        ---
        kind: Service
        metadata: {name: api}                # not api-svc
        spec: {ports: [{port: 80, targetPort: 8080}]}

    **Why it hurts**

    The controller has nowhere to send the requests: ingress-nginx answers 503 (or its
    default backend's 404), a Gateway reports ``ResolvedRefs: False`` and answers 500.
    A backend port must be the Service's ``port`` (or its name), not the pod's
    ``targetPort``.

    **Fix**

    Name the Service and one of its ports exactly::

        backend: {service: {name: api, port: {number: 80}}}
    """

    code = "NV604"
    title = "Route backend naming a Service or Service port that does not exist"
    severity = Severity.ERROR

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        services = {(s.namespace, s.name): s for s in cluster.services}
        for obj, route, b in backends(cluster):
            if b.kind != "Service":
                continue
            svc = services.get((b.namespace, b.name))
            where = f"Service {b.namespace}/{b.name}"
            host = route.hosts[0] if route.hosts else "HOST"
            path = route.matches[0].path if route.matches else "/"
            example = f"GET http://{host}{path} -> {where}"
            if svc is None:
                yield self.finding(
                    f"backend {where} is not in the input: requests routed here fail (503 at "
                    "ingress-nginx, 500 at a Gateway)", obj, b.field, b.source,
                    example=example,
                    related=(Related(object=where, role="missing backend"),))
                continue
            if b.port is None or svc.type == "ExternalName":
                continue  # ExternalName Services may omit ports: the controller proxies by name
            problem = _port_problem(svc, b.port)
            if problem is not None:
                yield self.finding(
                    f"backend {where} port {b.port}: {problem}", obj, b.field, b.source,
                    example=f"{example}:{b.port}",
                    related=(Related(object=where, role="backend Service", source=svc.source),))
