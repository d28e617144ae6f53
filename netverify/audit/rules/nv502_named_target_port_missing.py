"""NV502: Services whose named targetPort some endpoint pod does not declare.

Endpoints come from ``audit/services.py`` (the resolution ``can-reach`` uses): a pod
whose named port does not resolve gets no endpoint, so the finding says whether some
or all endpoints lack it.
"""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.naming import related_workloads, workload_object
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.audit.services import port_text, service_targets
from netverify.audit.text import first_few
from netverify.model import Cluster


@register
class NamedTargetPortMissing(Rule):
    """Service targetPort name that an endpoint pod does not declare

    **Anti-pattern**

    The Service forwards to a named port that the selected pods do not declare (a typo,
    or a renamed port in one of two Deployments behind the Service)::

        kind: Service
        spec:
          selector: {app: api}
          ports: [{port: 80, targetPort: http}]
        ---
        kind: Deployment
        spec:
          template:
            spec:
              containers:
                - ports: [{name: web, containerPort: 8080}]   # no port named http

    **Why it hurts**

    A named targetPort is resolved per pod, by name and protocol. A pod without that
    port gets no endpoint for it: connections to the Service port never reach it, and
    when no pod has the port, every connection to the Service port is refused. Policies
    that allow the port by name do not match either.

    **Fix**

    Give every endpoint container a port with exactly the targetPort's name and
    protocol, or use the number::

        containers:
          - ports: [{name: http, containerPort: 8080}]
    """

    code = "NV502"
    title = "Service targetPort name that an endpoint pod does not declare"
    severity = Severity.ERROR

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        for svc, index, port, target in service_targets(cluster):
            if isinstance(port.target_port, int) or not target.endpoints:
                continue
            missing = [pod for pod, number in target.endpoints if number is None]
            if not missing:
                continue
            names = sorted({workload_object(p) for p in missing})
            having = sorted({workload_object(p) for p, n in target.endpoints if n is not None})
            if not having:
                who = f"no endpoint pod ({first_few(names)}) declares"
                consequence = "every connection to it fails"
            else:
                who = f"the endpoints of {first_few(names)} do not declare (those of " \
                      f"{first_few(having)} do)"
                consequence = "connections balanced onto them fail"
            yield self.finding(
                f"port {port_text(port)} forwards to targetPort {port.target_port!r}, which "
                f"{who} as a {port.protocol.value} container port: {consequence}",
                f"Service {svc.key}", f"spec.ports[{index}].targetPort", svc.source,
                example=f"svc/{svc.key}:{port.port} -> {missing[0].key} "
                        f"{port.protocol.value} {port.target_port} (no such port)",
                related=related_workloads(missing, "endpoint without the port"))
