"""NV501: Services whose selector matches no pod of their namespace (no endpoints)."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.model import Cluster


@register
class ServiceWithoutEndpoints(Rule):
    """Service whose selector matches no pod

    **Anti-pattern**

    The Service selects labels no pod in its namespace has::

        kind: Service
        spec:
          selector: {app: apii}      # the pods are labelled app: api

    **Why it hurts**

    The Service has no endpoints: clients resolve its name and connect to its ClusterIP, and
    every connection is refused or times out ("endpoints are empty").

    **Fix**

    Make the selector equal to the pod template's labels, then check
    ``netverify can-reach CLIENT NAME.NAMESPACE:PORT``.
    """

    code = "NV501"
    title = "Service whose selector matches no pod"
    severity = Severity.ERROR

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        by_ns = cluster.pods_by_namespace()
        for svc in cluster.services:
            if svc.selector is None or svc.type == "ExternalName":
                continue
            if not any(svc.selects(p) for p in by_ns.get(svc.namespace, ())):
                sel = ",".join(f"{k}={v}" for k, v in svc.selector.items())
                yield self.finding(f"selector {sel} matches no pod in namespace "
                                   f"{svc.namespace}: the Service has no endpoints",
                                   f"Service {svc.namespace}/{svc.name}", "spec.selector",
                                   svc.source)
