"""Names in manifests may hold terminal control sequences: none reaches the terminal raw.

The loader only warns about an invalid object name, so a name such as
``evil\\x1b]8;;http://x\\x07`` (an OSC 8 link), one writing the clipboard (OSC 52) or
one holding a bidi override (U+202E, which makes a terminal show the text after it
backwards) reaches every command's output and the warnings themselves.  Everything
netverify prints goes through ``renderers.base.sanitize``/``finish``: control and bidi
characters are written out as ``\\xNN`` or ``\\uNNNN``, and the only escape sequences
left are netverify's colours.
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from netverify.cli import main
from netverify.renderers.base import RenderOptions, finish, paint, sanitize
from tests.renderers.samples import UNSAFE

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "fixtures" / "demo")

OSC8 = "evil\x1b]8;;http://x\x07\x1b[31mRED"
OSC52 = "clip\x1b]52;c;ZXZpbA==\x07"
C1 = "c1\x9b2J\x9d0;title\x9c"
# Shown as "evil-gpj.exe"-style lies: the override reverses what follows it.
BIDI = "rtl\u202eexe.gpj\u2066iso\u2069\u200f"
RAW_CONTROL = UNSAFE  # every C0 but the newline, DEL, C1, bidi controls, separators
OUR_COLOUR = re.compile(r"\x1b\[3[0-7]m\x1b\[1m[^\x1b]*\x1b\[0m")


def manifests(tmp_path: Path) -> str:
    docs = [
        {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": OSC8, "namespace": "ns\x1b[2J", "labels": {"app": "a"}},
         "spec": {"containers": [{"name": "c", "image": "x"}]}},
        {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": OSC52, "namespace": "shop", "labels": {"app": "b"}},
         "spec": {"containers": [{"name": "c", "image": "x"}]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": C1, "namespace": "shop"},
         "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}},
        {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": BIDI, "namespace": "shop", "labels": {"app": "c"}},
         "spec": {"containers": [{"name": "c", "image": "x"}]}},
    ]
    path = tmp_path / "esc.yaml"
    path.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    return str(path)


def run(*args: str) -> Result:
    # color=True: click.echo keeps escape sequences as it does on a terminal (it strips
    # CSI sequences when writing to a pipe, which would hide what a terminal receives).
    r = CliRunner().invoke(main, list(args), color=True)
    assert r.exception is None or isinstance(r.exception, SystemExit), r.output
    return r


def assert_terminal_safe(text: str, colour: bool = False) -> None:
    if colour:
        text = OUR_COLOUR.sub("", text)
    found = RAW_CONTROL.search(text)
    assert found is None, f"raw {found[0]!r} in {text!r}"


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_audit_output_and_warnings_escape_control_characters(tmp_path: Path, fmt: str):
    r = run("audit", "-f", manifests(tmp_path), "--format", fmt, "--rule", "NV101",
            "--rule", "NV103", "--rule", "NV102", "-v")
    assert r.exit_code in (0, 1)
    assert_terminal_safe(r.stdout)
    assert_terminal_safe(r.stderr)
    assert "warning:" in r.stderr and "is not a valid" in r.stderr
    if fmt == "text":
        assert "evil\\x1b]8;;http://x\\x07\\x1b[31mRED" in r.stdout


@pytest.mark.parametrize("args", [
    ["matrix"], ["matrix", "--format", "md"], ["matrix", "--by", "namespace"],
    ["who-can-reach", "shop/b"], ["can-reach", "shop/b", "shop/b"],
    ["can-reach", "shop/b", "shop/a=x"],
])
@pytest.mark.parametrize("color", ["never", "always"])
def test_every_text_command_escapes_names(tmp_path: Path, args: list[str], color: str):
    r = run(*args, "-f", manifests(tmp_path), "--color", color)
    assert r.exit_code in (0, 1, 2), r.output
    assert_terminal_safe(r.stdout, colour=color == "always")
    assert_terminal_safe(r.stderr)


def test_colour_is_kept_and_is_the_only_escape_sequence():
    r = run("can-reach", "frontend/web", "backend/api:8080", "-f", DEMO, "--color", "always")
    assert r.stdout.startswith("\x1b[32m\x1b[1mALLOWED\x1b[0m  frontend/web -> backend/api")
    assert_terminal_safe(r.stdout, colour=True)


def test_error_messages_escape_control_characters():
    r = run("can-reach", "frontend/\x1b]52;c;ZXZpbA==\x07web", "backend/api", "-f", DEMO)
    assert r.exit_code == 2
    assert_terminal_safe(r.stderr)
    assert "\\x1b]52;c;ZXZpbA==\\x07" in r.stderr


def test_loader_warnings_are_escaped(monkeypatch: pytest.MonkeyPatch):
    """Warnings quote names; whatever a loader message holds, it is escaped."""
    import netverify.cli

    real = netverify.cli.load_cluster

    def load(*a: object, **k: object):
        c = real(*a, **k)  # type: ignore[arg-type]
        return dataclasses.replace(c, warnings=(f"raw {OSC52} {C1}",),
                                   notes=(f"note {OSC8}",))

    monkeypatch.setattr(netverify.cli, "load_cluster", load)
    r = run("matrix", "-f", DEMO, "-v")
    assert_terminal_safe(r.stderr)
    assert "warning: raw clip\\x1b]52;c;ZXZpbA==\\x07 c1\\x9b2J\\x9d0;title\\x9c" in r.stderr
    assert "note: note evil\\x1b]8;;http://x\\x07" in r.stderr


def test_sanitize_writes_out_c0_del_and_c1():
    assert sanitize("a\x1bb\x07c\x7fd\x9be\tf\rg\nh") == "a\\x1bb\\x07c\\x7fd\\x9be\\x09f\\x0dg\nh"
    assert sanitize("one\ntwo", newlines=False) == "one\\x0atwo"
    assert sanitize("plain ✓ ünïcode → ok") == "plain ✓ ünïcode → ok"


def test_colour_marks_cannot_be_forged_by_input():
    on = RenderOptions(color=True)
    text = finish(f"{paint('DENIED', 'red', on)}  \x00x<red:FAKE\x00x> {OSC8}\n", on)
    assert text.startswith("\x1b[31m\x1b[1mDENIED\x1b[0m  ")
    assert text.count("\x1b") == 3  # the colour's three sequences, nothing from the input
    assert "\\x00x<red:FAKE\\x00x>" in text
    assert finish(paint("DENIED", "red", RenderOptions()), RenderOptions()) == "DENIED"


def test_sanitize_writes_out_bidi_controls_separators_and_non_characters():
    # UAX #9 explicit formatting characters and marks, the separators, non-characters
    bidi = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    assert sanitize(f"a{bidi}b") == "a" + "".join(f"\\u{ord(c):04x}" for c in bidi) + "b"
    assert sanitize("x\u2028y\u2029z\ufffe\uffff") == "x\\u2028y\\u2029z\\ufffe\\uffff"
    # a file name that is not UTF-8 reaches Python as lone surrogates (PEP 383)
    assert sanitize("bad\udcff.yaml") == "bad\\udcff.yaml"
    assert sanitize("plain ✓ ünïcode → ok, עברית and العربية") == (
        "plain ✓ ünïcode → ok, עברית and العربية")  # right-to-left letters are text


@pytest.mark.parametrize("color", ["never", "always"])
def test_a_bidi_override_in_a_name_is_written_out(tmp_path: Path, color: str):
    r = run("matrix", "-f", manifests(tmp_path), "--color", color)
    assert_terminal_safe(r.stdout, colour=color == "always")
    assert "rtl\\u202eexe.gpj\\u2066iso\\u2069\\u200f" in r.stdout


HOSTILE_SPEC_NAME = f"db \x1b[2J\x00 {BIDI} <x>&amp; \x0c\ufffe ]]> \"'"


def test_check_writes_hostile_assertion_names_escaped_and_junit_well_formed(tmp_path: Path):
    spec = tmp_path / "s.yaml"
    spec.write_text(yaml.safe_dump({"manifests": [DEMO], "assertions": [
        {"name": HOSTILE_SPEC_NAME, "from": "frontend/web", "to": "backend/db:5432",
         "expect": "allow"}]}), encoding="utf-8")
    junit = tmp_path / "junit.xml"
    r = run("check", str(spec), "--junit", str(junit), "--color", "always")
    assert r.exit_code == 1
    assert_terminal_safe(r.stdout, colour=True)
    assert "db \\x1b[2J\\x00 rtl\\u202eexe.gpj" in r.stdout
    case = ET.parse(junit).getroot().find("testsuite/testcase")
    assert case is not None
    assert case.get("name") == sanitize(HOSTILE_SPEC_NAME, newlines=False)
    assert not RAW_CONTROL.search(junit.read_text(encoding="utf-8"))
