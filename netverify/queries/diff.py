"""``diff``: what a change to the policies (or workloads) newly allows and newly blocks.

Two answers, both exact:

- over existing pods: every (source, destination) pod pair present on both
  sides whose allowed ports changed, from the all-pairs engine on each side,
  compared on roles (``diff_pods``); rows are per workload pair, and collapse
  to ``ns/*`` when every workload pair between two namespaces changed the same way;
- over every pod that could exist: the SMT engine asks whether some pod,
  address and port is allowed by the new policies and not by the old (and the
  reverse), with a witness; "no" proves the change only tightens (or loosens).
  It is asked only about pods of the namespaces whose policies differ
  (``diff_symbolic``).

Both sides are encoded over one label alphabet; hypothetical pods see the
*new* namespaces' labels.

Traffic policies netverify does not evaluate, on either side, are listed in the
result's coverage; rows they could change are marked incomplete, and so is the
answer over every possible pod.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from netverify.deadline import DEFAULT_TIMEOUT_MS
from netverify.engines.concrete import Evaluator
from netverify.model import Cluster, Pod
from netverify.ports import PortSet, Protocol
from netverify.queries.causes import cause_of
from netverify.queries.diff_pods import changed_pairs
from netverify.queries.diff_symbolic import symbolic_diff
from netverify.results import (
    DiffCause,
    DiffResult,
    DiffRow,
)

# Rows explained with the rules responsible (each costs two pair evaluations); past this
# many, the rest of the rows go without.
MAX_EXPLAINED_ROWS = 500


def diff(old: Cluster, new: Cluster, *, old_label: str = "old", new_label: str = "new",
         timeout_ms: int = DEFAULT_TIMEOUT_MS, localised: bool = True) -> DiffResult:
    """Compare two clusters' reachability.

    ``timeout_ms`` bounds the solver work (every pod that could exist) as a whole.
    ``localised=False`` asks the solver about the whole cluster instead of only where
    the policy sets differ: the reference the localised questions are tested against.

    >>> diff(load_cluster(["v1/"]), load_cluster(["v2/"]))  # doctest: +SKIP
    """
    per_group: dict[tuple[str, str], list[tuple[PortSet, PortSet]]] = defaultdict(list)
    sample: dict[tuple[str, str], tuple[Pod, Pod]] = {}
    open_groups: set[tuple[str, str]] = set()  # a pair with ports left to the implementation
    for src_pod, dst_pod, a, b, decided in changed_pairs(old, new):
        per_group[(src_pod.group, dst_pod.group)].append((b.difference(a), a.difference(b)))
        sample.setdefault((src_pod.group, dst_pod.group), (src_pod, dst_pod))
        if not decided:
            open_groups.add((src_pod.group, dst_pod.group))
    rows = []
    for (s, d), changes in per_group.items():
        added, removed = PortSet.empty(), PortSet.empty()
        for ad, rm in changes:
            added, removed = added.union(ad), removed.union(rm)
        rows.append(DiffRow(src=s, dst=d, added=added, removed=removed, pairs=len(changes),
                            complete=(s, d) not in open_groups))
    rows = _explain(rows, sample, old, new)
    rows = _collapse(rows, old, new)
    coverage = old.coverage.merged(new.coverage)
    if not coverage.complete:
        rows = [r if not coverage.affects(_namespace(r.src), _namespace(r.dst))
                else replace(r, complete=False) for r in rows]
    old_keys = {p.key for p in old.pods}
    new_keys = {p.key for p in new.pods}
    any_allowed, any_denied, witnesses, caveats = symbolic_diff(old, new, timeout_ms,
                                                                 localised=localised)
    return DiffResult(old=old_label, new=new_label,
                      rows=tuple(sorted(rows, key=lambda r: (r.src, r.dst))),
                      pods_added=tuple(sorted(new_keys - old_keys)),
                      pods_removed=tuple(sorted(old_keys - new_keys)),
                      any_allowed=any_allowed, any_denied=any_denied,
                      witnesses=tuple(witnesses), caveats=tuple(caveats), coverage=coverage)


def _explain(rows: list[DiffRow], sample: dict[tuple[str, str], tuple[Pod, Pod]],
             old: Cluster, new: Cluster) -> list[DiffRow]:
    """Give each row the rules responsible for its change.

    On one of its pod pairs and its first changed port, the side (egress, ingress) whose
    verdict changed, with who decides it in each version: a cluster-wide tier rule, a
    NetworkPolicy rule or isolation, or the default.
    """
    ev_old, ev_new = Evaluator(old), Evaluator(new)
    old_pods = {p.key: p for p in old.pods}
    out = []
    for i, row in enumerate(rows):
        first = _first_port(row.added if not row.added.is_empty else row.removed)
        if i >= MAX_EXPLAINED_ROWS or first is None:
            out.append(row)
            continue
        proto, port = first
        s_new, d_new = sample[(row.src, row.dst)]
        s_old, d_old = old_pods[s_new.key], old_pods[d_new.key]
        v_old = ev_old.pair(s_old, d_old, protocol=proto, port=port)
        v_new = ev_new.pair(s_new, d_new, protocol=proto, port=port)
        causes = []
        for a, b in ((v_old.egress, v_new.egress), (v_old.ingress, v_new.ingress)):
            ca, cb = cause_of(a, proto, port), cause_of(b, proto, port)
            if ca.outcome is not cb.outcome:
                causes.append(DiffCause(src=s_new.key, dst=d_new.key, direction=a.direction,
                                        protocol=proto, port=port, old=ca, new=cb))
        out.append(replace(row, because=tuple(causes)))
    return out


def _first_port(ports: PortSet) -> tuple[Protocol, int] | None:
    for proto, intervals in ports.items():
        if intervals:
            return proto, intervals[0][0]
    return None


def _namespace(group: str) -> str:
    """The namespace of a row's ``ns/workload`` (or ``ns/*``)."""
    return group.partition("/")[0]


def _collapse(rows: list[DiffRow], old: Cluster, new: Cluster) -> list[DiffRow]:
    """Replace the rows of a namespace pair by one ``ns/* -> ns/*`` row when they agree.

    They agree when every workload pair between the two namespaces changed in exactly the
    same way.
    """
    groups: dict[str, set[str]] = defaultdict(set)
    for p in (*old.pods, *new.pods):
        groups[p.namespace].add(p.group)
    by_ns: dict[tuple[str, str], list[DiffRow]] = defaultdict(list)
    for r in rows:
        by_ns[(r.src.split("/")[0], r.dst.split("/")[0])].append(r)
    out = []
    for (sn, dn), rs in by_ns.items():
        full = len(groups[sn]) * len(groups[dn])
        same = len({(r.added, r.removed, r.complete) for r in rs}) == 1
        if same and len(rs) == full and len(rs) > 1:
            out.append(replace(rs[0], src=f"{sn}/*", dst=f"{dn}/*",
                               pairs=sum(r.pairs for r in rs)))
        else:
            out.extend(rs)
    return out
