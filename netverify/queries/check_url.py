"""``check`` for an assertion whose ``to`` is a URL: the request, followed hop by hop.

The request goes through ``can_reach_url`` (Ingress and Gateway API routes, then
NetworkPolicy on each hop), so a spec asks exactly what ``can-reach internet URL`` asks.
``expect: allow`` holds when every entry point that routes the URL delivers it; ``expect:
deny`` when none does (a request no route takes is denied).  ``status`` must be what the
request gets every way it can go (``RoutedPath.statuses``: 200 when a backend gets it).
A hop netverify cannot check leaves the assertion undecided, or incomplete when a traffic
policy it does not evaluate is the reason.
"""

from __future__ import annotations

from typing import Any

from netverify.errors import NetverifyError
from netverify.model import Cluster
from netverify.queries.paths import can_reach_url
from netverify.results import (
    AssertionReason,
    AssertionResult,
    Hop,
    RoutedPath,
    UrlOutcome,
    UrlResult,
)
from netverify.routing_grpc import STREAM_SCHEMES
from netverify.specs import Assertion, SpecFile
from netverify.verdicts import Answer, AssertionStatus, Basis, Expect, HopStatus


def check_url(cluster: Cluster, spec: SpecFile, a: Assertion) -> AssertionResult:
    """One URL assertion on the manifests as loaded (the CNI is applied here)."""
    assert a.request is not None and isinstance(a.src, str) and isinstance(a.dst, str)
    src, url = a.src, a.dst

    def result(status: AssertionStatus, reason: AssertionReason,
               **facts: Any) -> AssertionResult:
        return AssertionResult(file=spec.path, index=a.index, name=a.name, expect=a.expect,
                               scope=a.scope, status=status, reason=reason, src=src,
                               dst=url, **facts)

    # A gRPC call is a POST and a TLS connection has none: the spec's default GET is no ask.
    method: str | None = a.request.method
    if method == "GET" and url.lower().partition("://")[0] in STREAM_SCHEMES:
        method = None
    try:
        r = can_reach_url(cluster, src, url, headers=a.request.headers,
                          method=method, sni=a.request.sni, cni=spec.cni,
                          policy_only=a.answer is Basis.POLICY)
    except NetverifyError as e:
        return result(AssertionStatus.FAIL, AssertionReason.INVALID_ENDPOINT, why=str(e))
    base = UrlOutcome(url=r.url, method=r.method, verdict=r.verdict, statuses=r.statuses,
                      wanted=a.status)
    status, reason, outcome = _judge(a, r, base)
    if status is AssertionStatus.UNDECIDED and not r.coverage.complete:
        return result(AssertionStatus.INCOMPLETE, reason, coverage=r.coverage, url=outcome)
    return result(status, reason, url=outcome, coverage=r.coverage)


def _first(paths: tuple[RoutedPath, ...], status: HopStatus) -> tuple[str, Hop | None]:
    """The entry point and the first hop of ``status`` among ``paths``."""
    for p in paths:
        for h in p.hops:
            if h.status is status:
                return p.entry, h
    return "", None


def _judge(a: Assertion, r: UrlResult, base: UrlOutcome
           ) -> tuple[AssertionStatus, AssertionReason, UrlOutcome]:
    verdicts = {p.verdict for p in r.paths}
    # without a path, the note of a listener that answers 404, else the closing note
    said = [n for n in r.notes if n.endswith("(404)") or "(404);" in n] or list(r.notes[-1:])
    why = said[0] if not r.paths and said else ""
    if a.expect is Expect.ALLOW:
        if not r.paths or Answer.NO in verdicts:
            entry, hop = _first(r.paths, HopStatus.BLOCKED)
            return (AssertionStatus.FAIL, AssertionReason.URL_NOT_DELIVERED,
                    _with(base, entry, hop, why))
    elif Answer.YES in verdicts:
        entry = next(p.entry for p in r.paths if p.verdict is Answer.YES)
        return AssertionStatus.FAIL, AssertionReason.URL_DELIVERED, _with(base, entry, None, "")
    if Answer.UNDECIDED in verdicts:
        entry, hop = _first(r.paths, HopStatus.UNDECIDED)
        return (AssertionStatus.UNDECIDED, AssertionReason.URL_UNDECIDED,
                _with(base, entry, hop, ""))
    if a.status is not None and r.statuses != (a.status,):
        return AssertionStatus.FAIL, AssertionReason.URL_STATUS, _with(base, "", None, why)
    return AssertionStatus.PASS, AssertionReason.URL_ANSWERED, _with(base, "", None, why)


def _with(base: UrlOutcome, entry: str, hop: Hop | None, why: str) -> UrlOutcome:
    return UrlOutcome(url=base.url, method=base.method, verdict=base.verdict,
                      statuses=base.statuses, wanted=base.wanted, entry=entry, hop=hop, why=why)
