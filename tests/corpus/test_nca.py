"""netverify against IBM Network Config Analyzer's (NCA) test data.

The corpus lives outside the repository, in ``../shared/corpus/nca`` (see its
README: scheme files with queries and expected outputs, and 88 malformed
policies); this module skips as a whole when it is absent.  Nothing is copied
from it.

1. Bad path (``test_bad_path*``): for each malformed policy of
   ``k8s_testcases/network-policy-checks-bad-path`` the scheme says whether NCA
   rejects it (``expectedError``).  Where it does, netverify must raise
   ``ManifestError`` (nothing else) naming the file and the field; where it does
   not, netverify must load it.  Where the two disagree, ``_nca_badpath.py`` says
   which one follows the API server (``pkg/apis/networking/validation``): cases
   where netverify does are strict xfails with the upstream rule; cases where
   netverify is wrong are strict xfails marked as reported bugs.
2. Connectivity maps (``test_connectivity_map*``): every ``connectivityMap``
   query whose expected output is NCA text (fw-rules, or ``txt_no_fw_rules``) is
   expanded over the topology and compared with netverify, pod pair by pod pair
   and, for external addresses, by IPv4 coverage (``_nca.py`` says what is and is
   not compared, and why).
3. Semantic diffs (``test_semantic_diff*``): ``semanticDiff`` fw-rules outputs
   over configs sharing a topology; the added/removed connections are compared
   with the difference of netverify's two relations.
4. Equivalence (``test_equivalence``): the number of non-equivalent config pairs.

NCA treats ``hostNetwork`` pods as ordinary pods; netverify treats their traffic
as node traffic (policies do not isolate them; as peers, only ipBlocks match
them).  Kubernetes leaves this undefined between exactly these two behaviours.
Each comparison therefore runs twice: on the loaded model with NCA's choice
emulated (``nca_model``: must match NCA exactly), and on netverify's own model
(``*_native``: strict xfail, raising ``HostNetworkDifference`` only when every
difference involves a hostNetwork pod).  netverify itself is never changed.
Pod pairs are computed with both engines (``compute_all_pairs`` and the
``Evaluator``), which must agree.  Every case runs in well under a second (the
module in about 20 s), so none is marked ``slow``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netverify.errors import ManifestError
from netverify.loader import load_cluster, load_text
from netverify.model import Cluster, Direction

from . import _nca as nca
from . import _nca_badpath as bad

if not nca.corpus_available():
    pytest.skip(
        f"NCA corpus not found at {nca.NCA_ROOT} (it is kept outside the repository in "
        "../shared/corpus and is not part of a clone)",
        allow_module_level=True,
    )

pytestmark = pytest.mark.corpus


class HostNetworkDifference(AssertionError):
    """netverify differs from NCA only on pairs involving hostNetwork pods."""


HOST_NETWORK_REASON = (
    "hostNetwork pods: netverify follows the most common implementation the Kubernetes docs "
    "allow ('NetworkPolicy and hostNetwork pods': behaviour undefined, limited to two "
    "possibilities): policies do not isolate hostNetwork pods and pod/namespace selectors do "
    "not match them (their traffic is node traffic). NCA treats them as ordinary pods (the "
    "other allowed possibility). The same case passes in the test without _native, where "
    "NCA's choice is emulated on the loaded model."
)


# -- 1. bad path ----------------------------------------------------------------------


def _bad_path_params() -> list[Any]:
    scheme = nca.read_scheme(nca.BAD_PATH_SCHEME)
    expected: dict[str, int] = {}
    for entry in scheme["networkConfigList"]:
        for name in entry["networkPolicyList"]:
            # matchlabels_wrong_value_label_form.yaml is listed twice, with the same verdict
            assert expected.setdefault(name, entry["expectedError"]) == entry["expectedError"]
    params = []
    for name, nca_error in expected.items():
        marks = []
        div = bad.DIVERGENCES.get(name)
        if div is not None:
            marks.append(pytest.mark.xfail(strict=True, reason=div.reason,
                                           raises=pytest.fail.Exception))
        params.append(pytest.param(name, bool(nca_error), id=name.removesuffix(".yaml"),
                                   marks=marks))
    return params


def _bad_path_topology() -> list[str]:
    scheme = nca.read_scheme(nca.BAD_PATH_SCHEME)
    return [str((nca.BAD_PATH_DIR / scheme[k]).resolve()) for k in ("namespaceList", "podList")]


def test_bad_path_table_is_complete() -> None:
    """Every malformed file is in the scheme, and every NCA error has an expected field."""
    scheme = nca.read_scheme(nca.BAD_PATH_SCHEME)
    listed = {n for e in scheme["networkConfigList"] for n in e["networkPolicyList"]}
    on_disk = {p.name for p in nca.BAD_PATH_DIR.glob("*.yaml")} - {nca.BAD_PATH_SCHEME.name}
    assert listed == on_disk
    assert len(on_disk) == 88
    nca_errors = {n for e in scheme["networkConfigList"] if e["expectedError"]
                  for n in e["networkPolicyList"]}
    k8s_accepts = {n for n, d in bad.DIVERGENCES.items() if d.netverify_right}
    assert nca_errors - k8s_accepts == set(bad.ERROR_FIELD)
    assert on_disk - nca_errors == set(bad.ACCEPTED_BY_NCA)


@pytest.mark.parametrize(("name", "nca_error"), _bad_path_params())
def test_bad_path(name: str, nca_error: bool) -> None:
    """netverify agrees with NCA on a malformed policy, and names file and field."""
    path = nca.BAD_PATH_DIR / name
    files = [*_bad_path_topology(), str(path)]
    if not nca_error:
        cluster = load_cluster(files)
        assert len(cluster.policies) >= 1
        return
    with pytest.raises(ManifestError) as info:
        load_cluster(files)
    err = info.value
    message = str(err)
    assert str(path) in message, f"the error does not name the file: {message}"
    assert err.field, f"the error names no field: {message}"
    assert err.field in message, f"the message does not show the field: {message}"
    want = bad.ERROR_FIELD.get(name)
    if want is not None:
        assert err.field == want, f"expected field {want}, got {err.field}: {message}"


@pytest.mark.parametrize("name", bad.ENDPORT_FILES, ids=lambda n: n.removesuffix(".yaml"))
def test_bad_path_endport_rules(name: str) -> None:
    """The endPort rule each endport_* file is about, once its bare-address cidr is fixed.

    The files write ``cidr: 10.0.0.0``, which the API server rejects before endPort
    matters (``test_bad_path`` checks that netverify names ipBlock.cidr); the text is
    read and changed in memory only.
    """
    path = nca.BAD_PATH_DIR / name
    text = path.read_text(encoding="utf-8")
    assert "cidr: 10.0.0.0\n" in text
    label = f"{path} (cidr 10.0.0.0/32)"
    with pytest.raises(ManifestError) as info:
        load_text(text.replace("cidr: 10.0.0.0\n", "cidr: 10.0.0.0/32\n"), label)
    err = info.value
    assert err.field == bad.ENDPORT_FIELD, str(err)
    assert label in str(err) and err.field in str(err)


@pytest.mark.parametrize(
    "name", sorted(n for n, d in bad.DIVERGENCES.items() if d.netverify_right),
    ids=lambda n: n.removesuffix(".yaml"))
def test_bad_path_kubernetes_reading(name: str) -> None:
    """Files NCA rejects but the API server accepts: netverify reads them as Kubernetes does."""
    cluster = load_cluster([*_bad_path_topology(), str(nca.BAD_PATH_DIR / name)])
    (policy,) = cluster.policies
    if "podselector" in name or name == "spec_empty_map.yaml":
        assert policy.pod_selector.is_empty  # missing/null podSelector: every pod
    if name == "spec_empty_map.yaml":
        assert policy.policy_types == {Direction.INGRESS}
        assert policy.ingress == () and policy.egress == ()
    if name == "spec_policytypes_missing_egress.yaml":
        assert policy.policy_types == {Direction.INGRESS}  # egress rules inert
    if name == "spec_policytypes_missing_ingress.yaml":
        assert policy.policy_types == {Direction.EGRESS}  # ingress rules inert
    if name == "metadata_wrong_keys.yaml":
        assert policy.name == "general-metadata-test"


# -- 2. connectivity maps ---------------------------------------------------------------

_INVALID_SUBSET_TOPOLOGY = (
    "invalid input: fw_rules_tests/podlist/test_subset_topology.yaml declares the Pods with "
    "apiVersion apps/v1, where the API server has no kind Pod (Pods are core v1); netverify "
    "rejects the file (ManifestError), NCA reads it anyway."
)


# Cases whose topology has hostNetwork pods that change the answer (all other
# cases give the same answer with and without the emulation).
NATIVE_HOST_NETWORK_DIFFERENCES = frozenset({
    "cyclonus-simple-example/connectivity_map",
    *(f"label_expr_test_1/test_app_label/test{i}" for i in range(1, 5)),
    *(f"label_expr_test_1/test_tier_and_app_label/test{i}" for i in range(5, 11)),
    "port_aggregation/connectivity_map",
    *(f"test{i}/connectivity_map" for i in (1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                             18, 19, 20, 21, 22, 23, 24)),
    "test4/connectivity_map_4/np4",
    "test4/connectivity_map_4/np3",
    "test4/connectivity_map_3",
    "test/ipblocktest-conn-graph-no-fw-rules",
    # semanticDiff
    "semantic_diff_computeDiff/semantic_diff_old1_new1",
    "semantic_diff_computeDiff/semantic_diff_old1_new1a",
    "semantic_diff_computeDiff/semantic_diff_old2_new2",
})


def _conn_marks(case: nca.ConnectivityCase, *, native: bool) -> list[pytest.MarkDecorator]:
    if case.scheme.name == "subset-deployment-scheme.yaml":
        reason = _INVALID_SUBSET_TOPOLOGY
        if case.subset:
            reason += (" Besides, the query restricts NCA's output with "
                       "outputConfiguration.subset, an output filter this test does not model.")
        return [pytest.mark.xfail(strict=True, raises=ManifestError, reason=reason)]
    if native and case.id in NATIVE_HOST_NETWORK_DIFFERENCES:
        return [pytest.mark.xfail(strict=True, raises=HostNetworkDifference,
                                  reason=HOST_NETWORK_REASON)]
    return []


def _conn_params(*, native: bool) -> list[Any]:
    out = []
    for case in nca.connectivity_cases():
        marks = _conn_marks(case, native=native)
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


def _actual(topo: nca.Topology, model: Cluster, families: list[int],
            **kw: bool) -> nca.Relation:
    """netverify's relation, after checking that both engines agree on it."""
    fast = topo.actual(model, families, engine="allpairs", **kw)
    slow = topo.actual(model, families, engine="concrete", **kw)
    engines = nca.compare(topo, slow, fast, families, names=("Evaluator", "compute_all_pairs"),
                          same_workload=bool(kw.get("same_workload")))
    assert not engines, f"netverify's engines disagree:\n{nca.describe(engines)}"
    return fast


