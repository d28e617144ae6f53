"""The style and type checks run as part of the test command, so CI cannot skip them.

ruff (the rule set in pyproject.toml) and ``mypy --strict`` on the package are part
of the README's test command rather than separate CI steps: one command checks
everything, on a developer's machine as in CI.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, capture_output=True,
                          text=True, check=False)


def test_ruff() -> None:
    done = _run("ruff", "check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict() -> None:
    # tests/typed_api.py uses the library API as a user would: its exports must type-check
    # as their real types, never as Any.
    done = _run("mypy", "--strict", "netverify", "tests/typed_api.py")
    assert done.returncode == 0, done.stdout + done.stderr
