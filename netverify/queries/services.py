"""Services as destinations: ``svc/NS/NAME:PORT`` and the DNS names pods use.

A Service forwards ``port`` to ``targetPort`` on its endpoint pods (the pods its
selector matches in its namespace); a named targetPort resolves per pod, so
two endpoints may receive on different numbers.  NetworkPolicy sees the pod
and the target port, never the Service, so each endpoint gets its own verdict.
DNS names resolve as a pod's search path would: ``NAME`` in the client's own
namespace, ``NAME.NS``, ``NAME.NS.svc`` and ``NAME.NS.svc.cluster.local``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from netverify.errors import QueryError
from netverify.model import Cluster, Pod, Service, ServicePort
from netverify.ports import Protocol

_DNS = re.compile(r"^(?P<name>[a-z0-9]([-a-z0-9]*[a-z0-9])?)"
                  r"(\.(?P<ns>[a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.svc(\.cluster\.local)?)?)?\.?$")


@dataclass(frozen=True, slots=True)
class ServiceTarget:
    """A Service resolved to endpoint pods and, per pod, the port traffic arrives on."""

    service: Service
    port: ServicePort | None  # None when no port was asked
    endpoints: tuple[tuple[Pod, int | None], ...]  # (pod, target port number or None)
    notes: tuple[str, ...]


def find_service(cluster: Cluster, text: str, client_namespace: str | None) -> Service | None:
    """The Service an endpoint names (``svc/NS/NAME`` or a DNS name), or None."""
    by_key = {(s.namespace, s.name): s for s in cluster.services}
    if text.startswith("svc/"):
        ns, _, name = text[4:].partition("/")
        svc = by_key.get((ns, name))
        if svc is None:
            raise QueryError(f"no Service {ns}/{name}",
                             hint=_known(cluster, ns))
        return svc
    m = _DNS.match(text)
    if not m:
        return None
    namespace: str | None = m.group("ns") or client_namespace
    if namespace is None:
        return None
    return by_key.get((namespace, m.group("name")))


def _known(cluster: Cluster, ns: str) -> str | None:
    names = sorted(s.name for s in cluster.services if s.namespace == ns)
    return f"Services in {ns}: {', '.join(names)}" if names else f"no Services in {ns}"


def service_target(cluster: Cluster, svc: Service, port_text: str | None,
                   protocol: Protocol | None, *,
                   candidates: Sequence[Pod] | None = None) -> ServiceTarget:
    """Resolve a Service's port and endpoints.

    ``candidates`` are the pods to look among (default: every pod of the cluster); callers
    resolving many Services pass the Service's namespace from ``Cluster.pods_by_namespace``.

    Raises:
        QueryError: for an ExternalName Service, or a port the Service does not expose.
    """
    if svc.type == "ExternalName":
        raise QueryError(f"Service {svc.namespace}/{svc.name} is ExternalName "
                         f"(a DNS CNAME to {svc.external_name}); it has no endpoints in the "
                         "cluster to check")
    port: ServicePort | None = None
    if port_text is not None:
        matches = [p for p in svc.ports if (str(p.port) == port_text or p.name == port_text)
                   and (protocol is None or p.protocol is protocol)]
        if not matches:
            listed = ", ".join(f"{p.port}/{p.protocol.value}" + (f" ({p.name})" if p.name else "")
                               for p in svc.ports) or "none"
            raise QueryError(f"Service {svc.namespace}/{svc.name} has no port {port_text}",
                             hint=f"its ports: {listed}")
        port = matches[0]
    elif len(svc.ports) == 1:
        port = svc.ports[0]
    notes: list[str] = []
    if svc.selector is None:
        notes.append(f"Service {svc.namespace}/{svc.name} has no selector: its endpoints are "
                     "managed by hand (EndpointSlices are not read), so none are checked")
        return ServiceTarget(svc, port, (), tuple(notes))
    pods = [p for p in (cluster.pods if candidates is None else candidates) if svc.selects(p)]
    if not pods:
        sel = ",".join(f"{k}={v}" for k, v in svc.selector.items())
        notes.append(f"Service {svc.namespace}/{svc.name} has no endpoints: its selector {sel} "
                     f"matches no pod in {svc.namespace} (a typo in the selector or the labels?)")
    if svc.cluster_ip == "None":
        notes.append(f"Service {svc.namespace}/{svc.name} is headless: its DNS name returns the "
                     "pod IPs and clients connect to the pods directly")
    endpoints = []
    for pod in pods:
        number: int | None = None
        if port is not None:
            tp = port.target_port
            if isinstance(tp, int):
                number = tp
            else:
                found = pod.named_port(tp, port.protocol)
                number = found[0] if found else None
                if number is None:
                    notes.append(f"endpoint {pod.key} declares no container port named {tp!r}: "
                                 "traffic to it through the Service fails")
        endpoints.append((pod, number))
    if port is not None:
        notes.insert(0, f"Service {svc.namespace}/{svc.name} port {port.port}/"
                        f"{port.protocol.value} -> targetPort {port.target_port} on "
                        f"{len(pods)} endpoint pod(s)")
    return ServiceTarget(svc, port, tuple(endpoints), tuple(notes))
