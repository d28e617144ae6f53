"""Colour and width as terminals expect: no-color.org, TERM=dumb, --color, COLUMNS, --wide.

The colour cases run the real command under a pseudo-terminal or a pipe, since what
counts is what reaches the terminal (click strips colour on its own when piped).
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from netverify.terminal import color_enabled, table_width

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "fixtures" / "demo")
ESC = b"\x1b["
ARGS = ["can-reach", "frontend/web", "backend/api:8080", "-f", DEMO]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM", "COLUMNS")}
    env["TERM"] = "xterm-256color"
    env.update(extra)
    return env


def _on_tty(args: list[str], env: dict[str, str]) -> bytes:
    """Stdout of netverify run with a pseudo-terminal as its stdout."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "netverify", *args], stdout=slave,
                            stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        out += chunk
    proc.wait()
    os.close(master)
    return out


def _piped(args: list[str], env: dict[str, str]) -> bytes:
    return subprocess.run([sys.executable, "-m", "netverify", *args], capture_output=True,
                          env=env, check=False).stdout


def test_auto_colours_a_terminal():
    assert ESC in _on_tty(ARGS, _env())


@pytest.mark.parametrize("extra", [{"NO_COLOR": "1"}, {"NO_COLOR": "yes"}, {"TERM": "dumb"}])
def test_no_color_and_dumb_terminal_turn_auto_off(extra: dict[str, str]):
    out = _on_tty(ARGS, _env(**extra))
    assert b"ALLOWED" in out and ESC not in out


def test_an_empty_no_color_changes_nothing():
    # no-color.org: "when present and not an empty string"
    assert ESC in _on_tty(ARGS, _env(NO_COLOR=""))


def test_always_colours_through_a_pipe_and_beats_no_color():
    assert ESC in _piped([*ARGS, "--color", "always"], _env())
    assert ESC in _piped([*ARGS, "--color", "always"], _env(NO_COLOR="1"))


def test_never_and_auto_on_a_pipe_do_not_colour():
    assert ESC not in _on_tty([*ARGS, "--color", "never"], _env())
    assert ESC not in _piped(ARGS, _env())


def test_color_decision_table():
    assert color_enabled("auto", tty=True, env={}) is True
    assert color_enabled("auto", tty=False, env={}) is False
    assert color_enabled("auto", tty=True, env={"NO_COLOR": "0"}) is False  # any value
    assert color_enabled("auto", tty=True, env={"TERM": "dumb"}) is False
    assert color_enabled("always", tty=False, env={"TERM": "dumb"}) is True
    assert color_enabled("never", tty=True, env={}) is False


def test_table_width_from_columns_terminal_and_wide():
    assert table_width(tty=False, wide=False, env={"COLUMNS": "100"}) == 100
    assert table_width(tty=False, wide=False, env={}) is None  # a pipe: whole cells
    assert table_width(tty=True, wide=True, env={"COLUMNS": "100"}) is None
    assert table_width(tty=False, wide=False, env={"COLUMNS": "5"}) == 40
    assert table_width(tty=False, wide=False, env={"COLUMNS": "x"}) is None


def _widest(args: list[str], **env: str) -> tuple[int, str]:
    """The widest table line (prose notes are left to the terminal's own wrapping)."""
    r = subprocess.run([sys.executable, "-m", "netverify", *args], capture_output=True,
                       env=_env(**env), check=False, text=True)
    assert r.returncode == 0, r.stderr
    lines = [x for x in r.stdout.splitlines() if not x.startswith("note: ")]
    return max(len(x) for x in lines), r.stdout


@pytest.mark.parametrize("args", [["audit", "-f", DEMO], ["matrix", "-f", DEMO],
                                  ["paths", "-f", str(ROOT / "fixtures" / "services")]])
def test_tables_fit_columns_and_wide_disables(args: list[str]):
    unlimited, full = _widest(args)
    assert unlimited > 80  # the case is only a test if the table is wider
    width, _ = _widest(args, COLUMNS="80")
    assert width <= 80
    wide, text = _widest([*args, "--wide"], COLUMNS="80")
    assert wide == unlimited and text == full


def test_wrapped_audit_loses_no_word():
    # Wrapping moves words between lines, never drops one (no truncation).
    _, full = _widest(["audit", "-f", DEMO])
    _, fitted = _widest(["audit", "-f", DEMO], COLUMNS="100")
    def chars(text: str) -> list[str]:
        return sorted(c for c in text if not c.isspace() and c != "-")
    assert fitted != full
    assert chars(fitted) == chars(full)


def test_a_split_matrix_keeps_every_cell():
    _, fitted = _widest(["matrix", "-f", DEMO], COLUMNS="60")
    assert "part 1 of" in fitted
    _, full = _widest(["matrix", "-f", DEMO])
    # every destination column appears once as a header, every row name in each part
    assert fitted.count("frontend/web ") >= full.count("frontend/web ")
