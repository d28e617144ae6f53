"""The import direction of DESIGN.md: cli -> queries, audit -> engines -> model; loader -> model.

Every top-level module and package of netverify has an entry saying which others it may
import; anything else is a layer violation, and a module without an entry fails until
it is given one.  ``from netverify import X`` counts too: X is a submodule, or a name the
package root re-exports, which counts as an import of the module that defines it.

Renderers see results (and the exit statuses some formats record) only; nothing below the
CLI prints or knows about processes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "netverify"

# Values, addresses, selectors, the closed sets of answers and the messages about them: no
# cluster, no question.
CORE = {"source", "errors", "ports", "ipblocks", "selectors", "policy_kinds", "verdicts",
        "path_rules"}
# The objects of a cluster (model and cluster_policies refer to each other).
MODEL = CORE | {"model", "cluster_policies"}
# What the questions are asked of: engines, the CNI table, routing, specs, time limits.
ASKING = MODEL | {"results", "matrix_cells", "deadline", "engines", "cni", "routing",
                  "routing_grants", "routing_listeners", "routing_grpc", "routing_sni",
                  "routing_filters", "route_controls", "endpointslices", "specs"}

# layer -> the netverify modules and packages it may import
ALLOWED: dict[str, set[str]] = {
    "source": set(),
    "ports": set(),
    "path_rules": set(),  # the Ingress path values the API server rejects
    "deadline": set(),
    "progress": set(),  # phases and bars on stderr; silent unless the CLI installs a reporter
    "verdicts": set(),  # the answer enums; the model, specs, CNI table and results use them
    "errors": {"source"},
    "ipblocks": {"ports"},
    "selectors": {"errors", "source"},
    "policy_kinds": {"errors", "source"},
    "output": {"errors"},  # atomic file writes; knows nothing of clusters
    "terminal": set(),  # colour and width from the environment; for the CLI only
    "config": {"errors"},  # the settings file; for the CLI only
    "model": MODEL,
    "cluster_policies": MODEL,
    "routing": MODEL | {"routing_grants"},  # what an Ingress or Gateway sends where
    "routing_grants": MODEL,  # which cross-namespace references ReferenceGrants permit
    # whether a Gateway serves at all: certificateRefs (granted?) and addresses
    "routing_listeners": MODEL | {"routing_grants"},
    "routing_grpc": MODEL | {"routing", "routing_grants"},  # GRPCRoute and TLSRoute choice
    "routing_sni": MODEL | {"routing"},  # which HTTPS listener a connection gets; 421s
    "routing_filters": MODEL | {"routing"},  # redirects, rewrites: what a filter makes of it
    # the filters and Ingress annotations that may refuse a request: not evaluated
    "route_controls": MODEL,
    "endpointslices": MODEL,  # a selector-less Service's endpoints, from its slices
    "cni": MODEL,  # the plugin table and detection from manifests
    "loader": MODEL | {"progress"},
    "specs": MODEL | {"loader", "cni"},  # spec files are read with the loader's YAML reader
    "results": MODEL,
    "matrix_cells": MODEL | {"results"},  # a group matrix's cells as arrays
    # what each answer means to a shell: a function of results
    "exits": MODEL | {"results", "matrix_cells"},
    "hop_text": MODEL | {"results"},  # how a path's hop reads: for renderers and NV608
    "engines": MODEL | {"results", "deadline", "progress"},
    "queries": ASKING | {"progress"},
    "audit": ASKING | {"queries", "hop_text", "progress"},  # rules are queries over the model
    "renderers": MODEL | {"results", "matrix_cells", "exits", "hop_text", "policy_yaml"},
    "policy_yaml": MODEL | {"results"},  # suggested policies as YAML: for suggest and renderers
    # suggest: synthesis from an intent, and the proof on the YAML read back by the loader
    "suggest": ASKING | {"queries", "loader", "policy_yaml"},
    "cli": ASKING | {"queries", "audit", "renderers", "loader", "output", "exits", "progress",
                     "terminal", "config", "suggest"},
    "__main__": {"cli"},
}


def _layer(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0].removesuffix(".py")


def _root_exports() -> dict[str, str]:
    """Each name the package root re-exports -> the top-level module that defines it."""
    tree = ast.parse((PKG / "__init__.py").read_text())
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
                "netverify."):
            for alias in node.names:
                out[alias.asname or alias.name] = node.module.split(".")[1]
    return out


def _from_root(name: str) -> str | None:
    """The layer ``from netverify import name`` reaches (None: the root's own constant)."""
    if (PKG / name).is_dir() or (PKG / f"{name}.py").is_file():
        return name
    if name == "__version__":
        return None
    exports = _root_exports()
    assert name in exports, f"netverify does not export {name}"
    return exports[name]


def _imports(source: str) -> set[str]:
    tree = ast.parse(source)
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "netverify":
            out.update(layer for alias in node.names
                       if (layer := _from_root(alias.name)) is not None)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
                "netverify."):
            out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("netverify."):
                    out.add(alias.name.split(".")[1])
    return out


MODULES = sorted(p for p in PKG.rglob("*.py") if p != PKG / "__init__.py")


def test_every_module_has_a_layer() -> None:
    layers = {_layer(p) for p in MODULES}
    missing = sorted(layers - set(ALLOWED))
    assert not missing, f"say what {missing} may import in ALLOWED"
    assert not set(ALLOWED) - layers, "ALLOWED names modules that no longer exist"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_imports_follow_the_layers(path: Path) -> None:
    layer = _layer(path)
    bad = _imports(path.read_text()) - ALLOWED[layer] - {layer}
    assert not bad, f"{path.relative_to(PKG)} imports {sorted(bad)}"


@pytest.mark.parametrize(("source", "layers"), [
    ("from netverify import can_reach", {"queries"}),
    ("from netverify import routing", {"routing"}),
    ("from netverify import CanReachResult, load_cluster", {"results", "loader"}),
    ("from netverify import __version__", set()),
    ("import netverify.engines.allpairs", {"engines"}),
    ("from netverify.model import Pod", {"model"}),
])
def test_imports_through_the_package_root_count(source: str, layers: set[str]) -> None:
    assert _imports(source) == layers


def test_no_print_below_the_cli() -> None:
    for path in PKG.rglob("*.py"):
        if path.name == "cli.py":
            continue
        tree = ast.parse(path.read_text())
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
                 and isinstance(n.func, ast.Name) and n.func.id == "print"]
        assert not calls, f"{path.relative_to(PKG)} calls print()"
