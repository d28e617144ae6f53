"""User-facing errors: one family, each carrying where the problem is.

The CLI turns any ``NetverifyError`` into one line on stderr and exit status 2.
Anything else escaping is a bug, and its traceback is the bug report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netverify.source import SourceRef


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
        parts = []
        if self.source is not None:
            parts.append(self.source.describe())
        text = self.message if not self.field else f"{self.field}: {self.message}"
        parts.append(text)
        out = ": ".join(parts)
        if self.hint:
            out += f" (hint: {self.hint})"
        return out


class ManifestError(NetverifyError):
    """A manifest cannot be read, parsed or validated."""


class SelectorError(ManifestError):
    """A label selector is malformed (bad operator, missing values, ...)."""


class QueryError(NetverifyError):
    """A query argument is invalid: unknown endpoint, bad port, ambiguous name."""


class UnsupportedFormat(NetverifyError):
    """The requested output format cannot render this kind of result."""
