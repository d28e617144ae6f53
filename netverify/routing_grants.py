"""Cross-namespace references of the Gateway API, decided by ReferenceGrants.

Gateway API, ReferenceGrant: "All cross-namespace references in Gateway API (with the
exception of cross-namespace Gateway-route attachment) require a ReferenceGrant", which
must be in the *target's* namespace; a reference is permitted when one of its ``from``
entries names the referring object's group, kind and namespace and one of its ``to``
entries the target's group and kind, and its name when ``to.name`` is set ("When
unspecified, this policy refers to all resources of the specified Group and Kind in the
local namespace").  Entries of ``from`` and of ``to`` are each combined with OR.
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.model import Cluster, ReferenceGrant

GATEWAY_GROUP = "gateway.networking.k8s.io"


@dataclass(frozen=True, slots=True, kw_only=True)
class Reference:
    """One object referring to another: (group, kind, namespace) -> (group, kind, ns, name)."""

    from_group: str
    from_kind: str
    from_namespace: str
    to_group: str
    to_kind: str
    to_namespace: str
    to_name: str


def _differs(side: str, entries: tuple[tuple[str, str, str | None], ...],
             want: tuple[str, str, str]) -> str:
    """The first field of a single entry that differs, or that none of several match."""
    if len(entries) > 1:
        return f"none of its {len(entries)} {side} entries matches"
    for field, got, wanted in zip(("group", "kind", "namespace" if side == "from" else "name"),
                                  entries[0], want, strict=True):
        if got is not None and got != wanted:
            return f"{side}.{field} is {got!r}, not {wanted!r}"
    return f"its {side} entry does not match"  # pragma: no cover - a field differs


def _mismatch(grant: ReferenceGrant, ref: Reference) -> str | None:
    """Why ``grant`` does not permit ``ref`` (the field that differs), or None."""
    source = (ref.from_group, ref.from_kind, ref.from_namespace)
    if source not in grant.sources:
        return _differs("from", tuple(grant.sources), source)
    if not any((g, k) == (ref.to_group, ref.to_kind) and name in (None, ref.to_name)
               for g, k, name in grant.targets):
        return _differs("to", grant.targets, (ref.to_group, ref.to_kind, ref.to_name))
    return None


def grant_check(cluster: Cluster, ref: Reference) -> tuple[bool, tuple[tuple[str, str], ...]]:
    """Whether ``ref`` is permitted, and the grants of its namespace that do not permit it.

    Those come as (name, why).  A reference within one namespace needs none.
    """
    if ref.from_namespace == ref.to_namespace:
        return True, ()
    refused: list[tuple[str, str]] = []
    for grant in cluster.reference_grants:
        if grant.namespace != ref.to_namespace:
            continue
        why = _mismatch(grant, ref)
        if why is None:
            return True, ()
        refused.append((grant.name, why))
    return False, tuple(refused)
