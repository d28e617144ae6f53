"""The localised lint search finds exactly what the whole-cluster search finds.

``find_redundant`` encodes, for each candidate, only the edited namespace's policies and
reuses every other side of every question (``_Search.edited``).  The reference encodes
the whole edited cluster each time (``localised=False``).  On random clusters with
overlapping policies, tiers included, both must report the same findings, with the same
policies named as shadowing them.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from netverify.loader import load_text
from netverify.queries.lint import find_redundant
from tests import strategies as S


def _found(manifests: list[dict[str, Any]], *, localised: bool) -> list[tuple[Any, ...]]:
    cluster = load_text(S.to_yaml(manifests), "lint-localised.yaml")
    r = find_redundant(cluster, localised=localised)
    assert not r.undecided, r.undecided
    return [(f.code, f.policy, f.field, f.covered_by) for f in r.findings]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(manifests=S.clusters_with_overlaps(max_pods=3, max_policies=4))
def test_localised_search_agrees_with_the_whole_cluster_search(
        manifests: list[dict[str, Any]]) -> None:
    assert _found(manifests, localised=True) == _found(manifests, localised=False)
