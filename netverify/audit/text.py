"""How findings list many names in one message: the first few, then how many in all.

Every rule that names pods, workloads, rules or ports in a message shortens the list
the same way, so reports read alike and a long list never drowns the message.  Only
wording lives here: no rule logic and no output format.
"""

from __future__ import annotations

from collections.abc import Sequence

LIMIT = 5  # names shown before "... (N in all)"


def first_few(items: Sequence[str], limit: int = LIMIT, *, sep: str = ", ",
              total: int | None = None) -> str:
    """``a, b, c`` or, past ``limit`` items, ``a, b, c, d, e, ... (12 in all)``.

    ``items`` are shown in the order given: callers sort them when order is not
    meaningful.  ``sep`` joins them (``"; "`` when the items contain commas).
    ``total`` is the number of items when the caller passes only the first ones
    (building thousands of labels to show five is wasted work).
    """
    count = len(items) if total is None else total
    head = sep.join(items[:limit])
    if count <= limit:
        return head
    return f"{head}{sep}... ({count} in all)"
