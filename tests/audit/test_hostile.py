"""Names from manifests are untrusted: every format must show them as text, never as markup.

The loader validates label keys and values (a ``<script>`` or 300-character label
value is an input error), but accepts any object name (with a warning), so hostile
text reaches the reports through names and the findings' messages: markup, terminal
control sequences, bidi overrides (which reorder the text around them in a terminal,
a browser or a GitHub comment), GitHub mentions and issue references.
"""

from __future__ import annotations

import html.parser
import json
import re
from functools import cache
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from netverify.audit.run import audit
from netverify.cli import main
from netverify.loader import load_text
from netverify.renderers import RenderOptions, render
from netverify.renderers.audit_md import md_text
from netverify.results import AuditReport
from tests.renderers.inert import assert_sarif_inert
from tests.renderers.samples import UNSAFE

SCRIPT = "<script>alert(1)</script>"
QUOTES = 'x" onmouseover="alert(2)'
PIPES = "a|b`c`\\d [e](f) *g* $h$"
LONG = "n" * 300
NEWLINE = "line1\nline2 | x"
# OSC 8 (a link), BEL, CSI (colour, clear screen), a C1 CSI, OSC 52 (write the clipboard)
CONTROL = "evil\x1b]8;;http://x\x07\x1b[31mRED\x1b[2J\x9b6n\x1b]52;c;ZXZpbA==\x07"
MENTION = "ping @octocat and @github/security about #123"
BIDI = "admin\u202egnp.exe\u2066x\u2069\u200e\u061c\u2028y"
RAW_CONTROL = UNSAFE  # controls (newline aside), bidi controls, separators, ...


def _doc(kind: str, name: str, ns: str | None = None, **extra: object) -> dict:
    meta: dict = {"name": name}
    if ns is not None:
        meta["namespace"] = ns
    api = {"NetworkPolicy": "networking.k8s.io/v1"}.get(kind, "v1")
    return {"apiVersion": api, "kind": kind, "metadata": meta, **extra}


@cache
def hostile_report() -> AuditReport:
    docs = [_doc("Namespace", SCRIPT), _doc("Namespace", QUOTES), _doc("Namespace", "shop")]
    for i, name in enumerate([SCRIPT, QUOTES, PIPES, LONG, CONTROL, MENTION, BIDI]):
        docs.append(_doc("Pod", name, SCRIPT if i % 2 == 0 else QUOTES,
                         metadata={"name": name, "namespace": SCRIPT if i % 2 == 0 else QUOTES,
                                   "labels": {"app": f"a{i}"}},
                         spec={"containers": [{"name": "c"}]}))
    docs.append(_doc("NetworkPolicy", NEWLINE, "shop",
                     spec={"podSelector": {"matchLabels": {"app": "none"}},
                           "policyTypes": ["Ingress"]}))
    docs.append(_doc("Service", PIPES, QUOTES,
                     spec={"selector": {"app": "missing"}, "ports": [{"port": 80}]}))
    docs.append(_doc("Pod", "web", "shop", metadata={
        "name": "web", "namespace": "shop", "labels": {"app": "web"},
        "annotations": {"note": SCRIPT + QUOTES + PIPES}}, spec={"containers": [{"name": "c"}]}))
    cluster = load_text(yaml.safe_dump_all(docs), f"hostile/{PIPES}.yaml")
    report = audit(cluster, inputs=[f"hostile/{SCRIPT}"])
    assert report.findings, "the hostile manifest should trigger findings"
    return report


def out(fmt: str) -> str:
    return render(hostile_report(), fmt, RenderOptions())


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.update(a for a, _ in attrs)


def test_html_shows_hostile_names_as_text():
    text = out("html")
    assert "<script" not in text.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    parser = _Tags()
    parser.feed(text)
    assert "script" not in parser.tags
    assert not {a for a in parser.attrs if a.startswith("on")}, "an attribute was injected"
    assert "onmouseover=&#34;" in text or "onmouseover=&quot;" in text
    assert LONG in text  # long names are kept (the table wraps them)


def test_html_is_self_contained():
    text = out("html")
    assert not re.search(r"<script\b|<link\b|<img\b|<iframe\b|@import|url\(\s*['\"]?https?:",
                         text, re.I)
    assert not re.search(r"\b(src|href)\s*=\s*['\"]?https?:", text, re.I)


def _cells(row: str) -> int:
    return len(re.findall(r"(?<!\\)\|", row)) - 1


def test_markdown_table_rows_stay_intact():
    text = out("md")
    tables: list[list[str]] = []
    previous = ""
    for line in text.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                tables.append([])
            tables[-1].append(line)
        previous = line
    assert tables
    for table in tables:
        widths = {_cells(row) for row in table}
        assert len(widths) == 1, f"a row has the wrong number of cells: {table}"
        assert all(row.endswith(" |") for row in table)
    assert "<script>" not in text
    assert "\\<script\\>" in text
    assert "\\`c\\`" in text


