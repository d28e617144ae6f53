"""NV507: Services whose numeric targetPort a single-container endpoint pod does not declare.

Endpoints come from ``audit/services.py``.  Only pods with one container are judged:
the model merges the declared ports of a pod's containers, so for a pod with several
(an application next to a mesh sidecar) it cannot tell whether the container that
declares nothing is the one listening on the targetPort.
"""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.naming import related_workloads, workload_object
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.audit.services import port_text, service_targets
from netverify.audit.text import first_few
from netverify.model import Cluster


@register
class TargetPortNotDeclared(Rule):
    """Service targetPort number that the endpoint pods do not declare

    **Anti-pattern**

    The Service forwards to a port number none of the endpoint's declared container
    ports has, while the pod does declare its ports::

        kind: Service
        spec:
          selector: {app: api}
          ports: [{port: 80, targetPort: 8080}]
        ---
        kind: Deployment
        spec:
          template:
            spec:
              containers:
                - ports: [{containerPort: 3000}]   # the app listens on 3000

    **Why it hurts**

    ``containerPort`` is informational: traffic reaches port 8080 whether it is declared
    or not. But when a pod lists its ports and the Service's port is not among them, the
    Service usually points at the wrong port (the image changed its port, a copy-paste
    from another chart), and every connection through the Service is refused by the pod.

    Only endpoint pods with a single container (init and sidecar containers included)
    are judged. A pod's declared ports are known only for the pod as a whole, so with
    several containers (an application that declares nothing next to an ``istio-proxy``
    or ``linkerd-proxy`` declaring its metrics port) the one that declares nothing may
    well listen on the targetPort, and a finding would be a guess. Pods that declare no
    ports at all are not judged either.

    **Fix**

    Point ``targetPort`` at the port the container declares, preferably by name so that
    the two cannot drift apart::

        ports: [{port: 80, targetPort: http}]
        ---
        containers:
          - ports: [{name: http, containerPort: 3000}]
    """

    code = "NV507"
    title = "Service targetPort number that the endpoint pods do not declare"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        for svc, index, port, target in service_targets(cluster):
            tp = port.target_port
            if not isinstance(tp, int):
                continue
            # Pods that declare no ports say nothing either way, and neither do pods with
            # several containers: their declared ports are merged, so a container that
            # declares none (next to a sidecar that does) may listen on tp unseen.
            missing = [pod for pod, _ in target.endpoints
                       if len(pod.containers) <= 1 and pod.container_ports and not any(
                           cp.port == tp and cp.protocol is port.protocol
                           for cp in pod.container_ports)]
            if not missing:
                continue
            names = sorted({workload_object(p) for p in missing})
            declared = sorted({f"{cp.port}/{cp.protocol.value}" for p in missing
                               for cp in p.container_ports})
            yield self.finding(
                f"port {port_text(port)} forwards to targetPort {tp}, which the endpoint pods "
                f"of {first_few(names)} do not declare (they declare {first_few(declared)}): "
                "connections through the Service are refused unless the container listens "
                f"on {tp} anyway",
                f"Service {svc.key}", f"spec.ports[{index}].targetPort", svc.source,
                example=f"svc/{svc.key}:{port.port} -> {missing[0].key} "
                        f"{port.protocol.value} {tp}",
                related=related_workloads(missing, "endpoint not declaring the port"))
