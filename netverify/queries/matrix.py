"""``matrix``: the connectivity of every ordered pair of pods, workloads or namespaces.

Computed once for all pairs by the all-pairs engine.  Conventions:

- Pod level: the diagonal of a real pod is loopback (always allowed); the
  diagonal of a workload's representative is the replica-to-replica verdict.
- Group level (``workload``, ``namespace``): a cell counts allowed ordered pod
  pairs among all ordered pairs of *distinct* pods between the groups (a
  workload representative counts as a pair with its own replicas); its ports
  are the union over those pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from netverify.deadline import DEFAULT_TIMEOUT_MS
from netverify.engines.allpairs import AllPairs, compute_all_pairs
from netverify.engines.allpairs_groups import Members, group_totals
from netverify.errors import QueryError
from netverify.matrix_cells import GroupCells
from netverify.model import Cluster, Pod
from netverify.policy_kinds import Coverage, Side
from netverify.ports import PortSet, Protocol
from netverify.progress import current
from netverify.queries.endpoints import parse_protocol
from netverify.queries.enforcement import enforced
from netverify.results import MatrixCell, MatrixResult, PodCells
from netverify.verdicts import GroupBy

GROUPINGS = tuple(g.value for g in GroupBy)
# The pod level holds one cell per ordered pod pair: 2,500 pods are 6.25 million cells
# (tens of seconds and gigabytes of output); above that it takes ``force``.
POD_MATRIX_LIMIT = 2_500
# A group matrix as a table (text, Markdown) above this many rows is refused unless
# ``force``: 500 namespaces are 250,000 cells, columns nobody reads (4,001 namespaces at
# 100,000 pods would be 16 million); JSON, CSV and the list stream instead.
GROUP_TABLE_LIMIT = 500


def refuse_wide_table(cluster: Cluster, by: GroupBy | str, namespaces: tuple[str, ...] = ()
                      ) -> None:
    """Refuse a group matrix table above ``GROUP_TABLE_LIMIT`` rows (before computing it).

    Raises:
        QueryError: naming the size and the forms that scale.
    """
    by = GroupBy(by)
    if by is GroupBy.POD:
        return
    rows = {p.namespace if by is GroupBy.NAMESPACE else p.group for p in cluster.pods
            if not namespaces or p.namespace in namespaces}
    if len(rows) > GROUP_TABLE_LIMIT:
        raise QueryError(
            f"the {by.value} matrix has {len(rows):,} rows ({len(rows) ** 2:,} cells), above "
            f"the limit of {GROUP_TABLE_LIMIT:,} rows for a table",
            hint="use --format json, csv or list (the allowed pairs only), -n NAMESPACE to "
                 "keep fewer pods, or --force to print the table anyway")


def matrix(cluster: Cluster, *, by: GroupBy | str = GroupBy.POD, port: int | None = None,
           protocol: str | None = None, namespaces: tuple[str, ...] = (),
           engine: str = "concrete", cni: str | None = None,
           policy_only: bool = False, timeout_ms: int = DEFAULT_TIMEOUT_MS,
           force: bool = False) -> MatrixResult:
    """Compute the connectivity matrix.

    ``port`` (with ``protocol``, default TCP) asks about one port; without it
    each cell holds the allowed ports.  ``namespaces`` limits the pods (as
    sources and destinations) to those namespaces.

    >>> m = matrix(cluster, by="namespace", port=443)  # doctest: +SKIP

    Unless ``policy_only``, cells hold the effective answer: what the CNI (``cni``
    as ``name[@version]``, else detected from the manifests) actually enforces;
    the caveats say which plugin and what it ignores.

    ``engine="smt"`` decides every pod pair with the SMT engine instead (pod level
    only; one solver question per pair and port class, so for cross-checking on
    small inputs, not for speed); ``timeout_ms`` bounds its solver work as a whole.

    At the pod level, more than ``POD_MATRIX_LIMIT`` pods is refused unless ``force``.

    The work is four steps, one function each: the arguments (``_asked``), the
    cluster the CNI enforces (``_enforced``), the cells (``_pod_matrix`` or
    ``group_counts`` and ``group_ports`` for groups) and the cells an unevaluated
    traffic policy could change (``_judged``).

    Raises:
        QueryError: for an unknown grouping, namespace, protocol or engine, or a pod-level
            matrix above ``POD_MATRIX_LIMIT`` pods without ``force``.
        UndecidedError: with ``engine="smt"``, when a check is not decided in time.
    """
    if isinstance(by, GroupBy):
        by = by.value
    proto = _asked(cluster, by, port, protocol, namespaces, engine)
    coverage = cluster.coverage
    cluster, caveats = _enforced(cluster, cni, policy_only)
    pods = [p for p in cluster.pods if not namespaces or p.namespace in namespaces]
    if not pods:
        return MatrixResult(by=GroupBy(by), port=port, protocol=proto, rows=(), cells=(),
                            caveats=(*caveats, "no pods in the input"),
                            coverage=coverage.affecting(()))
    if by == "pod" and len(pods) > POD_MATRIX_LIMIT and not force:
        raise QueryError(
            f"the pod-level matrix of {len(pods):,} pods has {len(pods) ** 2:,} cells, above "
            f"the limit of {POD_MATRIX_LIMIT:,} pods",
            hint="use --by workload or --by namespace (pod pairs counted per group), "
                 "-n NAMESPACE to keep fewer pods, or --force to print it anyway")
    if engine == "smt":
        m = _smt_matrix(cluster, pods, proto, port, caveats, timeout_ms)
    else:
        m = _matrix(cluster, pods, by, port, proto, caveats)
    return _judged(m, pods, by, coverage)


def _asked(cluster: Cluster, by: str, port: int | None, protocol: str | None,
           namespaces: tuple[str, ...], engine: str) -> Protocol | None:
    """The protocol asked about (TCP for a port without one), once the arguments are valid."""
    if engine not in ("concrete", "smt"):
        raise QueryError(f"unknown engine {engine!r}", hint="concrete or smt")
    if engine == "smt" and by != "pod":
        raise QueryError("the SMT engine answers --by pod only",
                         hint="group counts come from the concrete engine's exact relation")
    if by not in GROUPINGS:
        raise QueryError(f"unknown grouping {by!r}", hint=f"one of {', '.join(GROUPINGS)}")
    proto = parse_protocol(protocol) if protocol else None
    if port is not None and proto is None:
        proto = Protocol.TCP
    for ns in namespaces:
        if ns not in cluster.namespaces:
            raise QueryError(f"unknown namespace {ns!r}",
                             hint=f"known: {', '.join(list(cluster.namespaces)[:10])}")
    return proto


def _enforced(cluster: Cluster, cni: str | None, policy_only: bool
              ) -> tuple[Cluster, tuple[str, ...]]:
    """The cluster as the CNI enforces it (unless ``policy_only``), and the caveats."""
    caveats = list(cluster.warnings)
    if policy_only:
        caveats.append("policy answer only (--policy-only): what the CNI enforces is not "
                       "applied")
        return cluster, tuple(caveats)
    plugin = enforced(cluster, cni)
    return plugin.cluster, (*caveats, *plugin.notes)


def _judged(m: MatrixResult, pods: list[Pod], by: str, coverage: Coverage) -> MatrixResult:
    """Mark the cells an unevaluated traffic policy could change, and say which ones apply.

    A cell stands for pod pairs; it is affected when one of them is (a real pod's own
    diagonal pair is loopback and never is).
    """
    if coverage.complete:
        return replace(m, coverage=coverage)
    if isinstance(m.cells, PodCells):
        return _judged_pods(m, m.cells, pods, coverage)
    spaces: dict[str, set[str]] = defaultdict(set)  # row -> namespaces of its pods
    for p in pods:
        key = p.key if by == "pod" else p.namespace if by == "namespace" else p.group
        spaces[key].add(p.namespace)
    if isinstance(m.cells, GroupCells):
        return _judged_groups(m, m.cells, [spaces[r] for r in m.rows], coverage)
    solo = {p.key for p in pods if not p.is_template}  # pod rows whose diagonal is loopback
    touched: set[tuple[str, str]] = set()
    memo: dict[tuple[str, str], bool] = {}

    def affected(a: str, b: str) -> bool:
        if (a, b) not in memo:
            memo[(a, b)] = coverage.affects(a, b)
            if memo[(a, b)]:
                touched.add((a, b))
        return memo[(a, b)]

    cells = []
    for c in m.cells:
        if (by == "pod" and c.src == c.dst and c.src in solo) or (by != "pod" and not c.pairs):
            cells.append(c)  # loopback, or a group cell without a pair of distinct pods
            continue
        hit = any(affected(a, b) for a in spaces[c.src] for b in spaces[c.dst])
        cells.append(replace(c, complete=False) if hit else c)
    return replace(m, cells=tuple(cells), coverage=coverage.affecting(touched))


def _judged_groups(m: MatrixResult, cells: GroupCells, spaces: list[set[str]],
                   coverage: Coverage) -> MatrixResult:
    """``_judged`` for array-backed group cells: one (G x G) mask per unevaluated object.

    The same rule as ``PolicyObject.affects`` with both ends pods (never ``OUTSIDE``): an
    object applying everywhere touches every cell, a namespaced one the cells with a pod
    of its namespace at the end its kind names; cells without a pair are never touched.
    """
    n = len(m.rows)
    some = cells.pairs > 0
    hit = np.zeros((n, n), dtype=bool)
    kept = []
    for o in coverage.unevaluated:
        if o.kind.outside_only:
            continue
        if o.everywhere:
            mask = some
        else:
            has = np.array([o.namespace in sp for sp in spaces], dtype=bool)
            src, dst = has[:, None], has[None, :]
            side = o.kind.side
            mask = (src if side is Side.SOURCE else dst if side is Side.DESTINATION
                    else src | dst) & some
        if mask.any():
            kept.append(o)
            hit |= mask
    return replace(m, cells=cells.marked(hit) if hit.any() else cells,
                   coverage=replace(coverage, unevaluated=tuple(kept)))
def _judged_pods(m: MatrixResult, cells: PodCells, pods: list[Pod],
                 coverage: Coverage) -> MatrixResult:
    """``_judged`` at the pod level: decided per pair of namespaces, not per cell."""
    spaces = list(dict.fromkeys(p.namespace for p in pods))
    index = {ns: k for k, ns in enumerate(spaces)}
    ns = np.array([index[p.namespace] for p in pods], dtype=np.intp)
    hit = np.array([[coverage.affects(a, b) for b in spaces] for a in spaces], dtype=bool)
    # A pair of namespaces is asked about (and so named) when it holds a cell other than
    # a real pod's loopback: any two namespaces, or one with two pods or a template.
    size = np.bincount(ns, minlength=len(spaces))
    template = np.zeros(len(spaces), dtype=bool)
    template[ns[~cells.solo]] = True
    touched = {(a, b) for x, a in enumerate(spaces) for y, b in enumerate(spaces)
               if hit[x, y] and (x != y or size[x] > 1 or template[x])}
    judged = PodCells(keys=cells.keys, cls=cells.cls, ids=cells.ids, portsets=cells.portsets,
                      loopback=cells.loopback, solo=cells.solo, incomplete=cells.incomplete,
                      affected=(ns, hit))
    return replace(m, cells=judged, coverage=coverage.affecting(touched))


def _matrix(cluster: Cluster, pods: list[Pod], by: str, port: int | None,
            proto: Protocol | None, caveats: tuple[str, ...]) -> MatrixResult:
    """The matrix itself, from the all-pairs engine."""
    only = (proto, port) if port is not None and proto is not None else None
    with current().phase("all pairs (pod classes, roles, rows)"):
        ap = compute_all_pairs(cluster, only=only, protocol=proto if only is None else None)
    if by == "pod":
        return _pod_matrix(ap, pods, port, proto, only, caveats)
    names, members = group_members(ap, pods, (lambda p: p.namespace) if by == "namespace"
                                   else (lambda p: p.group))
    totals = group_totals(ap, members)
    sizes = np.zeros(len(names), dtype=np.int64)
    np.add.at(sizes, members.group, members.count)
    real = np.zeros(len(names), dtype=np.int64)
    np.add.at(real, members.group, members.bare)
    pairs = np.outer(sizes, sizes)
    pairs[np.diag_indices(len(names))] -= real
    und_groups = None
    if totals.undecided is not None:
        und_groups = totals.undecided > 0
        if und_groups.any():
            caveats = (*caveats, UNDECIDED_TIERS)
        else:
            und_groups = None
    cells = GroupCells(names=names, allowed_pairs=totals.allowed, pairs=pairs,
                       incomplete=und_groups,
                       **_port_sets(ap, totals.allowed, totals.ports, proto, port))
    return MatrixResult(by=GroupBy(by), port=port, protocol=proto, rows=tuple(names),
                        cells=cells, caveats=caveats)


def _port_sets(ap: AllPairs, allowed: npt.NDArray[np.int64],
               words: list[npt.NDArray[np.uint64]], proto: Protocol | None, port: int | None
               ) -> dict[str, Any]:
    """Each cell's port set as an index into the distinct ones (``GroupCells.ports``).

    Index 0 is the empty set of cells without an allowed pair; the rest are the distinct
    port-class signatures of the others (a few dozen), each turned into a PortSet once.
    """
    some = np.flatnonzero(allowed)  # few: most group pairs allow nothing at this size
    if len(words) == 1:
        sigs, inv = np.unique(words[0].reshape(-1)[some], return_inverse=True)
        keys: list[tuple[int, ...]] = [(int(v),) for v in sigs]
    else:
        stacked = np.stack([w.reshape(-1)[some] for w in words], axis=1)
        rows, inv = np.unique(stacked, axis=0, return_inverse=True)
        keys = [tuple(int(v) for v in r) for r in rows]
    index = np.zeros(allowed.shape, dtype=np.intp)
    index.reshape(-1)[some] = inv.reshape(-1) + 1
    sets = [PortSet.empty()]
    sets += [ap.portset_of_signature(k).restrict(proto, port) for k in keys]
    return {"ports": index, "portsets": tuple(sets)}


def _pod_matrix(ap: AllPairs, pods: list[Pod], port: int | None, proto: Protocol | None,
                only: tuple[Protocol, int] | None, caveats: tuple[str, ...]) -> MatrixResult:
    """One cell per ordered pod pair: a real pod's own cell is loopback (always allowed).

    The cells are a ``PodCells``: each distinct signature of the (C x C) class words is
    turned into a ``PortSet`` once, and pod pairs are looked up through their classes.
    """
    cls = np.array([ap.pods.class_of[p.key] for p in pods], dtype=np.intp)
    used = np.unique(cls)  # only the classes of the pods asked about
    stacked = np.stack([w[np.ix_(used, used)] for w in ap.words], axis=-1)
    sigs, inverse = np.unique(stacked.reshape(-1, len(ap.words)), axis=0, return_inverse=True)
    ids = np.zeros((len(ap.words[0]), len(ap.words[0])), dtype=np.int32)
    ids[np.ix_(used, used)] = inverse.reshape(len(used), len(used))
    portsets = tuple(ap.portset_of_signature(tuple(int(x) for x in sig)).restrict(proto, port)
                     for sig in sigs)
    incomplete = None
    if ap.undecided is not None:
        incomplete = _undecided_classes(ap, only)
    solo = np.array([not p.is_template for p in pods], dtype=bool)
    cells = PodCells(keys=tuple(p.key for p in pods), cls=cls, ids=ids, portsets=portsets,
                     loopback=PortSet.all().restrict(proto, port), solo=solo,
                     incomplete=incomplete)
    if incomplete is not None and not cells.complete:
        caveats = (*caveats, UNDECIDED_TIERS)
    return MatrixResult(by=GroupBy.POD, port=port, protocol=proto, rows=cells.keys,
                        cells=cells, caveats=caveats)


# -- groups of pods: counts and port unions over pod classes ---------------------------------

def group_members(ap: AllPairs, pods: list[Pod], group_of: Callable[[Pod], str]
                  ) -> tuple[tuple[str, ...], Members]:
    """Group names (sorted) and the (class, group) entries of ``pods`` in ``ap``'s classes."""
    names = tuple(sorted({group_of(p) for p in pods}))
    gi = {g: i for i, g in enumerate(names)}
    count: dict[tuple[int, int], list[int]] = {}
    class_of = ap.pods.class_of
    for p in pods:
        key = (class_of[p.key], gi[group_of(p)])
        got = count.get(key)
        if got is None:
            got = count[key] = [0, 0, 0]
        got[0] += 1
        if p.is_template:
            got[2] = 1
        else:
            got[1] += 1
    keys = list(count)
    rows = np.array([count[k] for k in keys], dtype=np.int64).reshape(-1, 3)
    at = np.array(keys, dtype=np.intp).reshape(-1, 2)
    return names, Members(cls=at[:, 0], group=at[:, 1], count=rows[:, 0], bare=rows[:, 1],
                          template=rows[:, 2] > 0, n_groups=len(names))


