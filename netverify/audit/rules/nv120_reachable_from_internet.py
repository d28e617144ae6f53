"""NV120, and what the internet may open to each pod (NV121 reuses it, NV106 and NV122 the
example helpers)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass

from netverify.audit.registry import Finding, Related, Rule, Severity, register
from netverify.audit.rules.nv104_pod_selected_by_no_policy import workload_object
from netverify.engines.concrete import Evaluator, External
from netverify.ipblocks import IPSet, IPv4, IPv6, format_range, parse_network
from netverify.model import Cluster, Direction, NetworkPolicy, Pod
from netverify.ports import PortSet, Protocol, normalize_intervals, subtract_intervals
from netverify.results import RuleRef

# Address ranges that are not the internet: a source there is inside the organisation's
# networks (or the node itself), not "anyone".  Everything else counts as the internet.
NOT_INTERNET: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "this network"),
    ("10.0.0.0/8", "private (RFC 1918)"),
    ("100.64.0.0/10", "shared address space (RFC 6598)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private (RFC 1918)"),
    ("192.168.0.0/16", "private (RFC 1918)"),
    ("::/127", "unspecified and loopback"),
    ("fc00::/7", "unique local (RFC 4193)"),
    ("fe80::/10", "link-local"),
)

# The addresses shown in examples when a range holds them (documentation blocks, RFC 5737
# and RFC 3849): clearly "somewhere on the internet", and never a real host.
EXAMPLE_ADDRESSES = {IPv4: int(ipaddress.ip_address("203.0.113.7")),
                     IPv6: int(ipaddress.ip_address("2001:db8::7"))}
_BITS = {IPv4: 32, IPv6: 128}


def example_address(family: int, lo: int, hi: int) -> str:
    """One address of ``lo..hi``: the documentation address when inside, else ``lo``."""
    doc = EXAMPLE_ADDRESSES[family]
    value = doc if lo <= doc <= hi else lo
    return str(ipaddress.ip_address(value))


def example_address_in(addresses: IPSet) -> str:
    """One address of an ipBlock's address set (the documentation address when inside)."""
    for lo, hi in addresses.intervals:
        doc = EXAMPLE_ADDRESSES[addresses.family]
        if lo <= doc <= hi:
            return example_address(addresses.family, lo, hi)
    lo, hi = addresses.intervals[0]
    return example_address(addresses.family, lo, hi)


# Ports an example shows, when the pod declares none of the allowed ones: the common
# serving ports read better than "TCP 1" for a rule without ports.
_FAMILIAR_PORTS = ((Protocol.TCP, 443), (Protocol.TCP, 80), (Protocol.TCP, 8080))


def example_port(ports: PortSet, pod: Pod | None = None) -> tuple[Protocol, int]:
    """A (protocol, port) of ``ports`` for an example.

    In order: a port ``pod`` declares, a familiar serving port, the lowest port.
    """
    declared = sorted(pod.container_ports if pod else (), key=lambda c: (c.port, c.protocol.value))
    for proto, port in [(cp.protocol, cp.port) for cp in declared] + list(_FAMILIAR_PORTS):
        if ports.contains(proto, port):
            return proto, port
    proto, ivs = ports.items()[0]
    return proto, ivs[0][0]


def describe_ports(ports: PortSet) -> str:
    """``TCP 443; UDP 53`` or ``every port``."""
    return "every port" if ports.is_all else str(ports)


@dataclass(frozen=True, slots=True)
class Exposure:
    """What the internet may open to one pod, as its ingress policies say."""

    ports: PortSet  # union over the internet ranges
    ranges: tuple[tuple[External, PortSet], ...]  # internet ranges admitted, with their ports
    rules: tuple[RuleRef, ...]  # the rules admitting internet ranges, in policy order


