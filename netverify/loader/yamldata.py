"""YAML text to Python data, read the way the Kubernetes API server reads it.

PyYAML accepts more than Kubernetes does, and some of the difference changes a
verdict: a repeated mapping key silently keeps its last value (a second
``podSelector:`` turns a deny-all into an allow-some), and aliases can expand a
few hundred bytes into billions of nodes.  So this module builds the data from
PyYAML's node tree itself:

- a repeated key is an error naming the line and column of both (the API server
  rejects duplicate fields: ``kubectl`` says "mapping key already defined");
- nesting deeper than ``MAX_DEPTH`` levels, an alias that contains itself, and
  more than ``MAX_ALIAS_NODES`` nodes expanded from aliases in one text are
  errors naming the limit, so every input is read in time and memory bounded by
  its size;
- merge keys (``<<: *base``) are applied as YAML 1.1 defines them;
- text must be UTF-8; a bad byte or a control character is reported by line
  and column.

Nothing here knows about Kubernetes objects: ``documents`` (manifests) and
``netverify.specs`` (assertion specs) turn a ``YamlProblem`` into their error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import yaml

from netverify.errors import show

try:  # libyaml is ~10x faster; fall back to the pure-Python parser.
    _Loader: type[Any] = yaml.CSafeLoader
    _BYTE_POSITIONS = True  # libyaml reports reader errors at a byte offset of the UTF-8 text
except AttributeError:  # pragma: no cover - depends on the pyyaml build
    _Loader = yaml.SafeLoader
    _BYTE_POSITIONS = False

# Far above real manifests (a CRD's schema nests a few dozen levels), and low enough
# that building and every later walk of the data stay well inside Python's recursion
# limit (libyaml itself stops at 1,000).
MAX_DEPTH = 256
# Nodes built a second (or later) time because an alias names them, per text.
# Hand-written manifests expand a few hundred; kubectl and Helm write no aliases.
MAX_ALIAS_NODES = 1_000_000

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_SCALAR, _MAPPING, _SEQUENCE = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode
_RESOLVED: dict[tuple[str, tuple[bool, bool]], str] = {}


class YamlProblem(Exception):
    """The text is not YAML netverify accepts; 1-based ``line`` and ``column`` when known.

    ``document`` is the 1-based index of the document holding the problem (0: unknown).
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None,
                 document: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.document = document

    def where(self, label: str) -> str:
        """``label:line:column`` (the parts that are known)."""
        out = label
        if self.line is not None:
            out += f":{self.line}"
            if self.column is not None:
                out += f":{self.column}"
        return out


