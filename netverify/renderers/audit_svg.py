"""A layered, left-to-right layout of the connectivity ``Graph`` for the HTML report's SVG.

Geometry only: boxes, edge paths and label positions as numbers, texts as plain
strings; the HTML template writes the SVG elements and escapes every text (names come
from the manifests).  The picture reads like the application's architecture:

- column 0 the internet, column 1 the ways in (LoadBalancer and NodePort Services,
  Ingresses, HTTPRoutes: ``AuditReport.entry_points``), then the workloads by depth
  (longest-path layering over the allowed connections, cycles broken by a depth-first
  search from the ways in), and data stores (sinks reached on a well-known database
  port) in the last column;
- in each column the boxes are ordered by the barycentre of their neighbours, a few
  sweeps left-to-right and back, which removes most crossings;
- every edge carries its ports as a visible label, nudged until it overlaps no box and
  no other label; every box its whole name.

A workload that every other workload may reach (a frontend admitting everything) would
draw an arrow from every box: those edges are folded into one line on its box, and the
notes say so.  The same input always gives the same picture.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from netverify.renderers.audit_graph import Graph
from netverify.results import EntryPoint

INTERNET = "internet"
CHAR_W = 7.0  # average width of a 12px sans-serif character
LABEL_CHAR_W = 6.0  # of a 10px edge label character
BOX_H = 40.0
DUMMY_H = 8.0  # the room a long edge takes in a column it crosses
ROW_GAP = 26.0
COL_GAP = 140.0
MARGIN = 24.0
LABEL_H = 14.0
SWEEPS = 6
FOLD_MIN = 4  # fold "every other workload reaches X" from this many workloads on
# Ports of databases, caches and queues: a sink reached on one of them is a data store.
STORE_PORTS = frozenset({"1433", "1521", "2379", "3306", "5432", "5672", "6379", "9042",
                         "9092", "9200", "11211", "26257", "27017", "28015"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Box:
    """A node: the internet, a way in, a workload, a namespace or a namespace's workloads."""

    id: str
    kind: str  # internet | entry | workload | store | group | namespace
    layer: int
    x: float
    y: float
    w: float
    h: float
    lines: tuple[str, ...]  # written inside, whole
    title: str  # tooltip

    @property
    def text(self) -> tuple[tuple[str, float, float], ...]:
        """Each line with the point its text is centred on (x, baseline)."""
        first = self.y + self.h / 2 + 4 - 7 * (len(self.lines) - 1)
        return tuple((line, round(self.x + self.w / 2, 1), round(first + 14 * k, 1))
                     for k, line in enumerate(self.lines))

    def overlaps(self, x: float, y: float, w: float, h: float) -> bool:
        """Whether the rectangle (x, y, w, h) overlaps this box."""
        return x < self.x + self.w and self.x < x + w and y < self.y + self.h and self.y < y + h


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """An edge: its path, its ports label and where the label's background goes."""

    src: str
    dst: str
    path: str  # SVG path data, numbers only
    label: str
    title: str
    back: bool  # drawn right-to-left (a cycle, or inside one column)
    lx: float  # label rectangle: left, top, width, height (text centred in it)
    ly: float
    lw: float
    lh: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Picture:
    """Everything the template needs to write the ``<svg>``."""

    width: float
    height: float
    boxes: tuple[Box, ...]
    links: tuple[Link, ...]
    columns: int
    notes: tuple[str, ...]

    @property
    def nodes(self) -> tuple[Box, ...]:
        """The boxes standing for the graph's nodes (not the internet or the ways in)."""
        return tuple(b for b in self.boxes if b.kind in ("workload", "store", "namespace"))


@dataclass(slots=True)
class _Edge:
    src: str
    dst: str
    label: str
    title: str


