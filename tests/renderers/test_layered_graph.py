"""The HTML report's graph of a real application reads left to right, names and ports whole.

Online Boutique (fixtures/online-boutique: Google's microservices demo with its own
NetworkPolicies) has twelve workloads, one way in (the LoadBalancer Service
``frontend-external``, port 80 to the frontend's 8080) and one data store (Redis).
"""

from __future__ import annotations

import re
from functools import cache
from itertools import combinations
from pathlib import Path

import pytest

from netverify.audit.run import audit
from netverify.loader import load_cluster
from netverify.renderers import RenderOptions, render
from netverify.renderers.audit_graph import build_graph
from netverify.renderers.audit_svg import Box, Picture, layout
from netverify.results import AuditReport

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "fixtures" / "online-boutique"
WORKLOADS = {"adservice", "cartservice", "checkoutservice", "currencyservice",
             "emailservice", "frontend", "loadgenerator", "paymentservice",
             "productcatalogservice", "recommendationservice", "redis-cart",
             "shippingservice"}


@cache
def report() -> AuditReport:
    return audit(load_cluster([str(APP)]), only={"NV101"})


@cache
def picture() -> Picture:
    g = build_graph(report())
    assert g is not None and g.level == "workload"
    return layout(g, report().entry_points)


def by_name(pic: Picture) -> dict[str, Box]:
    return {b.lines[0]: b for b in pic.nodes}


def test_every_service_is_a_box_with_its_whole_name():
    assert set(by_name(picture())) == WORKLOADS
    assert not any("\u2026" in line for b in picture().boxes for line in b.lines)


def test_the_load_balancer_is_the_way_in():
    # Service type LoadBalancer: "exposes the Service externally using an external load
    # balancer"; frontend-external maps port 80 to the frontend's targetPort 8080.
    pic = picture()
    entries = [b for b in pic.boxes if b.kind == "entry"]
    assert [b.lines for b in entries] == [("LoadBalancer", "default/frontend-external")]
    internet = next(b for b in pic.boxes if b.kind == "internet")
    lb, front = entries[0], by_name(pic)["frontend"]
    links = {(lk.src, lk.dst): lk.label for lk in pic.links}
    assert links[(internet.id, lb.id)] == "TCP 80"
    assert links[(lb.id, front.id)] == "TCP 8080"


def test_every_edge_carries_its_ports():
    pic = picture()
    assert pic.links
    for lk in pic.links:
        assert re.fullmatch(r"(TCP|UDP|SCTP) [0-9, ]+(; .*)?|all", lk.label), lk.label
    names = {b.id: b.lines[0] for b in pic.boxes}
    drawn = {(names[lk.src], names[lk.dst]): lk.label for lk in pic.links}
    # From the NetworkPolicies of the app: cartservice admits frontend and checkoutservice
    # on 7070, redis-cart admits cartservice on 6379.
    assert drawn[("frontend", "cartservice")] == "TCP 7070"
    assert drawn[("checkoutservice", "cartservice")] == "TCP 7070"
    assert drawn[("cartservice", "redis-cart")] == "TCP 6379"


def test_columns_go_from_the_internet_to_the_data_store():
    pic = picture()
    boxes = by_name(pic)
    internet = next(b for b in pic.boxes if b.kind == "internet")
    lb = next(b for b in pic.boxes if b.kind == "entry")
    assert internet.layer == 0 and lb.layer == 1 and boxes["frontend"].layer == 2
    assert boxes["frontend"].layer < boxes["checkoutservice"].layer \
        < boxes["cartservice"].layer < boxes["redis-cart"].layer
    assert boxes["redis-cart"].kind == "store"
    assert boxes["redis-cart"].layer == max(b.layer for b in pic.boxes)
    ids = {b.id: b for b in pic.boxes}
    for lk in pic.links:  # every forward edge goes right, and only back edges go left
        assert lk.back or ids[lk.src].layer < ids[lk.dst].layer
        assert lk.back == (ids[lk.src].layer >= ids[lk.dst].layer)
    # columns are left to right on the picture too
    for a, b in combinations(pic.boxes, 2):
        if a.layer < b.layer:
            assert a.x + a.w < b.x


