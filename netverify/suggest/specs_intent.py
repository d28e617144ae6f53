"""Assertion specs as intent: every ``expect: allow`` passes, every ``expect: deny`` stays denied.

The base is today's connectivity among the existing workloads (``--lock-current``): what
the specs do not speak about keeps working.  On top of it each ``expect: allow``
becomes flows between the workloads (or the address range) its ends name today, on its
ports (DNS: UDP and TCP 53), and each ``expect: deny`` takes its ports out of today's
flows between the workloads its ends name.  Ends are read exactly as ``check`` reads them
(``queries.check``), so the spec means the same thing in both commands.  The proof then
runs ``check`` itself on the result: a spec that still fails (a ``scope: any`` promise
over pods that could exist, a deny that kept policies make true) is reported, never
hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from netverify.errors import NetverifyError
from netverify.model import Cluster
from netverify.ports import PortSet, Protocol
from netverify.queries.check import assertion_sides
from netverify.results import IntentFlow
from netverify.specs import load_spec
from netverify.verdicts import Expect


@dataclass(slots=True)
class SpecIntent:
    """Flows the specs add, ports they take away per workload pair, and what was not read."""

    flows: list[IntentFlow] = field(default_factory=list)
    denied: dict[tuple[str, str], PortSet] = field(default_factory=dict)
    # expect: deny from an address range: (cidr, destination workload, ports)
    denied_external: list[tuple[str, str, PortSet]] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)


def _ports(probes: list[tuple[Protocol | None, int | None, str | None]],
           dst_pods: Sequence[object]) -> PortSet:
    out = PortSet.empty()
    for proto, number, name in probes:
        if name is not None:
            for p in dst_pods:
                for n in p.named_port(name, proto or Protocol.TCP):  # type: ignore[attr-defined]
                    out = out.union(PortSet.of(proto or Protocol.TCP, n))
        elif number is not None:
            out = out.union(PortSet.of(proto or Protocol.TCP, number))
        elif proto is not None:
            out = out.union(PortSet.of(proto, 1, 65535))
        else:
            return PortSet.all()
    return out


def spec_intent(paths: Sequence[str], cluster: Cluster) -> SpecIntent:
    """The flows and denials of every assertion of the spec files.

    Raises:
        SpecError: for an invalid spec file.
    """
    out = SpecIntent()
    for path in paths:
        spec = load_spec(path)
        for a in spec.assertions:
            where = f"{path}: {a.name}"
            try:
                src, dst, probes = assertion_sides(cluster, a)
            except NetverifyError as e:
                out.unmet.append(f"{where}: {e}")
                continue
            ports = _ports(probes, dst.pods)
            groups_src = sorted({p.group for p in src.pods})
            groups_dst = sorted({p.group for p in dst.pods})
            if a.expect is Expect.ALLOW:
                if not groups_dst:
                    out.unmet.append(f"{where}: the destination names no pod of the input; no "
                                     "NetworkPolicy can admit traffic to it")
                    continue
                cidr = src.cidr or (a.src if isinstance(a.src, str) and src.external else None)
                ends = groups_src or ([f"cidr:{cidr}"] if cidr else [])
                if not ends:
                    out.unmet.append(f"{where}: the source names no pod or address range a "
                                     "NetworkPolicy can name")
                    continue
                out.flows += [IntentFlow(src=s, dst=d, ports=ports, origin=where)
                              for s in ends for d in groups_dst]
            else:
                cidr = src.cidr or (a.src if isinstance(a.src, str) and src.external else None)
                if not groups_src and cidr:
                    out.denied_external += [(cidr, d, ports) for d in groups_dst]
                for s in groups_src:
                    for d in groups_dst:
                        got = out.denied.get((s, d))
                        out.denied[(s, d)] = ports if got is None else got.union(ports)
    return out
