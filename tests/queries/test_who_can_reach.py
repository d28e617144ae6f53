"""who-can-reach: existing sources from the concrete engine, families from the solver."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netverify.cli import main
from netverify.engines.concrete import Evaluator
from netverify.loader import load_cluster, load_text
from netverify.queries.who_can_reach import who_can_reach
from netverify.verdicts import SourceStatus
from tests import strategies as S
from tests.support import cluster, ns, pod, policy


@pytest.fixture(scope="module")
def demo():
    return load_cluster(["fixtures/demo"])


def test_existing_sources_and_families(demo):
    r = who_can_reach(demo, "backend/api")
    assert {k: str(p) for k, p in r.existing} == {
        "frontend/web": "TCP 8080", "monitoring/prometheus": "TCP 9090"}
    fams = {c.description: (str(c.ports), c.status.value) for c in r.classes}
    assert fams == {"pods {app=web} in namespaces {team=frontend}": ("TCP 8080", "all"),
                    "pods {app=prometheus} in namespaces {team=platform}": ("TCP 9090", "all")}


def test_port_restricts_both_lists(demo):
    r = who_can_reach(demo, "backend/api:9090")
    assert [k for k, _ in r.existing] == ["monitoring/prometheus"]
    assert [c.rule for c in r.classes] == ["backend/api spec.ingress[1].from[0]"]


def test_family_partly_blocked_by_its_own_egress():
    c = cluster(ns("a"), ns("b"),
                pod("a", "t", {"app": "t"}), pod("b", "ok", {"app": "x"}),
                pod("b", "locked", {"app": "locked"}),
                policy("a", "in", {"podSelector": {}, "ingress": [{"from": [
                    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "b"}}}
                ]}]}),
                policy("b", "lock", {"podSelector": {"matchLabels": {"app": "locked"}},
                                     "policyTypes": ["Egress"]}))
    r = who_can_reach(c, "a/t")
    assert [k for k, _ in r.existing] == ["b/ok"]
    (fam,) = r.classes
    assert fam.status is SourceStatus.SOME
    assert fam.example is not None and ("app", "locked") not in fam.example.labels
    assert fam.blocked_example is not None and ("app", "locked") in fam.blocked_example.labels


def test_family_fully_blocked_is_none():
    c = cluster(ns("a"), ns("b"), pod("a", "t"), pod("b", "s"),
                policy("a", "in", {"podSelector": {}, "ingress": [{"from": [
                    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "b"}}}
                ]}]}),
                policy("b", "lock", {"podSelector": {}, "policyTypes": ["Egress"]}))
    r = who_can_reach(c, "a/t")
    assert r.existing == () and [x.status.value for x in r.classes] == ["none"]


def test_cli_json_and_exit_codes():
    r = CliRunner().invoke(main, ["who-can-reach", "backend/db:5432", "-f", "fixtures/demo",
                                  "--format", "json"])
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["query"] == "who-can-reach" and data["existing"] == [
        {"from": "backend/api", "connections": {"TCP": "5432"}}]
    assert data["possible"][0]["status"] == "all"
    r = CliRunner().invoke(main, ["who-can-reach", "backend/db:22", "-f", "fixtures/demo"])
    assert r.exit_code == 1


def test_hypothetical_cli_exit_codes():
    ok = CliRunner().invoke(main, ["can-reach", "--hypothetical", "monitoring/*",
                                   "backend/api:9090", "-f", "fixtures/demo"])
    assert ok.exit_code == 0 and ok.stdout.startswith("YES")
    no = CliRunner().invoke(main, ["can-reach", "--hypothetical", "frontend/*",
                                   "backend/db:5432", "-f", "fixtures/demo"])
    assert no.exit_code == 1 and no.stdout.startswith("NO")
    bad = CliRunner().invoke(main, ["can-reach", "--new-namespaces", "frontend/web",
                                    "backend/db", "-f", "fixtures/demo"])
    assert bad.exit_code == 2
    smt = CliRunner().invoke(main, ["can-reach", "--engine", "smt", "frontend/web",
                                    "kube-system/kube-dns", "-f", "fixtures/demo"])
    assert smt.exit_code == 0 and "TCP 53; UDP 53" in smt.stdout


def test_an_ipv6_block_admits_no_source_of_an_ipv4_only_pod():
    # A connection uses one family: the IPv6 addresses of fd00::/64 (pods or not) cannot
    # reach a pod that has only an IPv4 address, though another rule admits its namespace.
    c = cluster(ns("a"), pod("a", "db", {"app": "db"}, ip="10.0.0.9"),
                policy("a", "db", {"podSelector": {}, "ingress": [
                    {"from": [{"ipBlock": {"cidr": "fd00::/64"}}]},
                    {"from": [{"podSelector": {}}]}]}))
    r = who_can_reach(c, "a/db:5432")
    by_rule = {k.rule: k.status.value for k in r.classes}
    assert by_rule["a/db spec.ingress[0].from[0]"] == "none"
    assert by_rule["a/db spec.ingress[1].from[0]"] == "all"


# -- bounded work: one deadline for the whole query, linear in the number of peers --------


class _SteppingClock:
    """Each reading is 10 ms after the previous one."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.01
        return self.now


