"""One lint search per cluster and run, shared by rules NV150, NV151 and NV152.

The three rules report what one search finds (``queries/lint.py``): the findings
depend on each other (each is checked with the earlier ones applied), so they cannot
be computed rule by rule.  ``session`` opens a cache for one audit or lint run and
fixes its solver time limit; a rule asks ``result(cluster)`` and the first asker pays.
Outside a session (a rule called alone, as the case tests do) the search runs with the
default limit and is not kept.  What the search leaves undecided is collected by the
run, through ``undecided()``, for the report.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from netverify.audit.registry import Finding, Related, Rule
from netverify.deadline import DEFAULT_TIMEOUT_MS
from netverify.model import Cluster
from netverify.queries.lint import find_redundant
from netverify.results import LintResult


@dataclass(slots=True)
class _Session:
    timeout_ms: int
    # id(cluster) -> (cluster, result); the cluster is kept so that its id stays its own
    results: dict[int, tuple[Cluster, LintResult]] = field(default_factory=dict)


_CURRENT: ContextVar[_Session | None] = ContextVar("netverify_lint_session", default=None)


@contextmanager
def session(timeout_ms: int = DEFAULT_TIMEOUT_MS) -> Iterator[None]:
    """Share one search per cluster among the rules run inside this block."""
    token = _CURRENT.set(_Session(timeout_ms))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def result(cluster: Cluster) -> LintResult:
    """The lint search's findings on ``cluster``, computed once per session."""
    s = _CURRENT.get()
    if s is None:
        return find_redundant(cluster)
    hit = s.results.get(id(cluster))
    if hit is None or hit[0] is not cluster:
        hit = (cluster, find_redundant(cluster, timeout_ms=s.timeout_ms))
        s.results[id(cluster)] = hit
    return hit[1]


def undecided() -> tuple[str, ...]:
    """What the searches of the current session left undecided, in order."""
    s = _CURRENT.get()
    if s is None:
        return ()
    return tuple(u for _, r in s.results.values() for u in r.undecided)


def findings(rule: Rule, cluster: Cluster) -> Iterator[Finding]:
    """The search's findings of ``rule``'s code, naming the policies that shadow each."""
    sources = {p.key: p.source for p in cluster.policies}
    for f in result(cluster).findings:
        if f.code == rule.code:
            related = tuple(Related(object=f"NetworkPolicy {k}", role="shadows it",
                                    source=sources.get(k)) for k in f.covered_by)
            shadow = f" (shadowed by {', '.join(f.covered_by)})" if f.covered_by else ""
            yield rule.finding(f.message + shadow, f"NetworkPolicy {f.policy}", f.field,
                               f.source, related=related)
