"""The loaded model is kept out of the garbage collector's sight only in the program.

The CLI freezes the objects alive once the model is loaded (``gc.freeze``): the model
lives until the process exits and holds no cycles, and the collector would otherwise
traverse it again and again.  Called in-process (tests, scripts), the command must
hand everything back to the collector when it ends, or cyclic garbage alive at that
moment would never be collected.
"""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from netverify.cli import main

DEMO = str(Path(__file__).parents[2] / "fixtures" / "demo")
QUESTION = ["--no-config", "--no-cache", "can-reach", "frontend/web", "backend/api:8080",
            "-f", DEMO]


def test_in_process_the_command_leaves_nothing_frozen_and_the_collector_on() -> None:
    before = gc.get_freeze_count()
    result = CliRunner().invoke(main, QUESTION)
    assert result.exit_code in (0, 1), result.output
    assert gc.get_freeze_count() == before
    assert gc.isenabled()


def test_the_program_keeps_the_loaded_model_frozen_until_it_exits() -> None:
    probe = ("import atexit, gc, sys\n"
             "atexit.register(lambda: print('frozen', gc.get_freeze_count(), file=sys.stderr))\n"
             f"sys.argv = ['netverify', *{QUESTION!r}]\n"
             "from netverify.cli import run\n"
             "run()\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    frozen = [line for line in done.stderr.splitlines() if line.startswith("frozen ")]
    assert frozen and int(frozen[-1].split()[1]) > 0, done.stderr
