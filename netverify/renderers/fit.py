"""Tables that fit the width the CLI was given (``RenderOptions.width``; None: no limit).

Cells are wrapped, never cut, so no name or port is lost: the widest columns are
narrowed first, down to ``MIN_COLUMN``.  A matrix has too many columns for that, so it
is split into blocks of columns, each repeating the row names, as R and pandas print
wide frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tabulate import tabulate

GAP = 2  # tabulate's "simple" format puts two spaces between columns
MIN_COLUMN = 8


def _natural(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> list[int]:
    widths = [len(h) + 2 for h in headers]  # tabulate pads headers by two
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], *(len(x) for x in str(cell).split("\n")))
    return widths


def fit_table(rows: Sequence[Sequence[str]], headers: Sequence[str], width: int | None,
              **kw: Any) -> str:
    """``tabulate(rows, headers, **kw)``, its widest columns wrapped to fit ``width``."""
    text: str = tabulate(rows, headers=headers, **kw)
    if width is None or max(map(len, text.splitlines()), default=0) <= width:
        return text
    widths = _natural(rows, headers)
    kw.pop("maxcolwidths", None)
    budget = width - GAP * (len(widths) - 1)
    for _ in range(4):  # tabulate pads headers and wraps at word ends: measure, retry
        caps = _narrowed(widths, budget)
        maxcol = [c if c < w else None for c, w in zip(caps, widths, strict=True)]
        out: str = tabulate(rows, headers=headers, maxcolwidths=maxcol, **kw)
        excess = max(map(len, out.splitlines()), default=0) - width
        if excess <= 0:
            break
        budget -= excess
    return out


def _narrowed(widths: list[int], budget: int) -> list[int]:
    """Column widths summing to at most ``budget``, the widest narrowed first."""
    caps = list(widths)
    while sum(caps) > budget:
        widest = max(range(len(caps)), key=lambda i: caps[i])
        if caps[widest] <= MIN_COLUMN:
            break  # as narrow as is readable: let the row overflow
        caps[widest] -= 1
    return caps


def split_columns(rows: Sequence[Sequence[str]], headers: Sequence[str], width: int | None,
                  **kw: Any) -> str:
    """A table whose first column names the rows, in blocks of columns that fit ``width``."""
    text: str = tabulate(rows, headers=headers, **kw)
    if width is None or max(map(len, text.splitlines()), default=0) <= width:
        return text
    widths = _natural(rows, headers)
    blocks: list[list[int]] = []
    used = widths[0]
    for i in range(1, len(widths)):
        if not blocks or used + GAP + widths[i] > width:
            blocks.append([])
            used = widths[0]
        blocks[-1].append(i)
        used += GAP + widths[i]
    parts = []
    for n, cols in enumerate(blocks, 1):
        sub_headers = [headers[0], *(headers[i] for i in cols)]
        sub_rows = [[row[0], *(row[i] for i in cols)] for row in rows]
        span = (headers[cols[0]] if len(cols) == 1
                else f"{headers[cols[0]]} to {headers[cols[-1]]}")
        label = f"(to {span}: part {n} of {len(blocks)})"
        parts.append(label + "\n" + tabulate(sub_rows, headers=sub_headers, **kw))
    return "\n\n".join(parts)
