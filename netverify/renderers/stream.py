"""Output written piece by piece: the group matrix's JSON without a dict per cell.

A 4,001-namespace matrix is 16 million entries, gigabytes of JSON: building them as
dicts and one string took more memory than the engine.  ``StreamedJsonRenderer``
writes the same bytes as ``JsonRenderer`` (indented, key-sorted), a row of cells at a
time, straight from the arrays of ``GroupCells``; ``chunks`` of any renderer yields its
output in pieces for the CLI to write as they come.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, TypeVar

from netverify.matrix_cells import GroupCells
from netverify.renderers.base import JsonRenderer, Renderer, RenderOptions
from netverify.renderers.matrix_json import pod_matrix_json
from netverify.results import MatrixResult

R = TypeVar("R")

# Stands for the results list in the document's own JSON, then is replaced by it.
_HOLE = f"netverify-results-{secrets.token_hex(8)}"


class StreamedJsonRenderer(JsonRenderer[R]):
    """A ``JsonRenderer`` that can also write its document in pieces (``pieces``)."""

    def __init__(self, document: Callable[[R], dict[str, Any]], schema: str,
                 pieces: Callable[[R], Iterator[str]]) -> None:
        """``pieces`` yields exactly the text ``JsonRenderer`` would write for a result."""
        super().__init__(document, schema)
        self.pieces = pieces

    def __call__(self, result: R, options: RenderOptions, /) -> str:
        """Indented, key-sorted JSON (the pieces joined)."""
        return "".join(self.pieces(result))


def chunks(renderer: Renderer[Any], result: Any, options: RenderOptions) -> Iterator[str]:
    """The renderer's output in pieces (one piece unless it streams)."""
    if isinstance(renderer, StreamedJsonRenderer):
        yield from renderer.pieces(result)
    else:
        yield renderer(result, options)


def matrix_pieces(document: Callable[[MatrixResult], dict[str, Any]]
                  ) -> Callable[[MatrixResult], Iterator[str]]:
    """The matrix JSON in pieces: array-backed group cells a row at a time.

    The pod level is ``matrix_json.pod_matrix_json``; other matrices are ``document``
    dumped whole.  The group entries are those of
    ``document`` (``allowed_pairs``, ``complete``, ``connections`` or ``port`` and
    ``protocol``, ``from``, ``pairs``, ``to``) written with the same indentation.
    """
    def pieces(m: MatrixResult) -> Iterator[str]:
        cells = m.cells
        pods = pod_matrix_json(document, m)
        if pods is not None:  # the pod level: spliced from its class layout
            yield pods
            return
        if not isinstance(cells, GroupCells) or not len(cells):
            yield json.dumps(document(m), indent=2, sort_keys=True) + "\n"
            return
        head = _without_results(document, m)
        before, after = head.split(json.dumps(_HOLE), 1)
        yield before + "[\n"
        yield from _group_entries(m, cells)
        yield "\n  ]" + after + "\n"

    return pieces


def _without_results(document: Callable[[MatrixResult], dict[str, Any]],
                     m: MatrixResult) -> str:
    """The document's JSON with a placeholder for its results (built from no cells)."""
    doc = document(_no_cells(m))
    doc["results"] = _HOLE
    return json.dumps(doc, indent=2, sort_keys=True)


def _no_cells(m: MatrixResult) -> MatrixResult:
    return replace(m, cells=())


def _group_entries(m: MatrixResult, cells: GroupCells) -> Iterator[str]:
    """Each group pair's entry, as ``json.dumps(indent=2, sort_keys=True)`` lays it out.

    One piece per source row; the pieces are joined by a comma and a newline.  The
    constant parts of an entry are built once, so a cell is one short f-string (16
    million of them at 4,001 namespaces).
    """
    names = [json.dumps(n) for n in cells.names]
    if m.port is not None:
        proto = json.dumps(m.protocol.value if m.protocol else None)
        conns = [""] * len(cells.portsets)
        mid = [f',\n      "complete": {flag},\n' for flag in ("true", "false")]
        before_from = ""
        asked = f',\n      "port": {m.port},\n      "protocol": {proto}'
        tails = [f'{asked},\n      "to": {dst}\n    }}' for dst in names]
    else:
        conns = [json.dumps(ps.to_dict(), indent=2, sort_keys=True).replace("\n", "\n      ")
                 for ps in cells.portsets]
        mid = [f',\n      "complete": {flag},\n      "connections": '
               for flag in ("true", "false")]
        before_from = ",\n"
        tails = [f',\n      "to": {dst}\n    }}' for dst in names]
    for s, src in enumerate(names):
        und = (cells.incomplete[s].tolist() if cells.incomplete is not None
               else [False] * len(names))
        head = f'{before_from}      "from": {src},\n      "pairs": '
        rows = zip(cells.allowed_pairs[s].tolist(), cells.pairs[s].tolist(),
                   cells.ports[s].tolist(), und, tails, strict=True)
        text = ",\n".join([f'    {{\n      "allowed_pairs": {a}{mid[u]}{conns[k]}{head}{p}{tail}'
                            for a, p, k, u, tail in rows])
        yield text if s == 0 else ",\n" + text
