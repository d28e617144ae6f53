"""SARIF 2.1.0: valid against the OASIS schema, and shaped the way code scanning reads it."""

from __future__ import annotations

import dataclasses
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


UNDECLARED = """
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: shop, labels: {app: a}}
spec: {containers: [{name: c}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: typo, namespace: shop}
spec:
  podSelector: {matchLabels: {app: nothing}}
  policyTypes: [Ingress]
"""


def test_results_without_a_line_point_at_the_first_object_of_their_namespace(tmp_path):
    """Code scanning drops results without a physicalLocation: NV101 on an undeclared
    namespace points at the namespace's first pod, and says so."""
    from click.testing import CliRunner

    from netverify.cli import main

    path = tmp_path / "shop.yaml"
    path.write_text(UNDECLARED)
    r = CliRunner().invoke(main, ["audit", "-f", str(path), "--format", "sarif",
                                  "--rule", "NV101", "--rule", "NV102"])
    data = json.loads(r.stdout)
    assert not list(validator().iter_errors(data))
    results = {res["ruleId"]: res for res in data["runs"][0]["results"]}
    nv101 = results["NV101"]
    phys = nv101["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"]["uri"].endswith("shop.yaml")
    assert phys["region"]["startLine"] == 2  # the pod, not the policy
    assert ("(Shown at Pod shop/app, an object of namespace shop: Namespace shop itself has no "
            "manifest line code scanning can show.)") in nv101["message"]["text"]
    assert nv101["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "Namespace shop"
    assert "Shown at" not in results["NV102"]["message"]["text"]  # it has its own line


def test_every_result_has_a_physical_location(monkeypatch):
    from tests.audit.test_hostile import hostile_report

    for report in (demo_report(monkeypatch), hostile_report(),
                   audit(load_text(UNDECLARED, "k8s/shop.yaml"), connectivity=False)):
        for res in sarif(report)["runs"][0]["results"]:
            assert "physicalLocation" in res["locations"][0], res["message"]["text"]


def test_without_anchors_the_report_own_objects_are_used():
    """A report built without ``anchors`` (by hand) still points at an object of its own."""
    report = dataclasses.replace(audit(load_text(UNDECLARED, "k8s/shop.yaml"),
                                       only={"NV101", "NV102"}, connectivity=False), anchors={})
    results = {res["ruleId"]: res for res in sarif(report)["runs"][0]["results"]}
    assert results["NV101"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 7
    assert "Shown at NetworkPolicy shop/typo" in results["NV101"]["message"]["text"]


def test_the_library_report_has_the_command_anchors():
    """``audit()`` finds the anchors itself: the library's SARIF points where the CLI's does."""
    report = audit(load_text(UNDECLARED, "k8s/shop.yaml"), only={"NV101", "NV102"},
                   connectivity=False)
    results = {res["ruleId"]: res for res in sarif(report)["runs"][0]["results"]}
    assert results["NV101"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert "Shown at Pod shop/app" in results["NV101"]["message"]["text"]


def _fingerprints(report: AuditReport) -> list[str]:
    return [res["partialFingerprints"]["netverifyFinding/v2"]
            for res in sarif(report)["runs"][0]["results"]]


def test_fingerprints_are_unique_and_stable(monkeypatch):
    from tests.audit.test_hostile import hostile_report

    for report in (demo_report(monkeypatch), hostile_report()):
        prints = _fingerprints(report)
        assert len(set(prints)) == len(prints)
        assert prints == _fingerprints(report)


def test_same_rule_object_and_path_twice_get_different_fingerprints(monkeypatch):
    """One rule may report one field of one object twice (NV605 ``spec.hostnames``,
    once per parentRef): the message tells them apart, a counter exact repeats."""
    from netverify.renderers.audit_sarif import fingerprint
    from netverify.results import Finding

    base = demo_report(monkeypatch)
    f = Finding(code=base.findings[0].code, object="HTTPRoute shop/r", path="spec.hostnames",
                message="no hostname of listener a matches")
    g = dataclasses.replace(f, message="no hostname of listener b matches")
    report = dataclasses.replace(base, findings=(f, g, f), suppressed=(g,))
    prints = _fingerprints(report)
    assert len(set(prints)) == 4
    assert fingerprint(f) == prints[0] and fingerprint(f, 1) == prints[2]


def test_the_gate_is_an_invocation_with_its_exit_status(monkeypatch):
    from netverify.renderers.audit_sarif import sarif_jsonable
    from netverify.results import Severity

    monkeypatch.chdir(ROOT)
    report = audit(load_cluster(["fixtures/demo"]), only={"NV101"},
                   min_severity=Severity.ERROR, connectivity=False)
    assert "invocations" not in sarif(report)["runs"][0]  # no gate given: none claimed
    run = sarif_jsonable(dataclasses.replace(report, fail_on=Severity.WARNING))["runs"][0]
    assert run["results"] == []
    (inv,) = run["invocations"]
    assert inv["exitCode"] == 1 and inv["executionSuccessful"] is True
    (note,) = inv["toolExecutionNotifications"]
    assert note["message"]["text"] == ("exit 1: 2 hidden finding(s) at or above warning "
                                       "(--min-severity error hides them)")
    assert run["properties"]["netverify"]["hiddenAtOrAboveFailOn"] == 2
    errors = list(validator().iter_errors(sarif_jsonable(
        dataclasses.replace(report, fail_on=Severity.INFO))))
    assert not errors
    inv = sarif_jsonable(dataclasses.replace(report, fail_on=Severity.ERROR))["runs"][0][
        "invocations"]
    assert inv[0]["exitCode"] == 0 and "toolExecutionNotifications" not in inv[0]
