"""docs/rules.md is generated from the registry and must not drift from it."""

from __future__ import annotations

from pathlib import Path

from netverify.audit.docs import REGENERATE, docstring_sections, rules_markdown, to_markdown
from netverify.audit.registry import all_rules

RULES_MD = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_rules_page_is_up_to_date():
    expected = rules_markdown()
    actual = RULES_MD.read_text(encoding="utf-8") if RULES_MD.exists() else ""
    assert actual == expected, f"docs/rules.md is stale; regenerate it with: {REGENERATE}"


def test_every_rule_has_a_section_with_its_three_parts():
    text = rules_markdown()
    for rule in all_rules():
        section = text.split(f"## {rule.code}: ", 1)[1].split("\n## ", 1)[0]
        for heading in ("### Anti-pattern", "### Why it hurts", "### Fix"):
            assert heading in section, (rule.code, heading)
        assert "(not documented)" not in section, rule.code


def test_literal_blocks_become_fenced_yaml():
    md = to_markdown("Do this::\n\n    a: 1\n      b: 2\n\nThen ``netverify`` it.")
    assert md == "Do this:\n\n```yaml\na: 1\n  b: 2\n```\n\nThen `netverify` it."


def test_sections_split_on_bold_headings():
    doc = """Title

    **Anti-pattern**

    Bad.

    **Why it hurts**

    Pain.

    **Fix**

    Good::

        x: 1
    """
    assert docstring_sections(doc) == {"Anti-pattern": "Bad.", "Why it hurts": "Pain.",
                                       "Fix": "Good:\n\n```yaml\nx: 1\n```"}
