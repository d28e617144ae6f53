"""lint decides a candidate from its own namespace's policies before asking the whole cluster.

A NetworkPolicy "selects pods in the same namespace as the NetworkPolicy" (Kubernetes
API reference, NetworkPolicySpec.podSelector), so deleting one of its rules changes the
sides of its own namespace's pods only.  ``_Search.locally`` therefore asks first, over
that namespace's policies alone, (1) whether some connection whose ends are addresses
outside, pods of namespaces without NetworkPolicies or pods of that namespace changes
(those ends have the same sides in both encodings: a real difference, not redundant), and
(2) whether any side of a pod of that namespace changes at all (if not, redundant).  The
whole cluster is asked only between the two.  These tests count the whole-cluster
questions and compare the findings with the reference search (``localised=False``,
every candidate over the whole edited cluster), on clusters larger than the other
property tests use.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from netverify.loader import load_text
from netverify.queries import lint as lint_module
from netverify.queries.lint import find_redundant
from tests import strategies as S
from tests.support import cluster, ns, pod, policy


def _found(c: Any, *, localised: bool) -> list[tuple[Any, ...]]:
    r = find_redundant(c, localised=localised)
    assert not r.undecided, r.undecided
    return [(f.code, f.policy, f.field, f.covered_by) for f in r.findings]


@pytest.fixture
def whole_cluster_questions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The candidates asked about beyond their own namespace's policies.

    Those are the ones given to ``regionally`` (the namespace and the namespaces whose
    policies matter) or to ``same`` (the whole cluster's formula).
    """
    asked: list[str] = []
    same, regionally = lint_module._Search.same, lint_module._Search.regionally

    def counting_same(self: Any, sides: Any, what: str) -> bool:
        asked.append(what)
        return same(self, sides, what)

    def counting_regionally(self: Any, cluster: Any, edit: Any, namespace: str,
                            what: str) -> bool | None:
        asked.append(what)
        return regionally(self, cluster, edit, namespace, what)

    monkeypatch.setattr(lint_module._Search, "same", counting_same)
    if hasattr(lint_module._Search, "regionally"):
        monkeypatch.setattr(lint_module._Search, "regionally", counting_regionally)
    return asked


def test_a_region_decides_without_the_whole_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    """``b``'s egress decides ``a/db``'s second rule: ``a`` and ``b`` are encoded, and the
    whole-cluster formula is not asked."""
    whole: list[str] = []
    same = lint_module._Search.same

    def counting(self: Any, sides: Any, what: str) -> bool:
        whole.append(what)
        return same(self, sides, what)

    monkeypatch.setattr(lint_module._Search, "same", counting)
    c = _two_namespaces({})
    got = _found(c, localised=True)
    assert any(f[:3] == ("NV151", "a/db", "spec.ingress[1]") for f in got)
    assert whole == []


def _two_namespaces(b_egress: dict[str, Any]) -> Any:
    """``a/db`` admits ``b``'s clients twice over (a rule per port, and one for both)."""
    return cluster(
        ns("a"), ns("b"), pod("a", "db", {"app": "db"}), pod("b", "client", {"app": "client"}),
        policy("a", "db", {"podSelector": {"matchLabels": {"app": "db"}}, "ingress": [
            {"from": [{"namespaceSelector": {"matchLabels": {
                "kubernetes.io/metadata.name": "b"}}}], "ports": [{"port": 5432}]},
            {"from": [{"namespaceSelector": {"matchLabels": {
                "kubernetes.io/metadata.name": "b"}}}],
             "ports": [{"port": 5432}, {"port": 5433}]},
            {"from": [{"podSelector": {"matchLabels": {"app": "db"}}}]}]}),
        policy("b", "egress", {"podSelector": {}, "policyTypes": ["Egress"], **b_egress}))


def test_a_rule_shadowed_in_its_own_namespace_is_found_without_the_whole_cluster(
        whole_cluster_questions: list[str]) -> None:
    c = _two_namespaces({"egress": [{}]})
    got = _found(c, localised=True)
    assert any(f[:3] == ("NV151", "a/db", "spec.ingress[0]") for f in got)
    assert "a/db spec.ingress[0]" not in whole_cluster_questions
    assert got == _found(c, localised=False)


def test_rules_needing_another_namespaces_egress_ask_the_whole_cluster(
        whole_cluster_questions: list[str]) -> None:
    """Only ``b``'s pods can match the name ``b`` (no new namespace can take it).  With
    ``b``'s egress denied, deleting ``a/db``'s second rule changes no verdict; whether it
    does is for ``b``'s policy to say, so the whole cluster is asked."""
    denied = _two_namespaces({})
    got = _found(denied, localised=True)
    assert any(f[:3] == ("NV151", "a/db", "spec.ingress[1]") for f in got)
    assert "a/db spec.ingress[1]" in whole_cluster_questions
    assert got == _found(denied, localised=False)
    # With b's egress open on 5433, the second rule is the only way in on that port.
    opened = _two_namespaces({"egress": [{"ports": [{"port": 5433}]}]})
    got = _found(opened, localised=True)
    assert not any(f[:3] == ("NV151", "a/db", "spec.ingress[1]") for f in got)
    assert got == _found(opened, localised=False)


def test_same_namespace_candidates_are_decided_locally(
        whole_cluster_questions: list[str]) -> None:
    """Peers in the policies' own namespace: every candidate is decided locally."""
    c = cluster(ns("a"), pod("a", "x", {"app": "x"}), pod("a", "y", {"app": "y"}),
                policy("a", "deny", {"podSelector": {}, "policyTypes": ["Ingress"]}),
                policy("a", "wide", {"podSelector": {}, "ingress": [
                    {"ports": [{"port": 80}, {"port": 443}]}]}),
                policy("a", "narrow", {"podSelector": {"matchLabels": {"app": "x"}},
                                       "ingress": [{"ports": [{"port": 80}]},
                                                   {"from": [{"podSelector": {}}]}]}))
    got = _found(c, localised=True)
    assert whole_cluster_questions == []
    assert got == _found(c, localised=False)
    assert {f[:3] for f in got} == {("NV152", "a/deny", ""),
                                    ("NV151", "a/narrow", "spec.ingress[0]")}


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(manifests=S.clusters_with_overlaps(max_pods=5, max_policies=6))
def test_grouped_search_finds_what_the_whole_cluster_search_finds(
        manifests: list[dict[str, Any]]) -> None:
    c = load_text(S.to_yaml(manifests), "lint-grouped.yaml")
    assert _found(c, localised=True) == _found(c, localised=False)
