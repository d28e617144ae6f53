"""One test per NetworkPolicy rule of the upstream spec, each able to fail.

Every check goes through ``support.allowed``, which also requires the pairwise
Evaluator and the all-pairs engine to agree.
"""

from __future__ import annotations

from netverify.engines.concrete import Evaluator, External
from netverify.ipblocks import parse_address
from netverify.model import Direction
from netverify.ports import PortSet, Protocol
from tests.support import ALL, NONE, allowed, cluster, deployment, ns, pod, policy, ports

DENY_ALL = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def two_ns(*extra):
    return cluster(ns("a", team="x"), ns("b", team="y"),
                   pod("a", "p1", {"app": "web"}, ip="10.0.0.1"),
                   pod("a", "p2", {"app": "db"}, ip="10.0.0.2"),
                   pod("b", "q1", {"app": "web"}, ip="10.0.1.1"), *extra)


def test_no_policy_allows_everything():
    c = two_ns()
    assert allowed(c, "a/p1", "b/q1") == ALL


def test_empty_pod_selector_selects_only_its_namespace():
    c = two_ns(policy("a", "deny", {"podSelector": {}, "policyTypes": ["Ingress"]}))
    assert allowed(c, "b/q1", "a/p1") == NONE
    assert allowed(c, "b/q1", "a/p2") == NONE
    assert allowed(c, "a/p1", "b/q1") == ALL  # b is not selected


def test_ingress_policy_does_not_isolate_egress():
    c = two_ns(policy("a", "deny-in", {"podSelector": {}, "policyTypes": ["Ingress"]}))
    assert allowed(c, "a/p1", "b/q1") == ALL


def test_policy_types_default_to_ingress_only_without_egress_rules():
    # No policyTypes and no egress rules: Ingress only, so egress stays open.
    c = two_ns(policy("a", "p", {"podSelector": {}, "ingress": []}))
    assert allowed(c, "a/p1", "b/q1") == ALL
    assert allowed(c, "b/q1", "a/p1") == NONE


def test_policy_types_default_adds_egress_when_egress_rules_exist():
    c = two_ns(policy("a", "p", {"podSelector": {}, "egress": [
        {"to": [{"podSelector": {}}]}]}))
    assert allowed(c, "a/p1", "b/q1") == NONE  # egress isolated now
    ev = Evaluator(c)
    p1, p2 = (next(p for p in c.pods if p.key == k) for k in ("a/p1", "a/p2"))
    assert ev.side(Direction.EGRESS, p1, p2, p2).allowed == ALL  # the rule's own peers
    assert allowed(c, "b/q1", "a/p1") == NONE  # and Ingress is implied, with no rules


def test_empty_egress_list_does_not_add_egress_type():
    c = two_ns(policy("a", "p", {"podSelector": {}, "egress": []}))
    assert allowed(c, "a/p1", "b/q1") == ALL


def test_explicit_policy_types_ignore_rules_of_other_direction():
    c = two_ns(policy("a", "p", {"podSelector": {}, "policyTypes": ["Egress"],
                                 "ingress": [{"from": [{"podSelector": {}}]}]}))
    assert allowed(c, "b/q1", "a/p1") == ALL  # ingress not isolated
    assert allowed(c, "a/p1", "b/q1") == NONE


def test_policies_are_additive():
    c = two_ns(
        policy("a", "p80", {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]}),
        policy("a", "p443", {"podSelector": {"matchLabels": {"app": "web"}},
                             "ingress": [{"ports": [{"port": 443}]}]}))
    assert allowed(c, "b/q1", "a/p1") == ports(TCP="80,443")
    assert allowed(c, "b/q1", "a/p2") == ports(TCP="80")


def test_missing_and_empty_from_match_every_source():
    for rule in ({}, {"from": []}):
        c = two_ns(policy("a", "p", {"podSelector": {}, "ingress": [rule]}))
        assert allowed(c, "b/q1", "a/p1") == ALL
        ev = Evaluator(c)
        ext = External(4, 0x08080808, 0x08080808, "8.8.8.8")
        target = next(p for p in c.pods if p.key == "a/p1")
        assert ev.allowed_ports(ext, target) == ALL


