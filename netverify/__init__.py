"""netverify: exact, explained Kubernetes network reachability from manifests.

Library use::

    from netverify import load_cluster, can_reach
    cluster = load_cluster(["fixtures/demo"])
    result = can_reach(cluster, "frontend/web", "backend/db:5432")
    result.allowed

Names are imported on first use (PEP 562), so ``netverify can-reach`` does not
pay for numpy or Z3, which only the matrix and SMT questions need.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "ManifestError": "netverify.errors",
    "NetverifyError": "netverify.errors",
    "QueryError": "netverify.errors",
    "load_cluster": "netverify.loader",
    "load_text": "netverify.loader",
    "can_reach": "netverify.queries.can_reach",
    "matrix": "netverify.queries.matrix",
    "can_reach_hypothetical": "netverify.queries.hypothetical",
    "who_can_reach": "netverify.queries.who_can_reach",
    "lint": "netverify.queries.lint",
    "CanReachResult": "netverify.results",
    "HypotheticalResult": "netverify.results",
    "LintResult": "netverify.results",
    "MatrixResult": "netverify.results",
    "PairVerdict": "netverify.results",
    "WhoCanReachResult": "netverify.results",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'netverify' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
