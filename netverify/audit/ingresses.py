"""What the Ingress and Gateway rules (NV6xx) share: backends, and Ingresses grouped by class.

A controller serves all the Ingresses of its class as one configuration: ingress-nginx
builds one server per host out of every Ingress of the class, so TLS (NV601) and
path routing (NV602) are judged per host across the group, as ``netverify.routing``
(``can-reach``) answers them.  ``ingress_groups`` is that grouping, by the class each
Ingress ends up with (``routing.effective_ingress_class``: the default IngressClass
for an Ingress without one).  ``backends`` walks every route backend for the backend
rules (NV604, NV606).  Nothing here yields findings.
"""

from __future__ import annotations

from collections.abc import Iterator

from netverify import routing
from netverify.model import BackendRef, Cluster, Ingress, Route


def backends(cluster: Cluster) -> Iterator[tuple[str, Route, BackendRef]]:
    """(``Ingress ns/name`` or ``HTTPRoute ns/name``, route, backend) for every backend."""
    for ing in cluster.ingresses:
        for route in ing.routes:
            for b in route.backends:
                yield f"Ingress {ing.key}", route, b
    for hr in cluster.http_routes:
        for route in hr.routes:
            for b in route.backends:
                yield f"HTTPRoute {hr.key}", route, b


def ingress_groups(cluster: Cluster) -> dict[str | None, list[Ingress]]:
    """The Ingresses of each class (None: no class and no default IngressClass), in input order."""
    out: dict[str | None, list[Ingress]] = {}
    for ing in cluster.ingresses:
        out.setdefault(routing.effective_ingress_class(cluster, ing), []).append(ing)
    return out


def class_text(cls: str | None) -> str:
    """``of class nginx`` or ``without a class``, for messages about a group of Ingresses."""
    return f"of class {cls}" if cls else "without a class"
