"""One time limit for a whole command's solver work, shared by every check it makes.

A limit per solver call does not bound a command that makes thousands of calls
(``who-can-reach`` with thousands of peers, ``lint`` over thousands of rules),
so a query makes one ``Deadline`` and every check gets only what is left of
it.  Once it has run out, what is still open is reported as undecided, never
guessed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

OPTION = "--smt-timeout"  # the CLI option that sets the limit, named in messages
DEFAULT_TIMEOUT_MS = 60_000


class Deadline:
    """A wall-clock limit, counted from the first time it is consulted (the first check).

    Loading and the concrete engine's work before the first solver question do
    not count; everything after it does, formula building included.
    """

    def __init__(self, timeout_ms: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.timeout_ms = timeout_ms
        self._clock = clock
        self._end: float | None = None

    def remaining_ms(self) -> int:
        """Milliseconds left (0 once the limit is reached); starts the clock."""
        now = self._clock()
        if self._end is None:
            self._end = now + self.timeout_ms / 1000
        return max(0, int((self._end - now) * 1000))

    def expired(self) -> bool:
        """True once no time is left (asking does not start the clock).

        Callers check it before building formulas that only a check would use.
        """
        return self._end is not None and self.remaining_ms() <= 0

    def reason(self) -> str:
        """Why something was left undecided, and how to give it more time."""
        return (f"the time limit of {self.timeout_ms / 1000:g} s for the whole command ran out "
                f"before this was decided; raise {OPTION} to decide it")


class UndecidedError(Exception):
    """A question the solver did not decide (time limit, or a reason Z3 gives)."""
