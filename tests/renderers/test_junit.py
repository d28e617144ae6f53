"""JUnit XML is well-formed for every assertion name, message and file name.

XML 1.0 (section 2.2, ``Char``) allows tab, newline, carriage return and the
characters from U+0020 up, less the surrogates, U+FFFE and U+FFFF.  ElementTree
escapes markup but writes those forbidden characters as they are, and one of them
makes the whole file unreadable to a CI system.  Spec names are free text and
messages quote object names, so any character can arrive.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from netverify.renderers.base import sanitize
from netverify.renderers.junit import render_junit
from netverify.results import AssertionReason, AssertionResult, CheckReport
from netverify.verdicts import AssertionScope, AssertionStatus, Expect
from tests.renderers.inert import assert_xml_inert
from tests.renderers.samples import HOSTILE_ALPHABET

# Any code point at all, and the hostile characters often.
anything = st.text(alphabet=st.one_of(st.sampled_from(HOSTILE_ALPHABET), st.characters()),
                   max_size=20)


def _report(file: str, name: str, why: str, detail: str, status: str) -> CheckReport:
    # The solver's reason and the address notes are free text the query passes through.
    result = AssertionResult(file=file, index=0, name=name, expect=Expect.ALLOW,
                             scope=AssertionScope.EXISTING, status=AssertionStatus(status),
                             reason=AssertionReason.SOLVER_UNDECIDED, why=why, notes=(detail,))
    return CheckReport(results=(result,), files=(file,))


@given(file=anything, name=anything, why=anything, detail=anything,
       status=st.sampled_from(["pass", "fail", "undecided"]))
def test_junit_is_well_formed_and_shows_every_name(file: str, name: str, why: str,
                                                   detail: str, status: str):
    root = assert_xml_inert(render_junit(_report(file, name, why, detail, status)))
    message = f"the solver could not decide: {why}"
    suite = root.find("testsuite")
    case = root.find("testsuite/testcase")
    assert suite is not None and case is not None
    assert suite.get("name") == sanitize(file, newlines=False)
    assert case.get("name") == sanitize(name, newlines=False)
    outcome = case.find({"pass": "system-out", "fail": "failure",
                         "undecided": "error"}[status])
    assert outcome is not None
    if status == "pass":
        assert (outcome.text or "") == sanitize(message, newlines=False)
    else:
        assert outcome.get("message") == sanitize(message, newlines=False)
        # XML turns a carriage return in text into a newline; the sanitizer wrote it out
        assert outcome.text == sanitize(f"{message}\n{detail}")


def test_junit_with_control_characters_in_a_name_parses():
    text = render_junit(_report("s\x1b.yaml", "bad \x1b[31m \x00 \u202e \uffff name",
                                "m\x07", "d\x0c", "fail"))
    case = ET.fromstring(text.encode()).find("testsuite/testcase")
    assert case is not None
    assert case.get("name") == "bad \\x1b[31m \\x00 \\u202e \\uffff name"
