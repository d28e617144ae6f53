"""``--lock-current``: today's allowed connections among existing workloads, as flows.

What the policies allow now between every ordered pair of workloads with at least one
side in the namespaces to lock, from the all-pairs engine.  A workload is the unit
policies are written for, so the pods of a workload pair must agree; when they do not
(ipBlocks naming some pods' addresses, pods of one workload labelled differently), the
pair cannot be locked at workload level and that is said, not averaged away.
Traffic from outside the cluster is not a connection among workloads: it is not part of
this intent (give it in a flows file).
"""

from __future__ import annotations

from collections.abc import Iterable

from netverify.engines.allpairs import compute_all_pairs
from netverify.model import Cluster
from netverify.ports import PortSet
from netverify.results import IntentFlow
from netverify.suggest.intent import LOCKED
from netverify.suggest.pairs import joints, pair_count, portsets


def current_flows(cluster: Cluster, touched: Iterable[str]
                  ) -> tuple[list[IntentFlow], list[str]]:
    """Flows allowed today with a side in ``touched``, and the pairs whose pods differ."""
    spaces = frozenset(touched)
    ap = compute_all_pairs(cluster)
    js = joints(cluster.pods, [ap])
    seen: dict[tuple[str, str], set[PortSet]] = {}
    for i, j, ps in portsets(ap, 0, js):
        a, b = js[i], js[j]
        if pair_count(a, b) == 0:
            continue
        if a.pods[0].namespace not in spaces and b.pods[0].namespace not in spaces:
            continue
        seen.setdefault((a.group, b.group), set()).add(ps)
    flows: list[IntentFlow] = []
    uneven: list[str] = []
    for (a_key, b_key), sets in sorted(seen.items()):
        ps = PortSet.empty()
        for s in sets:
            ps = ps.union(s)
        if len(sets) > 1:
            shown = " vs ".join(sorted(str(s) for s in sets))
            uneven.append(f"{a_key} -> {b_key}: the pods of these workloads are allowed "
                          f"different ports today ({shown})")
        if not ps.is_empty:
            flows.append(IntentFlow(src=a_key, dst=b_key, ports=ps, origin=LOCKED))
    return flows, uneven
