"""NV504: NodePort Services that publish an application (ingress controllers aside)."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.audit.services import is_controller_entry
from netverify.model import Cluster


@register
class NodePortExposure(Rule):
    """NodePort Service used to expose an application

    **Anti-pattern**

    An application is published on a port of every node::

        kind: Service
        spec:
          type: NodePort
          ports: [{port: 80, targetPort: 3000, nodePort: 30080}]

    **Why it hurts**

    kube-proxy opens the port (30000-32767) on every node of the cluster, on every node
    address, whether or not the node runs the application. Clients then talk to node
    IPs directly: no TLS termination, authentication or rate limiting of an Ingress
    controller in between, port numbers to track by hand, and a firewall rule per port.
    NetworkPolicy sees this traffic after the node's address translation, so an ipBlock
    written for the client's address may not match.

    **Fix**

    Make the Service ClusterIP and publish it through the Ingress controller or Gateway
    (only the controller's own Service is NodePort or LoadBalancer)::

        kind: Service
        spec:
          type: ClusterIP
          ports: [{port: 80, targetPort: 3000}]
    """

    code = "NV504"
    title = "NodePort Service used to expose an application"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        for svc in cluster.services:
            # An ingress controller on bare metal is published by NodePort on purpose: it
            # is the one entry point this rule asks for.
            if svc.type != "NodePort" or is_controller_entry(svc):
                continue
            ports = ", ".join(
                (f"node port {p.node_port}" if p.node_port
                 else "a node port from 30000-32767") + f" (for {p.port}/{p.protocol.value})"
                for p in svc.ports) or "node ports"
            first = svc.ports[0] if svc.ports else None
            yield self.finding(
                f"NodePort Service opens {ports} on every node, bypassing any Ingress "
                "controller's TLS and authentication",
                f"Service {svc.key}", "spec.type", svc.source,
                example=f"0.0.0.0/0 -> any node :{first.node_port or 'NODEPORT'} -> "
                        f"svc/{svc.key}:{first.port}" if first else "")
