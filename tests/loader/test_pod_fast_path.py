"""The pods' fast path (``loader/pod_fast_path.py``) gives what the checked path gives.

A fast answer is only allowed where the checked readers (``fields``, ``_pod_fields``,
``_label_map``, ``_pod_ips``, ``_controller_owner``, ``container_args``) would give the
same one; on anything else the object must be read the checked way, so a bad field
is still refused (exit 2) naming file, list item, object and field, however deep in a
large input it sits.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import netverify.loader.build as build
from netverify.cli import main
from netverify.errors import ManifestError
from netverify.loader import load_cluster, load_text
from netverify.loader.pod_fast_path import PodFastPath
from netverify.model import Cluster
from tests import strategies as S

ROOT = Path(__file__).parents[2]


class _Checked(PodFastPath):
    """A fast path that never answers: every object goes the checked way."""

    def labels(self, meta: Any) -> None:
        return None

    def spec(self, spec: Any) -> None:
        return None

    @staticmethod
    def ips(status: Any) -> None:
        return None

    @staticmethod
    def owner(meta: Any) -> None:
        return None


def _both(text: str) -> tuple[Cluster | str, Cluster | str]:
    """The model (or the error) through the fast path and through the checked path."""
    out: list[Cluster | str] = []
    for cls in (PodFastPath, _Checked):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(build, "PodFastPath", cls)
            try:
                out.append(load_text(text, "x.yaml"))
            except ManifestError as e:
                out.append(str(e))
    return out[0], out[1]


def _same(text: str) -> None:
    fast, checked = _both(text)
    if isinstance(fast, str) or isinstance(checked, str):
        assert fast == checked
        return
    assert fast.pods == checked.pods


def test_every_fixture_builds_the_same_pods() -> None:
    folders = [p for p in sorted((ROOT / "fixtures").rglob("*")) if p.is_dir()]
    built = 0
    for folder in folders:
        texts = [f.read_text() for f in sorted(folder.glob("*.yaml"))]
        if not texts:
            continue
        _same("\n---\n".join(texts))
        built += 1
    assert built >= 10


POD: dict[str, Any] = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"},
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                      "name": "web-5d8f", "controller": True}]},
    "spec": {"hostNetwork": False,
             "containers": [{"name": "app", "image": "nginx:1.27",
                             "command": ["nginx"], "args": ["-g", "daemon off;"],
                             "ports": [{"containerPort": 8080, "protocol": "TCP",
                                        "name": "http"}]}],
             "initContainers": [{"name": "proxy", "image": "envoy", "restartPolicy": "Always",
                                 "ports": [{"containerPort": 15001}]}]},
    "status": {"podIP": "10.0.0.7", "podIPs": [{"ip": "10.0.0.7"}, {"ip": "fd00::7"}]},
}

# Each field the fast path reads, and values of every kind for it: valid ones, the
# unusual forms the checked path accepts ({} for a list, "" for absent), and bad ones.
FIELDS: list[tuple[str | int, ...]] = [
    ("metadata", "labels"), ("metadata", "labels", "app"),
    ("metadata", "ownerReferences"), ("metadata", "ownerReferences", 0),
    ("metadata", "ownerReferences", 0, "controller"),
    ("metadata", "ownerReferences", 0, "name"), ("metadata", "ownerReferences", 0, "kind"),
    ("spec",), ("spec", "hostNetwork"), ("spec", "containers"), ("spec", "containers", 0),
    ("spec", "containers", 0, "name"), ("spec", "containers", 0, "image"),
    ("spec", "containers", 0, "command"), ("spec", "containers", 0, "args", 1),
    ("spec", "containers", 0, "ports"), ("spec", "containers", 0, "ports", 0),
    ("spec", "containers", 0, "ports", 0, "containerPort"),
    ("spec", "containers", 0, "ports", 0, "protocol"),
    ("spec", "containers", 0, "ports", 0, "name"),
    ("spec", "initContainers"), ("spec", "initContainers", 0, "restartPolicy"),
    ("spec", "initContainers", 0, "ports", 0, "containerPort"),
    ("status",), ("status", "podIP"), ("status", "podIPs"), ("status", "podIPs", 0),
    ("status", "podIPs", 0, "ip"),
]
VALUES: list[Any] = [
    None, "", {}, [], True, False, 0, 1, 80, 65535, 65536, -1, 1.5, "x", "TCP", "UDP", "SCTP",
    "tcp", "ICMP", "Always", "web", "Web!", "a" * 64, "10.0.0.256", "10.0.0.07", "010.0.0.7",
    " 10.0.0.8 ", "10.1.2.3", "fd00::1", "1.2.3", "\u0661\u0660.0.0.1", ["a"], [None, "b"], [1],
    {"a": "b"}, {"app": 1}, {"bad key!": "v"}, {"ip": "10.9.9.9"}, [{"ip": "10.9.9.9"}],
    [{"containerPort": 80}], [{"containerPort": "80"}], [{"name": "c"}, "x"],
]


def _set(doc: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    at: Any = out
    for step in path[:-1]:
        at = at[step]
    at[path[-1]] = copy.deepcopy(value)
    return out


@settings(max_examples=400, deadline=None)
@given(edits=st.lists(st.tuples(st.sampled_from(FIELDS), st.sampled_from(VALUES)),
                      min_size=1, max_size=3),
       kind=st.sampled_from(["Pod", "Deployment", "CronJob"]))
def test_edited_pods_and_templates_build_the_same_or_fail_the_same(
        edits: list[tuple[tuple[str | int, ...], Any]], kind: str) -> None:
    doc: dict[str, Any] = POD
    for path, value in edits:
        try:
            doc = _set(doc, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # the edit's parent is gone or not a container: skip it
    if kind != "Pod":
        meta = doc["metadata"]
        template = {"metadata": {"labels": meta.get("labels")}, "spec": doc.get("spec")}
        spec: dict[str, Any] = {"replicas": 2, "template": template}
        if kind == "CronJob":
            spec = {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}}
        doc = {"apiVersion": "apps/v1" if kind == "Deployment" else "batch/v1", "kind": kind,
               "metadata": {"name": "web", "namespace": "shop",
                            "ownerReferences": meta.get("ownerReferences")},
               "spec": spec}
    _same(json.dumps(doc))


def _pod(i: int) -> dict[str, Any]:
    return {"metadata": {"name": f"p-{i}", "namespace": f"ns-{i % 7}",
                         "labels": {"app": f"a{i % 13}", "tier": "web"}},
            "spec": {"containers": [{"name": "c", "image": "img",
                                     "ports": [{"containerPort": 8080, "protocol": "TCP"}]}]},
            "status": {"podIP": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}"}}


# A bad field in one pod deep in a large kubectl List: (path, value, message part).
BAD_FIELDS = [
    (("spec", "containers", 0, "ports", 0, "containerPort"), "8080",
     "containerPort '8080' is not a port 1-65535"),
    (("spec", "containers", 0, "ports", 0, "containerPort"), 70000, "is not a port"),
    (("spec", "containers", 0, "ports", 0, "protocol"), "tcp", "unsupported protocol 'tcp'"),
    (("spec", "hostNetwork"), "false", "is not a boolean"),
    (("metadata", "labels", "tier"), "web server", "invalid label value"),
    (("metadata", "labels", "tier"), True, "which is not a string"),
    (("status", "podIP"), "10.0.0.256", "is not an IP address"),
    (("spec", "containers", 0, "command"), ["run", 7], "is not a string"),
]


@pytest.mark.parametrize(("path", "value", "message"), BAD_FIELDS)
def test_a_bad_field_in_the_9000th_pod_of_a_json_list_is_refused(
        tmp_path: Path, path: tuple[str | int, ...], value: Any, message: str) -> None:
    # The API server rejects each of these values; one bad pod among 9,000 good ones
    # must still stop the run, naming file, list item, object and field.
    items = [_pod(i) for i in range(9000)]
    items[8999] = _set(items[8999], path, value)
    dump = tmp_path / "pods.json"
    dump.write_text(json.dumps({"apiVersion": "v1", "kind": "PodList", "items": items},
                               indent=4))
    with pytest.raises(ManifestError) as e:
        load_cluster([str(dump)])
    text = str(e.value)
    field = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in path).lstrip(".")
    assert "pods.json:" in text and "item 9000" in text, text
    assert "Pod ns-4/p-8999" in text and field in text and message in text, text


def test_the_cli_exits_2_on_a_bad_pod_deep_in_a_json_list(tmp_path: Path) -> None:
    items = [_pod(i) for i in range(9000)]
    items[8999] = _set(items[8999], ("spec", "containers", 0, "ports", 0, "protocol"), "HTTP")
    dump = tmp_path / "pods.json"
    dump.write_text(json.dumps({"apiVersion": "v1", "kind": "PodList", "items": items}))
    result = CliRunner().invoke(main, ["--no-cache", "--no-config", "can-reach", "ns-0/p-0",
                                       "ns-1/p-1:8080", "-f", str(dump)])
    assert result.exit_code == 2, result.output
    assert "item 9000" in result.output and "Pod ns-4/p-8999" in result.output
    assert "Traceback" not in result.output


@settings(max_examples=40, deadline=None)
@given(manifests=S.clusters())
def test_random_clusters_build_the_same_pods(manifests: list[dict[str, Any]]) -> None:
    _same(json.dumps({"apiVersion": "v1", "kind": "List", "items": S.flatten(manifests)}))


def test_replicas_share_one_spec_and_equal_ports_one_object() -> None:
    # Immutable parts read once: the model cache then stores and reads each once.
    items = [_pod(i) for i in range(20)]
    items[3]["spec"]["containers"].append({"name": "d", "ports": [{"containerPort": 8080}]})
    cluster = load_text(json.dumps({"apiVersion": "v1", "kind": "PodList", "items": items}))
    pods = {p.name: p for p in cluster.pods}
    assert pods["p-0"].container_ports is pods["p-1"].container_ports
    three = pods["p-3"].container_ports
    assert three != pods["p-0"].container_ports and three[0] is three[1]
    assert three[0] is pods["p-0"].container_ports[0]
