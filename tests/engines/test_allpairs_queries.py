"""The all-pairs engine's block queries (``mask_outside``, ``reach``, ``allowed_ports``),
checked against the pair-by-pair ``Evaluator`` on random clusters.

Audit rules ask "does some pod of these classes reach some pod of those, on a port that
counts" through these methods instead of indexing the engine's word matrices, so they
must say exactly what the pairwise verdicts say.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.engines.allpairs import compute_all_pairs
from netverify.engines.concrete import Evaluator
from netverify.loader import load_text
from netverify.ports import PortSet, Protocol
from tests import strategies as S
from tests.support import ALL, cluster, pod, policy, ports

DNS = PortSet.from_map({Protocol.TCP: [(53, 53)], Protocol.UDP: [(53, 53)]})
IGNORES = (PortSet.empty(), DNS, ports(TCP="1-1000"), ports(UDP="1-65535"), ALL)


@settings(max_examples=60, deadline=None)
@given(manifests=S.clusters(), data=st.data())
def test_block_queries_agree_with_the_evaluator(manifests: list[dict[str, Any]],
                                                 data: st.DataObject) -> None:
    c = load_text(S.to_yaml(manifests), "random.yaml")
    ap = compute_all_pairs(c)
    ev = Evaluator(c)
    reps = ap.pods.reps
    n = len(reps)
    sources = data.draw(st.lists(st.integers(0, n - 1), max_size=n, unique=True))
    targets = data.draw(st.lists(st.integers(0, n - 1), max_size=n, unique=True))
    ignores = [data.draw(st.sampled_from(IGNORES)) for _ in targets]
    hit = ap.reach(sources, targets, [ap.mask_outside(i) for i in ignores])
    assert hit.shape == (len(sources), len(targets))
    for j, t in enumerate(targets):
        union = PortSet.empty()
        for i, s in enumerate(sources):
            # Classes, not pods: a class's pair with itself is two of its pods (or a
            # representative's replicas), never loopback.
            want = ev.allowed_ports(reps[s], reps[t]) if s != t else ap.portset(s, t)
            union = union.union(want)
            assert bool(hit[i, j]) == (not want.difference(ignores[j]).is_empty), (s, t)
        got = ap.allowed_ports(sources, t, ap.mask_outside(ignores[j]))
        # Port classes are all or nothing: what is kept is the allowed ports outside
        # the ignored ones, plus the ignored ports sharing a class with a kept one.
        assert got.difference(ignores[j]) == union.difference(ignores[j])
        assert got.difference(union).is_empty


def test_mask_outside_keeps_the_classes_with_a_port_outside() -> None:
    c = cluster(pod("x", "a"), policy("x", "dns", {
        "podSelector": {}, "ingress": [{"ports": [{"protocol": "UDP", "port": 53}]}]}))
    ap = compute_all_pairs(c)
    mask = ap.mask_outside(DNS)
    kept = [k for k in ap.computed if mask[k // 64] >> (k % 64) & 1]
    assert ap.ports.class_of(Protocol.UDP, 53) not in kept
    assert ap.ports.class_of(Protocol.TCP, 80) in kept
    assert all(not ap.ports.portsets[k].difference(DNS).is_empty for k in kept)


def test_reach_and_ports_on_a_small_cluster() -> None:
    """web may reach api on TCP 8080 and DNS; nothing else reaches api."""
    c = cluster(pod("shop", "web", {"app": "web"}), pod("shop", "api", {"app": "api"}),
                pod("other", "x", {"app": "x"}),
                policy("shop", "api", {"podSelector": {"matchLabels": {"app": "api"}},
                                       "ingress": [{"from": [{"podSelector": {
                                           "matchLabels": {"app": "web"}}}],
                                           "ports": [{"port": 8080}, {"protocol": "UDP",
                                                                     "port": 53}]}]}))
    ap = compute_all_pairs(c)
    cls = ap.pods.class_of
    web, api, x = cls["shop/web"], cls["shop/api"], cls["other/x"]
    beyond_dns = ap.mask_outside(DNS)
    everything = ap.mask_outside(PortSet.empty())
    assert ap.reach([web, x], [api], [beyond_dns]).tolist() == [[True], [False]]
    assert ap.allowed_ports([web, x], api, everything) == ports(TCP="8080", UDP="53")
    assert ap.allowed_ports([web], api, beyond_dns).difference(DNS) == ports(TCP="8080")
    assert ap.allowed_ports([], api, everything).is_empty
    only_dns = ap.mask_outside(ALL.difference(DNS))
    assert ap.reach([web], [api], [only_dns]).tolist() == [[True]]
    assert ap.reach([], [api], [everything]).shape == (0, 1)
