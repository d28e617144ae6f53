"""NV102: policies whose podSelector matches no pod of their namespace (often a typo)."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.model import Cluster


@register
class PolicySelectsNothing(Rule):
    """Policy whose podSelector matches no existing pod

    **Anti-pattern**

    The podSelector names labels no pod carries, often a typo::

        spec:
          podSelector: {matchLabels: {app: bakend}}

    **Why it hurts**

    The policy isolates nothing and allows nothing today: the pods it was written for are
    open (or stay closed) whatever it says, and reviewers believe they are protected.

    **Fix**

    Match the labels the workload's pod template really has, and check with
    ``netverify who-can-reach`` that the policy now applies.
    """

    code = "NV102"
    title = "Policy whose podSelector matches no existing pod"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        by_ns = cluster.pods_by_namespace()
        for pol in cluster.policies:
            if not any(not p.host_network and pol.pod_selector.matches(p.labels)
                       for p in by_ns.get(pol.namespace, ())):
                yield self.finding(
                    f"podSelector {{{pol.pod_selector}}} matches no pod in namespace "
                    f"{pol.namespace}", f"NetworkPolicy {pol.key}", "spec.podSelector",
                    pol.source)
