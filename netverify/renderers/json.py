r"""JSON: the canonical machine form of the query results, one ``*_document`` each.

Each function returns the whole document (``schema_version``, ``query``, the answer and
what it left out); ``base.JsonRenderer`` writes it with sorted keys.  Every list has a
defined order, so output is deterministic.  The paths and URL documents live with their
other formats in ``paths.py``, the audit's in ``audit.py``.  Every document has a JSON
Schema in ``netverify/schemas/`` (``docs/json-schema.md`` is generated from them).

Names are data here and stay exactly as in the manifests (a consumer must be able to
look them up): nothing is rewritten.  The text is still inert, because ``json.dumps``
writes control characters and every non-ASCII character, bidi controls included, as
``\uXXXX`` escapes.  A consumer that shows a decoded name to people escapes it itself.
"""

from __future__ import annotations

from typing import Any

from netverify.renderers.assertions import assertion_details, assertion_message
from netverify.renderers.base import SCHEMA_VERSION
from netverify.renderers.coverage import coverage_json, object_json
from netverify.results import (
    AssertionResult,
    CanReachResult,
    Cause,
    CheckReport,
    Decision,
    DiffCause,
    DiffResult,
    Endpoint,
    HypotheticalResult,
    MatrixResult,
    PairVerdict,
    RuleRef,
    SideVerdict,
    UrlOutcome,
    WhoCanReachResult,
    WitnessPod,
)
from netverify.source import SourceRef
from netverify.verdicts import Answer, GroupBy

__all__ = ["SCHEMA_VERSION", "can_reach_document", "check_document", "diff_document",
           "hypothetical_document", "matrix_document",
           "who_can_reach_document"]


def _source(src: SourceRef | None) -> dict[str, Any] | None:
    if src is None:
        return None
    return {"file": src.file, "document": src.document, "item": src.item, "line": src.line}


def _endpoint(e: Endpoint) -> dict[str, Any]:
    return {"name": e.name, "kind": e.kind, "namespace": e.namespace,
            "host_network": e.host_network}


def _rule(r: RuleRef) -> dict[str, Any]:
    return {"policy": r.policy, "direction": r.direction.value, "rule": r.rule_index,
            "peer": r.peer_index, "peer_text": r.peer, "field": r.field,
            "ports": r.ports.to_dict(), "source": _source(r.source)}


def _side(s: SideVerdict) -> dict[str, Any]:
    return {"subject": s.subject, "governed": s.governed, "external": s.external,
            "isolated": s.isolated,
            "isolated_by": [{"policy": p.policy, "source": _source(p.source)} for p in s.isolating],
            "allowed": s.allowed.to_dict(), "rules": [_rule(r) for r in s.rules],
            "undecided": s.undecided.to_dict(),
            "decided_by": [_decision(d) for d in s.tiers]}


def _decision(d: Decision) -> dict[str, Any]:
    """Who decided some ports of a side: a tier rule, NetworkPolicy or the default."""
    return {"ports": d.ports.to_dict(), "outcome": d.outcome.value, "layer": d.layer.value,
            "policy": None if d.policy is None else {
                "kind": d.policy.kind, "name": d.policy.name, "tier": d.policy.tier.value,
                "priority": d.policy.priority, "source": _source(d.policy.source)},
            "rule": None if d.rule is None else {
                "field": d.rule.field, "name": d.rule.name, "action": d.rule.written_action,
                "source": _source(d.rule.source)},
            "passed_by": [{"policy": p.key, "rule": r.field} for p, r in d.passed],
            "why": d.why, "alternatives": [_decision(a) for a in d.alternatives]}


def _pair(p: PairVerdict) -> dict[str, Any]:
    return {"from": _endpoint(p.src), "to": _endpoint(p.dst), "allowed": p.is_allowed,
            "complete": p.complete, "undecided": p.undecided.to_dict(),
            "connections": p.allowed.to_dict(), "loopback": p.loopback,
            "egress": _side(p.egress), "ingress": _side(p.ingress), "caveats": list(p.caveats)}


