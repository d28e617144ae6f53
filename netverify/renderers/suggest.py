"""``suggest``: the policies as YAML, the explanation as text, the proposal as JSON.

The YAML is the text the proof read back (``SuggestResult.documents``, written by
``policy_yaml``), under a comment header with the proof.  When the proof failed or the
intent cannot be met, the YAML holds the reasons as comments and no object: output piped
into ``kubectl apply`` must never apply policies that were not proved.
"""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from netverify.policy_yaml import all_documents, namespace_documents
from netverify.renderers.base import SCHEMA_VERSION, RenderOptions, finish, paint, sanitize
from netverify.renderers.coverage import coverage_json
from netverify.results import ProofStatus, SuggestResult

_MARK = {ProofStatus.PROVED: "proved", ProofStatus.FAILED: "FAILED",
         ProofStatus.UNDECIDED: "undecided", ProofStatus.SKIPPED: "skipped"}
_COLOR = {ProofStatus.PROVED: "green", ProofStatus.FAILED: "red",
          ProofStatus.UNDECIDED: "yellow", ProofStatus.SKIPPED: "yellow"}
SHOWN_MISMATCHES = 50


def _line(text: str) -> str:
    return "# " + sanitize(text, newlines=False)


def _verdict(r: SuggestResult) -> str:
    if r.failed:
        return "NOT PROVED: the suggestion does not meet the intent (nothing to apply)"
    if not r.proved or not r.coverage.complete:
        return "UNDECIDED: the proof is incomplete (see below)"
    return (f"PROVED on the input's pods ({r.pod_pairs:,} ordered pod pairs, "
            f"{r.workload_pairs:,} workload pairs checked)")


def _header(r: SuggestResult) -> list[str]:
    mode = "replace the touched namespaces' policies" if r.replace else "keep existing policies"
    out = [_line(f"netverify suggest: intent {r.intent}; {mode}; default deny in "
                 f"{', '.join(r.namespaces) or 'no namespace'}"),
           _line(_verdict(r))]
    out += [_line(f"  {_MARK[c.status]}: {c.name}: {c.detail}") for c in r.checks]
    out += [_line(f"cannot be met: {u}") for u in r.unmet]
    for m in r.mismatches[:SHOWN_MISMATCHES]:
        out.append(_line(f"differs: {m.src} -> {m.dst}: intended {m.intended}, allowed "
                         f"{m.actual} ({m.pairs} pod pairs): {m.reason}"))
    if len(r.mismatches) > SHOWN_MISMATCHES:
        out.append(_line(f"... and {len(r.mismatches) - SHOWN_MISMATCHES} more differing pairs"))
    if r.removed:
        out.append(_line(f"replaces (delete these): {', '.join(r.removed)}"))
    out += [_line(f"edits (applied below, whole): {e.key}: {e.reason}")
            for e in r.edits if e.action == "edit"]
    out += [_line(f"delete (kubectl delete networkpolicy -n {e.namespace} {e.name}): {e.key}: "
                  f"{e.reason}") for e in r.edits if e.action == "delete"]
    out += [_line(f"note: {n}") for n in r.notes]
    out += [_line(f"not evaluated: {o.kind} {o.namespace + '/' if o.namespace else ''}"
                  f"{o.name}") for o in r.coverage.unevaluated]
    return out


def render_suggest_yaml(r: SuggestResult, opts: RenderOptions) -> str:
    """The policies to apply (only when proved), under the proof as comments."""
    head = "\n".join(_header(r)) + "\n"
    if r.failed:
        return head
    # Written again from the policies by the writer the proof's text came from: the same
    # text (``documents``), and safe whatever the names hold.
    body = all_documents(namespace_documents(r.policies, r.flows))
    return sanitize(head + "---\n" + body)