@dataclass(frozen=True, slots=True)
class Groups:
    """The matrix's pods sorted into groups, as the class-by-group counts numpy needs.

    ``member[c, g]`` is the number of pods of class ``c`` in group ``g``; ``template``
    marks the (class, group) holding a workload representative (whose replicas pair up
    with each other); ``bare[c, g]`` counts the real pods, whose pair with themselves
    is loopback and not a pair of the matrix.
    """

    names: tuple[str, ...]  # group names, sorted
    member: npt.NDArray[np.int64]  # (C x G)
    template: npt.NDArray[np.bool_]  # (C x G)
    bare: npt.NDArray[np.int64]  # (C x G)

    @classmethod
    def of(cls, ap: AllPairs, pods: list[Pod], group_of: Callable[[Pod], str]) -> Groups:
        """Group ``pods`` (each in ``ap``'s pod classes) by ``group_of``."""
        names = tuple(sorted({group_of(p) for p in pods}))
        gi = {g: i for i, g in enumerate(names)}
        shape = (len(ap.pods.members), len(names))
        member = np.zeros(shape, dtype=np.int64)
        template = np.zeros(shape, dtype=bool)
        bare = np.zeros(shape, dtype=np.int64)
        for p in pods:
            c, g = ap.pods.class_of[p.key], gi[group_of(p)]
            member[c, g] += 1
            if p.is_template:
                template[c, g] = True
            else:
                bare[c, g] += 1
        return cls(names=names, member=member, template=template, bare=bare)


