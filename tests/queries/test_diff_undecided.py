"""diff does not call a change certain where cluster-wide policies leave ports open.

network-policy-api (ClusterNetworkPolicy, AdminNetworkPolicy before it): policies of one
tier at the same priority with conflicting rules leave the verdict to the
implementation ("the behavior is undefined" / implementation-specific); netverify calls
such ports undecided.  A pair whose ports go from undecided to denied (or to allowed)
may or may not change in the cluster: the row must say "not decided" (complete false,
exit 3), never "no pair changed" nor a confident change.

``fixtures/tiers``: ClusterNetworkPolicy protect-databases (Admin, priority 10) denies
shop/web -> shop/db on TCP 5432; here the old side adds open-databases (Admin, priority
10) accepting everyone into db pods: tied on 5432.  The new side drops it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from netverify.cli import main
from tests.cli.test_tiers_cli import TIE

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tiers"


def _sides(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(FIXTURES, old)
    shutil.copytree(FIXTURES, new)
    (old / "tie.yaml").write_text(TIE)
    return old, new


def test_undecided_to_denied_is_a_row_not_decided(tmp_path):
    old, new = _sides(tmp_path)
    r = CliRunner().invoke(main, ["--no-cache", "diff", str(old), str(new), "--format",
                                  "json"])
    assert r.exit_code == 3, r.output
    doc = json.loads(r.output)
    rows = {(x["from"], x["to"]): x for x in doc["changes"]}
    row = rows[("shop/web", "shop/db")]
    assert row["complete"] is False


def test_denied_to_undecided_is_not_decided_either(tmp_path):
    # The reverse change (the tie added): the pair may now be allowed, or not.
    old, new = _sides(tmp_path)
    r = CliRunner().invoke(main, ["--no-cache", "diff", str(new), str(old)])
    assert r.exit_code == 3, r.output
    assert "shop/web" in r.output and "?" in r.output


def test_without_the_tie_the_same_change_is_decided(tmp_path):
    old, new = _sides(tmp_path)
    (old / "tie.yaml").write_text(TIE.replace("priority: 10", "priority: 5"))
    r = CliRunner().invoke(main, ["--no-cache", "diff", str(old), str(new), "--format",
                                  "json"])
    doc = json.loads(r.output)
    rows = {(x["from"], x["to"]): x for x in doc["changes"]}
    row = rows[("shop/web", "shop/db")]
    # open-databases now decides first (priority 5) and accepted every port
    assert row["complete"] is True and row["removed"]["TCP"] == "all"
    assert r.exit_code == 0