def _report(mismatches: list[nca.Mismatch], cluster: Cluster, *, native: bool,
            what: str) -> None:
    if not mismatches:
        return
    text = f"netverify differs from NCA's {what}:\n{nca.describe(mismatches)}"
    hostnet = nca.host_network_pods(cluster)
    if native and all(m.endpoints & hostnet for m in mismatches):
        raise HostNetworkDifference(text)
    raise AssertionError(text)


def _check_connectivity(case: nca.ConnectivityCase, *, native: bool) -> None:
    rules = case.expected_rules()
    families = nca.families_of(rules)
    cluster = nca.load_config(case.scheme, case.config)
    model = cluster if native else nca.nca_model(cluster)
    topo = nca.Topology(nca.endpoints(case.scheme, case.config))
    mismatches = nca.compare(topo, topo.expand(rules), _actual(topo, model, families),
                             families, filter_system_ns=case.filter_system_ns)
    _report(mismatches, cluster, native=native,
            what=f"{nca.rel(case.expected_path)} [{case.config}]")


@pytest.mark.parametrize("case", _conn_params(native=False))
def test_connectivity_map(case: nca.ConnectivityCase) -> None:
    """NCA's connectivity map equals netverify's on the model with NCA's hostNetwork choice."""
    _check_connectivity(case, native=False)


