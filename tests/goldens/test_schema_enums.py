"""The shipped schemas spell every closed set exactly as the code's enums do."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Any

import pytest

from netverify.results import AssertionReason, HopReason, Layer, Outcome, Severity
from netverify.verdicts import (
    Answer,
    AssertionScope,
    AssertionStatus,
    Change,
    Expect,
    GroupBy,
    HopStatus,
    SourceStatus,
)

SCHEMAS = Path(__file__).resolve().parents[2] / "netverify" / "schemas"

# (schema, path to the node with ``enum``, the enum it must equal)
SETS: list[tuple[str, tuple[str, ...], type[enum.Enum]]] = [
    ("can-reach", ("$defs", "decision", "properties", "outcome"), Outcome),
    ("can-reach", ("$defs", "decision", "properties", "layer"), Layer),
    ("can-reach-hypothetical", ("properties", "outcome"), Answer),
    ("can-reach-url", ("properties", "verdict"), Answer),
    ("can-reach-url", ("$defs", "routed_path", "properties", "verdict"), Answer),
    ("paths", ("$defs", "routed_path", "properties", "verdict"), Answer),
    ("paths", ("$defs", "routed_path", "properties", "hops", "items", "properties", "status"),
     HopStatus),
    ("who-can-reach", ("properties", "possible", "items", "properties", "status"),
     SourceStatus),
    ("matrix", ("properties", "by"), GroupBy),
    ("check", ("properties", "results", "items", "properties", "status"), AssertionStatus),
    ("check", ("properties", "results", "items", "properties", "expect"), Expect),
    ("check", ("properties", "results", "items", "properties", "scope"), AssertionScope),
    ("check", ("properties", "results", "items", "properties", "reason"), AssertionReason),
    ("paths", ("$defs", "routed_path", "properties", "hops", "items", "properties", "reason"),
     HopReason),
    ("can-reach-url", ("$defs", "routed_path", "properties", "hops", "items", "properties",
                       "reason"), HopReason),
    ("diff", ("properties", "any_newly_allowed"), Answer),
    ("diff", ("properties", "any_newly_denied"), Answer),
    ("diff", ("properties", "witnesses", "items", "properties", "direction"), Change),
    ("diff", ("$defs", "cause", "properties", "outcome"), Outcome),
    ("diff", ("$defs", "cause", "properties", "layer"), Layer),
    ("audit", ("$defs", "severity"), Severity),
]


@pytest.mark.parametrize(("schema", "path", "members"), SETS,
                         ids=[f"{s}:{'.'.join(p[-3:])}" for s, p, _ in SETS])
def test_schema_enum_is_the_code_enum(schema: str, path: tuple[str, ...],
                                      members: type[enum.Enum]) -> None:
    node: Any = json.loads((SCHEMAS / f"{schema}.schema.json").read_text(encoding="utf-8"))
    for key in path:
        node = node[key]
    assert sorted(node["enum"]) == sorted(m.value for m in members)
