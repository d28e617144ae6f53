"""Pod pairs seen through the all-pairs engine, folded per workload pair.

Pods of one workload in one engine class have the same verdicts, so every question the
suggestion asks of pod pairs (what is allowed today, what the suggestion allows) is
answered once per pair of *joint classes*: (engine classes on each side compared,
workload).  ``pair_count`` says how many ordered pod pairs a joint-class pair stands
for, counted as ``matrix`` counts them: a real pod's pair with itself is loopback and
not counted, a workload representative counts as a pair with its own replicas.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from netverify.engines.allpairs import AllPairs
from netverify.model import Pod
from netverify.ports import PortSet


@dataclass(frozen=True, slots=True)
class Joint:
    """Pods alike for every engine compared: one workload, one class in each engine."""

    group: str
    classes: tuple[int, ...]  # one class per engine
    pods: tuple[Pod, ...]


def joints(pods: Sequence[Pod], engines: Sequence[AllPairs]) -> list[Joint]:
    """The pods split into joint classes, in a stable order."""
    out: dict[tuple[str, tuple[int, ...]], list[Pod]] = {}
    for p in pods:
        key = (p.group, tuple(ap.pods.class_of[p.key] for ap in engines))
        out.setdefault(key, []).append(p)
    return [Joint(group=g, classes=c, pods=tuple(v)) for (g, c), v in sorted(out.items())]


def pair_count(a: Joint, b: Joint) -> int:
    """Ordered pod pairs from ``a`` to ``b`` (loopback of real pods left out)."""
    if a is not b:
        return len(a.pods) * len(b.pods)
    n = len(a.pods)
    real = sum(1 for p in a.pods if not p.is_template)
    return n * n - real


def portsets(ap: AllPairs, which: int, js: Sequence[Joint]
             ) -> Iterator[tuple[int, int, PortSet]]:
    """(i, j, allowed ports) for every ordered pair of joints in engine ``which``."""
    cls = np.array([j.classes[which] for j in js], dtype=np.intp)
    allowed, _ = ap.block(cls, cls)
    stack = np.stack(allowed, axis=-1).reshape(len(js) * len(js), -1)
    uniq, inverse = np.unique(stack, axis=0, return_inverse=True)
    sets = [ap.portset_of_signature(tuple(int(x) for x in u)) for u in uniq]
    flat = inverse.reshape(-1)
    n = len(js)
    for k in range(n * n):
        i, j = divmod(k, n)
        yield i, j, sets[int(flat[k])]


def undecided(ap: AllPairs, which: int, js: Sequence[Joint]) -> bool:
    """Whether some pair of joints has ports left to the implementation (tied tiers)."""
    if not ap.has_undecided:
        return False
    cls = np.array([j.classes[which] for j in js], dtype=np.intp)
    _, und = ap.block(cls, cls)
    return und is not None and any(bool(u.any()) for u in und)
