"""The connectivity graph of an audit report, aggregated until a person can read it.

Markdown (Mermaid) and HTML (SVG) draw the same ``Graph``; this module decides
what is in it, never how it looks.  From the report's matrices:

- **Workload level** when the report has a workload matrix with at most
  ``max_nodes`` workloads: one node per workload, grouped by namespace.  Edges
  that say "every workload of namespace A reaches every workload of B" become one
  edge between the two groups; "w reaches every workload of B" becomes ``w -> B``
  and "every workload of A reaches w" becomes ``A -> w``.
- **Namespace level** otherwise (or when the workload graph still has more than
  ``max_edges`` edges): one node per namespace.  A namespace reached from every
  other one (cluster DNS, usually) gets one edge from an "every namespace" node,
  and likewise one that reaches every other; past ``max_nodes`` namespaces the
  least connected are merged into one "other namespaces" node; past ``max_edges``
  edges the ones with the fewest pod pairs are left out.

Every aggregation is listed in ``Graph.notes`` so the reader knows what a drawn
edge stands for.  Traffic inside a node (between a workload's replicas, or inside
one namespace at namespace level) is not drawn: the matrix shows it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from netverify.ports import PortSet, format_intervals
from netverify.results import AuditReport, MatrixCell

MAX_NODES = 40
MAX_EDGES = 60
MAX_RANGES = 4  # port ranges per protocol in an edge label
EVERY = "every_ns"
OTHER = "other_ns"


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    """A workload or namespace (or an aggregate of namespaces)."""

    id: str  # [A-Za-z0-9_] only: safe in Mermaid and as an SVG/HTML id
    name: str  # "ns/workload" or "ns"; untrusted text from the manifests
    label: str  # what is written on the node
    group: str = ""  # id of the namespace group (workload level)


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """A namespace drawn as a box around its workloads."""

    id: str
    name: str
    nodes: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Edge:
    """Allowed traffic from ``src`` to ``dst`` (node or group ids)."""

    src: str
    dst: str
    ports: PortSet
    label: str
    pairs: int  # allowed pod pairs it stands for


@dataclass(frozen=True, slots=True, kw_only=True)
class Graph:
    """What to draw, and what was aggregated or left out to keep it readable."""

    level: str  # "workload" | "namespace"
    groups: tuple[Group, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    notes: tuple[str, ...]

    def name_of(self, ident: str) -> str:
        """The display name of a node or group id."""
        for n in self.nodes:
            if n.id == ident:
                return n.name
        for g in self.groups:
            if g.id == ident:
                return g.name
        return ident


def port_summary(ps: PortSet, max_ranges: int = MAX_RANGES) -> str:
    """``TCP 80,443; UDP 53``, ``all`` for every port, at most ``max_ranges`` per protocol."""
    if ps.is_all:
        return "all"
    parts = []
    for proto, ivs in ps.items():
        text = format_intervals(ivs[:max_ranges])
        if len(ivs) > max_ranges:
            text += f" +{len(ivs) - max_ranges} more"
        parts.append(f"{proto.value} {text}")
    return "; ".join(parts)


def node_id(prefix: str, index: int, name: str) -> str:
    """A unique id made only of ``[a-z0-9_]``: the index makes it unique, the slug readable."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:30]
    return f"{prefix}{index}_{slug}" if slug else f"{prefix}{index}"


def build_graph(r: AuditReport, *, max_nodes: int = MAX_NODES,
                max_edges: int = MAX_EDGES) -> Graph | None:
    """The graph for this report, or None when it carries no connectivity."""
    wl = r.workload_connectivity
    notes: list[str] = []
    if wl is not None and wl.rows and len(wl.rows) <= max_nodes:
        g = _workload_graph(wl.rows, wl.cells, max_edges)
        if len(g.edges) <= max_edges:
            return g
        notes.append(f"{len(g.edges)} edges between workloads are too many to read: "
                     "drawn by namespace instead")
    elif r.cluster_summary.get("workloads", 0) > max_nodes:
        notes.append(f"{r.cluster_summary['workloads']} workloads are too many to draw: "
                     "drawn by namespace")
    if r.connectivity is None or not r.connectivity.rows:
        return None
    return _namespace_graph(r.connectivity.rows, r.connectivity.cells, notes,
                            max_nodes=max_nodes, max_edges=max_edges)


