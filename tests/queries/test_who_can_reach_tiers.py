"""who-can-reach with cluster-wide policies: families are judged on the whole connection
(an Admin Deny cuts a NetworkPolicy peer; an Admin Accept admits sources no NetworkPolicy
names)."""

from __future__ import annotations

from pathlib import Path

from netverify.loader import load_cluster, load_text
from netverify.queries.who_can_reach import who_can_reach
from netverify.verdicts import SourceStatus

FIXTURES = str(Path(__file__).parents[2] / "fixtures" / "tiers")


def test_an_admin_deny_splits_a_networkpolicy_family() -> None:
    r = who_can_reach(load_cluster([FIXTURES]), "shop/db:5432")
    shop = next(c for c in r.classes if c.description == "all pods in namespace shop")
    assert shop.status is SourceStatus.SOME
    assert shop.blocked_example is not None
    assert dict(shop.blocked_example.labels).get("app") == "web"
    assert "shop/web" not in dict(r.existing)


def test_an_admin_accept_admits_a_family_no_networkpolicy_names() -> None:
    text = (Path(FIXTURES) / "cluster.yaml").read_text() + """
---
apiVersion: v1
kind: Namespace
metadata: {name: backup, labels: {team: backup}}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: backups}
spec:
  priority: 5
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}
  ingress:
    - {name: backup-agents, action: Allow, from: [{namespaces: {matchLabels: {team: backup}}}]}
"""
    r = who_can_reach(load_text(text), "shop/db:5432")
    fam = [c for c in r.classes if c.rule and "AdminNetworkPolicy backups" in c.rule]
    assert [c.status.value for c in fam] == ["all"], r.classes
    assert fam[0].description == "pods in namespaces team=backup"


def test_examples_carry_no_address_the_answer_does_not_need() -> None:
    # Regression: the solver gave example pods the address 0.0.0.0 at will, which reads
    # as if the answer depended on it.
    r = who_can_reach(load_cluster([FIXTURES]), "shop/db:5432")
    examples = [e for c in r.classes for e in (c.example, c.blocked_example) if e is not None]
    assert examples
    assert all(not e.ips for e in examples if not e.external)


def test_an_example_keeps_the_address_an_ipblock_needs() -> None:
    text = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: db, image: db}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{ipBlock: {cidr: 10.1.0.0/16}}]}]
"""
    r = who_can_reach(load_text(text), "shop/db:5432")
    examples = [c.example for c in r.classes if c.example is not None]
    assert examples and all(e.ips and e.ips[0].startswith("10.1.") for e in examples)
