"""Small builders shared by tests: manifests as Python data, clusters from them."""

from __future__ import annotations

from typing import Any

import yaml

from netverify.engines.allpairs import compute_all_pairs
from netverify.engines.concrete import Evaluator
from netverify.loader import load_text
from netverify.model import Cluster
from netverify.ports import PortSet, parse_port_set


def ns(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": labels}}


def pod(namespace: str, name: str, labels: dict[str, str] | None = None, *,
        ip: str | None = None, ports: list[dict[str, Any]] | None = None,
        host_network: bool = False, ips: list[str] | None = None) -> dict[str, Any]:
    """A Pod manifest; ``ip`` sets ``status.podIP``, ``ips`` (dual-stack) ``status.podIPs``."""
    spec: dict[str, Any] = {"containers": [{"name": "c", "ports": ports or []}]}
    if host_network:
        spec["hostNetwork"] = True
    doc: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod",
                           "metadata": {"name": name, "namespace": namespace,
                                        "labels": labels or {}},
                           "spec": spec}
    if ip:
        doc["status"] = {"podIP": ip}
    if ips:
        doc["status"] = {"podIP": ips[0], "podIPs": [{"ip": x} for x in ips]}
    return doc


def deployment(namespace: str, name: str, labels: dict[str, str], replicas: int = 2,
               ports: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "c",
                                                           "ports": ports or []}]}}}}


def policy(namespace: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def cluster(*docs: dict[str, Any]) -> Cluster:
    return load_text(yaml.safe_dump_all(list(docs), sort_keys=False), "test.yaml")


def allowed(c: Cluster, src: str, dst: str) -> PortSet:
    """Allowed ports src -> dst, checked to be the same in both concrete engines."""
    pods = {p.key: p for p in c.pods}
    a, b = pods[src], pods[dst]
    one = Evaluator(c).allowed_ports(a, b)
    ap = compute_all_pairs(c)
    many = ap.portset(ap.pods.class_of[a.key], ap.pods.class_of[b.key])
    if a.key != b.key or a.is_template:
        assert one == many, f"engines disagree on {src} -> {dst}: {one} vs {many}"
    return one


def ports(**by_proto: str) -> PortSet:
    """``ports(TCP="80,443-445")``."""
    return parse_port_set(by_proto)


ALL = PortSet.all()
NONE = PortSet.empty()