@pytest.mark.parametrize("case", _conn_params(native=True))
def test_connectivity_map_native(case: nca.ConnectivityCase) -> None:
    """The same on netverify's own model (differs only where hostNetwork pods matter)."""
    _check_connectivity(case, native=True)


def test_connectivity_cases_found() -> None:
    """Guard against a parser or layout change silently dropping cases."""
    ids = {c.id for c in nca.connectivity_cases()}
    assert len(ids) == 65
    assert {"cyclonus-simple-example/connectivity_map", "test1/connectivity_map",
            "port_aggregation/connectivity_map", "test/ipblocktest-conn-graph-no-fw-rules",
            "label_expr_test_1/test_tier_and_app_label/test10"} <= ids


# -- 3. semantic diffs ------------------------------------------------------------------


def _diff_params(*, native: bool) -> list[Any]:
    out = []
    for case in nca.semantic_diff_cases():
        marks = []
        if not nca.same_topology(case.scheme, case.configs):
            marks.append(pytest.mark.skip(
                reason="configs with different topologies (NCA's added/removed peers) are "
                       "not compared"))
        elif native and case.id in NATIVE_HOST_NETWORK_DIFFERENCES:
            marks.append(pytest.mark.xfail(strict=True, raises=HostNetworkDifference,
                                           reason=HOST_NETWORK_REASON))
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


