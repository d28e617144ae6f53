"""SARIF 2.1.0: valid against the OASIS schema, and shaped the way code scanning reads it."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema
import pytest

from netverify.audit.run import audit
from netverify.loader import load_cluster, load_text
from netverify.renderers import RenderOptions, render
from netverify.renderers.audit_sarif import artifact_uri
from netverify.results import AuditReport

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests" / "schemas" / "sarif-2.1.0.json"


@cache
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema,
                                      format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def sarif(report: AuditReport) -> dict:
    data = json.loads(render(report, "sarif", RenderOptions()))
    errors = sorted(validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    return data


def demo_report(monkeypatch: pytest.MonkeyPatch) -> AuditReport:
    monkeypatch.chdir(ROOT)
    return audit(load_cluster(["fixtures/demo"]), inputs=["fixtures/demo"], connectivity=False)


def test_demo_sarif_is_valid_and_complete(monkeypatch):
    report = demo_report(monkeypatch)
    data = sarif(report)
    assert data["version"] == "2.1.0" and data["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = data["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "netverify" and driver["version"] and driver["informationUri"]
    ids = [r["id"] for r in driver["rules"]]
    assert ids == sorted(report.rules)
    for rule in driver["rules"]:
        info = report.rules[rule["id"]]
        assert rule["shortDescription"]["text"] == info.title
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert "Why it hurts" in rule["help"]["text"] and "**Fix**" in rule["help"]["markdown"]
    assert len(run["results"]) == len(report.findings)
    for res, f in zip(run["results"], report.findings, strict=True):
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"] == f.code
        loc = res["locations"][0]
        assert loc["logicalLocations"][0]["fullyQualifiedName"].startswith(f.object)
        phys = loc["physicalLocation"]
        assert phys["artifactLocation"]["uri"].startswith("fixtures/demo/")
        assert phys["region"]["startLine"] == f.source.line


def test_suppressed_findings_are_results_with_in_source_suppressions():
    text = """
apiVersion: v1
kind: Namespace
metadata: {name: shop, annotations: {netverify.io/ignore: "NV101"}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c}]}
"""
    report = audit(load_text(text, "k8s/shop.yaml"), only={"NV101", "NV103"},
                   connectivity=False)
    assert report.suppressed
    results = sarif(report)["runs"][0]["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert len(suppressed) == len(report.suppressed)
    assert all(s["kind"] == "inSource" for r in suppressed for s in r["suppressions"])
    assert {r["ruleId"] for r in suppressed} == {"NV101"}


def test_min_severity_leaves_hidden_findings_out_and_counts_them(monkeypatch):
    monkeypatch.chdir(ROOT)
    from netverify.results import Severity

    report = audit(load_cluster(["fixtures/demo"]), min_severity=Severity.ERROR,
                   connectivity=False)
    run = sarif(report)["runs"][0]
    assert len(run["results"]) == len(report.findings)
    assert run["properties"]["netverify"]["hidden"] == len(report.hidden)


@pytest.mark.parametrize(("given", "uri"), [
    ("fixtures/demo/backend.yaml", "fixtures/demo/backend.yaml"),
    ("./k8s/app.yaml", "k8s/app.yaml"),
    ("k8s\\win\\app.yaml", "k8s/win/app.yaml"),
    ("my dir/app #1.yaml", "my%20dir/app%20%231.yaml"),
    ("/abs/app.yaml", "file:///abs/app.yaml"),
    ("c:odd/app.yaml", "./c:odd/app.yaml"),
    ("<stdin>", None),
    ("-", None),
])
def test_artifact_uris_are_relative_posix_references(given, uri):
    assert artifact_uri(given) == uri
