"""NV701: NetworkPolicies applied to a cluster whose detected CNI enforces none of them.

One finding per policy, naming the plugin and the objects it was recognised from
(``audit/cni_gaps.py``), with an example connection the policy means to stop.
"""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.cni_gaps import detected, evidence
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.model import Cluster, Direction, Pod


@register
class CniDoesNotEnforce(Rule):
    """NetworkPolicy on a cluster whose CNI does not enforce NetworkPolicy

    **Anti-pattern**

    Policies are applied to a cluster whose network plugin ignores them: Flannel alone,
    the AWS VPC CNI without its network policy agent, GKE without Dataplane V2 or
    Calico::

        kind: DaemonSet
        metadata: {name: kube-flannel-ds, namespace: kube-flannel}
        ---
        kind: NetworkPolicy
        spec:
          podSelector: {}
          policyTypes: [Ingress]

    **Why it hurts**

    The API server accepts the policies and nothing enforces them: every pod can reach
    every other pod, and the isolation reviewers read in the manifests does not exist.
    Nothing in the cluster reports it.

    **Fix**

    Install a policy engine next to the plugin (Canal, that is Calico with Flannel;
    enable ``enableNetworkPolicy`` on the AWS VPC CNI; Dataplane V2 on GKE), or move to a
    plugin that enforces policy, then check the answer with
    ``netverify can-reach ... --cni NAME``.
    """

    code = "NV701"
    title = "NetworkPolicy on a cluster whose CNI does not enforce NetworkPolicy"
    severity = Severity.ERROR

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        if not cluster.policies:
            return
        found = detected(cluster)
        if found is None or found.profile.enforces is not False:
            return
        prof = found.profile
        related = evidence(cluster, found)
        by_ns: dict[str, list[Pod]] = {}
        for p in cluster.pods:
            by_ns.setdefault(p.namespace, []).append(p)
        for pol in cluster.policies:
            pod = next((q for q in by_ns.get(pol.namespace, ())
                        if not q.host_network and pol.pod_selector.matches(q.labels)), None)
            example = ""
            if pod is not None:
                example = (f"{pod.key} -> 203.0.113.7: allowed" if Direction.INGRESS not in
                           pol.policy_types else f"203.0.113.7 -> {pod.key}: allowed")
            yield self.finding(
                f"ignored: {prof.label} (detected from {', '.join(found.evidence)}) does not "
                f"enforce NetworkPolicy, so all traffic to and from the pods this policy "
                f"selects flows ({prof.source})",
                f"NetworkPolicy {pol.key}", "", pol.source, example=example, related=related)
