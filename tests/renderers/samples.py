"""One real result of every kind, and copies of them with hostile names.

The results come from the real queries over the repository's fixtures.  ``hostile``
puts untrusted text before every occurrence of the fixtures' object names in every
string of a result (names, messages, file paths, rule references), the way a manifest
or spec file with such names would, whatever the loader accepts.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from functools import cache
from pathlib import Path

from netverify.results import PodCells

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "demo"
INGRESS = ROOT / "fixtures" / "ingress"
NAMES = re.compile(r"web|api|db|frontend|backend|checkout|default-deny|demo\.yaml")

# Everything no output may hold raw, from the specifications rather than the code:
# C0 controls but the newline, DEL and C1 (ECMA-48 control functions), the bidi
# embeddings, overrides, isolates and marks (Unicode UAX #9), the line and paragraph
# separators, lone surrogates, and U+FFFE/U+FFFF (not characters; XML 1.0 forbids them).
UNSAFE_CHARS = ("\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                "\u2066-\u2069\ud800-\udfff\ufffe\uffff")
UNSAFE = re.compile(f"[{UNSAFE_CHARS}]")
HOSTILE_ALPHABET = (
    [chr(c) for c in (0, 7, 9, 10, 13, 0x1b, 0x7f, 0x85, 0x9b, 0x9d)]
    + ["\u061c", "\u200e", "\u200f", "\u2028", "\u2029", *map(chr, range(0x202A, 0x202F)),
       *map(chr, range(0x2066, 0x206A)), "\ud800", "\udfff", "\ufffe", "\uffff"]
    + list("|<>&`*_[]\\@#=+-\"',; ~$!():/{}") + ["a", "1", "é", "✓"])


def hostile(obj: object, text: str) -> object:
    """``obj`` with ``text`` put before every fixture object name in every string."""
    if type(obj) is str:
        return NAMES.sub(lambda m: text + m[0], obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.replace(obj, **{  # type: ignore[misc]
            f.name: hostile(getattr(obj, f.name), text)
            for f in dataclasses.fields(obj) if f.init})
    if isinstance(obj, PodCells):  # the pod-level matrix's cells, named through its keys
        return PodCells(keys=hostile(obj.keys, text), cls=obj.cls, ids=obj.ids,  # type: ignore[arg-type]
                        portsets=obj.portsets, loopback=obj.loopback, solo=obj.solo,
                        incomplete=obj.incomplete, affected=obj.affected)
    if type(obj) is tuple:
        return tuple(hostile(x, text) for x in obj)
    if type(obj) is list:
        return [hostile(x, text) for x in obj]
    if type(obj) is dict:
        return {k: hostile(v, text) for k, v in obj.items()}
    return obj


@cache
def results() -> dict[str, object]:
    """A result of every kind the renderers know, by a short name."""
    from netverify.audit.run import audit, lint
    from netverify.loader import load_cluster
    from netverify.queries.can_reach import can_reach
    from netverify.queries.check import check
    from netverify.queries.diff import diff
    from netverify.queries.hypothetical import can_reach_hypothetical
    from netverify.queries.matrix import matrix
    from netverify.queries.paths import can_reach_url, paths
    from netverify.queries.who_can_reach import who_can_reach
    from netverify.suggest import suggest
    from netverify.suggest.flows_file import read_flows

    demo = load_cluster([str(DEMO)])
    # The old cluster lacks backend/db's policy: the diff has rows and witnesses.
    old = dataclasses.replace(demo, policies=tuple(
        p for p in demo.policies if (p.namespace, p.name) != ("backend", "db")))
    ingress = load_cluster([str(INGRESS)])
    with tempfile.TemporaryDirectory(prefix="netverify-samples-") as tmp:
        folder = Path(tmp)
        # A second api pod (can-reach with several pairs) and a policy that selects no
        # pod (a lint finding).
        extra = folder / "extra.yaml"
        extra.write_text(
            "apiVersion: v1\nkind: Pod\n"
            "metadata: {name: api-2, namespace: backend, labels: {app: api}}\n"
            "spec: {containers: [{name: api, ports: [{name: http, containerPort: 8080}]}]}\n"
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
            "metadata: {name: web-unused, namespace: frontend}\n"
            "spec: {podSelector: {matchLabels: {app: nothing}}, policyTypes: [Ingress]}\n",
            encoding="utf-8")
        more = load_cluster([str(DEMO), str(extra)])
        spec = folder / "demo.yaml"
        spec.write_text(
            f"manifests: [{DEMO}]\nassertions:\n"
            "  - {name: web reaches the db, from: frontend/web, to: backend/db:5432,"
            " expect: allow}\n"
            "  - {name: web reaches the api, from: frontend/web, to: backend/api:8080,"
            " expect: allow}\n"
            "  - {name: web never reaches the api, from: {namespace: frontend},"
            " to: backend/api, port: 8080, expect: deny, scope: any}\n",
            encoding="utf-8")
        checked = check([str(spec)], load=load_cluster)
    return {
        "can-reach": can_reach(demo, "frontend/web", "backend/api"),
        "can-reach-denied": can_reach(demo, "frontend/web", "backend/db:5432"),
        "can-reach-pairs": can_reach(more, "frontend/web", "backend/app=api"),
        "hypothetical": can_reach_hypothetical(demo, "frontend/*", "backend/api:8080"),
        "matrix": matrix(demo),
        "matrix-port": matrix(demo, port=8080),
        "matrix-namespace": matrix(demo, by="namespace"),
        "who-can-reach": who_can_reach(demo, "backend/api"),
        "lint": lint(more),
        "check": checked,
        "diff": diff(old, demo, old_label="old/backend", new_label="new/backend"),
        "paths": paths(ingress),
        "url": can_reach_url(ingress, "internet", "https://checkout.example.com/"),
        "audit": audit(demo, inputs=[str(DEMO)], connectivity=True),
        "suggest": suggest(demo, read_flows(str(ROOT / "fixtures" / "suggest" / "demo-flows.csv")),
                           replace_existing=True),
    }
