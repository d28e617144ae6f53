"""``diff`` asks the solver only where the policy sets differ, and finds what the whole
cluster finds.

The Kubernetes API reference (NetworkPolicy v1): "podSelector selects the pods to which
this NetworkPolicy object applies" and "NetworkPolicy ... is namespaced": a pod's ingress
(egress) verdict depends on the policies of its own namespace whose policyTypes include
Ingress (Egress), and on their rules' peers.  So a side can change only for a pod of a
namespace holding a policy of that type that was added, removed or edited; the solver is
asked there, and the reference (``localised=False``) asks about the whole cluster.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netverify.engines.concrete import Evaluator
from netverify.engines.smt.endpoints import pinned_pod, symbolic_pod
from netverify.engines.smt.solve import Witness
from netverify.engines.smt.universe import build_universe
from netverify.loader import load_text
from netverify.model import Cluster, Direction
from netverify.queries.diff_pods import changed_pairs
from netverify.queries.diff_symbolic import Found, changed_namespaces, symbolic_diff
from netverify.verdicts import Answer, Change
from tests import strategies as S

Manifest = dict[str, Any]

NS = """
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: b}
"""
API = """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: a}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 8080%s}]
"""
OUT = """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: out, namespace: b}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [{namespaceSelector: {}}]}]
"""


def test_the_same_policies_read_from_other_files_cancel():
    # The same objects at other places (file names, lines) change nothing.
    old = load_text(NS + API % "" + OUT, "v1/all.yaml")
    new = load_text(NS + OUT + API % "", "v2/other.yaml")
    assert changed_namespaces(old, new) == {Direction.INGRESS: set(), Direction.EGRESS: set()}


def test_a_widened_ingress_rule_moves_only_its_namespace_ingress():
    old = load_text(NS + API % "" + OUT, "old.yaml")
    new = load_text(NS + API % ", endPort: 8090" + OUT, "new.yaml")
    assert changed_namespaces(old, new) == {Direction.INGRESS: {"a"}, Direction.EGRESS: set()}
    allowed, denied, witnesses, _ = symbolic_diff(old, new, 60_000)
    assert (allowed, denied) == (Answer.YES, Answer.NO)
    w = witnesses[0]
    assert w.dst.namespace == "a" and 8081 <= w.port <= 8090


def test_a_removed_egress_policy_moves_its_namespace_egress():
    old = load_text(NS + API % "" + OUT, "old.yaml")
    new = load_text(NS + API % "", "new.yaml")
    assert changed_namespaces(old, new) == {Direction.INGRESS: set(), Direction.EGRESS: {"b"}}
    # Without it b's pods are no longer isolated for egress: nothing is newly denied, and
    # what is newly allowed leaves b.
    allowed, denied, witnesses, _ = symbolic_diff(old, new, 60_000)
    assert (allowed, denied) == (Answer.YES, Answer.NO)
    assert witnesses[0].src.namespace == "b"


# -- random clusters: the localised questions against the whole-cluster one ----------------


@st.composite
def changed_clusters(draw: st.DrawFn) -> tuple[list[Manifest], list[Manifest]]:
    """(old, new): the same namespaces and pods; each policy kept, dropped or redrawn (same
    name, or another), and sometimes one added."""
    old = S.flatten(draw(S.clusters(max_pods=3, max_policies=4)))
    names = tuple(sorted({d["metadata"]["name"] for d in old if d["kind"] == "Namespace"}
                         | {d["metadata"].get("namespace", "default") for d in old
                            if d["kind"] != "Namespace"}))
    new: list[Manifest] = []
    for i, doc in enumerate(old):
        if doc["kind"] != "NetworkPolicy":
            new.append(doc)
            continue
        how = draw(st.sampled_from(("keep", "keep", "drop", "redraw")))
        if how == "keep":
            new.append(copy.deepcopy(doc))
        elif how == "redraw":
            new.append(draw(S.network_policies(names, 100 + i)))
    if draw(S.rarely(0.3)):
        new.append(draw(S.network_policies(names, 200)))
    return old, new


def _confirm(old: Cluster, new: Cluster, f: Found) -> None:
    """The concrete engine sees the witness's connection allowed by one set only."""
    if any(isinstance(w, Witness) and w.namespace is not None for w in (f.src, f.dst)):
        return  # a namespace that does not exist: the pair evaluator cannot place it
    ends = [w.pod if isinstance(w, Witness) else w for w in (f.src, f.dst)]
    first, second = (new, old) if f.change is Change.ALLOWED else (old, new)

    def allows(c: Cluster) -> bool:
        ev, fams = Evaluator(c), frozenset({f.family})
        e = ev.side(Direction.EGRESS, ends[0], ends[1], ends[1], fams).allowed
        i = ev.side(Direction.INGRESS, ends[1], ends[0], ends[1], fams).allowed
        return e.intersection(i).contains(f.protocol, f.port)

    assert allows(first) and not allows(second), f


def _load(docs: list[Manifest], label: str) -> Cluster:
    return load_text(S.to_yaml(docs), label)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(sides=changed_clusters())
