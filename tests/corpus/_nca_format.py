"""Parsers for the text outputs of IBM's Network Config Analyzer (NCA).

Used by ``test_nca.py`` to read the expected outputs of the NCA corpus in
``../shared/corpus/nca``; nothing here copies corpus data.  Three formats:

* ``fw-rules`` text (NCA's default ``txt`` output of ``connectivityMap`` and of
  each section of ``semanticDiff``).  One rule per line::

      src_ns: [default,ns2] src_pods: [app in (a,b)] dst_ns: [y] dst_pods: [b] conn: All connections
      src: 0.0.0.0-9.255.255.255,11.0.0.0/8 dst_ns: [y] dst_pods: [*] conn: {protocols:TCP,...}
      src_ns: [y] src_pods: [pod!=c] dst: 0.0.0.0/0 conn: All but {protocols:UDP,dst_ports:53}

  A pod list holds ``*`` (every pod of the listed namespaces), names (a pod's
  name, its owner's name, or a generated replica name ``<workload>-<i>``) or
  label expressions (``has(k)``, ``!has(k)``, ``k=v``, ``k!=v``, ``k in (..)``,
  ``k not in (..)`` joined with ``and``/``or`` and grouped with ``()``/``{}``).
  Elements are separated by top-level commas.
* ``txt_no_fw_rules``: one ``SRC => DST : CONN`` line per pair, where an
  endpoint is ``ns/name[Kind]`` (NCA's workload id) or IP ranges.
* ``semanticDiff`` text: blocks starting with ``X and Y ...``, each holding
  sections ``Added|Removed connections between persistent peers [and ipBlocks]``
  whose bodies are fw-rules lines.

Connections (``conn:``) are ``All connections``, ``No connections``,
``{protocols:TCP, UDP,dst_ports:53},{protocols:SCTP,dst_ports:7070}`` or
``All but {...}``; they become netverify ``PortSet`` objects.  NCA's "All
connections" also covers protocols netverify does not model (ICMP, ...); only
TCP, UDP and SCTP are compared.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from netverify.ports import MAX_PORT, MIN_PORT, PROTOCOLS, PortSet, Protocol

LabelPredicate = Callable[[Mapping[str, str]], bool]


class NcaFormatError(ValueError):
    """A line of an NCA output that this parser does not understand."""


# -- connections ----------------------------------------------------------------


def _sub_intervals(a: tuple[tuple[int, int], ...],
                   b: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in a:
        cur = lo
        for blo, bhi in b:
            if bhi < cur or blo > hi:
                continue
            if blo > cur:
                out.append((cur, blo - 1))
            cur = max(cur, bhi + 1)
            if cur > hi:
                break
        if cur <= hi:
            out.append((cur, hi))
    return out


def portset_minus(a: PortSet, b: PortSet) -> PortSet:
    """``a`` without the (protocol, port) pairs of ``b``."""
    return PortSet.from_map({p: _sub_intervals(a.get(p), b.get(p)) for p in PROTOCOLS})


_BLOCK = re.compile(r"\{([^{}]*)\}")


def parse_conn(text: str) -> PortSet:
    """Parse an NCA connection description into a PortSet (TCP/UDP/SCTP only)."""
    text = text.strip()
    if text == "All connections":
        return PortSet.all()
    if text == "No connections":
        return PortSet.empty()
    if text.startswith("All but "):
        return portset_minus(PortSet.all(), parse_conn(text[len("All but "):]))
    blocks = _BLOCK.findall(text)
    if not blocks or _BLOCK.sub("", text).replace(",", "").strip():
        raise NcaFormatError(f"unrecognised connection description {text!r}")
    out = PortSet.empty()
    for block in blocks:
        out = out.union(_parse_block(block, text))
    return out


def _parse_block(block: str, whole: str) -> PortSet:
    # "protocols:TCP, UDP,dst_ports:53,80-90" (dst_ports optional: all ports)
    m = re.fullmatch(r"protocols:(?P<protos>[A-Za-z0-9, ]+?)(?:,dst_ports:(?P<ports>[0-9,\-]+))?",
                     block.strip())
    if not m:
        raise NcaFormatError(f"unrecognised connection block {{{block}}} in {whole!r}")
    protocols = []
    for name in (p.strip() for p in m["protos"].split(",")):
        try:
            protocols.append(Protocol(name))
        except ValueError:
            raise NcaFormatError(f"protocol {name!r} (in {whole!r}) is not modelled by "
                                 "netverify") from None
    if m["ports"] is None:
        ranges = [(MIN_PORT, MAX_PORT)]
    else:
        ranges = []
        for part in m["ports"].split(","):
            lo, _, hi = part.partition("-")
            ranges.append((int(lo), int(hi or lo)))
    return PortSet.from_map(dict.fromkeys(protocols, ranges))


# -- IP ranges ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IPRange:
    family: int
    lo: int
    hi: int


def parse_ip_ranges(text: str) -> tuple[IPRange, ...]:
    """``0.0.0.0/0``, ``1.2.3.4``, ``0.0.0.0-9.255.255.255`` or a comma-separated mix."""
    out = []
    for item in (t.strip() for t in text.split(",")):
        if not item:
            continue
        try:
            if "/" in item:
                n = ipaddress.ip_network(item, strict=False)
                out.append(IPRange(n.version, int(n.network_address), int(n.broadcast_address)))
            elif "-" in item:
                a, b = (ipaddress.ip_address(x) for x in item.split("-", 1))
                if a.version != b.version:
                    raise ValueError(item)
                out.append(IPRange(a.version, int(a), int(b)))
            else:
                a = ipaddress.ip_address(item)
                out.append(IPRange(a.version, int(a), int(a)))
        except ValueError:
            raise NcaFormatError(f"unrecognised IP range {item!r} in {text!r}") from None
    if not out:
        raise NcaFormatError(f"no IP range in {text!r}")
    return tuple(out)


# -- label expressions -----------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<op>!=|=|\(|\)|\{|\}|,|!)|(?P<word>[A-Za-z0-9_./\-]+))")


def _tokenize(text: str) -> list[str]:
    pos = 0
    out: list[str] = []
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise NcaFormatError(f"cannot tokenize label expression {text!r} at {pos}")
        out.append(m["op"] or m["word"])
        pos = m.end()
    return out


class _ExprParser:
    """Recursive descent over NCA's label-expression syntax (see module docstring).

    ``k!=v`` and ``k not in (..)`` hold for pods without ``k``, as in Kubernetes
    selectors (NCA writes ``has(k) and k!=v`` when it means the key must exist).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0

    def peek(self, k: int = 0) -> str | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            raise NcaFormatError(f"expected {want or 'a token'} at token {self.i} of "
                                 f"label expression {self.text!r}, got {tok!r}")
        self.i += 1
        return tok

    def parse(self) -> LabelPredicate:
        pred = self.disjunction()
        if self.peek() is not None:
            raise NcaFormatError(f"trailing {self.peek()!r} in label expression {self.text!r}")
        return pred

    def disjunction(self) -> LabelPredicate:
        parts = [self.conjunction()]
        while self.peek() == "or":
            self.take()
            parts.append(self.conjunction())
        if len(parts) == 1:
            return parts[0]
        return lambda labels: any(p(labels) for p in parts)

    def conjunction(self) -> LabelPredicate:
        parts = [self.atom()]
        while self.peek() == "and":
            self.take()
            parts.append(self.atom())
        if len(parts) == 1:
            return parts[0]
        return lambda labels: all(p(labels) for p in parts)

    def atom(self) -> LabelPredicate:
        tok = self.peek()
        if tok in ("(", "{"):
            self.take()
            inner = self.disjunction()
            self.take(")" if tok == "(" else "}")
            return inner
        if tok == "!":
            self.take()
            self.take("has")
            key = self.paren_word()
            return lambda labels: key not in labels
        if tok == "has" and self.peek(1) == "(":
            self.take()
            key = self.paren_word()
            return lambda labels: key in labels
        key = self.take()
        op = self.take()
        if op == "=":
            value = self.take()
            return lambda labels: labels.get(key) == value
        if op == "!=":
            value = self.take()
            return lambda labels: labels.get(key) != value
        if op == "in":
            values = self.value_list()
            return lambda labels: labels.get(key) in values
        if op == "not" and self.peek() == "in":
            self.take()
            values = self.value_list()
            return lambda labels: labels.get(key) not in values
        raise NcaFormatError(f"unknown operator {op!r} in label expression {self.text!r}")

    def paren_word(self) -> str:
        self.take("(")
        word = self.take()
        self.take(")")
        return word

    def value_list(self) -> frozenset[str]:
        self.take("(")
        values = {self.take()}
        while self.peek() == ",":
            self.take()
            values.add(self.take())
        self.take(")")
        return frozenset(values)


