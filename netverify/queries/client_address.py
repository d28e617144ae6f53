"""Which source address the proxy pods see for a request from outside.

A request that enters through a NodePort or LoadBalancer Service with
``externalTrafficPolicy: Cluster`` is SNATed to a node's address by kube-proxy
(Kubernetes docs, Using Source IP: "packets sent to Services with Type=NodePort are
source NAT'd by default"), so an ingress ``ipBlock`` naming the client's CIDR does not
see the client; ``Local`` "preserves the client source IP".  Some plugins replace
kube-proxy and keep the address (Cilium with DSR): ``CniProfile.client_address_kept``
says what the plugin does, None where its configuration decides.  A request received
on a container or host port is not translated.
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.cni import CniProfile
from netverify.model import Service


@dataclass(frozen=True, slots=True)
class ClientAddress:
    """Whether the pods behind ``service`` see the client's address, and why."""

    service: str
    kept: bool | None  # None: the plugin's configuration decides
    why: str

    def note(self, proxy: str) -> str | None:
        """The path note for a Service that translates (or may translate) the address."""
        if self.kept:
            return None
        how = "is SNATed" if self.kept is False else "may be SNATed"
        return (f"externalTrafficPolicy Cluster on Service {self.service}: the client address "
                f"{how} to a node address before it reaches {proxy} ({self.why}); "
                "NetworkPolicy ipBlocks there see the node, not the client "
                "(externalTrafficPolicy Local keeps the client address)")


def client_address(svc: Service, prof: CniProfile | None) -> ClientAddress | None:
    """What the pods behind ``svc`` see as the source of a request from outside.

    None when ``svc`` is not a NodePort or LoadBalancer Service; with ``prof`` None
    (``--policy-only``) the address is taken as kept: the policy answer alone.
    """
    if not svc.external:
        return None
    if svc.external_traffic_policy == "Local":
        return ClientAddress(svc.key, True, "externalTrafficPolicy Local")
    if prof is None:
        return ClientAddress(svc.key, True, "--policy-only: the CNI is not considered")
    why = f"{prof.label}: {prof.client_address_source}" if prof.client_address_source \
        else prof.label
    return ClientAddress(svc.key, prof.client_address_kept, why)
