"""Validate and normalize networking.k8s.io/v1 NetworkPolicy objects.

Validation follows the API server (``pkg/apis/networking/validation``): a bad
policy is rejected there, so netverify rejects it too rather than guess what it
would mean.  Defaults follow ``SetDefaults_NetworkPolicy``: with no
``policyTypes``, a policy is of type Ingress, plus Egress when it has at least
one egress rule; a port's protocol defaults to TCP.
"""

from __future__ import annotations

import re
from typing import Any

from netverify.errors import ManifestError
from netverify.ipblocks import ipblock_set, parse_network
from netverify.loader.documents import RawObject
from netverify.loader.fields import type_name
from netverify.model import (
    DEFAULT_NAMESPACE,
    Direction,
    IPBlock,
    NetworkPolicy,
    Peer,
    PortSpec,
    Rule,
)
from netverify.ports import MAX_PORT, MIN_PORT, Protocol
from netverify.selectors import parse_selector
from netverify.source import SourceRef

NETWORK_POLICY_VERSIONS = {"networking.k8s.io/v1": None, "extensions/v1beta1": "deprecated"}

# IANA service name: at most 15 chars, lowercase alphanumerics and '-', at least one letter,
# no leading/trailing or double hyphen.
_PORT_NAME_RE = re.compile(r"^(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-)){0,14}(?<!-)$")


def valid_port_name(name: str) -> bool:
    """Return whether ``name`` is a valid named port (IANA_SVC_NAME)."""
    return len(name) <= 15 and bool(_PORT_NAME_RE.match(name))


class FieldContext:
    """Carries the object and its source so every error names file, document and field.

    Shared by the loaders of every kind whose fields are cited by line (policies, routes).
    """

    def __init__(self, raw: RawObject, src: SourceRef) -> None:
        self.raw = raw
        self.src = src

    def locate(self, field: str) -> SourceRef:
        """Source of a dotted field path such as ``spec.podSelector.matchExpressions[0]``."""
        path: list[str | int] = []
        for part in re.findall(r"[^.\[\]]+|\[\d+\]", field):
            path.append(int(part[1:-1]) if part.startswith("[") else part)
        return self.ref(path)

    def ref(self, path: list[str | int]) -> SourceRef:
        """Source of a field path given as its parts, with the line the YAML had it on."""
        return self.src.at(_path_text(path), self.raw.line_of(path))

    def error(self, path: list[str | int], message: str, hint: str | None = None) -> ManifestError:
        """An error at ``path``, located by line and column."""
        text = _path_text(path)
        line, column = self.raw.position_of(path)
        return ManifestError(message, source=self.src.at(text, line, column), field=text,
                             hint=hint)


def _path_text(path: list[str | int]) -> str:
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else step
    return out


def build_network_policy(raw: RawObject, src: SourceRef) -> NetworkPolicy:
    """Validate one NetworkPolicy and return its normalized form.

    Raises:
        ManifestError: naming the field, for anything the API server would reject.
    """
    ctx = FieldContext(raw, src)
    data = raw.data
    namespace = src.namespace or DEFAULT_NAMESPACE
    name = src.name or ""
    spec = data.get("spec")
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise ctx.error(["spec"], "must be a mapping")
    _no_unknown(ctx, spec, ["spec"], {"podSelector", "policyTypes", "ingress", "egress"})
    pod_selector = parse_selector(spec.get("podSelector"), source=None,
                                  field="spec.podSelector", locate=ctx.locate)

    ingress = _rules(ctx, spec, Direction.INGRESS)
    egress = _rules(ctx, spec, Direction.EGRESS)

    types_raw = spec.get("policyTypes")
    types: set[Direction] = set()
    if types_raw is not None:
        if not isinstance(types_raw, list):
            raise ctx.error(["spec", "policyTypes"], "must be a list of Ingress and/or Egress")
        for i, t in enumerate(types_raw):
            try:
                types.add(Direction(t))
            except ValueError:
                raise ctx.error(["spec", "policyTypes", i], f"unknown policy type {t!r}",
                                hint="Ingress or Egress (case-sensitive)") from None
    given = bool(types)
    if not given:
        types = {Direction.INGRESS}
        if egress:
            types.add(Direction.EGRESS)

    return NetworkPolicy(
        namespace=namespace,
        name=name,
        pod_selector=pod_selector,
        policy_types=frozenset(types),
        ingress=ingress,
        egress=egress,
        types_given=given,
        source=src,
    )


