"""NV608: routes whose proxy (ingress controller or Gateway) NetworkPolicy keeps from the backend.

The hops come from ``queries.paths`` (the answer ``netverify paths`` gives), on the
policy answer only: whether the CNI enforces the policies is NV701's question.
"""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.registry import Finding, Related, Rule, Severity, register
from netverify.hop_text import hop_detail
from netverify.model import Cluster
from netverify.queries.paths import paths
from netverify.verdicts import HopStatus


@register
class RouteBlockedByPolicy(Rule):
    """Route whose proxy NetworkPolicy keeps from the backend pods

    **Anti-pattern**

    An Ingress (or HTTPRoute) sends requests to a Service whose pods sit behind a default
    deny that forgot the ingress controller::

        kind: NetworkPolicy
        metadata: {name: default-deny, namespace: shop}
        spec: {podSelector: {}, policyTypes: [Ingress]}
        # ... and no rule admitting the ingress-nginx namespace to the api pods

    **Why it hurts**

    The controller accepts the request, cannot open a connection to any endpoint and
    answers 502 or 504: the site is down although every pod is healthy ("Ingress 502").
    The same happens when the controller's own policies keep the internet out of it.

    **Fix**

    Admit the controller (or Gateway) pods on the target port in the backend's policy::

        ingress:
          - from:
              - namespaceSelector:
                  matchLabels: {kubernetes.io/metadata.name: ingress-nginx}
            ports: [{port: 8080}]

    ``netverify can-reach internet https://HOST/PATH`` shows every hop.
    """

    code = "NV608"
    title = "Route whose proxy NetworkPolicy keeps from the backend pods"
    severity = Severity.ERROR

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        if not cluster.ingresses and not cluster.http_routes:
            return
        # What the policies say: whether the CNI enforces them is the CNI rules' question.
        for p in paths(cluster, policy_only=True).routes:
            for hop in p.hops:
                if hop.status is not HopStatus.BLOCKED or not hop.verdicts:
                    continue  # missing Services and empty endpoints are NV604 / NV501
                v = hop.verdicts[0]
                port = f" TCP {hop.port}" if hop.port else ""
                blocking = ", ".join(sorted({r.policy for r in v.ingress.isolating}
                                            | {r.policy for r in v.egress.isolating})) or "-"
                yield self.finding(
                    f"{p.host} {p.match}: {hop.step}: {hop_detail(hop)}", p.route_object,
                    p.route_field, p.source,
                    example=f"{v.src.name} -> {v.dst.name}{port}",
                    related=tuple(Related(object=f"NetworkPolicy {name}", role="isolates "
                                          "without admitting the proxy")
                                  for name in blocking.split(", ") if name != "-"))
