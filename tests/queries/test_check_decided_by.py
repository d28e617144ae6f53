"""``decided-by`` in assertion specs: a platform team pins which layer decides a pair.

On fixtures/tiers: ClusterNetworkPolicy protect-databases (Admin, priority 10) denies
shop/web -> shop/db ("no-web-to-db") although the shop's NetworkPolicy admits it, and
passes monitoring's traffic ("monitoring-decides-below") to that NetworkPolicy.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from netverify.cli import main
from netverify.loader import load_cluster
from netverify.queries.check import check
from netverify.renderers.assertions import assertion_message
from netverify.results import AssertionReason, Layer, Outcome
from netverify.specs import SpecError, load_spec
from netverify.verdicts import AssertionStatus

TIERS = str(Path(__file__).resolve().parents[2] / "fixtures" / "tiers")


def run(tmp_path: Path, body: str):
    p = tmp_path / "s.yaml"
    p.write_text(f"manifests: [{TIERS}]\nassertions:\n{body}")
    return check([str(p)], load=load_cluster).results


@pytest.mark.parametrize("decided", [
    "admin",
    "{layer: admin, policy: protect-databases}",
    "{layer: admin, policy: ClusterNetworkPolicy protect-databases, rule: no-web-to-db}",
])
def test_a_guardrail_deny_passes_when_the_admin_tier_decides(tmp_path, decided) -> None:
    [r] = run(tmp_path, f"""
  - {{name: web never reaches db, from: shop/web, to: shop/db:5432, expect: deny,
     decided-by: {decided}}}
""")
    assert r.status is AssertionStatus.PASS, assertion_message(r)


@pytest.mark.parametrize("decided", [
    "networkpolicy",
    "baseline",
    "{layer: admin, policy: some-other-policy}",
    "{layer: admin, policy: protect-databases, rule: monitoring-decides-below}",
])
def test_the_same_deny_by_another_name_fails(tmp_path, decided) -> None:
    [r] = run(tmp_path, f"""
  - {{name: web never reaches db, from: shop/web, to: shop/db:5432, expect: deny,
     decided-by: {decided}}}
""")
    assert r.status is AssertionStatus.FAIL
    assert r.reason is AssertionReason.DECIDED_ELSEWHERE
    [c] = r.causes  # the denying side only: ingress of shop/db
    assert (c.layer, c.outcome, c.policy, c.rule_name) == (
        Layer.ADMIN, Outcome.DENY, "ClusterNetworkPolicy protect-databases", "no-web-to-db")
    msg = assertion_message(r)
    assert msg.startswith("shop/web -> shop/db (TCP 5432) is denied as expected, but not "
                          "decided by")
    assert 'ClusterNetworkPolicy protect-databases spec.ingress[1] "no-web-to-db"' in msg


def test_an_allow_handed_back_by_a_pass_is_decided_by_networkpolicy(tmp_path) -> None:
    ok, wrong = run(tmp_path, """
  - {name: monitoring scrapes db, from: monitoring/prometheus, to: shop/db:5432,
     expect: allow, decided-by: {layer: networkpolicy, policy: shop/db}}
  - {name: monitoring by the admin tier, from: monitoring/prometheus, to: shop/db:5432,
     expect: allow, decided-by: admin}
""")
    assert ok.status is AssertionStatus.PASS, assertion_message(ok)
    assert wrong.status is AssertionStatus.FAIL
    assert wrong.reason is AssertionReason.DECIDED_ELSEWHERE
    # Both sides of an allowed pair are listed: default egress, NetworkPolicy ingress.
    assert [c.layer for c in wrong.causes] == [Layer.DEFAULT, Layer.NETWORK_POLICY]


def test_the_expected_verdict_is_checked_first(tmp_path) -> None:
    [r] = run(tmp_path, """
  - {name: wrong expectation, from: shop/web, to: shop/db:5432, expect: allow,
     decided-by: admin}
""")
    assert r.reason is AssertionReason.CANNOT_REACH


@pytest.mark.parametrize(("body", "match"), [
    ("{name: x, from: 'shop/*', to: shop/db:5432, expect: deny, scope: any, "
     "decided-by: admin}", "existing pods only"),
    ("{name: x, from: shop/web, to: shop/db, expect: deny, decided-by: admin}",
     "needs a port"),
    ("{name: x, from: shop/web, to: shop/db:5432, expect: deny, decided-by: tier0}",
     "decided-by"),
    ("{name: x, from: shop/web, to: shop/db:5432, expect: deny, "
     "decided-by: {policy: protect-databases}}", "decided-by"),
])
def test_bad_decided_by_is_a_spec_error(tmp_path, body: str, match: str) -> None:
    p = tmp_path / "s.yaml"
    p.write_text(f"manifests: [{TIERS}]\nassertions:\n  - {body}\n")
    with pytest.raises(SpecError, match=match):
        load_spec(str(p))


def test_cli_json_and_exit_status(tmp_path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text(f"""manifests: [{TIERS}]
assertions:
  - {{name: web never reaches db, from: shop/web, to: shop/db:5432, expect: deny,
     decided-by: networkpolicy}}
""")
    r = CliRunner().invoke(main, ["check", str(p), "--format", "json"])
    assert r.exit_code == 1, r.output
    [a] = json.loads(r.output)["results"]
    assert a["reason"] == "decided-elsewhere"
    assert a["facts"]["decided_by"] == "networkpolicy"
    assert a["facts"]["causes"] == [{
        "outcome": "deny", "layer": "admin", "policy": "ClusterNetworkPolicy protect-databases",
        "rule": 'spec.ingress[1] "no-web-to-db"', "action": "Deny"}]
