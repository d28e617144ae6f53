"""Reading files, folders, stdin, lists and workloads into the model."""

from __future__ import annotations

import io
import json

import pytest

from netverify.errors import ManifestError
from netverify.loader import load_cluster, load_text
from netverify.model import Direction
from netverify.ports import Protocol

WORKLOADS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: w}
spec: {replicas: 3, template: {metadata: {labels: {app: d}}, spec: {containers: [{name: c}]}}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s, namespace: w}
spec: {template: {metadata: {labels: {app: s}}, spec: {containers: [{name: c}]}}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds, namespace: w}
spec:
  template:
    metadata: {labels: {app: ds}}
    spec: {hostNetwork: true, containers: [{name: c}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs, namespace: w}
spec: {template: {metadata: {labels: {app: rs}}, spec: {containers: [{name: c}]}}}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: rc, namespace: w}
spec: {template: {metadata: {labels: {app: rc}}, spec: {containers: [{name: c}]}}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: j, namespace: w}
spec: {template: {metadata: {labels: {app: j}}, spec: {containers: [{name: c}]}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: cj, namespace: w}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: cj}}
        spec:
          containers: [{name: c, ports: [{containerPort: 8080, name: http}]}]
"""


def test_every_workload_kind_becomes_one_representative_pod():
    c = load_text(WORKLOADS)
    kinds = {p.name: p.kind for p in c.pods}
    assert kinds == {"d": "Deployment", "s": "StatefulSet", "ds": "DaemonSet", "rs": "ReplicaSet",
                     "rc": "ReplicationController", "j": "Job", "cj": "CronJob"}
    pods = {p.name: p for p in c.pods}
    assert pods["d"].replicas == 3 and pods["d"].labels == {"app": "d"}
    assert pods["ds"].host_network
    assert pods["cj"].named_port("http", Protocol.TCP) == (8080,)


def test_kind_list_and_typed_lists_without_item_kinds():
    text = json.dumps({"apiVersion": "v1", "kind": "PodList", "items": [
        {"metadata": {"name": "a", "namespace": "x", "labels": {"app": "a"}},
         "status": {"podIPs": [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}]}}]})
    c = load_text(text, "dump.json")
    assert [p.key for p in c.pods] == ["x/a"]
    assert len(c.pods[0].ips) == 2
    assert c.pods[0].source is not None and c.pods[0].source.item == 1


def test_unknown_kinds_are_skipped_and_counted():
    c = load_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n"
                  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\n---\n"
                  "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\n")
    assert c.skipped == {"ConfigMap": 2, "Role": 1}
    assert any("skipped 2 object(s) of kind ConfigMap" in n for n in c.notes)


def test_real_pods_stand_for_their_workload():
    text = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec: {replicas: 2, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-5d8f7
  namespace: a
  ownerReferences: [{kind: Deployment, name: web, controller: true}]
spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-5d8f7-abcde
  namespace: a
  labels: {app: web, pod-template-hash: 5d8f7}
  ownerReferences: [{kind: ReplicaSet, name: web-5d8f7, controller: true}]
---
apiVersion: v1
kind: Pod
metadata:
  name: other-7c9-xyz
  namespace: a
  labels: {app: other, pod-template-hash: 7c9}
  ownerReferences: [{kind: ReplicaSet, name: other-7c9, controller: true}]
"""
    c = load_text(text)
    assert {p.key: p.workload for p in c.pods} == {
        "a/web-5d8f7-abcde": "web", "a/other-7c9-xyz": "other"}


def test_policy_is_normalized():
    c = load_text("""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: a}
spec:
  podSelector: {matchLabels: {app: x}}
  ingress:
    - from: []
    - ports: [{port: 80}]
  egress:
    - to: [{podSelector: {}}]
""")
    pol = c.policies[0]
    assert pol.policy_types == frozenset({Direction.INGRESS, Direction.EGRESS})
    assert pol.ingress[0].peers is None and pol.ingress[0].ports is None
    assert pol.ingress[1].ports is not None and pol.ingress[1].ports[0].protocol is Protocol.TCP
    assert pol.source is not None and pol.source.line == 2
    assert pol.egress[0].source is not None and pol.egress[0].source.line == 11


def test_folders_are_read_recursively_in_sorted_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.yml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: b}\n")
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n")
    (tmp_path / "c.json").write_text('{"apiVersion": "v1", "kind": "Pod", '
                                     '"metadata": {"name": "c"}}')
    (tmp_path / "notes.txt").write_text("not a manifest")
    c = load_cluster([str(tmp_path)])
    assert [p.name for p in c.pods] == ["a", "b", "c"]


def test_stdin(tmp_path):
    c = load_cluster(["-"], stdin=io.StringIO("apiVersion: v1\nkind: Pod\nmetadata: {name: s}\n"))
    assert c.pods[0].source is not None and c.pods[0].source.file == "<stdin>"


def test_missing_path_and_empty_folder(tmp_path):
    with pytest.raises(ManifestError, match="no such file"):
        load_cluster([str(tmp_path / "nope")])
    with pytest.raises(ManifestError, match="holds no"):
        load_cluster([str(tmp_path)])


def test_empty_documents_are_ignored():
    c = load_text("---\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n")
    assert len(c.pods) == 1


def test_sidecar_ports_count_but_plain_init_container_ports_do_not():
    c = load_text("""
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
    - {name: setup, ports: [{containerPort: 9000, name: setup}]}
    - {name: proxy, restartPolicy: Always, ports: [{containerPort: 15001, name: proxy}]}
  containers: [{name: c}]
""")
    assert c.pods[0].named_port("proxy", Protocol.TCP) == (15001,)
    assert c.pods[0].named_port("setup", Protocol.TCP) == ()
