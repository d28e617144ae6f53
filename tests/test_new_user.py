"""A new user's first steps, from a fresh copy with the documented commands alone.

Issue 17's "how to test": from a clone, the README's set-up line gets a first answer,
the pre-commit hook of docs/ci.md runs ``netverify check`` green, and the README's audit
line writes a SARIF file.  Each command is read from the docs, not restated here, so a
doc that drifts from what works fails this test.  It installs into a new virtual
environment and a new pre-commit home, through the package index pip is configured
with: minutes, hence ``slow``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parent.parent
SARIF_SCHEMA = ROOT / "tests" / "schemas" / "sarif-2.1.0.json"


def _doc_line(doc: str, pattern: str) -> str:
    m = re.search(pattern, (ROOT / doc).read_text(encoding="utf-8"), re.M)
    assert m, f"{doc} no longer shows {pattern!r}"
    return m[1].strip()


def _bash(cwd: Path, command: str, env: dict[str, str], ok: tuple[int, ...] = (0,)
          ) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=1800, check=False)
    assert proc.returncode in ok, f"{command}: exit {proc.returncode}\n{proc.stdout}\n" \
                                  f"{proc.stderr[-4000:]}"
    return proc


@pytest.mark.slow
def test_clone_to_first_answer_green_hook_and_sarif(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed (pre-commit needs a git repository)")
    repo = tmp_path / "netverify"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "__pycache__", "*.egg-info", "build", "dist", ".*_cache",
        ".hypothesis", "out"))
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env |= {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit"), "GIT_AUTHOR_NAME": "new user",
            "GIT_AUTHOR_EMAIL": "user@example.com", "GIT_COMMITTER_NAME": "new user",
            "GIT_COMMITTER_EMAIL": "user@example.com", "NO_COLOR": "1"}
    _bash(repo, "git init -q && git add -A && git commit -q -m clone", env)

    # README "Set-up", first line: a virtual environment, the install and a first answer.
    setup = _doc_line("README.md", r"^## Set-up\n(?:.*\n)*?```sh\n(.+)\n")
    first = _bash(repo, setup, env)
    assert "ALLOWED  frontend/web -> backend/api  (TCP 8080)" in first.stdout

    # docs/ci.md: the hooks tried from a checkout, in the activated environment.
    hook = _doc_line("docs/ci.md", r"^(pre-commit try-repo \S+ netverify-check --all-files)$")
    hook = hook.replace("/path/to/netverify", ".")
    out = _bash(repo, f". .venv/bin/activate && {hook}", env)
    assert re.search(r"^netverify check\.+Passed$", out.stdout, re.M), out.stdout

    # README "Reports": the audit for code scanning.
    audit = _doc_line("README.md", r"^\$ (netverify audit \S+ \S+ --format sarif -o \S+)")
    _bash(repo, f". .venv/bin/activate && {audit}", env, ok=(0, 1))
    sarif_file = repo / audit.split(" -o ", 1)[1].split()[0]
    sarif = json.loads(sarif_file.read_text(encoding="utf-8"))
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
