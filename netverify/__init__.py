"""netverify: exact, explained Kubernetes network reachability from manifests.

Every question the command line asks is a function here, returning a frozen result
dataclass; ``render`` turns a result into any of its output formats.  The README's
"Library" section has examples (a test runs them)::

    from netverify import can_reach, load_cluster
    cluster = load_cluster(["fixtures/demo"])
    can_reach(cluster, "frontend/web", "backend/api:8080").allowed  # True

Names are imported on first use (PEP 562), so ``netverify can-reach`` does not pay
for numpy or Z3, which only the matrix and SMT questions need.  A type checker reads
the ``TYPE_CHECKING`` imports instead, so every name has its real type; ``_EXPORTS``
says the same at run time (a test checks that the two agree).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netverify.audit.run import audit as audit_cluster
    from netverify.errors import ManifestError, NetverifyError, QueryError, UnsupportedFormat
    from netverify.loader import load_cluster, load_text
    from netverify.model import Cluster
    from netverify.queries.can_reach import can_reach
    from netverify.queries.check import check
    from netverify.queries.diff import diff
    from netverify.queries.hypothetical import can_reach_hypothetical
    from netverify.queries.lint import lint
    from netverify.queries.matrix import matrix
    from netverify.queries.paths import can_reach_url, paths
    from netverify.queries.who_can_reach import who_can_reach
    from netverify.renderers import render
    from netverify.renderers.base import RenderOptions
    from netverify.results import (
        AssertionResult,
        AuditReport,
        CanReachResult,
        CheckReport,
        DiffResult,
        Finding,
        HypotheticalResult,
        LintResult,
        MatrixResult,
        PairVerdict,
        PathsResult,
        Severity,
        UrlResult,
        WhoCanReachResult,
    )
    from netverify.specs import SpecError
    from netverify.verdicts import (
        Answer,
        AssertionStatus,
        Change,
        GroupBy,
        HopStatus,
        SourceStatus,
    )

__version__ = "0.1.0"

# name -> the module that defines it, imported when the name is first used; with
# ``:attribute`` when the module calls it otherwise (``netverify.audit`` is the package of
# the rules, so the audit itself is exported as ``audit_cluster``).
_EXPORTS = {
    # loading
    "Cluster": "netverify.model",
    "load_cluster": "netverify.loader",
    "load_text": "netverify.loader",
    # questions
    "audit_cluster": "netverify.audit.run:audit",
    "can_reach": "netverify.queries.can_reach",
    "can_reach_hypothetical": "netverify.queries.hypothetical",
    "can_reach_url": "netverify.queries.paths",
    "check": "netverify.queries.check",
    "diff": "netverify.queries.diff",
    "lint": "netverify.queries.lint",
    "matrix": "netverify.queries.matrix",
    "paths": "netverify.queries.paths",
    "who_can_reach": "netverify.queries.who_can_reach",
    # answers
    "AssertionResult": "netverify.results",
    "AuditReport": "netverify.results",
    "CanReachResult": "netverify.results",
    "CheckReport": "netverify.results",
    "DiffResult": "netverify.results",
    "Finding": "netverify.results",
    "HypotheticalResult": "netverify.results",
    "LintResult": "netverify.results",
    "MatrixResult": "netverify.results",
    "PairVerdict": "netverify.results",
    "PathsResult": "netverify.results",
    "Severity": "netverify.results",
    "UrlResult": "netverify.results",
    "WhoCanReachResult": "netverify.results",
    # the closed sets of answers inside them
    "Answer": "netverify.verdicts",
    "AssertionStatus": "netverify.verdicts",
    "Change": "netverify.verdicts",
    "GroupBy": "netverify.verdicts",
    "HopStatus": "netverify.verdicts",
    "SourceStatus": "netverify.verdicts",
    # output
    "RenderOptions": "netverify.renderers.base",
    "render": "netverify.renderers",
    # errors
    "ManifestError": "netverify.errors",
    "NetverifyError": "netverify.errors",
    "QueryError": "netverify.errors",
    "SpecError": "netverify.specs",
    "UnsupportedFormat": "netverify.errors",
}

__all__ = [
    "Answer",
    "AssertionResult",
    "AssertionStatus",
    "AuditReport",
    "CanReachResult",
    "Change",
    "CheckReport",
    "Cluster",
    "DiffResult",
    "Finding",
    "GroupBy",
    "HopStatus",
    "HypotheticalResult",
    "LintResult",
    "ManifestError",
    "MatrixResult",
    "NetverifyError",
    "PairVerdict",
    "PathsResult",
    "QueryError",
    "RenderOptions",
    "Severity",
    "SourceStatus",
    "SpecError",
    "UnsupportedFormat",
    "UrlResult",
    "WhoCanReachResult",
    "__version__",
    "audit_cluster",
    "can_reach",
    "can_reach_hypothetical",
    "can_reach_url",
    "check",
    "diff",
    "lint",
    "load_cluster",
    "load_text",
    "matrix",
    "paths",
    "render",
    "who_can_reach",
]


def __getattr__(name: str) -> Any:
    """Import an exported name from its module on first use (PEP 562)."""
    where = _EXPORTS.get(name)
    if where is None:
        raise AttributeError(f"module 'netverify' has no attribute {name!r}")
    module, _, attribute = where.partition(":")
    value = getattr(importlib.import_module(module), attribute or name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    """The module's names, the lazy ones included (for ``dir()`` and completion)."""
    return sorted({*globals(), *_EXPORTS})
