"""Rule documentation from the registry: ``RuleInfo`` for reports, ``docs/rules.md`` for people.

A rule's docstring is the one place its anti-pattern, harm and fix are written
(kube-linter's lesson: docs generated from the checks cannot drift).  This module
reads the docstring sections, turns their reStructuredText-ish literal blocks
(``text::`` followed by an indented block) into fenced Markdown, and writes the
rules page.  It knows no output format beyond that page; SARIF and HTML take the
sections from ``RuleInfo``.

Regenerate the page after adding or changing a rule::

    python -m netverify.audit.docs > docs/rules.md
"""

from __future__ import annotations

import inspect
import re
import sys

from netverify.audit.registry import Rule, all_rules, get_rule
from netverify.results import RuleInfo

REGENERATE = "python -m netverify.audit.docs > docs/rules.md"
SECTIONS = ("Anti-pattern", "Why it hurts", "Fix")
_HEADING = re.compile(r"^\*\*(?P<name>[^*]+)\*\*\s*$")
_LITERAL = re.compile(r"``(.+?)``")


def rule_info(rule: type[Rule]) -> RuleInfo:
    """Describe a registered rule: code, title, severity and its docstring sections."""
    sections = docstring_sections(rule.__doc__ or "")
    return RuleInfo(code=rule.code, title=rule.title, severity=rule.severity,
                    name=rule.__name__, anti_pattern=sections.get("Anti-pattern", ""),
                    why=sections.get("Why it hurts", ""), fix=sections.get("Fix", ""))


def docstring_sections(doc: str) -> dict[str, str]:
    """Split a rule docstring into its ``**Heading**`` sections, each as Markdown.

    Text before the first heading (the title line) is dropped: the title is a
    class attribute already.
    """
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in inspect.cleandoc(doc).splitlines():
        m = _HEADING.match(line.strip())
        if m:
            current = out.setdefault(m["name"].strip(), [])
        elif current is not None:
            current.append(line)
    return {name: to_markdown("\n".join(lines)) for name, lines in out.items()}


def to_markdown(text: str) -> str:
    """Turn ``para::`` + indented block into ``para:`` + a fenced YAML block.

    Inline ``double backticks`` become single ones.  Everything else is already
    Markdown-compatible prose.
    """
    lines = text.strip("\n").splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.rstrip().endswith("::"):
            out.append(_LITERAL.sub(r"`\1`", line.rstrip()))
            i += 1
            continue
        head = line.rstrip()[:-2].rstrip()
        if head:
            out.append(_LITERAL.sub(r"`\1`", head) + ":")
        base = len(line) - len(line.lstrip())
        i += 1
        block: list[str] = []
        while i < len(lines) and (not lines[i].strip()
                                  or len(lines[i]) - len(lines[i].lstrip()) > base):
            block.append(lines[i])
            i += 1
        while block and not block[-1].strip():
            block.pop()
        body = inspect.cleandoc("\n".join(block)) if block else ""
        out += ["", "```yaml", *body.splitlines(), "```", ""]
    md = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", md).strip()


def anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading (lower case, punctuation dropped)."""
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return slug.replace(" ", "-")


def rules_markdown(rules: list[RuleInfo] | None = None) -> str:
    """The text of ``docs/rules.md``: an index table, then one section per rule."""
    infos = rules if rules is not None else [rule_info(r) for r in all_rules()]
    lines = ["# Audit rules", "",
             f"<!-- Generated from the rule registry by `{REGENERATE}`; do not edit. -->", "",
             "Each rule is one module under `netverify/audit/rules/`; this page is its "
             "docstring. Run them with `netverify audit -f PATH` (see [audit.md](audit.md)); "
             "silence one on an object with the annotation `netverify.io/ignore: CODE`. "
             "`netverify lint -f PATH` runs NV102, NV134-NV136 and NV150-NV152 the same way; "
             "the rules marked *lint only* search over every possible pod with the solver, "
             "so a default `netverify audit` leaves them out (`audit --rule NV151` runs one).",
             "",
             "| Code | Title | Severity |", "| --- | --- | --- |"]
    headings = {r.code: f"{r.code}: {r.title}" for r in infos}
    lines += [f"| [{r.code}](#{anchor(headings[r.code])}) | {r.title} | {r.severity.value} |"
              for r in infos]
    for r in infos:
        lint_only = " Lint only: run by `netverify lint` or `audit --rule`." if _lint_only(
            r.code) else ""
        lines += ["", f"## {headings[r.code]}", "",
                  f"Severity: **{r.severity.value}**. Rule class: `{r.name}`.{lint_only}"]
        for title, body in zip(SECTIONS, (r.anti_pattern, r.why, r.fix), strict=True):
            lines += ["", f"### {title}", "", body or "(not documented)"]
    return "\n".join(lines) + "\n"


def _lint_only(code: str) -> bool:
    try:
        return get_rule(code).lint_only
    except KeyError:  # a RuleInfo of no registered rule (a test's)
        return False


def main() -> int:
    """Write the rules page to standard output."""
    sys.stdout.write(rules_markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