def render_suggest_text(r: SuggestResult, opts: RenderOptions) -> str:
    """``--explain``: the proof, then each policy's rules with the flows they serve."""
    lines = [paint(_verdict(r), "green" if r.proved and not r.failed else "red", opts), ""]
    lines.append(tabulate([[paint(_MARK[c.status], _COLOR[c.status], opts), c.name, c.detail]
                           for c in r.checks], headers=["proof", "check", "detail"]))
    for u in r.unmet:
        lines.append(f"cannot be met: {u}")
    if r.mismatches:
        lines += ["", tabulate([[m.src, m.dst, str(m.intended), str(m.actual), m.pairs, m.reason]
                                for m in r.mismatches[:SHOWN_MISMATCHES]],
                               headers=["from", "to", "intended", "allowed", "pod pairs",
                                        "why"])]
    lines += ["", f"intent: {r.intent}; default deny (ingress and egress) in: "
                  f"{', '.join(r.namespaces) or 'none'}"]
    if r.removed:
        lines.append(f"replaced (delete): {', '.join(r.removed)}")
    if r.kept:
        lines.append(f"kept: {', '.join(r.kept)}")
    if r.edits:
        lines += ["", tabulate([[e.key, e.action, f"{x.direction.value}[{x.index}]", x.old,
                                 "\n".join(x.new) or "(dropped)", "\n".join(x.lost),
                                 "\n".join(x.kept)]
                                for e in r.edits for x in e.rules],
                               headers=["edited policy", "action", "rule", "was", "now",
                                        "flows lost", "flows kept"])]
    rows = []
    for pol in r.policies:
        if pol.edit is not None:
            continue
        if not pol.rules:
            rows.append([pol.key, "-", "(default deny)", "-", "-"])
        for rule in pol.rules:
            flows = "; ".join(f"{r.flows[i].src} -> {r.flows[i].dst}" for i in rule.flows[:5])
            more = f" (+{len(rule.flows) - 5})" if len(rule.flows) > 5 else ""
            rows.append([pol.key, rule.direction.value, ", ".join(rule.peers),
                         ", ".join(rule.ports), flows + more])
    lines += ["", tabulate(rows, headers=["policy", "direction", "peers", "ports",
                                          "flows served"])]
    lines += [f"note: {n}" for n in r.notes]
    lines += [f"not evaluated (could change the answer): {o.kind} "
              f"{o.namespace + '/' if o.namespace else ''}{o.name}"
              for o in r.coverage.unevaluated]
    return finish("\n".join(lines) + "\n", opts)


def suggest_document(r: SuggestResult) -> dict[str, Any]:
    """``suggest``: the intent, the policies with the flows per rule, and the proof."""
    return {
        "schema_version": SCHEMA_VERSION, "query": "suggest", "intent": r.intent,
        "replace": r.replace, "namespaces": list(r.namespaces),
        "proved": r.proved and not r.failed,
        "flows": [{"from": f.src, "to": f.dst, "ports": f.ports.to_dict(), "origin": f.origin}
                  for f in r.flows],
        "policies": [{"namespace": p.namespace, "name": p.name, "purpose": p.purpose,
                      "workload": p.workload, "selector": dict(p.selector),
                      "rules": [{"direction": x.direction.value, "peers": list(x.peers),
                                 "ports": list(x.ports), "flows": list(x.flows)}
                                for x in p.rules],
                      "manifest": p.manifest} for p in r.policies],
        "removed": list(r.removed), "kept": list(r.kept),
        "edits": [{"namespace": e.namespace, "name": e.name, "action": e.action,
                   "reason": e.reason,
                   "rules": [{"direction": x.direction.value, "index": x.index, "old": x.old,
                              "new": list(x.new), "flows_lost": list(x.lost),
                              "flows_kept": list(x.kept)} for x in e.rules]}
                  for e in r.edits],
        "proof": {"pod_pairs": r.pod_pairs, "workload_pairs": r.workload_pairs,
                  "checks": [{"name": c.name, "status": c.status.value, "detail": c.detail}
                             for c in r.checks],
                  "mismatches": [{"from": m.src, "to": m.dst, "intended": m.intended.to_dict(),
                                  "allowed": m.actual.to_dict(), "pairs": m.pairs,
                                  "reason": m.reason} for m in r.mismatches],
                  "unmet": list(r.unmet)},
        "notes": list(r.notes), **coverage_json(r.coverage),
    }
