"""NV505: externalTrafficPolicy Local on Services whose endpoints do not run on every node.

Endpoints come from ``audit/services.py``; a DaemonSet's pods count as running on every
node, anything else does not.
"""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.naming import related_workloads, workload_object
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.audit.services import service_targets
from netverify.audit.text import first_few
from netverify.model import Cluster, Pod


def _runs_on_every_node(pod: Pod) -> bool:
    return "DaemonSet" in (pod.kind, pod.workload_kind)


def _replicas(pods: list[Pod]) -> str:
    if all(p.is_template for p in pods):
        n = sum(p.replicas if p.replicas is not None else 1 for p in pods)
        return f"{n} replica(s)"
    return f"{len(pods)} pod(s)"


@register
class LocalTrafficPolicy(Rule):
    """externalTrafficPolicy Local on endpoints that do not run on every node

    **Anti-pattern**

    A LoadBalancer or NodePort Service keeps the client's address with
    ``externalTrafficPolicy: Local``, but its endpoints are a Deployment with a few
    replicas::

        kind: Service
        spec:
          type: LoadBalancer
          externalTrafficPolicy: Local
          selector: {app: web}           # a Deployment with 2 replicas on 10 nodes

    **Why it hurts**

    With ``Local``, a node forwards external traffic only to endpoints on that same node.
    Nodes without one fail the load balancer's health check (``healthCheckNodePort``) and
    drop what reaches them: connections to the node port of such a node time out, traffic
    is spread per node rather than per pod (two pods on one node share what one pod on
    another node gets alone), and a rollout that moves pods causes drops until the load
    balancer catches up.

    **Fix**

    Keep ``Cluster`` (the default) unless the client address is needed; if it is, run the
    endpoints on every node (a DaemonSet), or spread enough replicas with
    ``topologySpreadConstraints`` and accept the uneven load::

        spec:
          type: LoadBalancer
          externalTrafficPolicy: Cluster
    """

    code = "NV505"
    title = "externalTrafficPolicy Local on endpoints that do not run on every node"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        done: set[str] = set()
        for svc, _, port, target in service_targets(cluster):
            # The policy only exists for traffic from outside: NodePort and LoadBalancer.
            if svc.key in done or not svc.external or svc.external_traffic_policy != "Local":
                continue
            done.add(svc.key)
            partial = [p for p, _ in target.endpoints if not _runs_on_every_node(p)]
            if not partial:
                continue
            groups: dict[str, list[Pod]] = {}
            for p in partial:
                groups.setdefault(workload_object(p), []).append(p)
            described = [f"{name} ({_replicas(pods)})" for name, pods in sorted(groups.items())]
            node_port = f":{port.node_port}" if port.node_port else " on its node port"
            yield self.finding(
                f"externalTrafficPolicy Local: only nodes running an endpoint answer, and "
                f"the endpoints of {first_few(described)} do not run on every node (not a "
                "DaemonSet): traffic reaching other nodes is dropped and load is spread per "
                "node, not per pod",
                f"Service {svc.key}", "spec.externalTrafficPolicy", svc.source,
                example=f"203.0.113.7 -> a node without an endpoint{node_port} -> "
                        f"svc/{svc.key}:{port.port}: dropped",
                related=related_workloads(partial, "endpoint, not on every node"))
