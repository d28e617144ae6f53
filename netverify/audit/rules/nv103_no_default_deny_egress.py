"""NV103: namespaces holding pods that no egress policy isolates, one finding per namespace."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.guardrails import guarded, tiers_of
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.audit.text import first_few
from netverify.engines.concrete import Evaluator
from netverify.model import Cluster, Direction


@register
class NoEgressIsolation(Rule):
    """Namespace with pods that no egress policy isolates

    **Anti-pattern**

    A namespace runs pods, but no NetworkPolicy of type Egress selects some of them::

        kind: NetworkPolicy
        metadata: {name: default-deny, namespace: shop}
        spec:
          podSelector: {}
          policyTypes: [Ingress]          # ingress only: every pod may still call out

    **Why it hurts**

    A pod no egress policy selects may open connections to every pod in the cluster and to
    every address outside it, on every port: a compromised pod can move laterally to any
    service that admits it and send data anywhere on the internet.

    The severity is *info*, not *warning* like its ingress twin NV101: a default deny for
    egress means listing every dependency of every workload (DNS, APIs, cloud endpoints),
    many well-run clusters deliberately police ingress only, and the destinations' ingress
    policies still protect them. Treat this as the next step once NV101 is clean.

    **Fix**

    Add a default deny for egress to the namespace, then allow what each workload needs,
    starting with cluster DNS (see NV110)::

        kind: NetworkPolicy
        metadata: {name: default-deny-egress, namespace: shop}
        spec:
          podSelector: {}
          policyTypes: [Egress]
          egress:
            - to:
                - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
                  podSelector: {matchLabels: {k8s-app: kube-dns}}
              ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
    """

    code = "NV103"
    title = "Namespace with pods that no egress policy isolates"
    severity = Severity.INFO

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        ev = Evaluator(cluster)
        tiers = tiers_of(cluster)
        open_pods: dict[str, list[str]] = {}
        for pod in cluster.pods:
            # hostNetwork pods are not subject to policy: no policy could isolate them.
            if not pod.host_network and not ev.selecting(pod, Direction.EGRESS) \
                    and not guarded(tiers, pod, Direction.EGRESS):
                open_pods.setdefault(pod.namespace, []).append(pod.name)
        for ns, names in sorted(open_pods.items()):
            src = cluster.namespaces[ns].source if ns in cluster.namespaces else None
            yield self.finding(
                f"{len(names)} pod(s) in namespace {ns} may connect anywhere "
                f"({first_few(sorted(names))}): "
                "no egress policy selects them", f"Namespace {ns}", source=src)
