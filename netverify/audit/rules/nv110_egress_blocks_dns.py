"""NV110."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.engines.concrete import Evaluator
from netverify.model import Cluster, ContainerPort, Direction, Pod
from netverify.ports import Protocol

# When the input has no DNS pods, judge egress against the pod every cluster runs.
_STANDARD_DNS = Pod(namespace="kube-system", name="kube-dns (assumed)",
                    labels={"k8s-app": "kube-dns"}, kind="Deployment",
                    container_ports=(ContainerPort(port=53, protocol=Protocol.UDP, name="dns"),
                                     ContainerPort(port=53, protocol=Protocol.TCP,
                                                   name="dns-tcp")))


@register
class EgressBlocksDns(Rule):
    """Egress isolation that leaves pods unable to resolve names

    **Anti-pattern**

    A default deny for egress with no rule for DNS::

        spec:
          podSelector: {}
          policyTypes: [Egress]

    **Why it hurts**

    Every lookup of a Service name times out: the classic outage right after a default deny
    for egress is applied. Connections by IP still work, which makes it confusing to debug.

    **Fix**

    Allow UDP and TCP 53 to the cluster DNS pods next to the default deny::

        egress:
          - to:
              - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
                podSelector: {matchLabels: {k8s-app: kube-dns}}
            ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
    """

    code = "NV110"
    title = "Egress isolation that leaves pods unable to resolve names"
    severity = Severity.ERROR

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        ev = Evaluator(cluster)
        dns = [p for p in cluster.pods if p.namespace == "kube-system"
               and p.labels.get("k8s-app") == "kube-dns"] or [_STANDARD_DNS]
        for pod in cluster.pods:
            policies = ev.selecting(pod, Direction.EGRESS)
            if not policies:
                continue
            missing = [proto.value for proto in (Protocol.UDP, Protocol.TCP)
                       if not any(ev.side(Direction.EGRESS, pod, d, d).allowed.contains(proto, 53)
                                  for d in dns)]
            if missing:
                names = ", ".join(p.key for p in policies)
                yield self.finding(
                    f"{pod.key} is isolated for egress (by {names}) and may not reach cluster "
                    f"DNS on {' and '.join(missing)} 53", f"{pod.kind} {pod.key}",
                    source=pod.source)
