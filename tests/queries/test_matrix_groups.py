"""Group cells of the matrix (``--by namespace|workload``), from the aggregation functions.

The convention (``queries/matrix.py``): a group cell counts the ordered pairs of
*distinct* pods between its groups for which the relation holds; a workload
representative stands for replicas that pair with each other, while a real pod's pair
with itself is loopback and belongs to no cell.  ``group_counts`` and ``group_ports``
are checked here against the pod-by-pod count, for any relation over pod classes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.engines.allpairs import compute_all_pairs
from netverify.loader import load_text
from netverify.model import Pod
from netverify.queries.matrix import Groups, group_counts, group_ports, matrix
from tests import strategies as S


def _pairs(pods: list[Pod]) -> list[tuple[Pod, Pod]]:
    """Every ordered pair of the matrix: distinct pods, or a representative with itself."""
    return [(a, b) for a in pods for b in pods if a is not b or a.is_template]


@settings(max_examples=60, deadline=None)
@given(manifests=S.clusters(), data=st.data())
def test_group_counts_and_ports_are_the_pod_by_pod_aggregates(manifests: list[dict[str, Any]],
                                                              data: st.DataObject) -> None:
    c = load_text(S.to_yaml(manifests), "random.yaml")
    ap = compute_all_pairs(c)
    n = len(ap.pods.members)
    relation = np.array(data.draw(st.lists(st.lists(st.booleans(), min_size=n, max_size=n),
                                           min_size=n, max_size=n)), dtype=bool)
    words = [np.array(data.draw(st.lists(st.lists(st.integers(0, 2**64 - 1), min_size=n,
                                                  max_size=n), min_size=n, max_size=n)),
                      dtype=np.uint64)]
    by_namespace = data.draw(st.booleans())

    def group_of(p: Pod) -> str:
        return p.namespace if by_namespace else p.group

    pods = list(c.pods)
    groups = Groups.of(ap, pods, group_of)
    held, pairs = group_counts(groups, relation)
    (union,) = group_ports(groups, words)
    gi = {g: i for i, g in enumerate(groups.names)}
    want_held = np.zeros_like(held)
    want_pairs = np.zeros_like(pairs)
    want_union = np.zeros_like(union)
    cls = ap.pods.class_of
    for a, b in _pairs(pods):
        s, d = gi[group_of(a)], gi[group_of(b)]
        ca, cb = cls[a.key], cls[b.key]
        want_pairs[s, d] += 1
        want_held[s, d] += int(relation[ca, cb])
        want_union[s, d] |= words[0][ca, cb]
    assert held.tolist() == want_held.tolist()
    assert pairs.tolist() == want_pairs.tolist()
    assert union.tolist() == want_union.tolist()


TIED = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: db-a, namespace: shop, labels: {app: db}}
---
apiVersion: v1
kind: Pod
metadata: {name: db-b, namespace: shop, labels: {app: db}}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: close-databases}
spec:
  tier: Admin
  priority: 10
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}
  ingress: [{name: no-one, action: Deny, from: [{namespaces: {}}]}]
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: open-databases}
spec:
  tier: Admin
  priority: 10
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}
  ingress: [{name: anyone, action: Accept, from: [{namespaces: {}}]}]
"""


def test_a_pod_alone_in_its_group_is_no_undecided_pair() -> None:
    """Two database pods (one class) that tied tiers leave undecided towards each other:
    each one's own workload cell holds no pair of distinct pods (its pair with itself is
    loopback), so it is not undecided; the cells between the two are."""
    c = load_text(TIED, "tied.yaml")
    m = matrix(c, by="workload", port=5432)
    cells = {(x.src, x.dst): x for x in m.cells}
    alone = cells[("shop/db-a", "shop/db-a")]
    assert alone.pairs == 0 and alone.complete
    assert not cells[("shop/db-a", "shop/db-b")].complete
    assert not matrix(c, by="namespace", port=5432).cells[0].complete
