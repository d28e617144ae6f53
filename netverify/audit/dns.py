"""Cluster DNS as the DNS rules (NV110, NV133) judge it: the pods every cluster runs."""

from __future__ import annotations

from netverify.model import Cluster, ContainerPort, Pod
from netverify.ports import Protocol

KUBE_SYSTEM = "kube-system"
DNS_LABEL = ("k8s-app", "kube-dns")  # CoreDNS keeps kube-dns's label and Service name
DNS_PORT = 53

# When the input has no DNS pods, judge against the pod every cluster runs.
STANDARD_DNS = Pod(namespace=KUBE_SYSTEM, name="kube-dns (assumed)",
                   labels={DNS_LABEL[0]: DNS_LABEL[1]}, kind="Deployment",
                   container_ports=(ContainerPort(port=53, protocol=Protocol.UDP, name="dns"),
                                    ContainerPort(port=53, protocol=Protocol.TCP,
                                                  name="dns-tcp")))


def dns_pods(cluster: Cluster) -> list[Pod]:
    """The cluster DNS pods of the input (``k8s-app=kube-dns`` in kube-system)."""
    return [p for p in cluster.pods if p.namespace == KUBE_SYSTEM
            and p.labels.get(DNS_LABEL[0]) == DNS_LABEL[1]]