class _Builder:
    """The nodes and edges to lay out, from the graph and the ways in."""

    def __init__(self, g: Graph, entries: Sequence[EntryPoint]) -> None:
        self.g = g
        self.kind: dict[str, str] = {}
        self.lines: dict[str, tuple[str, ...]] = {}
        self.title: dict[str, str] = {}
        self.edges: list[_Edge] = []
        self.notes: list[str] = []
        several = len({n.name.split("/", 1)[0] for n in g.nodes}) > 1
        for n in g.nodes:
            ns, _, short = n.name.partition("/")
            lines = (short, f"namespace {ns}") if several else (short,)
            self._add(n.id, "namespace" if g.level == "namespace" else "workload",
                      lines if short else (n.name,), n.name)
        for grp in g.groups:
            if any(grp.id in (e.src, e.dst) for e in g.edges):
                self._add(grp.id, "group", (f"{grp.name}/*", "every workload"),
                          f"every workload of namespace {grp.name}")
        for e in g.edges:
            self.edges.append(_Edge(e.src, e.dst, e.label,
                                    f"{g.name_of(e.src)} \u2192 {g.name_of(e.dst)}: {e.label} "
                                    f"({e.pairs} pod pair{'s' if e.pairs != 1 else ''})"))
        self._fold()
        self._entries(entries)

    def _add(self, ident: str, kind: str, lines: tuple[str, ...], title: str) -> None:
        self.kind[ident] = kind
        self.lines[ident] = lines
        self.title[ident] = title

    def _fold(self) -> None:
        """One line on a box every other workload may reach, instead of an arrow from each."""
        plain = [i for i, k in self.kind.items() if k == "workload"]
        if len(plain) < FOLD_MIN:
            return
        into: dict[str, list[_Edge]] = defaultdict(list)
        for e in self.edges:
            if self.kind.get(e.src) == "workload":
                into[e.dst].append(e)
        for dst, es in sorted(into.items()):
            if len({e.src for e in es}) < len(plain) - 1 or self.kind.get(dst) != "workload":
                continue
            labels = sorted({e.label for e in es})
            ports = labels[0] if len(labels) == 1 else "various ports"
            self.edges = [e for e in self.edges if not (e.dst == dst and e in es)]
            self.lines[dst] = (*self.lines[dst], f"\u2190 every workload: {ports}")
            self.notes.append(f"{self.title[dst]} admits every other workload ({ports}): "
                              f"those {len(es)} edges are written on its box, not drawn")

    def _entries(self, entries: Sequence[EntryPoint]) -> None:
        by_name = {n.name: n.id for n in self.g.nodes}
        for i, ep in enumerate(entries):
            ident = f"entry{i}"
            merged: dict[str, set[str]] = {}  # several workloads of one namespace box
            for w, port in ep.targets:
                node = self._node_for(w, by_name)
                if node is not None:
                    merged.setdefault(node, set()).update(port.split(", "))
            targets = [(t, ", ".join(sorted(ps))) for t, ps in merged.items()]
            self._add(ident, "entry", (ep.kind, ep.name), f"{ep.kind} {ep.name}: {ep.ports}")
            self.edges.append(_Edge(INTERNET, ident, ep.ports,
                                    f"internet \u2192 {ep.kind} {ep.name}: {ep.ports}"))
            for t, port in targets:
                self.edges.append(_Edge(ident, t, port, f"{ep.kind} {ep.name} \u2192 "
                                        f"{self.title[t]}: {port}"))
        if entries:
            self._add(INTERNET, "internet", ("internet",), "clients outside the cluster")

    def _node_for(self, workload: str, by_name: dict[str, str]) -> str | None:
        if self.g.level == "namespace":
            return by_name.get(workload.split("/", 1)[0])
        return by_name.get(workload)


def _break_cycles(nodes: list[str], edges: list[_Edge], roots: list[str]) -> set[int]:
    """Indexes of the edges a depth-first search from ``roots`` finds going back."""
    out_edges: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(edges):
        out_edges[e.src].append(i)
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    back: set[int] = set()
    for root in [*roots, *nodes]:
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            v, k = stack.pop()
            outs = out_edges[v]
            if k < len(outs):
                stack.append((v, k + 1))
                i = outs[k]
                w = edges[i].dst
                if state.get(w) == 1:
                    back.add(i)
                elif w not in state:
                    state[w] = 1
                    stack.append((w, 0))
            else:
                state[v] = 2
    return back