def _no_unknown(ctx: FieldContext, obj: dict[str, Any], path: list[str | int],
                known: set[str]) -> None:
    unknown = sorted(str(k) for k in obj if k not in known)
    if unknown:
        raise ctx.error(
            path, f"unknown field(s) {', '.join(repr(u) for u in unknown)}",
            hint=f"expected {', '.join(sorted(known))}; a misspelt field could silently "
                 "change what the policy allows",
        )


def _rules(ctx: FieldContext, spec: dict[str, Any], direction: Direction) -> tuple[Rule, ...]:
    field = direction.field
    raw = spec.get(field)
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ctx.error(["spec", field], "must be a list of rules")
    rules = []
    for i, r in enumerate(raw):
        path: list[str | int] = ["spec", field, i]
        if r is None:
            r = {}
        if not isinstance(r, dict):
            raise ctx.error(path, "must be a mapping (a rule)")
        pf = direction.peers_field
        _no_unknown(ctx, r, path, {pf, "ports"})
        peers_raw = r.get(pf)
        peers: tuple[Peer, ...] | None
        if peers_raw is None or peers_raw == []:
            peers = None
        else:
            if not isinstance(peers_raw, list):
                raise ctx.error([*path, pf], "must be a list of peers")
            peers = tuple(_peer(ctx, p, [*path, pf, j], j) for j, p in enumerate(peers_raw))
        ports_raw = r.get("ports")
        ports: tuple[PortSpec, ...] | None
        if ports_raw is None or ports_raw == []:
            ports = None
        else:
            if not isinstance(ports_raw, list):
                raise ctx.error([*path, "ports"], "must be a list")
            ports = tuple(_port(ctx, p, [*path, "ports", j], j) for j, p in enumerate(ports_raw))
        rules.append(Rule(direction=direction, index=i, peers=peers, ports=ports,
                          source=ctx.ref(path)))
    return tuple(rules)


def _peer(ctx: FieldContext, raw: Any, path: list[str | int], index: int) -> Peer:
    if not isinstance(raw, dict):
        raise ctx.error(path, "must be a mapping with podSelector, namespaceSelector or ipBlock")
    _no_unknown(ctx, raw, path, {"podSelector", "namespaceSelector", "ipBlock"})
    # The API server treats an explicit null like an absent field.
    raw = {k: v for k, v in raw.items() if v is not None}
    present = [k for k in ("podSelector", "namespaceSelector", "ipBlock") if k in raw]
    if not present:
        raise ctx.error(path, "must specify a peer (podSelector, namespaceSelector or ipBlock)",
                        hint="to allow every peer, leave out the whole from/to list")
    if "ipBlock" in raw and len(present) > 1:
        raise ctx.error(path, "ipBlock may not be combined with podSelector or namespaceSelector",
                        hint="use two peers in the list to allow either")
    src = ctx.ref(path)
    if "ipBlock" in raw:
        return Peer(index=index, ip_block=_ip_block(ctx, raw["ipBlock"], [*path, "ipBlock"]),
                    source=src)
    pod_sel = None
    ns_sel = None
    if "podSelector" in raw:
        pod_sel = parse_selector(raw["podSelector"], source=None,
                                 field=_path_text([*path, "podSelector"]), locate=ctx.locate)
    if "namespaceSelector" in raw:
        ns_sel = parse_selector(raw["namespaceSelector"], source=None,
                                field=_path_text([*path, "namespaceSelector"]),
                                locate=ctx.locate)
    return Peer(index=index, pod_selector=pod_sel, namespace_selector=ns_sel, source=src)


