"""The namespaces a who-can-reach source family can be in.

The symbolic source's egress side is encoded once for every family; encoding it
over every policy with egress rules grows with the cluster (7,152 rule terms at
10,000 policies), while a family of the destination's ingress usually names one
namespace (a podSelector-only peer) or the few a namespaceSelector selects.  A
NetworkPolicy applies only to pods of its own namespace, so under the constraint
"the source is in one of these namespaces" the policies of the others cannot
change the answer: encoding only theirs gives the same verdicts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from netverify.model import Cluster, NetworkPolicy, Peer


@dataclass(frozen=True, slots=True)
class Scope:
    """Existing namespaces a source pod may be in, and whether a new namespace may be."""

    namespaces: frozenset[str]
    new: bool


def peer_scope(cluster: Cluster, pol: NetworkPolicy, peer: Peer) -> Scope | None:
    """Where a pod matched by ``peer`` of ``pol`` can live; None: anywhere.

    An ipBlock peer may match a pod by its address, in any namespace.
    """
    if peer.ip_block is not None:
        return None
    if peer.namespace_selector is None:
        return Scope(frozenset((pol.namespace,)), False)
    sel = peer.namespace_selector
    names = frozenset(n for n in cluster.namespaces if sel.matches(cluster.namespace_labels(n)))
    # A namespace created later may carry any labels but its own name's.
    return Scope(names, True)


def union(scopes: Iterable[Scope | None]) -> Scope | None:
    """The scope of all the families together (None as soon as one is unbounded)."""
    names: set[str] = set()
    new = False
    for s in scopes:
        if s is None:
            return None
        names |= s.namespaces
        new = new or s.new
    return Scope(frozenset(names), new)
