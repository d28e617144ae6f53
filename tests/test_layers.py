"""The import direction of DESIGN.md: cli -> queries, audit -> engines -> model; loader -> model.

Renderers see results only; nothing below the CLI prints or knows about processes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "netverify"

# layer -> netverify subpackages/modules it must not import
FORBIDDEN = {
    "model": {"loader", "engines", "queries", "renderers", "cli"},
    "cluster_policies": {"loader", "engines", "queries", "renderers", "cli", "results"},
    "selectors": {"loader", "engines", "queries", "renderers", "cli", "model"},
    "ports": {"loader", "engines", "queries", "renderers", "cli", "model"},
    "policy_kinds": {"loader", "engines", "queries", "renderers", "cli", "audit", "model",
                     "results"},
    "results": {"loader", "engines", "queries", "renderers", "cli", "audit"},
    "loader": {"engines", "queries", "renderers", "cli"},
    "engines": {"loader", "queries", "renderers", "cli"},
    "queries": {"loader", "renderers", "cli"},
    "audit": {"loader", "renderers", "cli"},  # rules are queries over the model
    "routing": {"loader", "engines", "queries", "renderers", "cli", "audit"},
    "hop_text": {"loader", "engines", "queries", "renderers", "cli", "audit"},  # NV608 uses it
    "renderers": {"loader", "engines", "queries", "cli", "audit"},
}


def _layer(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
                "netverify."):
            out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("netverify."):
                    out.add(alias.name.split(".")[1])
    return out


MODULES = sorted(p for p in PKG.rglob("*.py") if _layer(p) in FORBIDDEN)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_imports_follow_the_layers(path: Path) -> None:
    bad = _imports(path) & FORBIDDEN[_layer(path)]
    assert not bad, f"{path.relative_to(PKG)} imports {sorted(bad)}"


def test_no_print_below_the_cli() -> None:
    for path in PKG.rglob("*.py"):
        if path.name == "cli.py":
            continue
        tree = ast.parse(path.read_text())
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
                 and isinstance(n.func, ast.Name) and n.func.id == "print"]
        assert not calls, f"{path.relative_to(PKG)} calls print()"
