"""The pod-level matrix as JSON, written from its class layout instead of a million dicts.

The text is byte for byte what ``json.dumps(matrix_document(m), indent=2,
sort_keys=True)`` writes (``tests/renderers/test_matrix_json.py`` compares them):
the document around the results is dumped by the standard encoder with an empty
``results`` list, and the results are spliced in, each entry from pieces encoded
once: a pod's key once per pod, a port set once per distinct set.  The pairs listed
are found with numpy, so the cost is the entries written, not the pairs looked at.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from netverify.results import MatrixResult, PodCells
from netverify.verdicts import GroupBy

_EMPTY_RESULTS = '\n  "results": [],\n'
# Entries sit at depth 2 of the document (indent 4), their fields at depth 3.
_OPEN, _CLOSE, _FIELD = "    {\n", "\n    }", ",\n      "


def pod_matrix_json(document: Callable[[MatrixResult], dict[str, Any]],
                    result: MatrixResult) -> str | None:
    """``matrix --format json`` at the pod level, the bytes ``document`` dumped would be.

    None when ``result`` is not a pod-level matrix held as ``PodCells``.
    """
    cells = result.cells
    if result.by is not GroupBy.POD or not isinstance(cells, PodCells):
        return None
    outer = json.dumps(document(_without_cells(result)), indent=2, sort_keys=True)
    entries = _entries(result, cells)
    if not entries:
        return outer + "\n"
    head, tail = outer.split(_EMPTY_RESULTS, 1)  # keys are sorted: one "results" key
    return "".join((head, '\n  "results": [\n', ",\n".join(entries), "\n  ],\n", tail,
                    "\n"))


def _without_cells(m: MatrixResult) -> MatrixResult:
    return replace(m, cells=())


def _connections(ps_dict: dict[str, str]) -> str:
    """A port set's ``connections`` value as the indented encoder writes it at depth 3."""
    if not ps_dict:
        return "{}"
    inner = ",\n".join(f"        {json.dumps(k)}: {json.dumps(v)}"
                       for k, v in sorted(ps_dict.items()))
    return "{\n" + inner + "\n      }"


def _entries(m: MatrixResult, cells: PodCells) -> list[str]:
    """The ``results`` entries in row-major order, each as indented text."""
    import numpy as np  # here: the registry imports this module for every command

    n = len(cells.keys)
    keys = [json.dumps(k) for k in cells.keys]
    ids = cells.ids[np.ix_(cells.cls, cells.cls)]
    loop = len(cells.portsets)  # the loopback set's number
    diag = np.flatnonzero(cells.solo)
    ids[diag, diag] = loop
    sets = (*cells.portsets, cells.loopback)
    undecided = np.zeros((n, n), dtype=bool)
    for i in range(n):
        row = cells.undecided_row(i)
        if row is not None:
            undecided[i] = row
    undecided[diag, diag] = False
    if m.port is not None:
        proto = json.dumps(m.protocol.value if m.protocol else None)
        allowed = ["true" if not ps.is_empty else "false" for ps in sets]
        mid = f"{_FIELD}\"port\": {m.port}{_FIELD}\"protocol\": {proto}{_FIELD}\"to\": "
        flat_ids, flat_und = ids.ravel().tolist(), undecided.ravel().tolist()
        return [f'{_OPEN}      "allowed": {allowed[flat_ids[k]]}{_FIELD}"complete": '
                f'{"false" if flat_und[k] else "true"}{_FIELD}"from": {keys[k // n]}'
                f'{mid}{keys[k % n]}{_CLOSE}' for k in range(n * n)]
    empty = np.array([ps.is_empty for ps in sets], dtype=bool)
    listed = ~empty[ids] | undecided
    rows, cols = np.nonzero(listed)
    conns = [_connections(ps.to_dict()) for ps in sets]
    return [f'{_OPEN}      "complete": {"false" if u else "true"}{_FIELD}"connections": '
            f'{conns[s]}{_FIELD}"from": {keys[i]}{_FIELD}"to": {keys[j]}{_CLOSE}'
            for i, j, s, u in zip(rows.tolist(), cols.tolist(), ids[rows, cols].tolist(),
                                  undecided[rows, cols].tolist(), strict=True)]
