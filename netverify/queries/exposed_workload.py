"""``can-reach internet NS/NAME[:PORT]``: every way in from outside to one workload.

A workload is reachable from outside when one way in delivers: a LoadBalancer,
NodePort or externalIP of a Service selecting it (``queries.exposure``), or an Ingress
or HTTPRoute rule whose backend Service has its pods as endpoints (``queries.paths``).
NetworkPolicy with the internet as source is asked at the end of each way, so a
workload no Service exposes is not reachable however open its policies are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from netverify.engines.concrete import Evaluator
from netverify.errors import QueryError
from netverify.model import Cluster, Pod, Service
from netverify.ports import Protocol
from netverify.queries.endpoints import parse_port, resolve, split_port
from netverify.queries.enforcement import enforced
from netverify.queries.exposure import workload_paths
from netverify.queries.paths import external_sources, paths
from netverify.results import RoutedPath, UrlResult


def can_reach_workload(cluster: Cluster, src: str, dst: str, *, port: str | None = None,
                       controller: str | None = None, cni: str | None = None,
                       policy_only: bool = False,
                       backend_kinds: Iterable[tuple[str, str]] = ()) -> UrlResult:
    """Whether ``src`` (``internet``) reaches the workload ``dst`` (``NS/NAME[:PORT]``).

    ``dst`` may be a Service (``svc/NS/NAME``): its own ways in, to its endpoints.

    The port is the pods' port (a number or a container port name), as in ``can-reach``.

    Raises:
        QueryError: for an unknown workload, a malformed port, or a port given twice.
    """
    text, port_text = split_port(dst)
    if port_text is not None and port is not None:
        raise QueryError(f"port given twice: {dst!r} and --port {port}")
    given = port_text or port
    pq = parse_port(given) if given else None
    wanted = None if pq is None else (pq.number if pq.number is not None else pq.name)
    notes: tuple[str, ...]
    if policy_only:
        ev, notes = Evaluator(cluster), ("policy answer only (--policy-only): the CNI is "
                                         "not considered",)
    else:
        plugin = enforced(cluster, cni)
        ev, notes = Evaluator(plugin.cluster), plugin.notes
    service = None
    if text.startswith("svc/"):
        service = _service(cluster, text)
        pods = tuple(p for p in cluster.pods if service.selects(p))
    else:
        pods = resolve(cluster, ev, text).pods
        if not pods:
            raise QueryError(f"{text!r} is not a workload in the cluster",
                             hint="from internet, ask about NAMESPACE/NAME, "
                                  "svc/NAMESPACE/NAME or a URL")
    touched: set[tuple[str | None, str | None]] = set()
    direct = workload_paths(ev, external_sources(ev, src), src, pods, wanted, touched,
                            service.key if service else None)
    every = paths(cluster, controller=controller, cni=cni, policy_only=policy_only,
                  backend_kinds=backend_kinds)
    if service is None:
        routed = [r for r in every.routes if _reaches(r, pods, wanted)]
    else:
        routed = [r for r in every.routes if any(
            b.service == service.key and wanted in (None, *_ports(service, b.service_port))
            for b in r.backends)]
    found = [*direct, *routed]
    if not found:
        notes = (*notes, f"no LoadBalancer, NodePort or externalIP Service, Ingress or "
                 f"HTTPRoute leads to {text}" + (f" port {wanted}" if wanted else "")
                 + ": NetworkPolicy is not asked, nothing from outside arrives")
    cov = cluster.coverage.affecting(touched)
    for u in every.coverage.unevaluated:
        if u not in cov.unevaluated:
            cov = type(cov)(unevaluated=(*cov.unevaluated, u))
    return UrlResult(src=src, url=dst, paths=tuple(found), notes=notes, coverage=cov,
                     method="", mode="any")


def _service(cluster: Cluster, text: str) -> Service:
    ns, _, name = text.removeprefix("svc/").partition("/")
    for svc in cluster.services:
        if (svc.namespace, svc.name) == (ns, name):
            return svc
    raise QueryError(f"no Service {ns}/{name} in the input",
                     hint=", ".join(s.key for s in cluster.services if s.namespace == ns)
                     or "svc/NAMESPACE/NAME names a Service")


def _ports(svc: Service, text: str) -> tuple[int | str, ...]:
    """The number and name of the Service port a route names (by number or name)."""
    for sp in svc.ports:
        if text in (str(sp.port), sp.name):
            return (sp.port, sp.name) if sp.name else (sp.port,)
    return ()


def _reaches(r: RoutedPath, pods: tuple[Pod, ...], port: int | str | None) -> bool:
    keys = {p.key for p in pods}
    for b in r.backends:
        if not keys & set(b.endpoints):
            continue
        if port is None:
            return True
        numbers = {int(n) for n in re.findall(r"\d+", b.target.split("->")[-1])}
        want = {port} if isinstance(port, int) else {
            n for p in pods for n in p.named_port(port, Protocol.TCP)}
        if numbers & want:
            return True
    return False
