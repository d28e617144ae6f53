"""Policies from an intent: a default deny per touched namespace, then one allow per subject.

A *subject* is what a policy selects: one workload (its stable labels, ``labels.py``)
or every pod of a namespace (flows from or to ``NS/*``, and the DNS egress).  Each
subject gets one policy whose ingress rules admit the flows into it and whose egress
rules admit the flows out of it.  Rules with the same ports are merged (their peers
listed together): a named port resolves against each peer or selected pod on its
own, so merging never widens a rule.

Ports are written as users write them: a container port's name where the destination
declares it (and it resolves to that one number on every pod), a bare protocol for
every port of it, no ``ports`` for everything.  A range becomes ``endPort`` unless the
CNI ignores ``endPort`` (Cilium before 1.16): then a short range is written port by
port and a long one is kept, with a note.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from netverify.cni import CniProfile
from netverify.loader.policies import valid_port_name
from netverify.model import NAMESPACE_NAME_LABEL, Cluster, Direction, Pod
from netverify.ports import MAX_PORT, MIN_PORT, PROTOCOLS, PortSet, Protocol
from netverify.results import SuggestedPolicy, SuggestedRule
from netverify.suggest.intent import LOCKED, Intent, Side, Workloads
from netverify.suggest.labels import Choice

PREFIX = "netverify-"
DEFAULT_DENY = f"{PREFIX}default-deny"
# A range ignored as endPort is written port by port up to this many ports.
EXPAND_RANGE = 32
ANNOTATION = "netverify.io/generated-by"


@dataclass(slots=True)
class Subject:
    """What one suggested policy selects, and its rules as they are gathered."""

    namespace: str
    workload: str | None  # ns/name, or None for every pod of the namespace
    name: str
    selector: tuple[tuple[str, str], ...]
    # direction -> rendered ports -> (peers in order, flow indexes)
    rules: dict[Direction, dict[tuple[Any, ...], tuple[list[Any], set[int]]]] = field(
        default_factory=lambda: {Direction.INGRESS: {}, Direction.EGRESS: {}})


@dataclass(slots=True)
class Synthesis:
    """The inputs the policies are written from."""

    cluster: Cluster
    workloads: Workloads
    intent: Intent
    selectors: dict[str, Choice]
    touched: frozenset[str]
    # workload -> directions kept policies isolate some (``isolated``) or every pod of it
    isolated: dict[str, frozenset[Direction]]
    isolated_all: dict[str, frozenset[Direction]]
    profile: CniProfile
    notes: list[str] = field(default_factory=list)
    subjects: dict[tuple[str, str | None, str], Subject] = field(default_factory=dict)
    used_names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def run(self) -> list[SuggestedPolicy]:
        """Every suggested policy, default denies first, in a stable order."""
        for i, f in enumerate(self.intent.flows):
            self._add(i, self.intent.side(f.src), self.intent.side(f.dst), f.ports,
                      f.origin.startswith("dns"), f.origin == LOCKED)
        out = [_default_deny(ns, self._fresh(ns, DEFAULT_DENY)) for ns in sorted(self.touched)]
        for key in sorted(self.subjects, key=lambda k: (k[0], k[1] is not None, k[2])):
            pol = self._policy(self.subjects[key])
            if pol is not None:
                out.append(pol)
        return out

    # -- gathering ---------------------------------------------------------------

    def _add(self, i: int, src: Side, dst: Side, ports: PortSet, dns: bool,
             locked: bool) -> None:
        """Flow ``i``: an egress rule on the source side, an ingress rule on the destination."""
        if src.kind != "external":
            for subj in self._subjects(src, Direction.EGRESS, dns, locked):
                self._rule(subj, Direction.EGRESS, dst, ports, i)
        if dst.kind != "external":
            for subj in self._subjects(dst, Direction.INGRESS, dns, locked):
                self._rule(subj, Direction.INGRESS, src, ports, i)

    def _needs(self, group: str, direction: Direction, locked: bool) -> bool:
        """Whether ``group`` needs rules in ``direction`` for a flow.

        It does when it is isolated there once the suggestion applies, except for a flow of
        today's connections (``locked``) on a side kept policies isolate for every pod of
        the workload: they already allow exactly today's connections there, pod by pod,
        and a rule for the whole workload could only widen that.
        """
        if locked and direction in self.isolated_all.get(group, frozenset()):
            return False
        return (self.workloads.namespace_of(group) in self.touched
                or direction in self.isolated.get(group, frozenset()))

    def _subjects(self, side: Side, direction: Direction, dns: bool,
                  locked: bool) -> list[Subject]:
        if side.kind == "namespace" or side.kind == "dns":
            assert side.namespace is not None
            ns = side.namespace
            if side.kind == "dns" or (ns not in self.touched and not any(
                    direction in self.isolated.get(g, frozenset()) for g in side.groups)):
                return []  # nothing there isolates this direction: nothing to allow
            name = f"{PREFIX}allow-dns" if dns else f"{PREFIX}allow-namespace"
            return [self._subject(ns, None, name, ())]
        out = []
        for g in side.groups:
            if self._needs(g, direction, locked):
                ns = self.workloads.namespace_of(g)
                out.append(self._subject(ns, g, _policy_name(g.split("/", 1)[1]),
                                         self.selectors[g].labels))
        return out

    def _subject(self, ns: str, workload: str | None, name: str,
                 selector: tuple[tuple[str, str], ...]) -> Subject:
        key = (ns, workload, name if workload is None else "")
        got = self.subjects.get(key)
        if got is None:
            got = self.subjects[key] = Subject(namespace=ns, workload=workload,
                                               name=self._fresh(ns, name), selector=selector)
        return got

    def _fresh(self, ns: str, name: str) -> str:
        """``name``, or ``name-2``, ``name-3``...: not a kept policy's nor another suggestion's."""
        unique = name
        n = 2
        while unique in self.used_names[ns] or (unique == DEFAULT_DENY and name != DEFAULT_DENY):
            unique = f"{name[:240]}-{n}"
            n += 1
        self.used_names[ns].add(unique)
        return unique

    def _rule(self, subj: Subject, direction: Direction, peer: Side, ports: PortSet,
              i: int) -> None:
        # Named ports resolve against the destination: the subject's own pods for ingress,
        # the peer's pods for egress.
        dst_pods = self._pods_of(subj.workload) if direction is Direction.INGRESS \
            else self._side_pods(peer)
        rendered = self.render_ports(ports, dst_pods)
        peers, flows = subj.rules[direction].setdefault(rendered, ([], set()))
        for p in self._peers(peer, subj.namespace):
            if p not in peers:
                peers.append(p)
        flows.add(i)

    def _pods_of(self, group: str | None) -> list[Pod]:
        return [] if group is None else self.workloads.pods[group]

    def _side_pods(self, side: Side) -> list[Pod]:
        return self.workloads.pods[side.groups[0]] if side.kind == "workload" else []

    def peers_of(self, side: Side, policy_ns: str) -> list[dict[str, Any]]:
        """The peers naming ``side`` in a rule of a policy of ``policy_ns``."""
        return self._peers(side, policy_ns)

    def _peers(self, side: Side, policy_ns: str) -> list[dict[str, Any]]:
        if side.kind == "external":
            return [{"ipBlock": {"cidr": c, **({"except": list(side.excepts)}
                                               if side.excepts else {})}}
                    for c in side.cidrs]
        if side.kind == "dns":
            return [{"namespaceSelector": _ns_selector(side.namespace or "kube-system"),
                     "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]
        assert side.namespace is not None
        if side.kind == "namespace":
            if side.namespace == policy_ns:
                return [{"podSelector": {}}]
            return [{"namespaceSelector": _ns_selector(side.namespace)}]
        peer: dict[str, Any] = {"podSelector": _pod_selector(self.selectors[side.groups[0]])}
        if side.namespace != policy_ns:
            peer["namespaceSelector"] = _ns_selector(side.namespace)
        return [peer]

    # -- ports -------------------------------------------------------------------

    def render_ports(self, ports: PortSet, dst_pods: list[Pod]) -> tuple[Any, ...]:
        """The ``ports`` list for ``ports`` (as a hashable tuple; () means every port)."""
        if ports.is_all:
            return ()
        out: list[tuple[str, int | str | None, int | None]] = []
        for proto, ivs in ports.items():
            if ivs == ((MIN_PORT, MAX_PORT),):
                out.append((proto.value, None, None))
                continue
            for lo, hi in ivs:
                out.extend(self._interval(proto, lo, hi, dst_pods))
        return tuple(out)

    def _interval(self, proto: Protocol, lo: int, hi: int, dst_pods: list[Pod]
                  ) -> list[tuple[str, int | str | None, int | None]]:
        if lo == hi:
            return [(proto.value, self._name_of(proto, lo, dst_pods), None)]
        if self.profile.end_port is False:
            if hi - lo + 1 <= EXPAND_RANGE:
                return [(proto.value, self._name_of(proto, p, dst_pods), None)
                        for p in range(lo, hi + 1)]
            self.notes.append(f"{self.profile.label} ignores endPort ({self.profile.source}): "
                              f"the range {proto.value} {lo}-{hi} is written with endPort and "
                              f"that plugin admits only port {lo} of it")
        return [(proto.value, lo, hi)]

    def _name_of(self, proto: Protocol, port: int, pods: list[Pod]) -> int | str:
        """A container port name that means exactly ``port`` on every pod, else the number."""
        if not pods or self.profile.named_ports is False:
            return port
        # A name a policy may not hold (the container's own is not validated) stays a number.
        names = sorted({cp.name for cp in pods[0].container_ports
                        if cp.name and valid_port_name(cp.name) and cp.port == port
                        and cp.protocol is proto})
        for n in names:
            if all(p.named_port(n, proto) == (port,) for p in pods):
                return n
        return port

    # -- writing -------------------------------------------------------------------

    def _policy(self, subj: Subject) -> SuggestedPolicy | None:
        spec: dict[str, Any] = {"podSelector": _pod_selector_labels(subj.selector)}
        types: list[str] = []
        rules: list[SuggestedRule] = []
        for d in (Direction.INGRESS, Direction.EGRESS):
            got = subj.rules[d]
            if not got:
                continue
            types.append(d.value)
            written = []
            for rendered, (peers, flows) in sorted(got.items(), key=lambda kv: _sort_key(kv[0])):
                rule: dict[str, Any] = {d.peers_field: peers}
                if rendered:
                    rule["ports"] = [_port_entry(p) for p in rendered]
                written.append(rule)
                rules.append(SuggestedRule(direction=d, peers=tuple(peer_text(p) for p in peers),
                                           ports=tuple(port_text(p) for p in rendered) or ("all",),
                                           flows=tuple(sorted(flows))))
            spec[d.field] = written
        if not types:
            return None
        spec["policyTypes"] = types
        return SuggestedPolicy(
            namespace=subj.namespace, name=subj.name, purpose="allow", workload=subj.workload,
            selector=subj.selector, rules=tuple(rules),
            manifest=_manifest(subj.namespace, subj.name, spec))


def _sort_key(rendered: tuple[Any, ...]) -> str:
    return repr(rendered)


def _manifest(ns: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": ns,
                         "annotations": {ANNOTATION: "netverify suggest"}},
            "spec": spec}


def _default_deny(ns: str, name: str) -> SuggestedPolicy:
    spec = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    return SuggestedPolicy(namespace=ns, name=name, purpose="default-deny",
                           workload=None, selector=(), rules=(),
                           manifest=_manifest(ns, name, spec))


def _ns_selector(ns: str) -> dict[str, Any]:
    return {"matchLabels": {NAMESPACE_NAME_LABEL: ns}}


def _pod_selector(choice: Choice) -> dict[str, Any]:
    return _pod_selector_labels(choice.labels)


def _pod_selector_labels(labels: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {"matchLabels": dict(labels)} if labels else {}


def _port_entry(p: tuple[str, int | str | None, int | None]) -> dict[str, Any]:
    proto, port, end = p
    out: dict[str, Any] = {"protocol": proto}
    if port is not None:
        out["port"] = port
    if end is not None:
        out["endPort"] = end
    return out


def port_text(p: tuple[str, int | str | None, int | None]) -> str:
    """``TCP 80``, ``TCP 8000-8100`` or ``UDP (all ports)``: a rendered port as text."""
    proto, port, end = p
    if port is None:
        return f"{proto} (all ports)"
    return f"{proto} {port}" if end is None else f"{proto} {port}-{end}"


def peer_text(peer: dict[str, Any]) -> str:
    """``pods {app=web} in namespace a``: a written peer as text."""
    if "ipBlock" in peer:
        ex = peer["ipBlock"].get("except")
        return f"ipBlock {peer['ipBlock']['cidr']}" + (f" except {','.join(ex)}" if ex else "")
    pods = peer.get("podSelector", {}).get("matchLabels")
    ns = peer.get("namespaceSelector", {}).get("matchLabels", {}).get(NAMESPACE_NAME_LABEL)
    who = "all pods" if not pods else "pods {" + ",".join(f"{k}={v}" for k, v in pods.items()) + "}"
    return f"{who} in {'this namespace' if ns is None else 'namespace ' + ns}"


_INVALID = re.compile(r"[^a-z0-9.-]+")


def _policy_name(workload: str) -> str:
    """``netverify-allow-<workload>``, made a valid object name whatever the workload is called."""
    base = _INVALID.sub("-", workload.lower()).strip("-.") or "workload"
    return f"{PREFIX}allow-{base}"[:253].rstrip("-.")


def protocols_used(policies: list[SuggestedPolicy]) -> set[Protocol]:
    """The protocols the suggested rules name (SCTP support differs between plugins)."""
    out: set[Protocol] = set()
    for pol in policies:
        for r in pol.rules:
            for text in r.ports:
                for p in PROTOCOLS:
                    if text.startswith(p.value):
                        out.add(p)
    return out
