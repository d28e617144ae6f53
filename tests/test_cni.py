"""CNI profiles: detection from manifests and the effective answer beside the policy one."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.cli import main
from netverify.cni import NAMES, NO_SIGNATURE, CniProfile, PodSign, Signature, detect, profile
from netverify.errors import QueryError
from netverify.loader import load_cluster
from netverify.queries.can_reach import can_reach
from netverify.verdicts import AssertionStatus, Confidence

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "cni"
APP = str(FIX / "app")


def load(name: str):
    return load_cluster([APP, str(FIX / name)])


@pytest.mark.parametrize(("folder", "name", "version"), [
    ("flannel", "flannel", None),
    ("canal", "canal", None),  # calico-node + flannel containers and CRDs: Canal wins
    ("calico-flannel", "calico", "v3.28.0"),  # the policy engine wins over a bare Flannel
    ("cilium-1.14", "cilium", "v1.14.5"),
    ("cilium-1.16", "cilium", "v1.16.1"),
    ("kube-router", "kube-router", None),
    ("aws-agent", "aws-vpc-cni", None),
    ("aws-no-agent", "aws-vpc-cni-no-agent", None),
    ("two-engines", "unknown", None),  # two engines: refuse to guess
])
def test_detection(folder, name, version):
    d = detect(load(folder))
    assert (d.profile.name, d.profile.version) == (name, version)
    assert d.evidence
    if name == "unknown":
        assert d.confidence is Confidence.NONE and "several plugins" in d.evidence[0]


# One object per sign of each plugin's signature, in the table's order: the pod name and
# its (container, image) pairs, or the kind and name of a CRD or ConfigMap.
SIGN_EXAMPLES: dict[str, list[tuple[str, str, tuple[tuple[str, str], ...]]]] = {
    "antrea": [("Pod", "antrea-agent", (("antrea-agent", "antrea/antrea-agent-ubuntu:v2.1"),))],
    "aws-vpc-cni": [
        ("Pod", "aws-node", (("aws-node", "amazon-k8s-cni:v1.18"),
                             ("aws-network-policy-agent", "amazon/agent:v1.1"))),
        ("Pod", "aws-node", (("aws-node", "amazon-k8s-cni:v1.18"),
                             ("agent", "amazon/aws-network-policy-agent:v1.1"))),
        ("CustomResourceDefinition", "policyendpoints.networking.k8s.aws", ())],
    "aws-vpc-cni-no-agent": [("Pod", "aws-node", (("aws-node", "amazon-k8s-cni:v1.18"),))],
    "azure-npm": [("Pod", "azure-npm", (("azure-npm", "mcr.microsoft.com/npm:v1.5"),))],
    "calico": [("Pod", "calico-node", (("calico-node", "quay.io/tigera/node:v3.28"),)),
               ("Pod", "node", (("calico-node", "docker.io/calico/node:v3.28.0"),)),
               ("CustomResourceDefinition", "felixconfigurations.crd.projectcalico.org", ())],
    "canal": [("Pod", "canal", (("calico-node", "docker.io/calico/node:v3.28.0"),))],
    "cilium": [("Pod", "cilium", (("cilium-agent", "example.org/agent:v1"),)),
               ("Pod", "agent", (("cilium-agent", "quay.io/cilium/cilium:v1.16.1"),)),
               ("CustomResourceDefinition", "ciliumnetworkpolicies.cilium.io", ())],
    "flannel": [("Pod", "kube-flannel-ds", (("kube-flannel", "example.org/net:v1"),)),
                ("Pod", "net", (("kube-flannel", "docker.io/flannel/flannel:v0.25.1"),)),
                ("ConfigMap", "kube-flannel-cfg", ())],
    "gke-dataplane-v2": [("Pod", "anetd", (("cilium-agent", "gke.gcr.io/anetd:v1"),))],
    "kindnet": [("Pod", "kindnet", (("kindnet-cni", "docker.io/kindest/kindnetd:v2024"),))],
    "kube-router": [("Pod", "kube-router", (("kube-router", "example.org/router:v2"),)),
                    ("Pod", "router", (("r", "docker.io/cloudnativelabs/kube-router:v2.1"),))],
    "ovn-kubernetes": [("Pod", "ovnkube-node", (("ovnkube", "ghcr.io/ovn/ovn-kube:v1"),))],
    "weave": [("Pod", "weave-net", (("weave", "weaveworks/weave-kube:2.8.1"),
                                    ("weave-npc", "weaveworks/weave-npc:2.8.1")))],
}


def _one_object(kind: str, name: str, containers: tuple[tuple[str, str], ...]):
    from dataclasses import replace

    from netverify.loader import load_text

    base = load_text("{apiVersion: v1, kind: Pod, metadata: {name: x, namespace: kube-system}}",
                     "x.yaml")
    if kind == "Pod":
        return replace(base, pods=(replace(base.pods[0], name=name, containers=containers),))
    return replace(base, pods=(), others=((kind, "kube-system", name),))


def test_detection_reads_the_signatures_of_the_profile_table():
    signed = {n: profile(n).signature for n in NAMES if profile(n).signature != NO_SIGNATURE}
    assert set(signed) == set(SIGN_EXAMPLES), "give each new sign an example here"
    for name, sig in signed.items():
        examples = SIGN_EXAMPLES[name]
        assert len(examples) == len(sig.pods) + len(sig.crds) + len(sig.config_maps), name
        for (kind, obj, containers), sign in zip(examples, sig.pods, strict=False):
            assert kind == "Pod" and sign.matches(obj, containers), (name, sign)
        for kind, obj, containers in examples:
            d = detect(_one_object(kind, obj, containers))
            assert d.profile.name == name, (name, obj, d)
            assert d.confidence is (Confidence.HIGH if sig.conclusive else Confidence.MEDIUM), (
                name, obj)
            for other in sig.yields_to:
                assert other == "*" or other in signed, (name, other)


def test_a_plugin_is_one_row_of_the_table(monkeypatch: pytest.MonkeyPatch):
    import netverify.cni as cni

    row = CniProfile(name="example", title="Example CNI", source="a test",
                     signature=Signature(pods=(PodSign(name="example-agent",
                                                       image="example/agent"),),
                                         version_image="example/agent"))
    monkeypatch.setitem(cni._TABLE, "example", row)
    monkeypatch.setattr(cni, "NAMES", (*cni.NAMES, "example"))
    d = detect(_one_object("Pod", "example-agent", (("a", "example/agent:v2.0"),)))
    assert (d.profile.name, d.profile.version, d.confidence) == ("example", "v2.0",
                                                               Confidence.MEDIUM)
    assert d.evidence == ("Pod kube-system/example-agent",)
    # Both conditions of the sign must hold: the name alone is not the plugin.
    d = detect(_one_object("Pod", "example-agent", (("a", "other/agent:v2.0"),)))
    assert d.profile.name == "unknown"


def test_nothing_detected_means_enforcement_assumed_and_said():
    r = can_reach(load_cluster([APP]), "shop/server", "shop/client")
    assert r.effective is None and not r.allowed
    assert "none detected" in r.cni_notes[0] and "assumed" in r.cni_notes[0]


# (folder or --cni, src, dst, policy answer, effective answer)
CASES = [
    ("flannel", "shop/server", "shop/client:80", False, True),
    ("aws-no-agent", "shop/server", "shop/client:80", False, True),
    ("aws-agent", "shop/server", "shop/client:80", False, False),
    ("cilium-1.14", "shop/client", "shop/server:8100", True, False),  # endPort ignored
    ("cilium-1.14", "shop/client", "shop/server:8000", True, True),  # `port` still enforced
    ("cilium-1.16", "shop/client", "shop/server:8100", True, True),
    ("cilium-1.16", "shop/legacy", "shop/server:8100", True, False),  # ipBlock: no pod IPs
    ("kube-router", "shop/legacy", "shop/server:8100", True, True),
    ("kube-router", "shop/client", "shop/server:9000/SCTP", True, False),  # no SCTP
    ("calico-flannel", "shop/client", "shop/server:8100", True, True),
]


@pytest.mark.parametrize(("folder", "src", "dst", "policy", "eff"), CASES)
def test_both_answers(folder, src, dst, policy, eff):
    r = can_reach(load(folder), src, dst)
    assert r.policy_allowed is policy
    assert r.allowed is eff
    assert can_reach(load(folder), src, dst, policy_only=True).allowed is policy
    if policy != eff:
        assert r.effective is not None and r.cni_notes


def test_named_cni_overrides_detection_and_versions_matter():
    c = load("cilium-1.16")
    assert can_reach(c, "shop/client", "shop/server:8100", cni="cilium@1.14").allowed is False
    assert can_reach(c, "shop/client", "shop/server:8100", cni="cilium@1.16").allowed is True
    assert can_reach(c, "shop/server", "shop/client:80", cni="flannel").allowed is True
    with pytest.raises(QueryError, match="unknown CNI"):
        profile("nope")


def test_unknown_feature_support_is_said_not_guessed():
    r = can_reach(load_cluster([APP]), "shop/client", "shop/server:8100", cni="gke-dataplane-v2")
    assert r.allowed is True
    assert any("not confirmed" in n for n in r.cni_notes)


def test_cli_prints_both_answers_and_exits_on_the_effective_one():
    args = ["can-reach", "shop/server", "shop/client:80", "-f", APP, "-f", str(FIX / "flannel")]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0
    assert "with Flannel; by the policies alone: denied" in r.stdout
    assert "Flannel does not enforce NetworkPolicy" in r.stdout
    r = CliRunner().invoke(main, [*args, "--policy-only"])
    assert r.exit_code == 1


def test_specs_check_the_effective_answer_unless_asked_for_the_policy_one(tmp_path):
    from netverify.queries.check import check
    from netverify.renderers.assertions import assertion_message

    spec = tmp_path / "s.yaml"
    spec.write_text(f"""manifests: [{APP}]
