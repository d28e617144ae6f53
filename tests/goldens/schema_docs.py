"""Write docs/json-schema.md from the JSON Schemas the package ships.

The schemas (``netverify/schemas/*.schema.json``) are the contract; the page is their
readable form, so that the two cannot disagree.  ``python -m pytest --update-goldens``
rewrites it; ``test_schema_docs`` fails when it is stale.
"""

from __future__ import annotations

import json
from typing import Any

from netverify.renderers import RENDERERS, SCHEMA_VERSION, Format
from netverify.renderers.base import JsonRenderer

INTRO = f"""\
# JSON output (schema_version {SCHEMA_VERSION})

<!-- Generated from netverify/schemas/*.schema.json by `python -m pytest --update-goldens`;
     edit the schemas (or tests/goldens/schema_docs.py), not this page. -->

Every `--format json` document is an object with `"schema_version": {SCHEMA_VERSION}` and
`"query"`. Keys are sorted; lists are in a defined order. Adding a key is compatible;
removing, renaming or respelling one bumps `schema_version`. The package ships a JSON
Schema (draft 2020-12) for every document, `netverify/schemas/<query>.schema.json`; the
tests validate every output against it. This page is generated from those files.

**Changes in schema_version 2:** the answer that is neither yes nor no is spelled
`"undecided"` everywhere. Version 1 wrote `"unknown"` for a URL or path `verdict`
(`can-reach-url`, `paths`) and for a hop `status`; every other document already wrote
`"undecided"` (`outcome`, `status`, `any_newly_allowed`, ...).

## Completeness (every document)

Every document also says what the answer left out: traffic policies of kinds netverify
reads but does not evaluate (an AdminNetworkPolicy, a CiliumNetworkPolicy, Calico's and
Antrea's policies, an Istio AuthorizationPolicy, ...; the list is `netverify/policy_kinds.py`)
that could change it (`complete`, `unevaluated`), and those left out on purpose with
`--ignore-kind` (`ignored`).

- `complete` is false when some object in `unevaluated` could change the answer; the
  command then exits 3 (unless a part of the answer no such object applies to fails for
  sure: exit 1). Verdicts in an incomplete document (`allowed`, `outcome`, `verdict`,
  cells, `status`) are what the NetworkPolicies alone say.
- `unevaluated` lists only the objects that apply to the traffic asked about: a namespaced
  object applies to traffic with a pod of its namespace at one end (the source for egress
  firewalls, the destination for mesh authorization), a cluster-scoped one (and an Istio
  AuthorizationPolicy in `istio-system`) to all traffic.
- Parts of an answer carry their own `"complete"`: can-reach `pairs[]` and `effective[]`,
  `matrix` `results[]`, `diff` `changes[]`. `check` results have `status`
  `"incomplete"` and their own `unevaluated`; `paths` and URL hops an object could change
  are `"undecided"`.
"""


def schemas() -> list[tuple[str, dict[str, Any]]]:
    """(file name, schema) of every JSON renderer, in registry order."""
    out = []
    for (_, fmt), renderer in RENDERERS.items():
        if fmt is Format.JSON:
            assert isinstance(renderer, JsonRenderer)
            out.append((f"{renderer.schema}.schema.json", renderer.json_schema()))
    return out


def _type(node: dict[str, Any]) -> str:
    if "$ref" in node:
        if node["$ref"] == "#":
            return "*the same document*"
        name = node["$ref"].rsplit("/", 1)[1]
        return f"*{name}*"
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    if "enum" in node:
        return " or ".join(f"`{json.dumps(v)}`" for v in node["enum"])
    if "oneOf" in node:
        return " or ".join(_type(n) for n in node["oneOf"])
    kinds = node.get("type")
    if kinds == "array":
        return f"list of {_type(node.get('items', {}))}"
    if kinds == "object" and "properties" not in node:
        extra = node.get("additionalProperties")
        return f"map to {_type(extra)}" if isinstance(extra, dict) else "object"
    if kinds == "object":
        return "object (below)"
    if isinstance(kinds, list):
        return " or ".join(kinds)
    return str(kinds or "any")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(node: dict[str, Any]) -> list[str]:
    props = node.get("properties", {})
    if not props:
        return []
    out = ["| key | type | meaning |", "|---|---|---|"]
    for key in sorted(props):
        sub = props[key]
        out.append(f"| `{key}` | {_cell(_type(sub))} | {_cell(sub.get('description', ''))} |")
    for key in sorted(props):
        sub = props[key]
        inner = sub.get("items", sub) if sub.get("type") == "array" else sub
        for variant in inner.get("oneOf", [inner]):
            if "properties" in variant:
                out += ["", f"`{key}`" + (" (each)" if inner is not sub else "") + ":", "",
                        *_table(variant)]
    return out


def _defs(schema: dict[str, Any], shown: dict[str, str]) -> list[str]:
    """The definitions of one schema; those shown already (the same) are named only."""
    out = []
    for name, node in schema.get("$defs", {}).items():
        text = json.dumps(node, sort_keys=True)
        if shown.get(name) == text:
            out += ["", f"*{name}*: as above."]
            continue
        shown.setdefault(name, text)
        out += ["", f"### *{name}*", ""]
        if node.get("description"):
            out += [node["description"], ""]
        variants = node.get("oneOf", [node])
        for i, variant in enumerate(variants):
            if len(variants) > 1 and "properties" in variant:
                out += [f"One of ({i + 1}):", ""]
            if "properties" in variant:
                out += [*_table(variant), ""]
            elif len(variants) == 1:
                out += [f"Type: {_type(variant)}.", ""]
    return out


def render_docs() -> str:
    """The whole page."""
    out = [INTRO]
    shown: dict[str, str] = {}
    for file, schema in schemas():
        query = schema["properties"]["query"]["const"]
        out += [f"## {query}", "", f"{schema['title']}. Schema: `netverify/schemas/{file}`.", "",
                schema["description"], "", *_table(schema), "", "### Definitions",
                *_defs(schema, shown)]
    text = "\n".join(out)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.rstrip("\n") + "\n"
