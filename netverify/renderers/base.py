"""What every renderer shares: options, terminal-safe text and the unsupported-format error."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import click

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


# C0 controls (ESC, BEL, CR, TAB, ...), DEL and C1 controls (CSI U+009B, OSC U+009D, ...).
# A terminal acts on them: OSC 8 makes links, OSC 52 writes the clipboard, CSI moves the
# cursor or clears the screen.  Names in manifests are untrusted, so none may reach a
# terminal raw.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROLS_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def _escape(m: re.Match[str]) -> str:
    return f"\\x{ord(m[0]):02x}"


def sanitize(text: str, *, newlines: bool = True) -> str:
    r"""``text`` with every control character written out as ``\xNN``.

    ``newlines=True`` keeps ``\n`` (multi-line text); ``False`` escapes it too, for a
    value that must stay on one line (a name inside a sentence).
    """
    pattern = _CONTROLS_BUT_NEWLINE if newlines else _CONTROLS
    return pattern.sub(_escape, text)


# Colour is added in two steps so that no input can forge it: ``paint`` wraps a word
# netverify chose in marks carrying a secret of this process, and ``finish`` escapes every
# control character of the text, then turns the marks (and only them) into ANSI colour.
_SECRET = secrets.token_hex(8)
_OPEN, _CLOSE = f"\x00{_SECRET}<", f"\x00{_SECRET}>"
_MARKED = re.compile(re.escape(_OPEN) + r"([a-z]+):(.*?)" + re.escape(_CLOSE), re.S)


def paint(text: str, color: str, opts: RenderOptions) -> str:
    """``text`` (a word of netverify's, never input) in bold ``color`` when colour is on.

    The result is only meaningful inside a text passed to ``finish``.
    """
    return f"{_OPEN}{color}:{text}{_CLOSE}" if opts.color else text


def finish(text: str, opts: RenderOptions) -> str:
    """The text as it may reach a terminal: control characters escaped, then colour added.

    Every text renderer returns through this: whatever a manifest put in a name, the
    output holds no escape sequence but the colours of ``paint``.
    """
    if not opts.color:
        return sanitize(text)
    out: list[str] = []
    last = 0
    for m in _MARKED.finditer(text):
        out.append(sanitize(text[last:m.start()]))
        out.append(click.style(sanitize(m[2]), fg=m[1], bold=True))
        last = m.end()
    out.append(sanitize(text[last:]))
    return "".join(out)