def test_empty_ingress_list_denies_all_and_empty_rule_allows_all():
    deny = two_ns(policy("a", "p", {"podSelector": {}, "policyTypes": ["Ingress"],
                                    "ingress": []}))
    assert allowed(deny, "a/p2", "a/p1") == NONE
    allow = two_ns(policy("a", "p", {"podSelector": {}, "ingress": [{}]}))
    assert allowed(allow, "b/q1", "a/p1") == ALL


def test_pod_selector_peer_means_the_policy_namespace():
    c = two_ns(policy("a", "p", {"podSelector": {}, "ingress": [
        {"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}]}))
    assert allowed(c, "a/p1", "a/p2") == ALL
    assert allowed(c, "b/q1", "a/p2") == NONE  # same labels, other namespace


def test_namespace_selector_peer_means_all_pods_of_matching_namespaces():
    c = two_ns(policy("a", "p", {"podSelector": {}, "ingress": [
        {"from": [{"namespaceSelector": {"matchLabels": {"team": "y"}}}]}]}))
    assert allowed(c, "b/q1", "a/p1") == ALL
    assert allowed(c, "a/p2", "a/p1") == NONE


def test_empty_namespace_selector_means_every_namespace():
    c = two_ns(policy("a", "p", {"podSelector": {}, "ingress": [
        {"from": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "web"}}}]}]}))
    assert allowed(c, "b/q1", "a/p2") == ALL
    assert allowed(c, "a/p1", "a/p2") == ALL
    assert allowed(c, "a/p2", "a/p1") == NONE


def test_namespace_and_pod_selector_in_one_peer_are_anded():
    c = cluster(ns("a"), ns("b", team="y"),
                pod("a", "t", {"app": "db"}),
                pod("b", "web", {"app": "web"}), pod("b", "other", {"app": "x"}),
                pod("a", "web", {"app": "web"}),
                policy("a", "p", {"podSelector": {"matchLabels": {"app": "db"}}, "ingress": [
                    {"from": [{"namespaceSelector": {"matchLabels": {"team": "y"}},
                               "podSelector": {"matchLabels": {"app": "web"}}}]}]}))
    assert allowed(c, "b/web", "a/t") == ALL
    assert allowed(c, "b/other", "a/t") == NONE
    assert allowed(c, "a/web", "a/t") == NONE


def test_two_peers_in_one_rule_are_ored():
    c = cluster(ns("a"), ns("b", team="y"),
                pod("a", "t", {"app": "db"}),
                pod("b", "web", {"app": "web"}), pod("b", "other", {"app": "x"}),
                pod("a", "web", {"app": "web"}), pod("a", "x", {"app": "x"}),
                policy("a", "p", {"podSelector": {"matchLabels": {"app": "db"}}, "ingress": [
                    {"from": [{"namespaceSelector": {"matchLabels": {"team": "y"}}},
                              {"podSelector": {"matchLabels": {"app": "web"}}}]}]}))
    assert allowed(c, "b/web", "a/t") == ALL
    assert allowed(c, "b/other", "a/t") == ALL
    assert allowed(c, "a/web", "a/t") == ALL
    assert allowed(c, "a/x", "a/t") == NONE


def test_match_expressions_operators():
    pods = [pod("a", "t", {"role": "target"}),
            pod("a", "in", {"env": "prod"}), pod("a", "other", {"env": "dev"}),
            pod("a", "bare", {})]

    def only(expr):
        return cluster(ns("a"), *pods, policy("a", "p", {
            "podSelector": {"matchLabels": {"role": "target"}},
            "ingress": [{"from": [{"podSelector": {"matchExpressions": [expr]}}]}]}))

    c = only({"key": "env", "operator": "In", "values": ["prod", "qa"]})
    assert [allowed(c, s, "a/t") == ALL for s in ("a/in", "a/other", "a/bare")] == [
        True, False, False]
    c = only({"key": "env", "operator": "NotIn", "values": ["prod"]})
    # NotIn matches pods without the key too.
    assert [allowed(c, s, "a/t") == ALL for s in ("a/in", "a/other", "a/bare")] == [
        False, True, True]
    c = only({"key": "env", "operator": "Exists"})
    assert [allowed(c, s, "a/t") == ALL for s in ("a/in", "a/other", "a/bare")] == [
        True, True, False]
    c = only({"key": "env", "operator": "DoesNotExist"})
    assert [allowed(c, s, "a/t") == ALL for s in ("a/in", "a/other", "a/bare")] == [
        False, False, True]


def test_match_labels_and_expressions_are_anded():
    c = cluster(ns("a"), pod("a", "t", {"role": "t"}),
                pod("a", "both", {"app": "x", "env": "prod"}), pod("a", "one", {"app": "x"}),
                policy("a", "p", {"podSelector": {"matchLabels": {"role": "t"}}, "ingress": [
                    {"from": [{"podSelector": {"matchLabels": {"app": "x"}, "matchExpressions": [
                        {"key": "env", "operator": "Exists"}]}}]}]}))
    assert allowed(c, "a/both", "a/t") == ALL
    assert allowed(c, "a/one", "a/t") == NONE


def test_ip_block_with_except_matches_pod_ips_and_external_addresses():
    c = cluster(ns("a"), pod("a", "t", {"role": "t"}),
                pod("a", "in", ip="10.1.2.3"), pod("a", "excepted", ip="10.1.9.9"),
                pod("a", "noip"),
                policy("a", "p", {"podSelector": {"matchLabels": {"role": "t"}}, "ingress": [
                    {"from": [{"ipBlock": {"cidr": "10.1.0.0/16", "except": ["10.1.9.0/24"]}}]}]}))
    assert allowed(c, "a/in", "a/t") == ALL
    assert allowed(c, "a/excepted", "a/t") == NONE
    assert allowed(c, "a/noip", "a/t") == NONE  # unknown IP: an ipBlock cannot match it
    ev = Evaluator(c)
    target = next(p for p in c.pods if p.key == "a/t")
    inside = parse_address("10.1.200.1").value
    assert ev.allowed_ports(External(4, inside, inside, "x"), target) == ALL
    ex = parse_address("10.1.9.1").value
    assert ev.allowed_ports(External(4, ex, ex, "x"), target) == NONE


def test_missing_ports_mean_every_port_and_protocol():
    c = two_ns(policy("a", "p", {"podSelector": {}, "ingress": [{"from": [
        {"namespaceSelector": {}}]}]}))
    assert allowed(c, "b/q1", "a/p1") == ALL


def test_port_protocol_defaults_to_tcp_and_protocol_without_port_means_all_its_ports():
    c = two_ns(policy("a", "p", {"podSelector": {}, "ingress": [{"ports": [
        {"port": 80}, {"protocol": "UDP"}, {"protocol": "SCTP", "port": 9}]}]}))
    assert allowed(c, "b/q1", "a/p1") == ports(TCP="80", UDP="all", SCTP="9")


def test_end_port_makes_a_range():
    c = two_ns(policy("a", "p", {"podSelector": {}, "ingress": [{"ports": [
        {"port": 8000, "endPort": 8080}, {"port": 9000, "endPort": 9000}]}]}))
    assert allowed(c, "b/q1", "a/p1") == ports(TCP="8000-8080,9000")


def test_named_port_resolves_on_each_destination_pod():
    c = cluster(ns("a"),
                pod("a", "x", {"app": "s"}, ports=[{"containerPort": 8080, "name": "http"}]),
                pod("a", "y", {"app": "s"}, ports=[{"containerPort": 9090, "name": "http"}]),
                pod("a", "z", {"app": "s"}, ports=[{"containerPort": 80}]),
                pod("a", "u", {"app": "s"}, ports=[{"containerPort": 53, "name": "http",
                                                    "protocol": "UDP"}]),
                pod("a", "client"),
                policy("a", "p", {"podSelector": {"matchLabels": {"app": "s"}},
                                  "ingress": [{"ports": [{"port": "http"}]}]}))
    assert allowed(c, "a/client", "a/x") == ports(TCP="8080")
    assert allowed(c, "a/client", "a/y") == ports(TCP="9090")
    assert allowed(c, "a/client", "a/z") == NONE  # the pod has no port of that name
    assert allowed(c, "a/client", "a/u") == NONE  # name matches but protocol does not


def test_named_port_in_egress_resolves_on_the_destination():
    c = cluster(ns("a"),
                pod("a", "client", {"app": "c"}),
                pod("a", "x", ports=[{"containerPort": 8080, "name": "http"}]),
                pod("a", "y", ports=[{"containerPort": 9090, "name": "http"}]),
                policy("a", "p", {"podSelector": {"matchLabels": {"app": "c"}},
                                  "policyTypes": ["Egress"],
                                  "egress": [{"ports": [{"port": "http"}]}]}))
    assert allowed(c, "a/client", "a/x") == ports(TCP="8080")
    assert allowed(c, "a/client", "a/y") == ports(TCP="9090")


def test_traffic_needs_both_egress_and_ingress():
    c = two_ns(
        policy("a", "egress80", {"podSelector": {"matchLabels": {"app": "web"}},
                                 "policyTypes": ["Egress"],
                                 "egress": [{"ports": [{"port": 80}, {"port": 443}]}]}),
        policy("b", "ingress443", {"podSelector": {}, "ingress": [{"ports": [
            {"port": 443}, {"port": 8443}]}]}))
    assert allowed(c, "a/p1", "b/q1") == ports(TCP="443")


def test_loopback_always_allowed_for_a_pod_but_replicas_follow_policy():
    c = cluster(ns("a"), pod("a", "solo", {"app": "s"}),
                deployment("a", "rep", {"app": "r"}),
                policy("a", "deny", DENY_ALL))
    ev = Evaluator(c)
    solo = next(p for p in c.pods if p.key == "a/solo")
    rep = next(p for p in c.pods if p.key == "a/rep")
    assert ev.allowed_ports(solo, solo) == ALL
    v = ev.pair(solo, solo)
    assert v.loopback and v.is_allowed
    assert ev.allowed_ports(rep, rep) == NONE  # replica to replica is real traffic
    assert any("replica" in cav for cav in ev.pair(rep, rep).caveats)


def test_host_network_pods_are_not_isolated_and_only_ip_blocks_match_them():
    c = cluster(ns("a"),
                pod("a", "node-agent", {"app": "web"}, ip="192.168.1.5", host_network=True),
                pod("a", "t", {"role": "t"}),
                policy("a", "deny", DENY_ALL),
                policy("a", "p", {"podSelector": {"matchLabels": {"role": "t"}}, "ingress": [
                    {"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}]}))
    # The policy's podSelector does not match a hostNetwork pod as a source...
    assert allowed(c, "a/node-agent", "a/t") == NONE
    # ...and default-deny does not isolate it as a destination.
    ev = Evaluator(c)
    agent = next(p for p in c.pods if p.key == "a/node-agent")
    t = next(p for p in c.pods if p.key == "a/t")
    assert ev.side(Direction.INGRESS, agent, t, agent).isolated is False
    assert any("hostNetwork" in cav for cav in ev.pair(agent, t).caveats)
    by_ip = cluster(ns("a"),
                    pod("a", "node-agent", {"app": "web"}, ip="192.168.1.5", host_network=True),
                    pod("a", "t", {"role": "t"}),
                    policy("a", "p", {"podSelector": {"matchLabels": {"role": "t"}}, "ingress": [
                        {"from": [{"ipBlock": {"cidr": "192.168.0.0/16"}}]}]}))
    assert allowed(by_ip, "a/node-agent", "a/t") == ALL


def test_namespaces_carry_the_metadata_name_label_and_implicit_ones_exist():
    c = cluster(pod("implicit", "x", {"app": "x"}), ns("a"), pod("a", "t", {"role": "t"}),
                policy("a", "p", {"podSelector": {}, "ingress": [{"from": [
                    {"namespaceSelector": {"matchLabels": {
                        "kubernetes.io/metadata.name": "implicit"}}}]}]}))
    assert c.namespaces["implicit"].declared is False
    assert c.namespace_labels("a")["kubernetes.io/metadata.name"] == "a"
    assert allowed(c, "implicit/x", "a/t") == ALL


def test_objects_without_namespace_belong_to_default():
    c = cluster({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}})
    assert c.pods[0].key == "default/x"


def test_sctp_is_its_own_protocol():
    c = two_ns(policy("a", "p", {"podSelector": {}, "ingress": [{"ports": [
        {"protocol": "SCTP", "port": 80}]}]}))
    got = allowed(c, "b/q1", "a/p1")
    assert got.contains(Protocol.SCTP, 80)
    assert not got.contains(Protocol.TCP, 80)


def test_port_set_algebra():
    a = ports(TCP="80,443-445")
    b = ports(TCP="444-500", UDP="53")
    assert a.intersection(b) == ports(TCP="444-445")
    assert a.union(b) == ports(TCP="80,443-500", UDP="53")
    assert PortSet.all().restrict(Protocol.UDP, 53) == ports(UDP="53")
    assert str(ports(TCP="all", UDP="all", SCTP="all")) == "all"