cni: flannel
assertions:
  - {{name: server cannot reach client, from: shop/server, to: shop/client:80, expect: deny}}
  - name: the policies forbid it
    from: shop/server
    to: shop/client:80
    expect: deny
    answer: policy
""")
    eff, pol = check([str(spec)], load=load_cluster).results
    assert eff.status is AssertionStatus.FAIL and eff.effective == "Flannel"
    assert assertion_message(eff).endswith("(effective with Flannel)")
    assert pol.status is AssertionStatus.PASS


def test_k3s_is_named_not_detected_and_inherits_kube_routers_gaps():
    # k3s ships no CNI DaemonSet a manifest dump would show: it is named with --cni.
    c = load_cluster([APP])
    assert detect(c).profile.name == "unknown"
    r = can_reach(c, "shop/client", "shop/server:9000/SCTP", cni="k3s")
    assert r.policy_allowed is True and r.allowed is False
    assert any("SCTP" in n for n in r.cni_notes)
    assert can_reach(c, "shop/server", "shop/client:80", cni="k3s").allowed is False


def test_a_plugin_blind_to_pod_ips_still_connects_pods_over_their_own_families():
    # Cilium never matches pod IPs with ipBlock, but an IPv4-only pod still has no IPv6
    # address: an IPv6 client outside the cluster cannot reach it, whatever ::/0 admits.
    from tests.support import cluster, ns, pod, policy

    c = cluster(ns("a"), pod("a", "web", {"app": "web"}, ip="10.0.0.5"),
                policy("a", "web", {"podSelector": {}, "ingress": [
                    {"from": [{"ipBlock": {"cidr": "::/0"}}]}]}))
    r = can_reach(c, "2001:db8::1", "a/web:80", cni="cilium@1.16")
    assert not r.policy_allowed
    assert r.effective is not None and not r.allowed


TIERED = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: deny-web-to-db}
spec:
  priority: 1
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}
  ingress: [{action: Deny, from: [{pods: {namespaceSelector: {}, podSelector: {}}}]}]
"""


