"""Assertion specs as intent: failing ``expect: allow`` made to pass, ``expect: deny`` kept.

The spec semantics are ``check``'s (README, "Assertion specs in CI"): ``expect: allow``
passes when the traffic is allowed from every source to every destination named, ``expect:
deny`` when it is denied for all of them.  The proof runs ``check`` on the result; the
tests also compute the result's matrix with the reference evaluator.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml

from netverify.engines.concrete import Evaluator
from netverify.loader import load_text
from netverify.ports import PortSet, Protocol
from netverify.queries.check import check
from netverify.results import ProofStatus
from netverify.suggest import suggest
from tests.support import cluster, deployment, ns, policy


def _spec(tmp_path: Path, assertions: list[dict[str, object]]) -> str:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({"assertions": assertions}))
    return str(path)


def test_a_failing_allow_is_added_and_a_failing_deny_taken_out(tmp_path: Path) -> None:
    c = cluster(ns("a"), deployment("a", "web", {"app": "web"}),
                deployment("a", "cli", {"app": "cli"}), deployment("a", "other", {"app": "o"}),
                policy("a", "deny", {"podSelector": {"matchLabels": {"app": "web"}},
                                     "policyTypes": ["Ingress"]}),
                policy("a", "old", {"podSelector": {"matchLabels": {"app": "web"}},
                                    "ingress": [{"from": [{"podSelector": {
                                        "matchLabels": {"app": "o"}}}]}]}))
    spec = _spec(tmp_path, [
        {"name": "cli reaches web", "from": "a/cli", "to": "a/web:8080", "expect": "allow"},
        {"name": "other never reaches web", "from": "a/other", "to": "a/web",
         "expect": "deny"}])
    before = check([spec], load=lambda _p: c, manifests=["m"])
    assert [r.status.value for r in before.results] == ["fail", "fail"]
    r = suggest(c, specs=[spec], replace_existing=True)
    assert r.proved, (r.checks, r.mismatches, r.unmet)
    assert next(x for x in r.checks if x.name == "every spec passes").status is \
        ProofStatus.PROVED
    added = load_text("---\n".join(t for _, t in r.documents), "s.yaml").policies
    after = replace(c, policies=added)
    ev = Evaluator(after)
    pods = {p.key: p for p in c.pods}
    assert ev.allowed_ports(pods["a/cli"], pods["a/web"]) == PortSet.of(Protocol.TCP, 8080)
    assert ev.allowed_ports(pods["a/other"], pods["a/web"]).is_empty
    # what the specs do not mention keeps today's ports (no policy selects cli or other)
    assert ev.allowed_ports(pods["a/web"], pods["a/cli"]).is_all
    assert ev.allowed_ports(pods["a/cli"], pods["a/other"]).is_all


def test_a_deny_that_kept_policies_break_fails_the_spec_check(tmp_path: Path) -> None:
    """Policies are additive: without --replace the kept allow still admits the internet.

    (Pods of the input would be shut out by their own namespace's egress default deny;
    an address outside the cluster only meets web's ingress, which the kept policy opens.)
    """
    c = cluster(ns("a"), deployment("a", "web", {"app": "web"}),
                deployment("a", "other", {"app": "o"}),
                policy("a", "open", {"podSelector": {}, "ingress": [{}]}))
    spec = _spec(tmp_path, [{"name": "the internet never reaches web",
                             "from": "203.0.113.0/24", "to": "a/web", "expect": "deny"}])
    r = suggest(c, specs=[spec])
    assert r.failed
    assert next(x for x in r.checks if x.name == "every spec passes").status is \
        ProofStatus.FAILED
