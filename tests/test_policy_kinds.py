"""The registry of traffic policy kinds: keys, scopes, and which answers an object touches."""

from __future__ import annotations

import pytest

from netverify.errors import QueryError
from netverify.policy_kinds import (
    ANY,
    OUTSIDE,
    REGISTRY,
    Coverage,
    PolicyObject,
    Scope,
    lookup,
)


def obj(api_version: str, kind: str, namespace: str | None, name: str = "x") -> PolicyObject:
    entry = lookup(api_version, kind)
    assert entry is not None, (api_version, kind)
    return PolicyObject(kind=entry, api_version=api_version, namespace=namespace, name=name)


@pytest.mark.parametrize(("api_version", "kind", "product", "scope"), [
    ("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy", "network-policy-api",
     Scope.CLUSTER),
    ("policy.networking.k8s.io/v1alpha1", "BaselineAdminNetworkPolicy", "network-policy-api",
     Scope.CLUSTER),
    ("policy.networking.k8s.io/v1alpha2", "ClusterNetworkPolicy", "network-policy-api",
     Scope.CLUSTER),
    ("crd.antrea.io/v1beta1", "ClusterNetworkPolicy", "Antrea", Scope.CLUSTER),
    ("crd.antrea.io/v1beta1", "NetworkPolicy", "Antrea", Scope.NAMESPACED),
    ("cilium.io/v2", "CiliumNetworkPolicy", "Cilium", Scope.NAMESPACED),
    ("cilium.io/v2", "CiliumClusterwideNetworkPolicy", "Cilium", Scope.CLUSTER),
    ("projectcalico.org/v3", "GlobalNetworkPolicy", "Calico", Scope.CLUSTER),
    ("crd.projectcalico.org/v1", "GlobalNetworkPolicy", "Calico", Scope.CLUSTER),
    ("projectcalico.org/v3", "NetworkPolicy", "Calico", Scope.NAMESPACED),
    ("crd.projectcalico.org/v1", "NetworkPolicy", "Calico", Scope.NAMESPACED),
    ("security.istio.io/v1", "AuthorizationPolicy", "Istio", Scope.NAMESPACED),
])
def test_the_issues_kinds_are_listed_by_group_and_kind_and_not_evaluated(
        api_version: str, kind: str, product: str, scope: Scope) -> None:
    entry = lookup(api_version, kind)
    assert entry is not None
    assert (entry.product, entry.scope, entry.evaluated) == (product, scope, False)


@pytest.mark.parametrize(("api_version", "kind"), [
    ("networking.gke.io/v1", "ManagedCertificate"),  # same group as FQDNNetworkPolicy
    ("policy.linkerd.io/v1beta3", "HTTPRoute"),  # same group as Server
    ("projectcalico.org/v3", "StagedNetworkPolicy"),  # a preview: enforces nothing
    ("projectcalico.org/v3", "Tier"),
    ("crd.antrea.io/v1beta1", "Tier"),
    ("security.istio.io/v1", "PeerAuthentication"),
    ("cilium.io/v2", "CiliumEndpoint"),
    ("v1", "ConfigMap"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("cilium.io/v2", "NetworkPolicy"),  # a kind of one group under another's name
])
def test_kinds_that_restrict_nothing_are_not_caught_by_their_group(api_version: str,
                                                                   kind: str) -> None:
    assert lookup(api_version, kind) is None


def test_only_the_kubernetes_networkpolicy_is_evaluated() -> None:
    assert {k.name for k in REGISTRY.values() if k.evaluated} == {
        "NetworkPolicy.networking.k8s.io", "NetworkPolicy.extensions"}
    assert all(k.why and k.product for k in REGISTRY.values())


def test_namespaced_object_affects_pairs_with_a_pod_of_its_namespace() -> None:
    cnp = obj("cilium.io/v2", "CiliumNetworkPolicy", "shop")
    assert cnp.affects("shop", "shop") and cnp.affects("other", "shop")
    assert cnp.affects("shop", OUTSIDE) and cnp.affects(OUTSIDE, "shop")
    assert not cnp.affects("other", "other") and not cnp.affects(OUTSIDE, "other")
    assert cnp.affects(ANY, "other")  # the source may be a pod of shop


def test_cluster_scoped_object_affects_every_pair() -> None:
    anp = obj("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy", None)
    assert anp.affects("a", "b") and anp.affects(OUTSIDE, "b") and anp.affects("a", OUTSIDE)


def test_istio_authorization_applies_to_its_destinations_or_mesh_wide_from_the_root() -> None:
    ap = obj("security.istio.io/v1", "AuthorizationPolicy", "shop")
    assert ap.affects("other", "shop") and ap.affects(OUTSIDE, "shop")
    assert not ap.affects("shop", "other")  # the sidecar of the receiving pod decides
    root = obj("security.istio.io/v1", "AuthorizationPolicy", "istio-system")
    assert root.affects("a", "b") and root.everywhere


def test_egress_firewalls_apply_from_their_namespace_to_outside_only() -> None:
    fw = obj("k8s.ovn.org/v1", "EgressFirewall", "shop")
    assert fw.affects("shop", OUTSIDE)
    assert not fw.affects("shop", "other") and not fw.affects("other", OUTSIDE)
    assert not fw.affects(OUTSIDE, "shop")


def test_coverage_keeps_the_objects_that_touch_an_answer() -> None:
    cnp = obj("cilium.io/v2", "CiliumNetworkPolicy", "shop", "deny")
    ap = obj("security.istio.io/v1", "AuthorizationPolicy", "other", "allow")
    cov = Coverage(unevaluated=(cnp, ap))
    assert cov.affecting([("shop", "shop")]).unevaluated == (cnp,)
    assert cov.affecting([("shop", "other")]).unevaluated == (cnp, ap)
    assert cov.affecting([("x", "y")]).complete
    assert not cov.complete and Coverage().complete


def test_ignoring_by_kind_or_kind_and_group() -> None:
    calico = obj("projectcalico.org/v3", "NetworkPolicy", "shop", "calico")
    antrea = obj("crd.antrea.io/v1beta1", "NetworkPolicy", "shop", "antrea")
    cnp = obj("cilium.io/v2", "CiliumNetworkPolicy", "shop", "cnp")
    cov = Coverage(unevaluated=(calico, antrea, cnp))
    by_kind = cov.ignoring(["NetworkPolicy"])  # Calico's and Antrea's, never the k8s one
    assert by_kind.unevaluated == (cnp,) and set(by_kind.ignored) == {calico, antrea}
    by_group = cov.ignoring(["NetworkPolicy.crd.antrea.io"])
    assert by_group.unevaluated == (calico, cnp) and by_group.ignored == (antrea,)
    assert by_group.ignored_kinds == ("NetworkPolicy.crd.antrea.io",)


@pytest.mark.parametrize(("request_", "message"), [
    ("NetworkPolicy.networking.k8s.io", "netverify evaluates NetworkPolicy.networking.k8s.io"),
    ("CiliumNetworkPolcy", "not a kind of traffic policy netverify knows"),
    ("CiliumNetworkPolicy.projectcalico.org", "not a kind of traffic policy"),
])
def test_ignoring_what_cannot_be_ignored_is_an_error(request_: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        Coverage().ignoring([request_])
