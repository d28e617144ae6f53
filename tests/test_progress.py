"""Progress on stderr: phases and bars when stderr is a terminal, nothing otherwise."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner

from netverify.cli import main
from netverify.loader import load_cluster
from netverify.progress import for_stderr
from netverify.queries.matrix import matrix

DEMO = str(Path(__file__).parents[1] / "fixtures" / "demo")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_sees_the_phases_and_a_bar_with_counts() -> None:
    err = _Terminal()
    with for_stderr(err):
        cluster = load_cluster([DEMO])
        matrix(cluster, by="namespace")
    shown = err.getvalue()
    assert "netverify: loading manifests ..." in shown
    assert "netverify: loading manifests: " in shown  # and its time when done
    assert "all pairs" in shown
    assert "pairs by group" in shown


def test_a_pipe_or_file_sees_nothing() -> None:
    err = io.StringIO()  # not a terminal
    with for_stderr(err):
        matrix(load_cluster([DEMO]), by="namespace")
    assert err.getvalue() == ""


def test_the_cli_writes_no_progress_when_stderr_is_not_a_terminal() -> None:
    r = CliRunner().invoke(main, ["matrix", "--by", "namespace", "-f", DEMO])
    assert r.exit_code == 0, r.output
    assert "netverify:" not in r.stderr
    assert "Connectivity by namespace" in r.stdout
