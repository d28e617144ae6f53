"""NV101: namespaces holding pods that no ingress policy isolates, one finding per namespace."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.guardrails import guarded, tiers_of
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.audit.text import first_few
from netverify.engines.concrete import Evaluator
from netverify.model import Cluster, Direction


@register
class NoIngressIsolation(Rule):
    """Namespace with pods that no ingress policy isolates

    **Anti-pattern**

    A namespace runs pods, but no NetworkPolicy of type Ingress selects some of them::

        kind: NetworkPolicy
        metadata: {name: allow-web, namespace: shop}
        spec:
          podSelector: {matchLabels: {app: web}}   # only web is isolated

    **Why it hurts**

    Every pod no ingress policy selects accepts connections from every pod in the cluster
    and from outside it, on every port: one compromised pod anywhere can reach them.

    **Fix**

    Add a default deny for ingress to the namespace, then allow what each workload needs::

        kind: NetworkPolicy
        metadata: {name: default-deny-ingress, namespace: shop}
        spec:
          podSelector: {}
          policyTypes: [Ingress]
    """

    code = "NV101"
    title = "Namespace with pods that no ingress policy isolates"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        ev = Evaluator(cluster)
        tiers = tiers_of(cluster)
        open_pods: dict[str, list[str]] = {}
        for pod in cluster.pods:
            if not pod.host_network and not ev.selecting(pod, Direction.INGRESS) \
                    and not guarded(tiers, pod, Direction.INGRESS):
                open_pods.setdefault(pod.namespace, []).append(pod.name)
        for ns, names in sorted(open_pods.items()):
            src = cluster.namespaces[ns].source if ns in cluster.namespaces else None
            yield self.finding(
                f"{len(names)} pod(s) in namespace {ns} accept ingress from anywhere "
                f"({first_few(sorted(names))}): no ingress policy selects them",
                f"Namespace {ns}", source=src)
