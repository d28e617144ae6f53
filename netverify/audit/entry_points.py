"""The ways in from outside that the report's graph draws on its left.

LoadBalancer, NodePort and externalIPs Services, Ingresses and HTTPRoutes, each with
the workloads its Service endpoints belong to and the port traffic arrives on.  The
graph is a picture of the application; whether each way in delivers is ``paths``'s
question, so nothing here is judged.
"""

from __future__ import annotations

from netverify.errors import QueryError
from netverify.model import BackendRef, Cluster, Service
from netverify.queries.services import service_target
from netverify.results import EntryPoint


def _targets(cluster: Cluster, svc: Service, port: int | str | None
             ) -> tuple[tuple[str, str], ...]:
    try:
        target = service_target(cluster, svc, None if port is None else str(port), None)
    except QueryError:
        return ()
    out: dict[str, set[str]] = {}
    for pod, number in target.endpoints:
        proto = target.port.protocol.value if target.port else "TCP"
        if number is not None:
            out.setdefault(pod.group, set()).add(f"{proto} {number}")
    return tuple((w, ", ".join(sorted(ps))) for w, ps in sorted(out.items()))


def _service_entry(cluster: Cluster, svc: Service) -> EntryPoint | None:
    kind = svc.type if svc.external else "externalIPs" if svc.external_ips else None
    if kind is None:
        return None
    ports = ", ".join(f"{sp.protocol.value} {sp.port}" + (
        f" (node {sp.node_port})" if sp.node_port and svc.type == "NodePort" else "")
        for sp in svc.ports)
    targets: dict[str, str] = {}
    for sp in svc.ports:
        for w, label in _targets(cluster, svc, sp.port):
            targets[w] = ", ".join(sorted({*targets.get(w, "").split(", "), label} - {""}))
    return EntryPoint(kind=kind, name=svc.key, ports=ports, targets=tuple(sorted(
        targets.items())))


def _route_entry(cluster: Cluster, kind: str, name: str, refs: list[BackendRef],
                 ports: str) -> EntryPoint:
    services = {(s.namespace, s.name): s for s in cluster.services}
    targets: dict[str, set[str]] = {}
    for ref in refs:
        svc = services.get((ref.namespace, ref.name))
        if ref.kind != "Service" or ref.group or svc is None:
            continue
        for w, label in _targets(cluster, svc, ref.port):
            targets.setdefault(w, set()).update(label.split(", "))
    return EntryPoint(kind=kind, name=name, ports=ports, targets=tuple(
        (w, ", ".join(sorted(ps))) for w, ps in sorted(targets.items())))


def entry_points(cluster: Cluster) -> tuple[EntryPoint, ...]:
    """Every exposing Service, Ingress and HTTPRoute of ``cluster``, in input order."""
    out = [e for e in (_service_entry(cluster, s) for s in cluster.services) if e is not None]
    for ing in cluster.ingresses:
        tls = bool(ing.tls)
        out.append(_route_entry(cluster, "Ingress", ing.key,
                                [b for r in ing.routes for b in r.backends],
                                "TCP 80, 443" if tls else "TCP 80"))
    for hr in cluster.http_routes:
        out.append(_route_entry(cluster, "HTTPRoute", hr.key,
                                [b for r in hr.routes for b in r.backends], "HTTP"))
    return tuple(out)
