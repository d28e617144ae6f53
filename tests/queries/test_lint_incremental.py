"""lint judges a namespace's candidates on one incremental solver, and stays exact.

Each namespace's candidates are compared with the same sides (the namespace's policies
as they stand); ``_Search.held`` asserts those once, as definitions of fresh names, in a
solver of the namespace, and each candidate is pushed and popped on it.  A finding
changes the sides the next candidates are compared with, and candidates of another
namespace start another solver.  The policies that shadow a finding are asked on one
solver too.  These tests check that the answers stay those of the whole-cluster
reference (``localised=False``) when namespaces interleave and findings are applied,
and that the solvers made do not grow with the policies compared.
"""

from __future__ import annotations

from typing import Any

import pytest
import z3
from hypothesis import HealthCheck, given, settings

from netverify.engines.smt.solve import Outcome, check
from netverify.loader import load_text
from netverify.queries import lint as lint_module
from netverify.queries.lint import find_redundant
from tests import strategies as S
from tests.support import cluster, ns, pod, policy


def _found(c: Any, *, localised: bool) -> list[tuple[Any, ...]]:
    r = find_redundant(c, localised=localised)
    assert not r.undecided, r.undecided
    return [(f.code, f.policy, f.field, f.covered_by) for f in r.findings]


def _web(namespace: str, name: str, port: int) -> dict[str, Any]:
    return policy(namespace, name, {"podSelector": {"matchLabels": {"app": "web"}},
                                    "ingress": [{"from": [{"podSelector": {}}],
                                                 "ports": [{"port": port}]}]})


def test_findings_applied_while_namespaces_interleave_match_the_reference() -> None:
    """Policies "are additive ... the connections allowed ... is the union of what the
    applicable policies allow" (Kubernetes, Network Policies): of two identical policies
    either can go, but not both.  The two namespaces' policies come interleaved, so each
    namespace's solver is left and made again, and after ``a/one-copy`` is found the
    next candidate of ``a`` is compared with the sides left without it."""
    c = cluster(ns("a"), ns("b"), pod("a", "web", {"app": "web"}), pod("b", "web", {"app": "web"}),
                _web("a", "one", 80), _web("b", "one", 80), _web("a", "one-copy", 80),
                _web("b", "two", 443), _web("a", "two", 443), _web("b", "one-copy", 80))
    got = _found(c, localised=True)
    assert got == _found(c, localised=False)
    redundant = {(f[0], f[1]) for f in got}
    # Each namespace: exactly one of its two identical policies is reported.
    assert len(redundant & {("NV152", "a/one"), ("NV152", "a/one-copy")}) == 1
    assert len(redundant & {("NV152", "b/one"), ("NV152", "b/one-copy")}) == 1
    # Port 443 is admitted by one policy per namespace only: never redundant.
    assert not redundant & {("NV152", "a/two"), ("NV152", "b/two")}


def test_an_ingress_rule_admitting_only_pods_that_cannot_send_is_redundant() -> None:
    """"For a connection from a source pod to a destination pod to be allowed, both the
    egress policy on the source pod and the ingress policy on the destination pod need to
    allow the connection" (Kubernetes, Network Policies).  ``a/in`` admits only pods of
    ``a``, whose egress ``a/no-egress`` denies: its rule changes no verdict (deleting it
    leaves ``a``'s pods isolated for ingress, as ``policyTypes`` defaults to Ingress).
    Only the ingress sides move, so lint compares them where the egress side allows;
    comparing them regardless of the egress side would call the rule needed."""
    c = cluster(ns("a"), ns("b"), pod("a", "x", {"app": "x"}), pod("b", "y", {"app": "y"}),
                policy("a", "no-egress", {"podSelector": {}, "policyTypes": ["Egress"]}),
                policy("a", "in", {"podSelector": {},
                                   "ingress": [{"from": [{"podSelector": {}}]}]}))
    got = _found(c, localised=True)
    assert got == _found(c, localised=False)
    assert ("NV151", "a/in", "spec.ingress[0]") in {f[:3] for f in got}
    assert ("NV152", "a/in") not in {f[:2] for f in got}  # it isolates a's pods


def test_solvers_made_do_not_grow_with_the_policies_compared(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Twenty policies of one namespace, one of them a copy: finding the shadowing
    policy compares the copy with each of the others, on one solver (it was one solver
    per policy compared)."""
    made: list[object] = []
    new_solver = lint_module.new_solver

    def counting(*args: Any, **kwargs: Any) -> Any:
        made.append(args)
        return new_solver(*args, **kwargs)

    monkeypatch.setattr(lint_module, "new_solver", counting)
    docs = [ns("a"), pod("a", "web", {"app": "web"})]
    docs += [_web("a", f"p{i:02d}", 1000 + i) for i in range(20)]
    docs.append(_web("a", "p00-copy", 1000))
    got = _found(cluster(*docs), localised=True)
    assert [(f[0], f[1], f[3]) for f in got] == [("NV152", "a/p00", ("a/p00-copy",))]
    assert len(made) <= 4, len(made)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(manifests=S.clusters_with_overlaps(max_pods=4, max_policies=5))
def test_the_held_questions_answer_as_the_plain_ones(manifests: list[dict[str, Any]]) -> None:
    """On each candidate, ``changed`` (only the sides the edit changes, over named
    definitions) is satisfiable exactly when some verdict differs, asked plainly, and
    ``moved`` exactly when some side of a pod of the namespace does."""
    c = load_text(S.to_yaml(manifests), "lint-held.yaml")
    s = lint_module._Search(c, 600_000)
    for pol in c.policies:
        ns_ = pol.namespace
        edits = [lambda x, k=pol.key: lint_module._without_policy(x, k)]
        edits += [lambda x, k=pol.key, d=d, i=r.index: lint_module._without_rule(x, k, d, i)
                  for d in pol.policy_types for r in pol.rules(d)]
        before = s.local(c, ns_)
        held = s.held(ns_, before)
        raw_keep = [z3.And(s.unpoliced(a, ns_), s.unpoliced(b, ns_)) for a, b in s.pairs]
        keep = [held.name(k) for k in raw_keep]
        per = 2 if s.smt.encoder.tiers.active else 1
        for edit in edits:
            after = s.local(edit(c), ns_)
            plain = z3.Or(*[z3.And(raw_keep[k // per], x != y) for k, (x, y) in enumerate(
                zip(s.verdicts(before), s.verdicts(after), strict=True))])
            assert _sat(held.solver, s.changed(held, after, keep)) == _sat(s.solver, plain)
            moved = []
            for (a, b), x, y in zip(s.pairs, before, after, strict=True):
                moved += [z3.And(s.member(a, ns_), z3.Or(x[1] != y[1], x[2] != y[2])),
                          z3.And(s.member(b, ns_), z3.Or(x[3] != y[3], x[4] != y[4]))]
            assert (_sat(held.solver, s.moved(held, after, ns_, None))
                    == _sat(s.solver, z3.Or(*moved)))


def _sat(solver: Any, goal: Any) -> bool:
    r = check(solver, goal, model=False)
    assert r.outcome is not Outcome.UNDECIDED, r.reason
    return r.outcome is Outcome.YES