@pytest.mark.parametrize(("cni", "denied", "note"), [
    ("calico@3.31.0", True, None),
    ("calico@3.32.0", False, "does not implement AdminNetworkPolicy"),
    ("calico", True, "not confirmed"),
    ("cilium@1.16", False, "does not implement AdminNetworkPolicy"),
    ("antrea", True, None),
    ("ovn-kubernetes", True, None),
    ("flannel", False, "does not enforce NetworkPolicy"),
    ("kindnet@0.24.0", True, None),
])
def test_the_effective_answer_keeps_the_tiers_only_where_the_plugin_implements_them(
        cni: str, denied: bool, note: str | None) -> None:
    from netverify.loader import load_text
    from netverify.queries.can_reach import can_reach

    r = can_reach(load_text(TIERED), "shop/web", "shop/db:80", cni=cni)
    assert not r.policy_allowed  # what the policies say: the ANP denies
    assert r.allowed is not denied
    if note is None:
        assert not any("AdminNetworkPolicy" in n for n in r.cni_notes), r.cni_notes
    else:
        assert any(note in n for n in r.cni_notes), r.cni_notes


def test_enforced_chooses_the_plugin_and_applies_it():
    from netverify.queries.enforcement import enforced

    c = load("flannel")
    plugin = enforced(c, None)
    assert plugin.profile.name == "flannel" and plugin.changes(c)
    assert plugin.cluster.policies == () and c.policies
    assert plugin.notes[0].startswith("CNI: Flannel, detected")
    assert "does not enforce NetworkPolicy" in plugin.notes[1]
    named = enforced(load_cluster([APP]), "calico@v3.28.0")
    assert named.profile.label == "Calico v3.28.0"
    assert named.notes[0] == "CNI: Calico v3.28.0 (named on the command line)"
    assert any("SCTP" in n for n in named.notes[1:])  # the app's SCTP rule: not confirmed
    with pytest.raises(QueryError):
        enforced(c, "no-such-cni")


