"""NV150: a podSelector that contradicts itself, so that no pod could ever be selected."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit import redundancy
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.model import Cluster


@register
class SelectorSelectsNoPossiblePod(Rule):
    """podSelector that can select no possible pod

    **Anti-pattern**

    A podSelector whose requirements contradict each other::

        spec:
          podSelector:
            matchLabels: {app: web}
            matchExpressions: [{key: app, operator: NotIn, values: [web]}]

    **Why it hurts**

    No pod that exists or could ever exist is selected, so the policy neither isolates
    nor allows anything, whatever pods are deployed later. NV102 says a selector matches
    no pod today; this one says it never will, which is always a mistake in the YAML.

    **Fix**

    Keep the requirements that describe the pods meant, for example
    ``matchLabels: {app: web}`` alone, and check with ``netverify who-can-reach`` that the
    policy applies.
    """

    code = "NV150"
    title = "podSelector that can select no possible pod"
    severity = Severity.WARNING
    lint_only = True

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        yield from redundancy.findings(self, cluster)
