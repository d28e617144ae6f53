"""NV702: policy fields the detected CNI does not support (endPort, SCTP, named ports, ...).

The walk over the fields and the plugin facts are shared with NV703 in
``audit/cni_gaps.py``; this rule reports the fields the profile says are *not*
supported.
"""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.cni_gaps import gap_findings
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.model import Cluster


@register
class CniIgnoresFeature(Rule):
    """NetworkPolicy field that the detected CNI ignores or handles differently

    **Anti-pattern**

    A policy relies on a feature the cluster's plugin does not implement, for instance
    a port range on Cilium before 1.16, or an ipBlock written for pod addresses on a
    Cilium-based plugin::

        ingress:
          - from: [{ipBlock: {cidr: 10.244.3.0/24}}]      # pod IPs
            ports: [{port: 8000, endPort: 8200}]           # a range

    **Why it hurts**

    The policy means one thing in the API and another on the nodes: a plugin without
    ``endPort`` enforces only ``port`` (the rest of the range is blocked), one without
    SCTP leaves SCTP rules out, a Cilium-based plugin never matches pod IPs by ipBlock
    (the pods are denied), and a plugin without egress enforcement lets all egress out.

    **Fix**

    Write the policy with what the plugin supports: list ports one by one instead of a
    range, select pods by labels instead of by address, or upgrade the plugin
    (``netverify can-reach ... --cni NAME@VERSION`` shows the difference)::

        ingress:
          - from: [{podSelector: {matchLabels: {app: legacy}}}]
            ports: [{port: 8000}, {port: 8100}, {port: 8200}]
    """

    code = "NV702"
    title = "NetworkPolicy field that the detected CNI ignores or handles differently"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        yield from gap_findings(self, cluster, False)
