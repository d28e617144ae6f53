"""``netverify lint`` reports its findings as audit rules: suppressions, SARIF, gates, formats.

The lint fixture (``fixtures/lint``) has one finding of each kind: NV102 on ``shop/typo``,
NV151 on ``shop/api`` ``spec.ingress[1]`` and NV152 on ``shop/api-from-web``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from netverify.cli import main

LINT = Path("fixtures/lint")


def run(*args: str):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def annotated(tmp_path: Path, name: str, codes: str) -> str:
    """The lint fixture with ``netverify.io/ignore: codes`` on the NetworkPolicy ``name``."""
    text = (LINT / "policies.yaml").read_text(encoding="utf-8")
    old = f"metadata: {{name: {name}, namespace: shop}}"
    assert old in text
    text = text.replace(old, f"metadata: {{name: {name}, namespace: shop, annotations: "
                             f"{{netverify.io/ignore: \"{codes}\"}}}}")
    out = tmp_path / "policies.yaml"
    out.write_text(text, encoding="utf-8")
    return str(out)


def _codes(stdout: str) -> list[tuple[str, str]]:
    doc = json.loads(stdout)
    return [(f["code"], f["object"]) for f in doc["findings"]]


def test_the_annotation_silences_a_redundancy_finding(tmp_path: Path) -> None:
    r = run("lint", "-f", annotated(tmp_path, "api-from-web", "NV152"), "--format", "json")
    doc = json.loads(r.stdout)
    assert ("NV152", "NetworkPolicy shop/api-from-web") not in _codes(r.stdout)
    assert [(f["code"], f["object"]) for f in doc["suppressed"]] == [
        ("NV152", "NetworkPolicy shop/api-from-web")]
    assert ("NV151", "NetworkPolicy shop/api") in _codes(r.stdout)  # other findings stay
    assert r.exit_code == 1


def test_with_every_finding_suppressed_lint_passes(tmp_path: Path) -> None:
    path = annotated(tmp_path, "api-from-web", "NV152")
    text = Path(path).read_text(encoding="utf-8")
    for name, code in (("typo", "NV102"), ("api", "NV151")):
        old = f"metadata: {{name: {name}, namespace: shop}}"
        text = text.replace(old, f"metadata: {{name: {name}, namespace: shop, annotations: "
                                 f"{{netverify.io/ignore: \"{code}\"}}}}")
    Path(path).write_text(text, encoding="utf-8")
    r = run("lint", "-f", path)
    assert r.exit_code == 0, r.stdout
    assert r.stdout.startswith("no findings")


def test_sarif_carries_lint_findings_with_their_rules() -> None:
    r = run("lint", "-f", str(LINT), "--format", "sarif")
    assert r.exit_code == 1
    run_ = json.loads(r.stdout)["runs"][0]
    rules = [x["id"] for x in run_["tool"]["driver"]["rules"]]
    assert {"NV102", "NV150", "NV151", "NV152"} <= set(rules)
    got = [(x["ruleId"], x["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            x["locations"][0]["physicalLocation"]["region"]["startLine"])
           for x in run_["results"]]
    assert got == [("NV102", "NetworkPolicy shop/typo spec.podSelector", 25),
                   ("NV151", "NetworkPolicy shop/api spec.ingress[1]", 41),
                   ("NV152", "NetworkPolicy shop/api-from-web", 44)]
    nv152 = run_["results"][2]
    # The policy that shadows it, as a related location in the manifest.
    assert [(loc["message"]["text"], loc["physicalLocation"]["region"]["startLine"])
            for loc in nv152["relatedLocations"]] == [("shadows it: NetworkPolicy shop/api", 32)]


@pytest.mark.parametrize(("gate", "status"), [("info", 1), ("warning", 1), ("error", 0)])
def test_fail_on_decides_the_exit_status(gate: str, status: int) -> None:
    # NV102 is a warning, NV151 and NV152 are info: nothing reaches error.
    assert run("lint", "-f", str(LINT), "--fail-on", gate).exit_code == status


def test_min_severity_hides_but_the_gate_still_counts() -> None:
    r = run("lint", "-f", str(LINT), "--min-severity", "warning", "--format", "json")
    assert _codes(r.stdout) == [("NV102", "NetworkPolicy shop/typo")]
    assert json.loads(r.stdout)["hidden"] == 2 and r.exit_code == 1


def test_rule_picks_lint_rules() -> None:
    r = run("lint", "-f", str(LINT), "--rule", "NV152", "--format", "json")
    assert _codes(r.stdout) == [("NV152", "NetworkPolicy shop/api-from-web")]


def test_a_plain_audit_skips_the_lint_only_rules_and_rule_runs_them() -> None:
    plain = json.loads(run("audit", "-f", str(LINT), "--format", "json").stdout)
    assert not {"NV150", "NV151", "NV152"} & {x["code"] for x in plain["rules"]}
    asked = run("audit", "-f", str(LINT), "--rule", "NV151", "--format", "json")
    assert _codes(asked.stdout) == [("NV151", "NetworkPolicy shop/api")]


def test_audit_help_says_which_rules_are_lint_only() -> None:
    text = " ".join(run("audit", "--help").stdout.split())
    assert "NV150-NV152" in text and "netverify lint" in text


@pytest.mark.parametrize("fmt", ["text", "md", "html", "json", "sarif"])
def test_every_format_shows_what_was_left_undecided(fmt: str) -> None:
    r = run("lint", "-f", "fixtures/demo", "--smt-timeout", "0.001", "--format", fmt)
    assert r.exit_code == 3, r.stdout
    assert "raise --smt-timeout" in r.stdout and "backend/api" in r.stdout
    if fmt == "json":
        assert json.loads(r.stdout)["undecided"]
    if fmt == "sarif":
        inv = json.loads(r.stdout)["runs"][0]["invocations"][0]
        assert inv["exitCode"] == 3
        assert any("backend/api" in n["message"]["text"]
                   for n in inv["toolExecutionNotifications"])
