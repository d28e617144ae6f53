"""can-reach --hypothetical: namespaces that do not exist yet, witness addresses, self-traffic."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from netverify.cli import main
from netverify.errors import QueryError
from netverify.loader import load_cluster
from netverify.queries.hypothetical import can_reach_hypothetical
from netverify.renderers.base import RenderOptions
from netverify.renderers.text import render_hypothetical
from netverify.verdicts import Answer
from tests.support import cluster, ns, pod, policy

DEMO = "fixtures/demo"


@pytest.fixture(scope="module")
def demo():
    return load_cluster([DEMO])


def test_a_named_new_namespace_is_a_valid_source_with_new_namespaces(demo):
    # The flag's point is namespaces that do not exist yet: newns/* is any pod of a
    # namespace newns created later, whatever labels it is given.
    r = can_reach_hypothetical(demo, "newns/*", "backend/api:9090", new_namespaces=True)
    assert r.outcome is Answer.YES and r.verified
    w = r.witness_src
    assert w is not None and w.namespace == "newns" and w.new_namespace
    assert ("team", "platform") in w.namespace_labels  # what backend/api's rule asks for
    no = can_reach_hypothetical(demo, "newns/*", "backend/db:5432", new_namespaces=True)
    assert no.outcome is Answer.NO
    with pytest.raises(QueryError, match="unknown namespace 'newns'"):
        can_reach_hypothetical(demo, "newns/*", "backend/api:9090")
    with pytest.raises(QueryError, match="has no pods to name"):
        can_reach_hypothetical(demo, "newns/web", "backend/api:9090", new_namespaces=True)


def test_the_cli_accepts_a_new_namespace_with_the_flag():
    r = CliRunner().invoke(main, ["can-reach", "--hypothetical", "--new-namespaces",
                                  "newns/*", "backend/db:5432", "-f", DEMO])
    assert r.exit_code == 1, r.output  # a proved "no", not a usage error
    assert "could newns/* reach backend/db" in r.stdout


def test_witness_text_names_pod_and_namespace_labels_once(demo):
    r = can_reach_hypothetical(demo, "newns/*", "backend/api:9090", new_namespaces=True)
    text = render_hypothetical(r, RenderOptions())
    (line,) = [x for x in text.splitlines() if x.strip().startswith("source:")]
    assert line.count("labelled") == 1, line
    assert "a pod labelled app=prometheus, in a NEW namespace newns" in line
    assert "team=platform" in line
    c = cluster(ns("a"), pod("a", "t", {"app": "t"}))
    bare = render_hypothetical(can_reach_hypothetical(c, "a/*", "a/t:80"), RenderOptions())
    assert "a pod with no labels, in namespace a" in bare and "labelled (no labels)" not in bare


def _ipblock_cluster(cidr: str):
    return cluster(ns("a"), pod("a", "db", {"app": "db"}, ip="10.0.0.9"),
                   pod("a", "c1", {"app": "c"}, ip="10.0.0.4"),
                   pod("a", "c2", {"app": "c"}, ip="10.0.0.5"),
                   policy("a", "db", {"podSelector": {"matchLabels": {"app": "db"}},
                                      "ingress": [{"from": [{"ipBlock": {"cidr": cidr}}]}]}))


def test_a_hypothetical_pod_gets_an_address_no_existing_pod_has():
    c = _ipblock_cluster("10.0.0.4/30")  # .4 and .5 are taken, .6 and .7 are free
    r = can_reach_hypothetical(c, "a/*", "a/db:5432")
    assert r.outcome is Answer.YES and r.verified and r.witness_src is not None
    (ip,) = r.witness_src.ips
    assert ip in ("10.0.0.6", "10.0.0.7")


def test_a_witness_that_needs_an_existing_pods_address_says_whose():
    c = _ipblock_cluster("10.0.0.5/32")
    r = can_reach_hypothetical(c, "a/*", "a/db:5432")
    assert r.outcome is Answer.YES and r.witness_src is not None
    assert r.witness_src.ips == ("10.0.0.5",)
    assert any("existing pod a/c2" in x for x in r.caveats), r.caveats


def test_a_witness_keeps_no_address_it_does_not_need():
    # A pod selector admits every pod of a: an address the model happened to pick is noise.
    from netverify.engines.smt.solve import Witness
    from netverify.ipblocks import parse_address
    from netverify.model import Pod
    from netverify.ports import Protocol
    from netverify.queries.hypothetical import verify_witness
    from netverify.queries.witnesses import address_notes, settle

    c = cluster(ns("a"), pod("a", "db", {"app": "db"}, ip="10.0.0.9"),
                pod("a", "c1", {"app": "c"}, ip="10.0.0.4"),
                policy("a", "db", {"podSelector": {"matchLabels": {"app": "db"}}, "ingress": [
                    {"from": [{"ipBlock": {"cidr": "10.0.0.4/32"}}, {"podSelector": {}}]}]}))
    db = next(p for p in c.pods if p.key == "a/db")
    noisy = Witness(Pod(namespace="a", name="w", labels={}, ips=(parse_address("10.0.0.4"),)),
                    None, None, None)

    def holds(w: Witness) -> bool:
        return verify_witness(c, w, Witness(db, None, None, None), 5432,
                              Protocol.TCP).is_allowed

    assert settle(noisy, holds).pod.ips == ()
    # In another namespace only the ipBlock admits it: the address stays, and whose it is.
    other = Witness(Pod(namespace="b", name="w", labels={}, ips=(parse_address("10.0.0.4"),)),
                    None, None, None)
    kept = settle(other, holds)
    assert kept.pod.ips == other.pod.ips
    assert any("existing pod a/c1" in x for x in address_notes(c, kept))


def test_the_destination_matching_the_source_pattern_is_left_out_and_said():
    # db reaches itself (loopback, never filtered); the question is about other pods.
    c = cluster(ns("a"), pod("a", "db", {"app": "db"}), pod("a", "web", {"app": "web"}),
                policy("a", "db", {"podSelector": {"matchLabels": {"app": "db"}},
                                   "policyTypes": ["Ingress"]}))
    r = can_reach_hypothetical(c, "a/*", "a/db:5432")
    assert r.outcome is Answer.NO
    assert any("a/db itself matches the source" in x for x in r.caveats), r.caveats
    text = render_hypothetical(r, RenderOptions())
    assert "itself matches the source" in text
