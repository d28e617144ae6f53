"""What the terminal we write to asks of us: colour (no-color.org, ``TERM=dumb``) and width.

The CLI decides once per command and hands the answers to the renderers in
``RenderOptions``; nothing below the CLI looks at the environment.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping

# Narrower than this, a wrapped table is no easier to read than one that overflows.
MIN_WIDTH = 40


def color_enabled(choice: str, *, tty: bool, env: Mapping[str, str] | None = None) -> bool:
    """Whether to colour: ``always``/``never`` as asked; ``auto`` only on a colour terminal.

    ``auto`` is off when the output is not a terminal, when ``NO_COLOR`` is set to a
    non-empty value (no-color.org: the user's explicit ``--color always`` still wins),
    and when ``TERM`` is ``dumb`` (a terminal that cannot show escape sequences).
    """
    env = os.environ if env is None else env
    if choice == "always":
        return True
    if choice == "never":
        return False
    return tty and not env.get("NO_COLOR") and env.get("TERM") != "dumb"


def table_width(*, tty: bool, wide: bool, env: Mapping[str, str] | None = None) -> int | None:
    """The width tables must fit in, or None for no limit.

    ``COLUMNS`` (set by shells and by users) wins; else the terminal's width when writing
    to one.  Output to a pipe or file, and ``--wide``, have no limit: a script reads the
    whole cells.
    """
    env = os.environ if env is None else env
    if wide:
        return None
    columns = env.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(MIN_WIDTH, int(columns))
    if not tty:
        return None
    return max(MIN_WIDTH, shutil.get_terminal_size().columns)
