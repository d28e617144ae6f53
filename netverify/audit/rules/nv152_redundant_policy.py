"""NV152: a NetworkPolicy whose deletion changes no verdict for any possible pod."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit import redundancy
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.model import Cluster


@register
class RedundantPolicy(Rule):
    """Redundant NetworkPolicy

    **Anti-pattern**

    A policy that isolates only pods other policies isolate, and admits only traffic
    they admit::

        kind: NetworkPolicy
        metadata: {name: deny}
        spec: {podSelector: {}, policyTypes: [Ingress]}
        ---
        kind: NetworkPolicy
        metadata: {name: wide}
        spec: {podSelector: {}, ingress: [{ports: [{port: 80}]}]}

    **Why it hurts**

    Reviewers believe the policy protects something, and a later change to it (or its
    deletion in a clean-up) has no effect while the policies that shadow it stay: what
    keeps the pods isolated is somewhere else. Deleting it is checked for every pod
    that could exist, both address families, and the cluster-wide tiers.

    **Fix**

    Delete the policy, or keep it and narrow the policies that shadow it (named in the
    finding) if it says what was meant.
    """

    code = "NV152"
    title = "Redundant NetworkPolicy"
    severity = Severity.INFO
    lint_only = True

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        yield from redundancy.findings(self, cluster)