def parse_label_expression(text: str) -> LabelPredicate:
    """Compile an NCA label expression (``app in (a,b) and !has(tier)``) to a predicate."""
    return _ExprParser(text).parse()


# -- pod lists ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PodElement:
    """One element of ``src_pods``/``dst_pods``: ``*``, a name or a label expression."""

    text: str
    kind: str  # "all" | "name" | "expr"
    predicate: LabelPredicate | None = field(default=None, compare=False)


def split_top_level(text: str) -> list[str]:
    """Split at commas outside parentheses and braces."""
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [s.strip() for s in out if s.strip()]


def parse_pod_list(text: str) -> tuple[PodElement, ...]:
    out = []
    for el in split_top_level(text):
        if el == "*":
            out.append(PodElement(el, "all"))
        elif re.search(r"[=(){}]|\s(not\s+)?in\s", el) or el.startswith("!"):
            out.append(PodElement(el, "expr", parse_label_expression(el)))
        elif re.fullmatch(r"[A-Za-z0-9_.\-]+", el):
            out.append(PodElement(el, "name"))
        else:
            raise NcaFormatError(f"unrecognised pod list element {el!r}")
    if not out:
        raise NcaFormatError(f"empty pod list [{text}]")
    return tuple(out)


# -- rules ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PodsSide:
    namespaces: tuple[str, ...]
    pods: tuple[PodElement, ...]


