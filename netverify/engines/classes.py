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
from dataclasses import dataclass

from netverify.ipblocks import Address, IPSet
from netverify.model import Cluster, Direction, Pod
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
    """The distinct address sets policies match, in a fixed order: ipBlocks, the tiers'
    ``networks`` and each Node address (``nodes`` peers).
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


@dataclass(frozen=True, slots=True)
class PortClasses:
    """A partition of (protocol, port) space into classes every policy treats alike."""

    portsets: tuple[PortSet, ...]  # class -> its ports
    # (protocol, lo, hi) predicate -> indexes of classes inside it
    _cover: dict[tuple[Protocol, int, int], tuple[int, ...]]
    _atoms: dict[Protocol, tuple[list[int], list[int]]]  # proto -> (atom starts, atom class)

    def cover(self, protocol: Protocol, lo: int, hi: int) -> tuple[int, ...]:
        """Classes whose ports lie in ``lo..hi`` of ``protocol`` (a registered predicate)."""
        return self._cover[(protocol, lo, hi)]

    def class_of(self, protocol: Protocol, port: int) -> int:
        """The class holding one (protocol, port)."""
        starts, cls = self._atoms[protocol]
        return cls[bisect_right(starts, port) - 1]

    def __len__(self) -> int:
        return len(self.portsets)


def port_classes(predicates: set[tuple[Protocol, int, int]]) -> PortClasses:
    """Partition port space by the given ranges (each (protocol, lo, hi)).

    Atoms are maximal intervals no predicate boundary cuts; atoms inside the same
    predicates (even far apart) merge into one class.
    """
    preds = sorted(predicates, key=lambda t: (t[0].value, t[1], t[2]))
    by_proto: dict[Protocol, list[tuple[int, int]]] = defaultdict(list)
    for proto, lo, hi in preds:
        by_proto[proto].append((lo, hi))
    sig_to_class: dict[tuple[object, ...], int] = {}
    class_atoms: list[list[tuple[Protocol, int, int]]] = []
    atoms: dict[Protocol, tuple[list[int], list[int]]] = {}
    for proto in PROTOCOLS:
        cuts = {MIN_PORT, MAX_PORT + 1}
        for lo, hi in by_proto.get(proto, ()):
            cuts.add(lo)
            cuts.add(hi + 1)
        pts = sorted(cuts)
        starts: list[int] = []
        cls: list[int] = []
        for a, b in itertools.pairwise(pts):
            sig = (proto, tuple(i for i, (lo, hi) in enumerate(by_proto.get(proto, ()))
                                if lo <= a and b - 1 <= hi))
            # Different protocols never share a class: that keeps each class's
            # PortSet inside one protocol, which keeps rendering simple.
            if sig not in sig_to_class:
                sig_to_class[sig] = len(class_atoms)
                class_atoms.append([])
            c = sig_to_class[sig]
            class_atoms[c].append((proto, a, b - 1))
            starts.append(a)
            cls.append(c)
        atoms[proto] = (starts, cls)
    portsets = tuple(PortSet.from_map({p: [(lo, hi) for p2, lo, hi in ca if p2 is p]
                                       for p in PROTOCOLS}) for ca in class_atoms)
    cover: dict[tuple[Protocol, int, int], tuple[int, ...]] = {}
    for proto, lo, hi in preds:
        starts, cls = atoms[proto]
        i = bisect_right(starts, lo) - 1
        found: set[int] = set()
        while i < len(starts) and starts[i] <= hi:
            found.add(cls[i])
            i += 1
        cover[(proto, lo, hi)] = tuple(sorted(found))
    for proto in PROTOCOLS:
        starts, cls = atoms[proto]
        cover.setdefault((proto, MIN_PORT, MAX_PORT), tuple(sorted(set(cls))))
    return PortClasses(portsets=portsets, _cover=cover, _atoms=atoms)


def tier_port_predicates(cluster: Cluster) -> set[tuple[Protocol, int, int]]:
    """The (protocol, lo, hi) ranges the cluster-wide policies' rules name.

    Port classes must split at them too, so that one check per class decides the
    tiers' answer as well (a reversed v1alpha1 range counts between its ends).
    """
    out: set[tuple[Protocol, int, int]] = set()
    for cp in cluster.cluster_policies:
        for d in Direction:
            for rule in cp.rules(d):
                for port in rule.ports or ():
                    if port.protocol is not None and port.start is not None \
                            and port.end is not None:
                        lo, hi = sorted((port.start, port.end))
                        out.add((port.protocol, lo, hi))
    return out
