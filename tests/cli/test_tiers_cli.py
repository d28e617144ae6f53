"""The tiers as users see them: can-reach names the tier, policy, priority, rule and
action; a Pass says who handed the decision on; ties are UNDECIDED (exit 3) in text,
JSON and the matrix."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from netverify.cli import main

FIXTURES = str(Path(__file__).parents[2] / "fixtures" / "tiers")

TIE = """
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: open-databases}
spec:
  tier: Admin
  priority: 10
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}
  ingress: [{name: anyone, action: Accept, from: [{namespaces: {}}]}]
"""


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["--no-cache", *args], input=stdin)
    return r.exit_code, r.output


def test_an_admin_deny_beats_a_networkpolicy_allow_and_says_who_decided() -> None:
    code, out = run("can-reach", "shop/web", "shop/db:5432", "-f", FIXTURES)
    assert code == 1
    assert out.startswith("DENIED  shop/web -> shop/db")
    assert ('denied by ClusterNetworkPolicy protect-databases (Admin tier, priority 10) '
            'spec.ingress[1] "no-web-to-db" Deny') in out


def test_a_pass_hands_the_decision_to_networkpolicy() -> None:
    code, out = run("can-reach", "monitoring/prometheus", "shop/db:5432", "-f", FIXTURES)
    assert code == 0
    assert ('passed on by ClusterNetworkPolicy protect-databases (Admin tier, priority 10) '
            'spec.ingress[0] "monitoring-decides-below" (Pass)') in out
    assert "NetworkPolicy decides TCP 5432: allowed" in out


def test_the_baseline_tier_decides_what_no_networkpolicy_does() -> None:
    code, out = run("can-reach", "monitoring/prometheus", "shop/web:8080", "-f", FIXTURES)
    assert code == 1
    assert "default-deny-cross-namespace (Baseline tier, priority 100)" in out


def _tied() -> str:
    text = "".join(p.read_text() + "\n---\n" for p in sorted(Path(FIXTURES).glob("*.yaml")))
    return text + TIE


def test_policies_tied_at_one_priority_are_undecided_with_both_choices() -> None:
    code, out = run("can-reach", "shop/web", "shop/db:5432", "-f", "-", stdin=_tied())
    assert code == 3, out
    assert out.startswith("UNDECIDED  shop/web -> shop/db")
    assert "share priority 10 and the implementation may apply either" in out
    assert "either denied by ClusterNetworkPolicy protect-databases" in out
    assert "either allowed by ClusterNetworkPolicy open-databases" in out


def test_json_carries_who_decided_and_the_undecided_ports() -> None:
    code, out = run("can-reach", "shop/web", "shop/db:5432", "-f", "-", "--format", "json",
                    stdin=_tied())
    assert code == 3
    pair = json.loads(out)["pairs"][0]
    assert pair["undecided"] == {"TCP": "5432"}
    decision = pair["ingress"]["decided_by"][0]
    assert decision["outcome"] == "undecided"
    names = {a["policy"]["name"] for a in decision["alternatives"]}
    assert names == {"protect-databases", "open-databases"}


def test_the_matrix_marks_undecided_cells_and_exits_3() -> None:
    code, out = run("matrix", "-f", "-", "--port", "5432", stdin=_tied())
    assert code == 3
    assert "✗ ?" in out
    assert "cells marked ? hold pod pairs the cluster-wide policies leave" in out


def test_check_says_undecided_for_a_pair_the_tiers_leave_open(tmp_path: Path) -> None:
    (tmp_path / "cluster.yaml").write_text(_tied())
    spec = tmp_path / "spec.yaml"
    spec.write_text("manifests: [cluster.yaml]\nassertions:\n"
                    "  - {name: web never reaches the database, from: shop/web, "
                    "to: shop/db:5432, expect: deny}\n"
                    "  - {name: guardrails keep web out for any pod, from: shop/app=web, "
                    "to: shop/db:5432, expect: deny, scope: any}\n")
    code, out = run("check", str(spec), "--format", "json")
    assert code == 3, out
    statuses = [r["status"] for r in json.loads(out)["results"]]
    assert statuses == ["undecided", "undecided"], out
