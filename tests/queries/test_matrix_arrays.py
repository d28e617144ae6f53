"""The group matrix held as arrays (``GroupCells``) and written in pieces (issue 16).

At 4,001 namespaces a group matrix has 16 million cells, so its cells are arrays and its
JSON is written a row at a time.  Neither may change an answer or a byte:

- every cell (allowed pairs, pairs, ports, undecided mark) is what counting the
  ``Evaluator``'s verdicts pod pair by pod pair gives;
- the streamed JSON is the document ``json.dumps`` writes, and follows its schema;
- the cells an unevaluated object could change are the ones ``PolicyObject.affects``
  names, the rule of ``policy_kinds``: "a namespaced kind, the pairs with a pod of its
  namespace at the end ``side`` names (both, the source for egress controls, the
  destination for mesh authorization); ``outside_only`` kinds (egress firewalls) only
  traffic to addresses outside the cluster".
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netverify.cli import main
from netverify.engines.concrete import Evaluator
from netverify.loader import load_text
from netverify.matrix_cells import GroupCells
from netverify.model import Cluster, Pod
from netverify.ports import PortSet, Protocol
from netverify.queries import matrix as matrix_module
from netverify.queries.matrix import matrix
from netverify.renderers.json import matrix_document
from netverify.renderers.registry import json_renderer, render
from tests import strategies as S
from tests.engines.test_tier_agreement import tiered_clusters


def _by_pairs(cluster: Cluster, by_namespace: bool, port: int | None
              ) -> dict[tuple[str, str], tuple[int, int, PortSet]]:
    """(allowed pairs, undecided pairs, allowed ports) per group pair, pod pair by pod pair,
    on ``port`` (TCP) only when one is asked.

    Pairs are ordered pairs of distinct pods, and a workload representative with itself
    (its replicas, judged by the policies: ``self_exempt=False``).
    """
    ev = Evaluator(cluster)
    proto = Protocol.TCP if port is not None else None

    def group(p: Pod) -> str:
        return p.namespace if by_namespace else p.group

    out: dict[tuple[str, str], tuple[int, int, PortSet]] = {}
    for a in cluster.pods:
        for b in cluster.pods:
            if a is b and not a.is_template:
                continue
            v = ev.pair(a, b, self_exempt=False) if a is b else ev.pair(a, b)
            allowed, undecided = v.allowed.restrict(proto, port), v.undecided.restrict(proto, port)
            key = (group(a), group(b))
            n, u, ports = out.get(key, (0, 0, PortSet.empty()))
            out[key] = (n + (not allowed.is_empty), u + (not undecided.is_empty),
                        ports.union(allowed))
    return out


def _check_cells(cluster: Cluster, by_namespace: bool, port: int | None) -> None:
    m = matrix(cluster, by="namespace" if by_namespace else "workload", port=port,
               policy_only=True)
    assert isinstance(m.cells, GroupCells)
    want = _by_pairs(cluster, by_namespace, port)
    group = {(p.namespace if by_namespace else p.group) for p in cluster.pods}
    size = {g: sum(1 for p in cluster.pods if (p.namespace if by_namespace else p.group) == g)
            for g in group}
    bare = {g: sum(1 for p in cluster.pods if not p.is_template
                   and (p.namespace if by_namespace else p.group) == g) for g in group}
    cells = list(m.cells)
    assert len(cells) == len(m.rows) ** 2 == len(m.cells)
    for i, c in enumerate(cells):
        assert m.cells[i] == c
        n, u, ports = want.get((c.src, c.dst), (0, 0, PortSet.empty()))
        assert c.allowed_pairs == n, (c.src, c.dst)
        assert c.pairs == size[c.src] * size[c.dst] - (bare[c.src] if c.src == c.dst else 0)
        assert c.allowed == ports, (c.src, c.dst)
        assert c.complete == (u == 0), (c.src, c.dst)


@settings(max_examples=50, deadline=None)
@given(manifests=S.clusters(), by_namespace=st.booleans(),
       port=st.sampled_from((None, 80, 443, 8080)))
def test_group_cells_are_the_evaluator_pairs(manifests: list[dict[str, Any]],
                                             by_namespace: bool, port: int | None) -> None:
    _check_cells(load_text(S.to_yaml(manifests), "random.yaml"), by_namespace, port)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=tiered_clusters(mixed=True), by_namespace=st.booleans())
def test_group_cells_with_tiers_mark_the_undecided_pairs(
        drawn: tuple[int, list[dict[str, Any]]], by_namespace: bool) -> None:
    cluster = load_text(yaml.safe_dump_all(drawn[1], sort_keys=False), "tiered.yaml")
    _check_cells(cluster, by_namespace, None)


def _dumped(m: Any) -> str:
    return json.dumps(matrix_document(m), indent=2, sort_keys=True) + "\n"


UNEVALUATED = """
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: c, namespace: %s}
spec: {endpointSelector: {}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: i, namespace: %s}
spec: {}
---
apiVersion: k8s.ovn.org/v1
kind: EgressFirewall
metadata: {name: default, namespace: %s}
spec: {egress: []}
"""


@settings(max_examples=50, deadline=None)
@given(manifests=S.clusters(), by_namespace=st.booleans(),
       port=st.sampled_from((None, 443)), where=st.lists(
           st.sampled_from(S.NAMESPACE_NAMES), min_size=3, max_size=3),
       unevaluated=st.booleans())
def test_streamed_json_is_the_document(manifests: list[dict[str, Any]], by_namespace: bool,
                                       port: int | None, where: list[str],
                                       unevaluated: bool) -> None:
    text = S.to_yaml(manifests) + ("---\n" + UNEVALUATED % tuple(where) if unevaluated else "")
    m = matrix(load_text(text, "random.yaml"),
               by="namespace" if by_namespace else "workload", port=port)
    renderer = json_renderer(type(m))
    pieces = list(renderer.pieces(m))  # type: ignore[attr-defined]
    if m.rows:
        assert len(pieces) == len(m.rows) + 2  # a head, one piece per row, a tail
    got = "".join(pieces)
    assert got == _dumped(m) == render(m, "json")
    jsonschema.validate(json.loads(got), renderer.json_schema())


def _affected_objects(cluster: Cluster, m: Any, by_namespace: bool) -> None:
    """Each cell's mark and the coverage's objects, by ``affects`` pair by pair."""
    spaces: dict[str, set[str]] = {}
    for p in cluster.pods:
        spaces.setdefault(p.namespace if by_namespace else p.group, set()).add(p.namespace)
    kept = set()
    for c in m.cells:
        hit = [o for o in cluster.coverage.unevaluated
               for a in spaces[c.src] for b in spaces[c.dst] if o.affects(a, b)]
        if c.pairs:
            assert c.complete == (not hit), (c.src, c.dst)
            kept.update(hit)
        else:
            assert c.complete
    assert set(m.coverage.unevaluated) == kept


@settings(max_examples=50, deadline=None)
@given(manifests=S.clusters(), by_namespace=st.booleans(),
       where=st.lists(st.sampled_from(S.NAMESPACE_NAMES), min_size=3, max_size=3))
def test_unevaluated_objects_mark_the_cells_they_affect(manifests: list[dict[str, Any]],
                                                        by_namespace: bool,
                                                        where: list[str]) -> None:
    """A CiliumNetworkPolicy marks cells with its namespace at either end, an Istio
    AuthorizationPolicy those with it at the destination, an EgressFirewall none (no
    cell is traffic to outside the cluster)."""
    cluster = load_text(S.to_yaml(manifests) + "---\n" + UNEVALUATED % tuple(where),
                        "random.yaml")
    m = matrix(cluster, by="namespace" if by_namespace else "workload", policy_only=True)
    assert isinstance(m.cells, GroupCells)
    _affected_objects(cluster, m, by_namespace)


THREE = "".join(f"""
apiVersion: v1
kind: Pod
metadata: {{name: p, namespace: ns{i}, labels: {{app: p}}}}
---
""" for i in range(4))


@pytest.mark.parametrize("fmt", ["text", "md"])
def test_a_group_table_above_the_limit_is_refused_unless_forced(
        fmt: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Four namespaces above a limit of three: exit 2 naming the size and the forms that
    scale; --force prints the table; JSON is never refused."""
    path = tmp_path / "four.yaml"
    path.write_text(THREE)
    monkeypatch.setattr(matrix_module, "GROUP_TABLE_LIMIT", 3)
    run = CliRunner().invoke
    refused = run(main, ["--no-cache", "matrix", "--by", "namespace", "--format", fmt,
                         "-f", str(path)])
    assert refused.exit_code == 2, refused.output
    assert "4 rows (16 cells)" in refused.output and "--force" in refused.output
    assert "--format json" in refused.output
    forced = run(main, ["--no-cache", "matrix", "--by", "namespace", "--format", fmt,
                        "--force", "-f", str(path)])
    assert forced.exit_code == 0, forced.output
    assert "ns3" in forced.output and "1/1" in forced.output
    kept = run(main, ["--no-cache", "matrix", "--by", "namespace", "--format", fmt,
                      "-n", "ns0", "-n", "ns1", "-f", str(path)])
    assert kept.exit_code == 0, kept.output
    out = tmp_path / "m.json"
    streamed = run(main, ["--no-cache", "matrix", "--by", "namespace", "--format", "json",
                          "-o", str(out), "-f", str(path)])
    assert streamed.exit_code == 0, streamed.output
    doc = json.loads(out.read_text())
    assert len(doc["results"]) == 16
    assert out.read_text() == run(main, ["--no-cache", "matrix", "--by", "namespace",
                                         "--format", "json", "-f", str(path)]).output
