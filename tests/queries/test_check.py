"""check: spec files, every endpoint form, vacuous selectors, JUnit, schema errors."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from netverify.cli import main
from netverify.loader import load_cluster
from netverify.queries.check import check
from netverify.renderers.assertions import assertion_details, assertion_message
from netverify.results import AssertionReason
from netverify.specs import SpecError, load_spec
from netverify.verdicts import AssertionStatus

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "fixtures" / "demo")


def spec(tmp_path: Path, body: str, name: str = "s.yaml") -> str:
    p = tmp_path / name
    p.write_text(f"manifests: [{DEMO}]\nassertions:\n{body}")
    return str(p)


def statuses(path: str) -> list[tuple[str, str]]:
    return [(r.name, r.status.value) for r in check([path], load=load_cluster).results]


def test_the_projects_own_specs_pass(monkeypatch):
    monkeypatch.chdir(ROOT)
    r = CliRunner().invoke(main, ["check"])
    assert r.exit_code == 0, r.stdout
    assert "8 passed, 0 failed" in r.stdout


def test_the_readme_ci_example_runs_as_written(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"```sh\n(netverify check [^\n]*)\n```", readme).group(1)
    args = command.split()[1:]
    fs = tmp_path / "checkout"  # the example runs from a checkout's root
    fs.mkdir()
    monkeypatch.chdir(fs)
    (fs / "specs").symlink_to(ROOT / "specs")
    (fs / "fixtures").symlink_to(ROOT / "fixtures")
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.stdout
    junit = ET.parse(fs / "netverify-junit.xml").getroot()
    assert junit.get("tests") == "8" and junit.get("failures") == "0"


def test_every_endpoint_form(tmp_path):
    path = spec(tmp_path, """
  - {name: pod names, from: frontend/web, to: backend/api:8080, expect: allow}
  - {name: label selector, from: backend/app=api, to: backend/db:postgres, expect: allow}
  - {name: namespace star, from: monitoring/*, to: backend/api, port: 9090, expect: allow}
  - name: mapping
    from: {namespaceSelector: {matchLabels: {team: platform}}, podSelector: {}}
    to: {namespace: frontend}
    port: 8080
    expect: allow
  - {name: cidr, from: {cidr: 198.51.100.0/24}, to: frontend/web:8080, expect: allow}
  - {name: ip string, from: 10.1.2.3, to: frontend/web, expect: deny}
  - {name: dns, from: backend/*, to: dns, expect: allow}
  - {name: protocol key, from: frontend/web, to: dns, port: 53, protocol: UDP, expect: allow}
  - {name: no port deny, from: frontend/web, to: backend/db, expect: deny}
""")
    assert all(s == "pass" for _, s in statuses(path)), statuses(path)


def test_failures_carry_a_counterexample(tmp_path):
    path = spec(tmp_path, """
  - {name: wrong allow, from: frontend/web, to: backend/db:5432/TCP, expect: allow}
  - {name: wrong deny, from: backend/api, to: backend/db, expect: deny}
""")
    allow, deny = check([path], load=load_cluster).results
    assert allow.status is AssertionStatus.FAIL and allow.reason is AssertionReason.CANNOT_REACH
    assert "cannot reach backend/db" in assertion_message(allow)
    assert any("isolated by backend/db" in d for d in assertion_details(allow))
    assert deny.status is AssertionStatus.FAIL and deny.reason is AssertionReason.CAN_REACH
    assert "can reach backend/db" in assertion_message(deny)
    assert any("backend/db spec.ingress[0].from[0]" in d for d in assertion_details(deny))
    assert deny.counterexample == {"from": "backend/api", "to": "backend/db",
                                   "protocol": None, "port": None,
                                   "allowed": {"TCP": "5432"}}


def test_scope_any_finds_hypothetical_counterexamples(tmp_path):
    path = spec(tmp_path, """
  - name: only frontend could reach the API
    from:
      namespaceSelector:
        matchExpressions: [{key: team, operator: NotIn, values: [frontend]}]
    to: backend/api:8080
    expect: deny
    scope: any
  - name: any backend pod could reach the database
    from: {namespace: backend}
    to: backend/db:5432
    expect: allow
    scope: any
""")
    ok, bad = check([path], load=load_cluster).results
    assert ok.status is AssertionStatus.PASS
    assert bad.status is AssertionStatus.FAIL and bad.reason is AssertionReason.POSSIBLE_POD
    assert "a pod that could exist in backend" in assertion_message(bad)
    assert bad.counterexample is not None and bad.counterexample["hypothetical"] is True


def test_vacuous_selector_fails_instead_of_passing(tmp_path):
    path = spec(tmp_path, """
  - {name: nobody, from: frontend/app=nope, to: backend/db, expect: deny}
  - name: empty mapping
    from: {namespace: frontend, podSelector: {matchLabels: {x: y}}}
    to: backend/db
    expect: deny
""")
    results = check([path], load=load_cluster).results
    assert [r.status.value for r in results] == ["fail", "fail"]
    assert all("matches nothing" in assertion_message(r) for r in results)


def test_junit_and_json_outputs(tmp_path):
    path = spec(tmp_path, """
  - {name: "a <tricky> & name", from: frontend/web, to: backend/db:5432, expect: allow}
  - {name: fine, from: frontend/web, to: backend/api:8080, expect: allow}
""")
    out = tmp_path / "j.xml"
    r = CliRunner().invoke(main, ["check", path, "--junit", str(out), "--format", "json"])
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert data["query"] == "check" and data["passed"] is False
    assert [x["status"] for x in data["results"]] == ["fail", "pass"]
    root = ET.parse(out).getroot()
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "1"
    case = suite.findall("testcase")[0]
    assert case.get("name") == "a <tricky> & name"
    failure = case.find("failure")
    assert failure is not None and "cannot reach backend/db" in failure.get("message", "")


@pytest.mark.parametrize(("body", "expected"), [
    ("  - {name: x, from: a/b, to: c/d, expect: maybe}\n", "assertions[0].expect"),
    ("  - {name: x, from: a/b, to: c/d, expect: allow, colour: red}\n", "colour"),
    ("  - {name: x, from: a/b, expect: allow}\n", "'to' is a required property"),
    ("  - {name: x, from: {podSelector: {matchLabels: {a: 1}}}, to: c/d, expect: deny}\n",
     "assertions[0].from"),
])
def test_schema_errors_name_file_assertion_and_field(tmp_path, body, expected):
    path = spec(tmp_path, body)
    with pytest.raises(SpecError) as e:
        load_spec(path)
    assert str(e.value).startswith(path) and expected in str(e.value)
    r = CliRunner().invoke(main, ["check", path])
    assert r.exit_code == 2 and "netverify: error:" in r.stderr


def test_missing_manifests_path_is_an_input_error(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("manifests: [nowhere]\nassertions: []\n")
    r = CliRunner().invoke(main, ["check", str(p)])
    assert r.exit_code == 2 and "manifests" in r.stderr and "no such file" in r.stderr
    r = CliRunner().invoke(main, ["check", str(tmp_path / "absent.yaml")])
    assert r.exit_code == 2


def test_f_overrides_the_spec_manifests(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("manifests: [nowhere]\nassertions:\n"
                 "  - {name: x, from: frontend/web, to: backend/api:8080, expect: allow}\n")
    r = CliRunner().invoke(main, ["check", str(p), "-f", DEMO])
    assert r.exit_code == 0, r.stdout + r.stderr


def _own(tmp_path: Path, manifests: list[dict], body: str) -> str:
    import yaml

    m = tmp_path / "m.yaml"
    m.write_text(yaml.safe_dump_all(manifests, sort_keys=False))
    p = tmp_path / "own.yaml"
    p.write_text(f"manifests: [{m}]\nassertions:\n{body}")
    return str(p)


def _db_cluster(db_ingress: dict) -> list[dict]:
    from tests.support import ns, pod, policy

    return [ns("a"), pod("a", "db", {"app": "db"}, ip="10.0.0.9"),
            pod("a", "web", {"app": "web"}, ip="10.0.0.4"),
            policy("a", "db", {"podSelector": {"matchLabels": {"app": "db"}}, **db_ingress})]


def test_self_traffic_counts_alike_in_both_scopes(tmp_path):
    # db's ingress admits nobody, but db's connection to its own address is never
    # filtered: "nothing in a reaches db" is false in both scopes, on the same pair.
    path = _own(tmp_path, _db_cluster({"policyTypes": ["Ingress"]}), """
  - {name: existing, from: a/*, to: a/db, port: 5432, expect: deny}
  - {name: any, from: a/*, to: a/db, port: 5432, expect: deny, scope: any}
  - {name: others, from: "a/app!=db", to: a/db, port: 5432, expect: deny, scope: any}
""")
    existing, anyone, others = check([path], load=load_cluster).results
    assert (existing.status, anyone.status, others.status) == (
        AssertionStatus.FAIL, AssertionStatus.FAIL, AssertionStatus.PASS)
    for r in (existing, anyone):
        assert "a/db can reach" in assertion_message(r) and r.counterexample["from"] == "a/db"
        assert any("connecting to itself" in d for d in assertion_details(r))


def test_a_pod_selector_alone_ranges_over_existing_namespaces(tmp_path):
    # db admits app=web pods from namespaces labelled team=x; none exists.  A source
    # with only a podSelector means pods of the existing namespaces (README); with a
    # namespaceSelector, namespaces created later count too.
    ingress = {"ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "x"}},
                                      "podSelector": {"matchLabels": {"app": "web"}}}]}]}
    path = _own(tmp_path, _db_cluster(ingress), """
  - name: pods only
    from: {podSelector: {matchLabels: {app: web}}}
    to: a/db
    port: 5432
    expect: deny
    scope: any
  - name: any namespace
    from: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}
    to: a/db
    port: 5432
    expect: deny
    scope: any
""")
    pods_only, any_ns = check([path], load=load_cluster).results
    assert pods_only.status is AssertionStatus.PASS, assertion_message(pods_only)
    assert any_ns.status is AssertionStatus.FAIL and any_ns.counterexample["from"]["new_namespace"]


def test_a_hypothetical_counterexample_carries_its_fresh_address(tmp_path):
    path = _own(tmp_path, _db_cluster({"ingress": [{"from": [
        {"ipBlock": {"cidr": "10.0.0.4/30"}}]}]}), """
  - {name: nobody, from: "a/app!=db", to: a/db, port: 5432, expect: deny, scope: any}
""")
    (r,) = check([path], load=load_cluster).results
    assert r.status is AssertionStatus.FAIL
    cx = r.counterexample
    assert cx["hypothetical"] and cx["from"]["ips"] in (["10.0.0.5"], ["10.0.0.6"],
                                                       ["10.0.0.7"])
    assert cx["from"]["ips"][0] in assertion_message(r)


def test_outcomes_are_reason_codes_with_their_facts(tmp_path):
    # The query states what happened and on what; no sentence is stored in the result.
    path = spec(tmp_path, """
  - {name: ok, from: frontend/web, to: backend/api:8080, expect: allow}
  - {name: denied, from: frontend/web, to: backend/db:5432/TCP, expect: allow}
  - {name: named, from: backend/api, to: backend/db:postgres, expect: deny}
  - {name: nobody, from: frontend/web, to: backend/app=nope, expect: deny}
  - {name: fixed, from: frontend/web, to: backend/db:5432, expect: deny, scope: any}
  - {name: no port, from: {namespace: frontend}, to: backend/db, expect: allow, scope: any}
  - {name: could, from: {namespace: backend}, to: backend/db:5432, expect: deny, scope: any}
""")
    ok, denied, named, nobody, fixed, no_port, could = check([path], load=load_cluster).results
    assert (ok.reason, ok.pairs, ok.pair) == (AssertionReason.CHECKED, 1, None)
    assert denied.reason is AssertionReason.CANNOT_REACH and denied.pair is not None
    assert (denied.pair.src.name, denied.pair.dst.name, denied.port) == (
        "frontend/web", "backend/db", 5432)
    assert not denied.pair.is_allowed and denied.protocol is not None
    assert denied.protocol.value == "TCP"
    assert named.reason is AssertionReason.CAN_REACH and named.port_name == "postgres"
    assert named.port is None and named.pair is not None and named.pair.is_allowed
    assert (nobody.reason, nobody.side, nobody.dst) == (
        AssertionReason.MATCHES_NOTHING, "to", "backend/app=nope")
    assert fixed.reason is AssertionReason.NEEDS_PATTERN
    assert no_port.reason is AssertionReason.NEEDS_PORT
    assert could.reason is AssertionReason.POSSIBLE_POD and could.witness is not None
    assert could.witness.namespace == "backend" and ("app", "api") in could.witness.labels
    assert could.pair is not None and could.pair.is_allowed and could.port == 5432


def test_check_json_carries_the_reason_code_and_facts(tmp_path):
    path = spec(tmp_path, """
  - {name: denied, from: frontend/web, to: backend/db:5432/TCP, expect: allow}
  - {name: could, from: {namespace: backend}, to: backend/db:5432, expect: deny, scope: any}
""")
    r = CliRunner().invoke(main, ["check", path, "--format", "json"])
    assert r.exit_code == 1, r.stderr
    denied, could = json.loads(r.stdout)["results"]
    assert denied["reason"] == "cannot-reach"
    facts = denied["facts"]
    assert (facts["from"], facts["to"], facts["protocol"], facts["port"]) == (
        "frontend/web", "backend/db", "TCP", 5432)
    assert facts["pair"]["from"]["name"] == "frontend/web" and facts["pair"]["allowed"] is False
    assert facts["pair"]["ingress"]["isolated_by"]
    assert denied["message"] == "frontend/web cannot reach backend/db (TCP 5432)"
    assert could["reason"] == "possible-pod"
    assert could["facts"]["witness"]["namespace"] == "backend"
    assert could["facts"]["witness"]["labels"] == {"app": "api"}
