"""Observed flows: Cilium Hubble's JSON export (``hubble observe -o json``) as intent.

Each line is one JSON object: a ``GetFlowsResponse`` (``{"flow": {...}, "node_name": ...}``)
or, from older clients, the ``Flow`` itself (observer API, ``flow/flow.proto``).  A line
becomes a flow when it is a connection NetworkPolicy can admit:

- ``verdict`` is ``FORWARDED`` (dropped, audited, redirected and error records are
  ignored: they are not traffic the cluster allowed);
- it is not a reply (``is_reply`` true, or the older ``reply``): the connection is
  the other way round and is already a flow of its own;
- it is an L3/L4 record (``Type`` ``L3_L4`` or absent; the L7 records of the same
  connections are ignored) with a TCP, UDP or SCTP ``destination_port`` in ``l4``
  (ICMP is ignored: NetworkPolicy has no ICMP rule);
- each end is a pod (``namespace`` and ``pod_name``), mapped to a workload of the
  input by ``workloads[0].name``, else the pod name, else the one workload of its
  namespace whose labels the flow's ``k8s:`` labels include; or, for the source, an
  address outside the cluster (``reserved:world``), which becomes a /32 or /128
  ipBlock of ``IP.source`` (widen it by hand if the peer moves).

Everything else (the node, health checks, other reserved identities, pods of no
workload in the input) is counted and named in the notes; a pod flow that names no
workload of the input makes the intent unmet.
"""

from __future__ import annotations

import ipaddress
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netverify.errors import NetverifyError, show
from netverify.model import Cluster
from netverify.ports import PortSet, Protocol
from netverify.results import IntentFlow
from netverify.suggest.intent import Workloads


class HubbleError(NetverifyError):
    """A Hubble export that cannot be read: names the file and line."""


@dataclass(slots=True)
class HubbleFlows:
    """The flows read, what was ignored (reason -> count) and what names no workload."""

    flows: list[IntentFlow] = field(default_factory=list)
    ignored: Counter[str] = field(default_factory=Counter)
    unknown: list[str] = field(default_factory=list)

    def notes(self) -> list[str]:
        """One note on what was ignored, if anything."""
        if not self.ignored:
            return []
        parts = ", ".join(f"{n} {why}" for why, n in sorted(self.ignored.items()))
        return [f"Hubble records ignored: {parts}"]


def _labels(ep: dict[str, Any]) -> dict[str, str]:
    out = {}
    for item in ep.get("labels") or ():
        if isinstance(item, str) and item.startswith("k8s:") and "=" in item:
            k, _, v = item[4:].partition("=")
            if not k.startswith(("io.kubernetes.", "io.cilium.")):
                out[k] = v
    return out


def _workload(ep: dict[str, Any], cluster: Cluster, workloads: Workloads) -> str | None:
    ns, pod = ep.get("namespace"), ep.get("pod_name")
    if not isinstance(ns, str) or not ns:
        return None
    names = [w.get("name") for w in ep.get("workloads") or () if isinstance(w, dict)]
    for name in [*names, pod]:
        if isinstance(name, str) and f"{ns}/{name}" in workloads.pods:
            return f"{ns}/{name}"
    labels = _labels(ep)
    fits = [g for g in workloads.by_namespace.get(ns, ())
            if labels and all(labels.get(k) == v for k, v in workloads.pods[g][0].labels.items()
                              if not k.startswith(("pod-template-hash",
                                                   "controller-revision-hash")))]
    return fits[0] if len(fits) == 1 else None


def _port(flow: dict[str, Any]) -> PortSet | None:
    l4 = flow.get("l4") or {}
    for proto in Protocol:
        got = l4.get(proto.value)
        if isinstance(got, dict):
            port = got.get("destination_port")
            if isinstance(port, int) and 1 <= port <= 65535:
                return PortSet.of(proto, port)
    return None


def _external(flow: dict[str, Any], ep: dict[str, Any]) -> str | None:
    if "reserved:world" not in (ep.get("labels") or ()):
        return None
    ip = (flow.get("IP") or {}).get("source")
    try:
        addr = ipaddress.ip_address(str(ip))
    except ValueError:
        return None
    return f"cidr:{addr}/{addr.max_prefixlen}"


def _one(flow: dict[str, Any], where: str, cluster: Cluster, workloads: Workloads,
         out: HubbleFlows) -> None:
    if flow.get("verdict") != "FORWARDED":
        out.ignored[f"not FORWARDED ({flow.get('verdict', 'no verdict')})"] += 1
        return
    if flow.get("is_reply") or flow.get("reply"):
        out.ignored["replies"] += 1
        return
    if flow.get("Type", "L3_L4") != "L3_L4":
        out.ignored[f"{flow.get('Type')} records"] += 1
        return
    ports = _port(flow)
    if ports is None:
        out.ignored["without a TCP, UDP or SCTP destination port"] += 1
        return
    src_ep, dst_ep = flow.get("source") or {}, flow.get("destination") or {}
    dst = _workload(dst_ep, cluster, workloads)
    src = _workload(src_ep, cluster, workloads) or _external(flow, src_ep)
    if dst is None or src is None:
        ends = [(n, e) for n, e, got in (("source", src_ep, src), ("destination", dst_ep, dst))
                if got is None]
        if all(not e.get("namespace") for _, e in ends):
            out.ignored["between endpoints that are not pods (node, host, health, ...)"] += 1
            return
        name, e = next((n, e) for n, e in ends if e.get("namespace"))
        out.unknown.append(f"{where}: the {name} {show(e.get('namespace'))}/"
                           f"{show(e.get('pod_name'))} is no workload of the input")
        return
    out.flows.append(IntentFlow(src=src, dst=dst, ports=ports, origin=where))


def read_hubble(path: str, cluster: Cluster) -> HubbleFlows:
    """The flows of a ``hubble observe -o json`` export.

    Raises:
        HubbleError: for an unreadable file or a line that is not a JSON object.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise HubbleError(f"{path}: cannot read the Hubble export ({e})") from None
    workloads = Workloads.of(cluster)
    out = HubbleFlows()
    name = Path(path).name
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as e:
            raise HubbleError(f"{path}:{n}: not JSON ({e.msg})",
                              hint="hubble observe -o json writes one object per line") from None
        if not isinstance(doc, dict):
            raise HubbleError(f"{path}:{n}: expected a JSON object, got {show(doc)}")
        flow = doc.get("flow", doc)
        if not isinstance(flow, dict):
            raise HubbleError(f"{path}:{n}: 'flow' is not an object")
        _one(flow, f"{name}:{n}", cluster, workloads, out)
    return _merged(out)


def _merged(out: HubbleFlows) -> HubbleFlows:
    """One flow per (source, destination), its ports the union of the observed ones."""
    by_pair: dict[tuple[str, str], IntentFlow] = {}
    for f in out.flows:
        got = by_pair.get((f.src, f.dst))
        by_pair[(f.src, f.dst)] = f if got is None else IntentFlow(
            src=f.src, dst=f.dst, ports=got.ports.union(f.ports), origin=got.origin)
    out.flows = list(by_pair.values())
    return out
