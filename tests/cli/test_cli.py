"""CLI wiring: exit codes, streams, formats.  Semantics are tested below the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "fixtures" / "demo")


def run(*args: str, input: str | None = None):
    result = CliRunner().invoke(main, list(args), input=input)
    # A traceback reaching the user is a bug: only SystemExit may end a run.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_allowed_exits_0_and_explains():
    r = run("can-reach", "frontend/web", "backend/api:8080", "-f", DEMO)
    assert r.exit_code == 0
    assert r.stdout.startswith("ALLOWED  frontend/web -> backend/api  (TCP 8080)")
    assert "allowed by backend/api spec.ingress[0].from[0]" in r.stdout
    assert "backend.yaml:" in r.stdout


def test_denied_exits_1_and_names_isolating_policies():
    r = run("can-reach", "frontend/web", "backend/db:5432", "-f", DEMO)
    assert r.exit_code == 1
    assert r.stdout.startswith("DENIED")
    assert "isolated by backend/db" in r.stdout


def test_named_port_and_protocol_suffix():
    r = run("can-reach", "backend/api", "backend/db:postgres", "-f", DEMO)
    assert r.exit_code == 0
    r = run("can-reach", "frontend/web", "kube-system/kube-dns:53/UDP", "-f", DEMO)
    assert r.exit_code == 0 and "(UDP 53)" in r.stdout


def test_without_port_lists_allowed_ports():
    r = run("can-reach", "frontend/web", "kube-system/coredns", "-f", DEMO)
    assert r.exit_code == 0
    assert "TCP 53; UDP 53" in r.stdout


def test_unknown_endpoint_is_a_usage_error_with_candidates():
    r = run("can-reach", "frontend/wbe", "backend/db", "-f", DEMO)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "netverify: error: no pod, workload or app label named 'wbe'" in r.stderr
    assert "web" in r.stderr


def test_bad_manifest_is_exit_2_with_location(tmp_path):
    bad = tmp_path / "policies.yaml"
    bad.write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                   "metadata: {name: x, namespace: y}\n"
                   "spec: {podSelector: {}, ingress: [{ports: [{port: 80, endPort: 70}]}]}\n")
    r = run("can-reach", "y/a", "y/b", "-f", str(bad))
    assert r.exit_code == 2
    assert "policies.yaml:4:64: document 1 (NetworkPolicy y/x)" in r.stderr
    assert "Traceback" not in r.stderr


def test_json_schema_of_can_reach():
    r = run("can-reach", "frontend/web", "backend/api:8080", "-f", DEMO, "--format", "json")
    data = json.loads(r.stdout)
    assert data["schema_version"] == 2 and data["query"] == "can-reach"
    assert data["allowed"] is True and data["port"] == 8080 and data["protocol"] == "TCP"
    pair = data["pairs"][0]
    assert pair["from"]["name"] == "frontend/web" and pair["to"]["name"] == "backend/api"
    assert pair["connections"] == {"TCP": "8080"}
    rule = pair["ingress"]["rules"][0]
    assert rule["policy"] == "backend/api" and rule["field"] == "spec.ingress[0].from[0]"
    assert rule["source"]["file"].endswith("backend.yaml")


def test_stdin_input():
    text = (ROOT / "fixtures" / "demo" / "backend.yaml").read_text()
    r = run("can-reach", "backend/api", "backend/db:5432", "-f", "-", input=text)
    assert r.exit_code == 0


def test_matrix_text_json_csv_md():
    r = run("matrix", "-f", DEMO)
    assert r.exit_code == 0 and "Connectivity by pod" in r.stdout
    data = json.loads(run("matrix", "-f", DEMO, "--format", "json").stdout)
    assert data["query"] == "matrix" and data["by"] == "pod"
    row = next(x for x in data["results"]
               if x["from"] == "frontend/web" and x["to"] == "backend/api")
    assert row == {"from": "frontend/web", "to": "backend/api", "connections": {"TCP": "8080"},
                   "complete": True}
    assert not any(x["from"] == "frontend/web" and x["to"] == "backend/db"
                   for x in data["results"])  # no connection: left out
    with_port = json.loads(run("matrix", "-f", DEMO, "--port", "5432", "--format",
                               "json").stdout)
    assert len(with_port["results"]) == len(with_port["nodes"]) ** 2
    assert {"from": "backend/api", "to": "backend/db", "port": 5432, "protocol": "TCP",
            "allowed": True, "complete": True} in with_port["results"]
    rows = list(csv.DictReader(io.StringIO(run("matrix", "-f", DEMO, "--format", "csv").stdout)))
    assert any(r["from"] == "frontend/web" and r["TCP"] == "8080" for r in rows)
    md = run("matrix", "-f", DEMO, "--by", "namespace", "--format", "md").stdout
    assert md.startswith("### Connectivity by namespace") and "|" in md


@pytest.mark.parametrize("by", ["workload", "namespace"])
def test_matrix_groups_count_pairs(by):
    data = json.loads(run("matrix", "-f", DEMO, "--by", by, "--format", "json").stdout)
    for x in data["results"]:
        assert 0 <= x["allowed_pairs"] <= x["pairs"]


def test_matrix_namespace_filter_and_unknown_namespace():
    r = run("matrix", "-f", DEMO, "-n", "backend", "--format", "json")
    assert set(json.loads(r.stdout)["nodes"]) == {"backend/api", "backend/db"}
    assert run("matrix", "-f", DEMO, "-n", "nope").exit_code == 2


def test_unsupported_format_is_a_clear_error():
    r = run("can-reach", "frontend/web", "backend/api", "-f", DEMO, "--format", "csv")
    assert r.exit_code == 2


def test_output_file_written_only_on_success(tmp_path):
    out = tmp_path / "m.json"
    r = run("matrix", "-f", DEMO, "--format", "json", "-o", str(out))
    assert r.exit_code == 0 and json.loads(out.read_text())["query"] == "matrix"
    out2 = tmp_path / "none.json"
    run("matrix", "-f", str(tmp_path / "missing"), "--format", "json", "-o", str(out2))
    assert not out2.exists()


def test_matrix_engines_agree_on_the_demo():
    concrete = json.loads(run("matrix", "-f", DEMO, "--format", "json").stdout)
    smt = json.loads(run("matrix", "-f", DEMO, "--format", "json", "--engine", "smt").stdout)
    assert concrete["results"] == smt["results"]
    assert run("matrix", "-f", DEMO, "--engine", "smt", "--by", "namespace").exit_code == 2
