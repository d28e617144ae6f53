"""Building blocks for generating the tier case files (tests/tiers/cases/*.yaml).

Nothing here imports netverify: the case files must stay an independent check.

* Kubernetes object helpers (Namespace, Pod, Node, Service, NetworkPolicy).
* A small policy DSL (``Pol``/``Rule`` + peers and ports) rendered either as
  v1alpha1 AdminNetworkPolicy/BaselineAdminNetworkPolicy or as v1alpha2
  ClusterNetworkPolicy, so one scenario can be written once for both versions.
* ``Evaluator``: a deliberately small reference evaluator of the upstream
  semantics, used only as a *consistency check* of the verdicts written by hand
  (and transcribed from the conformance tests).  The expected verdicts in the
  case files come from the specification, not from this evaluator; the
  generator refuses to write a file where the two disagree, unless the query is
  marked ``check=False`` with a reason.
* ``emit_file``: writes a case file in the agreed format, readable by humans
  (small objects on one line, policies in block style).
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any

import yaml

NPAPI = "https://github.com/kubernetes-sigs/network-policy-api/blob"
# v0.1.7: last release of v1alpha1 AdminNetworkPolicy/BaselineAdminNetworkPolicy.
V1_COMMIT = "0638d394d89ddb61dded975b502391a122fc762c"
# main at 2026-07-01 (after v0.2.0, which first released v1alpha2 ClusterNetworkPolicy).
V2_COMMIT = "0eec1b0e5fa92715b4c0f4c48d3c8d2913ed2159"
V2_RELEASE = "a17adecd0316b8ff1c3f83939ec0441d68cd6cce"  # tag v0.2.0


def url(commit: str, path: str, anchor: str = "") -> str:
    return f"{NPAPI}/{commit}/{path}" + (f"#{anchor}" if anchor else "")


def v1url(path: str, anchor: str = "") -> str:
    return url(V1_COMMIT, path, anchor)


def v2url(path: str, anchor: str = "") -> str:
    return url(V2_COMMIT, path, anchor)


# ---------------------------------------------------------------- Kubernetes objects


def namespace(name: str, labels: dict[str, str] | None = None) -> dict:
    md: dict[str, Any] = {"name": name}
    if labels:
        md["labels"] = dict(labels)
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": md}


def pod(
    ns: str,
    name: str,
    labels: dict[str, str] | None,
    ip: str | list[str],
    ports: list[tuple] | None = None,
    host_network: bool = False,
    node: str | None = None,
) -> dict:
    """ports: (name or None, containerPort, protocol)."""
    cports = []
    for pname, num, proto in ports or []:
        p: dict[str, Any] = {"containerPort": num}
        if pname:
            p["name"] = pname
        p["protocol"] = proto
        cports.append(p)
    container: dict[str, Any] = {
        "name": "c",
        "image": "registry.k8s.io/e2e-test-images/agnhost:2.45",
    }
    if cports:
        container["ports"] = cports
    spec: dict[str, Any] = {}
    if node:
        spec["nodeName"] = node
    if host_network:
        spec["hostNetwork"] = True
    spec["containers"] = [container]
    ips = [ip] if isinstance(ip, str) else list(ip)
    md: dict[str, Any] = {"name": name, "namespace": ns}
    if labels:
        md["labels"] = dict(labels)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": md,
        "spec": spec,
        "status": {"podIP": ips[0], "podIPs": [{"ip": i} for i in ips]},
    }


def node_obj(name: str, labels: dict[str, str], addresses: list[tuple[str, str]]) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": dict(labels)},
        "status": {"addresses": [{"type": t, "address": a} for t, a in addresses]},
    }


def service(
    ns: str, name: str, selector: dict[str, str], ports: list[tuple], cluster_ip: str
) -> dict:
    """ports: (port, targetPort, protocol)."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "selector": dict(selector),
            "clusterIP": cluster_ip,
            "ports": [{"port": p, "targetPort": t, "protocol": pr} for p, t, pr in ports],
        },
    }


