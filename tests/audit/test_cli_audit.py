"""``netverify audit`` wiring: exit codes, formats, ``--min-severity`` and ``-o``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from netverify.cli import main
from netverify.errors import NetverifyError

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "fixtures" / "demo")

CLEAN = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
"""
BROKEN_SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}, ports: [{port: 80}]}
"""


def run(*args: str) -> Result:
    r = CliRunner().invoke(main, ["audit", *args])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.output
    return r


def write(tmp_path: Path, text: str) -> str:
    p = tmp_path / "in.yaml"
    p.write_text(text)
    return str(p)


def test_exit_0_without_findings_at_fail_on(tmp_path):
    assert run("-f", write(tmp_path, CLEAN)).exit_code == 0


def test_exit_1_when_a_finding_reaches_fail_on(tmp_path):
    f = write(tmp_path, CLEAN + "---" + BROKEN_SERVICE)  # NV501 is an error
    assert run("-f", f, "--rule", "NV501").exit_code == 1
    assert run("-f", f, "--rule", "NV101").exit_code == 0


def test_fail_on_lower_threshold_counts_warnings():
    assert run("-f", DEMO, "--rule", "NV101").exit_code == 0
    assert run("-f", DEMO, "--rule", "NV101", "--fail-on", "warning").exit_code == 1


def test_min_severity_hides_but_does_not_open_the_gate():
    r = run("-f", DEMO, "--rule", "NV101", "--min-severity", "error", "--fail-on", "warning")
    assert r.exit_code == 1
    assert r.stdout.startswith("no findings")
    assert "2 below --min-severity error not shown" in r.stdout


GATE = "exit 1: 2 hidden finding(s) at or above warning (--min-severity error hides them)"


@pytest.mark.parametrize("fmt", ["text", "md", "html", "json", "sarif"])
def test_every_format_says_when_hidden_findings_decide_the_exit_status(fmt):
    r = run("-f", DEMO, "--rule", "NV101", "--min-severity", "error", "--fail-on", "warning",
            "--format", fmt)
    assert r.exit_code == 1
    if fmt == "text":
        assert r.stdout.splitlines()[-1] == GATE
    elif fmt == "md":
        assert f"**{GATE}.**" in r.stdout
    elif fmt == "html":
        assert "Exit 1: 2 hidden finding(s) at or above warning" in r.stdout
    elif fmt == "json":
        gate = json.loads(r.stdout)["gate"]
        assert gate == {"fail_on": "warning", "failed": True, "hidden_at_or_above": 2,
                            "exit_status": 1}
    else:
        (inv,) = json.loads(r.stdout)["runs"][0]["invocations"]
        assert inv["exitCode"] == 1
        assert inv["toolExecutionNotifications"][0]["message"]["text"] == GATE


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_no_gate_sentence_when_hidden_findings_do_not_decide(fmt):
    r = run("-f", DEMO, "--rule", "NV101", "--min-severity", "error", "--format", fmt)
    assert r.exit_code == 0
    assert "exit 1" not in r.stdout.lower()
    r = run("-f", DEMO, "--rule", "NV101", "--fail-on", "warning", "--format", fmt)
    assert r.exit_code == 1 and "exit 1" not in r.stdout.lower()  # the findings are shown


def test_json_gate_without_hidden_findings():
    gate = json.loads(run("-f", DEMO, "--format", "json").stdout)["gate"]
    assert gate == {"fail_on": "error", "failed": False, "hidden_at_or_above": 0,
                    "exit_status": 0}


def test_exit_2_on_bad_input(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Pod\nmetadata: {name: [oops]\n")
    r = run("-f", str(bad))
    assert r.exit_code == 2 and r.stdout == "" and "netverify: error:" in r.stderr
    r = run("-f", DEMO, "--rule", "NV999")
    assert r.exit_code == 2 and "unknown rule NV999" in r.stderr
    assert run("-f", DEMO, "--format", "junit").exit_code == 2


@pytest.mark.parametrize("fmt", ["text", "md", "html", "json", "sarif"])
def test_output_file_per_format(tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    r = run("-f", DEMO, "--format", fmt, "-o", str(out))
    assert r.exit_code == 0 and r.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert text
    if fmt in ("json", "sarif"):
        json.loads(text)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


def test_output_replaces_an_existing_file_and_keeps_its_mode(tmp_path):
    out = tmp_path / "report.md"
    out.write_text("old")
    out.chmod(0o640)
    assert run("-f", DEMO, "--format", "md", "-o", str(out)).exit_code == 0
    assert out.read_text().startswith("# netverify audit")
    assert out.stat().st_mode & 0o777 == 0o640


def test_failed_render_leaves_no_file(tmp_path, monkeypatch):
    def boom(*_a: object, **_k: object) -> Iterator[str]:
        yield "<html>"  # output is written as it is rendered: a failure midway, too
        raise NetverifyError("renderer failed")

    monkeypatch.setattr("netverify.cli.render_chunks", boom)
    out = tmp_path / "report.html"
    r = run("-f", DEMO, "--format", "html", "-o", str(out))
    assert r.exit_code == 2 and "renderer failed" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    out = tmp_path / "report.sarif"
    out.write_text("previous report")

    def fail(*_a: object, **_k: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("netverify.cli.os.replace", fail)
    r = run("-f", DEMO, "--format", "sarif", "-o", str(out))
    assert r.exit_code == 2 and "No space left on device" in r.stderr
    assert out.read_text() == "previous report"
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_unwritable_destination_is_a_clear_error(tmp_path):
    r = run("-f", DEMO, "-o", str(tmp_path / "missing" / "report.txt"))
    assert r.exit_code == 2 and "cannot write" in r.stderr
