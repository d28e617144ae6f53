"""The all-pairs engine through roles and blocks, against the pair-by-pair ``Evaluator``.

``compute_all_pairs`` factors the relation through source and destination roles and
``group_totals`` streams it in blocks of destination roles.  Whatever the block size
(down to one destination entry per block), the group totals must be what counting the
``Evaluator``'s verdicts pod pair by pod pair gives: allowed pairs, undecided pairs
and the union of allowed ports, for every ordered pair of groups.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netverify.engines.allpairs import compute_all_pairs
from netverify.engines.allpairs_groups import group_totals
from netverify.engines.concrete import Evaluator
from netverify.loader import load_text
from netverify.model import Cluster, Pod
from netverify.ports import PortSet
from netverify.queries.matrix import group_members
from tests import strategies as S
from tests.engines.test_tier_agreement import tiered_clusters


def _by_pairs(cluster: Cluster, by_namespace: bool
              ) -> dict[tuple[str, str], tuple[int, int, PortSet]]:
    """(allowed pairs, undecided pairs, allowed ports) per group pair, pod pair by pod pair.

    Pairs are ordered pairs of distinct pods, and a workload representative with itself
    (its replicas, judged by the policies: ``self_exempt=False``).
    """
    ev = Evaluator(cluster)

    def group(p: Pod) -> str:
        return p.namespace if by_namespace else p.group

    out: dict[tuple[str, str], tuple[int, int, PortSet]] = {}
    for a in cluster.pods:
        for b in cluster.pods:
            if a is b and not a.is_template:
                continue
            v = ev.pair(a, b, self_exempt=False) if a is b else ev.pair(a, b)
            key = (group(a), group(b))
            n, u, ports = out.get(key, (0, 0, PortSet.empty()))
            out[key] = (n + (not v.allowed.is_empty), u + (not v.undecided.is_empty),
                        ports.union(v.allowed))
    return out


def _check(cluster: Cluster, by_namespace: bool, block_cells: int) -> None:
    ap = compute_all_pairs(cluster)
    names, members = group_members(ap, list(cluster.pods),
                                   (lambda p: p.namespace) if by_namespace
                                   else (lambda p: p.group))
    t = group_totals(ap, members, block_cells=block_cells)
    want = _by_pairs(cluster, by_namespace)
    for i, s in enumerate(names):
        for j, d in enumerate(names):
            n, u, ports = want.get((s, d), (0, 0, PortSet.empty()))
            sig = tuple(int(w[i, j]) for w in t.ports)
            assert int(t.allowed[i, j]) == n, (s, d, "allowed pairs")
            assert ap.portset_of_signature(sig) == ports, (s, d, "ports")
            got_u = 0 if t.undecided is None else int(t.undecided[i, j])
            assert got_u == u, (s, d, "undecided pairs")


@settings(max_examples=60, deadline=None)
@given(manifests=S.clusters(), by_namespace=st.booleans(),
       block_cells=st.sampled_from((1, 2, 7, 10**9)))
def test_group_totals_count_the_evaluator_pairs(manifests: list[dict[str, Any]],
                                                by_namespace: bool, block_cells: int) -> None:
    _check(load_text(S.to_yaml(manifests), "random.yaml"), by_namespace, block_cells)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=tiered_clusters(mixed=True), by_namespace=st.booleans(),
       block_cells=st.sampled_from((1, 3, 10**9)))
def test_group_totals_with_tiers_count_the_evaluator_pairs(
        drawn: tuple[int, list[dict[str, Any]]], by_namespace: bool, block_cells: int) -> None:
    cluster = load_text(yaml.safe_dump_all(drawn[1], sort_keys=False), "tiered.yaml")
    _check(cluster, by_namespace, block_cells)


@settings(max_examples=40, deadline=None)
@given(manifests=S.clusters(), data=st.data())
def test_blocks_of_classes_are_the_pairs(manifests: list[dict[str, Any]],
                                         data: st.DataObject) -> None:
    """Any block of classes (rows and columns in any order, repeated) holds each pair's
    allowed ports, as the single-pair query does."""
    c = load_text(S.to_yaml(manifests), "random.yaml")
    ap = compute_all_pairs(c)
    n = len(ap.pods.members)
    rows = data.draw(st.lists(st.integers(0, n - 1), max_size=2 * n))
    cols = data.draw(st.lists(st.integers(0, n - 1), max_size=2 * n))
    allowed, _ = ap.block(rows, cols)
    reps = ap.pods.reps
    ev = Evaluator(c)
    for i, s in enumerate(rows):
        for j, d in enumerate(cols):
            sig = tuple(int(w[i, j]) for w in allowed)
            want = ev.allowed_ports(reps[s], reps[d]) if s != d else ap.portset(s, d)
            assert ap.portset_of_signature(sig) == want


LONE = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 5432}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {app: db}}}], ports: [{port: 5432}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress]}
"""


@pytest.mark.parametrize("block_cells", [1, 10**9])
def test_a_pod_allowed_only_to_itself_adds_no_port_to_its_group(block_cells: int) -> None:
    """db may reach db on 5432 by the policy, but db is alone: its pair with itself is
    loopback, so the shop -> shop cell holds no pair and no port (web reaches nothing
    and nothing reaches web)."""
    c = load_text(LONE, "lone.yaml")
    ap = compute_all_pairs(c)
    names, members = group_members(ap, list(c.pods), lambda p: p.namespace)
    t = group_totals(ap, members, block_cells=block_cells)
    assert names == ("shop",)
    assert int(t.allowed[0, 0]) == 0
    sig = tuple(int(w[0, 0]) for w in t.ports)
    assert ap.portset_of_signature(sig).is_empty
    assert np.array_equal(t.allowed, _matrix_counts(c))


def _matrix_counts(c: Cluster) -> np.ndarray[Any, Any]:
    from netverify.queries.matrix import matrix

    m = matrix(c, by="namespace", policy_only=True)
    return np.array([[x.allowed_pairs for x in m.cells]])
