"""Markdown escaping shared by every Markdown renderer (matrix, diff, paths, audit).

Names, paths and messages come from manifests and spec files, so they are untrusted:
in a pull-request comment a ``|`` would split a table cell, ``<img onerror=...>`` or
``[x](url)`` would become markup, and ``@user`` or ``#123`` would notify someone or
link an issue.  ``md_text`` turns any such text into inert text that GitHub shows as
written; ``table`` builds pipe tables whose every cell went through it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from netverify.renderers.base import sanitize

# Backslash escapes for what CommonMark and GitHub read as markup: tables (|), HTML and
# autolinks (< > &), code (`), emphasis and strikethrough (* _ ~), links ([ ]), math ($)
# and the backslash itself.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$])")
# GitHub links @user, @org/team and #123 (also owner/repo#123) after rendering the
# Markdown, so a backslash does not stop it (github/markup#1168); a zero-width space
# after the sign does.
_MENTION = re.compile(r"(@(?=[A-Za-z0-9])|#(?=[0-9]))")
ZWSP = "&#8203;"


def md_text(s: str, limit: int | None = None) -> str:
    """Escape text for a Markdown table cell, list item or paragraph: one line, no markup.

    Newlines become spaces; the characters of ``base.UNSAFE`` (controls, bidi) are
    written out; markup characters are backslash-escaped; mentions and issue references
    are broken.  With ``limit``, text longer than that is cut (before escaping) and ends
    in ``…``.
    """
    one_line = " ".join(s.split()) if "\n" in s or "\r" in s else s
    if limit is not None and len(one_line) > limit:
        one_line = one_line[:limit - 1] + "\u2026"
    escaped = _MD_SPECIAL.sub(r"\\\1", sanitize(one_line, newlines=False))
    return _MENTION.sub(rf"\1{ZWSP}", escaped)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub pipe table; every header and cell is escaped with ``md_text``.

    Built by hand: tabulate would strip or re-align escaped text, and reads cells
    that look like numbers as numbers.
    """
    lines = ["| " + " | ".join(md_text(h) for h in headers) + " |",
             "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(md_text(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
