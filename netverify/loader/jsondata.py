"""A fast path for JSON manifests (``kubectl get -o json``): the stdlib's C parser.

JSON is YAML, and the YAML path reads it correctly but slowly (libyaml builds a node
for every value: about 20 s for a 100,000-pod dump, where ``json`` takes about 1 s).
This path must give exactly what the YAML path gives, so it reads only what both
read alike and hands everything else back (``None``) for the YAML path to read or
reject with its precise message:

- a repeated key, a number with an exponent (YAML 1.1 reads ``1e3`` as a string),
  ``NaN``/``Infinity``, a surrogate escape, a character YAML does not allow, a top
  level that is not an object, a List item that is not an object or is itself a
  List, or anything ``json`` refuses;
- source locations: each List item's line is counted from the text, and the line
  table of the kinds verdicts cite by line (``LINE_KINDS``) comes from a small
  tokenizer over that item's text alone; a bad field's column is found later by
  the precise parse of the failing document (``RawObject.text``).

The one known difference: a JSON text nested deeper than ``MAX_DEPTH`` (256) but
less than Python's recursion limit is read here and refused by the YAML path.
"""

from __future__ import annotations

import json
import re
from typing import Any

from netverify.loader.json_line_tables import table_by_lines
from netverify.source import SourceRef

_WS = re.compile(r"[ \t\n\r]*")
# What YAML's reader refuses anywhere in a stream (PyYAML's NON_PRINTABLE) and what
# JSON lets through in strings; and \u escapes of surrogates, which both read apart.
_YAML_REFUSES = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD"
                           "\U00010000-\U0010ffff]|\\\\u[dD][89abcdefABCDEF]")
# The same for ASCII text, at C speed (the class above takes 0.4 s over a 30 MB dump):
# the bytes YAML allows, deleted by bytes.translate, leave those it refuses.
_ASCII_ALLOWED = bytes([0x09, 0x0A, 0x0D, *range(0x20, 0x7F)])
_SURROGATE_ESCAPE = re.compile("\\\\u[dD][89abcdefABCDEF]")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')


