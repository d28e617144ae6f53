"""A kept NetworkPolicy as an object to write back: as the user wrote it, or from the model.

An edit is printed as the whole object (same namespace and name, so ``kubectl apply``
replaces it) with only the edited rules changed.  The object is read again from its file
when the file is there, so labels, annotations and the untouched rules stay exactly as
written (the fields the API server fills in are dropped: they would make ``apply`` fail
or mean nothing).  A policy read from stdin or from a string is written from the model:
the same meaning, in canonical form.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from netverify.errors import NetverifyError
from netverify.model import Direction, NetworkPolicy, Peer, PortSpec, Rule
from netverify.selectors import LabelSelector, Operator

SERVER_FIELDS = ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields",
                 "selfLink")


def policy_object(pol: NetworkPolicy) -> dict[str, Any]:
    """The policy as an object to edit: its own text when its file can be read again."""
    raw = _from_file(pol)
    if raw is None:
        return model_object(pol)
    out = copy.deepcopy(raw)
    out.pop("status", None)
    meta = out.get("metadata")
    if isinstance(meta, dict):
        for f in SERVER_FIELDS:
            meta.pop(f, None)
        meta.setdefault("namespace", pol.namespace)
    return out


def _from_file(pol: NetworkPolicy) -> dict[str, Any] | None:
    src = pol.source
    if src is None or not Path(src.file).is_file():
        return None
    from netverify.loader.documents import read_objects

    try:
        for obj in read_objects([src.file]):
            s = obj.source
            if (s.document, s.item) == (src.document, src.item) and obj.data.get(
                    "kind") == "NetworkPolicy" and _same(obj.data, pol):
                return obj.data
    except (NetverifyError, OSError):
        return None
    return None


def _same(data: dict[str, Any], pol: NetworkPolicy) -> bool:
    meta = data.get("metadata") or {}
    return bool(meta.get("name") == pol.name
                and meta.get("namespace", pol.namespace) == pol.namespace)


def model_object(pol: NetworkPolicy) -> dict[str, Any]:
    """The policy written from the model (the meaning it was read with)."""
    spec: dict[str, Any] = {"podSelector": selector_object(pol.pod_selector)}
    for d in (Direction.INGRESS, Direction.EGRESS):
        if pol.rules(d):
            spec[d.field] = [rule_object(r) for r in pol.rules(d)]
    if pol.types_given:
        spec["policyTypes"] = [d.value for d in (Direction.INGRESS, Direction.EGRESS)
                               if d in pol.policy_types]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": pol.name, "namespace": pol.namespace}, "spec": spec}


def rule_object(rule: Rule) -> dict[str, Any]:
    """One rule as written in ``spec.ingress``/``spec.egress``."""
    out: dict[str, Any] = {}
    if rule.peers is not None:
        out[rule.direction.peers_field] = [peer_object(p) for p in rule.peers]
    if rule.ports is not None:
        out["ports"] = [port_object(p) for p in rule.ports]
    return out


def peer_object(peer: Peer) -> dict[str, Any]:
    """One element of ``from``/``to``."""
    if peer.ip_block is not None:
        block: dict[str, Any] = {"cidr": peer.ip_block.cidr}
        if peer.ip_block.excepts:
            block["except"] = list(peer.ip_block.excepts)
        return {"ipBlock": block}
    out: dict[str, Any] = {}
    if peer.namespace_selector is not None:
        out["namespaceSelector"] = selector_object(peer.namespace_selector)
    if peer.pod_selector is not None:
        out["podSelector"] = selector_object(peer.pod_selector)
    return out


def port_object(spec: PortSpec) -> dict[str, Any]:
    """One ``ports`` entry."""
    out: dict[str, Any] = {"protocol": spec.protocol.value}
    if spec.port is not None:
        out["port"] = spec.port
    if spec.end_port is not None:
        out["endPort"] = spec.end_port
    return out


def selector_object(sel: LabelSelector) -> dict[str, Any]:
    """``matchLabels`` for single-value ``In``, ``matchExpressions`` for the rest."""
    labels: dict[str, str] = {}
    exprs: list[dict[str, Any]] = []
    for r in sel.requirements:
        if r.operator is Operator.IN and len(r.values) == 1 and r.key not in labels:
            labels[r.key] = next(iter(r.values))
            continue
        e: dict[str, Any] = {"key": r.key, "operator": r.operator.value}
        if r.operator in (Operator.IN, Operator.NOT_IN):
            e["values"] = sorted(r.values)
        exprs.append(e)
    out: dict[str, Any] = {}
    if labels:
        out["matchLabels"] = labels
    if exprs:
        out["matchExpressions"] = exprs
    return out
