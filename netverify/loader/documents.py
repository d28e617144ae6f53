"""Read manifest files into raw objects, each with its source location.

Accepts files, folders (recursive: ``*.yaml``, ``*.yml``, ``*.json``, sorted for
determinism) and ``-`` for stdin; multi-document YAML, JSON, and ``kind: List``
or typed lists (``PodList``...) as ``kubectl get -o yaml`` prints them.  Uses
libyaml when available (large dumps are 10-100 MB) and keeps each object's YAML
node so that the builder can name the line of a bad field.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import yaml

from netverify.errors import ManifestError
from netverify.loader.cache import cached_parse
from netverify.source import SourceRef

try:  # libyaml is ~10x faster; fall back to the pure-Python parser.
    _Loader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the pyyaml build
    _Loader = yaml.SafeLoader

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_RESOLVED: dict[tuple[str, tuple[bool, bool]], str] = {}


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


class _Fallback(Exception):
    """A document uses a YAML feature the fast builder leaves to PyYAML (merge keys...)."""


def _build(node: yaml.Node, loader: Any, memo: dict[tuple[str, str], Any]) -> Any:
    """Construct Python data from a node tree, like SafeConstructor but without its
    per-node bookkeeping (strings, the bulk of a manifest, are taken as they are)."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _STR_TAG:
            return node.value
        key = (node.tag, node.value)
        if key in memo:
            return memo[key]
        value = loader.construct_object(node, deep=True)
        if isinstance(value, (int, float, bool, type(None))):
            memo[key] = value
        return value
    if isinstance(node, yaml.MappingNode):
        out = {}
        for k, v in node.value:
            if k.tag == _MERGE_TAG or not isinstance(k, yaml.ScalarNode):
                raise _Fallback
            out[_build(k, loader, memo)] = _build(v, loader, memo)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(x, loader, memo) for x in node.value]
    raise _Fallback


@dataclass(slots=True)
class RawObject:
    """One Kubernetes object as parsed, plus where it came from."""

    data: dict[str, Any]
    source: SourceRef
    # path -> line of every value inside the object; kept for the kinds whose fields
    # verdicts and findings cite by line (policies, Services, routes), not for pods.
    lines: dict[tuple[str | int, ...], int] | None = None

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """Line (1-based) of the value at ``path`` inside this object, or the nearest parent's."""
        if self.lines:
            key = tuple(path)
            while key:
                line = self.lines.get(key)
                if line is not None:
                    return line
                key = key[:-1]
        return self.source.line


LINE_KINDS = frozenset({"NetworkPolicy", "Service", "Ingress", "HTTPRoute", "Gateway",
                        "AdminNetworkPolicy", "BaselineAdminNetworkPolicy",
                        "ClusterNetworkPolicy"})


def _line_table(node: yaml.Node) -> dict[tuple[str | int, ...], int]:
    """Every value's path and line inside one object."""
    out: dict[tuple[str | int, ...], int] = {}
    stack: list[tuple[tuple[str | int, ...], yaml.Node]] = [((), node)]
    while stack:
        path, n = stack.pop()
        out[path] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode):
                    stack.append(((*path, k.value), v))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                stack.append(((*path, i), v))
    return out


def _raw(data: dict[str, Any], node: yaml.Node | None, src: SourceRef) -> RawObject:
    lines = _line_table(node) if node is not None and data.get("kind") in LINE_KINDS \
        else None
    return RawObject(data=data, source=src, lines=lines)


