"""lint: redundancy and emptiness decided over every possible pod (rules NV102, NV150-NV152)."""

from __future__ import annotations

from netverify.audit.run import lint
from tests.support import cluster, ns, pod, policy


def _name(obj):
    return obj.removeprefix("NetworkPolicy ")


def _findings(c):
    """(code, policy, field) -> the policies named as shadowing it."""
    return {(f.code, _name(f.object), f.path): tuple(_name(r.object) for r in f.related)
            for f in lint(c).findings}


def test_shadowed_rule_policy_and_empty_selector():
    c = cluster(ns("a"), pod("a", "x", {"app": "x"}), pod("a", "y", {"app": "y"}),
                policy("a", "deny", {"podSelector": {}, "policyTypes": ["Ingress"]}),
                policy("a", "wide", {"podSelector": {}, "ingress": [
                    {"ports": [{"port": 80}, {"port": 443}]}]}),
                policy("a", "narrow", {"podSelector": {"matchLabels": {"app": "x"}}, "ingress": [
                    {"ports": [{"port": 80}]}, {"from": [{"podSelector": {}}]}]}),
                policy("a", "ghost", {"podSelector": {"matchLabels": {"app": "nope"}},
                                      "ingress": [{}]}))
    got = _findings(c)
    assert got == {
        ("NV152", "a/deny", ""): ("a/wide",),
        ("NV102", "a/ghost", "spec.podSelector"): (),
        ("NV151", "a/narrow", "spec.ingress[0]"): ("a/wide",),
    }


def test_ghost_policy_is_not_redundant_for_hypothetical_pods():
    # No pod has app=nope today, but one could: then the policy isolates it. Not redundant.
    c = cluster(ns("a"), pod("a", "x", {"app": "x"}),
                policy("a", "ghost", {"podSelector": {"matchLabels": {"app": "nope"}},
                                      "policyTypes": ["Ingress"]}))
    assert set(_findings(c)) == {("NV102", "a/ghost", "spec.podSelector")}


def test_demo_has_no_findings():
    from netverify.loader import load_cluster
    assert lint(load_cluster(["fixtures/demo"])).findings == ()


def test_contradictory_pod_selector():
    c = cluster(ns("a"), pod("a", "x"),
                policy("a", "never", {"podSelector": {"matchExpressions": [
                    {"key": "app", "operator": "Exists"},
                    {"key": "app", "operator": "DoesNotExist"}]}, "ingress": [{}]}))
    f = lint(c).findings
    # No pod matches today (NV102) and none ever could (NV150); nothing else is said.
    assert [(x.code, x.message.startswith("the podSelector contradicts")) for x in f] == [
        ("NV102", False), ("NV150", True)]


def _redundant(c):
    return {(_name(f.object), f.path) for f in lint(c).findings if f.code in ("NV151", "NV152")}


def test_a_rule_admitting_only_ipv6_addresses_outside_the_cluster_is_not_redundant():
    # Every pod may connect anyway (all namespaces); the ipBlock adds IPv6 clients outside
    # the cluster, which deleting the rule would cut off.
    c = cluster(ns("a"), pod("a", "x", {"app": "x"}),
                policy("a", "pods", {"podSelector": {}, "ingress": [
                    {"from": [{"namespaceSelector": {}}]}]}),
                policy("a", "v6", {"podSelector": {}, "ingress": [
                    {"from": [{"ipBlock": {"cidr": "::/0"}}]}]}))
    assert ("a/v6", "spec.ingress[0]") not in _redundant(c)
    assert ("a/v6", "") not in _redundant(c)
    # An IPv6 rule inside a wider one still is redundant.
    c = cluster(ns("a"), pod("a", "x", {"app": "x"}),
                policy("a", "wide", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [
                    {"to": [{"ipBlock": {"cidr": "2001:db8::/32"}}]}]}),
                policy("a", "narrow", {"podSelector": {},
                                       "ingress": [{"from": [{"podSelector": {}}]}],
                                       "egress": [{"to": [{"ipBlock": {
                                           "cidr": "2001:db8:1::/48"}}]}]}))
    assert _redundant(c) == {("a/narrow", "spec.egress[0]")}


def test_deleting_the_last_egress_rule_without_policy_types_ends_egress_isolation():
    # The rule admits no possible peer, so it adds nothing while the policy isolates egress;
    # but without policyTypes, deleting it leaves no egress rule, the policy is no longer of
    # type Egress, and every egress connection opens.  Not redundant.
    never = {"matchExpressions": [{"key": "app", "operator": "Exists"},
                                  {"key": "app", "operator": "DoesNotExist"}]}
    c = cluster(ns("a"), pod("a", "x", {"app": "x"}),
                policy("a", "p", {"podSelector": {}, "egress": [{"to": [{"podSelector": never}]}]}))
    assert _redundant(c) == set()
    # With policyTypes given, deleting it keeps the isolation: then it is redundant.
    c = cluster(ns("a"), pod("a", "x", {"app": "x"}),
                policy("a", "p", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"],
                                  "egress": [{"to": [{"podSelector": never}]}]}))
    assert _redundant(c) == {("a/p", "spec.egress[0]")}


def test_an_allow_all_egress_rule_without_policy_types_is_redundant_and_says_why():
    # Deleting egress: [{}] ends egress isolation, which allowed everything anyway.
    c = cluster(ns("a"), pod("a", "x", {"app": "x"}),
                policy("a", "p", {"podSelector": {}, "ingress": [], "egress": [{}]}))
    found = [f for f in lint(c).findings if f.code == "NV151"]
    assert [(_name(f.object), f.path) for f in found] == [("a/p", "spec.egress[0]")]
    assert "stops isolating egress" in found[0].message


def test_two_identical_rules_are_not_both_reported():
    # Either may go, not both: findings can be applied together.
    c = cluster(ns("a"), pod("a", "x", {"app": "x"}),
                policy("a", "p", {"podSelector": {}, "ingress": [
                    {"ports": [{"port": 80}]}, {"ports": [{"port": 80}]}]}))
    assert _redundant(c) == {("a/p", "spec.ingress[0]")}


def test_a_policy_already_found_redundant_is_not_named_as_shadowing():
    # a1 and a2 are the same, and b's first rule admits what they do.  a1 goes first
    # (shadowed by a2 and b); then a2 is shadowed by b alone, since a1 is to be deleted;
    # then b's rule is the last one admitting port 80, so it stays.
    port80 = {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]}
    c = cluster(ns("a"), pod("a", "p", {"app": "p"}),
                policy("a", "a1", port80), policy("a", "a2", port80),
                policy("a", "b", {"podSelector": {}, "ingress": [
                    {"ports": [{"port": 80}]}, {"ports": [{"port": 443}]}]}))
    assert [p.key for p in c.policies] == ["a/a1", "a/a2", "a/b"]
    assert _findings(c) == {("NV152", "a/a1", ""): ("a/a2", "a/b"),
                            ("NV152", "a/a2", ""): ("a/b",)}
