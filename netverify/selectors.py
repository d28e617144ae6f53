"""Kubernetes LabelSelector: parsing, canonical form and matching.

This is the one definition of "does this selector match these labels" used by
the concrete engine; the SMT encoding is tested against it.

Semantics (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/):
``matchLabels`` entries and ``matchExpressions`` requirements are AND'd; an empty
selector (``{}``) matches everything.  ``In`` needs the key present with one of
the values; ``NotIn`` matches when the key is absent or its value is not listed;
``Exists`` / ``DoesNotExist`` test presence only.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from netverify.errors import SelectorError
from netverify.source import SourceRef


class Operator(enum.Enum):
    """A matchExpressions operator."""

    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"


@dataclass(frozen=True, slots=True)
class Requirement:
    """One ``matchExpressions`` entry (``matchLabels`` entries become ``In`` with one value)."""

    key: str
    operator: Operator
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Return whether ``labels`` satisfy this requirement."""
        op = self.operator
        if op is Operator.IN:
            v = labels.get(self.key)
            return v is not None and v in self.values
        if op is Operator.NOT_IN:
            v = labels.get(self.key)
            return v is None or v not in self.values
        if op is Operator.EXISTS:
            return self.key in labels
        return self.key not in labels

    def __str__(self) -> str:
        op = self.operator
        if op is Operator.IN and len(self.values) == 1:
            return f"{self.key}={next(iter(self.values))}"
        if op is Operator.IN:
            return f"{self.key} in ({','.join(sorted(self.values))})"
        if op is Operator.NOT_IN:
            return f"{self.key} notin ({','.join(sorted(self.values))})"
        if op is Operator.EXISTS:
            return self.key
        return f"!{self.key}"


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A canonical selector: a sorted tuple of requirements, AND'd.

    ``matchLabels: {a: x}`` and ``matchExpressions: [{key: a, operator: In, values: [x]}]``
    produce equal objects, so equal selectors compare and hash equal.
    """

    requirements: tuple[Requirement, ...] = ()

    @property
    def is_empty(self) -> bool:
        """An empty selector matches every object."""
        return not self.requirements

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Return whether every requirement holds for ``labels``."""
        for req in self.requirements:  # noqa: SIM110 - hot path; a plain loop is faster
            if not req.matches(labels):
                return False
        return True

    def keys(self) -> frozenset[str]:
        """Label keys this selector looks at."""
        return frozenset(r.key for r in self.requirements)

    def __str__(self) -> str:
        if not self.requirements:
            return "{}"
        return ",".join(str(r) for r in self.requirements)


MATCH_ALL = LabelSelector()

# Label keys: optional DNS-subdomain prefix and '/', then a name of at most 63 chars.
_NAME = r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)"
_KEY_RE = re.compile(rf"^([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_NAME}$")
_VALUE_RE = re.compile(rf"^({_NAME})?$")


@functools.lru_cache(maxsize=65536)
def valid_label_key(key: str) -> bool:
    """Return whether ``key`` is a syntactically valid label key."""
    return bool(_KEY_RE.match(key))


@functools.lru_cache(maxsize=65536)
def valid_label_value(value: str) -> bool:
    """Return whether ``value`` is a syntactically valid label value (may be empty)."""
    return len(value) <= 63 and bool(_VALUE_RE.match(value))


Locate = Callable[[str], "SourceRef | None"]


def parse_selector(raw: Any, *, source: SourceRef | None, field: str,
                   locate: Locate | None = None) -> LabelSelector:
    """Parse a LabelSelector mapping; ``None`` is treated as ``{}`` by the caller.

    ``locate(field)`` may return a more precise location (the line of that field)
    for error messages.

    Raises:
        SelectorError: on a non-mapping, an unknown operator or badly formed values.
    """
    if locate is not None:
        return _parse_selector(raw, field, locate)
    return _parse_selector(raw, field, lambda _f: source)


def _parse_selector(raw: Any, field: str, locate: Locate) -> LabelSelector:
    source = locate(field)
    if raw is None:
        return MATCH_ALL
    if not isinstance(raw, dict):
        raise SelectorError(f"must be a label selector mapping, got {_kind(raw)}",
                            source=source, field=field)
    unknown = set(raw) - {"matchLabels", "matchExpressions"}
    if unknown:
        raise SelectorError(
            f"unknown selector field(s) {', '.join(sorted(unknown))}",
            source=source, field=field, hint="a LabelSelector has matchLabels and matchExpressions",
        )
    reqs: set[Requirement] = set()
    ml = raw.get("matchLabels")
    if ml is not None:
        if not isinstance(ml, dict):
            raise SelectorError(f"must be a mapping of label keys to values, got {_kind(ml)}",
                                source=source, field=f"{field}.matchLabels")
        for k, v in ml.items():
            key, value = str(k), _scalar_str(v)
            if not valid_label_key(key):
                raise SelectorError(f"invalid label key {key!r}", source=source,
                                    field=f"{field}.matchLabels")
            if value is None or not valid_label_value(value):
                raise SelectorError(f"invalid label value {v!r} for key {key!r}", source=source,
                                    field=f"{field}.matchLabels.{key}", hint=_QUOTE_HINT)
            reqs.add(Requirement(key, Operator.IN, frozenset({value})))
    me = raw.get("matchExpressions")
    if me is not None:
        if not isinstance(me, list):
            raise SelectorError(f"must be a list, got {_kind(me)}", source=source,
                                field=f"{field}.matchExpressions")
        for i, expr in enumerate(me):
            efield = f"{field}.matchExpressions[{i}]"
            reqs.add(_parse_requirement(expr, source=locate(efield), field=efield))
    return LabelSelector(tuple(sorted(reqs, key=_req_sort_key)))


