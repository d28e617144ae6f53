"""A bug is exit status 4 with one line on stderr, never 1 ("denied", "findings") or 2.

CI reads 1 as an answer; an unexpected exception is no answer at all.  ``--debug``
keeps the traceback for the bug report.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from netverify.cli import ExitCode, main

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "fixtures" / "demo")
MESSAGE = ("netverify: internal error: RuntimeError: index out of range in \\x1b[2Jclass 7 "
           "(please report it; run with --debug for the traceback)\n")


def boom(*_a: object, **_k: object) -> object:
    raise RuntimeError("index out of range in \x1b[2Jclass 7")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(("target", "args"), [
    ("netverify.queries.can_reach.can_reach", ["can-reach", "frontend/web", "backend/api"]),
    ("netverify.queries.matrix.matrix", ["matrix"]),
    ("netverify.audit.run.audit", ["audit"]),
])
def test_unexpected_exception_is_exit_4_with_one_line(monkeypatch, target, args):
    monkeypatch.setattr(target, boom)
    r = invoke(*args, "-f", DEMO)
    assert r.exit_code == ExitCode.INTERNAL == 4
    assert r.stdout == ""
    assert r.stderr == MESSAGE  # one line, control characters escaped, no traceback


def test_debug_keeps_the_traceback(monkeypatch):
    monkeypatch.setattr("netverify.queries.matrix.matrix", boom)
    r = invoke("--debug", "matrix", "-f", DEMO)
    assert isinstance(r.exception, RuntimeError)
    assert r.exit_code not in (0, 4)


def test_no_output_file_is_written(monkeypatch, tmp_path):
    monkeypatch.setattr("netverify.audit.run.audit", boom)
    r = invoke("audit", "-f", DEMO, "--format", "sarif", "-o", str(tmp_path / "a.sarif"))
    assert r.exit_code == 4 and list(tmp_path.iterdir()) == []


def test_input_and_usage_errors_keep_exit_2():
    assert invoke("can-reach", "frontend/nope", "backend/api", "-f", DEMO).exit_code == 2
    assert invoke("matrix", "-f", DEMO, "--by", "planet").exit_code == 2
    assert invoke("matrix", "-f", str(ROOT / "missing.yaml")).exit_code == 2
    assert invoke("--help").exit_code == 0 and invoke("--version").exit_code == 0


def test_a_closed_pipe_is_not_reported_as_a_bug(monkeypatch):
    def closed(*_a: object, **_k: object) -> object:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr("netverify.queries.matrix.matrix", closed)
    r = invoke("matrix", "-f", DEMO)
    assert r.exit_code == 128 + 13 and "internal error" not in r.stderr
