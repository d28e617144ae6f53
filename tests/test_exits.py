"""exit_code_for owns every command's exit status, options that change it included."""

from __future__ import annotations

import dataclasses

import pytest

from netverify.exits import DiffGate, ExitCode, Gates, exit_code_for
from netverify.results import Severity
from netverify.verdicts import Answer
from tests.renderers.samples import results


def test_a_value_that_is_no_result_is_a_bug_not_a_yes() -> None:
    with pytest.raises(AssertionError):
        exit_code_for(object())  # type: ignore[arg-type]


def test_paths_fail_on_blocked() -> None:
    r = results()["paths"]
    assert any(p.verdict is Answer.NO for p in r.routes)  # type: ignore[attr-defined]
    assert exit_code_for(r) is ExitCode.OK  # type: ignore[arg-type]
    blocked = Gates(fail_on_blocked=True)
    assert exit_code_for(r, blocked) is ExitCode.FAILED  # type: ignore[arg-type]


def test_diff_fail_on() -> None:
    r = results()["diff"]  # old lacks backend/db's policy: api -> db is newly allowed
    assert exit_code_for(r) is ExitCode.OK  # type: ignore[arg-type]
    for gate, code in ((DiffGate.ALLOW, ExitCode.FAILED), (DiffGate.ANY, ExitCode.FAILED),
                       (DiffGate.DENY, ExitCode.OK)):
        assert exit_code_for(r, Gates(diff_fail_on=gate)) is code  # type: ignore[arg-type]
    open_ = dataclasses.replace(r, rows=(), witnesses=(),  # type: ignore[type-var]
                                any_allowed=Answer.NO, any_denied=Answer.UNDECIDED)
    assert exit_code_for(open_, Gates(diff_fail_on=DiffGate.ALLOW)) is ExitCode.OK
    assert exit_code_for(open_, Gates(diff_fail_on=DiffGate.DENY)) is ExitCode.UNDECIDED


def test_audit_fail_on_travels_in_the_report() -> None:
    r = results()["audit"]
    levels = {r.severity(f) for f in r.findings}  # type: ignore[attr-defined]
    assert Severity.ERROR not in levels and levels  # the demo has warnings and infos only
    assert exit_code_for(r) is ExitCode.OK  # type: ignore[arg-type]
    for gate in (Severity.WARNING, Severity.INFO):
        gated = dataclasses.replace(r, fail_on=gate)  # type: ignore[type-var]
        assert exit_code_for(gated) is ExitCode.FAILED