def _assertion(a: AssertionResult) -> dict[str, Any]:
    """One assertion: its status, reason code and facts, and the same in words."""
    return {"file": a.file, "index": a.index, "name": a.name, "expect": a.expect.value,
            "scope": a.scope.value, "status": a.status.value, "reason": a.reason.value,
            "facts": {"from": a.src, "to": a.dst, "side": a.side or None, "pairs": a.pairs,
                      "count": a.count, "pair": None if a.pair is None else _pair(a.pair),
                      "witness": _witness(a.witness),
                      "protocol": a.protocol.value if a.protocol else None, "port": a.port,
                      "port_name": a.port_name, "why": a.why or None, "notes": list(a.notes),
                      "effective": a.effective, "decided_by": a.wanted or None,
                      "causes": [_cause(c) for c in a.causes], "url": _url(a.url)},
            "message": assertion_message(a), "details": assertion_details(a),
            "counterexample": a.counterexample,
            "unevaluated": [object_json(o) for o in a.coverage.unevaluated]}


def _url(u: UrlOutcome | None) -> dict[str, Any] | None:
    """A URL assertion's request and what it got (``hop``: the step that decides)."""
    if u is None:
        return None
    return {"url": u.url, "method": u.method, "verdict": u.verdict.value,
            "statuses": list(u.statuses), "status": u.wanted, "entry": u.entry or None,
            "hop": None if u.hop is None else {
                "step": u.hop.step, "status": u.hop.status.value,
                "reason": u.hop.reason.code.value, "http_status": u.hop.reason.http_status},
            "why": u.why or None}


def _witness(w: WitnessPod | None) -> dict[str, Any] | None:
    if w is None:
        return None
    return {"namespace": w.namespace, "name": w.name, "labels": dict(w.labels),
            "namespace_labels": dict(w.namespace_labels), "existing": w.existing,
            "new_namespace": w.new_namespace, "external": w.external, "ips": list(w.ips),
            "named_ports": list(w.named_ports)}


def can_reach_document(result: CanReachResult) -> dict[str, Any]:
    """``can-reach``: every pair with both sides explained, and the CNI's answer."""
    return {
        "schema_version": SCHEMA_VERSION, "query": "can-reach",
        "src": result.src, "dst": result.dst, "host": result.host, "port": result.port,
        "port_name": result.port_name,
        "protocol": result.protocol.value if result.protocol else None,
        "allowed": result.allowed, "policy_allowed": result.policy_allowed,
        "pairs": [_pair(p) for p in result.pairs],
        "effective": None if result.effective is None else [
            {"from": p.src.name, "to": p.dst.name, "allowed": p.is_allowed,
             "complete": p.complete, "connections": p.allowed.to_dict()}
            for p in result.effective],
        "cni": result.cni, "cni_notes": list(result.cni_notes),
        "caveats": list(result.caveats), **coverage_json(result.coverage),
    }


def _cause(c: Cause) -> dict[str, Any]:
    return {"outcome": c.outcome.value, "layer": c.layer.value, "policy": c.policy,
            "rule": c.rule, "action": c.action}


def _diff_cause(c: DiffCause) -> dict[str, Any]:
    return {"from": c.src, "to": c.dst, "direction": c.direction.value,
            "protocol": c.protocol.value, "port": c.port, "old": _cause(c.old),
            "new": _cause(c.new)}


