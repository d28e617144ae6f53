"""NV104: workloads no policy selects in a namespace that has policies (the forgotten one)."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.guardrails import guarded, tiers_of
from netverify.audit.naming import workload_object
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.audit.text import first_few
from netverify.engines.concrete import Evaluator
from netverify.model import Cluster, Direction, Pod


@register
class PodSelectedByNoPolicy(Rule):
    """Workload that no policy selects in a namespace that has policies

    **Anti-pattern**

    The namespace has NetworkPolicies, written one per workload, and a workload was
    forgotten (or its labels no longer match the selectors)::

        kind: NetworkPolicy
        metadata: {name: api, namespace: shop}
        spec:
          podSelector: {matchLabels: {app: api}}
          policyTypes: [Ingress, Egress]
        # the pods of Deployment shop/admin (app: admin) are selected by no policy

    **Why it hurts**

    A pod no policy selects is fully open: it accepts connections from every pod and every
    address, and may open connections to anywhere, on every port. The namespace looks
    policed, so reviewers assume the forgotten workload is too.

    Scope: only namespaces holding at least one NetworkPolicy are checked, and hostNetwork
    pods are skipped (NetworkPolicy does not apply to them). A namespace without any policy
    is reported once by NV101 (and NV103) rather than once per workload here, so an
    unpoliced cluster does not drown the report; this rule finds the workloads an otherwise
    policed namespace forgot. One finding per workload (per pod for bare pods).

    **Fix**

    Add a default deny for both directions to the namespace, so that a new or relabelled
    workload starts closed, then allow what the workload needs::

        kind: NetworkPolicy
        metadata: {name: default-deny, namespace: shop}
        spec:
          podSelector: {}
          policyTypes: [Ingress, Egress]
    """

    code = "NV104"
    title = "Workload that no policy selects in a namespace that has policies"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        ev = Evaluator(cluster)
        tiers = tiers_of(cluster)
        policed: dict[str, int] = {}
        for pol in cluster.policies:
            policed[pol.namespace] = policed.get(pol.namespace, 0) + 1
        groups: dict[str, list[Pod]] = {}
        totals: dict[str, int] = {}
        for pod in cluster.pods:
            if pod.host_network or pod.namespace not in policed:
                continue
            obj = workload_object(pod)
            totals[obj] = totals.get(obj, 0) + 1
            if not ev.selecting(pod, Direction.INGRESS) and not ev.selecting(
                    pod, Direction.EGRESS) and not any(
                    guarded(tiers, pod, d) for d in Direction):
                groups.setdefault(obj, []).append(pod)
        for obj, pods in sorted(groups.items()):
            first = pods[0]
            ns = first.namespace
            if first.is_template or obj.startswith("Pod "):
                who = obj
            else:
                names = first_few([p.name for p in pods])
                who = f"{obj} ({len(pods)} of its {totals[obj]} pod(s): {names})"
            yield self.finding(
                f"{who} is selected by no NetworkPolicy although namespace {ns} has "
                f"{policed[ns]}: it accepts and opens connections to and from anywhere on every "
                "port", obj, source=first.source, example=f"0.0.0.0/0 -> {first.key} (any port)")