class _ManifestLoader(_Loader):  # type: ignore[misc]
    """The safe loader with tag resolution memoized.

    A 10 MB dump holds a million scalars but only a few thousand distinct ones;
    resolving each distinct (value, style) once saves a third of the load time.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode:
            key = (value, implicit)
            tag = _RESOLVED.get(key)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_RESOLVED) < 200_000:
                    _RESOLVED[key] = tag
            return tag
        return super().resolve(kind, value, implicit)


def _at(node: yaml.Node) -> tuple[int, int]:
    mark = node.start_mark
    return mark.line + 1, mark.column + 1


def _problem(node: yaml.Node, message: str) -> YamlProblem:
    return YamlProblem(message, *_at(node))


def _kind_of(node: yaml.Node) -> str:
    return "a mapping" if isinstance(node, _MAPPING) else "a list"


Build = Callable[[yaml.Node, int], Any]


def _builder(loader: Any, aliases: bool) -> tuple[Build, Callable[[], None]]:  # noqa: C901
    """A function constructing Python data from one text's node trees, and one to call when done.

    Like SafeConstructor, but faster (plain strings, most of a manifest, are taken
    inline: this is the loader's hot loop) and with the checks above.  PyYAML
    shares one node among its alias uses, so a collection node met again is an
    alias, and one met again while still being built contains itself.  Tracking
    that costs a third of the build time, so it is done only when ``aliases`` (the
    text holds an ``&``, without which YAML has no anchor and so no alias).
    """
    memo: dict[tuple[str, str], Any] = {}
    state: dict[int, bool] = {}  # id(collection node) -> True while building, False after
    inside_alias = 0
    expanded = 0
    outermost: yaml.Node | None = None  # the anchor of the alias being expanded

    # The hot loop, inlined on purpose: a call per node for each check would cost more
    # than the checks (scalars, most of a manifest, never leave this function).
    def build(node: yaml.Node, depth: int) -> Any:  # noqa: C901
        nonlocal inside_alias, expanded, outermost
        cls = node.__class__
        if cls is _SCALAR:
            tag = node.tag
            if tag == _STR_TAG:
                return node.value
            key = (tag, node.value)
            if key in memo:
                return memo[key]
            try:
                value = loader.construct_object(node, deep=True)
            except (ValueError, LookupError, TypeError, AttributeError, ArithmeticError):
                # PyYAML constructors fail on a value their tag does not fit in many ways.
                return _unconstructible(loader, node)
            if isinstance(value, (int, float, bool, type(None))):
                memo[key] = value
            return value
        if depth >= MAX_DEPTH:
            raise _problem(node, f"nested deeper than {MAX_DEPTH} levels (limit)")
        items = node.value
        if aliases:
            nid = id(node)
            seen = state.get(nid)
            if seen:
                raise _problem(node, "an alias refers to a node that contains it "
                                     "(recursive alias)")
            state[nid] = True
            if seen is not None or inside_alias:  # every node an alias expands to counts
                if not inside_alias:
                    outermost = node
                inside_alias += 1
                expanded += len(items) * (2 if cls is _MAPPING else 1)
                if expanded > MAX_ALIAS_NODES:
                    # Aliases share their anchor's node: the position is the anchor's.
                    raise _problem(outermost or node,
                                   f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes "
                                   "(limit; this is the anchor being expanded)")
        depth += 1
        out: Any
        if cls is _SEQUENCE:
            out = [x.value if x.__class__ is _SCALAR and x.tag == _STR_TAG else build(x, depth)
                   for x in items]
        elif cls is _MAPPING:
            out = {}
            merges: list[yaml.Node] | None = None
            for k, v in items:
                if k.__class__ is not _SCALAR:
                    raise _problem(k, f"a mapping key is {_kind_of(k)}; keys must be strings")
                tag = k.tag
                if tag == _STR_TAG:
                    key = k.value
                elif tag == _MERGE_TAG:
                    merges = [*(merges or ()), v]
                    continue
                else:
                    key = build(k, depth)
                if key in out:
                    raise _duplicate(node, k, key, build)
                out[key] = v.value if v.__class__ is _SCALAR and v.tag == _STR_TAG \
                    else build(v, depth)
            if merges is not None:
                out = _merge(merges, out, depth, build)
        else:  # pragma: no cover - PyYAML has no other node class
            raise _problem(node, f"unexpected YAML node {cls.__name__}")
        if aliases:
            state[nid] = False
            if inside_alias:
                inside_alias -= 1
        return out

    def document(node: yaml.Node, depth: int) -> Any:
        state.clear()  # anchors do not cross documents, and node ids get reused
        return build(node, depth)

    def close() -> None:
        # ``build`` refers to itself, a cycle holding the loader and so the whole text;
        # load_cluster runs with the cyclic collector off, which would keep every file's.
        nonlocal build
        del build

    return document, close


def _unconstructible(loader: Any, node: yaml.Node) -> str:
    """A scalar PyYAML resolved to a type its value does not fit (``2024-13-01`` as a date).

    A plain one is the string it looks like, as Kubernetes' YAML reader (go-yaml) takes it;
    an explicit tag (``!!int abc``) is an error.
    """
    # (A plain scalar has no style; an explicit tag that resolution would give anyway
    # cannot be told apart from none, and is read as the string too.)
    if not getattr(node, "style", None) and loader.resolve(
            _SCALAR, node.value, (True, False)) == node.tag:
        value: str = node.value
        return value
    kind = node.tag.rsplit(":", 1)[-1]
    raise _problem(node, f"{show(node.value)} is not a valid {kind} (explicit tag !!{kind})")


def _duplicate(node: yaml.Node, again: yaml.Node, key: Any, build: Build) -> YamlProblem:
    line = column = 0
    for k, _v in node.value:
        if k is again:
            break
        if k.__class__ is _SCALAR and k.tag != _MERGE_TAG and (
                k.value if k.tag == _STR_TAG else build(k, 0)) == key:
            line, column = _at(k)
            break
    return _problem(again, f"duplicate key {show(key)} (also at line {line}, column {column}): "
                           "a repeated key is rejected, not overridden")


def _merge(merges: list[yaml.Node], explicit: dict[Any, Any], depth: int, build: Build
           ) -> dict[Any, Any]:
    """YAML 1.1 merge keys: explicit keys win, then earlier merged mappings win."""
    sources: list[yaml.Node] = []
    for m in merges:
        if isinstance(m, _SEQUENCE):
            sources.extend(m.value)
        else:
            sources.append(m)
    merged: dict[Any, Any] = {}
    for s in sources:
        if not isinstance(s, _MAPPING):
            raise _problem(s, "a merge key (<<) takes a mapping or a list of mappings")
        for key, item in build(s, depth).items():
            merged.setdefault(key, item)
    merged.update(explicit)
    return merged


def iter_documents(text: str) -> Iterator[tuple[int, yaml.Node, Any]]:
    """Yield ``(index, root node, data)`` for each non-empty document (1-based index).

    Raises:
        YamlProblem: on malformed YAML, a repeated key or a limit, with its position.
    """
    loader = _ManifestLoader(text)
    build, close = _builder(loader, aliases="&" in text)
    index = 0
    try:
        while True:
            try:
                more = loader.check_node()
            except yaml.YAMLError as e:
                raise _yaml_problem(e, text, index + 1) from None
            if not more:
                return
            index += 1
            try:
                node = loader.get_node()
                if node is None:
                    continue
                data = build(node, 0)
            except YamlProblem as p:
                p.document = index
                raise
            except yaml.YAMLError as e:
                raise _yaml_problem(e, text, index) from None
            except RecursionError:  # the pure-Python composer recurses; libyaml does not
                raise YamlProblem(f"nested deeper than {MAX_DEPTH} levels (limit)",
                                  document=index) from None
            yield index, node, data
    finally:
        close()
        loader.dispose()


def _yaml_problem(e: yaml.YAMLError, text: str, document: int) -> YamlProblem:
    if isinstance(e, yaml.reader.ReaderError):
        # libyaml checks characters as it fills its buffer, ahead of the document it is
        # reading: the position is exact, the document is not known.
        at = position_of_offset(text, e.position, in_bytes=_BYTE_POSITIONS)
        char = e.character
        code = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        return YamlProblem(f"character {code} is not allowed in YAML ({e.reason})", *at)
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    line: int | None = mark.line + 1 if mark is not None else None
    column: int | None = mark.column + 1 if mark is not None else None
    problem = getattr(e, "problem", None) or str(e)
    message = f"malformed YAML: {problem}"
    context, context_mark = getattr(e, "context", None), getattr(e, "context_mark", None)
    if context and context_mark is not None and context_mark is not mark:
        message += f" ({context} at line {context_mark.line + 1})"
    return YamlProblem(message, line, column, max(document, 1))


def position_of_offset(text: str, offset: int, *, in_bytes: bool) -> tuple[int, int]:
    """1-based line and column of a character (``in_bytes``: of a UTF-8 byte) offset."""
    if in_bytes:
        prefix = text.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "replace")
    else:
        prefix = text[:offset]
    line = prefix.count("\n") + 1
    return line, len(prefix) - (prefix.rfind("\n") + 1) + 1


def decode(raw: bytes) -> str:
    """UTF-8 text of ``raw`` (a leading byte-order mark is kept for the parser to skip).

    Raises:
        YamlProblem: naming the line and column of the first byte that is not UTF-8.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        prefix = raw[: e.start].decode("utf-8", "replace")
        line = prefix.count("\n") + 1
        column = len(prefix) - (prefix.rfind("\n") + 1) + 1
        bad = raw[e.start:e.start + 1].hex()
        message = f"not UTF-8 text (byte 0x{bad}: {e.reason})"
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            message = "UTF-16 text, not UTF-8 (save the file as UTF-8)"
            line = column = 1
        raise YamlProblem(message, line, column) from None


def node_at(node: yaml.Node, path: tuple[str | int, ...]) -> yaml.Node | None:
    """The node at ``path`` (mapping keys and list indexes) under ``node``, if present."""
    for step in path:
        nxt = None
        if isinstance(node, _MAPPING) and isinstance(step, str):
            for k, v in node.value:
                if getattr(k, "value", None) == step:
                    nxt = v
        elif isinstance(node, _SEQUENCE) and isinstance(step, int) and 0 <= step < len(node.value):
            nxt = node.value[step]
        if nxt is None:
            return None
        node = nxt
    return node


def position(node: yaml.Node) -> tuple[int, int]:
    """1-based line and column where ``node`` starts."""
    return _at(node)
