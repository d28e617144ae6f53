"""Equivalence classes of pods and of ports: the reason the all-pairs engine scales.

Two pods that no policy can tell apart (same namespace, same values for every
label key any pod selector reads, same position relative to every ipBlock
boundary, same address families, same resolution of every named port any
policy uses, same hostNetwork flag) get the same verdict against every other pod, so the engine
evaluates one representative per class.  Likewise ports: two ports that every
``ports`` entry (and every named-port resolution) treats alike form one port
class, so a 65535-port space shrinks to a few dozen classes.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from netverify.cluster_policies import TierRule
from netverify.ipblocks import Address, IPSet
from netverify.model import Cluster, Direction, Pod, Rule
from netverify.ports import MAX_PORT, MIN_PORT, PROTOCOLS, PortSet, Protocol


@dataclass(frozen=True, slots=True)
class PodClasses:
    """Pods grouped into classes; ``members[c]`` are the pods of class ``c``."""

    members: tuple[tuple[Pod, ...], ...]
    class_of: dict[str, int]  # pod key -> class

    @property
    def reps(self) -> list[Pod]:
        """One representative pod per class."""
        return [m[0] for m in self.members]


def relevant_label_keys(cluster: Cluster) -> frozenset[str]:
    """Label keys read by any pod selector (policy or peer)."""
    keys: set[str] = set()
    for pol in cluster.policies:
        keys |= pol.pod_selector.keys()
        for d in Direction:
            for rule in pol.rules(d):
                for peer in rule.peers or ():
                    if peer.pod_selector is not None:
                        keys |= peer.pod_selector.keys()
    for cp in cluster.cluster_policies:
        if cp.subject_pods is not None:
            keys |= cp.subject_pods.keys()
        for d in Direction:
            for tr in cp.rules(d):
                for tp in tr.peers:
                    if tp.pod_selector is not None:
                        keys |= tp.pod_selector.keys()
    return frozenset(keys)


def named_ports_used(cluster: Cluster) -> frozenset[tuple[str, Protocol]]:
    """(name, protocol) of every named port in any policy."""
    out: set[tuple[str, Protocol]] = set()
    for pol in cluster.policies:
        for d in Direction:
            for rule in pol.rules(d):
                for spec in rule.ports or ():
                    if isinstance(spec.port, str):
                        out.add((spec.port, spec.protocol))
    for cp in cluster.cluster_policies:
        for d in Direction:
            for tr in cp.rules(d):
                for tport in tr.ports or ():
                    if tport.name is not None:  # any protocol: the container port's own
                        out.update((tport.name, proto) for proto in PROTOCOLS)
    return frozenset(out)


def ip_blocks(cluster: Cluster) -> list[IPSet]:
    """The distinct address sets policies match, in a fixed order.

    ipBlocks, the tiers' ``networks`` and each Node address (``nodes`` peers).
    """
    seen: dict[IPSet, None] = {}
    for pol in cluster.policies:
        for d in Direction:
            for rule in pol.rules(d):
                for peer in rule.peers or ():
                    if peer.ip_block is not None:
                        seen.setdefault(peer.ip_block.addresses, None)
    for cp in cluster.cluster_policies:
        for tr in cp.egress:
            for tp in tr.peers:
                for s in tp.addresses:
                    seen.setdefault(s, None)
    for node in cluster.nodes:  # nodes peers tell host-network pods apart by node address
        for a in node.addresses:
            seen.setdefault(IPSet(a.family, ((a.value, a.value),)), None)
    return list(seen)


class _IPMembership:
    """Which ipBlocks contain an address, computed once per boundary interval.

    Addresses between the same two boundaries are in the same blocks, so a bisect
    finds the interval and a cache holds its membership.  Two pods on either side
    of an ``except`` hole that every block treats alike still share a class.
    """

    def __init__(self, blocks: list[IPSet]) -> None:
        self.blocks = blocks
        pts: dict[int, set[int]] = defaultdict(set)
        for b in blocks:
            pts[b.family].update(b.boundaries())
        self.bounds = {f: sorted(v) for f, v in pts.items()}
        self.cache: dict[tuple[int, int], tuple[int, ...]] = {}

    def of(self, addr: Address) -> tuple[int, ...]:
        key = (addr.family, bisect_right(self.bounds.get(addr.family, ()), addr.value))
        got = self.cache.get(key)
        if got is None:
            got = tuple(i for i, b in enumerate(self.blocks) if b.contains(addr))
            self.cache[key] = got
        return got


def pod_classes(cluster: Cluster) -> PodClasses:
    """Group ``cluster.pods`` into classes no policy can tell apart."""
    keys = sorted(relevant_label_keys(cluster))
    named = named_ports_used(cluster)
    membership = _IPMembership(ip_blocks(cluster))
    groups: dict[tuple[object, ...], list[Pod]] = {}
    for pod in cluster.pods:
        labels = pod.labels
        lab = tuple((k, labels[k]) for k in keys if k in labels)
        ipsig = tuple(sorted({i for ip in pod.ips for i in membership.of(ip)})) \
            if membership.blocks else ()
        portsig = tuple(sorted((cp.name, cp.protocol.value, cp.port) for cp in pod.container_ports
                               if cp.name is not None and (cp.name, cp.protocol) in named))
        # The families decide which pods can connect at all (one family per connection).
        fams = tuple(sorted(pod.families))
        k = (pod.namespace, pod.host_network, lab, ipsig, fams, portsig)
        groups.setdefault(k, []).append(pod)
    members = tuple(tuple(g) for g in groups.values())
    class_of = {p.key: i for i, g in enumerate(members) for p in g}
    return PodClasses(members=members, class_of=class_of)


def numbered_ports(rule: Rule) -> PortSet:
    """The ports a rule's number, range and protocol-only entries admit (merged once).

    Named entries are left out: they resolve on each destination pod.
    """
    gathered: dict[Protocol, list[tuple[int, int]]] = defaultdict(list)
    for spec in rule.ports or ():
        if spec.port is None:
            gathered[spec.protocol].append((MIN_PORT, MAX_PORT))
        elif isinstance(spec.port, int):
            gathered[spec.protocol].append((spec.port, spec.end_port or spec.port))
    return PortSet.from_map(gathered)


def port_predicates(cluster: Cluster, pods: Iterable[Pod]) -> set[PortSet]:
    """The port sets a verdict between ``pods`` can depend on.

    Each rule's numbered ports, and each named container port of the pods (where a named
    entry resolves).
    """
    preds: set[PortSet] = set()
    for pol in cluster.policies:
        for d in Direction:
            for rule in pol.rules(d):
                if rule.ports is not None:
                    preds.add(numbered_ports(rule))
    for cpol in cluster.cluster_policies:
        for d in Direction:
            for trule in cpol.rules(d):
                if trule.ports is not None:
                    preds.add(tier_numbered_ports(trule))
    for p in pods:
        for cp in p.container_ports:
            if cp.name is not None:
                preds.add(PortSet.of(cp.protocol, cp.port))
    return preds


def tier_numbered_ports(rule: TierRule) -> PortSet:
    """The ports a cluster-wide policy rule's number and range entries name, merged once.

    A reversed v1alpha1 range counts between its ends, where it may or may not match.

    Named entries are left out: they resolve on each destination pod.
    """
    gathered: dict[Protocol, list[tuple[int, int]]] = defaultdict(list)
    for port in rule.ports or ():
        if port.protocol is not None and port.start is not None and port.end is not None:
            lo, hi = sorted((port.start, port.end))
            gathered[port.protocol].append((lo, hi))
    return PortSet.from_map(gathered)


@dataclass(frozen=True, slots=True)
class PortClasses:
    """A partition of (protocol, port) space into classes every policy treats alike."""

    portsets: tuple[PortSet, ...]  # class -> its ports
    _cover: dict[PortSet, tuple[int, ...]]  # predicate -> indexes of classes inside it
    _atoms: dict[Protocol, tuple[list[int], list[int]]]  # proto -> (atom starts, atom class)

    def cover(self, ports: PortSet) -> tuple[int, ...]:
        """Classes whose ports lie in ``ports``.

        ``ports`` is a registered predicate, or every port of one protocol.
        """
        return self._cover[ports]

    def class_of(self, protocol: Protocol, port: int) -> int:
        """The class holding one (protocol, port)."""
        starts, cls = self._atoms[protocol]
        return cls[bisect_right(starts, port) - 1]

    def __len__(self) -> int:
        return len(self.portsets)


def port_classes(predicates: Iterable[PortSet]) -> PortClasses:
    """Partition port space so that every predicate is a union of classes.

    Atoms are maximal intervals no predicate boundary cuts; atoms inside exactly
    the same predicates (even far apart) form one class.  A predicate is a whole
    set of ports (a rule's ``ports`` list, merged), so a rule listing 10,000
    ports gives one class, not 10,000: one sweep over the sorted boundaries,
    linear in their number times the predicates open at a point.
    """
    preds = list(dict.fromkeys(predicates))
    sig_to_class: dict[tuple[object, ...], int] = {}
    class_atoms: list[list[tuple[Protocol, int, int]]] = []
    atoms: dict[Protocol, tuple[list[int], list[int]]] = {}
    inside: list[set[int]] = [set() for _ in preds]  # predicate -> classes inside it
    for proto in PROTOCOLS:
        events: dict[int, list[int]] = defaultdict(list)  # point -> predicates opening/closing
        for i, ps in enumerate(preds):
            for lo, hi in ps.get(proto):
                events[lo].append(i)
                events[hi + 1].append(~i)
        events.setdefault(MIN_PORT, [])
        events.setdefault(MAX_PORT + 1, [])
        pts = sorted(events)
        open_: set[int] = set()
        starts: list[int] = []
        cls: list[int] = []
        for a, b in itertools.pairwise(pts):
            for i in events[a]:
                if i >= 0:
                    open_.add(i)
                else:
                    open_.discard(~i)
            # Different protocols never share a class: that keeps each class's
            # PortSet inside one protocol, which keeps rendering simple.
            sig = (proto, frozenset(open_))
            c = sig_to_class.get(sig)
            if c is None:
                c = sig_to_class[sig] = len(class_atoms)
                class_atoms.append([])
                for i in open_:
                    inside[i].add(c)
            class_atoms[c].append((proto, a, b - 1))
            starts.append(a)
            cls.append(c)
        atoms[proto] = (starts, cls)
    portsets = tuple(PortSet.from_map({p: [(lo, hi) for p2, lo, hi in ca if p2 is p]
                                       for p in PROTOCOLS}) for ca in class_atoms)
    cover = {ps: tuple(sorted(got)) for ps, got in zip(preds, inside, strict=True)}
    for proto in PROTOCOLS:
        cover.setdefault(PortSet.of(proto, MIN_PORT, MAX_PORT), tuple(sorted(set(
            atoms[proto][1]))))
    return PortClasses(portsets=portsets, _cover=cover, _atoms=atoms)
