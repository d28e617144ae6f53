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

from netverify.queries import lint as lint_module
from netverify.queries.lint import find_redundant
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
