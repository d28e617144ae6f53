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


_UNDOCUMENTED_AND_TANGLED = '''"""A module."""


def public(x: int) -> int:
    if x == 0:
        return 0
''' + "".join(f"    elif x == {i}:\n        return {i}\n" for i in range(1, 16)) + '''    return -1
'''


def test_ruff_asks_for_docstrings_and_simple_functions_in_the_package(tmp_path: Path) -> None:
    # The rule set of pyproject.toml, on a function with no docstring and 16 branches: in
    # the package it fails pydocstyle (D103) and complexity (C901, at most 15); in the
    # tests neither applies.
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    for folder in ("netverify", "tests"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "tangled.py").write_text(_UNDOCUMENTED_AND_TANGLED)
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache",
                           "--output-format", "concise", "."], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    found = {(path, code) for line in done.stdout.splitlines() if ".py:" in line
             for path, code in [(line.split(":")[0], line.split()[1])]
             if code.startswith("D") or code == "C901"}
    assert found == {("netverify/tangled.py", "D103"), ("netverify/tangled.py", "C901")}, \
        done.stdout + done.stderr
