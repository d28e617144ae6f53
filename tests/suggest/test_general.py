"""``--engine smt``: the suggestion for pods that do not exist yet.

NetworkPolicy selects pods by label, so a policy written for a workload applies to its
future replicas too ("podSelector ... selects particular Pods in the same namespace");
the properties are proved over symbolic pods, and fail with the workload that breaks them.
"""

from __future__ import annotations

from netverify.ports import PortSet, Protocol
from netverify.results import IntentFlow, ProofStatus
from netverify.suggest import suggest
from tests.support import cluster, deployment, ns, policy


def _checks(r):  # type: ignore[no-untyped-def]
    return {c.name: c for c in r.checks}


def _flow(src: str, dst: str, port: int) -> IntentFlow:
    return IntentFlow(src=src, dst=dst, ports=PortSet.of(Protocol.TCP, port), origin="t")


def test_both_properties_are_proved_for_pod_to_pod_flows() -> None:
    c = cluster(ns("a"), ns("b"), deployment("a", "cli", {"app": "cli"}),
                deployment("b", "web", {"app": "web", "tier": "fe"},
                           ports=[{"name": "http", "containerPort": 8080}]),
                deployment("b", "db", {"app": "db"}))
    r = suggest(c, [_flow("a/cli", "b/web", 8080), _flow("b/web", "b/db", 5432)],
                engine="smt")
    checks = _checks(r)
    assert checks["new replicas get exactly the intent"].status is ProofStatus.PROVED
    assert checks["no pod of another namespace gets in"].status is ProofStatus.PROVED
    assert r.proved


def test_an_address_block_may_admit_pods_of_any_namespace() -> None:
    """ipBlock "describes particular IP CIDR ranges"; whether pod IPs match is left to the
    plugin, so a pod of a namespace created later may fall in 0.0.0.0/0."""
    c = cluster(ns("a"), deployment("a", "web", {"app": "web"}))
    r = suggest(c, [IntentFlow(src="internet", dst="a/web",
                               ports=PortSet.of(Protocol.TCP, 443), origin="t")],
                engine="smt")
    other = _checks(r)["no pod of another namespace gets in"]
    assert other.status is ProofStatus.FAILED
    assert "a/web" in other.detail and "ipBlock" in other.detail
    assert r.failed


def test_a_kept_policy_opening_a_label_to_everyone_breaks_the_other_namespace_property(
        ) -> None:
    """A kept policy admits any pod labelled role=probe from any namespace: a pod of a new
    namespace can carry that label, which no existing pod shows."""
    c = cluster(ns("a"), deployment("a", "cli", {"app": "cli"}),
                deployment("a", "web", {"app": "web"}),
                policy("a", "probe", {"podSelector": {"matchLabels": {"app": "web"}},
                                      "ingress": [{"from": [{
                                          "namespaceSelector": {},
                                          "podSelector": {"matchLabels": {"role": "probe"}}}]}]}))
    r = suggest(c, [_flow("a/cli", "a/web", 80)], engine="smt")
    assert _checks(r)["every other pair denied"].status is ProofStatus.PROVED  # existing pods
    assert _checks(r)["no pod of another namespace gets in"].status is ProofStatus.FAILED
