"""The endpoints of a Service without a selector, from its EndpointSlices.

Kubernetes: a Service without a selector gets no endpoints from the control plane;
its endpoints are the EndpointSlices labelled ``kubernetes.io/service-name`` with its
name, in its namespace.  A slice's port is the Service port of the same ``name`` (""
for a Service's single unnamed port) and gives the number traffic arrives on; only
ready endpoints (``conditions.ready`` true or left out) receive traffic.  An address
that is a pod's IP is that pod; any other address is outside the pods.
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.ipblocks import Address, parse_address
from netverify.model import Cluster, Pod, Service, ServicePort


@dataclass(frozen=True, slots=True, kw_only=True)
class SliceTarget:
    """What the slices of one Service say for one of its ports."""

    slices: tuple[str, ...]  # names of the slices labelled with the Service
    pods: tuple[tuple[Pod, int | None], ...]  # ready endpoints that are pods
    addresses: tuple[tuple[Address, int | None], ...]  # ready endpoints that are not
    not_ready: int  # endpoints whose conditions.ready is false
    fqdn: tuple[str, ...] = ()  # FQDN endpoints: names, not addresses NetworkPolicy sees


def slice_target(cluster: Cluster, svc: Service, port: ServicePort | None) -> SliceTarget:
    """The ready endpoints of ``svc``'s EndpointSlices on ``port`` (by port name)."""
    slices = [s for s in cluster.endpoint_slices
              if s.namespace == svc.namespace and s.service == svc.name]
    by_ip: dict[Address, Pod] = {ip: p for p in cluster.pods if not p.host_network
                                 for ip in p.ips}
    pods: list[tuple[Pod, int | None]] = []
    addresses: list[tuple[Address, int | None]] = []
    fqdn: list[str] = []
    not_ready = 0
    for s in slices:
        number = None
        if port is not None:
            number = next((n for name, n, proto in s.ports
                           if name == (port.name or "") and proto is port.protocol), None)
        for e in s.endpoints:
            if not e.ready:
                not_ready += 1
                continue
            for text in e.addresses:
                if s.address_type == "FQDN":
                    fqdn.append(text)
                    continue
                try:
                    addr = parse_address(text)
                except ValueError:
                    continue
                pod = by_ip.get(addr)
                if pod is not None:
                    pods.append((pod, number))
                else:
                    addresses.append((addr, number))
    return SliceTarget(slices=tuple(s.name for s in slices), pods=tuple(pods),
                       addresses=tuple(addresses), not_ready=not_ready, fqdn=tuple(fqdn))
