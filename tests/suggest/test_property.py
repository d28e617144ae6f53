"""Random clusters, random intents: the suggested policies' matrix is the intent.

For every drawn cluster (``tests/strategies.py``: overlapping labels, named ports, real pods
of workloads, host-network pods) and every drawn set of flows between its workloads,
``suggest --replace`` over every namespace either proves its policies, and then the
pair-by-pair reference evaluator (not the all-pairs engine the proof uses) finds exactly
the intended ports between every two existing pods; or it refuses, and then for a reason
NetworkPolicy cannot get around: workloads no stable label tells apart, pods on the host
network, pods with no address family in common.  A cluster with none of these must be
proved.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from netverify.engines.concrete import Evaluator
from netverify.loader import load_text
from netverify.ports import PortSet, Protocol
from netverify.results import IntentFlow
from netverify.suggest import suggest
from netverify.suggest.intent import Workloads
from netverify.suggest.labels import choose_selectors
from tests import strategies as S

PORTS = st.sampled_from([
    PortSet.of(Protocol.TCP, 80), PortSet.of(Protocol.TCP, 8080),
    PortSet.of(Protocol.UDP, 53), PortSet.of(Protocol.TCP, 8000, 8100),
    PortSet.of(Protocol.TCP, 1, 65535), PortSet.all(),
    PortSet.of(Protocol.TCP, 443).union(PortSet.of(Protocol.SCTP, 80))])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(manifests=S.clusters(max_pods=5), data=st.data())
def test_suggested_policies_meet_a_random_intent(manifests: list[S.Manifest],
                                                 data: st.DataObject) -> None:
    cluster = load_text(S.to_yaml(manifests), "random.yaml")
    workloads = Workloads.of(cluster)
    groups = sorted(workloads.pods)
    ends = st.sampled_from(groups + [f"{ns}/*" for ns in sorted(workloads.by_namespace)])
    drawn = data.draw(st.lists(st.tuples(ends, ends, PORTS), max_size=6), label="flows")
    flows = [IntentFlow(src=a, dst=b, ports=p, origin=f"f:{i}")
             for i, (a, b, p) in enumerate(drawn)]
    r = suggest(cluster, flows, replace_existing=True,
                namespaces=tuple(sorted(workloads.by_namespace)))
    note(f"checks: {r.checks}\nmismatches: {r.mismatches}\nunmet: {r.unmet}")
    collide = any(c.also for ns, gs in workloads.by_namespace.items()
                  for c in choose_selectors(workloads.pods, gs).values())
    host = any(p.host_network for p in cluster.pods)
    event("proved" if r.proved else "refused")
    if not r.proved:
        assert r.unmet or r.mismatches
        assert all("host network" in u for u in r.unmet)
        assert all("no stable label" in m.reason or "host network" in m.reason
                   or "no address family in common" in m.reason for m in r.mismatches)
        apart = any(not (a.families & b.families) for a in cluster.pods for b in cluster.pods)
        assert collide or host or apart, \
            "refused without a reason NetworkPolicy cannot get around"
        return
    # The intent, pod pair by pod pair: union of the flows whose ends hold the two pods.
    def holds(end: str, group: str) -> bool:
        return end == group or (end.endswith("/*") and group.startswith(end[:-1]))

    def intended(a: str, b: str) -> PortSet:
        out = PortSet.empty()
        for f in flows:
            if holds(f.src, a) and holds(f.dst, b):
                out = out.union(f.ports)
        return out

    added = load_text("---\n".join(t for _, t in r.documents), "suggestion.yaml").policies
    kept = tuple(p for p in cluster.policies if p.namespace not in r.namespaces)
    after = replace(cluster, policies=(*kept, *added))
    ev = Evaluator(after)
    for a in cluster.pods:
        for b in cluster.pods:
            if a.key == b.key and not a.is_template:
                continue
            assert ev.allowed_ports(a, b) == intended(a.group, b.group), (a.key, b.key)
