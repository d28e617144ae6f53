"""Suggested names never collide with policies the suggestion keeps or edits.

``kubectl apply`` of a NetworkPolicy whose namespace and name exist replaces the existing
object (Kubernetes: an object is identified by kind, namespace and name), while the
proof adds the suggestion to the kept policies.  A suggestion named like a kept policy
would be proved on a cluster that applying it does not produce; named like a policy the
suggestion tells the user to delete, the ``kubectl delete`` would remove the new one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "demo"
FLOWS = ROOT / "fixtures" / "suggest" / "demo-flows.csv"

BROAD_API = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: netverify-allow-api, namespace: backend}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress:
  - from: [{namespaceSelector: {}}]
    ports: [{port: 9999}]
"""
NARROW_API = BROAD_API.replace("[{namespaceSelector: {}}]",
                               "[{namespaceSelector: {matchLabels: "
                               "{kubernetes.io/metadata.name: frontend}}, "
                               "podSelector: {matchLabels: {app: web}}}]").replace(
    "port: 9999", "port: http")
OUR_DENY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: netverify-default-deny, namespace: backend}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
"""
OTHER_DENY = OUR_DENY.replace("podSelector: {}", "podSelector: {matchLabels: {app: db}}")


def suggest(tmp_path: Path, extra: str) -> dict[str, Any]:
    f = tmp_path / "extra.yaml"
    f.write_text(extra)
    r = CliRunner().invoke(main, ["--no-cache", "suggest", str(FLOWS), "-f", str(DEMO),
                                  "-f", str(f), "--format", "json"])
    assert r.exit_code == 0, r.output
    doc: dict[str, Any] = json.loads(r.output)
    return doc


def _clashes(doc: dict[str, Any], existing: str) -> list[str]:
    """Suggested additions named like ``existing`` (namespace/name)."""
    edited = {f"{e['namespace']}/{e['name']}" for e in doc["edits"]}
    return [f"{p['namespace']}/{p['name']}" for p in doc["policies"]
            if f"{p['namespace']}/{p['name']}" == existing and existing not in edited]


def test_an_addition_avoids_the_name_of_a_policy_it_deletes(tmp_path):
    doc = suggest(tmp_path, BROAD_API)
    assert [(e["namespace"], e["name"], e["action"]) for e in doc["edits"]] == [
        ("backend", "netverify-allow-api", "delete")]
    names = [p["name"] for p in doc["policies"] if p["namespace"] == "backend"]
    assert names.count("netverify-allow-api") == 0 and "netverify-allow-api-2" in names


def test_an_addition_avoids_the_name_of_a_kept_policy(tmp_path):
    doc = suggest(tmp_path, NARROW_API)
    assert "backend/netverify-allow-api" in doc["kept"]
    assert _clashes(doc, "backend/netverify-allow-api") == []


def test_a_kept_policy_named_like_the_default_deny_is_not_replaced(tmp_path):
    doc = suggest(tmp_path, OTHER_DENY)
    assert "backend/netverify-default-deny" in doc["kept"]
    denies = [p["name"] for p in doc["policies"]
              if p["namespace"] == "backend" and p["purpose"] == "default-deny"]
    assert denies == ["netverify-default-deny-2"]


def test_netverifys_own_default_deny_keeps_its_name(tmp_path):
    # applied earlier: replacing it by its equal changes nothing
    doc = suggest(tmp_path, OUR_DENY)
    denies = [p["name"] for p in doc["policies"]
              if p["namespace"] == "backend" and p["purpose"] == "default-deny"]
    assert denies == ["netverify-default-deny"]
