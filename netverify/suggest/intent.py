"""What a suggestion must allow: flows between workloads, namespaces and address ranges.

Every intent source (``--lock-current``, a flows file, specs, Hubble flows) ends up as
``IntentFlow`` values; this module resolves their endpoints against the cluster and
turns them into the one relation the synthesis and the proof read: allowed ports per
ordered pair of existing workloads (``Intent.pairs``), plus the flows to and from
address ranges, which only ipBlocks can name.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from netverify.errors import QueryError, show
from netverify.model import Cluster, Pod
from netverify.ports import PortSet
from netverify.results import IntentFlow

INTERNET = "internet"
LOCKED = "lock-current"  # the origin of --lock-current's flows
INTERNET_CIDRS = ("0.0.0.0/0", "::/0")


@dataclass(frozen=True, slots=True, kw_only=True)
class Side:
    """A resolved flow endpoint: existing workloads, a whole namespace, or address ranges."""

    text: str
    kind: str  # "workload", "namespace" or "external"
    namespace: str | None = None
    groups: tuple[str, ...] = ()  # existing workloads (``Pod.group``) it covers
    cidrs: tuple[str, ...] = ()
    excepts: tuple[str, ...] = ()  # an ipBlock's except (with one cidr: the whole family)


@dataclass(slots=True)
class Workloads:
    """The cluster's pods by workload (``Pod.group``), the unit policies are written for."""

    pods: dict[str, list[Pod]] = field(default_factory=dict)
    by_namespace: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, cluster: Cluster) -> Workloads:
        """Group every pod of ``cluster``."""
        w = cls()
        for p in cluster.pods:
            if p.group not in w.pods:
                w.pods[p.group] = []
                w.by_namespace.setdefault(p.namespace, []).append(p.group)
            w.pods[p.group].append(p)
        return w

    def namespace_of(self, group: str) -> str:
        """The namespace of a workload."""
        return self.pods[group][0].namespace


def resolve(text: str, cluster: Cluster, workloads: Workloads) -> Side:
    """The endpoint ``text`` names: ``NS/NAME``, ``NS/*``, ``internet`` or a CIDR.

    Raises:
        QueryError: for a malformed endpoint, or a workload or namespace not in the input.
    """
    t = text.strip()
    if t == INTERNET:
        return Side(text=t, kind="external", cidrs=INTERNET_CIDRS)
    try:
        net = ipaddress.ip_network(t.removeprefix("cidr:"), strict=False)
        return Side(text=f"cidr:{net}", kind="external", cidrs=(str(net),))
    except ValueError:
        pass
    ns, sep, name = t.partition("/")
    if not sep or not ns or not name or "/" in name:
        raise QueryError(f"endpoint {show(text)} is not NS/NAME, NS/*, internet or a CIDR")
    if ns not in cluster.namespaces:
        raise QueryError(f"endpoint {show(text)}: no namespace {show(ns)} in the input",
                         hint=f"known: {', '.join(sorted(cluster.namespaces)[:10])}")
    if name == "*":
        return Side(text=t, kind="namespace", namespace=ns,
                    groups=tuple(workloads.by_namespace.get(ns, ())))
    if t not in workloads.pods:
        known = ", ".join(g.split("/", 1)[1] for g in workloads.by_namespace.get(ns, ())[:10])
        raise QueryError(f"endpoint {show(text)}: no workload or pod {show(name)} in namespace "
                         f"{show(ns)}", hint=f"known there: {known or 'none'}")
    return Side(text=t, kind="workload", namespace=ns, groups=(t,))


def resolve_in(flow: IntentFlow, text: str, cluster: Cluster, workloads: Workloads) -> Side:
    """``resolve``, with errors saying which flow (file and line) named the endpoint.

    Raises:
        QueryError: for an endpoint naming nothing in the input.
    """
    try:
        return resolve(text, cluster, workloads)
    except QueryError as e:
        raise QueryError(f"{flow.origin}: {e.message}", hint=e.hint) from None


@dataclass(slots=True)
class Intent:
    """Flows resolved: the relation among existing workloads and the external flows."""

    flows: list[IntentFlow]
    sides: dict[str, Side]
    # (src workload, dst workload) -> ports, and the flows (indexes) behind them
    pairs: dict[tuple[str, str], PortSet] = field(default_factory=dict)
    pair_flows: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    # --lock-current: each pod pair keeps today's ports (``pairs`` holds the workload-level
    # union the rules are written from); ``extra`` holds what the other flows add.
    locked: bool = False
    extra: dict[tuple[str, str], PortSet] = field(default_factory=dict)
    denied: dict[tuple[str, str], PortSet] = field(default_factory=dict)  # specs' expect: deny

    def side(self, text: str) -> Side:
        """The resolved endpoint of a flow."""
        return self.sides[text]


def build_intent(flows: Iterable[IntentFlow], cluster: Cluster, workloads: Workloads,
                 sides: dict[str, Side] | None = None) -> Intent:
    """Resolve every endpoint and fold the flows into the workload relation.

    ``sides`` holds endpoints resolved already (the cluster DNS when it is not an input pod).

    Raises:
        QueryError: for an endpoint that names nothing in the input.
    """
    intent = Intent(flows=[], sides=dict(sides or {}))
    for f in flows:
        for text in (f.src, f.dst):
            if text not in intent.sides:
                intent.sides[text] = resolve_in(f, text, cluster, workloads)
        s, d = intent.sides[f.src], intent.sides[f.dst]
        if s.kind == "external" and d.kind == "external":
            raise QueryError(f"flow {show(f.src)} -> {show(f.dst)} ({f.origin}): neither end is "
                             "in the cluster; NetworkPolicy has nothing to select")
        i = len(intent.flows)
        intent.flows.append(f)
        locked = f.origin == LOCKED
        intent.locked |= locked
        for a in s.groups:
            for b in d.groups:
                got = intent.pairs.get((a, b))
                intent.pairs[(a, b)] = f.ports if got is None else got.union(f.ports)
                intent.pair_flows[(a, b)].append(i)
                if not locked:
                    more = intent.extra.get((a, b))
                    intent.extra[(a, b)] = f.ports if more is None else more.union(f.ports)
    return intent
