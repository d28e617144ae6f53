"""One query per result type on the repository's fixtures: the goldens' inputs.

Each case is a query as the library runs it and the same question as a command line;
``test_goldens`` writes the result in every format the renderer registry has for its
type and compares with ``tests/goldens/files/<case>.<suffix>``.  Paths are relative to
the repository root (as in the README), so that no output holds an absolute path.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from netverify.results import (
    AuditReport,
    CanReachResult,
    CheckReport,
    DiffResult,
    HypotheticalResult,
    MatrixResult,
    PathsResult,
    Result,
    Severity,
    SuggestResult,
    UrlResult,
    WhoCanReachResult,
)

ROOT = Path(__file__).resolve().parents[2]
FILES = Path(__file__).parent / "files"


@dataclass(frozen=True)
class Case:
    """A golden input: the result type, the library call and the command line."""

    kind: type[Result]
    query: Callable[[], Result]
    argv: tuple[str, ...]
    exit_code: int


def _load(*paths: str):  # type: ignore[no-untyped-def]
    from netverify.loader import load_cluster

    return load_cluster(list(paths))


def _can_reach() -> Result:
    from netverify.queries.can_reach import can_reach

    return can_reach(_load("fixtures/demo"), "frontend/web", "backend/api")


def _can_reach_tiers() -> Result:
    from netverify.queries.can_reach import can_reach

    return can_reach(_load("fixtures/tiers"), "monitoring/prometheus", "shop/db:5432")


def _hypothetical() -> Result:
    from netverify.queries.hypothetical import can_reach_hypothetical

    return can_reach_hypothetical(_load("fixtures/demo"), "frontend/*", "backend/api:8080")


def _url() -> Result:
    from netverify.queries.paths import can_reach_url

    return can_reach_url(_load("fixtures/ingress"), "internet", "https://app.example.com/api")


def _who_can_reach() -> Result:
    from netverify.queries.who_can_reach import who_can_reach

    return who_can_reach(_load("fixtures/demo"), "backend/db", port=5432)


def _matrix() -> Result:
    from netverify.queries.matrix import matrix

    return matrix(_load("fixtures/demo"))


def _matrix_namespace() -> Result:
    from netverify.queries.matrix import matrix

    return matrix(_load("fixtures/demo"), by="namespace", port=8080)


def _matrix_focus() -> Result:
    from netverify.queries.focus import focus_matrix
    from netverify.queries.matrix import matrix

    c = _load("fixtures/demo")
    return focus_matrix(c, matrix(c, by="workload"), "backend/api")


def _lint() -> Result:
    from netverify.audit.run import lint

    return lint(_load("fixtures/lint"), inputs=("fixtures/lint",))


def _check() -> Result:
    from netverify.loader import load_cluster
    from netverify.queries.check import check

    return check(["specs/demo.yaml"], load=load_cluster)


def _diff() -> Result:
    from netverify.queries.diff import diff

    old, new = "fixtures/review/before.yaml", "fixtures/review/after.yaml"
    return diff(_load(old), _load(new), old_label=old, new_label=new)


def _paths() -> Result:
    from netverify.queries.paths import paths

    return paths(_load("fixtures/ingress"))


def _audit() -> Result:
    from netverify.audit.run import audit
    from netverify.renderers import shows_connectivity

    # fixtures/unevaluated: an incomplete report (NV704), with findings and a gate.
    return audit(_load("fixtures/unevaluated"), inputs=["fixtures/unevaluated"],
                 connectivity=shows_connectivity("json"), fail_on=Severity.ERROR)


def _suggest() -> Result:
    from netverify.suggest import suggest
    from netverify.suggest.flows_file import read_flows

    flows = read_flows("fixtures/suggest/demo-flows.csv")
    return suggest(_load("fixtures/demo"), flows, replace_existing=True,
                   intent_name="flows fixtures/suggest/demo-flows.csv")


CASES: dict[str, Case] = {
    "can-reach": Case(CanReachResult, _can_reach,
                      ("can-reach", "frontend/web", "backend/api", "-f", "fixtures/demo"), 0),
    "can-reach-tiers": Case(CanReachResult, _can_reach_tiers,
                            ("can-reach", "monitoring/prometheus", "shop/db:5432",
                             "-f", "fixtures/tiers"), 0),
    "can-reach-hypothetical": Case(HypotheticalResult, _hypothetical,
                                   ("can-reach", "--hypothetical", "frontend/*",
                                    "backend/api:8080", "-f", "fixtures/demo"), 0),
    "can-reach-url": Case(UrlResult, _url,
                          ("can-reach", "internet", "https://app.example.com/api",
                           "-f", "fixtures/ingress"), 1),
    "who-can-reach": Case(WhoCanReachResult, _who_can_reach,
                          ("who-can-reach", "backend/db", "--port", "5432",
                           "-f", "fixtures/demo"), 0),
    "matrix": Case(MatrixResult, _matrix, ("matrix", "-f", "fixtures/demo"), 0),
    "matrix-namespace": Case(MatrixResult, _matrix_namespace,
                             ("matrix", "--by", "namespace", "--port", "8080",
                              "-f", "fixtures/demo"), 0),
    "matrix-focus": Case(MatrixResult, _matrix_focus,
                         ("matrix", "--by", "workload", "--focus", "backend/api",
                          "-f", "fixtures/demo"), 0),
    "lint": Case(AuditReport, _lint, ("lint", "-f", "fixtures/lint"), 1),
    "check": Case(CheckReport, _check, ("check", "specs/demo.yaml"), 0),
    "diff": Case(DiffResult, _diff,
                 ("diff", "fixtures/review/before.yaml", "fixtures/review/after.yaml"), 0),
    "paths": Case(PathsResult, _paths, ("paths", "-f", "fixtures/ingress"), 0),
    "audit": Case(AuditReport, _audit, ("audit", "-f", "fixtures/unevaluated"), 3),
    "suggest": Case(SuggestResult, _suggest,
                    ("suggest", "fixtures/suggest/demo-flows.csv", "--replace",
                     "-f", "fixtures/demo"), 0),
}


@cache
def result(name: str) -> Result:
    """The result of a case, computed once, with the repository root as working directory."""
    with contextlib.chdir(ROOT):
        out = CASES[name].query()
    assert isinstance(out, CASES[name].kind), name
    return out
