"""Address families: a connection uses one family, and ipBlocks see the address of that family.

Kubernetes dual-stack (https://kubernetes.io/docs/concepts/services-networking/dual-stack/)
gives a pod one address per family; a packet carries addresses of one family, so a
dual-stack pod reaching an IPv4-only pod does so from its IPv4 address, and an ipBlock
that only lists IPv6 addresses cannot admit it.  A pair that shares no family cannot
connect at all.  Every check runs the pairwise Evaluator, the all-pairs engine
(``support.allowed``) and the SMT engine.
"""

from __future__ import annotations

from netverify.engines.concrete import Evaluator, External
from netverify.engines.smt.engine import SmtEngine
from netverify.ipblocks import IPv4, IPv6, parse_address
from netverify.model import Cluster
from netverify.queries.hypothetical import can_reach_hypothetical
from netverify.verdicts import Answer
from tests.support import ALL, NONE, allowed, cluster, ns, pod, policy

ONLY_V6 = {"podSelector": {"matchLabels": {"app": "t"}},
           "ingress": [{"from": [{"ipBlock": {"cidr": "fd00::/64"}}]}]}


def _with_rule(spec: dict[str, object]) -> Cluster:
    return cluster(
        ns("a"),
        pod("a", "dual", {"app": "c"}, ips=["10.0.0.1", "fd00::1"]),
        pod("a", "v4only", {"app": "t"}, ip="10.0.0.2"),
        pod("a", "dualt", {"app": "t"}, ips=["10.0.0.3", "fd00::3"]),
        pod("a", "v6only", {"app": "c"}, ip="fd00::9"),
        pod("a", "v6t", {"app": "t"}, ip="fd00::8"),
        pod("a", "noip", {"app": "c"}),
        policy("a", "only-v6", spec))


def _smt_agrees(c: Cluster) -> None:
    smt, ev = SmtEngine(c), Evaluator(c)
    for a in c.pods:
        for b in c.pods:
            assert smt.allowed_ports(smt.pod(a), smt.pod(b)) == ev.allowed_ports(a, b), (
                f"{a.key} -> {b.key}")


def test_an_ipv6_block_does_not_admit_a_dual_stack_pod_reaching_an_ipv4_only_pod():
    c = _with_rule(ONLY_V6)
    assert allowed(c, "a/dual", "a/v4only") == NONE
    assert allowed(c, "a/v6only", "a/dualt") == ALL  # over IPv6, from fd00::9
    assert allowed(c, "a/noip", "a/v4only") == NONE  # no known address: nothing to match
    _smt_agrees(c)


def test_an_ipv4_block_admits_the_ipv4_address_of_a_dual_stack_pod():
    c = _with_rule({"podSelector": {"matchLabels": {"app": "t"}},
                    "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/24"}}]}]})
    assert allowed(c, "a/dual", "a/v4only") == ALL
    assert allowed(c, "a/dual", "a/v6t") == NONE  # over IPv6, from fd00::1: not in the block
    assert allowed(c, "a/v6only", "a/dualt") == NONE  # only IPv6 in common, not in the block
    _smt_agrees(c)


def test_a_dual_stack_pair_is_allowed_over_the_family_that_admits_it_and_says_so():
    c = _with_rule(ONLY_V6)
    pods = {p.key: p for p in c.pods}
    v = Evaluator(c).pair(pods["a/dual"], pods["a/dualt"])
    assert v.allowed == ALL
    assert any("over IPv4: none" in x and "over IPv6: all" in x for x in v.caveats), v.caveats


def test_pods_without_a_common_address_family_cannot_connect():
    c = _with_rule({"podSelector": {"matchLabels": {"app": "nobody"}}})
    assert allowed(c, "a/v4only", "a/v6only") == NONE
    assert allowed(c, "a/v6only", "a/v4only") == NONE
    assert allowed(c, "a/noip", "a/v6only") == ALL  # unknown addresses: either family
    pods = {p.key: p for p in c.pods}
    v = Evaluator(c).pair(pods["a/v4only"], pods["a/v6only"])
    assert any("no address family in common" in x for x in v.caveats), v.caveats
    _smt_agrees(c)


def test_an_external_address_reaches_only_pods_of_its_family():
    c = _with_rule({"podSelector": {"matchLabels": {"app": "nobody"}}})
    pods = {p.key: p for p in c.pods}
    ev = Evaluator(c)
    v6 = parse_address("2001:db8::1").value
    v4 = parse_address("192.0.2.1").value
    ext6 = External(IPv6, v6, v6, "2001:db8::1")
    ext4 = External(IPv4, v4, v4, "192.0.2.1")
    assert ev.allowed_ports(ext6, pods["a/v4only"]) == NONE
    assert ev.allowed_ports(pods["a/v4only"], ext6) == NONE
    assert ev.allowed_ports(ext4, pods["a/v4only"]) == ALL
    assert ev.allowed_ports(ext6, pods["a/noip"]) == ALL
    smt = SmtEngine(c)
    for ext in (ext4, ext6):
        e = smt.external(ext.family, ext.lo, ext.hi)
        for p in c.pods:
            assert smt.allowed_ports(e, smt.pod(p)) == ev.allowed_ports(ext, p), p.key
            assert smt.allowed_ports(smt.pod(p), e) == ev.allowed_ports(p, ext), p.key


def test_hypothetical_sources_reach_an_ipv4_only_pod_over_ipv4_only():
    c = _with_rule(ONLY_V6)
    r = can_reach_hypothetical(c, "a/*", "a/v4only:80")
    assert r.outcome is Answer.NO, r
    r = can_reach_hypothetical(c, "a/*", "a/dualt:80")
    assert r.outcome is Answer.YES and r.verified
    assert r.witness_src is not None
    assert any(parse_address(ip).family == IPv6 for ip in r.witness_src.ips)


def test_the_all_pairs_engine_keeps_pods_of_different_families_apart():
    # Same labels, same namespace: only the address families tell the pods apart.
    c = cluster(ns("a"), pod("a", "x4", {"app": "x"}, ip="10.0.0.1"),
                pod("a", "x6", {"app": "x"}, ip="fd00::1"),
                pod("a", "y4", {"app": "x"}, ip="10.0.0.2"))
    assert allowed(c, "a/x4", "a/y4") == ALL
    assert allowed(c, "a/x6", "a/y4") == NONE
    assert allowed(c, "a/x4", "a/x6") == NONE
    assert allowed(c, "a/x6", "a/x6") == ALL  # a pod reaching itself