def netpol(ns: str, name: str, spec: dict) -> dict:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def ml(**labels: str) -> dict:
    """matchLabels selector; keyword arguments cannot hold dots, so also see sel()."""
    return {"matchLabels": dict(labels)}


def sel(labels: dict[str, str] | None = None, exprs: list[dict] | None = None) -> dict:
    s: dict[str, Any] = {}
    if labels:
        s["matchLabels"] = dict(labels)
    if exprs:
        s["matchExpressions"] = list(exprs)
    return s


def ns_name(name: str) -> dict:
    return {"matchLabels": {"kubernetes.io/metadata.name": name}}


# ---------------------------------------------------------------- policy DSL


@dataclass
class Rule:
    name: str | None
    action: str  # "accept" | "deny" | "pass" (rendered Allow/Accept, Deny, Pass)
    peers: list[tuple]
    ports: list[tuple] | None = None


@dataclass
class Pol:
    name: str
    tier: str  # "admin" | "baseline"
    priority: int | None
    subject: tuple
    ingress: list[Rule] = field(default_factory=list)
    egress: list[Rule] = field(default_factory=list)


def R(
    action: str,
    peers: list[tuple] | tuple,
    ports: list[tuple] | tuple | None = None,
    name: str | None = None,
) -> Rule:
    if isinstance(peers, tuple):
        peers = [peers]
    if isinstance(ports, tuple):
        ports = [ports]
    return Rule(name, action, peers, ports)


# peers / subjects
def NS(selector: dict) -> tuple:
    return ("namespaces", selector)


def PODS(ns_selector: dict | None, pod_selector: dict) -> tuple:
    return ("pods", ns_selector, pod_selector)


def NETS(*cidrs: str) -> tuple:
    return ("networks", list(cidrs))


def NODES(selector: dict) -> tuple:
    return ("nodes", selector)


def DOMAINS(*names: str) -> tuple:
    return ("domainNames", list(names))


def RAWPEER(obj: dict) -> tuple:
    return ("raw", obj)


# ports
def PORT(proto: str, num: int) -> tuple:
    return ("num", proto, num)


def RANGE(proto: str, start: int, end: int) -> tuple:
    return ("range", proto, start, end)


def NAMED(name: str) -> tuple:
    return ("named", name)


ACTIONS = {
    1: {"accept": "Allow", "deny": "Deny", "pass": "Pass"},
    2: {"accept": "Accept", "deny": "Deny", "pass": "Pass"},
}


def _render_peer(p: tuple) -> dict:
    kind = p[0]
    if kind == "namespaces":
        return {"namespaces": p[1]}
    if kind == "pods":
        d: dict[str, Any] = {}
        if p[1] is not None:
            d["namespaceSelector"] = p[1]
        d["podSelector"] = p[2]
        return {"pods": d}
    if kind == "networks":
        return {"networks": list(p[1])}
    if kind == "nodes":
        return {"nodes": p[1]}
    if kind == "domainNames":
        return {"domainNames": list(p[1])}
    if kind == "raw":
        return p[1]
    raise ValueError(p)


def _render_ports(ports: list[tuple], version: int) -> tuple[str, list]:
    out = []
    for p in ports:
        if version == 1:
            if p[0] == "num":
                out.append({"portNumber": {"protocol": p[1], "port": p[2]}})
            elif p[0] == "range":
                out.append({"portRange": {"protocol": p[1], "start": p[2], "end": p[3]}})
            elif p[0] == "named":
                out.append({"namedPort": p[1]})
            elif p[0] == "raw":
                out.append(p[1])
            else:
                raise ValueError(p)
        else:
            if p[0] == "num":
                out.append({p[1].lower(): {"destinationPort": {"number": p[2]}}})
            elif p[0] == "range":
                out.append(
                    {p[1].lower(): {"destinationPort": {"range": {"start": p[2], "end": p[3]}}}}
                )
            elif p[0] == "named":
                out.append({"destinationNamedPort": p[1]})
            elif p[0] == "raw":
                out.append(p[1])
            else:
                raise ValueError(p)
    return ("ports" if version == 1 else "protocols"), out