def _layers(b: _Builder, order: list[str]) -> tuple[dict[str, int], set[int]]:
    """Longest-path columns, after cycle breaking; data stores in the last column."""
    edges = b.edges
    roots = [i for i in order if b.kind[i] in ("internet", "entry")]
    back = _break_cycles(order, edges, roots)
    first = 2 if INTERNET in b.kind else 0
    layer = {i: 0 if b.kind[i] == "internet" else 1 if b.kind[i] == "entry" else first
             for i in order}
    forward = [e for i, e in enumerate(edges) if i not in back and e.src != e.dst]
    for _ in range(len(order)):  # Bellman-Ford style: the graph is small and acyclic now
        changed = False
        for e in forward:
            if layer[e.dst] < layer[e.src] + 1 and b.kind[e.dst] not in ("internet", "entry"):
                layer[e.dst] = layer[e.src] + 1
                changed = True
        if not changed:
            break
    outs = {e.src for e in forward}
    last = max(layer.values(), default=0)
    for i in order:
        ins = [e for e in forward if e.dst == i]
        if i not in outs and ins and all(_is_store(e.label) for e in ins):
            b.kind[i] = "store"
    if any(k == "store" for k in b.kind.values()):
        last = max([layer[i] for i in order if b.kind[i] != "store"] + [0]) + 1
        for i in order:
            if b.kind[i] == "store":
                layer[i] = max(layer[i], last)
    return layer, back


def _is_store(label: str) -> bool:
    words = label.replace(",", " ").replace(";", " ").split()
    return bool(words) and all(w in STORE_PORTS for w in words if w.isdigit()) and any(
        w.isdigit() for w in words)


def _order(layer: dict[str, int], edges: list[_Edge], initial: list[str]
           ) -> list[list[str]]:
    """Each column's boxes, ordered by the barycentre of their neighbours."""
    cols: list[list[str]] = [[] for _ in range(max(layer.values(), default=0) + 1)]
    for i in initial:
        cols[layer[i]].append(i)
    nbrs: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        if e.src != e.dst:
            nbrs[e.src].append(e.dst)
            nbrs[e.dst].append(e.src)
    for sweep in range(SWEEPS):
        pos = {v: k for col in cols for k, v in enumerate(col)}
        seq = range(1, len(cols)) if sweep % 2 == 0 else range(len(cols) - 2, -1, -1)
        for c in seq:
            ref = c - 1 if sweep % 2 == 0 else c + 1
            keys = {v: (_centre(v, pos, nbrs[v], layer, c, ref), pos[v]) for v in cols[c]}
            cols[c].sort(key=keys.__getitem__)
            pos.update({v: k for k, v in enumerate(cols[c])})
    return cols


def _centre(v: str, pos: dict[str, int], nbrs: list[str], layer: dict[str, int], c: int,
            ref: int) -> float:
    """Mean position of ``v``'s neighbours in column ``ref`` (else any other column)."""
    near = [pos[u] for u in nbrs if layer[u] == ref] or [
        pos[u] for u in nbrs if layer[u] != c]
    return sum(near) / len(near) if near else float(pos[v])


def _chains(b: _Builder, layer: dict[str, int], back: set[int]
            ) -> tuple[dict[int, list[str]], list[_Edge]]:
    """Room for each edge spanning several columns, in each column it crosses.

    An invisible point per crossed column, so that ordering keeps it between boxes
    instead of through them.

    Returns the points of each long edge (by index) and the edges to order by.
    """
    chains: dict[int, list[str]] = {}
    segments: list[_Edge] = []
    for i, e in enumerate(b.edges):
        span = layer[e.dst] - layer[e.src]
        if i in back or span <= 1:
            segments.append(e)
            continue
        ids = [f"~{i}.{k}" for k in range(1, span)]
        for k, d in enumerate(ids, start=1):
            layer[d] = layer[e.src] + k
            b.kind[d], b.lines[d], b.title[d] = "dummy", (), ""
        chains[i] = ids
        chain = [e.src, *ids, e.dst]
        segments += [_Edge(x, y, "", "") for x, y in pairwise(chain)]
    return chains, segments