def _req_sort_key(r: Requirement) -> tuple[str, str, tuple[str, ...]]:
    return (r.key, r.operator.value, tuple(sorted(r.values)))


def _parse_requirement(expr: Any, *, source: SourceRef | None, field: str) -> Requirement:
    if not isinstance(expr, dict):
        raise SelectorError(f"must be a mapping with key/operator/values, got {_kind(expr)}",
                            source=source, field=field)
    unknown = set(expr) - {"key", "operator", "values"}
    if unknown:
        raise SelectorError(f"unknown field(s) {', '.join(sorted(unknown))}", source=source,
                            field=field)
    key = expr.get("key")
    if not isinstance(key, str) or not valid_label_key(key):
        raise SelectorError(f"invalid or missing key {key!r}", source=source, field=f"{field}.key")
    op_raw = expr.get("operator")
    try:
        op = Operator(op_raw)
    except ValueError:
        raise SelectorError(
            f"unknown operator {op_raw!r}", source=source, field=f"{field}.operator",
            hint="one of In, NotIn, Exists, DoesNotExist (case-sensitive)",
        ) from None
    values_raw = expr.get("values")
    if values_raw is None:
        values_raw = []
    if not isinstance(values_raw, list):
        raise SelectorError(f"must be a list, got {_kind(values_raw)}", source=source,
                            field=f"{field}.values")
    values: set[str] = set()
    for v in values_raw:
        s = _scalar_str(v)
        if s is None or not valid_label_value(s):
            raise SelectorError(f"invalid label value {v!r}", source=source,
                                field=f"{field}.values", hint=_QUOTE_HINT)
        values.add(s)
    if op in (Operator.IN, Operator.NOT_IN) and not values:
        raise SelectorError(f"operator {op.value} needs at least one value", source=source,
                            field=f"{field}.values")
    if op in (Operator.EXISTS, Operator.DOES_NOT_EXIST) and values:
        raise SelectorError(f"operator {op.value} takes no values", source=source,
                            field=f"{field}.values")
    return Requirement(key, op, frozenset(values))


_QUOTE_HINT = ("values are strings of at most 63 letters, digits, '-', '_' and '.'; quote "
               "numbers and booleans")


def _scalar_str(v: Any) -> str | None:
    """Label values must be strings, as the API requires.

    An unquoted ``1.10`` or ``010`` has already been rewritten by YAML (to 1.1 and 8), so
    accepting it would be a guess.
    """
    return v if isinstance(v, str) else None


def _kind(v: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "null"}.get(
        type(v), type(v).__name__)


def parse_selector_string(text: str) -> LabelSelector:
    """Parse the ``key=value,key2=value2`` form used on the command line.

    Also accepts ``key!=value``, ``key`` (exists) and ``!key`` (does not exist).

    Raises:
        SelectorError: when a term is malformed.
    """
    reqs: set[Requirement] = set()
    for term in (t.strip() for t in text.split(",")):
        if not term:
            raise SelectorError(f"empty term in selector {text!r}")
        if "!=" in term:
            k, v = term.split("!=", 1)
            reqs.add(Requirement(k.strip(), Operator.NOT_IN, frozenset({v.strip()})))
        elif "=" in term:
            k, v = term.split("=", 1)
            reqs.add(Requirement(k.strip().rstrip("="), Operator.IN, frozenset({v.strip()})))
        elif term.startswith("!"):
            reqs.add(Requirement(term[1:].strip(), Operator.DOES_NOT_EXIST))
        else:
            reqs.add(Requirement(term, Operator.EXISTS))
    for r in reqs:
        if not valid_label_key(r.key):
            raise SelectorError(f"invalid label key {r.key!r} in selector {text!r}")
        for v in r.values:
            if not valid_label_value(v):
                raise SelectorError(f"invalid label value {v!r} in selector {text!r}")
    return LabelSelector(tuple(sorted(reqs, key=_req_sort_key)))
