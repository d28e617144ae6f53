"""NV704: a traffic policy of a kind netverify does not evaluate (CiliumNetworkPolicy, ...).

The loader keeps every object of a kind ``policy_kinds.REGISTRY`` lists as restricting
traffic but not evaluated (``Cluster.coverage``); this rule names each one and the
traffic it can change, so that a report never reads as complete when it is not.
Objects left out with ``--ignore-kind`` are not reported: they were left out on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.model import Cluster
from netverify.policy_kinds import PolicyObject, Side


def reach(o: PolicyObject) -> str:
    """Which traffic the object can change, in words."""
    k = o.kind
    if o.everywhere:
        where = "between any pods" if not k.outside_only else "from any pod"
        if k.mesh_root is not None and o.namespace == k.mesh_root:
            where += f" (namespace {o.namespace} is the mesh's root namespace)"
    elif k.side is Side.SOURCE:
        where = f"from pods of namespace {o.namespace}"
    elif k.side is Side.DESTINATION:
        where = f"to pods of namespace {o.namespace}"
    else:
        where = f"to and from pods of namespace {o.namespace}"
    return where + (" to addresses outside the cluster" if k.outside_only else "")


@register
class PolicyNotEvaluated(Rule):
    """Traffic policy of a kind netverify does not evaluate

    **Anti-pattern**

    The manifests hold a policy of another API than Kubernetes NetworkPolicy, one that
    netverify reads but does not evaluate: an AdminNetworkPolicy, a CiliumNetworkPolicy,
    a Calico or Antrea policy, an Istio AuthorizationPolicy, an OVN-Kubernetes
    EgressFirewall, ...::

        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: deny-web, namespace: shop}
        spec:
          endpointSelector: {matchLabels: {app: api}}
          ingressDeny: [{fromEndpoints: [{matchLabels: {app: web}}]}]

    **Why it hurts**

    The cluster enforces it alongside (or before) the NetworkPolicies: it may deny what
    they allow, or allow what they deny. Every verdict netverify gives about the
    traffic it applies to, and every finding of this report about that traffic, says
    only what the NetworkPolicies say: such answers are marked incomplete (exit status
    3) rather than given as yes or no.

    **Fix**

    Check that traffic on the cluster itself, or express the rule as a NetworkPolicy if
    it can be one. When the object is known not to matter for the question (a policy
    of a plugin the cluster does not run, an audit-only policy), leave it out on
    purpose with ``--ignore-kind KIND`` (or ``Kind.group``); the output then says so.
    """

    code = "NV704"
    title = "Traffic policy of a kind netverify does not evaluate"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        for o in cluster.coverage.unevaluated:
            k = o.kind
            yield self.finding(
                f"not evaluated: {k.product} {k.kind} ({k.group}): {k.why}. Verdicts about "
                f"traffic {reach(o)} are incomplete, and so are this report's findings "
                f"about it (--ignore-kind {k.kind} leaves such objects out on purpose)",
                o.ref, "", o.source)
