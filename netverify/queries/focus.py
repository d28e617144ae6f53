"""``matrix --focus``: the part of a matrix that touches one workload.

The focused matrix keeps the focus rows and every row with an allowed connection to
or from them, with their true cells (a peer-to-peer cell is shown as it is, never
blanked); ``MatrixResult.focus`` lets the graph and list forms draw only the pairs
that touch the focus.
"""

from __future__ import annotations

import dataclasses

from netverify.engines.concrete import Evaluator
from netverify.errors import QueryError
from netverify.model import Cluster
from netverify.queries.endpoints import resolve, split_port
from netverify.results import MatrixResult
from netverify.verdicts import GroupBy


def focus_matrix(cluster: Cluster, m: MatrixResult, endpoint: str) -> MatrixResult:
    """``m`` cut down to ``endpoint`` (``NS/NAME`` or ``NS/key=value``) and its peers.

    Raises:
        QueryError: when the endpoint names no pod, or none of the matrix's rows.
    """
    name, port = split_port(endpoint)
    if port is not None:
        raise QueryError(f"--focus {endpoint!r} takes no port",
                         hint="use --port to ask about one port")
    pods = resolve(cluster, Evaluator(cluster), name).pods
    if not pods:
        raise QueryError(f"--focus {endpoint!r} names no pod",
                         hint="use NAMESPACE/NAME or NAMESPACE/key=value")
    keys = {p.key if m.by is GroupBy.POD else p.namespace if m.by is GroupBy.NAMESPACE
            else p.group for p in pods}
    focus = [r for r in m.rows if r in keys]
    if not focus:
        raise QueryError(f"--focus {endpoint!r} is outside the matrix",
                         hint="its namespace is left out by -n")
    peers = {x for c in m.cells if not c.allowed.is_empty and (c.src in keys or c.dst in keys)
             for x in (c.src, c.dst)}
    rows = tuple(r for r in m.rows if r in keys or r in peers)
    kept = set(rows)
    cells = tuple(c for c in m.cells if c.src in kept and c.dst in kept)
    return dataclasses.replace(m, rows=rows, cells=cells, focus=tuple(focus))
