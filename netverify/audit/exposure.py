"""What the internet may open to a pod, and how exposure findings show ports and addresses.

Shared by the exposure rules: NV120 reports pods the internet may connect to, NV121
leaves those ports out of "every namespace reaches it", NV106 and NV122 borrow the
example helpers.  "The internet" is every address outside ``NOT_INTERNET`` (private,
shared, loopback and link-local ranges).

``InternetIngress`` answers with interval arithmetic, per rule: the addresses a rule
admits are its ipBlocks' address sets (every address for a rule without ``from``),
and its internet part is that set minus ``NOT_INTERNET``.  A rule's address sets are
computed once per distinct ``from`` list (clusters often repeat one allowlist in every
namespace), and a pod's answer once per set of isolating policies and named ports.
This is the ``Evaluator``'s semantics (a rule admits an external range when one of its
ipBlocks contains it; ports resolve on the destination pod) without a ``side()`` call
per address range; ``tests/audit/test_rules_isolation.py`` checks the two agree.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from netverify.engines.concrete import Evaluator, ports_of_rule
from netverify.ipblocks import IPSet, IPv4, IPv6, format_address, parse_network
from netverify.model import Direction, NetworkPolicy, Pod, Rule
from netverify.ports import (
    Interval,
    PortSet,
    Protocol,
    intersect_intervals,
    normalize_intervals,
    subtract_intervals,
)
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

# Every pod must reach the cluster DNS: traffic on these ports says nothing about exposure.
DNS_PORTS = PortSet.from_map({Protocol.TCP: [(53, 53)], Protocol.UDP: [(53, 53)]})

# The addresses shown in examples when a range holds them (documentation blocks, RFC 5737
# and RFC 3849): clearly "somewhere on the internet", and never a real host.
EXAMPLE_ADDRESSES = {IPv4: int(ipaddress.ip_address("203.0.113.7")),
                     IPv6: int(ipaddress.ip_address("2001:db8::7"))}
_BITS = {IPv4: 32, IPv6: 128}
FAMILIES = (IPv4, IPv6)
_EVERYTHING: dict[int, tuple[Interval, ...]] = {f: ((0, (1 << _BITS[f]) - 1),) for f in FAMILIES}
_NOT_INTERNET: dict[int, tuple[Interval, ...]] = {
    f: normalize_intervals(iv for fam, iv in (parse_network(c) for c, _why in NOT_INTERNET)
                           if fam == f) for f in FAMILIES}
_INTERNET: dict[int, tuple[Interval, ...]] = {
    f: subtract_intervals(_EVERYTHING[f], _NOT_INTERNET[f]) for f in FAMILIES}

Addresses = dict[int, tuple[Interval, ...]]  # family -> normalized intervals


def example_address(family: int, lo: int, hi: int) -> str:
    """One address of ``lo..hi``: the documentation address when inside, else ``lo``."""
    doc = EXAMPLE_ADDRESSES[family]
    return format_address(family, doc if lo <= doc <= hi else lo)


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
class RuleAddresses:
    """The external addresses one ingress rule admits, by family.

    ``admitted`` is every address its ``from`` matches (all of them without ``from``),
    ``internet`` the part outside ``NOT_INTERNET``, and ``peers`` the indexes of the
    peers credited with some internet address (None: the rule has no ``from``).  A
    range is credited to the first peer containing it, as ``Evaluator.side`` reports
    the first matching peer of a rule.
    """

    admitted: Addresses
    internet: Addresses
    peers: tuple[int | None, ...]

    @property
    def reaches_internet(self) -> bool:
        """Whether the rule admits some internet address."""
        return any(self.internet.values())


def rule_addresses(rule: Rule, families: frozenset[int] = frozenset(FAMILIES)
                   ) -> RuleAddresses:
    """The addresses of ``families`` that ``rule`` admits.

    Selector peers match pods, never external addresses.  A pod is reached only over the
    families it has an address of.
    """
    if rule.peers is None:
        return RuleAddresses(
            admitted={f: _EVERYTHING[f] if f in families else () for f in FAMILIES},
            internet={f: _INTERNET[f] if f in families else () for f in FAMILIES},
            peers=(None,))
    admitted: dict[int, list[Interval]] = {f: [] for f in FAMILIES}
    credited: list[int | None] = []
    for peer in rule.peers:
        if peer.ip_block is None or peer.ip_block.addresses.family not in families:
            continue
        block = peer.ip_block.addresses
        before = normalize_intervals(admitted[block.family])
        fresh = subtract_intervals(intersect_intervals(block.intervals, _INTERNET[block.family]),
                                   before)
        if fresh:
            credited.append(peer.index)
        admitted[block.family].extend(block.intervals)
    norm = {f: normalize_intervals(ivs) for f, ivs in admitted.items()}
    return RuleAddresses(admitted=norm,
                         internet={f: intersect_intervals(norm[f], _INTERNET[f])
                                   for f in FAMILIES},
                         peers=tuple(credited))


@dataclass(frozen=True, slots=True)
class AdmittingRule:
    """An isolating ingress rule of a pod that admits some external address."""

    policy: NetworkPolicy
    rule: Rule
    addresses: RuleAddresses
    ports: PortSet  # what the rule allows towards the pod (named ports resolved on it)

    def refs(self) -> Iterator[RuleRef]:
        """One ``RuleRef`` per peer credited with internet addresses, in peer order.

        Built on demand: an allowlist of hundreds of ipBlocks makes as many refs, and a
        finding shows a few of them.
        """
        peers = {p.index: p for p in self.rule.peers or ()}
        for index in self.addresses.peers:
            peer = None if index is None else peers[index]
            yield RuleRef(
                policy=self.policy.key, direction=Direction.INGRESS,
                rule_index=self.rule.index, peer_index=index,
                peer=peer.describe() if peer else "every peer", ports=self.ports,
                port_indexes=None if self.rule.ports is None else tuple(
                    s.index for s in self.rule.ports),
                source=peer.source if peer and peer.source else self.rule.source)


@dataclass(frozen=True, slots=True)
class Exposure:
    """What the internet may open to one pod, as its ingress policies say."""

    ports: PortSet  # union over the rules admitting internet addresses
    admitting: tuple[AdmittingRule, ...]  # every rule admitting external addresses, in order

    @property
    def internet_rules(self) -> tuple[AdmittingRule, ...]:
        """The rules that admit internet addresses, in policy order."""
        return tuple(a for a in self.admitting if a.addresses.reaches_internet)

    @property
    def rules(self) -> tuple[RuleRef, ...]:
        """The rules (and peers) admitting internet addresses, in policy order."""
        return tuple(ref for a in self.internet_rules for ref in a.refs())


def _union(parts: Iterable[Addresses], family: int) -> tuple[Interval, ...]:
    return normalize_intervals(iv for p in parts for iv in p[family])


class InternetIngress:
    """The internet-facing ingress of pods, by interval arithmetic over ipBlocks.

    Pods with the same isolating policies and named ports get the same answer, so it
    is computed once per such signature; a rule's address sets once per distinct
    ``from`` list.
    """

    def __init__(self, ev: Evaluator) -> None:
        self.ev = ev
        self._by_peers: dict[object, RuleAddresses] = {}
        self._by_policy: dict[tuple[str, frozenset[int]],
                              tuple[tuple[Rule, RuleAddresses], ...]] = {}
        self._cache: dict[tuple[object, ...], Exposure | None] = {}

    def _rules(self, pol: NetworkPolicy, families: frozenset[int]
               ) -> tuple[tuple[Rule, RuleAddresses], ...]:
        """The ingress rules of ``pol`` that admit some external address of ``families``."""
        got = self._by_policy.get((pol.key, families))
        if got is None:
            out = []
            for rule in pol.ingress:
                key: object = (families, None if rule.peers is None else tuple(
                    (p.index, p.ip_block.addresses) for p in rule.peers
                    if p.ip_block is not None))
                ra = self._by_peers.get(key)
                if ra is None:
                    ra = self._by_peers[key] = rule_addresses(rule, families)
                if any(ra.admitted.values()):
                    out.append((rule, ra))
            got = self._by_policy[(pol.key, families)] = tuple(out)
        return got

    def exposure(self, pod: Pod) -> Exposure | None:
        """What the internet may open to ``pod``; None when nothing, or not isolated.

        A pod no ingress policy isolates accepts everything (NV101 reports it); hostNetwork
        pods are not subject to policy at all.
        """
        policies = self.ev.selecting(pod, Direction.INGRESS)
        families = pod.families
        if not any(ra.reaches_internet for p in policies for _r, ra in self._rules(p, families)):
            return None
        key = (tuple(p.key for p in policies), families,
               tuple(sorted((cp.name, cp.protocol.value, cp.port)
                            for cp in pod.container_ports if cp.name)))
        if key in self._cache:
            return self._cache[key]
        ports = PortSet.empty()
        admitting: list[AdmittingRule] = []
        for pol in policies:
            for rule, ra in self._rules(pol, families):
                allowed = ports_of_rule(rule, pod)
                if allowed.is_empty:
                    continue
                admitting.append(AdmittingRule(policy=pol, rule=rule, addresses=ra,
                                               ports=allowed))
                if ra.reaches_internet:
                    ports = ports.union(allowed)
        got = None if ports.is_empty else Exposure(ports=ports, admitting=tuple(admitting))
        self._cache[key] = got
        return got

    def example_source(self, exposure: Exposure, proto: Protocol, port: int) -> str:
        """``0.0.0.0/0`` when every IPv4 address may connect on the port, else one that may.

        Both re-check with ``netverify can-reach SOURCE POD:PORT``.
        """
        on_port = [a.addresses for a in exposure.admitting if a.ports.contains(proto, port)]
        internet = {f: _union((ra.internet for ra in on_port), f) for f in FAMILIES}
        if not any(internet.values()):
            raise ValueError(f"{proto.value} {port} is not exposed")
        if _union((ra.admitted for ra in on_port), IPv4) == _EVERYTHING[IPv4]:
            return "0.0.0.0/0"
        for family in FAMILIES:  # the documentation address when it is admitted
            doc = EXAMPLE_ADDRESSES[family]
            for lo, hi in internet[family]:
                if lo <= doc <= hi:
                    return example_address(family, lo, hi)
        family = next(f for f in FAMILIES if internet[f])
        lo, hi = internet[family][0]
        return example_address(family, lo, hi)
