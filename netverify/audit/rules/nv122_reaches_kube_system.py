"""NV122: namespaces whose pods may connect to kube-system on ports other than DNS.

An inventory computed for all pod classes at once with the all-pairs engine: one
finding per source namespace, naming the kube-system workloads and ports it reaches.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from netverify.audit.exposure import DNS_PORTS, example_port
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.audit.text import first_few
from netverify.engines.allpairs import compute_all_pairs
from netverify.engines.classes import pod_classes
from netverify.model import Cluster
from netverify.ports import PortSet

KUBE_SYSTEM = "kube-system"


def ports_text(ports: PortSet) -> str:
    """``TCP 9153`` or ``every port but DNS``."""
    return "every port but DNS" if ports.union(DNS_PORTS).is_all else str(ports)


@register
class ReachesKubeSystem(Rule):
    """Namespace whose pods may connect to kube-system beyond DNS

    **Anti-pattern**

    Pods of an application namespace may open connections to kube-system pods on ports
    other than DNS, usually because neither side restricts it::

        # shop has no egress policy, and kube-system no ingress policy:
        # every shop pod reaches CoreDNS metrics, metrics-server, the CNI's agents, ...

    **Why it hurts**

    kube-system runs the cluster's control components (DNS, metrics, CNI and CSI agents,
    sometimes the API server, etcd and the kubelet through hostNetwork pods). Their
    admin, metrics and debug endpoints often trust the network: an application pod that
    reaches them can read cluster state or disrupt it. Only DNS (UDP and TCP 53) is
    needed by every pod.

    This is *info*: an inventory of which namespaces reach kube-system, on which ports,
    one finding per source namespace naming the kube-system workloads and ports, with an
    example pair. It is computed for all pod classes at once by the all-pairs engine;
    sources are the policy-governed pods of every other namespace (hostNetwork pods are
    node traffic). hostNetwork targets are included: selectors never match them, so only
    an unisolated egress or an ipBlock lets a pod reach them, and then the CNI decides
    whether node traffic is filtered.

    **Fix**

    Give application namespaces an egress default deny that allows DNS only towards
    kube-system, and give kube-system ingress policies for the ports its clients need::

        egress:
          - to:
              - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
                podSelector: {matchLabels: {k8s-app: kube-dns}}
            ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
    """

    code = "NV122"
    title = "Namespace whose pods may connect to kube-system beyond DNS"
    severity = Severity.INFO

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        classes = pod_classes(cluster)
        reps = classes.reps
        tcols = [c for c, r in enumerate(reps) if r.namespace == KUBE_SYSTEM]
        if not tcols:
            return
        sources: dict[str, list[int]] = {}
        for c, r in enumerate(reps):
            if r.namespace != KUBE_SYSTEM and not r.host_network:
                sources.setdefault(r.namespace, []).append(c)
        if not sources:
            return
        ap = compute_all_pairs(cluster, classes=classes)
        beyond_dns = ap.mask_outside(DNS_PORTS)
        for ns in sorted(sources):
            srows = sources[ns]
            hit = ap.reach(srows, tcols, [beyond_dns] * len(tcols))
            if not hit.any():
                continue
            # Ports per kube-system workload: the union over the namespace's sources.
            reached: dict[str, PortSet] = {}
            for col in np.flatnonzero(hit.any(axis=0)):
                t = tcols[int(col)]
                ports = ap.allowed_ports(srows, t, beyond_dns).difference(DNS_PORTS)
                for pod in classes.members[t]:
                    name = pod.group + (" (hostNetwork)" if pod.host_network else "")
                    reached[name] = reached.get(name, PortSet.empty()).union(ports)
            listed = [f"{name} on {ports_text(ps)}" for name, ps in sorted(reached.items())]
            rows = hit.any(axis=1)
            n_src = sum(len(classes.members[srows[int(r)]]) for r in np.flatnonzero(rows))
            n_all = sum(len(classes.members[c]) for c in srows)
            i = int(np.flatnonzero(rows)[0])
            j = int(np.flatnonzero(hit[i])[0])
            src = classes.members[srows[i]][0]
            dst = classes.members[tcols[j]][0]
            ports = ap.allowed_ports([srows[i]], tcols[j], beyond_dns).difference(DNS_PORTS)
            proto, port = example_port(ports, dst)
            ns_obj = cluster.namespaces.get(ns)
            yield self.finding(
                f"{n_src} of the {n_all} pods of namespace {ns} may connect to kube-system on "
                f"ports other than DNS: {first_few(listed, sep='; ')}", f"Namespace {ns}",
                source=ns_obj.source if ns_obj else None,
                example=f"{src.key} -> {dst.key} {proto.value} {port}")
