"""IP addresses, CIDRs and ipBlock peers as integer intervals.

An ``ipBlock`` (``cidr`` minus each ``except``) is a union of closed integer
intervals of one address family.  Intervals make membership a bisect and let
the engine split the address space at every boundary a policy mentions.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from netverify.ports import Interval, normalize_intervals

IPv4 = 4
IPv6 = 6
FAMILIES = frozenset({IPv4, IPv6})


@dataclass(frozen=True, slots=True, order=True)
class Address:
    """One IP address as (family, integer)."""

    family: int
    value: int

    def __str__(self) -> str:
        if self.family == IPv4:
            return str(ipaddress.IPv4Address(self.value))
        return str(ipaddress.IPv6Address(self.value))


def usable_families(ips: tuple[Address, ...]) -> frozenset[int]:
    """The address families an endpoint with these addresses can connect over.

    A connection uses one family, so a pod can only take part over the families
    it has an address of (https://kubernetes.io/docs/concepts/services-networking/dual-stack/:
    a dual-stack pod has one address per family).  A pod whose addresses the
    manifests do not give (no ``status.podIPs``) may have either, so both are
    possible; ipBlocks never match it (netverify knows no address to match).
    """
    got = frozenset(ip.family for ip in ips)
    return got or FAMILIES


def family_name(family: int) -> str:
    """``IPv4`` or ``IPv6``."""
    return "IPv4" if family == IPv4 else "IPv6"


def parse_address(text: str) -> Address:
    """Parse an IPv4 or IPv6 address; raises ValueError."""
    a = ipaddress.ip_address(text.strip())
    return Address(a.version, int(a))


def parse_network(text: str, *, strict: bool = False) -> tuple[int, Interval]:
    """Parse a CIDR into (family, interval); a bare address is a /32 or /128.

    Kubernetes accepts CIDRs with host bits set (``10.0.0.1/8``) and uses the
    network they denote, so ``strict`` is off by default.
    """
    n = ipaddress.ip_network(text.strip(), strict=strict)
    return n.version, (int(n.network_address), int(n.broadcast_address))


def format_address(family: int, value: int) -> str:
    """Render one address of ``family``: ``ipaddress.ip_address(2)`` would say 0.0.0.2."""
    cls = ipaddress.IPv4Address if family == IPv4 else ipaddress.IPv6Address
    return str(cls(value))


def format_range(family: int, lo: int, hi: int) -> str:
    """Render an interval as a CIDR when it is one, else ``a-b``."""
    cls = ipaddress.IPv4Address if family == IPv4 else ipaddress.IPv6Address
    nets = list(ipaddress.summarize_address_range(cls(lo), cls(hi)))
    if len(nets) == 1:
        return str(nets[0])
    return f"{cls(lo)}-{cls(hi)}"


@dataclass(frozen=True, slots=True)
class IPSet:
    """A set of addresses of one family as normalized closed intervals."""

    family: int
    intervals: tuple[Interval, ...]

    def contains(self, addr: Address) -> bool:
        """Return whether ``addr`` is in the set."""
        if addr.family != self.family:
            return False
        v = addr.value
        return any(lo <= v <= hi for lo, hi in self.intervals)

    def boundaries(self) -> list[int]:
        """Start points of intervals and first points after them (for splitting)."""
        out: list[int] = []
        for lo, hi in self.intervals:
            out.append(lo)
            out.append(hi + 1)
        return out


def ipblock_set(family: int, cidr: Interval, excepts: tuple[Interval, ...]) -> IPSet:
    """The addresses of ``cidr`` not in any of ``excepts``."""
    cur: list[Interval] = [cidr]
    for elo, ehi in normalize_intervals(excepts):
        nxt: list[Interval] = []
        for lo, hi in cur:
            if ehi < lo or elo > hi:
                nxt.append((lo, hi))
                continue
            if lo < elo:
                nxt.append((lo, elo - 1))
            if ehi < hi:
                nxt.append((ehi + 1, hi))
        cur = nxt
    return IPSet(family, tuple(cur))
