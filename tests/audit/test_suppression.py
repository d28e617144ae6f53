"""Suppression does not depend on which rule named the object.

Every rule names a pod through ``audit/naming.py`` (its workload, or itself), and a
``netverify.io/ignore`` annotation on the pods a workload stands for (the dumped pods
of a Deployment) also covers findings on the workload.
"""

from __future__ import annotations

import pytest

from netverify.audit.naming import workload_object
from netverify.audit.run import audit, effective_suppressions
from netverify.loader import load_text

# A dumped Deployment pod with the annotation, open to the internet (NV120), isolated for
# egress without DNS (NV110), with a Service pointing at an undeclared port (NV507), and a
# second namespace whose pod is a workload no policy selects (NV104).
DUMP = """
apiVersion: v1
kind: Pod
metadata:
  name: web-7d9f8-abcde
  namespace: shop
  labels: {app: web, pod-template-hash: 7d9f8}
  annotations: {netverify.io/ignore: "%(codes)s"}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d9f8, uid: u1,
                     controller: true}]
spec:
  containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata:
  name: web-7d9f8-fghij
  namespace: shop
  labels: {app: web, pod-template-hash: 7d9f8}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d9f8, uid: u1,
                     controller: true}]
spec:
  containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress: [{ports: [{port: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 9999}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: admin-5c6d7-xyz12
  namespace: ops
  labels: {app: admin, pod-template-hash: 5c6d7}
  annotations: {netverify.io/ignore: NV104}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: admin-5c6d7, uid: u2,
                     controller: true}]
spec:
  containers: [{name: c, image: x}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-only, namespace: ops}
spec: {podSelector: {matchLabels: {app: api}}, policyTypes: [Ingress]}
"""
RULES = {"NV104", "NV110", "NV120", "NV507"}


def _cluster(codes: str = "NV110, NV120, NV507"):
    return load_text(DUMP % {"codes": codes}, "dump.yaml")


def test_every_rule_names_the_dumped_pods_by_their_workload() -> None:
    r = audit(_cluster("NV999"), only=RULES, connectivity=False)
    assert {(f.code, f.object) for f in r.findings} == {
        ("NV110", "Deployment shop/web"),
        ("NV120", "Deployment shop/web"),
        ("NV507", "Service shop/web"),
    }
    assert {(f.code, f.object) for f in r.suppressed} == {("NV104", "Deployment ops/admin")}


def test_a_pod_annotation_covers_its_workload_whatever_rule_named_it() -> None:
    r = audit(_cluster(), only=RULES, connectivity=False)
    assert {(f.code, f.object) for f in r.suppressed} == {
        ("NV104", "Deployment ops/admin"), ("NV110", "Deployment shop/web"),
        ("NV120", "Deployment shop/web")}
    # The Service is its own object: the pods' annotation does not reach it.
    assert {(f.code, f.object) for f in r.findings} == {("NV507", "Service shop/web")}


def test_effective_suppressions_add_the_workload_key() -> None:
    c = _cluster("NV120")
    got = effective_suppressions(c)
    assert got["Deployment shop/web"] == frozenset({"NV120"})
    assert got["Pod shop/web-7d9f8-abcde"] == frozenset({"NV120"})
    assert got["Deployment ops/admin"] == frozenset({"NV104"})
    assert dict(c.suppressions) == {k: v for k, v in got.items() if k.startswith("Pod ")}


@pytest.mark.parametrize(("yaml_text", "expected"), [
    ("apiVersion: v1\nkind: Pod\nmetadata: {name: solo, namespace: a}\n", "Pod a/solo"),
    ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: a}\n"
     "spec: {template: {metadata: {labels: {app: web}}}}\n", "Deployment a/web"),
    ("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: a}\n"
     "spec: {template: {metadata: {labels: {app: db}}}}\n---\n"
     "apiVersion: v1\nkind: Pod\nmetadata:\n  name: db-0\n  namespace: a\n"
     "  ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: db, uid: u,"
     " controller: true}]\n", "StatefulSet a/db"),
])
def test_workload_object(yaml_text: str, expected: str) -> None:
    pods = load_text(yaml_text, "x.yaml").pods
    assert {workload_object(p) for p in pods} == {expected}