def _child(node: yaml.Node, step: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(step, str):
        for k, v in node.value:
            if getattr(k, "value", None) == step:
                return v  # type: ignore[no-any-return]
    if (isinstance(node, yaml.SequenceNode) and isinstance(step, int)
            and 0 <= step < len(node.value)):
        return node.value[step]  # type: ignore[no-any-return]
    return None


def expand_paths(paths: Sequence[str]) -> list[str]:
    """Turn files and folders into the ordered list of files to read.

    Raises:
        ManifestError: when a path does not exist or a folder holds no manifests.
    """
    out: list[str] = []
    for p in paths:
        if p == "-" or p.startswith("git:"):
            out.append(p)
            continue
        path = Path(p)
        if path.is_dir():
            files = sorted(
                f for f in path.rglob("*")
                if f.is_file() and f.suffix.lower() in MANIFEST_SUFFIXES
                and not any(part.startswith(".") for part in f.relative_to(path).parts)
            )
            if not files:
                raise ManifestError(f"{p}: folder holds no *.yaml, *.yml or *.json files")
            out.extend(str(f) for f in files)
        elif path.is_file():
            out.append(str(path))
        else:
            raise ManifestError(f"{p}: no such file or folder")
    return out


def read_objects(paths: Sequence[str], stdin: TextIO | None = None, *,
                 use_cache: bool = False) -> Iterator[RawObject]:
    """Yield every object in ``paths`` in input order.

    ``use_cache`` reuses the parse of large files from an earlier run (see ``cache``).

    Raises:
        ManifestError: on unreadable files, malformed YAML or documents that are not
            Kubernetes objects.
    """
    for file in expand_paths(paths):
        if file.startswith("git:"):
            from netverify.loader.git import read_git

            yield from read_git(file)
            continue
        if file == "-":
            text = (stdin or sys.stdin).read()
            label = "<stdin>"
        else:
            try:
                text = Path(file).read_text(encoding="utf-8")
            except UnicodeDecodeError as e:
                raise ManifestError(f"{file}: not UTF-8 text ({e.reason})") from None
            except OSError as e:
                raise ManifestError(f"{file}: cannot read: {e.strerror}") from None
            label = file
        if use_cache and file != "-":
            yield from cached_parse(file, text, parse_text)
        else:
            yield from parse_text(text, label)


def parse_text(text: str, label: str) -> Iterator[RawObject]:
    """Parse one file's text into objects (lists expanded)."""
    loader = _ManifestLoader(text)
    memo: dict[tuple[str, str], Any] = {}
    doc_index = 0
    try:
        while loader.check_node():
            doc_index += 1
            node = loader.get_node()
            if node is None:
                continue
            try:
                data = _build(node, loader, memo)
            except _Fallback:
                data = loader.construct_document(node)
            if data is None:
                continue
            src = SourceRef(file=label, document=doc_index, line=node.start_mark.line + 1)
            yield from _objects_of(data, node, src)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e)
        raise ManifestError(
            f"{label}{line}: document {max(doc_index, 1)}: malformed YAML: {problem}"
        ) from None
    finally:
        loader.dispose()


def _objects_of(data: Any, node: yaml.Node, src: SourceRef) -> Iterator[RawObject]:
    if data == []:
        return  # an empty list (what some tools write for "no objects")
    if not isinstance(data, dict):
        raise ManifestError(
            f"is {_a(data)}, not a Kubernetes object (a mapping with apiVersion and kind)",
            source=src,
        )
    kind = data.get("kind")
    items = data.get("items")
    if isinstance(kind, str) and kind.endswith("List") and "items" in data:
        if items is None:
            return
        if not isinstance(items, list):
            raise ManifestError(f"items must be a list, got {_a(items)}",
                                source=src.with_object(kind, None, None))
        items_node = _child(node, "items")
        item_kind = kind[: -len("List")] or None
        for i, item in enumerate(items):
            item_node = _child(items_node, i) if items_node is not None else None
            line = item_node.start_mark.line + 1 if item_node is not None else src.line
            isrc = SourceRef(file=src.file, document=src.document, item=i + 1, line=line)
            if not isinstance(item, dict):
                raise ManifestError(f"is {_a(item)}, not a Kubernetes object", source=isrc)
            if "kind" not in item and item_kind:
                # Typed lists from the API omit kind/apiVersion on their items.
                item = {**item, "kind": item_kind}
                if "apiVersion" in data:
                    item.setdefault("apiVersion", data["apiVersion"])
            yield from _objects_of_item(item, item_node, isrc)
        return
    yield _raw(data, node, src)


def _objects_of_item(item: dict[str, Any], node: yaml.Node | None,
                     src: SourceRef) -> Iterator[RawObject]:
    kind = item.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and "items" in item and node is not None:
        yield from _objects_of(item, node, src)
    else:
        yield _raw(item, node, src)


def _a(v: Any) -> str:
    if isinstance(v, list):
        return "a list"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    return type(v).__name__
