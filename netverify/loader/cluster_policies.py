"""Validate and normalise the cluster-wide policy tiers and Nodes.

AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1,
network-policy-api v0.1.7) and ClusterNetworkPolicy (v1alpha2).  Validation follows
the CRDs (OpenAPI markers and CEL rules of the experimental channel, which holds
every field): what the API server would reject, netverify rejects with the field,
rather than guess what it would mean.  One exception, from the spec itself: a peer
whose only field this version does not know was written for a newer CRD, and the
spec asks implementations to *fail closed* with it (an Accept rule matches nothing,
Deny and Pass match everything), so it is read as such, with a warning.
"""

from __future__ import annotations

import re
from typing import Any

from netverify.cluster_policies import (
    Action,
    ClusterPolicy,
    Node,
    PeerKind,
    Tier,
    TierPeer,
    TierPort,
    TierRule,
)
from netverify.ipblocks import Address, ipblock_set, parse_address, parse_network
from netverify.loader.documents import RawObject
from netverify.loader.policies import FieldContext, valid_port_name
from netverify.model import Direction
from netverify.ports import MAX_PORT, MIN_PORT, Protocol
from netverify.selectors import MATCH_ALL, LabelSelector, parse_selector
from netverify.source import SourceRef

V1ALPHA1 = "policy.networking.k8s.io/v1alpha1"
V1ALPHA2 = "policy.networking.k8s.io/v1alpha2"
TIER_VERSIONS = {
    "AdminNetworkPolicy": {V1ALPHA1},
    "BaselineAdminNetworkPolicy": {V1ALPHA1},
    "ClusterNetworkPolicy": {V1ALPHA2},
}
BANP_NAME = "default"

# network-policy-api DomainName pattern: whole labels, '*' only as a first label.
_DOMAIN = re.compile(
    r"^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$")
_PEER_FIELDS = {
    Direction.INGRESS: ("namespaces", "pods"),
    Direction.EGRESS: ("namespaces", "pods", "nodes", "networks", "domainNames"),
}
# Fields of the other direction: written in the wrong place, not for a newer CRD.
_ALL_PEER_FIELDS = frozenset(_PEER_FIELDS[Direction.EGRESS])


class _Limits:
    """What differs between the API versions, beyond the field names."""

    def __init__(self, kind: str) -> None:
        self.v2 = kind == "ClusterNetworkPolicy"
        self.rules = 25 if self.v2 else 100
        self.peers = 25 if self.v2 else 100
        self.ports = 25 if self.v2 else 100
        self.banp = kind == "BaselineAdminNetworkPolicy"
        if self.v2:
            self.actions = {"Accept": Action.ACCEPT, "Deny": Action.DENY, "Pass": Action.PASS}
        elif self.banp:
            self.actions = {"Allow": Action.ACCEPT, "Deny": Action.DENY}
        else:
            self.actions = {"Allow": Action.ACCEPT, "Deny": Action.DENY, "Pass": Action.PASS}
        # BANP peers have no domainNames (NPEP-133: only the Admin tier of v1alpha1).
        self.egress_peers = (_PEER_FIELDS[Direction.EGRESS] if not self.banp
                             else ("namespaces", "pods", "nodes", "networks"))


