"""Witness pods a user can act on: an address only when it matters, and a fresh one.

A solver model may give a hypothetical pod an address that nothing needs, or
the address of an existing pod (a ``/32`` ipBlock admits exactly that pod).
``settle`` drops addresses the concrete engine's verdict does not depend on,
and ``taken`` finds the existing pods whose addresses a witness reuses, so the
query can ask for a fresh one or say that the witness needs that address.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from netverify.engines.smt.solve import Witness
from netverify.model import Cluster, Pod


def taken(cluster: Cluster, w: Witness) -> list[tuple[str, Pod]]:
    """(address, existing pod) for each address of ``w`` an existing pod already has."""
    mine = {str(ip) for ip in w.pod.ips}
    return [(str(ip), p) for p in cluster.pods if p.key != w.pod.key
            for ip in p.ips if str(ip) in mine]


def settle(w: Witness, holds: Callable[[Witness], bool]) -> Witness:
    """``w`` without its addresses when the verdict ``holds`` without them too."""
    if not w.pod.ips:
        return w
    bare = replace(w, pod=replace(w.pod, ips=()))
    return bare if holds(bare) else w


def address_notes(cluster: Cluster, w: Witness) -> list[str]:
    """What the user must know about the addresses ``w`` keeps.

    They matter, or ``settle`` would have dropped them.
    """
    if not w.pod.ips or w.pod in cluster.pods:
        return []
    addrs = ", ".join(str(i) for i in w.pod.ips)
    out = [f"the witness {w.pod.namespace}/{w.pod.name} needs the address {addrs}: an "
           "ipBlock decides it, which only matters where the CNI matches pod IPs with ipBlock"]
    for ip, holder in taken(cluster, w):
        out.append(f"{ip} is the address of the existing pod {holder.key}: no new pod can have "
                   "it while that pod exists, so the witness is that pod, or one that takes its "
                   "address after it is gone")
    return out
