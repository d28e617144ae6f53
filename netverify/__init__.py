"""netverify: exact, explained Kubernetes network reachability from manifests.

Library use::

    from netverify import load_cluster, can_reach
    cluster = load_cluster(["fixtures/demo"])
    result = can_reach(cluster, "frontend/web", "backend/db:5432")
    result.allowed
"""

from __future__ import annotations

__version__ = "0.1.0"

from netverify.errors import ManifestError, NetverifyError, QueryError
from netverify.loader import load_cluster, load_text
from netverify.queries import can_reach, matrix
from netverify.results import CanReachResult, MatrixResult, PairVerdict

__all__ = [
    "CanReachResult",
    "ManifestError",
    "MatrixResult",
    "NetverifyError",
    "PairVerdict",
    "QueryError",
    "__version__",
    "can_reach",
    "load_cluster",
    "load_text",
    "matrix",
]
