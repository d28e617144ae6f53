"""The spec-derived tier cases (tests/tiers/cases, written from the network-policy-api
types, docs and conformance suite by someone who had not read the engines), each query
answered by ``can-reach``'s concrete engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from netverify.loader import load_text
from netverify.queries.can_reach import can_reach

CASES = Path(__file__).parents[1] / "tiers" / "cases"


def _queries() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    out = []
    for f in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(f.read_text(encoding="utf-8"))["cases"]:
            if "invalid" in case:
                continue
            for i, q in enumerate(case.get("expect") or ()):
                out.append((f"{f.stem}:{case['name']}:{i}", case, q))
    return out


# Known gaps, each a strict xfail until the engines answer it as the case says.
PENDING = {
    "spec-hairpin:hairpin-traffic-v1alpha1:0": "netverify answers allowed: a pod's connection "
    "to its own IP never leaves its network namespace, outside which every implementation "
    "enforces (what v1alpha2 later wrote down); the case reads v1alpha1's silence as undecided",
}
QUERIES = [pytest.param(n, c, q, id=n, marks=[pytest.mark.xfail(strict=True, reason=PENDING[n])]
                        if n in PENDING else []) for n, c, q in _queries()]
_LOADED: dict[int, Any] = {}


def _cluster(case: dict[str, Any]) -> Any:
    key = id(case)
    if key not in _LOADED:
        _LOADED[key] = load_text(yaml.safe_dump_all(case["manifests"], sort_keys=False),
                                 "case.yaml")
    return _LOADED[key]


def verdict(case: dict[str, Any], q: dict[str, Any]) -> str:
    cluster = _cluster(case)
    dst = str(q["to"])
    if dst.startswith("svc/"):
        dst = f"{dst}:{q['port']}"
        port = None
    else:
        port = q["port"]
    r = can_reach(cluster, str(q["from"]), dst, port=port, protocol=q.get("protocol"),
                  policy_only=True)
    assert r.pairs, "no pair"
    if any(p.allowed.is_empty and p.undecided.is_empty for p in r.pairs):
        return "denied"
    if any(not p.undecided.is_empty for p in r.pairs):
        return "undecided"
    return "allowed"


@pytest.mark.parametrize(("name", "case", "query"), QUERIES)
def test_tier_case(name: str, case: dict[str, Any], query: dict[str, Any]) -> None:
    got = verdict(case, query)
    assert got == query["verdict"], f"{name}: {query} -> {got}"


_PAIR_QUERIES = [q for q in _queries() if not str(q[2]["to"]).startswith("svc/")]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "case", "query"), _PAIR_QUERIES,
                         ids=[q[0] for q in _PAIR_QUERIES])
def test_the_smt_engine_agrees_on_the_tier_cases(name: str, case: dict[str, Any],
                                                 query: dict[str, Any]) -> None:
    r = can_reach(_cluster(case), str(query["from"]), str(query["to"]), port=query["port"],
                  protocol=query.get("protocol"), engine="smt", policy_only=True)
    assert not [c for c in r.caveats if "disagree" in c], r.caveats
