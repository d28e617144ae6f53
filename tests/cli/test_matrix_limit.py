"""The pod-level matrix is refused above its documented size unless --force."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import netverify.queries.matrix as mq
from netverify.cli import main

DEMO = str(Path(__file__).parents[2] / "fixtures" / "demo")


def test_the_limit_is_documented_in_the_help() -> None:
    r = CliRunner().invoke(main, ["matrix", "--help"])
    assert f"{mq.POD_MATRIX_LIMIT:,} pods" in r.output and "--force" in r.output


def test_above_the_limit_the_pod_matrix_is_refused_with_the_alternatives(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mq, "POD_MATRIX_LIMIT", 3)
    r = CliRunner().invoke(main, ["matrix", "-f", DEMO])
    assert r.exit_code == 2, r.output
    assert r.stdout == ""
    assert "cells, above the limit of 3 pods" in r.stderr
    assert "--by workload" in r.stderr and "--by namespace" in r.stderr
    assert "Traceback" not in r.output


def test_force_prints_it_and_groups_are_not_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mq, "POD_MATRIX_LIMIT", 3)
    forced = CliRunner().invoke(main, ["matrix", "--force", "-f", DEMO])
    assert forced.exit_code == 0, forced.output
    assert "Connectivity by pod" in forced.stdout
    grouped = CliRunner().invoke(main, ["matrix", "--by", "namespace", "-f", DEMO])
    assert grouped.exit_code == 0, grouped.output