class _Different(Exception):
    """The text holds something the YAML path reads otherwise: let it decide."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = dict(pairs)
    if len(d) != len(pairs):
        raise _Different  # a repeated key: the YAML path names both lines
    return d


def _float(text: str) -> float:
    if "e" in text or "E" in text:
        raise _Different
    return float(text)


def _constant(text: str) -> Any:
    raise _Different


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_float=_float,
                            parse_constant=_constant)
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]

Row = tuple[dict[str, Any], SourceRef, "dict[tuple[str | int, ...], int] | None"]


def yaml_refuses(text: str) -> bool:
    """Whether ``text`` holds a character YAML refuses, or a surrogate escape."""
    if not text.isascii():
        return _YAML_REFUSES.search(text) is not None
    if text.encode("ascii").translate(None, _ASCII_ALLOWED):
        return True
    return "\\u" in text and _SURROGATE_ESCAPE.search(text) is not None


def parse_json(text: str, label: str, line_kinds: frozenset[str]) -> list[Row] | None:
    """The objects of a JSON text as the YAML path reads them, or None to let it decide.

    Each row is (data, source, line table or None).
    """
    start = _WS.match(text, 0)
    i = start.end() if start else 0
    if not text.startswith("{", i) or yaml_refuses(text):
        return None
    try:
        data, spans, end = _top(text, i)
    except (_Different, ValueError, RecursionError, IndexError):
        return None
    if text[end:].strip(" \t\n\r"):
        return None
    lines = _Lines(text)
    src = SourceRef(file=label, document=1, line=lines.at(i))
    kind = data.get("kind")
    if not (isinstance(kind, str) and kind.endswith("List") and "items" in data):
        return [(data, src, _table(text, i, end, lines.at(i))
                 if kind in line_kinds else None)]
    items = data["items"]
    if items is None:
        return []
    if spans is None or not isinstance(items, list):
        return None
    item_kind = kind[: -len("List")] or None
    out: list[Row] = []
    for n, (item, (a, b)) in enumerate(zip(items, spans, strict=True)):
        if not isinstance(item, dict):
            return None
        ik = item.get("kind")
        if isinstance(ik, str) and ik.endswith("List") and "items" in item:
            return None
        if "kind" not in item and item_kind:
            item = {**item, "kind": item_kind}
            if "apiVersion" in data:
                item.setdefault("apiVersion", data["apiVersion"])
        line = lines.at(a)
        isrc = SourceRef(file=label, document=1, item=n + 1, line=line)
        out.append((item, isrc, _table(text, a, b, line)
                    if item.get("kind") in line_kinds else None))
    return out


def _top(text: str, i: int) -> tuple[dict[str, Any], list[tuple[int, int]] | None, int]:
    """The top-level object, with the spans of the items of its ``items`` list."""
    i += 1
    pairs: list[tuple[str, Any]] = []
    spans: list[tuple[int, int]] | None = None
    i = _WS.match(text, i).end()  # type: ignore[union-attr]
    if text[i] == "}":
        return _pairs(pairs), None, i + 1
    while True:
        if text[i] != '"':
            raise _Different
        key, i = _scanstring(text, i + 1)
        i = _WS.match(text, i).end()  # type: ignore[union-attr]
        if text[i] != ":":
            raise _Different
        i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
        if key == "items" and text[i] == "[":
            value, spans, i = _items(text, i)
        else:
            value, i = _DECODER.raw_decode(text, i)
        pairs.append((key, value))
        i = _WS.match(text, i).end()  # type: ignore[union-attr]
        if text[i] == ",":
            i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            continue
        if text[i] == "}":
            return _pairs(pairs), spans, i + 1
        raise _Different


def _items(text: str, i: int) -> tuple[list[Any], list[tuple[int, int]], int]:
    items: list[Any] = []
    spans: list[tuple[int, int]] = []
    i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
    if text[i] == "]":
        return items, spans, i + 1
    while True:
        start = i
        value, i = _DECODER.raw_decode(text, i)
        items.append(value)
        spans.append((start, i))
        i = _WS.match(text, i).end()  # type: ignore[union-attr]
        if text[i] == ",":
            i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            continue
        if text[i] == "]":
            return items, spans, i + 1
        raise _Different


class _Lines:
    """1-based line of an offset, for offsets asked in increasing order (cheap)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def at(self, offset: int) -> int:
        if offset < self.pos:
            self.pos, self.line = 0, 1
        self.line += self.text.count("\n", self.pos, offset)
        self.pos = offset
        return self.line


def _table(text: str, a: int, b: int, line: int) -> dict[tuple[str | int, ...], int]:
    """Every value's path and line inside the object at ``text[a:b]`` (from ``line``).

    As the YAML path's line table has them: read a line at a time when the object is
    laid out one value per line (``json_line_tables``), else token by token.
    """
    by_lines = table_by_lines(text, a, b, line)
    if by_lines is not None:
        return by_lines
    return _table_by_tokens(text, a, b, line)


def _table_by_tokens(text: str, a: int, b: int,
                     line: int) -> dict[tuple[str | int, ...], int]:
    out: dict[tuple[str | int, ...], int] = {}
    # Each open container: its path, and for an object the key just read / for an array
    # the index of the next item.
    stack: list[list[Any]] = []
    path: tuple[str | int, ...] = ()
    pos = a
    expecting_key = False
    for m in _TOKEN.finditer(text, a, b):
        s = m.start()
        line += text.count("\n", pos, s)
        pos = s
        tok = m.group()
        c = tok[0]
        if c == ",":
            if stack and stack[-1][0] == "[":
                stack[-1][2] += 1
            else:
                expecting_key = True
            continue
        if c == ":":
            continue
        if c in "}]":
            stack.pop()
            expecting_key = False
            continue
        if expecting_key:
            key = tok[1:-1] if "\\" not in tok else json.loads(tok)
            stack[-1][2] = key
            expecting_key = False
            continue
        # A value: where it sits.
        if stack:
            top = stack[-1]
            path = (*top[1], top[2])
        else:
            path = ()
        out[path] = line
        if c == "{":
            stack.append(["{", path, None])
            expecting_key = True
        elif c == "[":
            stack.append(["[", path, 0])
    return out
