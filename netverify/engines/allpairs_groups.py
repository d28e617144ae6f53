"""Group totals of the all-pairs relation, streamed over blocks of destination roles.

``matrix --by namespace|workload`` needs, for every ordered pair of groups, how many
pod pairs are allowed (and undecided) and the union of their ports.  The relation
is never held whole: destinations go by in chunks sized to ``BLOCK_CELLS`` cells, each
chunk's block of roles (``AllPairs.role_block``) is summed over the source groups,
then over the destination groups.  The cost is linear in (source role, group)
entries times (destination role, group) entries, and memory is the (G x G) totals
plus one block.

Pairs are ordered pairs of *distinct* pods (a workload representative counts as a pair
with its own replicas, so only real pods lose their self-pair); see
``queries.matrix`` for the convention and ``group_counts``/``group_ports`` there for
the class-level reference these totals are tested against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from netverify.engines.allpairs import AllPairs
from netverify.progress import current

Int = npt.NDArray[np.int64]
Words = npt.NDArray[np.uint64]
Index = npt.NDArray[np.intp]

# Cells of one block of the relation (source entries x destination entries): about
# 8 bytes each per array held at once.  1M cells (8 MB arrays) rather than 16M: at
# 100,000 pods the totals took 3.0 s of CPU instead of 10 s, most of it system time
# spent mapping and faulting in fresh 128 MB temporaries for every block
# (benchmarks/README.md).
BLOCK_CELLS = 1_000_000


@dataclass(frozen=True, slots=True)
class GroupTotals:
    """(G x G) totals: allowed pod pairs, undecided pod pairs and the allowed port words.

    Undecided is None without any; the port words are the union over the pairs.
    """

    allowed: Int
    undecided: Int | None
    ports: list[Words]


@dataclass(frozen=True, slots=True)
class _Entries:
    """(role, group, pods) entries, sorted by group, with each group's first index."""

    role: Index
    group: Index
    count: Int
    starts: Index  # where each present group begins
    groups: Index  # the groups present, in order


@dataclass(frozen=True, slots=True)
class Members:
    """Which pods each group holds, as (class, group) entries.

    Sparse: a class sits in one group or a few, and a dense (C x G) table would be
    gigabytes at 100,000 pods.

    ``count`` is the pods of class ``cls[i]`` in group ``group[i]``, ``bare`` the real
    ones among them (a real pod's pair with itself is loopback, not a pair), and
    ``template`` whether a workload representative is among them (its replicas pair up
    with each other).
    """

    cls: Index
    group: Index
    count: Int
    bare: Int
    template: npt.NDArray[np.bool_]
    n_groups: int