def _ip_block(ctx: FieldContext, raw: Any, path: list[str | int]) -> IPBlock:
    if not isinstance(raw, dict):
        raise ctx.error(path, "must be a mapping with cidr and optional except")
    _no_unknown(ctx, raw, path, {"cidr", "except"})
    cidr = raw.get("cidr")
    if not isinstance(cidr, str) or not cidr:
        raise ctx.error([*path, "cidr"], "is required and must be a CIDR such as 10.0.0.0/8")
    try:
        family, interval = parse_network(cidr)
    except ValueError:
        raise ctx.error([*path, "cidr"], f"{cidr!r} is not a valid CIDR") from None
    if "/" not in cidr:
        raise ctx.error([*path, "cidr"], f"{cidr!r} is an address, not a CIDR",
                        hint=f"write {cidr}/{32 if family == 4 else 128}")
    ex_raw = raw.get("except")
    if ex_raw is None:  # explicit null is no except; "" or false is a wrong type
        ex_raw = []
    if not isinstance(ex_raw, list):
        raise ctx.error([*path, "except"], f"must be a list of CIDRs, got {type_name(ex_raw)}")
    excepts = []
    for i, e in enumerate(ex_raw):
        epath = [*path, "except", i]
        if not isinstance(e, str):
            raise ctx.error(epath, f"{e!r} is not a valid CIDR")
        try:
            efam, eiv = parse_network(e)
        except ValueError:
            raise ctx.error(epath, f"{e!r} is not a valid CIDR") from None
        if efam != family or eiv[0] < interval[0] or eiv[1] > interval[1] or eiv == interval:
            raise ctx.error(epath, f"{e} is outside cidr {cidr}",
                            hint="each except must be a strict subset of cidr")
        excepts.append(eiv)
    return IPBlock(cidr=cidr, excepts=tuple(str(e) for e in ex_raw),
                   addresses=ipblock_set(family, interval, tuple(excepts)))


def _port(ctx: FieldContext, raw: Any, path: list[str | int], index: int) -> PortSpec:
    if not isinstance(raw, dict):
        raise ctx.error(path, "must be a mapping with protocol, port and optional endPort")
    _no_unknown(ctx, raw, path, {"protocol", "port", "endPort"})
    proto_raw = raw.get("protocol", "TCP")
    if proto_raw is None:
        proto_raw = "TCP"
    try:
        protocol = Protocol(proto_raw)
    except ValueError:
        raise ctx.error([*path, "protocol"], f"unsupported protocol {proto_raw!r}",
                        hint="TCP, UDP or SCTP (upper case)") from None
    port = _port_value(ctx, raw.get("port"), [*path, "port"])
    end_port = _end_port(ctx, raw.get("endPort"), port, [*path, "endPort"])
    return PortSpec(index=index, protocol=protocol, port=port, end_port=end_port,
                    source=ctx.ref(path))


def _port_value(ctx: FieldContext, port: object, path: list[str | int]) -> int | str | None:
    """``port``: a number in range or a valid name (a quoted number is neither)."""
    if isinstance(port, bool):
        raise ctx.error(path, f"{port!r} is not a port")
    if isinstance(port, int):
        if not MIN_PORT <= port <= MAX_PORT:
            raise ctx.error(path, f"{port} is out of range 1-65535")
        return port
    if isinstance(port, str):
        if port.isdigit():
            raise ctx.error(path, f"{port!r} is a quoted number, read as a port name",
                            hint=f"write port: {port} without quotes")
        if not valid_port_name(port):
            raise ctx.error(path, f"{port!r} is not a valid port name",
                            hint="at most 15 lowercase letters, digits and '-', "
                                 "with at least one letter")
        return port
    if port is not None:
        raise ctx.error(path, f"{port!r} is not a port number or name")
    return None


def _end_port(ctx: FieldContext, end_port: object, port: int | str | None,
              path: list[str | int]) -> int | None:
    """``endPort``: a number from ``port`` to 65535, only after a numbered ``port``."""
    if end_port is None:
        return None
    if isinstance(end_port, bool) or not isinstance(end_port, int):
        raise ctx.error(path, f"{end_port!r} is not a port number")
    if port is None:
        raise ctx.error(path, "endPort requires port")
    if isinstance(port, str):
        raise ctx.error(path, "endPort cannot be used with a named port",
                        hint=f"port {port!r} is a name; use numbers for a range")
    if end_port > MAX_PORT:
        raise ctx.error(path, f"{end_port} is out of range 1-65535")
    if end_port < port:
        raise ctx.error(path, f"{end_port} is below port {port}")
    return end_port
