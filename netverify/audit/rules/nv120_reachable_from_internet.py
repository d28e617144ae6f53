"""NV120: pods whose ingress policies admit sources on the internet, one finding per workload.

What the internet may open to a pod (ports, admitting rules, an example source) comes
from ``audit/exposure.py``, which NV121 shares; this module groups the pods by workload
and words the inventory.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from netverify.audit.exposure import (
    AdmittingRule,
    Exposure,
    InternetIngress,
    describe_ports,
    example_port,
)
from netverify.audit.naming import workload_object
from netverify.audit.registry import Finding, Related, Rule, Severity, register
from netverify.audit.text import first_few
from netverify.engines.concrete import Evaluator
from netverify.model import Cluster, Pod
from netverify.ports import PortSet


@register
class ReachableFromInternet(Rule):
    """Pods that sources on the internet may connect to

    **Anti-pattern**

    Ingress policies isolate the pods but a rule still admits the internet: a rule with no
    ``from``, or an ``ipBlock`` holding public addresses::

        ingress:
          - ports: [{port: 8443}]                 # no from: every address, every pod
          - from: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]

    **Why it hurts**

    Anyone who reaches the nodes or the load balancer may open these connections: the
    pods face the internet's scanners and exploits directly. Often this is the point (a
    public frontend, an ingress controller), so the severity is *info*: the finding is the
    inventory a reviewer confirms, naming the ports and the rules that admit them. A
    sensitive port open to everyone is NV106's warning; pods no ingress policy isolates
    accept the internet too, and are NV101's finding, not repeated here.

    "The internet" is every address outside ``NOT_INTERNET`` in ``audit/exposure.py``
    (private, shared, loopback and link-local ranges), so an ipBlock of an office network
    (``192.168.0.0/16``) or of the pod network is not exposure.

    **Fix**

    Admit outside traffic only where it enters the cluster (the ingress controller or a
    load balancer's pods), on the serving ports, and have other pods admit that
    controller by labels::

        ingress:
          - from:
              - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}
                podSelector: {matchLabels: {app.kubernetes.io/name: ingress-nginx}}
            ports: [{port: 8443}]
    """

    code = "NV120"
    title = "Pods that sources on the internet may connect to"
    severity = Severity.INFO

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        internet = InternetIngress(Evaluator(cluster))
        groups: dict[str, list[tuple[Pod, Exposure]]] = {}
        totals: dict[str, int] = {}
        for pod in cluster.pods:
            obj = workload_object(pod)
            totals[obj] = totals.get(obj, 0) + 1
            exp = internet.exposure(pod)
            if exp is not None:
                groups.setdefault(obj, []).append((pod, exp))
        for obj, exposed in sorted(groups.items()):
            pod, exp = exposed[0]
            ports = PortSet.empty()
            # The rules admitting the internet to some pod of the workload, each once.
            admitting: dict[tuple[str, int], AdmittingRule] = {}
            for _p, e in exposed:
                ports = ports.union(e.ports)
                for a in e.internet_rules:
                    admitting.setdefault((a.policy.key, a.rule.index), a)
            who = obj
            if not pod.is_template and len(exposed) < totals[obj]:
                who = f"{obj} ({len(exposed)} of its {totals[obj]} pods)"
            count = sum(len(a.addresses.peers) for a in admitting.values())
            shown = islice((ref for a in admitting.values() for ref in a.refs()), 3)
            rules = first_few([f"{r.policy} {r.field} ({r.peer})" for r in shown], 3,
                              sep="; ", total=count)
            proto, port = example_port(exp.ports, pod)
            source = internet.example_source(exp, proto, port)
            yield self.finding(
                f"{who} accepts connections from the internet on {describe_ports(ports)}, "
                f"admitted by {rules}", obj, source=pod.source,
                example=f"{source} -> {pod.key} {proto.value} {port}",
                related=_related(list(admitting.values())))


def _related(admitting: list[AdmittingRule]) -> tuple[Related, ...]:
    """One ``Related`` per admitting policy (an allowlist of 200 ipBlocks is one policy)."""
    by_policy: dict[str, list[AdmittingRule]] = {}
    for a in admitting:
        by_policy.setdefault(a.policy.key, []).append(a)
    out = []
    for name, rules in by_policy.items():
        refs = list(islice((ref for a in rules for ref in a.refs()), 3))
        count = sum(len(a.addresses.peers) for a in rules)
        fields = first_few([r.field for r in refs], 3, total=count)
        out.append(Related(object=f"NetworkPolicy {name}",
                           role=f"admits internet sources ({fields})", source=refs[0].source))
    return tuple(out)