def diff_document(result: DiffResult) -> dict[str, Any]:
    """``diff``: changed rows of existing pods, and the answer over every possible pod."""
    return {
        "schema_version": SCHEMA_VERSION, "query": "diff", "old": result.old,
        "new": result.new,
        "changes": [{"from": x.src, "to": x.dst, "added": x.added.to_dict(),
                     "removed": x.removed.to_dict(), "pairs": x.pairs,
                     "complete": x.complete,
                     "because": [_diff_cause(c) for c in x.because]}
                    for x in result.rows],
        "pods_added": list(result.pods_added), "pods_removed": list(result.pods_removed),
        "any_newly_allowed": result.any_allowed.value,
        "any_newly_denied": result.any_denied.value,
        "witnesses": [{"direction": w.direction.value, "from": _witness(w.src),
                       "to": _witness(w.dst), "port": w.port,
                       "protocol": w.protocol.value, "rules": list(w.rules)}
                      for w in result.witnesses],
        "caveats": list(result.caveats), **coverage_json(result.coverage),
    }


def check_document(result: CheckReport) -> dict[str, Any]:
    """``check``: one entry per assertion, in file order."""
    return {
        "schema_version": SCHEMA_VERSION, "query": "check", "files": list(result.files),
        "passed": result.passed,
        "results": [_assertion(a) for a in result.results],
        "caveats": list(result.caveats), **coverage_json(result.coverage),
    }


def who_can_reach_document(result: WhoCanReachResult) -> dict[str, Any]:
    """``who-can-reach``: existing sources, and every possible source family."""
    return {
        "schema_version": SCHEMA_VERSION, "query": "who-can-reach", "dst": result.dst,
        "port": result.port, "protocol": result.protocol.value if result.protocol else None,
        "isolated": result.isolated,
        "existing": [{"from": k, "connections": p.to_dict()} for k, p in result.existing],
        "possible": [{"description": c.description, "connections": c.ports.to_dict(),
                      "admitted_by": c.rule, "status": c.status.value,
                      "example": _witness(c.example),
                      "blocked_example": _witness(c.blocked_example)}
                     for c in result.classes],
        "caveats": list(result.caveats), **coverage_json(result.coverage),
    }


def hypothetical_document(result: HypotheticalResult) -> dict[str, Any]:
    """``can-reach --hypothetical``: yes with a witness, no with reasons, or undecided."""
    return {
        "schema_version": SCHEMA_VERSION, "query": "can-reach-hypothetical",
        "src": result.src, "dst": result.dst, "port": result.port,
        "protocol": result.protocol.value if result.protocol else None,
        "outcome": result.outcome.value, "allowed": result.allowed,
        "witness": None if result.outcome is not Answer.YES else {
            "from": _witness(result.witness_src), "to": _witness(result.witness_dst),
            "port": result.witness_port,
            "protocol": result.witness_protocol.value if result.witness_protocol else None,
            "admitted_by": list(result.admitted_by), "verified": result.verified},
        "reasons": list(result.reasons), "caveats": list(result.caveats),
        **coverage_json(result.coverage),
    }


def matrix_document(m: MatrixResult) -> dict[str, Any]:
    """``matrix``: one entry per pair (or group pair) of ``nodes``."""
    proto = m.protocol.value if m.protocol else None
    results: list[dict[str, Any]] = []
    for c in m.cells:
        if m.by is GroupBy.POD:
            if m.port is not None:
                results.append({"from": c.src, "to": c.dst, "port": m.port, "protocol": proto,
                                "allowed": not c.allowed.is_empty, "complete": c.complete})
            elif not c.allowed.is_empty or not c.complete:
                # An undecided pair is listed even when the evaluated policies deny it.
                results.append({"from": c.src, "to": c.dst, "connections": c.allowed.to_dict(),
                                "complete": c.complete})
        else:
            entry: dict[str, Any] = {"from": c.src, "to": c.dst, "allowed_pairs": c.allowed_pairs,
                                     "pairs": c.pairs, "complete": c.complete}
            if m.port is not None:
                entry.update(port=m.port, protocol=proto)
            else:
                entry["connections"] = c.allowed.to_dict()
            results.append(entry)
    return {"schema_version": SCHEMA_VERSION, "query": "matrix", "by": m.by.value, "port": m.port,
            "protocol": proto, "nodes": list(m.rows), "results": results,
            "caveats": list(m.caveats), **coverage_json(m.coverage)}