def test_localised_answers_agree_with_the_whole_cluster(
        sides: tuple[list[Manifest], list[Manifest]]) -> None:
    old, new = _load(sides[0], "old.yaml"), _load(sides[1], "new.yaml")
    found: list[Found] = []
    local = symbolic_diff(old, new, 120_000, found=found)
    whole = symbolic_diff(old, new, 120_000, localised=False, found=found)
    for f in found:
        _confirm(old, new, f)
    assert not local[3] or all("namespace labels" in c for c in local[3]), local[3]
    assert not whole[3] or all("namespace labels" in c for c in whole[3]), whole[3]
    assert local[:2] == whole[:2]
    # A witness is one per direction found, for the direction found.
    assert [w.direction for w in local[2]] == [w.direction for w in whole[2]]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(sides=changed_clusters())
def test_changed_pod_pairs_are_those_the_pair_evaluator_sees_change(
        sides: tuple[list[Manifest], list[Manifest]]) -> None:
    old, new = _load(sides[0], "old.yaml"), _load(sides[1], "new.yaml")
    ev_old, ev_new = Evaluator(old), Evaluator(new)
    by_key = {p.key: p for p in old.pods}
    expected = set()
    for s in new.pods:
        for d in new.pods:
            if s.key not in by_key or d.key not in by_key or (s.key == d.key
                                                             and not s.is_template):
                continue
            before = ev_old.allowed_ports(by_key[s.key], by_key[d.key])
            after = ev_new.allowed_ports(s, d)
            if before != after:
                expected.add((s.key, d.key, before, after))
    got = {(s.key, d.key, a, b) for s, d, a, b, _ in changed_pairs(old, new)}
    assert got == expected


SAME_NS = API + """---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress, namespace: a}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [%s]}]
"""


@pytest.mark.parametrize("egress_peer", [
    # "ipBlock describes a particular CIDR": a pod of a whose address lies in it
    "{ipBlock: {cidr: 10.0.0.0/8}}",
    # "namespaceSelector selects namespaces using cluster-scoped labels": a's own
    "{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: a}}}",
])
def test_the_other_side_keeps_the_rules_that_admit_the_changed_namespace(egress_peer):
    # Only a pod of a can be newly admitted (the peer has no namespaceSelector: "the
    # policy's own namespace"), and a is isolated for egress: the new connection needs the
    # egress rule, which must not be dropped as one that cannot admit a pod of a.
    old = load_text(NS + SAME_NS % ("", egress_peer), "old.yaml")
    new = load_text(NS + SAME_NS % (", endPort: 8090", egress_peer), "new.yaml")
    found: list[Found] = []
    local = symbolic_diff(old, new, 60_000, found=found)
    whole = symbolic_diff(old, new, 60_000, localised=False)
    assert local[:2] == whole[:2] == (Answer.YES, Answer.NO)
    _confirm(old, new, found[0])
    assert local[2][0].src.namespace == local[2][0].dst.namespace == "a"


@pytest.mark.parametrize(("action", "expected"), [
    # "Deny: denies the selected traffic": an Admin Deny decides before any NetworkPolicy,
    # so widening the NetworkPolicy rule for ops pods opens nothing.
    ("Deny", (Answer.NO, Answer.NO)),
    # "Pass: ... skip all further ANP rules and instead defer to the NetworkPolicy".
    ("Pass", (Answer.YES, Answer.NO)),
])
def test_unchanged_cluster_wide_policies_are_kept_where_the_solver_is_asked(
        action: str, expected: tuple[Answer, Answer]) -> None:
    from tests.queries.test_diff_causes import ANP, PODS
    wider = PODS.replace("[{from: [{namespaceSelector: {}}], ports: [{port: 5432}]}]",
                         "[{from: [{namespaceSelector: {matchLabels: {team: ops}}}], "
                         "ports: [{port: 5432, endPort: 5440}]}]")
    narrow = PODS.replace("[{from: [{namespaceSelector: {}}], ports: [{port: 5432}]}]",
                          "[{from: [{namespaceSelector: {matchLabels: {team: ops}}}], "
                          "ports: [{port: 5432}]}]")
    anp = ANP.replace("ACTION", action)
    old, new = load_text(narrow + anp, "old.yaml"), load_text(wider + anp, "new.yaml")
    found: list[Found] = []
    local = symbolic_diff(old, new, 60_000, found=found)
    whole = symbolic_diff(old, new, 60_000, localised=False)
    assert local[:2] == whole[:2] == expected
    for f in found:
        _confirm(old, new, f)


def test_a_pinned_pod_is_the_symbolic_pod_of_its_namespace():
    # The solver proves the two encodings equal under their domains, label by label.
    c = load_text(NS.replace("metadata: {name: b}", "metadata: {name: b, labels: {team: x}}")
                  + API % "" + OUT, "c.yaml")
    u = build_universe(c)
    for ns_name in ("a", "b"):
        full = symbolic_pod(u, c, "p", namespaces=[ns_name])
        pin = pinned_pod(u, c, "p", ns_name)
        same = [full.ns == pin.ns, full.fixed_ns == pin.fixed_ns]
        for k in u.keys:
            same += [full.ns_labels.present[k] == pin.ns_labels.present[k],
                     full.ns_labels.value[k] == pin.ns_labels.value[k],
                     full.labels.value[k] == pin.labels.value[k]]
        s = z3.Solver()
        s.add(*full.domain, z3.Not(z3.And(*[x if isinstance(x, z3.BoolRef) else z3.BoolVal(x)
                                          for x in same])))
        assert s.check() == z3.unsat
        s = z3.Solver()
        s.add(*pin.domain, z3.Not(z3.And(*full.domain)))
        assert s.check() == z3.unsat