def test_mermaid_ids_are_sanitized_and_labels_escaped():
    text = out("md")
    block = text.split("```mermaid\n", 1)[1].split("```", 1)[0]
    ident = r"[A-Za-z0-9_]+"
    label = r'"(?:[A-Za-z0-9 ._/:=,+-]|#\d+;)*"'
    patterns = [r"flowchart LR", r"end", rf"subgraph {ident}\[{label}\]",
                rf"{ident}\[{label}\]", rf"{ident} -->\|{label}\| {ident}"]
    lines = [ln.strip() for ln in block.splitlines() if ln.strip()]
    assert len(lines) > 3
    for ln in lines:
        assert any(re.fullmatch(p, ln) for p in patterns), f"unsafe Mermaid line: {ln}"
    assert "#60;script#62;" in block


def test_json_and_sarif_stay_valid():
    data = json.loads(out("json"))
    assert any(SCRIPT in f["object"] for f in data["findings"])
    from tests.audit.test_sarif import sarif

    log = sarif(hostile_report())
    assert any(SCRIPT in r["message"]["text"] for r in log["runs"][0]["results"])


def test_text_output_renders():
    assert SCRIPT in out("text")


def test_a_300_character_label_value_is_an_input_error(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(_doc("Pod", "web", "shop", metadata={
        "name": "web", "namespace": "shop", "labels": {"app": LONG}})))
    r = CliRunner().invoke(main, ["audit", "-f", str(bad), "--format", "html"])
    assert r.exit_code == 2
    assert "invalid label value" in r.stderr and r.stdout == ""


@pytest.mark.parametrize("fmt", ["md", "html", "json", "sarif", "text"])
def test_every_format_renders_the_hostile_report(fmt: str):
    assert out(fmt)


@pytest.mark.parametrize("fmt", ["text", "md", "html", "json", "sarif"])
def test_no_control_character_reaches_the_output(fmt: str):
    text = out(fmt)
    assert not RAW_CONTROL.search(text), repr(RAW_CONTROL.search(text))
    assert "http://x" in text  # the name is still there, harmless


def test_text_shows_control_characters_escaped():
    text = out("text")
    assert "evil\\x1b]8;;http://x\\x07\\x1b[31mRED\\x1b[2J\\x9b6n" in text


def test_verbose_text_keeps_related_objects_on_their_line():
    text = render(hostile_report(), "text", RenderOptions(verbose=True))
    assert not RAW_CONTROL.search(text)
    assert "line1\nline2" not in text and "line1\\x0aline2" in text  # names stay on one line


def test_markdown_breaks_mentions_and_issue_references():
    # GitHub links mentions after rendering, so a backslash would not stop them
    # (github/markup#1168); a zero-width space after the sign does.
    text = out("md")
    assert "@octocat" not in text and "@github/security" not in text and "#123" not in text
    assert "@&#8203;octocat" in text
    assert md_text(MENTION) == "ping @&#8203;octocat and @&#8203;github/security about #&#8203;123"
    assert md_text("a@b.example, #x, # 1, C#") == "a@&#8203;b.example, #x, # 1, C#"
    # control characters written out (\x1b), and that backslash escaped for Markdown
    assert r"\\x1b\]8;;http://x\\x07" in text


def test_markdown_leaves_code_and_mermaid_entities_alone():
    text = out("md")
    block = text.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert "&#8203;" not in block  # Mermaid labels use their own #NNN; entities
    assert "#64;octocat" in block or "octocat" not in block


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_bidi_controls_are_written_out(fmt: str):
    text = out(fmt)
    assert not RAW_CONTROL.search(text)
    escaped = "\\\\u202e" if fmt == "md" else "\\u202e"  # md escapes the backslash
    assert f"admin{escaped}gnp.exe" in text


def test_mermaid_labels_hold_no_entity_for_a_bidi_control():
    # Mermaid decodes #8238; back into U+202E: the label must carry it written out.
    text = out("md")
    block = text.split("```mermaid\n", 1)[1].split("```", 1)[0]
    for code in re.findall(r"#(\d+);", block):
        assert not RAW_CONTROL.match(chr(int(code))), f"#{code}; decodes to a control"


def test_sarif_messages_show_bidi_controls_written_out():
    # Code scanning shows these texts on a web page, where U+202E would reorder them;
    # fingerprints still hash the names as they are.
    text = out("sarif")
    assert_sarif_inert(text)
    assert "admin\\\\u202egnp.exe" in text  # JSON escapes the backslash of \u202e
