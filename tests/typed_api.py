# mypy: disallow-any-expr
"""Typed use of the library API: ``mypy --strict`` must accept it and it must run.

``tests/test_style.py`` type-checks this file with the package and ``tests/test_api.py``
runs it from the repository root.  No expression here may be ``Any`` (the comment above
tells mypy), as every exported name was when the package root exported through
``__getattr__`` alone; ``assert_type`` against the defining modules' types checks that
each export is the real thing.
"""

from __future__ import annotations

from typing import assert_type

import netverify
from netverify import (
    Answer,
    AssertionStatus,
    AuditReport,
    CanReachResult,
    CheckReport,
    Cluster,
    DiffResult,
    HopStatus,
    HypotheticalResult,
    LintResult,
    MatrixResult,
    NetverifyError,
    PathsResult,
    QueryError,
    RenderOptions,
    Severity,
    UrlResult,
    WhoCanReachResult,
    audit_cluster,
    can_reach,
    can_reach_hypothetical,
    can_reach_url,
    check,
    diff,
    lint,
    load_cluster,
    load_text,
    matrix,
    model,
    paths,
    render,
    results,
    who_can_reach,
)


def main() -> None:
    """Ask each question once, on the bundled fixtures, with the types spelled out."""
    demo: Cluster = load_cluster(["fixtures/demo"])
    assert_type(demo, model.Cluster)

    allowed: CanReachResult = can_reach(demo, "frontend/web", "backend/api:8080")
    assert_type(allowed, results.CanReachResult)
    assert allowed.allowed
    denied = can_reach(demo, "frontend/web", "backend/db:5432")
    assert not denied.allowed and denied.denied

    hypothetical: HypotheticalResult = can_reach_hypothetical(demo, "frontend/*", "backend/db:5432")
    assert_type(hypothetical, results.HypotheticalResult)
    assert not hypothetical.allowed
    assert_type(hypothetical.outcome, Answer)
    assert hypothetical.outcome is Answer.NO

    sources: WhoCanReachResult = who_can_reach(demo, "backend/db", port=5432)
    assert_type(sources, results.WhoCanReachResult)
    assert any(pod == "backend/api" for pod, _ in sources.existing)

    grid: MatrixResult = matrix(demo, by="namespace")
    assert_type(grid, results.MatrixResult)
    assert "backend" in grid.rows

    findings: LintResult = lint(demo)
    assert_type(findings, results.LintResult)
    report: AuditReport = audit_cluster(demo)
    assert_type(report, results.AuditReport)
    assert report.reaches(Severity.WARNING)

    old = load_cluster(["fixtures/review/before.yaml"])
    new = load_cluster(["fixtures/review/after.yaml"])
    changes: DiffResult = diff(old, new)
    assert_type(changes, results.DiffResult)

    specs: CheckReport = check(["specs/demo.yaml"], load=load_cluster)
    assert_type(specs, results.CheckReport)
    assert specs.passed
    assert all(a.status is AssertionStatus.PASS for a in specs.results)

    shop = load_cluster(["fixtures/ingress"])
    routes: PathsResult = paths(shop)
    assert_type(routes, results.PathsResult)
    url: UrlResult = can_reach_url(shop, "internet", "https://shop.example.com/")
    assert_type(url, results.UrlResult)
    assert url.verdict in (Answer.YES, Answer.NO)
    assert all(isinstance(hop.status, HopStatus) for path in url.paths for hop in path.hops)

    text = render(allowed, "json", RenderOptions())
    assert_type(text, str)
    assert '"frontend/web"' in text

    empty = load_text("{apiVersion: v1, kind: Namespace, metadata: {name: a}}", "ns.yaml")
    try:
        can_reach(empty, "a/b", "a/c")
    except QueryError as e:
        assert_type(e, QueryError)
        assert isinstance(e, NetverifyError)
    else:
        raise AssertionError("an unknown pod is a QueryError")

    assert_type(netverify.__version__, str)


if __name__ == "__main__":
    main()