@dataclass(frozen=True, slots=True)
class IPsSide:
    ranges: tuple[IPRange, ...]


@dataclass(frozen=True, slots=True)
class WorkloadSide:
    """An NCA workload id ``ns/name[Kind]`` (txt_no_fw_rules output)."""

    id: str


Side = PodsSide | IPsSide | WorkloadSide


@dataclass(frozen=True, slots=True)
class Rule:
    src: Side
    dst: Side
    conn: PortSet
    line: str


_FW_RULE = re.compile(
    r"^(?:src_ns: \[(?P<sns>[^\]]*)\] src_pods: \[(?P<spods>.*?)\]|src: (?P<sips>\S+)) "
    r"(?:dst_ns: \[(?P<dns>[^\]]*)\] dst_pods: \[(?P<dpods>.*?)\]|dst: (?P<dips>\S+)) "
    r"conn: (?P<conn>.+)$"
)


def _pods_side(ns: str, pods: str) -> PodsSide:
    namespaces = tuple(n.strip() for n in ns.split(",") if n.strip())
    if not namespaces:
        raise NcaFormatError("empty namespace list")
    return PodsSide(namespaces, parse_pod_list(pods))


def parse_fw_rule(line: str) -> Rule:
    m = _FW_RULE.match(line.strip())
    if not m:
        raise NcaFormatError(f"unrecognised fw-rule line {line!r}")
    src: Side = (IPsSide(parse_ip_ranges(m["sips"])) if m["sips"] is not None
                 else _pods_side(m["sns"], m["spods"]))
    dst: Side = (IPsSide(parse_ip_ranges(m["dips"])) if m["dips"] is not None
                 else _pods_side(m["dns"], m["dpods"]))
    if isinstance(src, IPsSide) and isinstance(dst, IPsSide):
        raise NcaFormatError(f"external to external rule {line!r}")
    return Rule(src, dst, parse_conn(m["conn"]), line.strip())


_SECTION = re.compile(r"^final fw rules for query: (?P<query>.+), config: (?P<config>.+):$")


def parse_fw_rules_output(text: str) -> dict[str, list[Rule]]:
    """A connectivityMap fw-rules output: config name -> its rules (one section per config)."""
    out: dict[str, list[Rule]] = {}
    current: list[Rule] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        m = _SECTION.match(line)
        if m:
            current = out.setdefault(m["config"], [])
            continue
        if current is None:
            raise NcaFormatError(f"rule before any 'final fw rules' header: {line!r}")
        current.append(parse_fw_rule(line))
    if not out:
        raise NcaFormatError("no 'final fw rules for query' section")
    return out


_WORKLOAD_ID = re.compile(r"^[^/\s]+/[^/\s\[\]]+\[[A-Za-z\-]+\]$")


def _no_fw_side(text: str) -> Side:
    text = text.strip()
    if _WORKLOAD_ID.match(text):
        return WorkloadSide(text)
    return IPsSide(parse_ip_ranges(text))


def parse_no_fw_rules_output(text: str) -> list[Rule]:
    """A ``txt_no_fw_rules`` connectivity output (``SRC => DST : CONN`` per line)."""
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        src, sep, rest = line.partition(" => ")
        dst, sep2, conn = rest.partition(" : ")
        if not sep or not sep2:
            raise NcaFormatError(f"unrecognised txt_no_fw_rules line {line!r}")
        out.append(Rule(_no_fw_side(src), _no_fw_side(dst), parse_conn(conn), line))
    return out


@dataclass
class DiffBlock:
    """One ``X and Y ...`` block of a semanticDiff output."""

    config1: str
    config2: str
    added: list[Rule] = field(default_factory=list)
    removed: list[Rule] = field(default_factory=list)


_DIFF_HEAD = re.compile(
    r"^(?P<a>\S+) and (?P<b>\S+) (?:are not semantically equivalent\.|are semantically "
    r"equivalent\.|have the same network topology and the same set of policies\.)$")
_DIFF_SECTION = re.compile(
    r"^(?P<what>Added|Removed) connections between persistent peers(?: and ipBlocks)? "
    r"\(based on topology from config: (?P<config>\S+)\) :$")


def parse_semantic_diff_output(text: str) -> list[DiffBlock]:
    """A semanticDiff fw-rules output (same topology: only Added/Removed sections)."""
    blocks: list[DiffBlock] = []
    target: list[Rule] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        m = _DIFF_HEAD.match(line)
        if m:
            blocks.append(DiffBlock(m["a"], m["b"]))
            target = None
            continue
        m = _DIFF_SECTION.match(line)
        if m:
            if not blocks:
                raise NcaFormatError(f"section before any block header: {line!r}")
            target = blocks[-1].added if m["what"] == "Added" else blocks[-1].removed
            continue
        if target is None:
            raise NcaFormatError(f"unrecognised semanticDiff line {line!r}")
        target.append(parse_fw_rule(line))
    if not blocks:
        raise NcaFormatError("no 'X and Y ...' block in semanticDiff output")
    return blocks
