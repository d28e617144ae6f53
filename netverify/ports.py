"""Protocols, port ranges and per-protocol port sets.

A ``PortSet`` is the exact set of (protocol, port) pairs some traffic may use:
for each of TCP, UDP and SCTP a sorted tuple of disjoint, non-adjacent closed
intervals within 1..65535.  Verdicts without a port are PortSets; intersections
of the egress and ingress sides give the allowed connections.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MIN_PORT = 1
MAX_PORT = 65535


class Protocol(enum.Enum):
    """The protocols NetworkPolicy can name (``spec.*.ports[].protocol``)."""

    TCP = "TCP"
    UDP = "UDP"
    SCTP = "SCTP"


PROTOCOLS: tuple[Protocol, ...] = (Protocol.TCP, Protocol.UDP, Protocol.SCTP)

Interval = tuple[int, int]


def normalize_intervals(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sort and merge overlapping or adjacent closed intervals."""
    out: list[list[int]] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1][1] = hi
        else:
            out.append([lo, hi])
    return tuple((a, b) for a, b in out)


def intersect_intervals(a: tuple[Interval, ...], b: tuple[Interval, ...]) -> tuple[Interval, ...]:
    """Intersect two normalized interval tuples."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def subtract_intervals(a: tuple[Interval, ...], b: tuple[Interval, ...]) -> tuple[Interval, ...]:
    """Normalized ``a`` minus normalized ``b``."""
    out: list[Interval] = []
    for lo, hi in a:
        cur = lo
        for blo, bhi in b:
            if bhi < cur or blo > hi:
                continue
            if blo > cur:
                out.append((cur, blo - 1))
            cur = max(cur, bhi + 1)
            if cur > hi:
                break
        if cur <= hi:
            out.append((cur, hi))
    return tuple(out)


def format_intervals(intervals: tuple[Interval, ...]) -> str:
    """``80,443-445`` or ``all`` for the whole 1-65535 range."""
    if intervals == ((MIN_PORT, MAX_PORT),):
        return "all"
    return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in intervals)


_FULL: tuple[Interval, ...] = ((MIN_PORT, MAX_PORT),)


@dataclass(frozen=True, slots=True)
class PortSet:
    """An exact set of (protocol, port) pairs; immutable and hashable."""

    tcp: tuple[Interval, ...] = ()
    udp: tuple[Interval, ...] = ()
    sctp: tuple[Interval, ...] = ()

    @staticmethod
    def all() -> PortSet:
        """Every port of every protocol (a rule without ``ports``)."""
        return PortSet(_FULL, _FULL, _FULL)

    @staticmethod
    def empty() -> PortSet:
        """No traffic at all."""
        return PortSet()

    @staticmethod
    def of(protocol: Protocol, lo: int = MIN_PORT, hi: int | None = None) -> PortSet:
        """Ports ``lo..hi`` (one port when ``hi`` is None) of one protocol."""
        iv = ((lo, lo if hi is None else hi),)
        return PortSet.from_map({protocol: iv})

    @staticmethod
    def from_map(m: Mapping[Protocol, Iterable[Interval]]) -> PortSet:
        """Build from a protocol -> intervals mapping (normalizing)."""
        return PortSet(
            normalize_intervals(m.get(Protocol.TCP, ())),
            normalize_intervals(m.get(Protocol.UDP, ())),
            normalize_intervals(m.get(Protocol.SCTP, ())),
        )

    def get(self, protocol: Protocol) -> tuple[Interval, ...]:
        """The intervals of one protocol."""
        if protocol is Protocol.TCP:
            return self.tcp
        if protocol is Protocol.UDP:
            return self.udp
        return self.sctp

    def items(self) -> list[tuple[Protocol, tuple[Interval, ...]]]:
        """Non-empty protocols in TCP, UDP, SCTP order."""
        return [(p, self.get(p)) for p in PROTOCOLS if self.get(p)]

    @property
    def is_empty(self) -> bool:
        """True when no protocol has any port."""
        return not (self.tcp or self.udp or self.sctp)

    @property
    def is_all(self) -> bool:
        """True when every port of every protocol is included."""
        return self.tcp == _FULL and self.udp == _FULL and self.sctp == _FULL

    def contains(self, protocol: Protocol, port: int) -> bool:
        """Return whether ``port``/``protocol`` is in the set."""
        return any(lo <= port <= hi for lo, hi in self.get(protocol))

    def union(self, other: PortSet) -> PortSet:
        """Set union."""
        return PortSet(
            normalize_intervals(self.tcp + other.tcp),
            normalize_intervals(self.udp + other.udp),
            normalize_intervals(self.sctp + other.sctp),
        )

    def intersection(self, other: PortSet) -> PortSet:
        """Set intersection."""
        return PortSet(
            intersect_intervals(self.tcp, other.tcp),
            intersect_intervals(self.udp, other.udp),
            intersect_intervals(self.sctp, other.sctp),
        )

    def difference(self, other: PortSet) -> PortSet:
        """The ports in this set and not in ``other``."""
        return PortSet(*(subtract_intervals(self.get(p), other.get(p)) for p in PROTOCOLS))

    def restrict(self, protocol: Protocol | None, port: int | None) -> PortSet:
        """Keep only ``protocol`` (if given) and ``port`` (if given)."""
        m: dict[Protocol, tuple[Interval, ...]] = {}
        for p in PROTOCOLS:
            if protocol is not None and p is not protocol:
                continue
            ivs = self.get(p)
            if port is not None:
                ivs = intersect_intervals(ivs, ((port, port),))
            m[p] = ivs
        return PortSet.from_map(m)

    def to_dict(self) -> dict[str, str]:
        """``{"TCP": "80,443-445", "UDP": "all"}``; empty protocols left out."""
        return {p.value: format_intervals(ivs) for p, ivs in self.items()}

    def __str__(self) -> str:
        if self.is_all:
            return "all"
        if self.is_empty:
            return "none"
        return "; ".join(f"{p.value} {format_intervals(ivs)}" for p, ivs in self.items())


def parse_port_set(m: Mapping[str, str]) -> PortSet:
    """Inverse of ``PortSet.to_dict`` (used by tests and corpus comparison)."""
    out: dict[Protocol, list[Interval]] = {}
    for proto, text in m.items():
        p = Protocol(proto)
        if text == "all":
            out[p] = [(MIN_PORT, MAX_PORT)]
            continue
        ivs: list[Interval] = []
        for part in text.split(","):
            if "-" in part:
                a, b = part.split("-")
                ivs.append((int(a), int(b)))
            else:
                ivs.append((int(part), int(part)))
        out[p] = ivs
    return PortSet.from_map(out)
