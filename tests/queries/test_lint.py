"""lint: redundancy and emptiness decided over every possible pod."""

from __future__ import annotations

from netverify.queries.lint import lint
from tests.support import cluster, ns, pod, policy


def _findings(c):
    return {(f.code, f.policy, f.field): f.covered_by for f in lint(c).findings}


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
        ("redundant-policy", "a/deny", ""): ("a/wide",),
        ("selects-no-pod", "a/ghost", "spec.podSelector"): (),
        ("redundant-rule", "a/narrow", "spec.ingress[0]"): ("a/wide",),
    }


def test_ghost_policy_is_not_redundant_for_hypothetical_pods():
    # No pod has app=nope today, but one could: then the policy isolates it. Not redundant.
    c = cluster(ns("a"), pod("a", "x", {"app": "x"}),
                policy("a", "ghost", {"podSelector": {"matchLabels": {"app": "nope"}},
                                      "policyTypes": ["Ingress"]}))
    assert set(_findings(c)) == {("selects-no-pod", "a/ghost", "spec.podSelector")}


def test_demo_has_no_findings():
    from netverify.loader import load_cluster
    assert lint(load_cluster(["fixtures/demo"])).findings == ()


def test_contradictory_pod_selector():
    c = cluster(ns("a"), pod("a", "x"),
                policy("a", "never", {"podSelector": {"matchExpressions": [
                    {"key": "app", "operator": "Exists"},
                    {"key": "app", "operator": "DoesNotExist"}]}, "ingress": [{}]}))
    f = lint(c).findings
    assert [(x.code, x.message.startswith("the podSelector contradicts")) for x in f] == [
        ("selects-no-pod", True)]