def group_counts(groups: Groups, relation: npt.NDArray[np.bool_]
                 ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(G x G) pod pairs for which the (C x C) class ``relation`` holds, and all pod pairs.

    Pairs are ordered pairs of distinct pods from group ``s`` to group ``d`` (a workload
    representative counts as a pair with its own replicas, so only real pods lose their
    self-pair).  Counting is one matrix product, ``member.T @ relation @ member``, then
    the real pods' self-pairs come off the diagonal.  float64 products are exact far
    beyond any pod count here and use BLAS (integer products do not: 60 s instead of
    1 s at 7,000 classes; benchmarks/README.md).
    """
    mf = groups.member.astype(np.float64)
    held = np.rint(mf.T @ relation.astype(np.float64) @ mf).astype(np.int64)
    # A real pod's pair with itself sits on the class diagonal of its own group.
    held[np.diag_indices(len(groups.names))] -= (
        np.diag(relation).astype(np.int64) @ groups.bare)
    sizes = groups.member.sum(axis=0)
    pairs = np.outer(sizes, sizes)
    pairs[np.diag_indices(len(groups.names))] -= groups.bare.sum(axis=0)
    return held, pairs


def group_ports(groups: Groups, words: list[npt.NDArray[np.uint64]]
                ) -> list[npt.NDArray[np.uint64]]:
    """Per 64-bit word of ``words`` (C x C), the (G x G) OR over each group pair's pod pairs.

    Off the class diagonal every member pair is a pair of distinct pods.  On it,
    ``(c, c)`` stands for a pair of distinct pods of class ``c``: it belongs to the cell
    ``(g, g2)`` only if ``c`` has pods in both groups and, when ``g == g2``, two of them
    there or a workload representative (whose replicas pair up).
    """
    member, template = groups.member, groups.template
    n = len(groups.names)
    present = [np.flatnonzero(member[:, g]) for g in range(n)]
    diag = np.arange(member.shape[0])
    out = []
    for w in words:
        off = w.copy()
        off[diag, diag] = 0
        rows = np.stack([np.bitwise_or.reduce(off[present[g], :], axis=0) for g in range(n)])
        u = np.stack([np.bitwise_or.reduce(rows[:, present[g]], axis=1) for g in range(n)],
                     axis=1)
        for ci in np.flatnonzero(w[diag, diag]):
            sig = w[ci, ci]
            gs = np.flatnonzero(member[ci])
            for ga in gs:
                for gb in gs:
                    if ga != gb or member[ci, ga] >= 2 or template[ci, ga]:
                        u[ga, gb] |= sig
        out.append(u)
    return out


UNDECIDED_TIERS = ("cells marked ? hold pod pairs the cluster-wide policies leave to the "
                   "implementation (policies tied at one priority, ...): the mark shows what "
                   "is allowed for sure; can-reach on a pair says which policies")


def _undecided_classes(ap: AllPairs, only: tuple[Protocol, int] | None) -> npt.NDArray[np.bool_]:
    """(C x C): some asked port class is neither allowed nor denied for sure."""
    assert ap.undecided is not None
    if only is not None:
        k = ap.ports.class_of(*only)
        bits: npt.NDArray[np.bool_] = (
            (ap.undecided[k // 64] >> np.uint64(k % 64)) & np.uint64(1)) != 0
        return bits
    out = np.zeros(ap.undecided[0].shape, dtype=bool)
    for w in ap.undecided:
        out |= w != 0
    return out


def _smt_matrix(cluster: Cluster, pods: list[Pod], proto: Protocol | None, port: int | None,
                caveats: tuple[str, ...], timeout_ms: int) -> MatrixResult:
    """Every pod pair decided by the SMT engine (loopback as in the concrete engine)."""
    from netverify.engines.smt.engine import SmtEngine

    smt = SmtEngine(cluster, timeout_ms=timeout_ms)
    cells = []
    for a in pods:
        for b in pods:
            if a.key == b.key and not a.is_template:
                ps = PortSet.all()
            else:
                ps = smt.allowed_ports(smt.pod(a), smt.pod(b))
            cells.append(MatrixCell(src=a.key, dst=b.key, allowed=ps.restrict(proto, port)))
    return MatrixResult(by=GroupBy.POD, port=port, protocol=proto,
                        rows=tuple(p.key for p in pods),
                        cells=tuple(cells), caveats=caveats)
