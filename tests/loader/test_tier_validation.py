"""The CRDs' validation, from the spec-derived case files: each ``invalid`` case is
rejected at the field it names (exit status 2 on the command line), every other
policy object loads."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netverify.errors import ManifestError
from netverify.loader import load_text

CASES = Path(__file__).parents[1] / "tiers" / "cases"


def _cases() -> list[tuple[str, dict[str, object]]]:
    out = []
    for f in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(f.read_text(encoding="utf-8"))["cases"]:
            out.append((f"{f.stem}:{case['name']}", case))
    return out


def _text(case: dict[str, object]) -> str:
    return yaml.safe_dump_all(case["manifests"], sort_keys=False)  # type: ignore[arg-type]


CASE_LIST = _cases()


@pytest.mark.parametrize(("name", "case"), [c for c in CASE_LIST if "invalid" in c[1]],
                         ids=[c[0] for c in CASE_LIST if "invalid" in c[1]])
def test_invalid_objects_are_rejected_at_their_field(name: str, case: dict[str, object]) -> None:
    invalid = case["invalid"]
    assert isinstance(invalid, dict)
    with pytest.raises(ManifestError) as e:
        load_text(_text(case), "case.yaml")
    err = e.value
    assert err.source is not None and err.source.name == invalid["name"], str(err)
    assert err.source.kind == invalid["kind"], str(err)
    assert (err.field or "").startswith(str(invalid["field"])) or str(
        invalid["field"]).startswith(err.field or "\0"), f"{err}\nwanted {invalid['field']}"


@pytest.mark.parametrize(("name", "case"), [c for c in CASE_LIST if "invalid" not in c[1]],
                         ids=[c[0] for c in CASE_LIST if "invalid" not in c[1]])
def test_valid_objects_load(name: str, case: dict[str, object]) -> None:
    cluster = load_text(_text(case), "case.yaml")
    assert cluster.cluster_policies or all(
        m["kind"] not in ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy",
                          "ClusterNetworkPolicy") for m in case["manifests"])  # type: ignore
