"""The shape of the rule modules: each stands alone and says what it checks.

Helpers that several rules need live in neutral modules under ``netverify/audit/``
(``naming``, ``services``, ``exposure``, ``ingresses``, ``cni_gaps``, ``text``), never
in a rule module another rule imports: a rule can then be read, changed or retired
without touching its neighbours.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parents[2] / "netverify" / "audit" / "rules"
MODULES = sorted(RULES.glob("nv*.py"))


def _imported(tree: ast.Module) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # a relative import reaches a sibling module
                out.add("." * node.level + (node.module or ""))
            elif node.module:
                out.add(node.module)
                out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_there_are_rule_modules() -> None:
    assert len(MODULES) >= 28


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_no_rule_module_imports_another(path: Path) -> None:
    imported = _imported(ast.parse(path.read_text()))
    bad = sorted(m for m in imported
                 if m.startswith(".") or m.startswith("netverify.audit.rules"))
    assert not bad, f"{path.name} imports {bad}: move shared helpers to netverify/audit/"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_module_docstring_says_what_the_rule_checks(path: Path) -> None:
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    code = path.stem[:5].upper()
    assert doc.startswith(f"{code}: "), f"{path.name}: the docstring starts with '{code}: '"
    summary = doc.splitlines()[0].removeprefix(f"{code}: ")
    assert len(re.findall(r"\w+", summary)) >= 5, f"{path.name}: say what the rule checks"
