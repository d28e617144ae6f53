"""``diff`` over existing pods: the pod pairs whose allowed ports changed, found on roles.

Why roles: the all-pairs engine factors a pod class into a source role (what
its egress allows) and a destination role (what its ingress admits), and every
pair of roles has one verdict.  A pod present on both sides has a *joint*
source role (old role, new role) and a joint destination role; every pod pair
of two joint roles changed alike.  So the comparison is one (joint source
roles x joint destination roles) array per side, far smaller than pod classes
squared, and only the pairs that changed are listed.

The two sides split ports into classes of their own, so their words are not
comparable bit for bit: each distinct word signature becomes a PortSet id in
one id space first.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from netverify.engines.allpairs import AllPairs, compute_all_pairs
from netverify.model import Cluster, Pod
from netverify.ports import PortSet

Index = npt.NDArray[np.intp]


def _ids(ap: AllPairs, srcs: Index, dsts: Index, ids: dict[tuple[PortSet, PortSet], int]
         ) -> Index:
    """(len(srcs) x len(dsts)) ids of those role pairs' (allowed, undecided) port sets.

    Undecided ports (cluster-wide policies tied at one priority leave them to the
    implementation) are part of the signature, so a change between "allowed" and
    "undecided" is a change, and the rows holding one are marked not complete.
    """
    us, si = np.unique(srcs, return_inverse=True)
    ud, di = np.unique(dsts, return_inverse=True)
    allowed, undecided = ap.role_block(us, ud)
    words = allowed + (undecided or [])
    flat = np.stack(words, axis=-1).reshape(-1, len(words))
    if flat.shape[1] == 1:  # one word: a 1-D unique is far cheaper than rows
        u1, inverse = np.unique(flat[:, 0], return_inverse=True)
        uniq = u1.reshape(-1, 1)
    else:
        uniq, inverse = np.unique(flat, axis=0, return_inverse=True)
    n = len(allowed)

    def key(u: tuple[int, ...]) -> tuple[PortSet, PortSet]:
        rest = u[n:]
        return (ap.portset_of_signature(u[:n]),
                ap.portset_of_signature(rest) if rest else PortSet.empty())

    uid = np.array([ids.setdefault(key(tuple(int(x) for x in u)), len(ids)) for u in uniq],
                   dtype=np.intp)
    roles: Index = uid[inverse.reshape(-1)].reshape(len(us), len(ud))
    out: Index = roles[np.ix_(si.reshape(-1), di.reshape(-1))]
    return out


def _joint(first: Index, second: Index) -> tuple[Index, Index]:
    """(distinct (first, second) rows as an (n x 2) array, each element's row)."""
    uniq, inverse = np.unique(np.stack([first, second], axis=1), axis=0, return_inverse=True)
    return uniq, inverse.reshape(-1)


def changed_pairs(old: Cluster, new: Cluster
                  ) -> list[tuple[Pod, Pod, PortSet, PortSet, bool]]:
    """Pod pairs present on both sides whose ports differ: (src, dst, old, new, decided).

    ``old`` and ``new`` are the ports allowed for sure; ``decided`` is False when either
    side leaves some port of the pair undecided (then the change is not certain).

    In the order of (old class, new class) groups as pods first appear in ``new``, then
    of the pods: the first pair listed for a workload pair is the one its row explains.
    """
    ap_old, ap_new = compute_all_pairs(old), compute_all_pairs(new)
    old_keys = {p.key for p in old.pods}
    common = [p for p in new.pods if p.key in old_keys]
    if not common:
        return []
    co = np.array([ap_old.pods.class_of[p.key] for p in common], dtype=np.intp)
    cn = np.array([ap_new.pods.class_of[p.key] for p in common], dtype=np.intp)
    srcs, src_of = _joint(ap_old.src_role[co], ap_new.src_role[cn])
    dsts, dst_of = _joint(ap_old.dst_role[co], ap_new.dst_role[cn])
    ids: dict[tuple[PortSet, PortSet], int] = {}
    before = _ids(ap_old, srcs[:, 0], dsts[:, 0], ids)
    after = _ids(ap_new, srcs[:, 1], dsts[:, 1], ids)
    rows, cols = np.nonzero(before != after)
    if len(rows) == 0:
        return []
    src_members = _members(src_of, len(srcs))
    dst_members = _members(dst_of, len(dsts))
    s_idx, d_idx, cell = [], [], []
    for n, (a, b) in enumerate(zip(rows, cols, strict=True)):
        ms, md = src_members[a], dst_members[b]
        s_idx.append(np.repeat(ms, len(md)))
        d_idx.append(np.tile(md, len(ms)))
        cell.append(np.full(len(ms) * len(md), n, dtype=np.intp))
    s, d, c = np.concatenate(s_idx), np.concatenate(d_idx), np.concatenate(cell)
    template = np.array([p.is_template for p in common], dtype=bool)
    keep = (s != d) | template[s]  # loopback never changes
    s, d, c = s[keep], d[keep], c[keep]
    # (old class, new class) groups numbered by first appearance, as pods are listed
    _, first_at, group = np.unique(np.stack([co, cn], axis=1), axis=0, return_index=True,
                                   return_inverse=True)
    group = np.argsort(np.argsort(first_at))[group.reshape(-1)]
    order = np.lexsort((d, s, group[d], group[s]))
    by_id = {v: k for k, v in ids.items()}
    old_ps = [by_id[int(before[a, b])] for a, b in zip(rows, cols, strict=True)]
    new_ps = [by_id[int(after[a, b])] for a, b in zip(rows, cols, strict=True)]
    sure = [_decided(o, n) for o, n in zip(old_ps, new_ps, strict=True)]
    return [(common[s[i]], common[d[i]], old_ps[c[i]][0], new_ps[c[i]][0], sure[c[i]])
            for i in order.tolist()]


def _decided(old: tuple[PortSet, PortSet], new: tuple[PortSet, PortSet]) -> bool:
    """Whether a pair's change is certain: no port that changed is undecided on a side.

    Each side is (allowed for sure, undecided).  A port allowed on one side and
    undecided on the other, or undecided on one side and denied on the other, may or
    may not have changed.
    """
    (a, ua), (b, ub) = old, new
    moved = _either(a, b).union(_either(ua, ub))
    return moved.intersection(ua.union(ub)).is_empty


def _either(x: PortSet, y: PortSet) -> PortSet:
    return x.difference(y).union(y.difference(x))


def _members(of: Index, n: int) -> list[Index]:
    """For each of ``n`` groups, the (ascending) indexes of its elements."""
    order = np.argsort(of, kind="stable")
    bounds = np.searchsorted(of[order], np.arange(n + 1))
    return [order[bounds[i]:bounds[i + 1]] for i in range(n)]
