"""NV607: HTTPRoute backends in another namespace that no ReferenceGrant there permits.

The answer is ``routing.reference_permitted``, the one ``can-reach`` and ``paths`` give.
"""

from __future__ import annotations

from collections.abc import Iterator

from netverify import routing
from netverify.audit.registry import Finding, Related, Rule, Severity, register
from netverify.model import Cluster


@register
class CrossNamespaceBackend(Rule):
    """HTTPRoute backend in another namespace without a ReferenceGrant there

    **Anti-pattern**

    An HTTPRoute sends traffic to a Service in another namespace, and that namespace has
    no ReferenceGrant::

        kind: HTTPRoute
        metadata: {namespace: web}
        spec:
          rules:
            - backendRefs: [{name: api, namespace: backend, port: 80}]

    **Why it hurts**

    Gateway API forbids cross-namespace references unless the target namespace allows
    them: the Gateway marks the reference ``RefNotPermitted``, and requests routed to it
    fail with 500.

    **Fix**

    Let the backend namespace accept references from the route's namespace::

        apiVersion: gateway.networking.k8s.io/v1beta1
        kind: ReferenceGrant
        metadata: {name: from-web, namespace: backend}
        spec:
          from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: web}]
          to: [{group: "", kind: Service}]

    A ReferenceGrant counts only where its ``from`` names the route's group, kind and
    namespace and its ``to`` the backend's group and kind (and name, when set).
    """

    code = "NV607"
    title = "HTTPRoute backend in another namespace without a ReferenceGrant there"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        for hr in cluster.http_routes:
            for route in hr.routes:
                for b in route.backends:
                    if routing.reference_permitted(cluster, hr.namespace, b):
                        continue
                    target = f"{b.kind} {b.namespace}/{b.name}"
                    yield self.finding(
                        f"backend {target} is in namespace {b.namespace}, where no "
                        "ReferenceGrant in the input permits it: the reference is not "
                        "permitted and requests routed to it fail", f"HTTPRoute {hr.key}",
                        b.field, b.source,
                        related=(Related(object=target, role="cross-namespace backend"),))