def render(pol: Pol, version: int) -> dict:
    subj = pol.subject
    if subj[0] == "namespaces":
        subject: dict[str, Any] = {"namespaces": subj[1]}
    elif subj[0] == "pods":
        d: dict[str, Any] = {}
        if subj[1] is not None:
            d["namespaceSelector"] = subj[1]
        d["podSelector"] = subj[2]
        subject = {"pods": d}
    elif subj[0] == "raw":
        subject = subj[1]
    else:
        raise ValueError(subj)
    spec: dict[str, Any] = {}
    if version == 2:
        spec["tier"] = "Admin" if pol.tier == "admin" else "Baseline"
    if pol.priority is not None:
        spec["priority"] = pol.priority
    spec["subject"] = subject
    for direction, rules in (("ingress", pol.ingress), ("egress", pol.egress)):
        if not rules:
            continue
        out = []
        for r in rules:
            rd: dict[str, Any] = {}
            if r.name:
                rd["name"] = r.name
            rd["action"] = ACTIONS[version].get(r.action, r.action)
            rd["from" if direction == "ingress" else "to"] = [_render_peer(p) for p in r.peers]
            if r.ports is not None:
                key, ports = _render_ports(r.ports, version)
                rd[key] = ports
            out.append(rd)
        spec[direction] = out
    if version == 1:
        kind = "AdminNetworkPolicy" if pol.tier == "admin" else "BaselineAdminNetworkPolicy"
        api = "policy.networking.k8s.io/v1alpha1"
    else:
        kind, api = "ClusterNetworkPolicy", "policy.networking.k8s.io/v1alpha2"
    return {"apiVersion": api, "kind": kind, "metadata": {"name": pol.name}, "spec": spec}


# ---------------------------------------------------------------- queries


@dataclass
class Q:
    frm: str
    to: str
    port: int
    protocol: str = "TCP"
    verdict: str = "allowed"  # allowed | denied | undecided
    why: str | None = None
    by: Any = None  # decided_by: dict or list of dicts
    check: bool = True  # cross-check with the reference evaluator
    nocheck_reason: str | None = None

    def to_yaml(self) -> dict:
        d: dict[str, Any] = {
            "from": self.frm,
            "to": self.to,
            "port": self.port,
            "protocol": self.protocol,
            "verdict": self.verdict,
        }
        if self.why:
            d["why"] = self.why
        if self.by:
            d["decided_by"] = self.by
        return d


def allowed(frm, to, port, proto="TCP", why=None, by=None, **kw) -> Q:
    return Q(frm, to, port, proto, "allowed", why, by, **kw)


def denied(frm, to, port, proto="TCP", why=None, by=None, **kw) -> Q:
    return Q(frm, to, port, proto, "denied", why, by, **kw)


def undecided(frm, to, port, proto="TCP", why=None, by=None, **kw) -> Q:
    assert why, "undecided queries need a reason"
    return Q(frm, to, port, proto, "undecided", why, by, **kw)


def by(
    tier: str,
    policy: str | None = None,
    rule: str | None = None,
    action: str | None = None,
    direction: str | None = None,
) -> dict:
    d: dict[str, Any] = {"tier": tier}
    if policy:
        d["policy"] = policy
    if rule:
        d["rule"] = rule
    if action:
        d["action"] = action
    if direction:
        d["direction"] = direction
    return d


# ---------------------------------------------------------------- reference evaluator


