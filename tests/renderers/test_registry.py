"""The renderer registry is the one list of formats: commands offer exactly what it has."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from netverify.cli import main
from netverify.errors import UnsupportedFormat
from netverify.renderers import RENDERERS, Format, formats_for, render
from netverify.results import (
    AuditReport,
    CanReachResult,
    CheckReport,
    DiffResult,
    HypotheticalResult,
    MatrixResult,
    PathsResult,
    Result,
    SuggestResult,
    UrlResult,
    WhoCanReachResult,
)
from tests.renderers.samples import results

# What each command can answer with.
COMMANDS: dict[str, tuple[type[Result], ...]] = {
    "can-reach": (CanReachResult, HypotheticalResult, UrlResult),
    "who-can-reach": (WhoCanReachResult,),
    "matrix": (MatrixResult,),
    "lint": (AuditReport,),
    "check": (CheckReport,),
    "diff": (DiffResult,),
    "paths": (PathsResult,),
    "audit": (AuditReport,),
    "suggest": (SuggestResult,),
}


def _help_formats(command: str) -> list[str]:
    r = CliRunner().invoke(main, [command, "--help"], terminal_width=200)
    assert r.exit_code == 0, r.output
    m = re.search(r"--format \[([a-z|]+)\]", r.output)
    assert m, r.output
    return m[1].split("|")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_help_lists_exactly_the_registry_formats(command: str) -> None:
    expected = [f.value for f in Format if any((k, f) in RENDERERS for k in COMMANDS[command])]
    assert _help_formats(command) == expected


def test_every_result_type_is_some_command_answer() -> None:
    assert {k for k, _ in RENDERERS} == {k for ks in COMMANDS.values() for k in ks}


def test_check_and_diff_offer_their_registry_formats() -> None:
    # They wrote their choices by hand: check offered no junit on stdout, diff had md.
    assert _help_formats("check") == ["text", "json", "junit"]
    assert _help_formats("diff") == ["text", "json", "md"]
    assert _help_formats("audit") == ["text", "json", "md", "html", "sarif"]


def test_a_format_the_result_has_not_is_a_clear_error() -> None:
    matrix = results()["matrix"]
    with pytest.raises(UnsupportedFormat, match="sarif"):
        render(matrix, "sarif")  # type: ignore[arg-type]
    with pytest.raises(UnsupportedFormat, match="xlsx"):
        render(matrix, "xlsx")  # type: ignore[arg-type]


def test_formats_for_follows_the_format_order() -> None:
    order = list(Format)
    for kind in {k for k, _ in RENDERERS}:
        offered = formats_for(kind)
        assert list(offered) == sorted(offered, key=order.index)
        assert set(offered) == {f for k, f in RENDERERS if k is kind}
    assert len({f.suffix for f in Format}) == len(Format)  # one golden file name each
