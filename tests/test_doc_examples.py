"""Every console example in README.md and docs/ is run, and its output compared.

A ``console`` block holds ``$ netverify ...`` lines, each followed by the output it
shows.  ``...`` alone on a line stands for any number of lines (none included);
``...`` inside a line stands for any text.  A command followed by no output only
has to run: exit status 0 or 1, unless its comment says ``exit status N``.  A block
whose command cannot run here (``git:`` revisions of another repository) is not
allowed: the examples are what a new user will paste.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from netverify.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```console\n(.*?)^```", re.S | re.M)
_EXIT = re.compile(r"exit status (\d)")


@dataclass(frozen=True)
class Example:
    """One ``$ netverify ...`` line of a console block and the output shown under it."""

    doc: str
    line: int
    argv: tuple[str, ...]
    exit_status: int | None
    expected: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def _examples() -> list[Example]:
    out: list[Example] = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for block in _FENCE.finditer(text):
            first_line = text.count("\n", 0, block.start(1)) + 1
            current: tuple[int, str] | None = None
            shown: list[str] = []
            for i, line in enumerate(block[1].splitlines()):
                if line.startswith("$ "):
                    if current is not None:
                        out.append(_example(doc, *current, shown))
                    current, shown = (first_line + i, line[2:]), []
                elif current is not None:
                    shown.append(line)
            if current is not None:
                out.append(_example(doc, *current, shown))
    return out


def _example(doc: Path, line: int, command: str, shown: list[str]) -> Example:
    words = shlex.split(command, comments=False)
    comment = ""
    if "#" in words:
        comment = " ".join(words[words.index("#"):])
        words = words[: words.index("#")]
    m = _EXIT.search(comment)
    while shown and not shown[-1].strip():
        shown.pop()
    assert words and words[0] == "netverify", f"{doc.name}:{line}: not a netverify command"
    return Example(doc=doc.relative_to(ROOT).as_posix(), line=line, argv=tuple(words[1:]),
                   exit_status=int(m[1]) if m else None, expected=tuple(shown))


def _line_matches(pattern: str, line: str) -> bool:
    parts = [re.escape(p) for p in pattern.rstrip().split("...")]
    return re.fullmatch(".*".join(parts), line.rstrip(), re.S) is not None


def _matches(expected: tuple[str, ...], actual: list[str]) -> bool:
    """``expected`` (with ``...`` lines standing for any run of lines) covers ``actual``."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head.strip() == "...":
        return any(_matches(rest, actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and _line_matches(head, actual[0]) and _matches(rest, actual[1:])


EXAMPLES = _examples()


def test_the_docs_have_examples() -> None:
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_console_example(example: Example, tmp_path: Path,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    # The examples name paths relative to the project; files they write (-o) land in tmp.
    for name in ("fixtures", "specs"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["--no-cache", *example.argv])
    wanted = {example.exit_status} if example.exit_status is not None else {0, 1}
    assert result.exit_code in wanted, (
        f"{example.id}: exit status {result.exit_code}, documented {sorted(wanted)}\n"
        f"{result.output}")
    if example.expected:
        actual = result.stdout.rstrip("\n").splitlines()
        while actual and not actual[-1].strip():
            actual.pop()
        assert _matches(example.expected, actual), (
            f"{example.id}: output differs from the documented one\n--- documented\n"
            + "\n".join(example.expected) + "\n--- actual\n" + "\n".join(actual))
