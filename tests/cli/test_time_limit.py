"""--smt-timeout bounds a whole command: past it, undecided (exit 3), never yes or no."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from netverify.cli import ExitCode, exit_code_for, main
from netverify.ports import PortSet
from netverify.renderers.assertions import assertion_message
from netverify.results import (
    AssertionReason,
    AssertionResult,
    AuditReport,
    CheckReport,
    Severity,
    SourceClass,
    WhoCanReachResult,
)
from netverify.verdicts import AssertionScope, AssertionStatus, Expect, SourceStatus
from tests.shapes import many_peers

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "fixtures" / "demo")


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture
def locked(tmp_path: Path) -> str:
    """Nothing can reach a/t, but each of its 60 source families needs the solver."""
    path = tmp_path / "locked.yaml"
    path.write_text(yaml.safe_dump_all(many_peers(60)))
    return str(path)


def test_a_tiny_limit_leaves_who_can_reach_undecided_not_denied(locked):
    decided = run("who-can-reach", "a/t", "-f", locked)
    assert decided.exit_code == 1 and "undecided" not in decided.stdout
    # 1 ms for 120 checks together: most families are left open, and "nothing can reach
    # a/t" must not be said.
    r = run("who-can-reach", "a/t", "-f", locked, "--smt-timeout", "0.001")
    assert r.exit_code == ExitCode.UNDECIDED
    assert "undecided (solver limit)" in r.stdout
    assert "of 60 source families" in r.stdout and "raise --smt-timeout" in r.stdout


@pytest.fixture
def expired(monkeypatch):
    """Every deadline has already run out: each solver question is left undecided."""
    from netverify.deadline import Deadline

    monkeypatch.setattr(Deadline, "remaining_ms", lambda self: 0)


def spec(tmp_path: Path) -> str:
    p = tmp_path / "s.yaml"
    p.write_text(f"""manifests: [{DEMO}]
assertions:
  - {{name: decided without the solver, from: frontend/web, to: backend/api:8080, expect: allow}}
  - name: needs the solver
    from: {{namespace: frontend}}
    to: backend/db
    port: 5432
    expect: deny
    scope: any
""")
    return str(p)


def test_every_solver_command_says_undecided_once_the_time_is_up(expired, tmp_path, locked):
    r = run("can-reach", "--hypothetical", "frontend/*", "backend/db:5432", "-f", DEMO)
    assert r.exit_code == 3 and r.stdout.startswith("UNDECIDED")
    assert "raise --smt-timeout" in r.stdout

    r = run("can-reach", "--engine", "smt", "frontend/web", "backend/api", "-f", DEMO)
    assert r.exit_code == 3 and r.stdout == ""
    assert r.stderr.startswith("netverify: undecided: ") and "--smt-timeout" in r.stderr

    r = run("matrix", "--engine", "smt", "-n", "backend", "-f", DEMO)
    assert r.exit_code == 3 and "--smt-timeout" in r.stderr

    r = run("who-can-reach", "a/t", "-f", locked)
    assert r.exit_code == 3

    r = run("lint", "-f", DEMO)  # the demo has no findings
    assert r.exit_code == 3
    assert r.stdout.startswith("no findings\nundecided: 23 question(s) were not decided in time")
    assert "\n  backend/api: " in r.stdout and "raise --smt-timeout" in r.stdout

    r = run("check", spec(tmp_path))
    assert r.exit_code == 3
    assert "1 passed, 0 failed, 1 undecided" in r.stdout

    changed = tmp_path / "changed"  # egress for canaries, a label no existing pod has
    shutil.copytree(DEMO, changed)
    (changed / "canary.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: canary, namespace: backend}\n"
        "spec: {podSelector: {matchLabels: {track: canary}}, policyTypes: [Egress],\n"
        "       egress: [{ports: [{port: 8443}]}]}\n")
    r = run("diff", DEMO, str(changed), "--fail-on", "any")
    assert r.exit_code == 3
    assert "newly allowed for some pod that could exist: undecided" in r.stdout
    assert "newly allowed (pod to pod): the solver could not decide" in r.stdout
    assert run("diff", DEMO, str(changed)).exit_code == 0  # no gate asked for: a report
    # Identical policy sets are proved equal by identity: no question is left to the solver.
    r = run("diff", DEMO, DEMO, "--fail-on", "any")
    assert r.exit_code == 0
    assert "newly allowed for some pod that could exist: no (proved)" in r.stdout


def test_what_is_decided_stays_decided(expired):
    # Someone existing reaches backend/api: that is yes, whatever the families say.
    r = run("who-can-reach", "backend/api", "-f", DEMO)
    assert r.exit_code == 0 and "undecided (solver limit)" in r.stdout


def _family(status: str, example: bool = False) -> SourceClass:
    from netverify.results import WitnessPod

    w = WitnessPod(namespace="n", name="p", labels=(), namespace_labels=(), existing=False,
                   new_namespace=False, ips=()) if example else None
    return SourceClass(description="pods", ports=PortSet.all(), rule=None,
                       status=SourceStatus(status), example=w)


@pytest.mark.parametrize(("statuses", "code"), [
    (["none", "undecided"], ExitCode.UNDECIDED),
    (["none", "none"], ExitCode.FAILED),
    (["undecided", "all"], ExitCode.OK),
])
def test_who_can_reach_exit_status(statuses, code):
    r = WhoCanReachResult(dst="a/t", port=None, protocol=None, existing=(),
                          classes=tuple(_family(s) for s in statuses), isolated=True)
    assert exit_code_for(r) is code


def test_a_family_with_a_witness_is_a_yes_even_if_its_extent_is_open():
    r = WhoCanReachResult(dst="a/t", port=None, protocol=None, existing=(),
                          classes=(_family("undecided", example=True),), isolated=True)
    assert exit_code_for(r) is ExitCode.OK


def _assertion(status: str) -> AssertionResult:
    return AssertionResult(file="s.yaml", index=0, name="x", expect=Expect.DENY,
                           scope=AssertionScope.ANY, status=AssertionStatus(status),
                           reason=AssertionReason.CHECKED)


@pytest.mark.parametrize(("statuses", "code"), [
    (["pass", "undecided"], ExitCode.UNDECIDED),
    (["fail", "undecided"], ExitCode.FAILED),
    (["pass"], ExitCode.OK),
])
def test_check_exit_status(statuses, code):
    r = CheckReport(results=tuple(_assertion(s) for s in statuses), files=("s.yaml",))
    assert exit_code_for(r) is code


def test_lint_with_nothing_found_but_something_open_is_undecided():
    assert exit_code_for(AuditReport(findings=(), rules={}, fail_on=Severity.INFO,
                                     undecided=("a/p: time",))) is ExitCode.UNDECIDED
    assert exit_code_for(AuditReport(findings=(), rules={},
                                     fail_on=Severity.INFO)) is ExitCode.OK


@pytest.mark.parametrize("command", ["can-reach", "who-can-reach", "lint", "check", "diff",
                                     "matrix"])
def test_help_says_the_limit_is_for_the_whole_command(command):
    r = run(command, "--help")
    text = " ".join(r.stdout.split())
    assert "--smt-timeout SECONDS" in text
    assert "Time limit for ALL the solver work of this command together (not per check)" in text
    assert "undecided (exit 3)" in text


class _SteppingClock:
    """Each reading is 10 ms after the previous one."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.01
        return self.now


