"""netverify against the netpol-analyzer corpus's AdminNetworkPolicy and
BaselineAdminNetworkPolicy cases (``../shared/corpus/netpol-analyzer/anp``).

As for the plain cases (``test_netpol_analyzer.py``): the pairwise ``Evaluator`` and
the all-pairs engine must agree with each other and with ``expected.json``; external
rows are compared by IPv4 coverage.  Where the analyzer reads input the CRDs reject,
the case is a strict xfail on the input as given and is run again with the
analyzer's reading emulated on the manifests.
"""

from __future__ import annotations

import pytest

from netverify.errors import ManifestError

from . import _netpol_analyzer as npa

if not npa.corpus_available():
    pytest.skip(f"netpol-analyzer corpus not found at {npa.NPA_ROOT}",
                allow_module_level=True)

pytestmark = pytest.mark.corpus

MISSING_SELECTOR = (
    "invalid input: a `pods` subject or peer without podSelector or namespaceSelector. The "
    "v1alpha1 CRD requires both (NamespacedPod, `required: [namespaceSelector, "
    "podSelector]` in config/crd of network-policy-api v0.1.7), so the API server and "
    "netverify reject the object; the analyzer reads a missing selector as empty.")
NAMED_PORT_WITH_NETWORKS = (
    "invalid input: a rule with a namedPort and a networks peer. The experimental CRD's "
    "CEL rule on AdminNetworkPolicyEgressRule rejects it ('networks/nodes peer cannot be "
    "set with namedPorts since there are no namedPorts for networks/nodes'); netverify "
    "rejects it too, and no reading of it is specified.")

# Every case where netverify refuses the input as the API server would.
_MISSING_SELECTOR_CASES = (
    "anp_demo", "anp_test_10", "anp_test_10_swapping_rules", "anp_test_11",
    "anp_test_11_swapping_rules", "anp_test_12", "anp_test_12_swapping_rules",
    "anp_test_3_pass_traffic", "anp_test_8", "anp_test_8_swapping_rules", "anp_test_9",
    "anp_test_9_swapping_rules", "anp_test_combining_test_6_and_test_10",
    "anp_test_multiple_anps", "example_pods_w_same_owner_and_labels_gap_anp_good",
    "example_pods_w_same_owner_and_labels_gap_banp_good", "exposure_test_with_anp_12",
    "exposure_test_with_anp_13", "exposure_test_with_anp_14", "exposure_test_with_anp_15",
    "exposure_test_with_anp_16")
INVALID: dict[str, str] = {
    **dict.fromkeys(_MISSING_SELECTOR_CASES, MISSING_SELECTOR),
    "anp_test_named_ports_multiple_peers": NAMED_PORT_WITH_NETWORKS,
}

CASES = npa.anp_cases()


def _param(case: str) -> object:
    reason = INVALID.get(case)
    marks = [pytest.mark.xfail(strict=True, raises=ManifestError, reason=reason)] \
        if reason else []
    return pytest.param(case, id=case, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case(case: str) -> None:
    cluster = npa.load(npa.case_dir(case) / "input")
    _, problems = npa.check_case(case, cluster)
    assert not problems, npa.report(case, problems)


@pytest.mark.parametrize("case", [c for c in CASES if INVALID.get(c) == MISSING_SELECTOR])
def test_case_with_analyzer_selectors(case: str) -> None:
    cluster = npa.load_with_default_selectors(npa.case_dir(case) / "input")
    _, problems = npa.check_case(case, cluster)
    assert not problems, npa.report(case, problems)


def test_invalid_cases_exist() -> None:
    assert not set(INVALID) - set(CASES)


def test_corpus_has_the_documented_case_count() -> None:
    assert len(CASES) == 70
