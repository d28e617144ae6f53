"""More than MAX_TIED policies at one priority: every engine answers undecided where any of
their rules may match (regression: hypothesis found the all-pairs engine answering
"allowed" from the first 24 orders while the pair evaluator said undecided)."""

from __future__ import annotations

import yaml

from netverify.engines.allpairs import compute_all_pairs
from netverify.engines.concrete import Evaluator
from netverify.engines.tiers import MAX_TIED
from netverify.loader import load_text
from netverify.ports import Protocol
from netverify.queries.can_reach import can_reach


def _cluster():
    docs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "alpha"}}]
    docs += [{"apiVersion": "v1", "kind": "Pod",
              "metadata": {"name": f"p{i}", "namespace": "alpha", "labels": {"app": f"p{i}"}},
              "spec": {"containers": [{"name": "c", "image": "x"}]}} for i in range(2)]
    # The first policy (in name order) accepts everything; the others deny it: orders that
    # put a Deny first deny, so the answer is the implementation's.
    for i in range(MAX_TIED + 1):
        docs.append({"apiVersion": "policy.networking.k8s.io/v1alpha2",
                     "kind": "ClusterNetworkPolicy", "metadata": {"name": f"t{i}"},
                     "spec": {"tier": "Admin", "priority": 1, "subject": {"namespaces": {}},
                              "ingress": [{"name": "r", "action": "Accept" if i == 0
                                           else "Deny", "from": [{"namespaces": {}}]}]}})
    return load_text(yaml.safe_dump_all(docs), "tied.yaml")


def test_every_engine_says_undecided() -> None:
    c = _cluster()
    a, b = (next(p for p in c.pods if p.name == n) for n in ("p0", "p1"))
    v = Evaluator(c).pair(a, b, protocol=Protocol.TCP, port=80)
    assert v.allowed.is_empty and not v.undecided.is_empty
    ap = compute_all_pairs(c)
    s, d = ap.pods.class_of[a.key], ap.pods.class_of[b.key]
    assert ap.portset(s, d).restrict(Protocol.TCP, 80).is_empty
    assert not ap.undecided_portset(s, d).restrict(Protocol.TCP, 80).is_empty
    r = can_reach(c, "alpha/p0", "alpha/p1:80", engine="smt", policy_only=True)
    assert r.undecided and not any("disagree" in x for x in r.caveats), r.caveats