def _match_selector(s: dict | None, labels: dict[str, str]) -> bool:
    if s is None:
        return False
    for k, v in (s.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in s.get("matchExpressions") or []:
        k, op, vals = e["key"], e["operator"], e.get("values") or []
        if op == "In" and labels.get(k) not in vals:
            return False
        if op == "NotIn" and k in labels and labels[k] in vals:
            return False
        if op == "Exists" and k not in labels:
            return False
        if op == "DoesNotExist" and k in labels:
            return False
    return True


@dataclass
class Ep:
    kind: str  # pod | ip
    ip: str
    ns: str | None = None
    name: str | None = None
    labels: dict = field(default_factory=dict)
    host_network: bool = False
    ports: list = field(default_factory=list)  # (name, num, proto)


class Undecidable(Exception):
    pass


class Evaluator:
    """Reference semantics, see the module docstring.  ``version`` is 1 or 2."""

    def __init__(self, manifests: list[dict], version: int):
        self.version = version
        self.ns_labels: dict[str, dict] = {}
        self.pods: dict[tuple[str, str], Ep] = {}
        self.nodes: list[tuple[dict, list[str]]] = []
        self.services: dict[tuple[str, str], dict] = {}
        self.nps: list[dict] = []
        self.admin: list[tuple[int, str, dict]] = []
        self.baseline: list[tuple[int, str, dict]] = []
        for m in manifests:
            k = m["kind"]
            md = m["metadata"]
            if k == "Namespace":
                lab = dict(md.get("labels") or {})
                lab["kubernetes.io/metadata.name"] = md["name"]
                self.ns_labels[md["name"]] = lab
            elif k == "Pod":
                ports = [
                    (p.get("name"), p["containerPort"], p.get("protocol", "TCP"))
                    for c in m["spec"]["containers"]
                    for p in c.get("ports") or []
                ]
                ip = m["status"]["podIPs"][0]["ip"]
                self.pods[(md["namespace"], md["name"])] = Ep(
                    "pod",
                    ip,
                    md["namespace"],
                    md["name"],
                    dict(md.get("labels") or {}),
                    bool(m["spec"].get("hostNetwork")),
                    ports,
                )
            elif k == "Node":
                self.nodes.append(
                    (dict(md.get("labels") or {}), [a["address"] for a in m["status"]["addresses"]])
                )
            elif k == "Service":
                self.services[(md["namespace"], md["name"])] = m["spec"]
            elif k == "NetworkPolicy":
                self.nps.append(m)
            elif k == "AdminNetworkPolicy":
                self.admin.append((m["spec"]["priority"], md["name"], m["spec"]))
            elif k == "BaselineAdminNetworkPolicy":
                if md["name"] == "default":
                    self.baseline.append((0, md["name"], m["spec"]))
            elif k == "ClusterNetworkPolicy":
                t = self.admin if m["spec"]["tier"] == "Admin" else self.baseline
                t.append((m["spec"]["priority"], md["name"], m["spec"]))
        for ns, _ in self.pods:
            self.ns_labels.setdefault(ns, {"kubernetes.io/metadata.name": ns})

    # -- endpoints
    def endpoint(self, s: str) -> tuple[list[tuple[Ep, int | None]], bool]:
        """Returns [(endpoint, targetPort override)], via_service."""
        if s.startswith("svc/"):
            _, ns, name = s.split("/")
            spec = self.services[(ns, name)]
            backs = [
                p
                for (pns, _), p in self.pods.items()
                if pns == ns and _match_selector({"matchLabels": spec["selector"]}, p.labels)
            ]
            return [(b, None) for b in backs], True
        if "/" in s and not s[0].isdigit() and ":" not in s:
            ns, name = s.split("/")
            return [(self.pods[(ns, name)], None)], False
        return [(Ep("ip", s), None)], False

    # -- peer matching
    def _peer_match(self, peer: dict, other: Ep, dns: bool) -> bool | None:
        """True/False; None for a peer with no known field (fail closed)."""
        if "namespaces" in peer:
            return (
                other.kind == "pod"
                and not other.host_network
                and _match_selector(peer["namespaces"], self.ns_labels[other.ns])
            )
        if "pods" in peer:
            p = peer["pods"]
            nssel = (
                p.get("namespaceSelector", {}) if self.version == 2 else p.get("namespaceSelector")
            )
            return (
                other.kind == "pod"
                and not other.host_network
                and _match_selector(nssel, self.ns_labels[other.ns])
                and _match_selector(p["podSelector"], other.labels)
            )
        if "networks" in peer:
            a = ipaddress.ip_address(other.ip)
            return any(
                a in ipaddress.ip_network(c, strict=False)
                for c in peer["networks"]
                if ipaddress.ip_network(c, strict=False).version == a.version
            )
        if "nodes" in peer:
            return any(
                _match_selector(peer["nodes"], lab) and other.ip in addrs
                for lab, addrs in self.nodes
            )
        if "domainNames" in peer:
            # Only addresses outside the cluster can be answers for an external name; the
            # spec leaves which ones to DNS: evaluate both ways.
            if (
                other.kind == "ip"
                and not any(other.ip in a for _, a in self.nodes)
                and not any(other.ip == p.ip for p in self.pods.values())
            ):
                return dns
            return False
        return None

    def _ports_match(self, rule: dict, dst: Ep, port: int, proto: str) -> bool:
        key = "ports" if self.version == 1 else "protocols"
        if key not in rule:
            return True
        for p in rule[key]:
            if self.version == 1:
                if "portNumber" in p:
                    pn = p["portNumber"]
                    if pn.get("protocol", "TCP") == proto and pn["port"] == port:
                        return True
                elif "portRange" in p:
                    pr = p["portRange"]
                    if pr.get("protocol", "TCP") == proto and pr["start"] <= port <= pr["end"]:
                        return True
                elif "namedPort" in p and self._named(dst, p["namedPort"], port, proto):
                    return True
            else:
                if "destinationNamedPort" in p:
                    if self._named(dst, p["destinationNamedPort"], port, proto):
                        return True
                    continue
                for pname in ("tcp", "udp", "sctp"):
                    if pname in p and pname.upper() == proto:
                        dp = p[pname].get("destinationPort")
                        if dp is None:
                            return True
                        if "number" in dp and dp["number"] == port:
                            return True
                        if "range" in dp and dp["range"]["start"] <= port <= dp["range"]["end"]:
                            return True
        return False

    @staticmethod
    def _named(dst: Ep, name: str, port: int, proto: str) -> bool:
        return (
            dst.kind == "pod"
            and not dst.host_network
            and any(n == name and num == port and pr == proto for n, num, pr in dst.ports)
        )

    def _selects(self, subject: dict, p: Ep) -> bool:
        if p.kind != "pod" or p.host_network:
            return False
        if "namespaces" in subject:
            return _match_selector(subject["namespaces"], self.ns_labels[p.ns])
        s = subject["pods"]
        nssel = s.get("namespaceSelector", {}) if self.version == 2 else s.get("namespaceSelector")
        return _match_selector(nssel, self.ns_labels[p.ns]) and _match_selector(
            s["podSelector"], p.labels
        )

    def _first_action(
        self,
        spec: dict,
        direction: str,
        subj: Ep,
        other: Ep,
        dst: Ep,
        port: int,
        proto: str,
        dns: bool,
    ) -> str | None:
        for rule in spec.get(direction) or []:
            action = rule["action"].lower()
            action = "accept" if action in ("allow", "accept") else action
            peers = rule["from" if direction == "ingress" else "to"]
            matched = False
            for peer in peers:
                m = self._peer_match(peer, other, dns)
                if m is None:  # fail closed
                    if action == "accept":
                        continue
                    return "deny"
                if m:
                    matched = True
                    break
            if matched and self._ports_match(rule, dst, port, proto):
                return action
        return None

    def _tier(self, pols, direction, subj, other, dst, port, proto, dns) -> set:
        groups: dict[int, list] = {}
        for prio, _name, spec in pols:
            groups.setdefault(prio, []).append(spec)
        for prio in sorted(groups):
            acts = set()
            for spec in groups[prio]:
                if not self._selects(spec["subject"], subj):
                    continue
                a = self._first_action(spec, direction, subj, other, dst, port, proto, dns)
                if a is not None:
                    acts.add(a)
            if acts:
                return acts
        return {None}

    def _np(self, direction: str, subj: Ep, other: Ep, dst: Ep, port: int, proto: str):
        """None if no NetworkPolicy isolates subj for this direction, else bool."""
        ptype = "Ingress" if direction == "ingress" else "Egress"
        isolated, ok = False, False
        for np in self.nps:
            if np["metadata"]["namespace"] != subj.ns:
                continue
            spec = np["spec"]
            if not _match_selector(spec.get("podSelector") or {}, subj.labels):
                continue
            types = spec.get("policyTypes") or (
                ["Ingress"] + (["Egress"] if spec.get("egress") else [])
            )
            if ptype not in types:
                continue
            isolated = True
            for rule in spec.get(direction) or []:
                peers = rule.get("from" if direction == "ingress" else "to")
                if peers and not any(self._np_peer(pe, other, subj.ns) for pe in peers):
                    continue
                ports = rule.get("ports")
                if ports and not any(self._np_port(pp, dst, port, proto) for pp in ports):
                    continue
                ok = True
        return ok if isolated else None

    def _np_peer(self, pe: dict, other: Ep, own_ns: str) -> bool:
        if "ipBlock" in pe:
            a = ipaddress.ip_address(other.ip)
            n = ipaddress.ip_network(pe["ipBlock"]["cidr"])
            if a.version != n.version or a not in n:
                return False
            return not any(a in ipaddress.ip_network(x) for x in pe["ipBlock"].get("except") or [])
        if other.kind != "pod" or other.host_network:
            return False
        if "namespaceSelector" in pe:
            if not _match_selector(pe["namespaceSelector"], self.ns_labels[other.ns]):
                return False
        elif other.ns != own_ns:
            return False
        if "podSelector" in pe:
            return _match_selector(pe["podSelector"], other.labels)
        return True

    def _np_port(self, pp: dict, dst: Ep, port: int, proto: str) -> bool:
        if pp.get("protocol", "TCP") != proto:
            return False
        if "port" not in pp:
            return True
        if isinstance(pp["port"], str):
            return self._named(dst, pp["port"], port, proto)
        return pp["port"] <= port <= pp.get("endPort", pp["port"])

    def _direction(self, direction, subj, other, dst, port, proto, dns) -> set:
        res: set = set()
        for a in self._tier(self.admin, direction, subj, other, dst, port, proto, dns):
            if a == "accept":
                res.add(True)
            elif a == "deny":
                res.add(False)
            else:
                np = self._np(direction, subj, other, dst, port, proto)
                if np is not None:
                    res.add(np)
                    continue
                for b in self._tier(self.baseline, direction, subj, other, dst, port, proto, dns):
                    res.add(b != "deny")
        return res

    def verdict(self, q: Q) -> str:
        srcs, _ = self.endpoint(q.frm)
        dsts, via_svc = self.endpoint(q.to)
        results = set()
        for dns in (False, True):
            for src, _ in srcs:
                for dst, _ in dsts:
                    port = q.port
                    if via_svc:
                        spec = self.services[tuple(q.to.split("/")[1:])]
                        for sp in spec["ports"]:
                            if sp["port"] == q.port and sp.get("protocol", "TCP") == q.protocol:
                                port = sp["targetPort"]
                    hairpin = (
                        src.kind == "pod"
                        and dst.kind == "pod"
                        and (src.ns, src.name) == (dst.ns, dst.name)
                        and not via_svc
                    )
                    if hairpin and self.version == 1:
                        results.add(None)
                        continue
                    eg = {True}
                    if src.kind == "pod" and not src.host_network and not hairpin:
                        eg = self._direction("egress", src, dst, dst, port, q.protocol, dns)
                    ing = {True}
                    if dst.kind == "pod" and not dst.host_network and not hairpin:
                        ing = self._direction("ingress", dst, src, dst, port, q.protocol, dns)
                    for e in eg:
                        for i in ing:
                            results.add(e and i)
        if results == {True}:
            return "allowed"
        if results == {False}:
            return "denied"
        return "undecided"


# ---------------------------------------------------------------- YAML output


def _flow(obj: Any) -> str:
    return yaml.safe_dump(obj, default_flow_style=True, sort_keys=False, width=10**9).strip()


def _block(obj: Any, indent: int) -> str:
    text = yaml.safe_dump(obj, default_flow_style=False, sort_keys=False, width=100)
    pad = " " * indent
    lines = text.rstrip("\n").split("\n")
    return "\n".join((pad + ln) if ln else ln for ln in lines)


def _scalar(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _text_block(key: str, s: str, indent: int) -> str:
    pad = " " * indent
    words = s.split()
    lines, cur = [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > 96 - indent:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    if cur:
        lines.append(cur)
    return f"{pad}{key}: >-\n" + "\n".join(pad + "  " + ln for ln in lines)


SMALL_KINDS = {"Namespace", "Pod", "Node", "Service"}


@dataclass
class Case:
    name: str
    description: str
    manifests: list[dict]
    expect: list[Q] = field(default_factory=list)
    invalid: dict | None = None
    source: str | list[str] | None = None
    features: list[str] | None = None
    version: int = 2


def render_case(c: Case) -> str:
    out = [f"  - name: {c.name}", _text_block("description", c.description, 4)]
    if c.source:
        srcs = c.source if isinstance(c.source, list) else [c.source]
        out.append("    source:")
        out.extend(f"      - {_scalar(s)}" for s in srcs)
    if c.features:
        out.append(f"    features: {_flow(c.features)}")
    out.append("    manifests:")
    for m in c.manifests:
        if m["kind"] in SMALL_KINDS:
            out.append(f"      - {_flow(m)}")
        else:
            body = _block(m, 8)
            if body.count("\n") > 120:  # e.g. 101 rules of a validation case: one line each
                body = _block(m, 8).split("\n")[0]
                out.append("      - " + _flow(m))
            else:
                out.append("      - " + body.lstrip())
    if c.invalid:
        out.append(f"    invalid: {_flow(c.invalid)}")
    if c.expect:
        out.append("    expect:")
        for q in c.expect:
            out.append(f"      - {_flow(q.to_yaml())}")
    return "\n".join(out)


def check_case(c: Case) -> list[str]:
    """Cross-check every query against the reference evaluator; returns problems."""
    problems = []
    if c.invalid or not c.expect:
        return problems
    ev = Evaluator(c.manifests, c.version)
    for q in c.expect:
        if not q.check:
            continue
        got = ev.verdict(q)
        if got != q.verdict:
            problems.append(
                f"{c.name}: {q.frm} -> {q.to} {q.protocol}/{q.port}: "
                f"expected {q.verdict}, reference evaluator says {got}"
            )
    return problems


def emit_file(path: str, header: str, source: str | list[str], cases: list[Case]) -> None:
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), f"duplicate case names in {path}"
    parts = []
    for line in header.strip().split("\n"):
        parts.append(f"# {line}".rstrip())
    if isinstance(source, list):
        parts.append("source:")
        parts.extend(f"  - {_scalar(s)}" for s in source)
    else:
        parts.append(f"source: {_scalar(source)}")
    parts.append("cases:")
    body = "\n".join(parts) + "\n" + "\n".join(render_case(c) for c in cases) + "\n"
    # Round-trip check: the text must load back to exactly the data we meant.
    loaded = yaml.safe_load(body)
    for c, lc in zip(cases, loaded["cases"], strict=False):
        assert lc["manifests"] == c.manifests, (path, c.name)
        assert [dict(e) for e in lc.get("expect", [])] == [q.to_yaml() for q in c.expect], c.name
    with open(path, "w") as f:
        f.write(body)