def test_lint_builds_nothing_more_once_the_time_is_up(monkeypatch):
    import netverify.engines.smt.engine as engine
    import netverify.queries.lint as lint_module
    from netverify.deadline import Deadline
    from netverify.loader import load_cluster

    monkeypatch.setattr(engine, "Deadline", lambda ms: Deadline(ms, clock=_SteppingClock()))
    built = []
    real = lint_module.Encoder

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        built.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(lint_module, "Encoder", counting)
    r = lint_module.find_redundant(load_cluster([DEMO]), timeout_ms=50)
    assert r.findings == () and r.undecided
    reason = ("the time limit of 0.05 s for the whole command ran out before this was "
              "decided; raise --smt-timeout to decide it")
    assert all(u.endswith(reason) for u in r.undecided)
    assert len(r.undecided) >= 15  # of the 7 policies and 10 rules, almost all are open ...
    assert len(built) < 5  # ... and were not even encoded


def test_check_skips_the_assertions_left_after_the_time_is_up(monkeypatch, tmp_path):
    import netverify.queries.check as check_module
    from netverify.deadline import Deadline
    from netverify.loader import load_cluster

    monkeypatch.setattr(check_module, "Deadline",
                        lambda ms: Deadline(ms, clock=_SteppingClock()))
    p = tmp_path / "s.yaml"
    p.write_text(f"""manifests: [{DEMO}]
assertions:
  - {{name: first, from: {{namespace: frontend}}, to: backend/db, port: 5432, expect: deny,
     scope: any}}
  - {{name: second, from: {{namespace: frontend}}, to: backend/api, port: 8080, expect: allow,
     scope: any}}
""")
    # The first assertion's check gets the only 10 ms there are (real ones for Z3); by the
    # second, the clock has moved past the end.
    first, second = check_module.check([str(p)], load=load_cluster, timeout_ms=10).results
    assert first.status in (AssertionStatus.PASS, AssertionStatus.UNDECIDED)
    assert second.status is AssertionStatus.UNDECIDED
    assert second.reason is AssertionReason.TIME_LIMIT and "raise --smt-timeout" in second.why
    assert assertion_message(second) == f"not checked: {second.why}"