class InternetIngress:
    """The internet-facing ingress of pods, evaluated by the concrete engine.

    The address space is cut at every ipBlock boundary of the cluster and at the
    ``NOT_INTERNET`` boundaries, so each range is wholly inside or outside every ipBlock
    and wholly internet or not; each range is then one ``External`` subject for
    ``Evaluator.side``.  Pods with the same isolating policies and named ports get the
    same answer, so it is computed once per such signature, and only for pods one of
    whose policies has a rule that could match an internet address at all.
    """

    def __init__(self, ev: Evaluator) -> None:
        self.ev = ev
        self.not_internet: dict[int, tuple[tuple[int, int], ...]] = {}
        for family in (IPv4, IPv6):
            self.not_internet[family] = normalize_intervals(
                iv for f, iv in (parse_network(c) for c, _why in NOT_INTERNET) if f == family)
        self.ranges: list[tuple[External, bool]] = []  # (range, is internet)
        for family in (IPv4, IPv6):
            top = (1 << _BITS[family]) - 1
            cuts = {b for b in ev.ip_boundaries(family) if 0 < b <= top}
            for lo, hi in self.not_internet[family]:
                cuts.update(b for b in (lo, hi + 1) if 0 < b <= top)
            start = 0
            for c in [*sorted(cuts), top + 1]:
                internet = not any(lo <= start <= hi for lo, hi in self.not_internet[family])
                self.ranges.append((External(family, start, c - 1,
                                             format_range(family, start, c - 1)), internet))
                start = c
        self._cache: dict[tuple[object, ...], Exposure | None] = {}
        self._may: dict[str, bool] = {}

    def exposure(self, pod: Pod) -> Exposure | None:
        """What the internet may open to ``pod``; None when nothing, or not isolated.

        A pod no ingress policy isolates accepts everything (NV101 reports it); hostNetwork
        pods are not subject to policy at all.
        """
        policies = self.ev.selecting(pod, Direction.INGRESS)
        if not any(self._may_admit_internet(p) for p in policies):
            return None
        key = (tuple(p.key for p in policies),
               tuple(sorted((cp.name, cp.protocol.value, cp.port)
                            for cp in pod.container_ports if cp.name)))
        if key in self._cache:
            return self._cache[key]
        ports = PortSet.empty()
        admitted: list[tuple[External, PortSet]] = []
        refs: dict[tuple[str, str], RuleRef] = {}
        for ext, internet in self.ranges:
            if not internet:
                continue
            side = self.ev.side(Direction.INGRESS, pod, ext, pod)
            if side.allowed.is_empty:
                continue
            ports = ports.union(side.allowed)
            admitted.append((ext, side.allowed))
            for ref in side.rules:
                refs.setdefault((ref.policy, ref.field), ref)
        got = None if ports.is_empty else Exposure(ports=ports, ranges=tuple(admitted),
                                                   rules=tuple(refs.values()))
        self._cache[key] = got
        return got

    def example_source(self, pod: Pod, exposure: Exposure, proto: Protocol, port: int) -> str:
        """``0.0.0.0/0`` when every IPv4 address may connect on the port, else one that may.

        Both re-check with ``netverify can-reach SOURCE POD:PORT``.
        """
        admitted = [ext for ext, ports in exposure.ranges if ports.contains(proto, port)]
        if not admitted:
            raise ValueError(f"{proto.value} {port} is not exposed")
        if all(self.ev.side(Direction.INGRESS, pod, ext, pod).allowed.contains(proto, port)
               for ext, _internet in self.ranges if ext.family == IPv4):
            return "0.0.0.0/0"
        for ext in admitted:  # the documentation address when it is admitted
            if ext.lo <= EXAMPLE_ADDRESSES[ext.family] <= ext.hi:
                return example_address(ext.family, ext.lo, ext.hi)
        return example_address(admitted[0].family, admitted[0].lo, admitted[0].hi)

    def _may_admit_internet(self, pol: NetworkPolicy) -> bool:
        """Whether an ingress rule of ``pol`` has no peers or an ipBlock with internet addresses."""
        got = self._may.get(pol.key)
        if got is None:
            got = any(rule.peers is None or any(
                p.ip_block is not None and subtract_intervals(
                    p.ip_block.addresses.intervals, self.not_internet[p.ip_block.addresses.family])
                for p in rule.peers) for rule in pol.ingress)
            self._may[pol.key] = got
        return got


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

    "The internet" is every address outside ``NOT_INTERNET`` in this module (private,
    shared, loopback and link-local ranges), so an ipBlock of an office network
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
            refs: dict[tuple[str, str], RuleRef] = {}
            for _p, e in exposed:
                ports = ports.union(e.ports)
                for ref in e.rules:
                    refs.setdefault((ref.policy, ref.field), ref)
            who = obj
            if not pod.is_template and len(exposed) < totals[obj]:
                who = f"{obj} ({len(exposed)} of its {totals[obj]} pods)"
            rules = "; ".join(f"{r.policy} {r.field} ({r.peer})" for r in list(refs.values())[:3])
            more = f" and {len(refs) - 3} more" if len(refs) > 3 else ""
            proto, port = example_port(exp.ports, pod)
            source = internet.example_source(pod, exp, proto, port)
            yield self.finding(
                f"{who} accepts connections from the internet on {describe_ports(ports)}, "
                f"admitted by {rules}{more}", obj, source=pod.source,
                example=f"{source} -> {pod.key} {proto.value} {port}",
                related=tuple(Related(object=f"NetworkPolicy {r.policy}",
                                      role=f"admits internet sources ({r.field})",
                                      source=r.source) for r in refs.values()))
