"""Exit statuses: the one place that decides what every command's answer means to a shell.

``exit_code_for`` takes any query result (and the options that change what fails) and
returns the status, for every command alike: the CLI only passes it on.  It is
exhaustive over the result types (``typing.assert_never``), so a new result type that
is not given a policy here fails the type check instead of exiting 0.

Options that move the line between pass and fail are arguments (``Gates``): ``paths
--fail-on-blocked`` and ``diff --fail-on``.  ``audit --fail-on`` is the exception: every
audit format shows the gate, so it travels in the report (``AuditReport.fail_on``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import assert_never

from netverify.matrix_cells import all_complete
from netverify.results import (
    AuditReport,
    CanReachResult,
    CheckReport,
    DiffResult,
    HypotheticalResult,
    MatrixResult,
    PathsResult,
    Result,
    Severity,
    SuggestResult,
    UrlResult,
    WhoCanReachResult,
)
from netverify.verdicts import Answer, AssertionStatus, SourceStatus


class ExitCode(enum.IntEnum):
    """Exit statuses, the same for every command (documented in the README)."""

    OK = 0  # allowed / passed
    FAILED = 1  # denied / failed
    USAGE = 2  # bad arguments, manifests or specs
    # Neither yes nor no: the solver could not decide (timeout), a hop cannot be checked,
    # or the answer is incomplete (the input holds traffic policies netverify does not
    # evaluate, e.g. a CiliumNetworkPolicy, and they could change it).
    UNDECIDED = 3
    INTERNAL = 4  # a bug in netverify (an unexpected exception): neither yes nor no


class DiffGate(enum.Enum):
    """``diff --fail-on``: which changes fail the command."""

    ALLOW = "allow"  # traffic newly allowed
    DENY = "deny"  # traffic newly denied
    ANY = "any"  # either


# The audit gate a report without one is judged by: the ``audit`` command's default.
DEFAULT_AUDIT_GATE = Severity.ERROR


@dataclass(frozen=True, slots=True, kw_only=True)
class Gates:
    """Command options that make a result fail: without them those commands report only."""

    fail_on_blocked: bool = False  # paths: exit 1 when a route is blocked
    diff_fail_on: DiffGate | None = None  # diff: exit 1 on such a change


NO_GATES = Gates()


def exit_code_for(result: Result, gates: Gates = NO_GATES) -> ExitCode:
    """Map a query result to the process exit status."""
    if isinstance(result, CanReachResult):
        return _can_reach(result)
    if isinstance(result, HypotheticalResult):
        return _hypothetical(result)
    if isinstance(result, UrlResult):
        # Hops an unevaluated object could change are undecided already: a "no" is certain.
        return _answer(result.verdict)
    if isinstance(result, WhoCanReachResult):
        return _who_can_reach(result)
    if isinstance(result, MatrixResult):
        # A matrix reports; only cells it cannot decide (unevaluated objects, cluster-wide
        # policies that leave the answer to the implementation) make it undecided.
        complete = result.coverage.complete and all_complete(result.cells)
        return ExitCode.OK if complete else ExitCode.UNDECIDED
    if isinstance(result, CheckReport):
        return _check(result)
    if isinstance(result, DiffResult):
        return _diff(result, gates.diff_fail_on)
    if isinstance(result, PathsResult):
        return _paths(result, gates.fail_on_blocked)
    if isinstance(result, AuditReport):
        if result.reaches(result.fail_on or DEFAULT_AUDIT_GATE):
            return ExitCode.FAILED  # hidden findings count too: a display filter opens no gate
        # Nothing at the gate, but a question left open (lint's time limit) or policies
        # not evaluated: neither a pass nor a failure.
        complete = result.coverage.complete and not result.undecided
        return ExitCode.OK if complete else ExitCode.UNDECIDED
    if isinstance(result, SuggestResult):
        return _suggest(result)
    assert_never(result)


def _suggest(r: SuggestResult) -> ExitCode:
    """0 proved, 1 the intent is not met (or cannot be), 3 not decided either way."""
    if r.failed:
        return ExitCode.FAILED
    return ExitCode.OK if r.proved and r.coverage.complete else ExitCode.UNDECIDED


def _answer(a: Answer) -> ExitCode:
    if a is Answer.YES:
        return ExitCode.OK
    if a is Answer.NO:
        return ExitCode.FAILED
    if a is Answer.UNDECIDED:
        return ExitCode.UNDECIDED
    assert_never(a)


def _hypothetical(r: HypotheticalResult) -> ExitCode:
    if not r.coverage.complete or r.outcome is Answer.UNDECIDED:
        return ExitCode.UNDECIDED
    return ExitCode.OK if r.allowed else ExitCode.FAILED


def _check(r: CheckReport) -> ExitCode:
    if any(a.status is AssertionStatus.FAIL for a in r.results):
        return ExitCode.FAILED
    # Undecided (the time limit ran out) or incomplete: neither pass nor fail.
    return ExitCode.OK if r.passed else ExitCode.UNDECIDED


def _paths(r: PathsResult, fail_on_blocked: bool) -> ExitCode:
    # Certain: a blocked route is blocked whatever an unevaluated object says.
    if fail_on_blocked and any(p.verdict is Answer.NO for p in r.routes):
        return ExitCode.FAILED
    return ExitCode.OK if r.coverage.complete else ExitCode.UNDECIDED


def _can_reach(r: CanReachResult) -> ExitCode:
    if r.denied:
        return ExitCode.FAILED  # a pair no unevaluated object applies to is denied
    if not r.coverage.complete or r.undecided:
        return ExitCode.UNDECIDED
    return ExitCode.OK if r.allowed else ExitCode.FAILED


def _who_can_reach(r: WhoCanReachResult) -> ExitCode:
    if not r.coverage.complete:
        return ExitCode.UNDECIDED
    anyone = r.existing or any(
        c.status in (SourceStatus.ALL, SourceStatus.SOME) or c.example is not None
        for c in r.classes)
    if anyone:
        return ExitCode.OK
    open_ = any(c.status is SourceStatus.UNDECIDED for c in r.classes)
    return ExitCode.UNDECIDED if open_ else ExitCode.FAILED


def _diff(r: DiffResult, fail_on: DiffGate | None) -> ExitCode:
    """1 when a change ``fail_on`` asks about exists, 3 when one may, else 0.

    With policies netverify does not evaluate, only changes of rows none of them applies
    to are certain, and rows with ports cluster-wide policies leave to the implementation
    are not certain either; anything else is incomplete (3), never a confident 0 or 1.
    """
    complete = r.coverage.complete
    rows = [x for x in r.rows if x.complete]
    allowed = any(not x.added.is_empty for x in rows) or (
        complete and r.any_allowed is Answer.YES)
    denied = any(not x.removed.is_empty for x in rows) or (
        complete and r.any_denied is Answer.YES)
    asked: list[tuple[bool, Answer]] = []
    if fail_on in (DiffGate.ALLOW, DiffGate.ANY):
        asked.append((allowed, r.any_allowed))
    if fail_on in (DiffGate.DENY, DiffGate.ANY):
        asked.append((denied, r.any_denied))
    if any(found for found, _ in asked):
        return ExitCode.FAILED
    if not complete or any(not x.complete for x in r.rows) or any(
            symbolic is Answer.UNDECIDED for _, symbolic in asked):
        return ExitCode.UNDECIDED  # not known to be free of such a change
    return ExitCode.OK
