"""Checks that a rendered output shows hostile names as text, one per format.

Each check reads the output the way its consumer does (a terminal, a spreadsheet, a
Markdown renderer, an XML or JSON parser) and fails on anything a name could have
turned into behaviour: a control sequence, a formula, markup, a broken table, a file
the parser rejects.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import yaml

from tests.renderers.samples import UNSAFE

OUR_COLOUR = re.compile(r"\x1b\[3[0-7]m\x1b\[1m[^\x1b]*\x1b\[0m")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FENCE = re.compile(r"^```[a-z]*\n.*?^```$", re.M | re.S)


def assert_no_unsafe(text: str, where: str = "") -> None:
    """No character of ``UNSAFE`` (controls but the newline, bidi, ...) in ``text``."""
    found = UNSAFE.search(text)
    assert found is None, f"raw {found[0]!r} {where} in {text!r}"


def assert_terminal_inert(text: str, colour: bool = False) -> None:
    """Nothing a terminal acts on, but netverify's own colours."""
    assert_no_unsafe(OUR_COLOUR.sub("", text) if colour else text)


def escaped(line: str, i: int) -> bool:
    """Whether ``line[i]`` is backslash-escaped (an odd run of backslashes before it)."""
    run = len(line[:i]) - len(line[:i].rstrip("\\"))
    return run % 2 == 1


def unescaped(line: str, char: str) -> int:
    """How many ``char`` in ``line`` are not backslash-escaped."""
    return sum(1 for i, c in enumerate(line) if c == char and not escaped(line, i))


def assert_csv_inert(text: str) -> None:
    """Every row as wide as the header; no cell a spreadsheet would read as a formula."""
    assert_no_unsafe(text.replace("\n", ""))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows
    for row in rows:
        assert len(row) == len(rows[0]), row
        for cell in row:
            assert not cell.lstrip(" ").startswith(FORMULA_START), f"formula cell {cell!r}"


def assert_markdown_inert(text: str) -> None:
    """Tables keep their columns; no HTML, code span, link, mention or issue reference."""
    assert_no_unsafe(text)
    for block in _FENCE.findall(text):
        assert block.startswith("```mermaid"), block
        _assert_mermaid_inert(block)
    prose = _FENCE.sub("", text)
    tables: list[list[str]] = []
    previous = ""
    for line in prose.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                tables.append([])
            tables[-1].append(line)
        previous = line
    for table in tables:
        widths = {unescaped(row, "|") for row in table}
        assert len(widths) == 1, f"a row has the wrong number of cells: {table}"
        assert all(row.endswith("|") and not escaped(row, len(row) - 1) for row in table)
    for line in prose.splitlines():
        html = line.replace("<br>", "")
        for i, c in enumerate(html):
            assert not (c == "<" and not escaped(html, i)
                        and re.match(r"[A-Za-z/!?]", html[i + 1:])), f"raw HTML in {line!r}"
        for char in "`[]":
            assert unescaped(line, char) == 0, f"raw {char} in {line!r}"
        assert not re.search(r"@[A-Za-z0-9]", line), f"a mention in {line!r}"
        assert not re.search(r"(?<!&)#[0-9]", line), f"an issue reference in {line!r}"


def _assert_mermaid_inert(block: str) -> None:
    ident = r"[A-Za-z0-9_]+"
    label = r'"(?:[A-Za-z0-9 ._/:=,+-]|#\d+;)*"'
    patterns = [r"flowchart LR", r"end", rf"subgraph {ident}\[{label}\]",
                rf"{ident}\[{label}\]", rf"{ident} -->\|{label}\| {ident}"]
    for line in block.splitlines()[1:-1]:
        assert any(re.fullmatch(p, line.strip()) for p in patterns), f"unsafe Mermaid: {line}"
        for code in re.findall(r"#(\d+);", line):
            assert not UNSAFE.match(chr(int(code))), f"an entity for {chr(int(code))!r}"


def assert_xml_inert(text: str) -> ET.Element:
    """Well-formed XML 1.0 (what a CI system's JUnit reader demands)."""
    assert_no_unsafe(text)
    return ET.fromstring(text.encode("utf-8"))


def assert_json_inert(text: str) -> object:
    """Valid JSON whose text holds no raw control or bidi character."""
    assert_no_unsafe(text)
    return json.loads(text)


def assert_yaml_inert(text: str) -> list[object]:
    """Valid YAML (what kubectl apply reads) holding no raw control or bidi character."""
    assert_no_unsafe(text)
    return list(yaml.safe_load_all(text))


def assert_sarif_inert(text: str) -> None:
    """Valid JSON, and the texts code scanning shows people hold no control or bidi."""
    log = assert_json_inert(text)
    assert isinstance(log, dict)
    for run in log["runs"]:
        for result in run["results"]:
            assert_no_unsafe(result["message"]["text"], "in a SARIF message")
            for loc in result["locations"]:
                for logical in loc.get("logicalLocations", []):
                    assert_no_unsafe(logical["name"] + logical["fullyQualifiedName"],
                                     "in a SARIF location")
            for rel in result.get("relatedLocations", []):
                assert_no_unsafe(rel["message"]["text"], "in a SARIF related location")


_DOT_STRING = r'"(?:[^"\\\n]|\\.)*"'
_DOT_LINE = re.compile(
    rf"^(?:digraph netverify {{|}}|\s*}}|\s*rankdir=LR;|\s*(?:node|edge) \[[^\]]*\];"
    rf"|\s*subgraph cluster_\d+ {{|\s*label={_DOT_STRING};|\s*// .*"
    rf"|\s*{_DOT_STRING} \[label={_DOT_STRING}(?:, penwidth=2)?\];"
    rf"|\s*{_DOT_STRING} -> {_DOT_STRING} \[label={_DOT_STRING}(?:, style=dashed)?\];)$")


def assert_dot_inert(text: str) -> None:
    """Graphviz: every line one statement of ours, names only inside closed quotes."""
    assert_terminal_inert(text, False)
    for line in text.splitlines():
        assert _DOT_LINE.match(line), f"a name broke out of its DOT string: {line!r}"


def assert_inert(fmt: str, text: str, colour: bool = False) -> None:
    """The check for format ``fmt``."""
    if fmt in ("text", "list"):
        assert_terminal_inert(text, colour)
    elif fmt == "dot":
        assert_dot_inert(text)
    elif fmt == "csv":
        assert_csv_inert(text)
    elif fmt == "md":
        assert_markdown_inert(text)
    elif fmt == "junit":
        assert_xml_inert(text)
    elif fmt == "json":
        assert_json_inert(text)
    elif fmt == "yaml":
        assert_yaml_inert(text)
    elif fmt == "sarif":
        assert_sarif_inert(text)
    elif fmt == "html":
        assert_no_unsafe(text)
    else:
        raise AssertionError(f"no check for format {fmt}")
