"""The command-wide time limit: one deadline shared by every solver check of a command."""

from __future__ import annotations

import z3

from netverify.deadline import Deadline
from netverify.engines.smt.solve import Outcome, check, new_solver


class Clock:
    """A fake monotonic clock that moves only when told (or on every reading)."""

    def __init__(self, step: float = 0.0) -> None:
        self.now = 100.0
        self.step = step

    def __call__(self) -> float:
        t = self.now
        self.now += self.step
        return t


def test_clock_starts_at_the_first_check_not_at_creation():
    clock = Clock()
    d = Deadline(2_000, clock=clock)
    clock.now += 50  # loading, concrete work: not counted
    assert d.remaining_ms() == 2_000
    clock.now += 1.5
    assert d.remaining_ms() == 500 and not d.expired()
    clock.now += 0.5
    assert d.remaining_ms() == 0 and d.expired()


def test_every_check_gets_what_is_left_and_none_after_the_end():
    clock = Clock()
    d = Deadline(1_000, clock=clock)
    s = new_solver(d)
    x = z3.Int("x")
    s.add(x > 0)
    assert check(s, x < 5).outcome is Outcome.YES
    clock.now += 0.999
    assert check(s, x < 5).outcome is Outcome.YES  # 1 ms left is still time
    clock.now += 0.001
    r = check(s, x < 5)  # trivial, but the command's time is used up
    assert r.outcome is Outcome.UNDECIDED
    assert "--smt-timeout" in (r.reason or "") and "whole command" in (r.reason or "")


def test_the_solver_is_given_the_remaining_time(monkeypatch):
    clock = Clock()
    d = Deadline(10_000, clock=clock)
    s = new_solver(d)
    given: list[object] = []
    real = type(s).set

    def spy(self, *args):  # type: ignore[no-untyped-def]
        given.append(args)
        return real(self, *args)

    monkeypatch.setattr(type(s), "set", spy)
    check(s, z3.BoolVal(True))
    clock.now += 7.5
    check(s, z3.BoolVal(True))
    assert given == [("timeout", 10_000), ("timeout", 2_500)]
