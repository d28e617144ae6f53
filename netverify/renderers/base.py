"""What every renderer shares: options and the unsupported-format error."""

from __future__ import annotations

from dataclasses import dataclass

from netverify.errors import UnsupportedFormat


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderOptions:
    """Presentation choices decided by the caller (the CLI decides colour from the terminal)."""

    color: bool = False
    verbose: bool = False


def unsupported(fmt: str, result: object, supported: list[str]) -> UnsupportedFormat:
    """The error for a format that cannot render this result."""
    what = type(result).__name__
    return UnsupportedFormat(f"format {fmt!r} cannot render a {what}",
                             hint=f"formats for this command: {', '.join(supported)}")
