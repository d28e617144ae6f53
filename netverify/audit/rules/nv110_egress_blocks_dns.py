"""NV110: pods whose policies keep them from cluster DNS, on either side of the connection.

Both sides are judged for every policy-governed pod: its own egress towards the DNS
pods, and the DNS pods' ingress from it.  The answer is computed once per pod class
(``engines.classes``: pods no policy can tell apart) and DNS pod class, so a cluster
of thousands of pods costs a few hundred ``Evaluator.side`` calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from netverify.audit.dns import DNS_LABEL, DNS_PORT, KUBE_SYSTEM, STANDARD_DNS
from netverify.audit.naming import workload_object
from netverify.audit.registry import Finding, Related, Rule, Severity, register
from netverify.audit.text import first_few
from netverify.engines.classes import pod_classes
from netverify.engines.concrete import Evaluator
from netverify.model import Cluster, Direction, NetworkPolicy, Pod
from netverify.ports import Protocol
from netverify.results import Layer, Outcome, SideVerdict

PROTOCOLS = (Protocol.UDP, Protocol.TCP)

@dataclass(slots=True)
class _Blocked:
    """Pods (of one workload, or refused by the DNS side) and the protocols they lose."""

    pods: dict[str, Pod] = field(default_factory=dict)  # by key, in class order
    protocols: set[Protocol] = field(default_factory=set)
    policies: dict[str, NetworkPolicy] = field(default_factory=dict)
    mixed: bool = False  # egress admits some DNS pods, but only ones whose ingress refuses


def _protocols(protos: set[Protocol]) -> str:
    return " and ".join(p.value for p in PROTOCOLS if p in protos) + f" {DNS_PORT}"


def _first(protos: set[Protocol]) -> str:
    return next(p.value for p in PROTOCOLS if p in protos)


@register
class EgressBlocksDns(Rule):
    """Policy that leaves pods unable to reach cluster DNS

    **Anti-pattern**

    A default deny for egress with no rule for DNS::

        spec:
          podSelector: {}
          policyTypes: [Egress]

    or a default deny for ingress in kube-system that forgot the DNS clients::

        kind: NetworkPolicy
        metadata: {name: default-deny, namespace: kube-system}
        spec:
          podSelector: {}
          policyTypes: [Ingress]

    **Why it hurts**

    Every lookup of a Service name times out: the classic outage right after a default deny
    is applied. Connections by IP still work, which makes it confusing to debug. A deny on
    the DNS side breaks every pod of the cluster at once.

    How it is decided: for every pod NetworkPolicy applies to (not hostNetwork), on UDP
    and on TCP 53, some DNS pod (``k8s-app: kube-dns`` in kube-system; a standard one is
    assumed when the input has none) must be allowed by the pod's egress *and* admit the
    pod by its ingress. When the pod's egress allows no DNS pod, the finding is on the
    pod's workload and names its egress policies. When no DNS pod's ingress admits the
    pod, there is one finding on the DNS workload (or on namespace kube-system when the
    DNS pods are assumed) naming the policies that isolate it and the clients it refuses,
    rather than one per client. When both sides refuse, both findings are raised: each
    needs its fix.

    **Fix**

    Allow UDP and TCP 53 to the cluster DNS pods next to the egress default deny::

        egress:
          - to:
              - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
                podSelector: {matchLabels: {k8s-app: kube-dns}}
            ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]

    and admit every namespace to them next to an ingress default deny in kube-system::

        kind: NetworkPolicy
        metadata: {name: allow-dns, namespace: kube-system}
        spec:
          podSelector: {matchLabels: {k8s-app: kube-dns}}
          ingress:
            - from: [{namespaceSelector: {}}]
              ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
    """

    code = "NV110"
    title = "Policy that leaves pods unable to reach cluster DNS"
    severity = Severity.ERROR

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        ev = Evaluator(cluster)
        real = [p for p in cluster.pods if p.namespace == KUBE_SYSTEM
                and p.labels.get(DNS_LABEL[0]) == DNS_LABEL[1]]
        classes = pod_classes(cluster)
        # One DNS pod per class: the others get the same answers.
        dns = list({classes.class_of[p.key]: p for p in real[::-1]}.values())[::-1] \
            if real else [STANDARD_DNS]
        dns_keys = {p.key for p in real}
        egress: dict[str, _Blocked] = {}
        refused = _Blocked()
        for members in classes.members:
            clients = [p for p in members if p.key not in dns_keys and not p.host_network]
            if not clients:
                continue
            rep = clients[0]
            out = [ev.side(Direction.EGRESS, rep, d, d) for d in dns]
            into = [ev.side(Direction.INGRESS, d, rep, d) for d in dns]
            for proto in PROTOCOLS:
                e_ok = {i for i, s in enumerate(out) if not _policy_denies(s, proto)}
                i_ok = {i for i, s in enumerate(into) if not _policy_denies(s, proto)}
                if e_ok & i_ok:
                    continue
                if not i_ok:
                    refused.pods.update((p.key, p) for p in clients)
                    refused.protocols.add(proto)
                    for d in dns:
                        refused.policies.update(
                            (p.key, p) for p in ev.selecting(d, Direction.INGRESS))
                if not e_ok or i_ok:  # the pod's egress must change (too)
                    for pod in clients:
                        b = egress.setdefault(workload_object(pod), _Blocked())
                        b.pods[pod.key] = pod
                        b.protocols.add(proto)
                        b.mixed = b.mixed or bool(e_ok)
                        b.policies.update(
                            (p.key, p) for p in ev.selecting(pod, Direction.EGRESS))
        for obj, b in sorted(egress.items()):
            yield self._egress_finding(obj, b, real)
        if refused.pods:
            yield self._dns_side_finding(cluster, refused, real)

    def _egress_finding(self, obj: str, b: _Blocked, real: list[Pod]) -> Finding:
        pods = list(b.pods.values())
        pod = pods[0]
        names = ", ".join(sorted(b.policies))
        why = ("allows only DNS pods whose ingress refuses it" if b.mixed
               else "allows no cluster DNS pod")
        who = obj
        if not pod.is_template and obj != f"Pod {pod.key}":
            who = f"{obj} ({first_few(sorted(p.name for p in pods))})"
        example = ""
        if real:
            example = f"{pod.key} -> {real[0].key} {_first(b.protocols)} {DNS_PORT}: denied"
        return self.finding(
            f"{who} is isolated for egress (by {names}) and its egress {why} on "
            f"{_protocols(b.protocols)}: name lookups time out", obj, source=pod.source,
            example=example,
            related=tuple(Related(object=f"NetworkPolicy {p.key}",
                                  role="isolates the pods for egress", source=p.source)
                          for p in sorted(b.policies.values(), key=lambda p: p.key)))

    def _dns_side_finding(self, cluster: Cluster, b: _Blocked, real: list[Pod]) -> Finding:
        clients = sorted(b.pods.values(), key=lambda p: p.key)
        spaces = {p.namespace for p in clients}
        workloads = sorted({workload_object(p) for p in clients})
        names = ", ".join(sorted(b.policies))
        if real:
            obj = workload_object(real[0])
            what = obj
            source = real[0].source
            example = (f"{clients[0].key} -> {real[0].key} {_first(b.protocols)} "
                       f"{DNS_PORT}: denied")
        else:
            obj = f"Namespace {KUBE_SYSTEM}"
            what = (f"pods {DNS_LABEL[0]}={DNS_LABEL[1]} in {KUBE_SYSTEM}, not in the input: "
                    "assumed")
            ns = cluster.namespaces.get(KUBE_SYSTEM)
            first = min(b.policies.values(), key=lambda p: p.key, default=None)
            source = ns.source if ns is not None and ns.source else (
                first.source if first is not None else None)
            example = ""
        return self.finding(
            f"cluster DNS ({what}) is isolated for ingress (by {names}) and refuses "
            f"{len(clients)} pod(s) in {len(spaces)} namespace(s) on {_protocols(b.protocols)} "
            f"({first_few(workloads)}): their name lookups time out", obj, source=source,
            example=example,
            related=tuple(Related(object=f"NetworkPolicy {p.key}",
                                  role="isolates the DNS pods for ingress without admitting "
                                       "their clients", source=p.source)
                          for p in sorted(b.policies.values(), key=lambda p: p.key)))


def _policy_denies(side: SideVerdict, proto: Protocol) -> bool:
    """Whether NetworkPolicy denies DNS on this side.

    A cluster-wide policy that decides DNS is rule NV133's finding, not this one's: here
    only NetworkPolicy's own refusals count (all of them, without tiers).
    """
    if not side.tiers:
        return not side.allowed.contains(proto, DNS_PORT)
    return any(d.layer is Layer.NETWORK_POLICY and d.outcome is Outcome.DENY
               and d.ports.contains(proto, DNS_PORT) for d in side.tiers)
