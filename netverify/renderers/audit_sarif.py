"""Audit report as SARIF 2.1.0, the format GitHub code scanning reads.

One run; ``tool.driver.rules`` lists the rules that ran (help text from their
docstrings, level from their severity) and every result points at its rule by
``ruleIndex``, at the manifest line the loader recorded (``physicalLocation``)
and at the Kubernetes object (``logicalLocations``).  Suppressed findings are
results too, with a ``suppressions`` entry of kind ``inSource`` (the annotation
lives in the manifest), so code scanning shows them as dismissed rather than
forgetting them.  Findings hidden by ``--min-severity`` are left out and counted
in the run's properties.

No timestamps, no absolute paths of our own, no random ids: the same input gives
the same bytes (the test suite validates the output against the OASIS schema in
``tests/schemas/``).
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib import metadata
from typing import Any
from urllib.parse import quote

from netverify.renderers.audit import plain_text
from netverify.results import AuditReport, Finding, RuleInfo, Severity
from netverify.source import SourceRef

SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")
INFORMATION_URI = "https://netverify.dev/"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SUPPRESSION = ("silenced by a netverify.io/ignore annotation on the object or on its "
               "namespace")
_URI_SAFE = "/-._~!$&'()*+,;=:@"


def tool_version() -> str:
    """The installed package's version (the source tree's when not installed)."""
    try:
        return metadata.version("netverify")
    except metadata.PackageNotFoundError:
        from netverify import __version__

        return __version__


def artifact_uri(file: str) -> str | None:
    """The file as the user gave it, as a relative POSIX URI reference (None for stdin).

    Relative paths stay relative (code scanning resolves them against the
    repository root); an absolute path becomes a ``file://`` URI.
    """
    if not file or file == "-" or file.startswith("<"):
        return None
    path = file.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    if path.startswith("/") or re.match(r"^[A-Za-z]:/", path):
        return "file://" + ("" if path.startswith("/") else "/") + quote(path, safe=_URI_SAFE)
    uri = quote(path, safe=_URI_SAFE)
    # "a:b/c.yaml" would read as a URI scheme: make the first segment unambiguous.
    return "./" + uri if ":" in uri.split("/", 1)[0] else uri


def _physical(src: SourceRef | None) -> dict[str, Any] | None:
    uri = artifact_uri(src.file) if src else None
    if src is None or uri is None:
        return None
    loc: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if src.line:
        loc["region"] = {"startLine": src.line}
    return loc


def _help(rule: RuleInfo) -> dict[str, str]:
    parts = [("Anti-pattern", rule.anti_pattern), ("Why it hurts", rule.why), ("Fix", rule.fix)]
    md = "\n\n".join(f"**{h}**\n\n{body}" for h, body in parts if body)
    text = "\n\n".join(f"{h}:\n{plain_text(body)}" for h, body in parts if body)
    return {"text": text or rule.title, "markdown": md or rule.title}


def _rule(rule: RuleInfo) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": rule.code, "name": rule.name or rule.code,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": plain_text(rule.why) or rule.title},
        "help": _help(rule),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
    }
    if rule.help_uri:
        out["helpUri"] = rule.help_uri
    return out


def fingerprint(f: Finding) -> str:
    """Stable across runs and line moves: rule, object and field, not the message."""
    key = "\0".join((f.code, f.object, f.path))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _result(r: AuditReport, f: Finding, index: dict[str, int], suppressed: bool) -> dict[str, Any]:
    kind, _, name = f.object.partition(" ")
    logical: dict[str, Any] = {"name": name or kind, "kind": "resource",
                               "fullyQualifiedName": f.object + (f" {f.path}" if f.path else "")}
    location: dict[str, Any] = {"logicalLocations": [logical]}
    phys = _physical(f.source)
    if phys is not None:
        location["physicalLocation"] = phys
    text = f.message + (f" Example: {f.example}." if f.example else "")
    res: dict[str, Any] = {
        "ruleId": f.code, "ruleIndex": index[f.code], "level": LEVELS[r.severity(f)],
        "message": {"text": text}, "locations": [location],
        "partialFingerprints": {"netverifyFinding/v1": fingerprint(f)},
    }
    related: list[dict[str, Any]] = []
    for x in f.related:
        rel = _physical(x.source)
        if rel is not None:
            related.append({"id": len(related), "physicalLocation": rel,
                            "message": {"text": f"{x.role}: {x.object}"}})
    if related:
        res["relatedLocations"] = related
    if suppressed:
        res["suppressions"] = [{"kind": "inSource", "justification": SUPPRESSION}]
    return res


def sarif_jsonable(r: AuditReport) -> dict[str, Any]:
    """The SARIF log as a dict."""
    codes = sorted(r.rules)
    index = {c: i for i, c in enumerate(codes)}
    results = [_result(r, f, index, False) for f in r.findings]
    results += [_result(r, f, index, True) for f in r.suppressed]
    return {
        "$schema": SARIF_SCHEMA, "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "netverify", "version": tool_version(),
                "semanticVersion": tool_version(),
                "informationUri": INFORMATION_URI,
                "rules": [_rule(r.rules[c]) for c in codes]}},
            "results": results,
            "columnKind": "unicodeCodePoints",
            "properties": {"netverify": {
                "inputs": list(r.inputs), "cluster": dict(sorted(r.cluster_summary.items())),
                "minSeverity": r.min_severity.value if r.min_severity else None,
                "hidden": len(r.hidden)}},
        }],
    }


def render_audit_sarif(r: AuditReport) -> str:
    """SARIF 2.1.0 JSON text."""
    return json.dumps(sarif_jsonable(r), indent=2, sort_keys=True) + "\n"