def test_nothing_overlaps():
    pic = picture()
    for a, b in combinations(pic.boxes, 2):
        assert not a.overlaps(b.x, b.y, b.w, b.h), (a.lines, b.lines)
    rects = [(lk.lx, lk.ly, lk.lw, lk.lh) for lk in pic.links]
    for r in rects:
        assert not any(b.overlaps(*r) for b in pic.boxes)
    for (x1, y1, w1, h1), (x2, y2, w2, h2) in combinations(rects, 2):
        assert not (x1 < x2 + w2 and x2 < x1 + w1 and y1 < y2 + h2 and y2 < y1 + h1)
    for b in pic.boxes:
        assert b.x >= 0 and b.x + b.w <= pic.width and b.y >= 0 and b.y + b.h <= pic.height


def test_a_frontend_open_to_every_workload_is_one_line_not_eleven_arrows():
    # frontend's NetworkPolicy: "ingress: - {}" admits every source.
    pic = picture()
    front = by_name(pic)["frontend"]
    assert front.lines[1] == "\u2190 every workload: all"
    assert not any(lk.dst == front.id and lk.src != next(
        b.id for b in pic.boxes if b.kind == "entry") for lk in pic.links)


def test_the_html_report_draws_it_self_contained():
    html = render(report(), "html", RenderOptions())
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    for name in WORKLOADS | {"LoadBalancer", "default/frontend-external", "internet"}:
        assert f">{name}</text>" in svg
    assert svg.count('class="edge-label"') == len(picture().links)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html
    # One namespace: the matrix is by workload instead of a single cell.
    assert "<h2>Connectivity between workloads</h2>" in html
    table = html.split('<table class="matrix">', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == len(WORKLOADS) + 1


@pytest.mark.parametrize("workloads", [60])
def test_sixty_workloads_stay_apart(tmp_path: Path, workloads: int):
    docs = []
    for i in range(workloads):
        docs.append(f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: svc-{i:02d}, "
                    f"namespace: ns{i % 3}}}\nspec:\n  selector: {{matchLabels: {{app: s{i}}}}}\n"
                    f"  template:\n    metadata: {{labels: {{app: s{i}}}}}\n"
                    f"    spec: {{containers: [{{name: c, image: x}}]}}\n")
        nxt = (i + 1) % workloads
        docs.append(f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: "
                    f"{{name: p{i}, namespace: ns{i % 3}}}\nspec:\n  podSelector: "
                    f"{{matchLabels: {{app: s{i}}}}}\n  ingress:\n  - from:\n    - "
                    f"namespaceSelector: {{}}\n      podSelector: "
                    f"{{matchLabels: {{app: s{nxt}}}}}\n"
                    f"    ports: [{{port: {8000 + i}}}]\n")
    (tmp_path / "app.yaml").write_text("---\n".join(docs))
    r = audit(load_cluster([str(tmp_path)]), only={"NV101"}, max_workloads=workloads)
    g = build_graph(r, max_nodes=workloads, max_edges=workloads)
    assert g is not None and g.level == "workload" and len(g.nodes) == workloads
    pic = layout(g, r.entry_points)
    for a, b in combinations(pic.boxes, 2):
        assert not a.overlaps(b.x, b.y, b.w, b.h)
    assert all(lk.label.startswith("TCP ") for lk in pic.links)


def test_by_namespace_a_way_in_has_one_edge_per_namespace(tmp_path: Path):
    docs = [f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {n}, namespace: shop}}\n"
            f"spec:\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: "
            f"{{labels: {{app: web, v: {n}}}}}\n    spec: {{containers: [{{name: c, image: x, "
            f"ports: [{{containerPort: {port}}}]}}]}}\n" for n, port in (("a", 8080), ("b", 8081))]
    docs.append("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"
                "spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80, "
                "targetPort: 8080}]}\n")
    (tmp_path / "app.yaml").write_text("---\n".join(docs))
    r = audit(load_cluster([str(tmp_path)]), only={"NV101"})
    g = build_graph(r, max_nodes=1)
    assert g is not None and g.level == "namespace"
    pic = layout(g, r.entry_points)
    entry = next(b for b in pic.boxes if b.kind == "entry")
    assert [lk.label for lk in pic.links if lk.src == entry.id] == ["TCP 8080"]
