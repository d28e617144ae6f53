"""A deterministic layout of the connectivity ``Graph`` for the HTML report's inline SVG.

Geometry only: positions, radii and curve control points as numbers, texts as
plain strings.  The HTML template writes the SVG elements and escapes every text
(names come from the manifests).  The layout is simple on purpose, and the same
input always gives the same picture:

- namespace level: the namespaces on one circle;
- workload level: the namespaces on a circle, each drawn as a circle holding its
  workloads on a smaller circle.

Edges are quadratic curves bent to their right, so ``a -> b`` and ``b -> a``
do not overlap; each carries a tooltip (``<title>``) and, when there are few
edges, a visible port label.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from netverify.renderers.audit_graph import Graph

NODE_R = 9.0
MARGIN = 90.0
EDGE_TEXT_MAX = 24  # edges drawn with a visible label up to this many
NAME_MAX = 18  # characters of a name written under a node
NODE_GAP = 62.0  # room between two workloads of a namespace, for their names


@dataclass(frozen=True, slots=True, kw_only=True)
class Circle:
    """A node or a namespace group."""

    id: str
    x: float
    y: float
    r: float
    label: str  # shortened text written on the picture
    title: str  # the full name, as a tooltip
    label_y: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Curve:
    """One edge: start, control point and end, and where its label goes."""

    path: str  # SVG path data, numbers only
    label: str
    title: str
    text_x: float
    text_y: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Picture:
    """Everything the template needs to write the ``<svg>``."""

    width: float
    height: float
    groups: tuple[Circle, ...]
    nodes: tuple[Circle, ...]
    edges: tuple[Curve, ...]
    edge_labels: bool


def _short(s: str, limit: int = NAME_MAX) -> str:
    return s if len(s) <= limit else s[:limit - 1] + "\u2026"


def _circle(ident: str, x: float, y: float, r: float, label: str, title: str,
            label_y: float) -> Circle:
    """A circle with its numbers rounded, so that the SVG text is stable."""
    return Circle(id=ident, x=round(x, 1), y=round(y, 1), r=round(r, 1), label=_short(label),
                  title=title, label_y=round(label_y, 1))


def _ring(n: int, radius: float, cx: float, cy: float) -> list[tuple[float, float]]:
    """``n`` points on a circle, the first at the top, clockwise."""
    if n == 1:
        return [(cx, cy)]
    return [(cx + radius * math.cos(2 * math.pi * i / n - math.pi / 2),
             cy + radius * math.sin(2 * math.pi * i / n - math.pi / 2)) for i in range(n)]


def _spread(count: int, size: float, spacing: float) -> float:
    """The radius of a ring on which ``count`` items of ``size`` stand ``spacing`` apart."""
    if count <= 1:
        return 0.0
    return (size + spacing) / (2 * math.sin(math.pi / count))


def layout(g: Graph) -> Picture:
    """Place the groups and nodes of ``g`` and route its edges."""
    raw: dict[str, tuple[float, float, float, float]] = {}  # id -> x, y, r, label offset
    if g.groups:
        members = {grp.id: [n for n in g.nodes if n.group == grp.id] for grp in g.groups}
        inner = {gid: _spread(len(ns), 2 * NODE_R, NODE_GAP) for gid, ns in members.items()}
        radius = {gid: r + NODE_R + 30.0 for gid, r in inner.items()}
        ring = _spread(len(g.groups), 2 * max(radius.values()), 40.0)
        for grp, (x, y) in zip(g.groups, _ring(len(g.groups), ring, 0.0, 0.0), strict=True):
            raw[grp.id] = (x, y, radius[grp.id], 14 - radius[grp.id])
            for n, (nx, ny) in zip(members[grp.id],
                                   _ring(len(members[grp.id]), inner[grp.id], x, y + 6),
                                   strict=True):
                raw[n.id] = (nx, ny, NODE_R, NODE_R + 12)
    else:
        ring = max(_spread(len(g.nodes), 2 * NODE_R, 110.0), 60.0)
        for n, (x, y) in zip(g.nodes, _ring(len(g.nodes), ring, 0.0, 0.0), strict=True):
            raw[n.id] = (x, y, NODE_R + 3, NODE_R + 16)
    # Fit the picture to what was placed, with room for the labels around it.
    left = min(x - r for x, _, r, _ in raw.values()) - MARGIN
    top = min(y - r for _, y, r, _ in raw.values()) - MARGIN / 2
    width = max(x + r for x, _, r, _ in raw.values()) + MARGIN - left
    height = max(y + r for _, y, r, _ in raw.values()) + MARGIN / 2 - top
    names = {n.id: (n.label, n.name) for n in g.nodes} | {
        grp.id: (grp.name, grp.name) for grp in g.groups}
    circles = {i: _circle(i, x - left, y - top, r, *names[i], y - top + dy)
               for i, (x, y, r, dy) in raw.items()}
    edges = tuple(_curve(circles[e.src], circles[e.dst], e.label,
                         f"{g.name_of(e.src)} \u2192 {g.name_of(e.dst)}: {e.label} "
                         f"({e.pairs} pod pair{'s' if e.pairs != 1 else ''})")
                  for e in g.edges)
    return Picture(width=round(width, 1), height=round(height, 1),
                   groups=tuple(circles[grp.id] for grp in g.groups),
                   nodes=tuple(circles[n.id] for n in g.nodes), edges=edges,
                   edge_labels=len(edges) <= EDGE_TEXT_MAX)


def _curve(a: Circle, b: Circle, label: str, title: str) -> Curve:
    dx, dy = b.x - a.x, b.y - a.y
    dist = math.hypot(dx, dy) or 1.0
    ux, uy = dx / dist, dy / dist
    # A node inside a group (or the group itself) starts at its rim, not its centre.
    x1, y1 = a.x + ux * (a.r + 2), a.y + uy * (a.r + 2)
    x2, y2 = b.x - ux * (b.r + 4), b.y - uy * (b.r + 4)
    bend = min(40.0, 0.15 * dist)
    cx, cy = (x1 + x2) / 2 - uy * bend, (y1 + y2) / 2 + ux * bend
    tx, ty = 0.25 * x1 + 0.5 * cx + 0.25 * x2, 0.25 * y1 + 0.5 * cy + 0.25 * y2
    path = f"M {x1:.1f} {y1:.1f} Q {cx:.1f} {cy:.1f} {x2:.1f} {y2:.1f}"
    return Curve(path=path, label=label, title=title, text_x=round(tx, 1), text_y=round(ty, 1))
