"""NV130: AdminNetworkPolicy/BaselineAdminNetworkPolicy next to ClusterNetworkPolicy."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.guardrails import tier_object
from netverify.audit.registry import Finding, Related, Rule, Severity, register
from netverify.model import Cluster


@register
class TierVersionsSideBySide(Rule):
    """Cluster-wide policies of both API versions in one cluster

    **Anti-pattern**

    AdminNetworkPolicies (v1alpha1) kept next to ClusterNetworkPolicies (v1alpha2)::

        apiVersion: policy.networking.k8s.io/v1alpha1
        kind: AdminNetworkPolicy
        ---
        apiVersion: policy.networking.k8s.io/v1alpha2
        kind: ClusterNetworkPolicy

    **Why it hurts**

    The specification orders policies within one API version only: which version an
    implementation consults first is not defined, so where the two disagree the cluster's
    answer depends on the plugin (netverify answers "undecided" there). Calico 3.32 removed
    the v1alpha1 kinds altogether, so after an upgrade the old policies silently stop
    applying.

    **Fix**

    Move the AdminNetworkPolicies to ClusterNetworkPolicies with ``tier: Admin`` (Allow
    becomes Accept) and the BaselineAdminNetworkPolicy to ``tier: Baseline``, then delete
    the v1alpha1 objects.
    """

    code = "NV130"
    title = "Cluster-wide policies of both API versions in one cluster"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        old = [p for p in cluster.cluster_policies if not p.v2]
        new = [p for p in cluster.cluster_policies if p.v2]
        if not old or not new:
            return
        for pol in old:
            yield self.finding(
                f"{tier_object(pol)} (v1alpha1) is evaluated next to {len(new)} "
                "ClusterNetworkPolicy object(s) (v1alpha2): the order between the versions "
                "is not defined, and where they disagree the answer depends on the plugin",
                tier_object(pol), "", pol.source,
                related=tuple(Related(object=tier_object(n), role="other API version",
                                      source=n.source) for n in new[:5]))