def _workload_graph(rows: tuple[str, ...], cells: Sequence[MatrixCell],
                    max_edges: int) -> Graph:
    namespaces = sorted({w.split("/", 1)[0] for w in rows})
    gid = {ns: node_id("ns", i, ns) for i, ns in enumerate(namespaces)}
    nid = {w: node_id("w", i, w) for i, w in enumerate(rows)}
    members: dict[str, list[str]] = defaultdict(list)
    for w in rows:
        members[w.split("/", 1)[0]].append(w)
    nodes = tuple(Node(id=nid[w], name=w, label=w.split("/", 1)[1],
                       group=gid[w.split("/", 1)[0]]) for w in rows)
    groups = tuple(Group(id=gid[ns], name=ns, nodes=tuple(nid[w] for w in members[ns]))
                   for ns in namespaces)
    between: dict[tuple[str, str], list[MatrixCell]] = defaultdict(list)
    for c in cells:
        if c.allowed_pairs and c.src != c.dst:
            between[(c.src.split("/", 1)[0], c.dst.split("/", 1)[0])].append(c)
    notes = ["traffic between the replicas of one workload is not drawn"]
    edges: list[Edge] = []
    collapsed = 0
    for (a, b), cs in between.items():
        if a == b or len(cs) == 1:
            edges += [Edge(src=nid[c.src], dst=nid[c.dst], ports=c.allowed,
                           label=port_summary(c.allowed), pairs=c.allowed_pairs) for c in cs]
            continue
        # Several workload pairs between two namespaces: one edge between the smallest
        # ends that cover them (a workload when they all share it, else the box).
        srcs, dsts = {c.src for c in cs}, {c.dst for c in cs}
        src = nid[next(iter(srcs))] if len(srcs) == 1 else gid[a]
        dst = nid[next(iter(dsts))] if len(dsts) == 1 else gid[b]
        covers = (1 if len(srcs) == 1 else len(members[a])) * (
            1 if len(dsts) == 1 else len(members[b]))
        ps = PortSet.empty()
        for c in cs:
            ps = ps.union(c.allowed)
        label = port_summary(ps) + ("" if len(cs) == covers else f" ({len(cs)}/{covers})")
        edges.append(Edge(src=src, dst=dst, ports=ps, label=label,
                          pairs=sum(c.allowed_pairs for c in cs)))
        collapsed += 1
    if collapsed:
        notes.append(f"{collapsed} edge(s) start or end at a namespace box: each stands for "
                     "the workloads of that namespace; (k/n) after the ports means k of the "
                     "n workload pairs it covers are allowed")
    order = {n.id: n.name for n in nodes} | {g.id: g.name for g in groups}
    inside: dict[str, int] = defaultdict(int)
    for e in edges:
        if e.src in order and e.dst in order and e.src.startswith("w") and e.dst.startswith(
                "w") and order[e.src].split("/", 1)[0] == order[e.dst].split("/", 1)[0]:
            inside[order[e.src].split("/", 1)[0]] += 1
    # Still too many: leave out the edges inside the busiest namespaces first.
    dropped: list[str] = []
    for ns in sorted(inside, key=lambda n: (-inside[n], n)):
        if len(edges) <= max_edges:
            break
        edges = [e for e in edges if not (e.src.startswith("w") and e.dst.startswith("w")
                                          and order[e.src].startswith(ns + "/")
                                          and order[e.dst].startswith(ns + "/"))]
        dropped.append(f"{ns} ({inside[ns]})")
    if dropped:
        notes.append("edges between workloads of the same namespace are not drawn for "
                     + ", ".join(dropped) + ": see the JSON report's workload matrix")
    edges.sort(key=lambda e: (order[e.src], order[e.dst]))
    return Graph(level="workload", groups=groups, nodes=nodes, edges=tuple(edges),
                 notes=tuple(notes))


