"""The connectivity graph stays readable: aggregation, caps, and what the notes say."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from netverify.audit.run import audit
from netverify.loader import load_cluster, load_text
from netverify.ports import PortSet, Protocol
from netverify.renderers import RenderOptions, render
from netverify.renderers.audit_graph import MAX_EDGES, MAX_NODES, build_graph, port_summary
from netverify.renderers.audit_svg import layout
from netverify.results import AuditReport

ROOT = Path(__file__).resolve().parents[2]


@cache
def generated(tmp: str, pods: int, policies: int) -> AuditReport:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    out = Path(tmp) / f"c{pods}"
    generate(out, pods=pods, policies=policies, seed=1)
    return audit(load_cluster([str(out)]), only={"NV101"})


def test_port_summary():
    assert port_summary(PortSet.all()) == "all"
    ps = PortSet.of(Protocol.TCP, 80).union(PortSet.of(Protocol.TCP, 443)).union(
        PortSet.of(Protocol.UDP, 53))
    assert port_summary(ps) == "TCP 80,443; UDP 53"
    many = PortSet.from_map({Protocol.TCP: [(p, p) for p in range(10, 20, 2)]})
    assert port_summary(many) == "TCP 10,12,14,16 +1 more"


def test_demo_is_drawn_by_workload_with_namespace_fan_in(monkeypatch):
    monkeypatch.chdir(ROOT)
    g = build_graph(audit(load_cluster(["fixtures/demo"]), only={"NV101"}))
    assert g is not None and g.level == "workload"
    assert {grp.name for grp in g.groups} == {"backend", "frontend", "kube-system", "monitoring"}
    ids = {n.id for n in g.nodes} | {grp.id for grp in g.groups}
    assert all(e.src in ids and e.dst in ids for e in g.edges)
    # Both backend workloads reach DNS: one edge from the backend box.
    backend = next(grp.id for grp in g.groups if grp.name == "backend")
    assert any(e.src == backend and e.label == "TCP 53; UDP 53" for e in g.edges)


def test_a_200_pod_cluster_stays_readable(tmp_path_factory):
    r = generated(str(tmp_path_factory.mktemp("gen")), 200, 40)
    assert r.cluster_summary["pods"] >= 200
    g = build_graph(r)
    assert g is not None
    assert len(g.nodes) <= MAX_NODES and len(g.edges) <= MAX_EDGES
    assert g.notes  # says what was aggregated
    md = render(r, "md", RenderOptions())
    block = md.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert block.count("-->") == len(g.edges)
    pic = layout(g)
    assert len(pic.nodes) == len(g.nodes) and pic.width > 0


def test_many_namespaces_are_merged_and_fan_in_aggregated():
    docs = []
    for i in range(50):
        docs.append(f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: ns{i:02d}}}\n")
        docs.append(f"apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: ns{i:02d}, "
                    f"labels: {{app: a{i}}}}}\nspec: {{containers: [{{name: c}}]}}\n")
    r = audit(load_text("---\n".join(docs), "many.yaml"), only={"NV101"}, max_workloads=10)
    assert r.workload_connectivity is None
    g = build_graph(r, max_nodes=12, max_edges=30)
    assert g is not None and g.level == "namespace"
    assert len(g.nodes) <= 12 and len(g.edges) <= 30
    names = {n.name for n in g.nodes}
    assert "every namespace" in names and any(n.endswith("other namespaces") for n in names)
    assert any("merged" in n for n in g.notes)
