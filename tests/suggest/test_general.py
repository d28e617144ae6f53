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


def _many(n: int) -> list[dict[str, object]]:
    """``n`` workloads in namespace a, each calling the next: n * n pairs to prove."""
    return [deployment("a", f"w{i}", {"app": f"w{i}"}) for i in range(n)]


def _chain(n: int) -> list[IntentFlow]:
    return [_flow(f"a/w{i}", f"a/w{i + 1}", 8000 + i) for i in range(n - 1)]


def test_replicas_are_proved_beyond_two_thousand_pairs_one_question_per_destination() -> None:
    """36 workloads make 1,296 workload pairs: 2,628 questions pair by pair (over the limit,
    the property was skipped), 108 asked per destination with the source left to the solver.
    """
    c = cluster(ns("a"), *_many(36))
    r = suggest(c, _chain(36), engine="smt")
    check = _checks(r)["new replicas get exactly the intent"]
    assert check.status is ProofStatus.PROVED, check.detail
    assert "1,296 workload pairs" in check.detail
    assert r.proved


def test_a_replica_admitted_by_an_ipblock_is_named_among_many_sources() -> None:
    """ipBlock "describes particular IP CIDR ranges"; a new replica of ``b/cli`` may have any
    address, so the internet's ipBlock on web admits it on TCP 443 beyond its intended TCP 80
    (``b`` is not touched: its egress stays open).  The per-destination question finds it
    and the pair-by-pair follow-up names the source.
    """
    c = cluster(ns("a"), ns("b"), *_many(34), deployment("a", "web", {"app": "web"}),
                deployment("b", "cli", {"app": "cli"}))
    flows = [*_chain(34), _flow("b/cli", "a/web", 80),
             IntentFlow(src="internet", dst="a/web", ports=PortSet.of(Protocol.TCP, 443),
                        origin="t")]
    r = suggest(c, flows, engine="smt", namespaces=("a",))
    check = _checks(r)["new replicas get exactly the intent"]
    assert check.status is ProofStatus.FAILED, check.detail
    assert "b/cli -> a/web (more than TCP 80)" in check.detail
    assert not any(f"a/w{i} -> a/web" in check.detail for i in range(34))