def test_the_time_limit_bounds_the_whole_query_not_each_check(monkeypatch):
    import netverify.queries.who_can_reach as wcr
    from netverify.deadline import Deadline
    from tests.shapes import many_peers

    # 40 families of 2 checks each; the clock moves 10 ms per reading, so a 100 ms
    # limit for the whole query is spent after a few checks, whatever each one takes.
    monkeypatch.setattr(wcr, "Deadline", lambda ms: Deadline(ms, clock=_SteppingClock()))
    r = who_can_reach(cluster(*many_peers(40)), "a/t", timeout_ms=100)
    statuses = [c.status.value for c in r.classes]
    assert statuses[0] == "none"  # decided before the limit
    assert statuses.count("undecided") > 30
    assert set(statuses) == {"none", "undecided"}  # never a guessed "all" or "none"
    (note,) = r.caveats
    assert note.startswith(f"not decided for {statuses.count('undecided')} of 40 source "
                           "families (pods {client=c")
    assert "--smt-timeout" in note and "whole command" in note


def test_identical_peers_are_decided_once(monkeypatch):
    import netverify.queries.who_can_reach as wcr
    from tests.shapes import many_peers

    docs = many_peers(1, locked=False, noise=0)
    peers = docs[-1]["spec"]["ingress"][0]["from"]
    peers.extend([dict(peers[0]) for _ in range(49)])  # the same peer, 50 times
    calls = []
    real = wcr.check

    def counting(*args):  # type: ignore[no-untyped-def]
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(wcr, "check", counting)
    r = who_can_reach(cluster(*docs), "a/t")
    assert [c.status.value for c in r.classes] == ["all"] * 50
    assert [c.rule for c in r.classes][-1] == "a/in spec.ingress[0].from[49]"
    # egress allows / blocks, for pod sources only, and once more for an example pod
    # without the address the solver gave it at will
    assert len(calls) == 3


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(manifests=S.clusters(), data=st.data())
def test_existing_sources_are_each_pods_own_verdict(manifests, data):
    """Existing sources are evaluated once per pod class: each must still get the verdict
    the pair evaluator gives that pod."""
    c = load_text(S.to_yaml(manifests), "random.yaml")
    real = [p for p in c.pods if not p.is_template] or list(c.pods)
    target = data.draw(st.sampled_from(real))
    got = dict(who_can_reach(c, target.key).existing)
    ev = Evaluator(c)
    want = {p.key: ev.allowed_ports(p, target) for p in c.pods
            if p.key != target.key or p.is_template}
    assert got == {k: v for k, v in want.items() if not v.is_empty}
