"""Tier semantics the spec-derived cases do not reach: versions side by side, and the
"undecided" answers of the hypothetical engine (the SMT side of ties)."""

from __future__ import annotations

from netverify.engines.concrete import Evaluator
from netverify.loader import load_text
from netverify.ports import Protocol
from netverify.queries.hypothetical import can_reach_hypothetical
from netverify.verdicts import Answer

PODS = """
apiVersion: v1
kind: Namespace
metadata: {name: alpha, labels: {team: a}}
---
apiVersion: v1
kind: Namespace
metadata: {name: beta, labels: {team: b}}
---
apiVersion: v1
kind: Pod
metadata: {name: a1, namespace: alpha, labels: {app: web}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b1, namespace: beta, labels: {app: db}}
spec: {containers: [{name: c, image: i}]}
"""

ANP_DENY = """
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: deny-alpha}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {team: b}}}
  ingress: [{name: deny, action: Deny, from: [{namespaces: {matchLabels: {team: a}}}]}]
"""

CNP = """
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: accept-alpha}
spec:
  tier: Admin
  priority: 5
  subject: {namespaces: {matchLabels: {team: b}}}
  ingress: [{name: accept, action: ACTION, from: [{namespaces: {matchLabels: {team: a}}}]}]
"""


def _verdict(text: str) -> tuple[bool, bool]:
    c = load_text(text)
    pods = {p.key: p for p in c.pods}
    v = Evaluator(c).pair(pods["alpha/a1"], pods["beta/b1"], protocol=Protocol.TCP, port=80)
    return v.is_allowed, not v.undecided.is_empty


def test_v1alpha1_next_to_v1alpha2_is_undecided_where_their_order_matters() -> None:
    # By priority the CNP (5) accepts first; an implementation walking ANPs first denies.
    assert _verdict(PODS + ANP_DENY + CNP.replace("ACTION", "Accept")) == (False, True)


def test_v1alpha1_next_to_v1alpha2_is_decided_where_every_order_agrees() -> None:
    assert _verdict(PODS + ANP_DENY + CNP.replace("ACTION", "Deny")) == (False, False)
    assert _verdict(PODS + ANP_DENY) == (False, False)


TIE = """
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: x-deny}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {matchLabels: {team: b}}}
  ingress: [{name: deny, action: Deny, from: [{namespaces: {matchLabels: {team: a}}}]}]
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: y-accept}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {matchLabels: {team: b}}}
  ingress: [{name: accept, action: Accept, from: [{namespaces: {}}]}]
"""


def test_a_tie_is_undecided_over_hypothetical_pods_too() -> None:
    c = load_text(PODS + TIE)
    # Every pod of alpha: the tied policies disagree, so neither yes nor no.
    r = can_reach_hypothetical(c, "alpha/*", "beta/b1", port="80")
    assert r.outcome is Answer.UNDECIDED, r
    # A namespace only y-accept matches: a proved yes.
    c2 = load_text(PODS.replace("team: a", "team: z") + TIE)
    assert can_reach_hypothetical(c2, "alpha/*", "beta/b1", port="80").outcome is Answer.YES
