"""The pod-level matrix JSON writer (``renderers/matrix_json.py``) against the plain encoder.

The pod level holds its cells per pair of pod classes (``PodCells``) and the JSON writer
splices pre-encoded pieces instead of dumping one dict per pair.  Its text must be byte
for byte ``json.dumps(matrix_document(m), indent=2, sort_keys=True)`` over the same cells
made one by one (the schema and the goldens are unchanged), and the cells an unevaluated
object or an undecided tier could change must be the ones the per-cell ``_judged`` marks.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.loader import load_cluster, load_text
from netverify.queries import matrix as matrix_module
from netverify.queries.matrix import matrix
from netverify.renderers.json import matrix_document
from netverify.renderers.registry import render
from netverify.results import MatrixResult, PodCells
from tests import strategies as S
from tests.queries.test_matrix_groups import TIED

ROOT = Path(__file__).resolve().parents[2]


def _plain(m: MatrixResult) -> str:
    """The document as the standard encoder writes it, from cells made one by one."""
    cells = tuple(m.cells)
    return json.dumps(matrix_document(replace(m, cells=cells)), indent=2, sort_keys=True) + "\n"


def _same(m: MatrixResult) -> None:
    assert isinstance(m.cells, PodCells)
    assert render(m, "json") == _plain(m)


@pytest.mark.parametrize("port", [None, 80, 5432])
@pytest.mark.parametrize("inputs", [["demo"], ["tiers"], ["unevaluated"], ["services"]])
def test_fixture_pod_matrices_are_the_plain_encoders_bytes(inputs: list[str],
                                                           port: int | None) -> None:
    c = load_cluster([str(ROOT / "fixtures" / x) for x in inputs])
    _same(matrix(c, by="pod", port=port))


@pytest.mark.parametrize("port", [None, 5432])
def test_undecided_pairs_are_listed_as_incomplete(port: int | None) -> None:
    """Tied tiers leave the two database pods' pairs to the implementation: those pairs
    are listed (even when denied) with ``complete: false``; a pod's own pair is loopback."""
    m = matrix(load_text(TIED, "tied.yaml"), by="pod", port=port)
    doc = json.loads(render(m, "json"))
    incomplete = {(r["from"], r["to"]) for r in doc["results"] if not r["complete"]}
    assert ("shop/db-a", "shop/db-b") in incomplete
    assert ("shop/db-a", "shop/db-a") not in incomplete
    _same(m)


def _judged_both_ways(c: Any) -> tuple[MatrixResult, MatrixResult]:
    """``_judged`` on the class layout and on the same cells as a tuple."""
    pods = list(c.pods)
    raw = matrix_module._matrix(c, pods, "pod", None, None, ())
    fast = matrix_module._judged(raw, pods, "pod", c.coverage)
    slow = matrix_module._judged(replace(raw, cells=tuple(raw.cells)), pods, "pod", c.coverage)
    return fast, slow


def test_unevaluated_objects_mark_the_same_cells_and_name_the_same_objects() -> None:
    c = load_cluster([str(ROOT / "fixtures" / "unevaluated")])
    fast, slow = _judged_both_ways(c)
    assert not c.coverage.complete
    assert [x.complete for x in fast.cells] == [x.complete for x in slow.cells]
    assert not all(x.complete for x in fast.cells)
    assert fast.coverage == slow.coverage
    assert isinstance(fast.cells, PodCells) and fast.cells.complete is False


@settings(max_examples=40, deadline=None)
@given(manifests=S.clusters(), port=st.sampled_from([None, 80, 53]))
def test_random_clusters_write_the_plain_encoders_bytes(manifests: list[dict[str, Any]],
                                                        port: int | None) -> None:
    c = load_text(S.to_yaml(manifests), "random.yaml")
    if not c.pods:
        return
    m = matrix(c, by="pod", port=port)
    _same(m)
    fast, slow = _judged_both_ways(c)
    assert list(fast.cells) == list(slow.cells) and fast.coverage == slow.coverage