def _entries(roles: Index, m: Members) -> _Entries:
    """Pods of each (role, group): classes of one role summed per group."""
    cls, grp, n = m.cls, m.group, m.count
    key = grp.astype(np.int64) * (int(roles.max(initial=0)) + 1) + roles[cls]
    uniq, inv = np.unique(key, return_inverse=True)
    count = np.zeros(len(uniq), dtype=np.int64)
    np.add.at(count, inv.reshape(-1), n)
    width = int(roles.max(initial=0)) + 1
    group = (uniq // width).astype(np.intp)
    role = (uniq % width).astype(np.intp)
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else \
        np.zeros(0, dtype=np.intp)
    return _Entries(role=role, group=group, count=count, starts=starts.astype(np.intp),
                    groups=group[starts] if len(group) else np.zeros(0, dtype=np.intp))


def group_totals(ap: AllPairs, members: Members, *, port_bits: tuple[int, ...] | None = None,
                 block_cells: int | None = None) -> GroupTotals:
    """Totals over the groups of ``members``.

    ``port_bits`` keeps only those bits of each word (one port asked).  Progress is
    counted in destination entries (``netverify.progress``).
    """
    budget = block_cells or BLOCK_CELLS
    G = members.n_groups
    keep = np.array(port_bits if port_bits is not None else [~0 & (2**64 - 1)] * ap.n_words,
                    dtype=np.uint64)
    src = _entries(ap.src_role, members)
    dst = _entries(ap.dst_role, members)
    allowed = np.zeros((G, G), dtype=np.int64)
    und: Int | None = np.zeros((G, G), dtype=np.int64) if ap.has_undecided else None
    ports = [np.zeros((G, G), dtype=np.uint64) for _ in range(ap.n_words)]
    s_roles, s_inv = np.unique(src.role, return_inverse=True)
    s_inv = s_inv.reshape(-1)
    rows = max(len(src.role), len(s_roles), 1)
    chunk = max(1, budget // rows)
    n = len(dst.role)
    with current().bar("pairs by group", n) as step:
        for j0 in range(0, n, chunk):
            _block(ap, src, dst, j0, min(n, j0 + chunk), s_roles, s_inv, keep, allowed, und,
                   ports)
            step(min(n, j0 + chunk) - j0)
    _self_pairs(ap, members, src, dst, allowed, und, ports, keep)
    return GroupTotals(allowed=allowed, undecided=und, ports=ports)


def _block(ap: AllPairs, src: _Entries, dst: _Entries, j0: int, j1: int, s_roles: Index,
           s_inv: Index, keep: Words, allowed: Int, und: Int | None, ports: list[Words]
           ) -> None:
    """Add destination entries ``j0 .. j1`` (one block) into the totals."""
    d_roles, d_inv = np.unique(dst.role[j0:j1], return_inverse=True)
    # (destination roles x source roles): the layout blocks are formed in.
    words, undecided = ap.role_block_t(s_roles, d_roles)
    words = [w & keep[i] for i, w in enumerate(words)]
    grp = dst.group[j0:j1]
    seg = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
    gcols = grp[seg]
    dn = dst.count[j0:j1]
    d_inv = d_inv.reshape(-1)
    any_ = np.zeros(words[0].shape, dtype=bool)
    for w in words:
        any_ |= w != 0
    _add(allowed, any_, s_inv, d_inv, src, dn, seg, gcols)
    if und is not None and undecided is not None:
        uany = np.zeros(words[0].shape, dtype=bool)
        for i, u in enumerate(undecided):
            uany |= (u & keep[i]) != 0
        _add(und, uany, s_inv, d_inv, src, dn, seg, gcols)
    for w, out in zip(words, ports, strict=True):
        if not len(src.starts):
            break
        block = w[d_inv][:, s_inv]
        by_dst = np.bitwise_or.reduceat(block, seg, axis=0)
        out[np.ix_(src.groups, gcols)] |= np.bitwise_or.reduceat(by_dst, src.starts,
                                                                 axis=1).T


def _add(total: Int, rel: npt.NDArray[np.bool_], s_inv: Index, d_inv: Index,
         src: _Entries, dn: Int, seg: Index, gcols: Index) -> None:
    """Add the pod pairs of one (destination x source) block where ``rel`` holds.

    ``total`` is (G x G), source group first.
    """
    if not len(src.starts):
        return
    block = rel[d_inv][:, s_inv].astype(np.int64)
    block *= dn[:, None]
    block *= src.count[None, :]
    by_dst = np.add.reduceat(block, seg, axis=0)
    total[np.ix_(src.groups, gcols)] += np.add.reduceat(by_dst, src.starts, axis=1).T


def _self_pairs(ap: AllPairs, m: Members, src: _Entries, dst: _Entries, allowed: Int,
                und: Int | None, ports: list[Words], keep: Words) -> None:
    """Take the real pods' pairs with themselves out of the diagonal cells.

    Counts lose one pair per real pod whose class's own pair is allowed.  The port union
    of a group with itself was taken over role pairs; a role pair is held only by a
    pod's pair with itself when that pod is the group's only one of its source role and
    of its destination role: such groups' diagonal unions are taken again exactly.
    """
    real = np.flatnonzero(m.bare)
    cls, grp, bare = m.cls[real], m.group[real], m.bare[real]
    if not len(cls):
        return
    words, undecided = ap.role_pairs(ap.src_role[cls], ap.dst_role[cls])
    hit = np.zeros(len(cls), dtype=bool)
    for i, w in enumerate(words):
        hit |= (w & keep[i]) != 0
    np.subtract.at(allowed, (grp, grp), np.where(hit, bare, 0))
    if und is not None and undecided is not None:
        uhit = np.zeros(len(cls), dtype=bool)
        for i, u in enumerate(undecided):
            uhit |= (u & keep[i]) != 0
        np.subtract.at(und, (grp, grp), np.where(uhit, bare, 0))
    # Groups where one real pod alone holds a source role and a destination role.
    s_count = {(int(g), int(r)): int(c) for r, g, c in zip(src.role, src.group, src.count,
                                                             strict=True)}
    d_count = {(int(g), int(r)): int(c) for r, g, c in zip(dst.role, dst.group, dst.count,
                                                             strict=True)}
    tmpl = m.template[real]
    lone = sorted({int(g) for c, g, b, t in zip(cls, grp, bare, tmpl, strict=True)
                   if b == 1 and not t
                   and s_count[(int(g), int(ap.src_role[c]))] == 1
                   and d_count[(int(g), int(ap.dst_role[c]))] == 1})
    order = np.argsort(m.group, kind="stable")
    bounds = np.searchsorted(m.group[order], np.arange(m.n_groups + 1))
    for g in lone:
        _exact_diagonal(ap, m, order[bounds[g]:bounds[g + 1]], g, ports, keep)


def _exact_diagonal(ap: AllPairs, m: Members, at: Index, g: int, ports: list[Words],
                    keep: Words) -> None:
    """The port union of group ``g`` (entries ``at``) with itself, over distinct pods only."""
    classes = m.cls[at]
    s_roles, s_inv = np.unique(ap.src_role[classes], return_inverse=True)
    d_roles, d_inv = np.unique(ap.dst_role[classes], return_inverse=True)
    s_inv, d_inv = s_inv.reshape(-1), d_inv.reshape(-1)
    ms = np.zeros(len(s_roles), dtype=np.int64)
    md = np.zeros(len(d_roles), dtype=np.int64)
    np.add.at(ms, s_inv, m.count[at])
    np.add.at(md, d_inv, m.count[at])
    held = np.outer(ms, md)
    np.subtract.at(held, (s_inv, d_inv), m.bare[at])  # pairs with oneself
    words, _ = ap.role_block(s_roles, d_roles)
    for i, w in enumerate(words):
        got = w[held > 0]
        ports[i][g, g] = (np.bitwise_or.reduce(got) if len(got) else np.uint64(0)) & keep[i]
