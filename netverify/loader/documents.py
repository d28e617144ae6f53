"""Read manifest files into raw objects, each with its source location.

Accepts files, folders (recursive: ``*.yaml``, ``*.yml``, ``*.json``, sorted for
determinism) and ``-`` for stdin; multi-document YAML, JSON, and ``kind: List``
or typed lists (``PodList``...) as ``kubectl get -o yaml`` prints them.  Which
files a path means is ``files``' business, how YAML becomes data ``yamldata``'s
(libyaml, strict about repeated keys, bounded).  Each object keeps its YAML node
(or its text) so that the builder can name the line and column of a bad field.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import yaml

from netverify.errors import ManifestError
from netverify.loader.cache import cached_parse
from netverify.loader.cluster_source import CLUSTER_PATH, LiveCluster, LiveReport, read_cluster
from netverify.loader.files import MANIFEST_SUFFIXES, expand_paths
from netverify.loader.jsondata import parse_json
from netverify.loader.readahead import ReadAhead
from netverify.loader.render import HelmOptions, RenderedSource, render
from netverify.loader.yamldata import YamlProblem, decode, iter_documents, node_at, position
from netverify.source import SourceRef

__all__ = ["MANIFEST_SUFFIXES", "RawObject", "expand_paths", "parse_text", "read_objects"]


@dataclass(slots=True)
class RawObject:
    """One Kubernetes object as parsed, plus where it came from."""

    data: dict[str, Any]
    source: SourceRef
    # path -> line of every value inside the object; kept for the kinds whose fields
    # verdicts and findings cite by line (policies, Services, routes), not for pods.
    lines: dict[tuple[str | int, ...], int] | None = None
    # For error messages only: the object's YAML node while it is being built, else the
    # text it came from (an object read from the parse cache), to find the node again.
    node: yaml.Node | None = None
    text: str | None = None

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

    def position_of(self, path: Sequence[str | int]) -> tuple[int | None, int | None]:
        """Line and column (1-based) of the value at ``path``, for an error message.

        Falls back to the nearest parent present, then to ``line_of``'s answer.
        """
        node = self.node if self.node is not None else _relocate(self)
        if node is not None:
            key = tuple(path)
            while True:
                found = node_at(node, key)
                if found is not None:
                    return position(found)
                if not key:
                    break
                key = key[:-1]
        return self.line_of(path), None


LINE_KINDS = frozenset({"NetworkPolicy", "Service", "Ingress", "HTTPRoute", "GRPCRoute",
                        "TLSRoute", "Gateway",
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
    kind = data.get("kind")
    lines = _line_table(node) if node is not None and isinstance(kind, str) \
        and kind in LINE_KINDS else None
    return RawObject(data=data, source=src, lines=lines, node=node)


def _relocate(raw: RawObject) -> yaml.Node | None:
    """The node of an object read from the parse cache: its text parsed again (errors only)."""
    if raw.text is None:
        return None
    src = raw.source
    try:
        for index, node, _data in iter_documents(raw.text):
            if index != src.document:
                continue
            if src.item is not None:
                found = node_at(node, ("items", src.item - 1))
                node = found if found is not None else node
            return node if node.start_mark.line + 1 == src.line else None
    except YamlProblem:
        return None
    return None


def _child(node: yaml.Node, step: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(step, str):
        for k, v in node.value:
            if getattr(k, "value", None) == step:
                return v  # type: ignore[no-any-return]
    if (isinstance(node, yaml.SequenceNode) and isinstance(step, int)
            and 0 <= step < len(node.value)):
        return node.value[step]  # type: ignore[no-any-return]
    return None


def read_objects(paths: Sequence[str], stdin: TextIO | None = None, *,
                 use_cache: bool = False, helm: HelmOptions | None = None,
                 live: LiveCluster | None = None,
                 report: LiveReport | None = None) -> Iterator[RawObject]:
    """Yield every object in ``paths`` in input order.

    ``use_cache`` reuses the parse of large files from an earlier run (see ``cache``).
    Kustomize folders and Helm charts are rendered (``render``; ``helm`` says how).
    The path ``cluster:`` is the live cluster ``live`` names (``cluster_source``); what
    it could not read goes to ``report``.

    Raises:
        ManifestError: on unreadable files, malformed YAML or documents that are not
            Kubernetes objects, a renderer that is missing or fails, or Helm values
            files given without a chart to use them.
    """
    helm = helm or HelmOptions()
    files = expand_paths(paths)
    if helm.values and not any(isinstance(f, RenderedSource) and f.tool == "helm"
                               for f in files):
        raise ManifestError(f"--helm-values {helm.values[0]}: no Helm chart among the inputs "
                            "to use it with", hint="name the chart folder with -f")
    ahead = ReadAhead(f for f in files if isinstance(f, str) and f != "-"
                      and f != CLUSTER_PATH and not f.startswith("git:"))
    try:
        yield from _read_files(files, ahead, use_cache, helm, live, report, stdin)
    finally:
        ahead.close()


def _read_files(files: Sequence[str | RenderedSource], ahead: ReadAhead, use_cache: bool,
                helm: HelmOptions, live: LiveCluster | None, report: LiveReport | None,
                stdin: TextIO | None) -> Iterator[RawObject]:
    for file in files:
        if isinstance(file, RenderedSource):
            yield from parse_text(render(file, helm), file.label)
            continue
        if file == CLUSTER_PATH:
            for label, text in read_cluster(live or LiveCluster(), report or LiveReport()):
                yield from parse_text(text, label)
            continue
        if file.startswith("git:"):
            from netverify.loader.git import read_git

            yield from read_git(file)
            continue
        if file == "-":
            label = "<stdin>"
            text = _text(_read_stdin(stdin or sys.stdin), label)
        else:
            try:
                raw = ahead.read(file)
            except OSError as e:
                raise ManifestError(f"{file}: cannot read: {e.strerror}") from None
            label = file
            text = _text(raw, label)
            del raw  # a 100 MB dump need not be held twice while it is parsed
        if use_cache and file != "-":
            yield from cached_parse(file, text, parse_text)
        else:
            yield from parse_text(text, label)


def _read_stdin(stream: TextIO) -> bytes:
    """The bytes of stdin: decoded by netverify, which names the line of a bad byte."""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        data: bytes = buffer.read()
        return data
    # A text stream (library callers, tests): undecodable bytes arrive as surrogates.
    return stream.read().encode("utf-8", "surrogateescape")


def _text(raw: bytes, label: str) -> str:
    try:
        return decode(raw)
    except YamlProblem as p:
        raise ManifestError(f"{p.where(label)}: {p.message}") from None


def parse_text(text: str, label: str) -> Iterator[RawObject]:
    """Parse one file's text into objects (lists expanded).

    A JSON text (a ``kubectl get -o json`` dump) is read by ``jsondata``'s fast path
    when it gives the same objects; its objects keep the text, so that a bad field's
    line and column come from a precise parse of that document alone.

    Raises:
        ManifestError: on malformed YAML, a repeated key or a size limit, naming
            ``label``, line, column and document.
    """
    fast = parse_json(text, label, LINE_KINDS)
    if fast is not None:
        for data, src, lines in fast:
            yield RawObject(data=data, source=src, lines=lines, text=text)
        return
    try:
        for index, node, data in iter_documents(text):
            if data is None:
                continue
            src = SourceRef(file=label, document=index, line=node.start_mark.line + 1)
            yield from _objects_of(data, node, src)
    except YamlProblem as p:
        document = f" document {p.document}:" if p.document else ""
        raise ManifestError(f"{p.where(label)}:{document} {p.message}") from None
    except UnicodeEncodeError as e:  # a str holding surrogates (library callers)
        raise ManifestError(f"{label}: not UTF-8 text ({e.reason})") from None


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
