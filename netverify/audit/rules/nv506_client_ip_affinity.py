"""NV506: Services with sessionAffinity ClientIP (clients behind one NAT pile onto one pod)."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.model import Cluster


@register
class ClientIpAffinity(Rule):
    """sessionAffinity ClientIP, which piles clients behind one NAT onto one pod

    **Anti-pattern**

    Sticky sessions by client address::

        kind: Service
        spec:
          sessionAffinity: ClientIP
          sessionAffinityConfig: {clientIP: {timeoutSeconds: 10800}}

    **Why it hurts**

    kube-proxy pins each source IP to one endpoint for three hours by default. Behind a
    corporate NAT, a mobile carrier, an ingress controller or a load balancer that does
    not keep client addresses, thousands of users arrive from a few IPs and all land on
    the same pod, while scaling out adds replicas that receive nothing.

    **Fix**

    Keep the application stateless (sessions in a shared store) and drop the affinity,
    or make the sticky decision where the real client is known, with a cookie at the
    Ingress controller::

        kind: Service
        spec:
          sessionAffinity: None
    """

    code = "NV506"
    title = "sessionAffinity ClientIP, which piles clients behind one NAT onto one pod"
    severity = Severity.INFO

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        for svc in cluster.services:
            # kube-proxy ignores affinity without a virtual IP (headless, ExternalName).
            if svc.session_affinity != "ClientIP" or svc.headless or svc.type == "ExternalName":
                continue
            yield self.finding(
                "sessionAffinity ClientIP pins every source address to one endpoint: clients "
                "behind one NAT or proxy all land on the same pod",
                f"Service {svc.key}", "spec.sessionAffinity", svc.source)
