"""How every format says what an answer left out: the same words, the same JSON keys.

Text: an ``incomplete:`` line per kind of object netverify did not evaluate, with the
objects' manifest locations, and an ``ignored on request`` line for ``--ignore-kind``.
JSON: ``complete``, ``unevaluated`` (kind, apiVersion, product, namespace, name, file,
document, line) and ``ignored`` (``kinds`` as requested, ``objects`` they matched);
documented in ``docs/json-schema.md``.
"""

from __future__ import annotations

from typing import Any

from netverify.policy_kinds import Coverage, PolicyObject

MAX_LISTED = 5  # objects named per kind in text; JSON lists every one

ADVICE = ("they restrict traffic and netverify does not evaluate them, so verdicts they "
          "could change are what the NetworkPolicies alone say; --ignore-kind KIND leaves "
          "them out on purpose")


def _by_kind(objects: tuple[PolicyObject, ...]) -> dict[str, list[PolicyObject]]:
    out: dict[str, list[PolicyObject]] = {}
    for o in objects:
        out.setdefault(o.kind.name, []).append(o)
    return out


def _where(o: PolicyObject) -> str:
    name = f"{o.namespace}/{o.name}" if o.namespace is not None else o.name
    return f"{o.source.location()} {name}" if o.source else name


def _count(n: int, kind: str) -> str:
    return f"{n} {kind} object{'s' if n != 1 else ''}"


def incomplete_lines(cov: Coverage) -> list[str]:
    """``incomplete: 2 CiliumNetworkPolicy objects not evaluated (a.yaml:3 shop/x, ...)``."""
    out = []
    for objs in _by_kind(cov.unevaluated).values():
        k = objs[0].kind
        shown = ", ".join(_where(o) for o in objs[:MAX_LISTED])
        more = f", and {len(objs) - MAX_LISTED} more" if len(objs) > MAX_LISTED else ""
        out.append(f"incomplete: {_count(len(objs), k.kind)} not evaluated ({k.product}, "
                   f"{k.group}: {shown}{more})")
    return out


def ignored_line(cov: Coverage) -> str | None:
    """``ignored on request (--ignore-kind): 2 CiliumNetworkPolicy objects``, or None."""
    if not cov.ignored_kinds:
        return None
    found = _by_kind(cov.ignored)
    parts = [_count(len(objs), objs[0].kind.kind) + f" ({objs[0].kind.group})"
             for objs in found.values()]
    asked = ", ".join(cov.ignored_kinds)
    return (f"ignored on request (--ignore-kind {asked}): "
            + (", ".join(parts) if parts else "no such object in the input"))


def coverage_lines(cov: Coverage) -> list[str]:
    """Every line a text report adds about coverage (empty when there is nothing to say)."""
    out = incomplete_lines(cov)
    if out:
        out.append(f"  {ADVICE}")
    ignored = ignored_line(cov)
    if ignored:
        out.append(ignored)
    return out


def coverage_sentence(cov: Coverage) -> str:
    """One sentence for formats with less room (a SARIF notification, a Markdown banner)."""
    lines = incomplete_lines(cov)
    return "; ".join(lines) + f": {ADVICE}" if lines else ""


def object_json(o: PolicyObject) -> dict[str, Any]:
    """One object of a traffic policy kind, as JSON."""
    src = o.source
    return {"kind": o.kind.kind, "apiVersion": o.api_version, "group": o.kind.group,
            "product": o.kind.product, "namespace": o.namespace, "name": o.name,
            "file": src.file if src else None, "document": src.document if src else None,
            "line": src.line if src else None}


def coverage_json(cov: Coverage) -> dict[str, Any]:
    """The keys every JSON document carries: ``complete``, ``unevaluated``, ``ignored``."""
    return {"complete": cov.complete,
            "unevaluated": [object_json(o) for o in cov.unevaluated],
            "ignored": {"kinds": list(cov.ignored_kinds),
                        "objects": [object_json(o) for o in cov.ignored]}}
