"""Which verdicts of an answer traffic policies netverify does not evaluate could change.

The objects come from ``Cluster.coverage`` (``policy_kinds``); this module marks the
pairs they could change (``complete=False``) and narrows the coverage to the objects
that touch the answer, so that an answer about pairs no such object applies to stays
confident.  A pod talking to itself is never affected: loopback does not reach the
network, where policies of every kind are enforced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from netverify.policy_kinds import OUTSIDE, Coverage
from netverify.results import Endpoint, PairVerdict


def endpoint_namespace(e: Endpoint) -> str | None:
    """The namespace of a pod endpoint; ``OUTSIDE`` for an address outside the cluster."""
    return OUTSIDE if e.is_external else e.namespace


def pair_key(p: PairVerdict) -> tuple[str | None, str | None]:
    """(source namespace, destination namespace) of a pair, ``OUTSIDE`` for addresses."""
    return endpoint_namespace(p.src), endpoint_namespace(p.dst)


def mark_pairs(pairs: Iterable[PairVerdict], coverage: Coverage) -> tuple[PairVerdict, ...]:
    """The pairs, those an unevaluated object could change marked ``complete=False``."""
    if coverage.complete:
        return tuple(pairs)
    return tuple(replace(p, complete=False)
                 if not p.loopback and coverage.affects(*pair_key(p)) else p for p in pairs)


def pairs_coverage(pairs: Iterable[PairVerdict], coverage: Coverage) -> Coverage:
    """The coverage of an answer made of these pairs (loopback pairs are never affected)."""
    return coverage.affecting(pair_key(p) for p in pairs if not p.loopback)
