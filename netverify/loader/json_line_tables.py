"""Line tables of JSON objects laid out one value per line (``kubectl get -o json``).

The JSON fast path needs, for the kinds verdicts cite by line, the line of every
value inside an object (``jsondata._table``, a tokenizer).  Indented JSON as kubectl
and ``json.dumps(indent=...)`` write it holds at most one value per line, so one
regular expression over the object gives each line's key and what the line opens
or closes (``findall``, in C), and Python steps once per line instead of once per
token: about 40 % of the tokenizer's cost.  Any other layout (compact JSON, ``{ }``, two
values on a line, blank lines) answers ``None`` and the tokenizer reads it.  The
text has been parsed by ``json`` already, so it is valid JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

_STRING = r'"(?:[^"\\]|\\.)*"'
# One whole line: an optional key, then a value (string, scalar, empty container, an
# opening bracket) or a closing bracket (group 2 empty), then an optional comma.  The
# scalar class is the tokenizer's.  JSON strings hold no raw newline, so no match
# spans two lines, and at most one starts on each (``^``).
_LINE = re.compile(r'^[ \t]*(?:(' + _STRING + r')[ \t]*:[ \t]*)?(?:(' + _STRING
                   + r'|[^\s{}\[\]:,"]+|\{\}|\[\]|[{\[])|[}\]])[ \t]*,?[ \t]*\r?$', re.M)


def table_by_lines(text: str, a: int, b: int,
                   line: int) -> dict[tuple[str | int, ...], int] | None:
    """Every value's path and line inside ``text[a:b]`` (from ``line``), or None.

    None when a line holds anything but one value (with its key) or one closing
    bracket: the caller then tokenizes.
    """
    span = text[a:b]
    rows: list[tuple[str, str]] = _LINE.findall(span)
    if len(rows) != span.count("\n") + 1:
        return None  # some line is not one value or one closing bracket
    out: dict[tuple[str | int, ...], int] = {}
    # Each open container: [is an array, its path, index of its next item].
    stack: list[list[Any]] = []
    for key, value in rows:
        if not value:  # a closing bracket
            if key or not stack:
                return None
            stack.pop()
            line += 1
            continue
        path: tuple[str | int, ...]
        if stack:
            top = stack[-1]
            if top[0]:
                if key:
                    return None
                path = (*top[1], top[2])
                top[2] += 1
            elif not key:
                return None
            else:
                path = (*top[1], key[1:-1] if "\\" not in key else json.loads(key))
        elif out or key:
            return None
        else:
            path = ()
        out[path] = line
        if value == "{":
            stack.append([False, path, 0])
        elif value == "[":
            stack.append([True, path, 0])
        line += 1
    return out if not stack else None
