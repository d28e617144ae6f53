"""Traffic with addresses outside the cluster, for ``--lock-current``: kept as it is today.

Moving a namespace to default deny cuts what its workloads exchange with the outside as
surely as what they exchange with each other: a web front end reachable from 0.0.0.0/0,
a job calling an API on the internet.  So today's allowed external traffic is part of
the intent.  Addresses are taken in the ranges the policies tell apart (split at every
ipBlock boundary, ``Evaluator.split``: every ipBlock holds all of a range or none of it),
per workload and direction; ranges allowed the same ports are written as one ipBlock
(the whole family with ``except`` when that is shorter).  The proof then checks, range
by range and pod by pod, that each pod of the touched namespaces keeps today's ports.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from netverify.engines.concrete import Evaluator, External
from netverify.ipblocks import format_range
from netverify.model import Cluster, Direction, Pod
from netverify.ports import PortSet
from netverify.results import IntentFlow, ProofCheck, ProofStatus
from netverify.suggest.intent import LOCKED, Side

BITS = {4: 32, 6: 128}
WHOLE = {4: "0.0.0.0/0", 6: "::/0"}


@dataclass(frozen=True, slots=True)
class Range:
    """An address range every ipBlock of the cluster treats alike."""

    family: int
    lo: int
    hi: int


@dataclass(slots=True)
class Adjust:
    """What the other intents change for a workload and a range: ports added, ports denied.

    ``more``: flows of a flows file or spec with an address range on one side; ``less``:
    a spec's ``expect: deny`` from an address range (ingress only).
    """

    more: list[tuple[Direction, str, tuple[Range, ...], PortSet]]
    less: list[tuple[str, Range, PortSet]]

    def bounds(self, family: int) -> set[int]:
        """Where the ranges named here start and end: a split must not straddle them."""
        return {b for _, _, rs, _ in self.more for r in rs if r.family == family
                for b in (r.lo, r.hi + 1)} | {
                b for _, r, _ in self.less if r.family == family for b in (r.lo, r.hi + 1)}

    def apply(self, group: str, d: Direction, r: Range, ps: PortSet) -> PortSet:
        """``ps`` (today's) with the other intents' ports added and denied ports taken out."""
        for dd, g, rs, more in self.more:
            if dd is d and g == group and any(_inside(r, x) for x in rs):
                ps = ps.union(more)
        for g, x, less in self.less:
            if d is Direction.INGRESS and g == group and _inside(r, x):
                ps = ps.difference(less)
        return ps


def _inside(r: Range, x: Range) -> bool:
    return r.family == x.family and x.lo <= r.lo and r.hi <= x.hi


def cidr_range(text: str) -> Range:
    """The addresses of a CIDR."""
    net = ipaddress.ip_network(text, strict=False)
    return Range(net.version, int(net.network_address), int(net.broadcast_address))


def side_ranges(side: Side) -> tuple[Range, ...]:
    """The addresses an external endpoint names (its cidrs minus its excepts)."""
    out = []
    for c in side.cidrs:
        whole = cidr_range(c)
        holes = sorted((cidr_range(e) for e in side.excepts if cidr_range(e).family
                        == whole.family), key=lambda h: h.lo)
        start = whole.lo
        for h in holes:
            if h.lo > start:
                out.append(Range(whole.family, start, h.lo - 1))
            start = max(start, h.hi + 1)
        if start <= whole.hi:
            out.append(Range(whole.family, start, whole.hi))
    return tuple(out)


def ranges(evs: Iterable[Evaluator], families: Iterable[int],
           adjust: Adjust | None = None) -> list[Range]:
    """Each family's addresses split where an ipBlock (or a range of ``adjust``) starts or ends."""
    evs = list(evs)
    out = []
    for f in sorted(families):
        top = 1 << BITS[f]
        cuts = {b for ev in evs for b in ev.ip_boundaries(f)}
        if adjust is not None:
            cuts |= adjust.bounds(f)
        start = 0
        for b in [*sorted(c for c in cuts if 0 < c < top), top]:
            out.append(Range(f, start, b - 1))
            start = b
    return out


def _external(r: Range) -> External:
    return External(r.family, r.lo, r.hi, format_range(r.family, r.lo, r.hi))


def _subject_key(p: Pod) -> tuple[object, ...]:
    """What a pod's own side of a verdict depends on: pods alike here get the same answer."""
    return (p.namespace, tuple(sorted(p.labels.items())), p.container_ports, p.host_network,
            p.families)


def today(ev: Evaluator, pods: Iterable[Pod], rs: list[Range]
          ) -> dict[tuple[str, Direction, Range], PortSet]:
    """(pod, direction, range) -> allowed ports; ingress is from the range, egress to it."""
    cache: dict[tuple[object, ...], dict[tuple[Direction, Range], PortSet]] = {}
    out: dict[tuple[str, Direction, Range], PortSet] = {}
    xs = {r: _external(r) for r in rs}
    for p in pods:
        if p.host_network:
            continue
        key = _subject_key(p)
        got = cache.get(key)
        if got is None:
            got = cache[key] = {}
            for r in rs:
                if r.family not in p.families:
                    continue
                x = xs[r]
                got[(Direction.INGRESS, r)] = ev.allowed_ports(x, p)
                got[(Direction.EGRESS, r)] = ev.allowed_ports(p, x)
        for (d, r), ps in got.items():
            out[(p.key, d, r)] = ps
    return out


def _cidrs(family: int, parts: list[Range]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(cidrs, excepts) covering exactly ``parts``: listed, or the whole family minus the rest."""
    def nets(rs: list[tuple[int, int]]) -> list[str]:
        cls = ipaddress.IPv4Address if family == 4 else ipaddress.IPv6Address
        return [str(n) for lo, hi in rs
                for n in ipaddress.summarize_address_range(cls(lo), cls(hi))]

    spans = sorted((r.lo, r.hi) for r in parts)
    merged: list[tuple[int, int]] = []
    for lo, hi in spans:
        if merged and merged[-1][1] + 1 >= lo:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    rest, start = [], 0
    for lo, hi in merged:
        if lo > start:
            rest.append((start, lo - 1))
        start = hi + 1
    top = (1 << BITS[family]) - 1
    if start <= top:
        rest.append((start, top))
    listed, excepts = nets(merged), nets(rest)
    if not excepts:
        return (WHOLE[family],), ()
    if len(excepts) < len(listed):
        return (WHOLE[family],), tuple(excepts)
    return tuple(listed), ()


def external_flows(cluster: Cluster, groups: dict[str, list[Pod]], sides: dict[str, Side],
                   adjust: Adjust) -> list[IntentFlow]:
    """Today's allowed traffic between each workload of ``groups`` and the outside.

    Endpoints are added to ``sides`` (one per ipBlock written): ``cidr:RANGE`` or
    ``cidr:0.0.0.0/0 except ...``.  Ports a spec denies (``adjust.less``) are left out.
    """
    ev = Evaluator(cluster)
    fams = {f for pods in groups.values() for p in pods for f in p.families}
    rs = ranges([ev], fams, adjust=Adjust(more=[], less=adjust.less))
    allowed = today(ev, (p for pods in groups.values() for p in pods), rs)
    out: list[IntentFlow] = []
    for g, pods in sorted(groups.items()):
        for d in Direction:
            by_ports: dict[tuple[int, PortSet], list[Range]] = {}
            for r in rs:
                ps = PortSet.empty()
                for p in pods:
                    ps = ps.union(allowed.get((p.key, d, r), PortSet.empty()))
                ps = Adjust(more=[], less=adjust.less).apply(g, d, r, ps)
                if not ps.is_empty:
                    by_ports.setdefault((r.family, ps), []).append(r)
            for (family, ps), parts in sorted(by_ports.items(), key=lambda kv: (
                    kv[0][0], str(kv[0][1]))):
                side = _side(family, parts)
                sides.setdefault(side.text, side)
                src, dst = (side.text, g) if d is Direction.INGRESS else (g, side.text)
                out.append(IntentFlow(src=src, dst=dst, ports=ps, origin=LOCKED))
    return out


def _side(family: int, parts: list[Range]) -> Side:
    cidrs, excepts = _cidrs(family, parts)
    text = "cidr:" + ",".join(cidrs) + (f" except {','.join(excepts)}" if excepts else "")
    return Side(text=text, kind="external", cidrs=cidrs, excepts=excepts)


def external_check(before: Cluster, after: Cluster, pods: list[Pod], adjust: Adjust
                   ) -> ProofCheck:
    """Each pod of ``pods`` keeps today's ports with every address range outside the cluster.

    Today's ports as ``adjust`` changes them (flows added, a spec's denials).  The ranges
    are the finer split of the two clusters' (and ``adjust``'s), so a range is alike in all.
    """
    name = "traffic with the outside kept"
    ev_b, ev_a = Evaluator(before), Evaluator(after)
    fams = {f for p in pods for f in p.families}
    rs = ranges([ev_b, ev_a], fams, adjust=adjust)
    old, new = today(ev_b, pods, rs), today(ev_a, pods, rs)
    bad = []
    for p in pods:
        for d in Direction:
            for r in rs:
                if (p.key, d, r) not in old:
                    continue
                want = adjust.apply(p.group, d, r, old[(p.key, d, r)])
                if new[(p.key, d, r)] != want:
                    bad.append(f"{p.key} {d.value.lower()} "
                               f"{'from' if d is Direction.INGRESS else 'to'} "
                               f"{format_range(r.family, r.lo, r.hi)}: today {want}, "
                               f"after {new[(p.key, d, r)]}")
    if bad:
        return ProofCheck(name=name, status=ProofStatus.FAILED,
                          detail=f"{len(bad)} pod and address range pairs change; first: "
                                 f"{bad[0]}")
    return ProofCheck(name=name, status=ProofStatus.PROVED,
                      detail=f"{len(pods):,} pods x {len(rs):,} address ranges outside the "
                             "cluster, both directions: each keeps today's ports")
