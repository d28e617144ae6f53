"""NV151: a NetworkPolicy rule whose deletion changes no verdict for any possible pod."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit import redundancy
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.model import Cluster


@register
class RedundantRule(Rule):
    """Redundant NetworkPolicy rule

    **Anti-pattern**

    A rule that admits only traffic other rules already admit to the same pods::

        kind: NetworkPolicy
        metadata: {name: wide}
        spec: {podSelector: {}, ingress: [{ports: [{port: 80}, {port: 443}]}]}
        ---
        kind: NetworkPolicy
        metadata: {name: narrow}
        spec: {podSelector: {matchLabels: {app: x}}, ingress: [{ports: [{port: 80}]}]}

    **Why it hurts**

    Nothing today, which is the trouble: reviewers read the narrow rule as the reason
    the traffic is allowed, and tightening it (or deleting the policy it sits in) changes
    nothing while the wider rule stays. Deleting it is checked for every pod that could
    exist, both address families, and the cluster-wide tiers.

    **Fix**

    Delete the rule, or narrow the rules that shadow it (named in the finding) if the
    narrow one says what was meant. Findings are checked together: deleting all of
    them at once keeps every verdict.
    """

    code = "NV151"
    title = "Redundant NetworkPolicy rule"
    severity = Severity.INFO
    lint_only = True

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        yield from redundancy.findings(self, cluster)

