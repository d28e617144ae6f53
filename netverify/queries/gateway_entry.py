"""The TLS hop of a Gateway listener: served, or refused for a certificate not granted."""

from __future__ import annotations

from netverify.model import Cluster, Gateway, Listener
from netverify.results import Hop, HopReason, Reason
from netverify.routing_listeners import refused_certificates
from netverify.verdicts import HopStatus


def listener_tls_hop(cluster: Cluster, gw: Gateway, listener: Listener) -> Hop | None:
    """The listener's TLS hop (None for a listener without TLS).

    Blocked when every certificateRef is to another namespace that no ReferenceGrant
    permits; undecided when only some are (several references are implementation-specific).
    """
    if not listener.tls:
        return None
    refused = refused_certificates(cluster, gw, listener)
    if not refused:
        return Hop(step="TLS", status=HopStatus.OK,
                   reason=Reason(code=HopReason.LISTENER_TLS, name=listener.name))
    kept = tuple(f"{r.namespace}/{r.name}" for r in listener.certificate_refs
                 if f"{r.namespace}/{r.name}" not in {x.secret for x in refused})
    return Hop(step="TLS", status=HopStatus.UNDECIDED if kept else HopStatus.BLOCKED,
               reason=Reason(code=HopReason.CERTIFICATE_REF_NOT_PERMITTED, name=listener.name,
                             obj=", ".join(r.secret for r in refused),
                             namespace=", ".join(sorted({r.namespace for r in refused})),
                             grants=tuple(g for r in refused for g in r.grants),
                             blocked=kept),
               source=gw.source)
