"""Checks policy objects against the upstream CRDs, as an API server would.

* unknown fields are pruned (structural schema), defaults applied;
* the OpenAPI v3 schema is checked with ``jsonschema``;
* the CEL rules (x-kubernetes-validations) present in these CRDs are evaluated by
  hand: every rule string must be one of the known ones, so a new rule upstream
  stops the check instead of being ignored.

Used by generate.py to make sure that every ``invalid`` case is rejected at the
field it names, and that every policy used in a reachability case is accepted.
"""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

import jsonschema
import yaml
from gen_conformance import git_show
from gen_lib import V1_COMMIT, V2_COMMIT

CRDS = {
    ("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy"): (
        V1_COMMIT,
        "config/crd/experimental/policy.networking.k8s.io_adminnetworkpolicies.yaml",
    ),
    ("policy.networking.k8s.io/v1alpha1", "BaselineAdminNetworkPolicy"): (
        V1_COMMIT,
        "config/crd/experimental/policy.networking.k8s.io_baselineadminnetworkpolicies.yaml",
    ),
    ("policy.networking.k8s.io/v1alpha2", "ClusterNetworkPolicy"): (
        V2_COMMIT,
        "config/crd/experimental/policy.networking.k8s.io_clusternetworkpolicies.yaml",
    ),
}
_cache: dict = {}


def schema_for(api: str, kind: str) -> dict:
    key = (api, kind)
    if key not in _cache:
        commit, path = CRDS[key]
        crd = yaml.safe_load(git_show(commit, path))
        version = api.split("/")[1]
        (v,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
        _cache[key] = v["schema"]["openAPIV3Schema"]
    return _cache[key]


def _is_cidr(s: str) -> bool:
    if "/" not in s:
        return False
    try:
        ipaddress.ip_network(s, strict=False)
        return True
    except ValueError:
        return False


def _named_port_rule(self: dict, ports_key: str, port_field: str, peer_fields: tuple) -> bool:
    bad_peer = any(any(f in peer for f in peer_fields) for peer in self.get("to", []))
    has_named = ports_key in self and any(port_field in p for p in self[ports_key])
    return not (bad_peer and has_named)


_ANP_NAMED = (
    "!(self.to.exists(peer, has(peer.networks) || has(peer.nodes) || has(peer.domainNames)) && "
    "has(self.ports) && self.ports.exists(port, has(port.namedPort)))"
)
_BANP_NAMED = (
    "!(self.to.exists(peer, has(peer.networks) || has(peer.nodes)) && has(self.ports) && "
    "self.ports.exists(port, has(port.namedPort)))"
)
_CNP_NAMED = (
    "!(self.to.exists(peer, has(peer.networks) || has(peer.nodes) || has(peer.domainNames)) && "
    "has(self.protocols) && self.protocols.exists(protocol, has(protocol.destinationNamedPort)))"
)
CEL = {
    "isCIDR(self)": lambda s: _is_cidr(s),
    "self.start < self.end": lambda s: s["start"] < s["end"],
    "self.metadata.name == 'default'": lambda s: s["metadata"]["name"] == "default",
    _ANP_NAMED: lambda s: _named_port_rule(
        s, "ports", "namedPort", ("networks", "nodes", "domainNames")
    ),
    _BANP_NAMED: lambda s: _named_port_rule(s, "ports", "namedPort", ("networks", "nodes")),
    _CNP_NAMED: lambda s: _named_port_rule(
        s, "protocols", "destinationNamedPort", ("networks", "nodes", "domainNames")
    ),
}


def _norm(rule: str) -> str:
    return " ".join(rule.split())


def prune_and_default(obj: Any, schema: dict) -> Any:
    if isinstance(obj, dict) and schema.get("type") == "object":
        if schema.get("x-kubernetes-preserve-unknown-fields"):
            return obj
        props = schema.get("properties")
        addl = schema.get("additionalProperties")
        out = {}
        if props is not None:
            for k, v in obj.items():
                if k in props:
                    out[k] = prune_and_default(v, props[k])
            for k, ps in props.items():
                if k not in out and "default" in ps:
                    out[k] = copy.deepcopy(ps["default"])
            return out
        if isinstance(addl, dict):
            return {k: prune_and_default(v, addl) for k, v in obj.items()}
        return obj if not schema.get("properties") else {}
    if isinstance(obj, list) and schema.get("type") == "array" and "items" in schema:
        return [prune_and_default(v, schema["items"]) for v in obj]
    return obj


def _path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (("." if out else "") + p)
    return out


def _cel_errors(obj: Any, schema: dict, path: list) -> list[str]:
    errs = []
    for v in schema.get("x-kubernetes-validations") or []:
        rule = _norm(v["rule"])
        if rule not in CEL:
            raise KeyError(f"unknown CEL rule (update crd_check.CEL): {rule}")
        if not CEL[rule](obj):
            # The one object-level rule checks metadata.name; report that field.
            errs.append(_path(path) or "metadata.name")
    if isinstance(obj, dict) and "properties" in schema:
        for k, sv in obj.items():
            if k in schema["properties"]:
                errs += _cel_errors(sv, schema["properties"][k], [*path, k])
    elif isinstance(obj, list) and "items" in schema:
        for i, item in enumerate(obj):
            errs += _cel_errors(item, schema["items"], [*path, i])
    return errs


def errors(obj: dict) -> list[str]:
    """Field paths the API server would report for this object (empty: accepted)."""
    schema = schema_for(obj["apiVersion"], obj["kind"])
    o = prune_and_default(copy.deepcopy(obj), schema)
    o["metadata"] = obj["metadata"]  # metadata is validated by the server, not by the CRD
    out = []
    v = jsonschema.Draft4Validator(dict(schema.items()))
    for e in v.iter_errors(o):
        p = list(e.absolute_path)
        if e.validator == "required":
            p.append(e.message.split("'")[1])
        out.append(_path(p))
    # CEL rules run only on schema-valid objects in practice; evaluate where possible.
    if not out:
        out += _cel_errors(o, schema, [])
    return out
