"""What every renderer shares: the interface, options, terminal-safe text and errors.

A renderer is any callable ``(result, options) -> str`` (``Renderer``); the registry
(``registry.py``) says which one writes which (result type, format).  JSON renderers
are ``JsonRenderer``: a function building the document, plus the name of its schema.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any, Generic, Protocol, TypeVar

import click

from netverify.errors import UnsupportedFormat

# The version of every JSON document netverify writes (``docs/json-schema.md``): bumped
# on any incompatible change (a key removed or renamed, a value spelled differently).
SCHEMA_VERSION = 2

R = TypeVar("R")
R_contra = TypeVar("R_contra", contravariant=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderOptions:
    """Presentation choices decided by the caller (the CLI decides colour from the terminal)."""

    color: bool = False
    verbose: bool = False
    width: int | None = None  # tables wrap to fit this many columns (None: no limit)


DEFAULT_OPTIONS = RenderOptions()


class Renderer(Protocol[R_contra]):
    """Writes one kind of result in one format."""

    def __call__(self, result: R_contra, options: RenderOptions, /) -> str:
        """The whole output, ending in a newline."""
        ...


class JsonRenderer(Generic[R]):
    """A JSON format: ``document`` builds the dict, ``schema`` names its JSON Schema.

    The schema is ``netverify/schemas/<schema>.schema.json``; the tests validate every
    document against it.
    """

    def __init__(self, document: Callable[[R], dict[str, Any]], schema: str) -> None:
        """Wrap ``document``; ``schema`` is the file name without ``.schema.json``."""
        self.document = document
        self.schema = schema

    def __call__(self, result: R, options: RenderOptions, /) -> str:
        """Indented, key-sorted JSON."""
        return json.dumps(self.document(result), indent=2, sort_keys=True) + "\n"

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema the documents follow, as shipped in the package."""
        path = resources.files("netverify").joinpath("schemas", f"{self.schema}.schema.json")
        schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return schema


def unsupported(fmt: str, result: object, supported: list[str]) -> UnsupportedFormat:
    """The error for a format that cannot render this result."""
    what = type(result).__name__
    return UnsupportedFormat(f"format {fmt!r} cannot render a {what}",
                             hint=f"formats for this command: {', '.join(supported)}")


# The one definition of what never reaches output raw, in any format.
# - C0 controls (ESC, BEL, CR, TAB, ...), DEL and C1 controls (CSI U+009B, OSC U+009D,
#   ...): a terminal acts on them (OSC 8 makes links, OSC 52 writes the clipboard, CSI
#   moves the cursor or clears the screen), and XML 1.0 forbids most of them.
# - Bidirectional controls: the embeddings and overrides U+202A-U+202E, the isolates
#   U+2066-U+2069 and the marks U+200E, U+200F and U+061C.  Terminals, browsers and
#   GitHub reorder the text around them, so a name can display as another name, or a
#   line read backwards ("Trojan Source", CVE-2021-42574).
# - The line and paragraph separators U+2028 and U+2029: some viewers break the line
#   there, so one name could pass for two rows.
# - Lone surrogates U+D800-U+DFFF (a YAML or JSON escape can make one): UTF-8 cannot
#   encode them, so writing the output would fail; and U+FFFE, U+FFFF, which are not
#   characters and which XML 1.0 forbids.
# Names in manifests, spec files and paths are untrusted, so all of these are written
# out as visible escapes (\x1b, \u202e).
UNSAFE = ("\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
          "\u2066-\u2069\ud800-\udfff\ufffe\uffff")
_CONTROLS = re.compile(f"[{UNSAFE}]")
_CONTROLS_BUT_NEWLINE = re.compile(f"(?!\n)[{UNSAFE}]")


def _escape(m: re.Match[str]) -> str:
    code = ord(m[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def sanitize(text: str, *, newlines: bool = True) -> str:
    r"""``text`` with every character of ``UNSAFE`` written out (``\x1b``, ``\u202e``).

    ``newlines=True`` keeps ``\n`` (multi-line text); ``False`` escapes it too, for a
    value that must stay on one line (a name inside a sentence, a table cell).
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
