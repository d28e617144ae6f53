"""The SMT engine against the concrete engine, and its witnesses against reality."""

from __future__ import annotations

import pytest
import yaml
import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netverify.engines.concrete import Evaluator
from netverify.engines.smt.endpoints import concrete_pod
from netverify.engines.smt.engine import SmtEngine
from netverify.engines.smt.formulas import Encoder
from netverify.engines.smt.universe import build_universe
from netverify.loader import load_cluster, load_text
from netverify.model import Cluster
from netverify.queries.hypothetical import can_reach_hypothetical
from netverify.selectors import parse_selector
from netverify.verdicts import Answer
from tests import strategies as S
from tests.support import cluster as make_cluster
from tests.support import ns, pod, policy

SMALL = settings(max_examples=25, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _load(manifests: list[dict]) -> Cluster:
    return load_text(yaml.safe_dump_all(manifests, sort_keys=False), "generated.yaml")


@SMALL
@given(S.clusters(max_pods=4, max_policies=3))
def test_smt_agrees_with_the_concrete_engine_on_every_existing_pair(manifests):
    c = _load(manifests)
    smt, ev = SmtEngine(c), Evaluator(c)
    for a in c.pods:
        for b in c.pods:
            assert smt.allowed_ports(smt.pod(a), smt.pod(b)) == ev.allowed_ports(a, b), (
                f"{a.key} -> {b.key}")


@settings(max_examples=200, deadline=None)
@given(S.label_selectors(), S.label_sets())
def test_selector_encoding_matches_the_selector_function(raw, labels):
    sel = parse_selector(raw, source=None, field="s")
    c = make_cluster(ns("a"), pod("a", "p", labels))
    u = build_universe(c, [sel])
    enc = Encoder(c, u)
    term = enc.selector(sel, concrete_pod(u, c, c.pods[0]).labels)
    assert z3.is_true(z3.simplify(term)) == sel.matches(labels)


@SMALL
@given(S.clusters(max_pods=4, max_policies=3), st.data())
def test_hypothetical_answers_are_sound_for_existing_pods(manifests, data):
    """A yes is re-checked by the concrete engine inside the query; a no must hold for
    every existing pod of the namespace too."""
    c = _load(manifests)
    dst = data.draw(st.sampled_from(c.pods), label="dst")
    src_ns = data.draw(st.sampled_from(sorted(c.namespaces)), label="src namespace")
    port = data.draw(st.sampled_from(S.PORTS), label="port")
    proto = data.draw(st.sampled_from(S.PROTOCOLS), label="protocol")
    r = can_reach_hypothetical(c, f"{src_ns}/*", f"{dst.key}:{port}/{proto}")
    assert r.outcome in (Answer.YES, Answer.NO), r.reasons
    ev = Evaluator(c)
    # Another pod, not dst itself: a pod reaching itself is loopback, not policy.
    # Hypothetical pods are ordinary pods: hostNetwork ones bypass policy by design.
    existing = [p for p in c.pods if p.namespace == src_ns and not p.host_network
                and (p.key != dst.key or p.is_template)]
    reachable = [p for p in existing
                 if ev.pair(p, dst, protocol=__import__("netverify").ports.Protocol(proto),
                            port=port).is_allowed]
    if r.outcome is Answer.NO:
        assert not reachable, f"SMT proved no, yet {reachable[0].key} reaches {dst.key}"
    else:
        assert r.verified


DEMO = "fixtures/demo"


@pytest.fixture(scope="module")
def demo() -> Cluster:
    return load_cluster([DEMO])


def test_witness_in_a_new_namespace(demo):
    # Only a namespace labelled team=platform may reach web's http port from inside the
    # cluster; monitoring exists, but a new namespace with that label would do too.
    c = make_cluster(ns("a"), pod("a", "t", {"app": "t"}, ports=[
        {"containerPort": 80, "name": "http"}]),
        policy("a", "p", {"podSelector": {}, "ingress": [{"from": [
            {"namespaceSelector": {"matchLabels": {"team": "newteam"}}}]}]}))
    no = can_reach_hypothetical(c, "*/*", "a/t:80")
    assert no.outcome is Answer.NO
    yes = can_reach_hypothetical(c, "*/*", "a/t:80", new_namespaces=True)
    assert yes.outcome is Answer.YES and yes.verified
    w = yes.witness_src
    assert w is not None and w.new_namespace and ("team", "newteam") in w.namespace_labels
    assert w.namespace not in c.namespaces


def test_no_is_explained_by_side(demo):
    r = can_reach_hypothetical(demo, "frontend/*", "backend/db:5432")
    assert r.outcome is Answer.NO
    assert any("egress" in x for x in r.reasons) and any("backend/db" in x for x in r.reasons)


def test_yes_names_the_admitting_rules(demo):
    r = can_reach_hypothetical(demo, "monitoring/*", "backend/api:9090")
    assert r.outcome is Answer.YES and r.verified
    assert r.admitted_by == ("backend/api spec.ingress[1]",)
    assert r.witness_src is not None and ("app", "prometheus") in r.witness_src.labels


def test_external_sources_and_ip_witnesses(demo):
    r = can_reach_hypothetical(demo, "0.0.0.0/0", "frontend/web:8080")
    assert r.outcome is Answer.YES and r.witness_src is not None and r.witness_src.external
    r = can_reach_hypothetical(demo, "10.0.0.0/8", "frontend/web:8080")
    assert r.outcome is Answer.NO


def test_contradictory_selector_is_reported_not_crashed(demo):
    r = can_reach_hypothetical(demo, "frontend/app=a,app=b", "backend/api:8080")
    assert r.outcome is Answer.NO and "describes no possible pod" in r.reasons[0]


def test_undecided_is_neither_yes_nor_no(demo, monkeypatch):
    from netverify.engines.smt import engine as eng
    from netverify.engines.smt.solve import Check, Outcome

    monkeypatch.setattr(eng.SmtEngine, "solve",
                        lambda self, q, *g: Check(Outcome.UNDECIDED, reason="timeout"))
    r = can_reach_hypothetical(demo, "frontend/*", "backend/api:8080")
    assert r.outcome is Answer.UNDECIDED and not r.allowed and "timeout" in r.reasons[0]
