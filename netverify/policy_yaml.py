"""Suggested NetworkPolicies as YAML: a file per namespace, each object commented with its flows.

One writer for both users of the text: ``suggest`` (the proof reads back exactly this)
and the ``yaml`` renderer (which writes it), so what is printed is what was proved.

Objects are written by ``yaml.safe_dump``, which quotes whatever a label value or name
holds (colons, ``#``, newlines, a leading ``*`` or ``&``, quotes); with ``allow_unicode``
off it writes every non-ASCII character as an escape, so no bidi control or line
separator reaches the file raw and the value read back is the same.  Comments are the one
place text is written by hand, so every character that could end a comment line or
hide in a terminal (control, format and line-separator characters) is escaped there.
"""

from __future__ import annotations

import unicodedata

import yaml

from netverify.results import IntentFlow, SuggestedPolicy

COMMENTED_FLOWS = 20  # flows listed above one object; the rest are counted


def comment_safe(text: str) -> str:
    """``text`` with every character that could break or hide in a comment escaped."""
    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
                       if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return "".join(out)


def describe_flow(f: IntentFlow) -> str:
    """``frontend/web -> backend/api TCP 8080`` (one line, as comments quote it)."""
    return f"{f.src} -> {f.dst} {f.ports}"


def _comments(pol: SuggestedPolicy, flows: tuple[IntentFlow, ...]) -> list[str]:
    if pol.purpose == "default-deny":
        return ["# Default deny: no pod of this namespace accepts or opens a connection",
                "# unless an allow policy below (or a kept policy) admits it."]
    if pol.edit is not None:
        return [comment_safe(line) for line in _edit_comments(pol)]
    served = sorted({i for r in pol.rules for i in r.flows})
    what = f"workload {pol.workload}" if pol.workload else "every pod of the namespace"
    lines = [f"# Allows {what}; serves {len(served)} flow(s):"]
    for i in served[:COMMENTED_FLOWS]:
        lines.append(f"#   {describe_flow(flows[i])}  [{flows[i].origin}]")
    if len(served) > COMMENTED_FLOWS:
        lines.append(f"#   ... and {len(served) - COMMENTED_FLOWS} more (--format json lists all)")
    return [comment_safe(line) for line in lines]


def _edit_comments(pol: SuggestedPolicy) -> list[str]:
    assert pol.edit is not None
    lines = [f"# Edit of the existing policy {pol.key} (kubectl apply replaces it): it "
             f"{pol.edit.reason}", "# Changed (everything else is as it was):"]
    for r in pol.edit.rules:
        lines.append(f"#   spec.{r.direction.field}[{r.index}]: {r.old}")
        lines += [f"#     now: {n}" for n in r.new] or ["#     now: dropped"]
        lines += [f"#     no longer admits: {t}" for t in r.lost[:COMMENTED_FLOWS]]
        lines += [f"#     still admits: {t}" for t in r.kept[:COMMENTED_FLOWS]]
        more = max(0, len(r.lost) - COMMENTED_FLOWS) + max(0, len(r.kept) - COMMENTED_FLOWS)
        if more:
            lines.append(f"#     ... and {more} more flows (--format json lists all)")
    return lines


def namespace_documents(policies: tuple[SuggestedPolicy, ...], flows: tuple[IntentFlow, ...]
                        ) -> tuple[tuple[str, str], ...]:
    """(namespace, YAML text) for each namespace with suggested policies, sorted."""
    by_ns: dict[str, list[str]] = {}
    for pol in policies:
        body = yaml.safe_dump(dict(pol.manifest), sort_keys=False, allow_unicode=False,
                              default_flow_style=False, width=10_000)
        text = "\n".join(_comments(pol, flows)) + "\n" + body
        by_ns.setdefault(pol.namespace, []).append(text)
    return tuple((ns, "---\n".join(docs)) for ns, docs in sorted(by_ns.items()))


def all_documents(docs: tuple[tuple[str, str], ...]) -> str:
    """Every namespace's documents as one multi-document YAML stream."""
    return "---\n".join(text for _, text in docs)
