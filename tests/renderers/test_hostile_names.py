"""Hostile names through every format of every result: nothing reaches the reader raw.

Names, file paths and spec texts are untrusted.  Whatever characters they hold
(terminal controls, bidi overrides, Markdown and HTML markup, spreadsheet formulas,
mentions), every output must still be what its reader expects: a terminal receives no
control sequence, a spreadsheet no formula, a Markdown table keeps its columns, XML
and JSON parse.  The results are real query results over the fixtures, with hostile
text put before every object name (``samples.hostile``).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netverify.renderers import RENDERERS, RenderOptions, formats_for, render
from tests.renderers.inert import assert_inert
from tests.renderers.samples import HOSTILE_ALPHABET, hostile, results

KINDS = ["can-reach", "can-reach-denied", "can-reach-pairs", "hypothetical", "matrix",
         "matrix-port", "matrix-namespace", "who-can-reach", "lint", "check", "diff",
         "paths", "url", "audit", "suggest"]
hostile_text = st.text(alphabet=st.sampled_from(HOSTILE_ALPHABET), min_size=1, max_size=12)


def test_the_samples_cover_every_result_type():
    assert {type(r) for r in results().values()} == {kind for kind, _ in RENDERERS}
    assert sorted(results()) == sorted(KINDS)


@pytest.mark.parametrize("kind", KINDS)
@given(text=hostile_text)
def test_every_format_shows_hostile_names_as_text(kind: str, text: str):
    result = hostile(results()[kind], text)
    for fmt in [f.value for f in formats_for(type(result))]:
        out = render(result, fmt, RenderOptions())
        assert_inert(fmt, out)
        if fmt == "text":
            assert_inert(fmt, render(result, fmt, RenderOptions(color=True, verbose=True)),
                         colour=True)


@pytest.mark.parametrize("kind", KINDS)
def test_every_format_shows_bidi_and_controls_written_out(kind: str):
    result = hostile(results()[kind], "\u202e\u2066\x1b]8;;x\x07|<img src=x onerror=a()>@me")
    for fmt in [f.value for f in formats_for(type(result))]:
        out = render(result, fmt, RenderOptions())
        assert_inert(fmt, out)
        if fmt in ("text", "md", "html", "junit", "csv", "dot", "list"):
            assert "u202e" in out and "u2066" in out, f"{fmt}: the name is no longer shown"
