"""netverify against the np-guard/netpol-analyzer corpus (plain NetworkPolicy cases).

The corpus lives outside the repository, in ``../shared/corpus/netpol-analyzer``
(see its README for the schema and the analyzer's semantic choices); this module
skips as a whole when it is absent.  For every case in its ``index.json``:

* the input is loaded with netverify, pods are mapped to the analyzer's workload
  ids and self-pairs dropped;
* workload -> workload allowed ports are computed with both the pairwise
  ``Evaluator`` and ``compute_all_pairs``, which must agree with each other and
  with ``expected.json``;
* External rows are compared by IPv4 coverage with the ``Evaluator`` on ranges
  split at ipBlock boundaries; ``{ingress-controller}`` rows are skipped.

Where netverify differs from the analyzer by a documented semantic choice, the
case is an ``xfail(strict=True)`` in ``test_case`` and is run again in
``test_case_with_analyzer_semantics`` with the analyzer's choice emulated on the
loaded model, which must then match the corpus exactly.  netverify itself is
never bent to the corpus.  The comparison code is in ``_netpol_analyzer.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from netverify.errors import ManifestError

from . import _netpol_analyzer as npa

if not npa.corpus_available():
    pytest.skip(
        f"netpol-analyzer corpus not found at {npa.NPA_ROOT} (it is kept outside the "
        "repository in ../shared/corpus and is not part of a clone)",
        allow_module_level=True,
    )

pytestmark = pytest.mark.corpus


@dataclass(frozen=True)
class Difference:
    """Why netverify's answer on a case differs from the analyzer's, and how to emulate it."""

    reason: str
    # the input is rejected by netverify (as by the API server); load it with the
    # offending container-port entries dropped instead
    drop_portless_container_ports: bool = False


HOST_NETWORK = Difference(
    "hostNetwork pods: netverify follows the most common implementation that the Kubernetes "
    "docs (Network Policies, 'NetworkPolicy and hostNetwork pods') allow: policies do not "
    "isolate hostNetwork pods and, as peers, pod/namespace selectors do not match them (their "
    "traffic is node traffic, matched only by ipBlock). netpol-analyzer treats them as "
    "ordinary pods. Upstream leaves the behaviour undefined between these two options, so "
    "both are correct; the corpus README does not list this difference."
)

MISSING_CONTAINER_PORT = Difference(
    "invalid input: Deployment helloworld/pod-a has a container port written "
    "'containerport: 3535' (field names are case-sensitive), so 'containerPort' is missing. "
    "The API server rejects it (containerPort is required, 1-65535) and so does netverify "
    "(ManifestError); the analyzer reads it anyway. The entry is named 'udps', which no "
    "policy uses, so the expected result does not depend on it.",
    drop_portless_container_ports=True,
)

# Every case where netverify, on the input as given, is known to differ from the corpus.
# README note 3 (the analyzer's ipBlocks never match pod IPs; netverify matches known pod IPs,
# per upstream) would belong here too, but it changes no result in this corpus: every case
# gives the same answer with and without the pod IPs (the emulation below drops them anyway).
DIFFERENCES: dict[str, Difference] = {
    "ipblockstest": HOST_NETWORK,
    "ipblockstest_2": HOST_NETWORK,
    "ipblockstest_3": HOST_NETWORK,
    "ipblockstest_4": HOST_NETWORK,
    "multiple_topology_resources_1": HOST_NETWORK,
    "multiple_topology_resources_2": HOST_NETWORK,
    "semanticDiff-same-topologies-old1": HOST_NETWORK,
    "semanticDiff-same-topologies-old2": HOST_NETWORK,
    "semanticDiff-same-topologies-old3": HOST_NETWORK,
    "semanticDiff-same-topologies-new1": HOST_NETWORK,
    "semanticDiff-same-topologies-new1a": HOST_NETWORK,
    "semanticDiff-same-topologies-new2": HOST_NETWORK,
    "semanticDiff-same-topologies-new3": HOST_NETWORK,
    "netpol_named_port_test": MISSING_CONTAINER_PORT,
    "netpol_named_port_test_2": MISSING_CONTAINER_PORT,
}

# 23,943 expected rows over 1,277 external ranges: ~10 s per run.
SLOW = {"ipblockstest_4"}

CASES = npa.plain_cases()


def _param(case: str, *, xfail: bool) -> object:
    marks: list[pytest.MarkDecorator] = []
    if case in SLOW:
        marks.append(pytest.mark.slow)
    diff = DIFFERENCES.get(case)
    if xfail and diff is not None:
        raises = ManifestError if diff.drop_portless_container_ports else AssertionError
        marks.append(pytest.mark.xfail(strict=True, raises=raises, reason=diff.reason))
    return pytest.param(case, id=case, marks=marks)


@pytest.mark.parametrize("case", [_param(c, xfail=True) for c in CASES])
def test_case(case: str) -> None:
    """netverify's own semantics on the input as given."""
    cluster = npa.load(npa.case_dir(case) / "input")
    answer, problems = npa.check_case(case, cluster)
    if DIFFERENCES.get(case) is HOST_NETWORK:
        # The expected failure must be confined to rows of workloads with hostNetwork pods;
        # anything else is a real failure (pytest.fail is not the AssertionError expected).
        host = npa.host_network_workloads(cluster, answer)
        other = [p for p in problems if not (p.workloads & host)]
        if other:
            pytest.fail(npa.report(case, other) + "\n(not explained by hostNetwork)",
                        pytrace=False)
    # AssertionError (not pytest.fail) so that strict xfails can name what they expect.
    assert not problems, npa.report(case, problems)


@pytest.mark.parametrize("case", [_param(c, xfail=False) for c in CASES if c in DIFFERENCES])
def test_case_with_analyzer_semantics(case: str) -> None:
    """The documented differences, emulated on netverify's model, must explain everything.

    Pods are given the analyzer's view (pod IPs ignored, README note 3; hostNetwork pods
    treated as ordinary pods); invalid inputs are loaded without the entries the API
    server would reject.
    """
    diff = DIFFERENCES[case]
    input_dir = npa.case_dir(case) / "input"
    if diff.drop_portless_container_ports:
        cluster, dropped = npa.load_dropping_portless_container_ports(input_dir)
        assert dropped, "expected a container port without containerPort in this case"
    else:
        cluster = npa.load(input_dir)
    _, problems = npa.check_case(case, npa.with_analyzer_peers(cluster))
    assert not problems, npa.report(case, problems)


def test_differences_name_existing_cases() -> None:
    unknown = sorted(set(DIFFERENCES) - set(CASES)) + sorted(SLOW - set(CASES))
    assert not unknown, f"unknown case names: {unknown}"


def test_corpus_has_the_documented_case_count() -> None:
    assert len(CASES) == 105
