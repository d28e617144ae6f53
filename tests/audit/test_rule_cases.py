"""Every case of every rule's fixture file, through the real loader."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netverify.audit.registry import get_rule
from netverify.loader import load_text

CASES = Path(__file__).parent / "cases"


def _cases():
    for f in sorted(CASES.glob("NV*.yml")):
        data = yaml.safe_load(f.read_text())
        for case in data["cases"]:
            yield pytest.param(data["rule"], case, id=f"{data['rule']}_{case['name']}")


def _flat(manifests):
    """Objects of a case; a nested list is a YAML anchor (``- *app``) reused by several cases."""
    for m in manifests:
        if isinstance(m, list):
            yield from _flat(m)
        else:
            yield m


@pytest.mark.parametrize(("code", "case"), list(_cases()))
def test_rule_case(code, case):
    cluster = load_text(yaml.safe_dump_all(list(_flat(case["manifests"]))), f"{code}.yml")
    got = [{"object": f.object, "path": f.path} for f in get_rule(code)().check(cluster)]
    assert got == case["expect"]
