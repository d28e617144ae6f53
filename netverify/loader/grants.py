"""ReferenceGrant: read field by field, as the Gateway API CRD validates it.

Its ``from`` and ``to`` entries decide which cross-namespace references of routes and
Gateways are permitted (``netverify.routing_grants``), so each field is required where
the CRD requires it: a grant read loosely would permit what the cluster refuses.
"""

from __future__ import annotations

from typing import Any

from netverify.errors import show
from netverify.loader.documents import RawObject
from netverify.loader.fields import list_of, mapping, string
from netverify.loader.policies import FieldContext
from netverify.model import ReferenceGrant
from netverify.source import SourceRef

# ReferencePolicy is the v1alpha2 name of ReferenceGrant (same spec).
GRANT_VERSIONS = {"gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1",
                  "gateway.networking.k8s.io/v1alpha2"}
POLICY_VERSIONS = {"gateway.networking.k8s.io/v1alpha2"}
MAX_ENTRIES = 16  # the CRD's MaxItems of from and to


def _group(ctx: FieldContext, value: Any, path: list[str | int]) -> str:
    """A required group: "" (the core group) is a value, an absent field is an error."""
    if value is None:
        raise ctx.error(path, "is required", hint='"" is the core group (Service, Secret)')
    if not isinstance(value, str):
        raise ctx.error(path, f"{show(value)} is not a string")
    return value


def _required(ctx: FieldContext, value: Any, path: list[str | int]) -> str:
    text = string(ctx, value, path, required=True)
    assert text is not None
    return text


def _entries(ctx: FieldContext, spec: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    items = list_of(ctx, spec.get(key), ["spec", key])
    if not items:
        raise ctx.error(["spec", key], "needs at least one entry")
    if len(items) > MAX_ENTRIES:
        raise ctx.error(["spec", key], f"has {len(items)} entries; at most {MAX_ENTRIES}")
    return [(i, mapping(ctx, e, ["spec", key, i])) for i, e in enumerate(items)]


def build_reference_grant(raw: RawObject, src: SourceRef) -> ReferenceGrant:
    """Validate a ReferenceGrant (or ReferencePolicy) and keep its ``from`` and ``to``."""
    ctx = FieldContext(raw, src)
    spec = mapping(ctx, raw.data.get("spec"), ["spec"])
    sources = tuple(
        (_group(ctx, e.get("group"), ["spec", "from", i, "group"]),
         _required(ctx, e.get("kind"), ["spec", "from", i, "kind"]),
         _required(ctx, e.get("namespace"), ["spec", "from", i, "namespace"]))
        for i, e in _entries(ctx, spec, "from"))
    targets = tuple(
        (_group(ctx, e.get("group"), ["spec", "to", i, "group"]),
         _required(ctx, e.get("kind"), ["spec", "to", i, "kind"]),
         string(ctx, e.get("name"), ["spec", "to", i, "name"]))
        for i, e in _entries(ctx, spec, "to"))
    return ReferenceGrant(namespace=src.namespace or "default", name=src.name or "",
                          sources=sources, targets=targets, source=src)