def build_cluster_policy(raw: RawObject, src: SourceRef, warnings: list[str]) -> ClusterPolicy:
    """Validate one AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy.

    Raises:
        ManifestError: naming the field, for anything the CRD would reject.
    """
    kind = str(raw.data.get("kind"))
    ctx = FieldContext(raw, src)
    lim = _Limits(kind)
    name = src.name or ""
    spec = raw.data.get("spec")
    if not isinstance(spec, dict):
        raise ctx.error(["spec"], "is required and must be a mapping")
    known = {"subject", "ingress", "egress"} | ({"priority"} if not lim.banp else set()) | (
        {"tier"} if lim.v2 else set())
    _no_unknown(ctx, spec, ["spec"], known)
    if lim.banp and name != BANP_NAME:
        raise ctx.error(["metadata", "name"],
                        f"a BaselineAdminNetworkPolicy must be named {BANP_NAME!r}, not {name!r}",
                        hint="it is a singleton: only one baseline admin network policy is "
                             "supported")
    if lim.v2:
        tier_raw = spec.get("tier")
        if tier_raw not in ("Admin", "Baseline"):
            raise ctx.error(["spec", "tier"],
                            "is required" if tier_raw is None else f"unknown tier {tier_raw!r}",
                            hint="Admin or Baseline (case-sensitive)")
        tier = Tier(tier_raw)
    else:
        tier = Tier.BASELINE if lim.banp else Tier.ADMIN
    priority: int | None = None
    if not lim.banp:
        p = spec.get("priority")
        if p is None:
            raise ctx.error(["spec", "priority"], "is required (0-1000, lower first)")
        if isinstance(p, bool) or not isinstance(p, int):
            raise ctx.error(["spec", "priority"], f"{_short(p)} is not a number")
        if not 0 <= p <= 1000:
            raise ctx.error(["spec", "priority"], f"{p} is out of range 0-1000")
        priority = p
    ns_sel, pod_sel = _subject(ctx, spec.get("subject"), lim)
    ingress = _rules(ctx, spec, Direction.INGRESS, lim, warnings)
    egress = _rules(ctx, spec, Direction.EGRESS, lim, warnings)
    return ClusterPolicy(kind=kind, api_version=str(raw.data.get("apiVersion")), name=name,
                         tier=tier, priority=priority, subject_namespaces=ns_sel,
                         subject_pods=pod_sel, ingress=ingress, egress=egress, source=src)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _no_unknown(ctx: FieldContext, obj: dict[str, Any], path: list[str | int],
                known: set[str]) -> None:
    unknown = sorted(str(k) for k in obj if k not in known)
    if unknown:
        raise ctx.error(path, f"unknown field(s) {', '.join(repr(u) for u in unknown)}",
                        hint=f"expected {', '.join(sorted(known))}")


def _selector(ctx: FieldContext, raw: Any, path: list[str | int]) -> LabelSelector:
    if not isinstance(raw, dict):
        raise ctx.error(path, "must be a label selector mapping ({} selects everything)")
    return parse_selector(raw, source=None, field=_text(path), locate=ctx.locate)


