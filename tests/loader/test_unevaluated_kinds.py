"""Traffic policies netverify does not evaluate: kept with their location, never an error."""

from __future__ import annotations

import pytest

from netverify.cni import detect
from netverify.errors import ManifestError, QueryError
from netverify.loader import load_text


@pytest.mark.parametrize("api_version", [
    "projectcalico.org/v3", "crd.projectcalico.org/v1", "crd.antrea.io/v1beta1",
    "crd.antrea.io/v1alpha1", "security.antrea.tanzu.vmware.com/v1alpha1"])
def test_calico_and_antrea_networkpolicy_are_unevaluated_not_an_apiversion_error(
        api_version: str) -> None:
    c = load_text(f"""
apiVersion: v1
kind: Namespace
metadata: {{name: shop}}
---
apiVersion: {api_version}
kind: NetworkPolicy
metadata: {{name: deny-all, namespace: shop}}
spec: {{selector: all(), types: [Ingress]}}
""", "calico.yaml")
    assert c.policies == ()
    (o,) = c.coverage.unevaluated
    assert (o.kind.kind, o.api_version, o.namespace, o.name) == (
        "NetworkPolicy", api_version, "shop", "deny-all")
    assert o.kind.product in ("Calico", "Antrea")
    assert o.source is not None and (o.source.file, o.source.line) == ("calico.yaml", 6)
    assert not any("unknown apiVersion" in n for n in (*c.notes, *c.warnings))
    # An apiVersion of the Kubernetes NetworkPolicy's own group it does not know stays an
    # error: that object would be evaluated, so guessing its schema is not an option.
    with pytest.raises(ManifestError, match=r"unknown apiVersion 'networking\.k8s\.io/v2'"):
        load_text("apiVersion: networking.k8s.io/v2\nkind: NetworkPolicy\n"
                  "metadata: {name: x, namespace: y}\nspec: {podSelector: {}}\n")


def test_cluster_scoped_kinds_have_no_namespace_and_namespaced_ones_default() -> None:
    c = load_text("""
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: deny, namespace: ignored}
spec: {priority: 1, subject: {namespaces: {}}}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: cnp}
spec: {endpointSelector: {}}
""")
    anp, cnp = c.coverage.unevaluated
    assert (anp.namespace, anp.ref) == (None, "AdminNetworkPolicy deny")
    assert (cnp.namespace, cnp.ref) == ("default", "CiliumNetworkPolicy default/cnp")


def test_kinds_that_restrict_nothing_stay_quiet() -> None:
    c = load_text("""
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: kube-system}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ciliumnetworkpolicies.cilium.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
---
apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata: {name: preview}
---
apiVersion: networking.gke.io/v1
kind: ManagedCertificate
metadata: {name: cert, namespace: shop}
""")
    assert c.coverage.complete and c.coverage.unevaluated == ()
    assert c.skipped["ConfigMap"] == 1 and c.skipped["ManagedCertificate"] == 1


def test_cni_detection_still_sees_the_objects() -> None:
    # Detection reads CRDs and ConfigMaps from Cluster.others, which still lists them.
    c = load_text("""
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ciliumnetworkpolicies.cilium.io}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: cnp, namespace: shop}
""")
    assert detect(c).profile.name == "cilium"
    assert ("CiliumNetworkPolicy", "shop", "cnp") in c.others
    assert not c.coverage.complete


def test_ignore_kinds_moves_objects_aside_and_rejects_unknown_kinds() -> None:
    text = ("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\n"
            "metadata: {name: cnp, namespace: shop}\n")
    c = load_text(text, ignore_kinds=["CiliumNetworkPolicy.cilium.io"])
    assert c.coverage.complete and [o.name for o in c.coverage.ignored] == ["cnp"]
    assert c.coverage.ignored_kinds == ("CiliumNetworkPolicy.cilium.io",)
    with pytest.raises(QueryError, match="not a kind of traffic policy"):
        load_text(text, ignore_kinds=["Deployment"])
