"""JUnit XML for CI systems: one testsuite per spec file, one testcase per assertion.

Built with ElementTree (escaping is the library's job, never string joins).  ElementTree
escapes markup but passes on what XML 1.0 forbids (most C0 controls, lone surrogates,
U+FFFE, U+FFFF), which makes the whole file unreadable to a CI system; so every string
from a spec or the manifests first goes through ``base.sanitize``, which writes those out
(and bidi controls, which a CI web page would reorder text around).

A failed assertion is a ``failure``, an undecided one (solver limit) an ``error``, an
incomplete one (it depends on traffic policies netverify does not evaluate) is
``skipped`` with the objects in its message: not run to a verdict, and the exit status
(3) still tells CI that the answer is missing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence

from netverify.renderers.assertions import assertion_details, assertion_message
from netverify.renderers.base import DEFAULT_OPTIONS, RenderOptions, sanitize
from netverify.results import AssertionResult, CheckReport
from netverify.verdicts import AssertionStatus


def _line(text: str) -> str:
    """An attribute value: one line, nothing XML forbids."""
    return sanitize(text, newlines=False)


def _count(results: Sequence[AssertionResult], status: AssertionStatus) -> str:
    return str(sum(r.status is status for r in results))


def render_junit(report: CheckReport, opts: RenderOptions = DEFAULT_OPTIONS) -> str:
    """The report as a JUnit ``testsuites`` document."""
    by_file: dict[str, list[AssertionResult]] = defaultdict(list)
    for r in report.results:
        by_file[r.file].append(r)
    root = ET.Element("testsuites", name="netverify check",
                      tests=str(len(report.results)),
                      failures=_count(report.results, AssertionStatus.FAIL),
                      errors=_count(report.results, AssertionStatus.UNDECIDED))
    for file in report.files:
        results = by_file.get(file, [])
        suite = ET.SubElement(root, "testsuite", name=_line(file), tests=str(len(results)),
                              failures=_count(results, AssertionStatus.FAIL),
                              errors=_count(results, AssertionStatus.UNDECIDED),
                              skipped=_count(results, AssertionStatus.INCOMPLETE))
        for r in results:
            case = ET.SubElement(suite, "testcase", name=_line(r.name),
                                 classname=_line(f"{file}.assertions[{r.index}]"))
            said = assertion_message(r)
            message = _line(said)
            body = sanitize("\n".join([said, *assertion_details(r)]))
            if r.status is AssertionStatus.FAIL:
                ET.SubElement(case, "failure", message=message,
                              type=_line(f"expect-{r.expect.value}")).text = body
            elif r.status is AssertionStatus.UNDECIDED:
                ET.SubElement(case, "error", message=message, type="undecided").text = body
            elif r.status is AssertionStatus.INCOMPLETE:
                ET.SubElement(case, "skipped",
                              message=_line(f"incomplete: {said}")).text = body
            else:
                ET.SubElement(case, "system-out").text = message
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
