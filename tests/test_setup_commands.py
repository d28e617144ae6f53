"""The README's set-up lines and .ci/run are the same two commands."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_exactly_the_readme_setup() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Set-up"):]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    setup = [line for line in block[1].splitlines() if line.strip()]
    ci = [line for line in (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()
          if line.strip() and not line.startswith(("#", "set ", "cd "))]
    assert setup == ci
    assert len(setup) == 2 and "venv" in setup[0] and "pytest" in setup[1]
