r"""Audit report as SARIF 2.1.0, the format GitHub code scanning reads.

One run; ``tool.driver.rules`` lists the rules that ran (help text from their
docstrings, level from their severity) and every result points at its rule by
``ruleIndex``, at the manifest line the loader recorded (``physicalLocation``)
and at the Kubernetes object (``logicalLocations``).  Suppressed findings are
results too, with a ``suppressions`` entry of kind ``inSource`` (the annotation
lives in the manifest), so code scanning shows them as dismissed rather than
forgetting them.  Findings hidden by ``--min-severity`` are left out and counted
in the run's properties.

Code scanning drops a result without a ``physicalLocation``.  A finding whose object
has no manifest line (a namespace the manifests use but do not declare) points at
the first located object of its namespace instead (``AuditReport.anchors``, else
an object of the report in that namespace, else the first object of the input), and
its message names that object.

``partialFingerprints`` identify a finding across runs and line moves: rule, object,
field path and a hash of the message (one rule may report the same field of one
object twice, e.g. once per parentRef), plus a counter for exact repeats.  The
message is in them, so rewording a rule's message opens new alerts.

With the ``--fail-on`` gate known, the run has an ``invocations`` entry with the exit
status, and a notification when findings left out by ``--min-severity`` decide it.
An incomplete report (traffic policies netverify does not evaluate) has a warning
``toolExecutionNotification`` listing them, with or without the gate.

Names are untrusted.  JSON escapes control characters itself (and ``json.dumps``
writes every non-ASCII character as ``\uXXXX``), but code scanning shows messages and
locations on a web page, where a bidi control would reorder the text around it: the
texts people read (messages, location names) go through ``base.sanitize``, so such
characters show as ``\u202e``.  Fingerprints hash the names as they are.

No timestamps, no absolute paths of our own, no random ids: the same input gives
the same bytes (the test suite validates the output against the OASIS schema in
``tests/schemas/``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from importlib import metadata
from typing import Any
from urllib.parse import quote

from netverify.exits import exit_code_for
from netverify.renderers.audit import (
    gate_sentence,
    hidden_at_or_above,
    incomplete_sentence,
    plain_text,
)
from netverify.renderers.base import RenderOptions, sanitize
from netverify.results import AuditReport, Finding, RuleInfo, Severity
from netverify.source import SourceRef

SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")
INFORMATION_URI = "https://netverify.dev/"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SUPPRESSION = ("silenced by a netverify.io/ignore annotation on the object or on its "
               "namespace")
_URI_SAFE = "/-._~!$&'()*+,;=:@"
FINGERPRINT = "netverifyFinding/v2"  # v1 hashed rule, object and path only: it collided


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
        return "file://" + ("" if path.startswith("/") else "/") + _quote(path)
    uri = _quote(path)
    # "a:b/c.yaml" would read as a URI scheme: make the first segment unambiguous.
    return "./" + uri if ":" in uri.split("/", 1)[0] else uri


def _quote(path: str) -> str:
    """Percent-encode a path's bytes as they are on disk.

    A file name that is not UTF-8 reaches Python with its bytes as lone surrogates
    (PEP 383); ``surrogateescape`` turns them back into those bytes (``%FF``).  Any
    other lone surrogate is encoded as it is (``surrogatepass``) rather than crash.
    """
    try:
        raw = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = path.encode("utf-8", "surrogatepass")
    return quote(raw, safe=_URI_SAFE)


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


def fingerprint(f: Finding, repeat: int = 0) -> str:
    """Stable across runs and line moves: rule, object, field and the message's hash.

    ``repeat`` tells apart findings equal in all four (the second one is 1, ...).
    """
    # surrogatepass: a message may quote a file name that is not UTF-8 (see _quote).
    message = hashlib.sha256(f.message.encode("utf-8", "surrogatepass")).hexdigest()
    key = "\0".join((f.code, f.object, f.path, message)) + (f"\0{repeat}" if repeat else "")
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def namespace_of(obj: str) -> str | None:
    """The namespace of ``"Kind ns/name"`` or ``"Namespace name"`` (None if cluster-scoped)."""
    kind, _, rest = obj.partition(" ")
    if kind == "Namespace":
        return rest or None
    ns, slash, _ = rest.partition("/")
    return ns if slash else None


def _located(src: SourceRef | None) -> bool:
    return src is not None and artifact_uri(src.file) is not None


def _anchors(r: AuditReport, given: Mapping[str, SourceRef]) -> dict[str, SourceRef]:
    """Namespace -> where a finding without a location of its own points.

    The caller's anchors (the first object of each namespace in the input) win; else
    the first located object the report itself names in that namespace.
    """
    out: dict[str, SourceRef] = {k: v for k, v in given.items() if _located(v)}
    for f in (*r.findings, *r.suppressed, *r.hidden):
        for obj, src in ((f.object, f.source), *((x.object, x.source) for x in f.related)):
            ns = namespace_of(obj)
            if src is not None and _located(src):
                out.setdefault("", src)
                if ns is not None:
                    out.setdefault(ns, src)
    return out


def _object_of(src: SourceRef) -> str:
    return src.object_ref or src.location()


def _fallback(f: Finding, anchors: Mapping[str, SourceRef]) -> tuple[SourceRef, str] | None:
    """Where a finding without a manifest line points, and the sentence that says so."""
    ns = namespace_of(f.object)
    if ns is not None and ns in anchors:
        src = anchors[ns]
        return src, (f"(Shown at {_object_of(src)}, an object of namespace {ns}: {f.object} "
                     "itself has no manifest line code scanning can show.)")
    if "" in anchors:
        src = anchors[""]
        return src, (f"(Shown at {_object_of(src)}, an object of the input: {f.object} "
                     "itself has no manifest line code scanning can show.)")
    return None


def _result(r: AuditReport, f: Finding, index: dict[str, int], suppressed: bool,
            anchors: Mapping[str, SourceRef], repeat: int) -> dict[str, Any]:
    kind, _, name = f.object.partition(" ")
    logical: dict[str, Any] = {
        "name": sanitize(name or kind, newlines=False), "kind": "resource",
        "fullyQualifiedName": sanitize(f.object + (f" {f.path}" if f.path else ""),
                                       newlines=False)}
    location: dict[str, Any] = {"logicalLocations": [logical]}
    text = f.message + (f" Example: {f.example}." if f.example else "")
    phys = _physical(f.source)
    if phys is None:
        fallback = _fallback(f, anchors)
        if fallback is not None:
            phys = _physical(fallback[0])
            text += " " + fallback[1]
    if phys is not None:
        location["physicalLocation"] = phys
    res: dict[str, Any] = {
        "ruleId": f.code, "ruleIndex": index[f.code], "level": LEVELS[r.severity(f)],
        "message": {"text": sanitize(text)}, "locations": [location],
        "partialFingerprints": {FINGERPRINT: fingerprint(f, repeat)},
    }
    related: list[dict[str, Any]] = []
    for x in f.related:
        rel = _physical(x.source)
        if rel is not None:
            related.append({"id": len(related), "physicalLocation": rel,
                            "message": {"text": sanitize(f"{x.role}: {x.object}")}})
    if related:
        res["relatedLocations"] = related
    if suppressed:
        res["suppressions"] = [{"kind": "inSource", "justification": SUPPRESSION}]
    return res


def _incomplete_notification(r: AuditReport) -> dict[str, Any] | None:
    """A notification naming the traffic policies netverify did not evaluate."""
    text = incomplete_sentence(r)
    if not text:
        return None
    locations = []
    for o in r.coverage.unevaluated:
        phys = _physical(o.source)
        loc: dict[str, Any] = {"logicalLocations": [{
            "name": o.name, "kind": "resource", "fullyQualifiedName": o.ref}]}
        if phys is not None:
            loc["physicalLocation"] = phys
        locations.append(loc)
    return {"level": "warning", "message": {"text": text}, "locations": locations,
            "associatedRule": {"id": "NV704"}}


def _invocation(r: AuditReport) -> list[dict[str, Any]]:
    incomplete = _incomplete_notification(r)
    if r.fail_on is None:
        if incomplete is None:
            return []
        return [{"executionSuccessful": True, "toolExecutionNotifications": [incomplete]}]
    failed = r.reaches(r.fail_on)
    code = int(exit_code_for(r))
    inv: dict[str, Any] = {"executionSuccessful": True, "exitCode": code,
                           "exitCodeDescription": (
                               f"a finding at or above {r.fail_on.value} (--fail-on)"
                               if failed else f"no finding at or above {r.fail_on.value} "
                               "(--fail-on)" + ("" if code == 0 else ", but the report is "
                                                "incomplete"))}
    notes = []
    gate = gate_sentence(r)
    if gate:
        notes.append({"level": "warning", "message": {"text": gate}})
    if incomplete is not None:
        notes.append(incomplete)
    if notes:
        inv["toolExecutionNotifications"] = notes
    return [inv]


def sarif_jsonable(r: AuditReport) -> dict[str, Any]:
    """The SARIF log as a dict."""
    codes = sorted(r.rules)
    index = {c: i for i, c in enumerate(codes)}
    anchors = _anchors(r, r.anchors)
    seen: dict[tuple[str, str, str, str], int] = {}
    results = []
    for f, suppressed in (*((f, False) for f in r.findings), *((f, True) for f in r.suppressed)):
        key = (f.code, f.object, f.path, f.message)
        repeat = seen[key] = seen.get(key, -1) + 1
        results.append(_result(r, f, index, suppressed, anchors, repeat))
    props: dict[str, Any] = {
        "inputs": list(r.inputs), "cluster": dict(sorted(r.cluster_summary.items())),
        "minSeverity": r.min_severity.value if r.min_severity else None,
        "hidden": len(r.hidden)}
    if r.fail_on is not None:
        props["failOn"] = r.fail_on.value
        props["hiddenAtOrAboveFailOn"] = hidden_at_or_above(r, r.fail_on)
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "netverify", "version": tool_version(),
            "semanticVersion": tool_version(),
            "informationUri": INFORMATION_URI,
            "rules": [_rule(r.rules[c]) for c in codes]}},
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"netverify": props},
    }
    invocations = _invocation(r)
    if invocations:
        run["invocations"] = invocations
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_audit_sarif(r: AuditReport, opts: RenderOptions) -> str:
    """SARIF 2.1.0 JSON text."""
    return json.dumps(sarif_jsonable(r), indent=2, sort_keys=True) + "\n"