def _place(b: _Builder, cols: list[list[str]], layer: dict[str, int]) -> dict[str, Box]:
    widths = [max([len(line) for v in col for line in b.lines[v]] + [8]) * CHAR_W + 24
              for col in cols]
    heights = {v: DUMMY_H if b.kind[v] == "dummy" else BOX_H + 14 * max(len(b.lines[v]) - 2, 0)
               for col in cols for v in col}
    col_h = [sum(heights[v] for v in col) + ROW_GAP * max(len(col) - 1, 0) for col in cols]
    tallest = max(col_h, default=0.0)
    boxes: dict[str, Box] = {}
    x = MARGIN
    for c, col in enumerate(cols):
        y = MARGIN + (tallest - col_h[c]) / 2
        for v in col:
            boxes[v] = Box(id=v, kind=b.kind[v], layer=layer[v], x=round(x, 1), y=round(y, 1),
                           w=round(widths[c], 1), h=heights[v], lines=b.lines[v],
                           title=b.title[v])
            y += heights[v] + ROW_GAP
        x += widths[c] + COL_GAP
    return boxes


def _forward(points: list[tuple[float, float]]) -> tuple[str, float, float]:
    """A left-to-right path through ``points``, and the middle of its first curve.

    ``points`` are exit, entry, exit, entry, ...; the label goes in the first curve.

    Between columns the path is a horizontal-tangent cubic curve; across a column it
    passes (a long edge, through the room kept for it) it is a straight line.
    """
    (x1, y1), rest = points[0], points[1:]
    out = [f"M {x1:.1f} {y1:.1f}"]
    label = (x1, y1)
    for k in range(0, len(rest), 2):
        x2, y2 = rest[k]
        dx = max((x2 - x1) / 2, 20.0)
        out.append(f"C {x1 + dx:.1f} {y1:.1f} {x2 - dx:.1f} {y2:.1f} {x2:.1f} {y2:.1f}")
        if k == 0:
            label = ((x1 + x2) / 2, (y1 + y2) / 2)
        if k + 1 < len(rest):
            x1, y1 = rest[k + 1]
            out.append(f"L {x1:.1f} {y1:.1f}")
    return " ".join(out), label[0], label[1]


def _label_end(points: list[tuple[float, float]], mx: float, my: float, fan_out: int,
               fan_in: int, width: float) -> tuple[float, float]:
    """Where an edge's label reads as its own: by the end that has no other edge.

    Edges fanning out of one box share their start, so their labels go by their arrow
    heads; edges converging on one box share their end, so theirs go by their start.
    """
    if fan_out > 1 and fan_in == 1:
        x2, y2 = points[-1]
        return x2 - width / 2 - 10, y2
    if fan_in > 1 and fan_out == 1:
        x1, y1 = points[0]
        return x1 + width / 2 + 8, y1
    return mx, my


def _backward(a: Box, z: Box) -> tuple[str, float, float]:
    """Backwards or within a column: leave from the bottom, come back under both boxes."""
    x1, y1 = a.x + a.w / 2, a.y + a.h
    x2, y2 = z.x + z.w / 2, z.y + z.h + 2
    low = max(y1, y2) + 40
    path = f"M {x1:.1f} {y1:.1f} C {x1:.1f} {low:.1f} {x2:.1f} {low:.1f} {x2:.1f} {y2:.1f}"
    return path, (x1 + x2) / 2, low - 10


def _free(x: float, y: float, w: float, h: float, boxes: Sequence[Box],
          taken: list[tuple[float, float, float, float]]) -> tuple[float, float]:
    """The nearest spot at (x, y), moved up or down, that overlaps no box and no label."""
    for step in range(80):
        for dy in ((0.0,) if step == 0 else (step * (LABEL_H / 2), -step * (LABEL_H / 2))):
            ty = y + dy
            if any(bx.overlaps(x, ty, w, h) for bx in boxes):
                continue
            if any(x < tx + tw and tx < x + w and ty < ty2 + th and ty2 < ty + h
                   for tx, ty2, tw, th in taken):
                continue
            return x, ty
    return x, y


