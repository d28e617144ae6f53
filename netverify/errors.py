"""User-facing errors: one family, each carrying where the problem is.

The CLI turns any ``NetverifyError`` into one line on stderr and exit status 2.
Anything else escaping is a bug, and its traceback is the bug report.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netverify.source import SourceRef

SHOWN = 80  # characters of a value quoted in a message
_LONG = 300  # a message part longer than this has its long quoted values shortened
_MOST = 1000  # and is cut here whatever it holds
# A value quoted by repr() in a message (an unrolled loop: linear on a 10 MB value).
_QUOTED = re.compile(r"'[^'\\\n]*(?:\\.[^'\\\n]*)*'|\"[^\"\\\n]*(?:\\.[^\"\\\n]*)*\"")


def show(value: object, limit: int = SHOWN) -> str:
    """``repr(value)`` for a message: control characters escaped, at most ``limit`` characters.

    Booleans and null are spelt as in YAML (``true``, not ``True``).

    A longer value is cut with an ellipsis and its full length, so that a 10 MB
    label does not become a 10 MB error line.
    """
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]  # as YAML spells them
    if isinstance(value, str) and len(value) > limit:
        quoted = repr(value[:limit])
        return f"{quoted[:-1]}…{quoted[-1]} ({len(value):,} characters)"
    text = repr(value)
    if len(text) > limit:
        return f"{text[:limit]}… ({len(text):,} characters)"
    return text


def show_path(path: str, limit: int = 200) -> str:
    """``path`` for a message, unquoted as paths are everywhere else, cut past ``limit``."""
    return path if len(path) <= limit else f"{path[:limit]}… ({len(path):,} characters)"


def _bounded(text: str) -> str:
    """``text`` with over-long quoted values shortened and, past ``_MOST``, cut."""
    if len(text) <= _LONG:
        return text
    text = _QUOTED.sub(_shorten, text)
    if len(text) > _MOST:
        text = f"{text[:_MOST]}… ({len(text):,} characters)"
    return text


def _shorten(m: re.Match[str]) -> str:
    quoted = m.group()
    if len(quoted) <= SHOWN + 2:
        return quoted
    return f"{quoted[:SHOWN + 1]}…{quoted[0]} ({len(quoted) - 2:,} characters quoted)"


class NetverifyError(Exception):
    """Base of every error caused by user input (manifests, specs, arguments)."""

    def __init__(
        self,
        message: str,
        *,
        source: SourceRef | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.field = field
        self.hint = hint

    def __str__(self) -> str:
        # Every part may quote input: each is bounded (see ``show``) so one line stays short.
        parts = []
        if self.source is not None:
            parts.append(_bounded(self.source.describe()))
        message = _bounded(self.message)
        parts.append(message if not self.field else f"{_bounded(self.field)}: {message}")
        out = ": ".join(parts)
        if self.hint:
            out += f" (hint: {_bounded(self.hint)})"
        return out


class ManifestError(NetverifyError):
    """A manifest cannot be read, parsed or validated."""


class SelectorError(ManifestError):
    """A label selector is malformed (bad operator, missing values, ...)."""


class QueryError(NetverifyError):
    """A query argument is invalid: unknown endpoint, bad port, ambiguous name."""


class UnsupportedFormat(NetverifyError):
    """The requested output format cannot render this kind of result."""
