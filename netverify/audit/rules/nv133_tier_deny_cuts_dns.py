"""NV133: a cluster-wide egress Deny that cuts pods off from cluster DNS."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.dns import DNS_PORT, KUBE_SYSTEM, STANDARD_DNS, dns_pods
from netverify.audit.guardrails import class_reps, tier_object
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.engines.concrete import Evaluator
from netverify.model import Cluster, Direction, Pod
from netverify.ports import Protocol
from netverify.results import Outcome


@register
class TierDenyCutsDns(Rule):
    """Cluster-wide egress Deny that cuts pods off from cluster DNS

    **Anti-pattern**

    A baseline "deny everything" written without an exception for DNS::

        kind: BaselineAdminNetworkPolicy
        spec:
          subject: {namespaces: {}}
          egress:
            - {name: default-deny, action: Deny, to: [{namespaces: {}}]}

    **Why it hurts**

    Every pod no NetworkPolicy isolates for egress can no longer resolve names: UDP and TCP
    53 to the cluster DNS pods is denied, and every connection by name fails. In the Admin
    tier the Deny beats even NetworkPolicies that allow DNS.

    **Fix**

    Accept DNS before the Deny::

        egress:
          - name: dns
            action: Allow
            to: [{pods: {namespaceSelector: {matchLabels:
                           {kubernetes.io/metadata.name: kube-system}},
                         podSelector: {matchLabels: {k8s-app: kube-dns}}}}]
            ports: [{portNumber: {protocol: UDP, port: 53}},
                    {portNumber: {protocol: TCP, port: 53}}]
          - {name: default-deny, action: Deny, to: [{namespaces: {}}]}
    """

    code = "NV133"
    title = "Cluster-wide egress Deny that cuts pods off from cluster DNS"
    severity = Severity.ERROR

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        if not cluster.cluster_policies:
            return
        real = dns_pods(cluster)
        dns = real[0] if real else STANDARD_DNS
        ev = Evaluator(cluster)
        found: dict[tuple[str, str, int], list[Pod]] = {}
        rules = {}
        for pod in class_reps(cluster):
            if pod.host_network or pod.key == dns.key or pod.namespace == KUBE_SYSTEM:
                continue
            # The client's egress, then the DNS pod's ingress from the client.
            for side in (ev.side(Direction.EGRESS, pod, dns, dns),
                         ev.side(Direction.INGRESS, dns, pod, dns)):
                for d in side.tiers:
                    if d.outcome is Outcome.DENY and d.policy is not None \
                            and d.rule is not None and d.ports.contains(Protocol.UDP, DNS_PORT):
                        key = (d.policy.key, d.rule.direction.value, d.rule.index)
                        found.setdefault(key, []).append(pod)
                        rules[key] = (d.policy, d.rule)
        for key, pods in sorted(found.items()):
            pol, rule = rules[key]
            yield self.finding(
                f"{rule.label} denies DNS (UDP {DNS_PORT} to {dns.key}) for {len(pods)} pod "
                f"class(es), e.g. {pods[0].key}: names no longer resolve",
                tier_object(pol), rule.field, rule.source,
                example=f"{pods[0].key} -> {dns.key} (UDP {DNS_PORT})" if real else "")
