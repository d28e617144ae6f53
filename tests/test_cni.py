"""CNI profiles: detection from manifests and the effective answer beside the policy one."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from netverify.cli import main
from netverify.cni import detect, profile
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
