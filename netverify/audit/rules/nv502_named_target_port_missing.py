"""NV502, and the Service endpoint resolution the other Service rules share."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from netverify.audit.registry import Finding, Related, Rule, Severity, register
from netverify.model import Cluster, Pod, Service, ServicePort
from netverify.queries.services import ServiceTarget, service_target


def service_targets(cluster: Cluster
                    ) -> Iterator[tuple[Service, int, ServicePort, ServiceTarget]]:
    """Resolve every port of every selector Service to its endpoints, with ``service_target``.

    Yields the Service, the index of the port in ``spec.ports``, the port and its target.

    ``service_target`` scans ``cluster.pods``; it is given a cluster holding only the
    Service's namespace, so that the whole pass stays linear in pods per namespace
    rather than pods times Services.  ExternalName Services and Services without a
    selector (hand-managed endpoints) are left out: they have no endpoints to check.
    """
    by_ns: dict[str, list[Pod]] = {}
    for pod in cluster.pods:
        by_ns.setdefault(pod.namespace, []).append(pod)
    views: dict[str, Cluster] = {}
    for svc in cluster.services:
        if svc.type == "ExternalName" or svc.selector is None:
            continue
        if svc.namespace not in views:
            views[svc.namespace] = replace(cluster, pods=tuple(by_ns.get(svc.namespace, ())))
        for index, port in enumerate(svc.ports):
            yield svc, index, port, service_target(views[svc.namespace], svc, str(port.port),
                                            port.protocol)


def workload(pod: Pod) -> str:
    """``Deployment ns/name`` for a template or a pod of a known workload, else ``Pod ns/name``."""
    if pod.workload and pod.workload_kind:
        return f"{pod.workload_kind} {pod.namespace}/{pod.workload}"
    return f"{pod.kind} {pod.key}"


def related_workloads(pods: list[Pod], role: str) -> tuple[Related, ...]:
    """One ``Related`` per workload of ``pods`` (replicas collapse into their workload)."""
    out: dict[str, Related] = {}
    for pod in pods:
        name = workload(pod)
        if name not in out:
            out[name] = Related(object=name, role=role, source=pod.source)
    return tuple(out[k] for k in sorted(out))


def shown(names: list[str], limit: int = 5) -> str:
    """``a, b, c`` with ``, ... (N in all)`` past ``limit``."""
    head = ", ".join(names[:limit])
    return head + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def port_text(port: ServicePort) -> str:
    """``80/TCP (http)``."""
    return f"{port.port}/{port.protocol.value}" + (f" ({port.name})" if port.name else "")


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
            names = sorted({workload(p) for p in missing})
            having = sorted({workload(p) for p, n in target.endpoints if n is not None})
            if not having:
                who = f"no endpoint pod ({shown(names)}) declares"
                consequence = "every connection to it fails"
            else:
                who = f"the endpoints of {shown(names)} do not declare (those of " \
                      f"{shown(having)} do)"
                consequence = "connections balanced onto them fail"
            yield self.finding(
                f"port {port_text(port)} forwards to targetPort {port.target_port!r}, which "
                f"{who} as a {port.protocol.value} container port: {consequence}",
                f"Service {svc.key}", f"spec.ports[{index}].targetPort", svc.source,
                example=f"svc/{svc.key}:{port.port} -> {missing[0].key} "
                        f"{port.protocol.value} {port.target_port} (no such port)",
                related=related_workloads(missing, "endpoint without the port"))