def test_every_query_takes_the_plugin_from_enforced():
    # One way to choose the CNI profile and apply it: a query that called choose() and
    # cni.effective() itself could drift from the others (notes, order, --policy-only).
    import ast

    pkg = Path(__file__).resolve().parents[1] / "netverify"
    own = pkg / "queries" / "enforcement.py"
    callers = []
    for path in sorted(pkg.rglob("*.py")):
        if path == own:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module in (
                    "netverify.cni", "netverify.queries.enforcement"):
                picked = {a.name for a in node.names} & {"effective", "choose"}
                if picked:
                    callers.append(f"{path.relative_to(pkg)} imports {sorted(picked)}")
    assert not callers, "use queries.enforcement.enforced: " + "; ".join(callers)


_SIGNS = [s for name in NAMES for s in profile(name).signature.pods]
_NAMES = sorted({s.name for s in _SIGNS if s.name} | {"x", "cilium-agent", "calico-node-1"})
_IMAGES = ["nginx:1.25", "quay.io/cilium/cilium:v1.16.1", "docker.io/calico/node:v3.28.0",
           "flannel/flannel:v0.25", "cloudnativelabs/kube-router", "busybox"]


@settings(max_examples=300, deadline=None)
@given(name=st.one_of(st.sampled_from(_NAMES), st.text(max_size=12)),
       containers=st.lists(st.tuples(st.sampled_from(["weave-npc", "app", "cilium-agent"]),
                                     st.sampled_from(_IMAGES)), max_size=3).map(tuple))
def test_the_detection_shortcut_never_skips_a_pod_that_shows_a_sign(name, containers):
    # detect() asks each sign only for pods the one-regex prefilter lets through; it must
    # let through every pod some sign matches, or a plugin goes undetected.
    from netverify.cni import _Prefilter

    pre = _Prefilter(_SIGNS)
    if any(s.matches(name, containers) for s in _SIGNS):
        assert pre.may_match(name, containers)


def test_a_name_pattern_with_groups_still_lets_its_pods_through():
    # Joined into one alternation, (b)\1 would read the other pattern's group 1.
    from netverify.cni import _Prefilter

    signs = [PodSign(name="(a)x"), PodSign(name=r"(b)\1")]
    pre = _Prefilter(signs)
    assert signs[1].matches("bb", ())
    assert pre.may_match("ax", ()) and pre.may_match("bb", ())