def _text(path: list[str | int]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def _one_field(ctx: FieldContext, raw: Any, path: list[str | int], what: str) -> str:
    """The single field a one-of struct sets (MinProperties=1, MaxProperties=1)."""
    if not isinstance(raw, dict):
        raise ctx.error(path, f"must be a mapping ({what})")
    present = [str(k) for k, v in raw.items() if v is not None]
    if len(present) != 1:
        raise ctx.error(path, f"exactly one field must be set ({what}); "
                        f"{'none is' if not present else ', '.join(present) + ' are'} set")
    return present[0]


def _subject(ctx: FieldContext, raw: Any, lim: _Limits
             ) -> tuple[LabelSelector, LabelSelector | None]:
    path: list[str | int] = ["spec", "subject"]
    if raw is None:
        raise ctx.error(path, "is required (namespaces or pods)")
    which = _one_field(ctx, raw, path, "namespaces or pods")
    if which == "namespaces":
        return _selector(ctx, raw["namespaces"], [*path, "namespaces"]), None
    if which == "pods":
        ns, pods = _namespaced_pod(ctx, raw["pods"], [*path, "pods"], lim)
        return (ns if ns is not None else MATCH_ALL), pods
    raise ctx.error([*path, which], "unknown subject field", hint="namespaces or pods")


def _namespaced_pod(ctx: FieldContext, raw: Any, path: list[str | int], lim: _Limits
                    ) -> tuple[LabelSelector | None, LabelSelector]:
    if not isinstance(raw, dict):
        raise ctx.error(path, "must be a mapping with namespaceSelector and podSelector")
    _no_unknown(ctx, raw, path, {"namespaceSelector", "podSelector"})
    if raw.get("podSelector") is None:
        raise ctx.error([*path, "podSelector"], "is required ({} selects every pod)")
    ns: LabelSelector | None = None
    if raw.get("namespaceSelector") is None:
        if not lim.v2:  # v1alpha1 NamespacedPod has no +optional on namespaceSelector
            raise ctx.error([*path, "namespaceSelector"],
                            "is required ({} selects every namespace)")
    else:
        ns = _selector(ctx, raw["namespaceSelector"], [*path, "namespaceSelector"])
    return ns, _selector(ctx, raw["podSelector"], [*path, "podSelector"])


def _list(ctx: FieldContext, raw: Any, path: list[str | int], lo: int, hi: int,
          what: str) -> list[Any]:
    if not isinstance(raw, list):
        raise ctx.error(path, f"must be a list of {what}")
    if len(raw) < lo:
        raise ctx.error(path, f"must hold at least {lo} {what}")
    if len(raw) > hi:
        raise ctx.error(path, f"holds {len(raw)} {what}; at most {hi} are allowed")
    return raw


def _rules(ctx: FieldContext, spec: dict[str, Any], direction: Direction, lim: _Limits,
           warnings: list[str]) -> tuple[TierRule, ...]:
    key = direction.field
    raw = spec.get(key)
    if raw is None:
        return ()
    rules = _list(ctx, raw, ["spec", key], 0, lim.rules, "rules")
    out: list[TierRule] = []
    peers_key = direction.peers_field
    ports_key = "protocols" if lim.v2 else "ports"
    for i, r in enumerate(rules):
        path: list[str | int] = ["spec", key, i]
        if not isinstance(r, dict):
            raise ctx.error(path, "must be a mapping (a rule)")
        _no_unknown(ctx, r, path, {"name", "action", peers_key, ports_key})
        name = r.get("name", "")
        if not isinstance(name, str):
            raise ctx.error([*path, "name"], f"{_short(name)} is not a string")
        if len(name) > 100:
            raise ctx.error([*path, "name"], f"is {len(name)} characters long; at most 100")
        written = r.get("action")
        if written not in lim.actions:
            raise ctx.error([*path, "action"],
                            "is required" if written is None else
                            f"unknown action {_short(written)}",
                            hint=f"one of {', '.join(lim.actions)} (case-sensitive)")
        if peers_key not in r or r[peers_key] is None:
            raise ctx.error([*path, peers_key], "is required (at least one peer)")
        peers_raw = _list(ctx, r[peers_key], [*path, peers_key], 1, lim.peers, "peers")
        peers = tuple(_peer(ctx, p, [*path, peers_key, j], j, direction, lim, warnings)
                      for j, p in enumerate(peers_raw))
        ports: tuple[TierPort, ...] | None = None
        if r.get(ports_key) is not None:
            ports_raw = _list(ctx, r[ports_key], [*path, ports_key], 1, lim.ports,
                              "port entries")
            ports = tuple(_port(ctx, p, [*path, ports_key, j], j, lim, warnings)
                          for j, p in enumerate(ports_raw))
        if ports and any(p.name is not None for p in ports) and any(
                p.kind in (PeerKind.NETWORKS, PeerKind.NODES, PeerKind.DOMAIN_NAMES)
                for p in peers):
            raise ctx.error(path, "a named port cannot be used with networks, nodes or "
                            "domainNames peers (they have no named ports)")
        action = lim.actions[written]
        if action is not Action.ACCEPT and any(p.kind is PeerKind.DOMAIN_NAMES for p in peers):
            warnings.append(
                f"{ctx.ref(path).describe()}: domainNames are only supported in "
                f"{'Accept' if lim.v2 else 'Allow'} rules; what an implementation does with "
                "this rule is not specified, so answers it decides are undecided")
        out.append(TierRule(direction=direction, index=i, name=name, action=action,
                            written_action=written, peers=peers, ports=ports,
                            source=ctx.ref(path)))
    return tuple(out)


def _peer(ctx: FieldContext, raw: Any, path: list[str | int], index: int,
          direction: Direction, lim: _Limits, warnings: list[str]) -> TierPeer:
    if not isinstance(raw, dict):
        raise ctx.error(path, "must be a mapping (a peer)")
    allowed = _PEER_FIELDS[Direction.INGRESS] if direction is Direction.INGRESS \
        else lim.egress_peers
    present = [str(k) for k, v in raw.items() if v is not None]
    known = [k for k in present if k in allowed]
    misplaced = [k for k in present if k not in allowed and k in _ALL_PEER_FIELDS]
    src = ctx.ref(path)
    if misplaced:
        raise ctx.error(path, f"{', '.join(misplaced)} is not a peer type of "
                        f"{'this policy kind' if direction is Direction.EGRESS else 'ingress'}",
                        hint=f"{direction.field} peers are {', '.join(allowed)}")
    if not present:
        raise ctx.error(path, "exactly one field must be set for a peer; none is",
                        hint=", ".join(allowed))
    if len(known) > 1 or (known and len(present) > 1):
        raise ctx.error(path, f"exactly one field must be set for a peer; "
                        f"{', '.join(present)} are set")
    if not known:
        warnings.append(
            f"{src.describe()}: peer field(s) {', '.join(present)} are unknown to "
            f"{ctx.raw.data.get('apiVersion')}; as the spec asks, the peer fails closed "
            "(an Accept rule matches nothing with it, Deny and Pass rules match everything)")
        return TierPeer(index=index, kind=PeerKind.UNKNOWN, unknown_fields=tuple(present),
                        source=src)
    which = known[0]
    fpath = [*path, which]
    value = raw[which]
    if which == "namespaces":
        return TierPeer(index=index, kind=PeerKind.NAMESPACES,
                        namespace_selector=_selector(ctx, value, fpath), source=src)
    if which == "pods":
        ns, pods = _namespaced_pod(ctx, value, fpath, lim)
        return TierPeer(index=index, kind=PeerKind.PODS, namespace_selector=ns,
                        pod_selector=pods, source=src)
    if which == "nodes":
        return TierPeer(index=index, kind=PeerKind.NODES,
                        node_selector=_selector(ctx, value, fpath), source=src)
    if which == "networks":
        cidrs = _list(ctx, value, fpath, 1, 25, "CIDRs")
        sets = []
        for k, c in enumerate(cidrs):
            if not isinstance(c, str) or len(c) > 43 or "/" not in c:
                raise ctx.error([*fpath, k], f"{_short(c)} is not a CIDR",
                                hint="for example 10.0.0.0/8 or 2001:db8::/32")
            try:
                family, interval = parse_network(c)
            except ValueError:
                raise ctx.error([*fpath, k], f"{_short(c)} is not a CIDR") from None
            sets.append(ipblock_set(family, interval, ()))
        return TierPeer(index=index, kind=PeerKind.NETWORKS, networks=tuple(cidrs),
                        addresses=tuple(sets), source=src)
    names = _list(ctx, value, fpath, 1, 25, "domain names")
    for k, d in enumerate(names):
        if not isinstance(d, str) or not _DOMAIN.match(d):
            raise ctx.error([*fpath, k], f"{_short(d)} is not a domain name",
                            hint="whole labels; '*.' only as a prefix (*.example.com)")
    return TierPeer(index=index, kind=PeerKind.DOMAIN_NAMES, domain_names=tuple(names),
                    source=src)


def _port_number(ctx: FieldContext, value: Any, path: list[str | int]) -> int:
    if value is None:
        raise ctx.error(path, "is required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ctx.error(path, f"{_short(value)} is not a port number")
    if not MIN_PORT <= value <= MAX_PORT:
        raise ctx.error(path, f"{value} is out of range 1-65535")
    return value


def _protocol(ctx: FieldContext, raw: dict[str, Any], path: list[str | int]) -> Protocol:
    value = raw.get("protocol")
    if value is None:
        return Protocol.TCP  # +kubebuilder:default=TCP
    try:
        return Protocol(value)
    except ValueError:
        raise ctx.error([*path, "protocol"], f"unsupported protocol {_short(value)}",
                        hint="TCP, UDP or SCTP (upper case)") from None


def _port(ctx: FieldContext, raw: Any, path: list[str | int], index: int,
          lim: _Limits, warnings: list[str]) -> TierPort:
    if lim.v2:
        which = _one_field(ctx, raw, path, "tcp, udp, sctp or destinationNamedPort")
        fpath = [*path, which]
        if which == "destinationNamedPort":
            return _named(ctx, raw[which], fpath, index, which)
        protocols = {"tcp": Protocol.TCP, "udp": Protocol.UDP, "sctp": Protocol.SCTP}
        if which not in protocols:
            raise ctx.error(fpath, "unknown protocol field",
                            hint="tcp, udp, sctp or destinationNamedPort")
        body = raw[which]
        if not isinstance(body, dict) or body.get("destinationPort") is None:
            raise ctx.error(fpath, "must set destinationPort",
                            hint="for every port of the protocol, use range 1-65535")
        _no_unknown(ctx, body, fpath, {"destinationPort"})
        dpath = [*fpath, "destinationPort"]
        form = _one_field(ctx, body["destinationPort"], dpath, "number or range")
        if form == "number":
            n = _port_number(ctx, body["destinationPort"]["number"], [*dpath, "number"])
            return TierPort(index=index, protocol=protocols[which], start=n, end=n,
                            field=_text(fpath))
        if form != "range":
            raise ctx.error([*dpath, form], "unknown field", hint="number or range")
        rng = body["destinationPort"]["range"]
        rpath = [*dpath, "range"]
        if not isinstance(rng, dict):
            raise ctx.error(rpath, "must be a mapping with start and end")
        _no_unknown(ctx, rng, rpath, {"start", "end"})
        start = _port_number(ctx, rng.get("start"), [*rpath, "start"])
        end = _port_number(ctx, rng.get("end"), [*rpath, "end"])
        if not start < end:
            raise ctx.error(rpath, f"start {start} must be less than end {end}",
                            hint="for one port, use number")
        return TierPort(index=index, protocol=protocols[which], start=start, end=end,
                        field=_text(fpath))
    which = _one_field(ctx, raw, path, "portNumber, portRange or namedPort")
    fpath = [*path, which]
    body = raw[which]
    if which == "namedPort":
        return _named(ctx, body, fpath, index, which)
    if which not in ("portNumber", "portRange"):
        raise ctx.error(fpath, "unknown field", hint="portNumber, portRange or namedPort")
    if not isinstance(body, dict):
        raise ctx.error(fpath, "must be a mapping")
    if which == "portNumber":
        _no_unknown(ctx, body, fpath, {"protocol", "port"})
        n = _port_number(ctx, body.get("port"), [*fpath, "port"])
        return TierPort(index=index, protocol=_protocol(ctx, body, fpath), start=n, end=n,
                        field=_text(fpath))
    _no_unknown(ctx, body, fpath, {"protocol", "start", "end"})
    start = _port_number(ctx, body.get("start"), [*fpath, "start"])
    end = _port_number(ctx, body.get("end"), [*fpath, "end"])
    if start > end:
        # v0.1.7 documents start < end but no validation enforces it: the API server
        # accepts the object and the spec gives it no meaning, so the engines answer
        # "undecided" where the rule would decide.
        warnings.append(f"{ctx.ref(fpath).describe()}: portRange start {start} is above end "
                        f"{end}; the API accepts it but gives it no meaning")
    return TierPort(index=index, protocol=_protocol(ctx, body, fpath), start=start, end=end,
                    field=_text(fpath))


def _named(ctx: FieldContext, value: Any, path: list[str | int], index: int,
           field: str) -> TierPort:
    if not isinstance(value, str) or not valid_port_name(value):
        raise ctx.error(path, f"{_short(value)} is not a valid port name",
                        hint="at most 15 lowercase letters, digits and '-', with a letter")
    return TierPort(index=index, protocol=None, name=value, field=_text(path))


def build_node(raw: RawObject, src: SourceRef, labels: dict[str, str]) -> Node:
    """A Node's name, labels and ``status.addresses`` (what ``nodes`` peers match)."""
    ctx = FieldContext(raw, src)
    status = raw.data.get("status")
    addresses: list[Address] = []
    external: list[Address] = []
    if status is not None:
        if not isinstance(status, dict):
            raise ctx.error(["status"], "must be a mapping")
        entries = status.get("addresses")
        if entries is not None:
            if not isinstance(entries, list):
                raise ctx.error(["status", "addresses"], "must be a list")
            for i, e in enumerate(entries):
                if not isinstance(e, dict):
                    raise ctx.error(["status", "addresses", i], "must be a mapping")
                if e.get("type") not in ("InternalIP", "ExternalIP"):
                    continue  # Hostname, InternalDNS, ExternalDNS: names, not addresses
                text = e.get("address")
                if not isinstance(text, str):
                    raise ctx.error(["status", "addresses", i, "address"],
                                    f"{_short(text)} is not an IP address")
                try:
                    addresses.append(parse_address(text))
                except ValueError:
                    raise ctx.error(["status", "addresses", i, "address"],
                                    f"{_short(text)} is not an IP address") from None
                if e.get("type") == "ExternalIP":
                    external.append(addresses[-1])
    return Node(name=src.name or "", labels=labels, addresses=tuple(addresses),
                external=tuple(external), source=src)