def _check_semantic_diff(case: nca.SemanticDiffCase, *, native: bool) -> None:
    blocks = case.blocks()
    n = len(case.configs)
    assert len(blocks) == n * (n - 1) // 2, "one block per pair of configs"
    for block in blocks:
        c1 = nca.load_config(case.scheme, block.config1)
        c2 = nca.load_config(case.scheme, block.config2)
        m1, m2 = (c1, c2) if native else (nca.nca_model(c1), nca.nca_model(c2))
        topo = nca.Topology(nca.endpoints(case.scheme, block.config1))
        assert topo.endpoints == nca.endpoints(case.scheme, block.config2)
        families = nca.families_of(block.added + block.removed)
        a1, a2 = _actual(topo, m1, families), _actual(topo, m2, families)
        mismatches = (
            nca.compare(topo, topo.expand(block.added), a2.minus(a1), families)
            + nca.compare(topo, topo.expand(block.removed), a1.minus(a2), families)
        )
        _report(mismatches, c1, native=native,
                what=f"{nca.rel(case.expected_path)} [{block.config1} -> {block.config2}]")


@pytest.mark.parametrize("case", _diff_params(native=False))
def test_semantic_diff(case: nca.SemanticDiffCase) -> None:
    """NCA's added/removed connections equal netverify's (NCA's hostNetwork choice)."""
    _check_semantic_diff(case, native=False)


@pytest.mark.parametrize("case", _diff_params(native=True))
def test_semantic_diff_native(case: nca.SemanticDiffCase) -> None:
    """The same on netverify's own model."""
    _check_semantic_diff(case, native=True)


# -- 4. equivalence ----------------------------------------------------------------------

_OTHER_PROTOCOLS = (
    "netverify models TCP, UDP and SCTP only (the protocols a NetworkPolicy port can name). "
    "enable-all-protocols-with-all-ports (every pod of kube-system; ports 1-65535 of TCP, UDP "
    "and SCTP) and enable-all-traffic (tier=frontend pods; a rule without ports) differ only "
    "on other IP protocols (ICMP, ...) to the kube-system pods without tier=frontend, which "
    "NCA models and netverify does not."
)
EQUIVALENCE_DIFFERENCES = {"withEndPort/equivalence#2": _OTHER_PROTOCOLS}


def _eq_params() -> list[Any]:
    out = []
    for case in nca.equivalence_cases():
        marks = []
        if case.id in EQUIVALENCE_DIFFERENCES:
            marks.append(pytest.mark.xfail(strict=True, raises=AssertionError,
                                           reason=EQUIVALENCE_DIFFERENCES[case.id]))
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


@pytest.mark.parametrize("case", _eq_params())
def test_equivalence(case: nca.EquivalenceCase) -> None:
    """NCA's count of non-equivalent config pairs (each config vs each later one)."""
    sets = [nca.config_set(case.scheme, ref) for ref in case.configs]
    names = [name for name, _ in sets]
    assert nca.same_topology(case.scheme, names)
    topo = nca.Topology(nca.endpoints(case.scheme, names[0]))
    rels = [_actual(topo, nca.nca_model(cluster), [4], same_workload=True)
            for _, cluster in sets]
    differing = []
    for i in range(len(rels)):
        for j in range(i + 1, len(rels)):
            if nca.compare(topo, rels[i], rels[j], same_workload=True):
                differing.append((case.configs[i], case.configs[j]))
    assert len(differing) == case.expected, (
        f"NCA counts {case.expected} non-equivalent pair(s); netverify finds "
        f"{len(differing)}: {differing}")


def test_corpus_root_is_outside_the_repository() -> None:
    assert not nca.NCA_ROOT.resolve().is_relative_to(Path(__file__).resolve().parents[2])
