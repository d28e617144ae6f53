"""who-can-reach encodes the sources' egress only over the namespaces a family can be in.

Kubernetes API reference, NetworkPolicySpec.podSelector: "Selects the pods to which this
NetworkPolicy object applies ... in the NetworkPolicy's namespace", so a source kept to
some namespaces can only be limited by their egress policies.  NetworkPolicyPeer: "If
namespaceSelector is also set ... Otherwise it selects the pods matching podSelector in
the policy's own namespace"; a namespaceSelector "selects namespaces using cluster-scoped
labels", which a namespace created later may carry.  The reference encoding
(``localised=False``) must give the same answers on random clusters, with and without
the cluster-wide tiers.
"""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netverify.engines.concrete import Evaluator
from netverify.engines.smt.formulas import Encoder
from netverify.loader import load_text
from netverify.model import Cluster
from netverify.queries.who_can_reach import who_can_reach
from netverify.results import WhoCanReachResult
from netverify.verdicts import SourceStatus
from tests import strategies as S
from tests.engines.test_tier_agreement import tiered_clusters
from tests.support import cluster, ns, pod, policy


def _answer(r: WhoCanReachResult) -> Any:
    """Everything but the examples' details (the solver may pick another valid one)."""
    return (r.existing, r.isolated, r.caveats, r.coverage,
            [(c.description, c.rule, c.ports, c.status, c.example is None,
              c.blocked_example is None) for c in r.classes])


def _agree(c: Cluster, target: str) -> None:
    fast = who_can_reach(c, target)
    ref = who_can_reach(c, target, localised=False)
    assert _answer(fast) == _answer(ref)


def _deny_egress_of_a() -> list[dict[str, Any]]:
    return [ns("db"), ns("a", team="a"), ns("other"),
            pod("db", "t", {"app": "db"}), pod("a", "s", {"app": "s"}),
            pod("other", "o", {"app": "o"}),
            policy("a", "lock", {"podSelector": {}, "policyTypes": ["Egress"]})]


def test_a_namespace_created_later_may_join_a_namespace_selector_family():
    """Every pod of team=a's only namespace is denied egress; a new namespace labelled
    team=a has no policy yet, so some of the family can connect."""
    c = cluster(*_deny_egress_of_a(),
                policy("db", "in", {"podSelector": {}, "ingress": [{"from": [
                    {"namespaceSelector": {"matchLabels": {"team": "a"}}}]}]}))
    r = who_can_reach(c, "db/t")
    (fam,) = r.classes
    assert r.existing == ()
    assert fam.status is SourceStatus.SOME
    assert fam.example is not None and fam.example.new_namespace
    assert fam.blocked_example is not None and fam.blocked_example.namespace == "a"
    _agree(c, "db/t")


def test_a_pod_selector_peer_is_the_policy_namespace_only():
    """A podSelector-only peer admits pods of db alone: a's egress lock does not touch it."""
    c = cluster(*_deny_egress_of_a(), pod("db", "client", {"app": "s"}),
                policy("db", "in", {"podSelector": {"matchLabels": {"app": "db"}},
                                    "ingress": [{"from": [
                                        {"podSelector": {"matchLabels": {"app": "s"}}}]}]}))
    r = who_can_reach(c, "db/t")
    assert [k for k, _ in r.existing] == ["db/client"]
    assert [f.status for f in r.classes] == [SourceStatus.ALL]
    _agree(c, "db/t")


def test_an_ip_block_peer_admits_pods_of_any_namespace_by_address():
    """NetworkPolicyPeer.ipBlock "selects particular IP CIDR ranges": a pod of namespace a
    whose address lies in the block is one of the family, and a's egress lock blocks it."""
    c = cluster(*_deny_egress_of_a(),
                policy("db", "in", {"podSelector": {}, "ingress": [{"from": [
                    {"ipBlock": {"cidr": "10.0.0.0/8"}}]}]}))
    r = who_can_reach(c, "db/t")
    (fam,) = r.classes
    assert fam.status is SourceStatus.SOME
    assert fam.blocked_example is not None and fam.blocked_example.namespace == "a"
    _agree(c, "db/t")


def test_only_the_scoped_namespaces_egress_policies_are_encoded(monkeypatch):
    """The families' namespaces (db by its podSelector peer, a by the namespaceSelector)
    are the only ones whose egress policies the source's encoding visits."""
    c = cluster(*_deny_egress_of_a(),
                policy("other", "lock", {"podSelector": {}, "policyTypes": ["Egress"]}),
                policy("db", "out", {"podSelector": {}, "policyTypes": ["Egress"]}),
                policy("db", "in", {"podSelector": {}, "ingress": [{"from": [
                    {"podSelector": {}},
                    {"namespaceSelector": {"matchLabels": {"team": "a"}}}]}]}))
    seen: set[str] = set()
    real = Encoder._admits

    def spy(self, pol, direction, *args):  # type: ignore[no-untyped-def]
        if direction.value == "Egress":
            seen.add(pol.namespace)
        return real(self, pol, direction, *args)

    monkeypatch.setattr(Encoder, "_admits", spy)
    who_can_reach(c, "db/t")
    assert seen == {"a", "db"}
    seen.clear()
    who_can_reach(c, "db/t", localised=False)
    assert seen == {"a", "db", "other"}


def test_existing_sources_are_only_asked_of_pods_a_peer_matches(monkeypatch):
    """A source no peer of the isolating ingress matches is never admitted ("traffic is
    allowed if it matches at least one rule"), so its pair is not evaluated at all; an
    ipBlock peer matches a pod of any namespace by its address."""
    c = cluster(*_deny_egress_of_a(), pod("db", "client", {"app": "s"}),
                pod("db", "idle", {"app": "idle"}), pod("a", "s2", {"app": "s"}),
                pod("other", "o2", {"app": "o"}, ip="10.9.0.5"),
                policy("db", "in", {"podSelector": {}, "ingress": [{"from": [
                    {"podSelector": {"matchLabels": {"app": "s"}}},
                    {"ipBlock": {"cidr": "10.9.0.0/16"}}]}]}))
    asked: list[str] = []
    real = Evaluator.allowed_ports

    def spy(self, src, dst):  # type: ignore[no-untyped-def]
        asked.append(src.key)
        return real(self, src, dst)

    monkeypatch.setattr(Evaluator, "allowed_ports", spy)
    r = who_can_reach(c, "db/t")
    assert [k for k, _ in r.existing] == ["db/client", "other/o2"]
    assert asked == ["db/client", "other/o2"]
    monkeypatch.undo()
    _agree(c, "db/t")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(manifests=S.clusters(), data=st.data())
def test_the_scoped_encoding_answers_as_the_reference(manifests, data):
    c = load_text(S.to_yaml(manifests), "random.yaml")
    real = [p for p in c.pods if not p.is_template] or list(c.pods)
    _agree(c, data.draw(st.sampled_from(real)).key)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(drawn=tiered_clusters(mixed=True), data=st.data())
def test_the_scoped_encoding_answers_as_the_reference_with_tiers(drawn, data):
    c = load_text(yaml.safe_dump_all(drawn[1], sort_keys=False), "tiered.yaml")
    _agree(c, data.draw(st.sampled_from([p.key for p in c.pods])))
