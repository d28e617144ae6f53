"""``.netverify.yaml`` / ``[tool.netverify]``: found upwards, overridden by options, checked."""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "fixtures" / "demo")


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netverify", *args], cwd=cwd, text=True,
                          capture_output=True, check=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "k8s").symlink_to(DEMO)
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    return tmp_path


def test_inputs_come_from_the_file_found_upwards(project: Path):
    (project / ".netverify.yaml").write_text("files: [k8s]\n")
    r = run(project / "sub" / "deeper", "can-reach", "frontend/web", "backend/api:8080")
    assert r.returncode == 0, r.stderr
    assert "ALLOWED" in r.stdout


def test_pyproject_tool_section(project: Path):
    (project / "pyproject.toml").write_text('[tool.netverify]\nfiles = ["k8s"]\n')
    r = run(project / "sub", "can-reach", "backend/db", "backend/api:8080")
    assert r.returncode == 1, r.stderr  # denied by the demo's policies


def test_command_line_overrides_the_file(project: Path):
    (project / ".netverify.yaml").write_text("files: [does-not-exist]\nrules: [NV102]\n")
    r = run(project, "audit", "-f", "k8s", "--rule", "NV101")
    assert r.returncode == 0, r.stderr
    assert "NV101" in r.stdout and "NV102" not in r.stdout
    r = run(project, "audit", "--rule", "NV101")  # the file's missing input is used
    assert r.returncode == 2 and "does-not-exist" in r.stderr


def test_rule_selection_from_the_file(project: Path):
    (project / ".netverify.yaml").write_text("files: [k8s]\nrules: [NV103]\n")
    r = run(project, "audit", "--wide")
    assert "NV103" in r.stdout and "NV101" not in r.stdout


def test_suppressions_need_a_reason_and_expire(project: Path):
    future = datetime.date.today() + datetime.timedelta(days=30)
    (project / ".netverify.yaml").write_text(
        "files: [k8s]\nrules: [NV101]\nsuppressions:\n"
        f"  - {{rule: NV101, object: Namespace kube-system, reason: reviewed, expires: {future}}}\n"
        "  - {rule: NV101, object: Namespace monitoring, reason: old, expires: 2020-01-01}\n")
    r = run(project, "audit", "--wide")
    assert "Namespace kube-system" not in r.stdout  # suppressed until its date
    assert "Namespace monitoring" in r.stdout  # expired: reported again
    assert ".netverify.yaml:5" in r.stderr and "expired on 2020-01-01" in r.stderr
    (project / ".netverify.yaml").write_text(
        "files: [k8s]\nsuppressions:\n  - rule: NV101\n    object: Namespace x\n")
    r = run(project, "audit")
    assert r.returncode == 2
    assert ".netverify.yaml:3" in r.stderr and "reason is required" in r.stderr


@pytest.mark.parametrize(("text", "line", "key"), [
    ("files: [k8s]\ncolour: red\n", 2, "colour"),
    ("files: [k8s]\ncni: [a, b]\n", 2, "cni"),
    ("suppressions:\n  - {rule: NV1, object: o, reason: r, expires: soon}\n", 2,
     "suppressions.0.expires"),
])
def test_a_bad_file_is_exit_2_naming_file_line_and_key(project: Path, text: str, line: int,
                                                       key: str):
    (project / ".netverify.yaml").write_text(text)
    r = run(project, "matrix")
    assert r.returncode == 2
    assert f".netverify.yaml:{line}: {key}" in r.stderr
    assert "Traceback" not in r.stderr


def test_config_show_and_list_rules(project: Path):
    (project / ".netverify.yaml").write_text("files: [k8s]\ncni: calico\n")
    r = run(project / "sub", "config", "show")
    assert r.returncode == 0, r.stderr
    assert ".netverify.yaml" in r.stdout and "cni: calico" in r.stdout
    r = run(project, "audit", "--list-rules")
    assert r.returncode == 0
    assert any(x.startswith("NV101 ") for x in r.stdout.splitlines())
