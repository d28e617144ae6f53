"""JUnit XML for CI systems: one testsuite per spec file, one testcase per assertion.

A failed assertion is a ``failure``, an undecided one (solver limit) an ``error``, an
incomplete one (it depends on traffic policies netverify does not evaluate) is
``skipped`` with the objects in its message: not run to a verdict, and the exit status
(3) still tells CI that the answer is missing.  Built with ElementTree (escaping is the
library's job, never string joins).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from netverify.results import AssertionResult, CheckReport


def render_junit(report: CheckReport) -> str:
    """The report as a JUnit ``testsuites`` document."""
    by_file: dict[str, list[AssertionResult]] = defaultdict(list)
    for r in report.results:
        by_file[r.file].append(r)
    root = ET.Element("testsuites", name="netverify check",
                      tests=str(len(report.results)),
                      failures=str(sum(r.status == "fail" for r in report.results)),
                      errors=str(sum(r.status == "undecided" for r in report.results)))
    for file in report.files:
        results = by_file.get(file, [])
        suite = ET.SubElement(root, "testsuite", name=file, tests=str(len(results)),
                              failures=str(sum(r.status == "fail" for r in results)),
                              errors=str(sum(r.status == "undecided" for r in results)),
                              skipped=str(sum(r.status == "incomplete" for r in results)))
        for r in results:
            case = ET.SubElement(suite, "testcase", name=r.name,
                                 classname=f"{file}.assertions[{r.index}]")
            body = "\n".join([r.message, *r.details])
            if r.status == "fail":
                ET.SubElement(case, "failure", message=r.message,
                              type=f"expect-{r.expect}").text = body
            elif r.status == "undecided":
                ET.SubElement(case, "error", message=r.message, type="undecided").text = body
            elif r.status == "incomplete":
                ET.SubElement(case, "skipped", message=f"incomplete: {r.message}").text = body
            else:
                ET.SubElement(case, "system-out").text = r.message
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
