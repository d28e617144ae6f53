"""Progress on stderr for commands that run for seconds: phases, and a bar in loops.

The library reports through ``current()``, which is silent unless the CLI has
installed a reporter with ``showing()``; the CLI installs ``TerminalProgress`` only
when stderr is a terminal, so pipes, files and CI logs get nothing (and stdout is
never touched).  Layers below the CLI therefore do no I/O of their own: they
name a phase (``with current().phase("all pairs"):``) or count a loop
(``with current().bar("blocks", total) as step: ... step(n)``).

The bar is ``click.progressbar`` (click is a dependency already; it hides itself
on a non-terminal too).
"""

from __future__ import annotations

import contextvars
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TextIO

import click

Step = Callable[[int], None]


class Progress:
    """Silent progress: what the library sees unless the CLI shows progress."""

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Mark a phase of the work (``name``: "loading manifests", "all pairs")."""
        yield

    @contextmanager
    def bar(self, label: str, total: int) -> Iterator[Step]:
        """Count ``total`` units of a loop; the caller calls the step with units done."""
        yield _ignore


def _ignore(n: int) -> None:
    return None


class TerminalProgress(Progress):
    """Phases as lines with their time, loops as a bar with counts, on ``stream``."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.depth = 0

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Print the phase when it starts and its time when it ends."""
        indent = "  " * self.depth
        self.stream.write(f"netverify: {indent}{name} ...\n")
        self.stream.flush()
        start = time.perf_counter()
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
        self.stream.write(f"netverify: {indent}{name}: {time.perf_counter() - start:.1f} s\n")
        self.stream.flush()

    @contextmanager
    def bar(self, label: str, total: int) -> Iterator[Step]:
        """A ``click.progressbar`` of ``total`` units on the stream."""
        with click.progressbar(length=total, label=f"netverify: {label}", file=self.stream,
                               show_pos=True, show_eta=True) as b:
            yield b.update


_SILENT = Progress()
_CURRENT: contextvars.ContextVar[Progress | None] = contextvars.ContextVar(
    "netverify_progress", default=None)


def current() -> Progress:
    """The reporter in force (silent unless the CLI installed one)."""
    return _CURRENT.get() or _SILENT


@contextmanager
def showing(progress: Progress | None) -> Iterator[None]:
    """Report through ``progress`` inside the block."""
    token = _CURRENT.set(progress)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def for_stderr(stream: TextIO | None = None) -> AbstractContextManager[None]:
    """Show progress on stderr when it is a terminal; otherwise report nothing."""
    err = stream or sys.stderr
    isatty = getattr(err, "isatty", None)
    if isatty is not None and isatty():
        return showing(TerminalProgress(err))
    return showing(None)
