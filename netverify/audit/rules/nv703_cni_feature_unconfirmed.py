"""NV703: policy fields whose support by the detected CNI no source confirms.

The same walk as NV702 (``audit/cni_gaps.py``), reporting the fields the profile
answers "unknown" for, so that a review tests them on the real cluster.
"""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.cni_gaps import gap_findings
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.model import Cluster


@register
class CniFeatureUnconfirmed(Rule):
    """NetworkPolicy field whose support by the detected CNI is not confirmed

    **Anti-pattern**

    A policy uses a feature for which the plugin's documentation and issue trackers give
    no clear answer (``endPort`` on Weave Net or kube-router, SCTP on Calico, ipBlock on
    pod addresses on Calico)::

        ports: [{protocol: SCTP, port: 9000}]

    **Why it hurts**

    The traffic the field is about may be enforced as written, enforced differently or
    not at all: netverify answers "depends on the CNI" rather than guess, and so should a
    review.

    **Fix**

    Test the behaviour on the real cluster (a pod on each side and a connection
    attempt), or write the rule without the feature (single ports instead of a range,
    labels instead of pod addresses). Once confirmed, silence the finding with the
    annotation ``netverify.io/ignore: NV703`` on the policy.
    """

    code = "NV703"
    title = "NetworkPolicy field whose support by the detected CNI is not confirmed"
    severity = Severity.INFO

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        yield from gap_findings(self, cluster, None)