def _namespace_graph(rows: tuple[str, ...], cells: Sequence[MatrixCell], notes: list[str],
                     *, max_nodes: int, max_edges: int) -> Graph:
    notes.append("traffic inside a namespace is not drawn (the namespace matrix counts it)")
    allowed = {(c.src, c.dst): c for c in cells if c.allowed_pairs and c.src != c.dst}
    names = list(rows)
    # Fan-in from, or fan-out to, every other namespace: one edge via "every namespace".
    every_in: list[str] = []
    every_out: list[str] = []
    if len(names) >= 3:
        every_in = [d for d in names if all((s, d) in allowed for s in names if s != d)]
        every_out = [s for s in names if all((s, d) in allowed for d in names if d != s)]
    # Keep the best connected namespaces; merge the rest.
    degree: dict[str, int] = defaultdict(int)
    for s, d in allowed:
        degree[s] += 1
        degree[d] += 1
    budget = max_nodes - (1 if every_in or every_out else 0)
    kept = set(names)
    if len(names) > budget:
        ranked = sorted(names, key=lambda n: (-degree[n], n))
        kept = set(ranked[:budget - 1])
        notes.append(f"{len(names) - len(kept)} namespaces with the fewest connections are "
                     "merged into one node")
    ids = {n: node_id("ns", i, n) for i, n in enumerate(names)}
    nodes = [Node(id=ids[n], name=n, label=n) for n in names if n in kept]
    if len(kept) < len(names):
        nodes.append(Node(id=OTHER, name=f"{len(names) - len(kept)} other namespaces",
                          label=f"{len(names) - len(kept)} other namespaces"))

    def target(n: str) -> str:
        return ids[n] if n in kept else OTHER

    acc: dict[tuple[str, str], tuple[PortSet, int]] = {}

    def add(src: str, dst: str, c: MatrixCell) -> None:
        ps, pairs = acc.get((src, dst), (PortSet.empty(), 0))
        acc[(src, dst)] = (ps.union(c.allowed), pairs + c.allowed_pairs)

    for (s, d), c in allowed.items():
        if d in every_in:
            add(EVERY, target(d), c)
        elif s in every_out:
            add(target(s), EVERY, c)
        elif target(s) != target(d):
            add(target(s), target(d), c)
    if every_in or every_out:
        nodes.append(Node(id=EVERY, name="every namespace", label="every namespace"))
        if every_in:
            notes.append("every other namespace reaches " + ", ".join(sorted(every_in))
                         + ": drawn as one edge from \"every namespace\"")
        if every_out:
            verb = "reaches" if len(every_out) == 1 else "reach"
            notes.append(", ".join(sorted(every_out)) + f" {verb} every other namespace: "
                         "drawn as one edge to \"every namespace\"")
    order = {n.id: n.name for n in nodes}
    edges = [Edge(src=s, dst=d, ports=ps, label=port_summary(ps), pairs=pairs)
             for (s, d), (ps, pairs) in acc.items() if s != d]
    edges.sort(key=lambda e: (order[e.src], order[e.dst]))
    if len(edges) > max_edges:
        keep = sorted(edges, key=lambda e: (-e.pairs, order[e.src], order[e.dst]))[:max_edges]
        notes.append(f"{len(edges) - max_edges} edges with the fewest allowed pod pairs are "
                     "not drawn")
        edges = sorted(keep, key=lambda e: (order[e.src], order[e.dst]))
    return Graph(level="namespace", groups=(), nodes=tuple(nodes), edges=tuple(edges),
                 notes=tuple(notes))
