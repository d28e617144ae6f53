"""``diff`` names the rules responsible for each change, cluster-wide tiers included."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from netverify.cli import main
from netverify.loader import load_cluster
from netverify.model import Direction
from netverify.queries.diff import diff
from netverify.results import Layer, Outcome

PODS = """
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ops, labels: {team: ops}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, image: web}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: db, image: db, ports: [{containerPort: 5432}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: tool, namespace: ops, labels: {app: tool}}
spec: {containers: [{name: tool, image: tool}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{namespaceSelector: {}}], ports: [{port: 5432}]}]
"""

ANP = """
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: guard-db}
spec:
  priority: 5
  subject: {pods: {namespaceSelector: {matchLabels: {team: shop}},
                   podSelector: {matchLabels: {app: db}}}}
  ingress:
    - name: ops-stays-out
      action: ACTION
      from: [{namespaces: {matchLabels: {team: ops}}}]
"""


def _diff(tmp_path: Path, old: str, new: str):
    (tmp_path / "old.yaml").write_text(old)
    (tmp_path / "new.yaml").write_text(new)
    return diff(load_cluster([str(tmp_path / "old.yaml")]),
                load_cluster([str(tmp_path / "new.yaml")]))


def _row(result, src: str, dst: str):
    [row] = [r for r in result.rows if (r.src, r.dst) == (src, dst)]
    return row


def test_an_admin_deny_added_above_a_networkpolicy_allow(tmp_path: Path) -> None:
    r = _diff(tmp_path, PODS, PODS + ANP.replace("ACTION", "Deny"))
    row = _row(r, "ops/tool", "shop/db")
    assert not row.removed.is_empty
    [c] = row.because
    assert c.direction is Direction.INGRESS and c.port == 5432
    assert (c.old.outcome, c.old.layer, c.old.policy) == (
        Outcome.ALLOW, Layer.NETWORK_POLICY, "NetworkPolicy shop/db")
    assert c.old.rule == "spec.ingress[0].from[0]"
    assert (c.new.outcome, c.new.layer, c.new.policy, c.new.rule, c.new.action) == (
        Outcome.DENY, Layer.ADMIN, "AdminNetworkPolicy guard-db",
        'spec.ingress[0] "ops-stays-out"', "Deny")
    # The shop's own web pod is not matched by the admin rule: no change there.
    assert all((x.src, x.dst) != ("shop/web", "shop/db") for x in r.rows)


def test_a_rule_whose_action_flips(tmp_path: Path) -> None:
    r = _diff(tmp_path, PODS + ANP.replace("ACTION", "Deny"),
              PODS + ANP.replace("ACTION", "Pass"))
    [c] = _row(r, "ops/tool", "shop/db").because
    assert (c.old.layer, c.old.outcome, c.old.action) == (Layer.ADMIN, Outcome.DENY, "Deny")
    # After a Pass, the NetworkPolicy decides again.
    assert (c.new.layer, c.new.outcome, c.new.policy) == (
        Layer.NETWORK_POLICY, Outcome.ALLOW, "NetworkPolicy shop/db")


def test_networkpolicy_isolation_and_the_default(tmp_path: Path) -> None:
    narrowed = PODS.replace("[{from: [{namespaceSelector: {}}], ports: [{port: 5432}]}]",
                            "[{from: [{podSelector: {}}], ports: [{port: 5432}]}]")
    r = _diff(tmp_path, PODS, narrowed)
    [c] = _row(r, "ops/tool", "shop/db").because
    assert (c.new.outcome, c.new.layer, c.new.rule) == (Outcome.DENY, Layer.NETWORK_POLICY,
                                                       None)
    assert c.new.policy == "NetworkPolicy shop/db"
    # Dropping the policy: the default allows every port.
    r = _diff(tmp_path, PODS, PODS.split("---\napiVersion: networking.k8s.io/v1")[0])
    [c] = _row(r, "shop/web", "shop/db").because
    assert (c.new.outcome, c.new.layer) == (Outcome.ALLOW, Layer.DEFAULT)
    assert c.old.outcome is Outcome.DENY


def test_every_format_names_the_rule(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(PODS)
    (tmp_path / "new.yaml").write_text(PODS + ANP.replace("ACTION", "Deny"))
    args = ["diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml")]
    text = CliRunner().invoke(main, args).output
    assert ('ops/tool -> shop/db, ingress on TCP 5432: now denied by AdminNetworkPolicy '
            'guard-db spec.ingress[0] "ops-stays-out" (Admin tier, Deny); was allowed by '
            'NetworkPolicy shop/db spec.ingress[0].from[0]') in text
    md = CliRunner().invoke(main, [*args, "--format", "md"]).output
    assert "AdminNetworkPolicy guard-db" in md
    data = json.loads(CliRunner().invoke(main, [*args, "--format", "json"]).output)
    [change] = [c for c in data["changes"] if (c["from"], c["to"]) == ("ops/tool", "shop/db")]
    assert change["because"] == [{
        "from": "ops/tool", "to": "shop/db", "direction": "Ingress", "protocol": "TCP",
        "port": 5432,
        "old": {"outcome": "allow", "layer": "networkpolicy", "policy": "NetworkPolicy shop/db",
                "rule": "spec.ingress[0].from[0]", "action": None},
        "new": {"outcome": "deny", "layer": "admin", "policy": "AdminNetworkPolicy guard-db",
                "rule": 'spec.ingress[0] "ops-stays-out"', "action": "Deny"}}]
