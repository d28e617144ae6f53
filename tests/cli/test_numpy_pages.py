"""The CLI turns off numpy's transparent-huge-page requests before numpy is imported.

With THP defrag "madvise" (Debian's default) every large array numpy madvises may make
the kernel compact memory synchronously: at 100,000 pods that was 20 s of system time in
a 76 s `matrix --by namespace` (benchmarks/README.md).  A user's own setting wins.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DEMO = str(Path(__file__).resolve().parents[2] / "fixtures" / "demo")
PROBE = (
    "import sys; from netverify.cli import main\n"
    "try:\n"
    f"    main(['--no-cache', 'matrix', '--by', 'namespace', '-f', {DEMO!r}])\n"
    "except SystemExit:\n"
    "    pass\n"
    "import numpy._core.multiarray as m; print('HUGEPAGE', m._get_madvise_hugepage())\n"
)


def _probe(env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         env=env, check=False).stdout
    return out.strip().splitlines()[-1]


def test_the_cli_asks_numpy_for_no_huge_pages() -> None:
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    assert _probe(env) == "HUGEPAGE False"


def test_a_users_setting_wins() -> None:
    env = {**os.environ, "NUMPY_MADVISE_HUGEPAGE": "1"}
    assert _probe(env) == "HUGEPAGE True"
