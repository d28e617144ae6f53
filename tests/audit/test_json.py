"""The audit JSON keeps the shape of its shipped schema (netverify/schemas/audit.schema.json)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from netverify.audit.run import audit
from netverify.loader import load_cluster
from netverify.renderers import RenderOptions, render
from netverify.results import Severity

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "netverify" / "schemas" / "audit.schema.json").read_text())


def check(data: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    errors = list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


@pytest.mark.parametrize("connectivity", [True, False])
def test_demo_json_matches_the_documented_schema(monkeypatch, connectivity):
    monkeypatch.chdir(ROOT)
    report = audit(load_cluster(["fixtures/demo"]), inputs=["fixtures/demo"],
                   min_severity=Severity.WARNING, connectivity=connectivity)
    data = json.loads(render(report, "json", RenderOptions()))
    check(data)
    assert data["hidden"] == len(report.hidden) and data["min_severity"] == "warning"
    assert sum(data["counts"].values()) == len(data["findings"])
    if connectivity:
        ns = data["connectivity"]["namespaces"]
        assert ns["nodes"] == ["backend", "frontend", "kube-system", "monitoring"]
        assert len(ns["results"]) == len(ns["nodes"]) ** 2


def test_hostile_json_matches_the_schema():
    from tests.audit.test_hostile import hostile_report

    check(json.loads(render(hostile_report(), "json", RenderOptions())))