def layout(g: Graph, entries: Sequence[EntryPoint] = ()) -> Picture:
    """Place ``g``'s nodes (and the ways in from outside) in columns and route the edges."""
    b = _Builder(g, entries)
    order = sorted(b.kind, key=lambda i: (b.kind[i] != "internet", b.kind[i] != "entry",
                                          b.title[i]))
    layer, back = _layers(b, order)
    chains, segments = _chains(b, layer, back)
    cols = _order(layer, segments, order + [d for ids in chains.values() for d in ids])
    boxes = _place(b, cols, layer)
    all_boxes = [bx for bx in boxes.values() if bx.kind != "dummy"]
    taken: list[tuple[float, float, float, float]] = []
    links = []
    outs: dict[str, int] = defaultdict(int)
    ins: dict[str, int] = defaultdict(int)
    for e in b.edges:
        outs[e.src] += 1
        ins[e.dst] += 1
    for i, e in enumerate(b.edges):
        a, z = boxes[e.src], boxes[e.dst]
        is_back = i in back or z.layer <= a.layer
        if is_back:
            path, mx, my = _backward(a, z)
        else:
            points = [(a.x + a.w, a.y + a.h / 2)]
            for d in (boxes[x] for x in chains.get(i, ())):
                points += [(d.x, d.y + d.h / 2), (d.x + d.w, d.y + d.h / 2)]
            points.append((z.x - 2, z.y + z.h / 2))
            path, mx, my = _forward(points)
            mx, my = _label_end(points, mx, my, outs[e.src], ins[e.dst],
                                len(e.label) * LABEL_CHAR_W + 8)
        lw, lh = len(e.label) * LABEL_CHAR_W + 8, LABEL_H
        lx, ly = _free(mx - lw / 2, my - lh / 2, lw, lh, all_boxes, taken)
        taken.append((lx, ly, lw, lh))
        links.append(Link(src=e.src, dst=e.dst, path=path, label=e.label, title=e.title,
                          back=is_back, lx=round(lx, 1), ly=round(ly, 1), lw=round(lw, 1),
                          lh=lh))
    right = max([bx.x + bx.w for bx in all_boxes] + [lx + lw for lx, _, lw, _ in taken]
                + [0.0])
    bottom = max([bx.y + bx.h for bx in all_boxes] + [ly + lh for _, ly, _, lh in taken]
                 + [0.0])
    if any(lk.back for lk in links):
        bottom += 44  # room for the curves drawn under the boxes
    top = min([0.0] + [ly for _, ly, _, _ in taken])
    shift = -top + (MARGIN if top < 0 else 0)
    if shift:
        all_boxes = [_moved(bx, shift) for bx in all_boxes]
        links = [_moved_link(lk, shift) for lk in links]
        bottom += shift
    return Picture(width=round(right + MARGIN, 1), height=round(bottom + MARGIN, 1),
                   boxes=tuple(sorted(all_boxes, key=lambda bx: (bx.layer, bx.y))),
                   links=tuple(links), columns=len(cols), notes=tuple(b.notes))


def _moved(bx: Box, dy: float) -> Box:
    return Box(id=bx.id, kind=bx.kind, layer=bx.layer, x=bx.x, y=round(bx.y + dy, 1), w=bx.w,
               h=bx.h, lines=bx.lines, title=bx.title)


def _moved_link(lk: Link, dy: float) -> Link:
    nums = lk.path.split()
    out = []
    coord = 0
    for tok in nums:
        if tok.isalpha():
            out.append(tok)
            continue
        out.append(f"{float(tok) + dy:.1f}" if coord % 2 == 1 else tok)
        coord += 1
    return Link(src=lk.src, dst=lk.dst, path=" ".join(out), label=lk.label, title=lk.title,
                back=lk.back, lx=lk.lx, ly=round(lk.ly + dy, 1), lw=lk.lw, lh=lk.lh)
