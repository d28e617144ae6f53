"""Queries: each takes a Cluster and returns a result object (never text)."""

from netverify.queries.can_reach import can_reach
from netverify.queries.matrix import matrix

__all__ = ["can_reach", "matrix"]
