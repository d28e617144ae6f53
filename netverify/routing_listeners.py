"""Whether a Gateway serves at all, before any route: its certificates and its addresses.

- ListenerTLSConfig.CertificateRefs: "References to a resource in different namespace
  are invalid UNLESS there is a ReferenceGrant in the target namespace that allows the
  certificate to be attached. If a ReferenceGrant does not allow this reference, the
  "ResolvedRefs" condition MUST be set to False for this listener with the
  "RefNotPermitted" reason."  The conformance test GatewaySecretMissingReferenceGrant
  says such a Gateway "should fail to become programmed": the listener serves nothing.
  One reference is Core; with several, what an implementation does when only some are
  permitted is its own choice, so that is undecided.
- GatewaySpec.Addresses: "The implementation MUST bind all Listeners to every
  GatewayAddress that it assigns"; when addresses are requested, a request sent to an
  IP address that is not among them does not reach this Gateway.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from netverify.model import Cluster, Gateway, Listener
from netverify.routing_grants import GATEWAY_GROUP, Reference, grant_check


@dataclass(frozen=True, slots=True, kw_only=True)
class RefusedCertificate:
    """A certificateRef no ReferenceGrant permits, and the grants there that do not."""

    secret: str  # namespace/name
    namespace: str
    field: str
    grants: tuple[tuple[str, str], ...]


def refused_certificates(cluster: Cluster, gw: Gateway, listener: Listener
                         ) -> tuple[RefusedCertificate, ...]:
    """The listener's certificateRefs to other namespaces that no ReferenceGrant permits.

    A Passthrough listener ignores them ("The certificateRefs field is ignored in this
    mode").
    """
    if listener.tls_mode != "Terminate":
        return ()
    out = []
    for ref in listener.certificate_refs:
        ok, refused = grant_check(cluster, Reference(
            from_group=GATEWAY_GROUP, from_kind="Gateway", from_namespace=gw.namespace,
            to_group=ref.group, to_kind=ref.kind, to_namespace=ref.namespace,
            to_name=ref.name))
        if not ok:
            out.append(RefusedCertificate(secret=f"{ref.namespace}/{ref.name}",
                                          namespace=ref.namespace, field=ref.field,
                                          grants=refused))
    return tuple(out)


def bound_to(gw: Gateway, host: str) -> bool:
    """Whether a request addressed to ``host`` can reach ``gw`` by its addresses.

    Only an IP address in the URL is decided: a Gateway with IPAddress ``addresses``
    listens on those and no other.  A DNS name may resolve to any of them.
    """
    try:
        addr = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return True
    ips = [v for t, v in gw.addresses if t == "IPAddress"]
    return not ips or str(addr) in ips
