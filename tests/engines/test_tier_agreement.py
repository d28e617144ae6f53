"""Random clusters with the policy tiers: every engine agrees with an independent evaluator.

The reference is ``tests/tiers/tools/gen_lib.Evaluator``, written from the
network-policy-api spec by someone who had not read netverify, over raw manifests
(it checked every hand-written tier case before they were committed).  Here it
judges random clusters: AdminNetworkPolicies and the BaselineAdminNetworkPolicy, or
ClusterNetworkPolicies of both tiers, with ties in priority, Pass rules, namespaces,
pods and networks peers, port numbers, ranges and named ports, next to
NetworkPolicies.  Properties:

(a) the concrete ``Evaluator`` gives the reference's verdict (allowed, denied or
    undecided) on every pod pair and a few outside addresses, on every probe;
(b) the all-pairs engine's allowed and undecided port classes equal the
    ``Evaluator``'s on every pod pair;
(c) the SMT engine's allowed ports equal the ``Evaluator``'s (fewer examples).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netverify.engines.allpairs import compute_all_pairs
from netverify.engines.concrete import Evaluator, External
from netverify.engines.smt.engine import SmtEngine
from netverify.ipblocks import parse_address
from netverify.loader import load_text
from netverify.model import Cluster
from netverify.ports import Protocol

sys.path.insert(0, str(Path(__file__).parents[1] / "tiers" / "tools"))
import gen_lib

Manifest = dict[str, Any]
NAMESPACES = {"alpha": {"team": "a", "env": "prod"}, "beta": {"team": "b", "env": "prod"},
              "gamma": {"team": "c", "env": "dev"}}
APPS = ("web", "db", "api")
PROBES = (("TCP", 80), ("TCP", 81), ("TCP", 8080), ("UDP", 53))
OUTSIDE = ("192.0.2.10", "10.0.1.200")
NAMED = (("web", 80, "TCP"), ("alt", 8080, "TCP"), ("dns", 53, "UDP"))


@st.composite
def label_selector(draw: st.DrawFn, key: str, values: tuple[str, ...]) -> dict[str, Any]:
    kind = draw(st.sampled_from(("all", "labels", "in", "notin")))
    if kind == "all":
        return {}
    if kind == "labels":
        return {"matchLabels": {key: draw(st.sampled_from(values))}}
    vals = draw(st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True))
    op = "In" if kind == "in" else "NotIn"
    return {"matchExpressions": [{"key": key, "operator": op, "values": sorted(vals)}]}


def ns_selector() -> st.SearchStrategy[dict[str, Any]]:
    return label_selector("team", ("a", "b", "c"))


def pod_selector() -> st.SearchStrategy[dict[str, Any]]:
    return label_selector("app", APPS)


@st.composite
def tier_peer(draw: st.DrawFn, egress: bool, version: int) -> dict[str, Any]:
    kinds = ["namespaces", "pods"] + (["networks"] if egress else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "namespaces":
        return {"namespaces": draw(ns_selector())}
    if kind == "pods":
        pods = {"namespaceSelector": draw(ns_selector()), "podSelector": draw(pod_selector())}
        return {"pods": pods}
    nets = draw(st.lists(st.sampled_from(("10.0.1.0/24", "10.0.0.0/16", "0.0.0.0/0",
                                          "192.0.2.0/24", "10.0.2.11/32")),
                         min_size=1, max_size=2, unique=True))
    return {"networks": nets}


@st.composite
def tier_ports(draw: st.DrawFn, version: int, named_ok: bool) -> list[dict[str, Any]]:
    out = []
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(("number", "range", "named") if named_ok
                                    else ("number", "range")))
        proto = draw(st.sampled_from(("TCP", "UDP")))
        if kind == "named":
            name = draw(st.sampled_from(("web", "alt", "dns")))
            out.append({"namedPort": name} if version == 1 else {"destinationNamedPort": name})
        elif kind == "number":
            n = draw(st.sampled_from((53, 80, 8080)))
            out.append({"portNumber": {"protocol": proto, "port": n}} if version == 1 else
                       {proto.lower(): {"destinationPort": {"number": n}}})
        else:
            lo, hi = draw(st.sampled_from(((80, 81), (53, 8080), (1, 79))))
            out.append({"portRange": {"protocol": proto, "start": lo, "end": hi}}
                       if version == 1 else
                       {proto.lower(): {"destinationPort": {"range": {"start": lo, "end": hi}}}})
    return out


@st.composite
def tier_rules(draw: st.DrawFn, direction: str, version: int, baseline_v1: bool
               ) -> list[dict[str, Any]]:
    actions = ["Allow", "Deny"] if baseline_v1 else (
        ["Allow", "Deny", "Pass"] if version == 1 else ["Accept", "Deny", "Pass"])
    rules = []
    for i in range(draw(st.integers(0, 3))):
        peers = draw(st.lists(tier_peer(direction == "egress", version), min_size=1,
                              max_size=2))
        rule: dict[str, Any] = {"name": f"r{i}", "action": draw(st.sampled_from(actions)),
                                "from" if direction == "ingress" else "to": peers}
        if draw(st.booleans()):
            named_ok = not any("networks" in p for p in peers)
            rule["ports" if version == 1 else "protocols"] = draw(tier_ports(version, named_ok))
        rules.append(rule)
    return rules


@st.composite
def tier_policies(draw: st.DrawFn, version: int) -> list[Manifest]:
    out: list[Manifest] = []
    for i in range(draw(st.integers(1, 4))):
        baseline = draw(st.booleans())
        if version == 1 and baseline and any(
                d["kind"] == "BaselineAdminNetworkPolicy" for d in out):
            baseline = False
        subject = ({"namespaces": draw(ns_selector())} if draw(st.booleans()) else
                   {"pods": {"namespaceSelector": draw(ns_selector()),
                             "podSelector": draw(pod_selector())}})
        spec: dict[str, Any] = {"subject": subject}
        for direction in ("ingress", "egress"):
            rules = draw(tier_rules(direction, version, version == 1 and baseline))
            if rules:
                spec[direction] = rules
        if version == 1:
            kind = "BaselineAdminNetworkPolicy" if baseline else "AdminNetworkPolicy"
            name = "default" if baseline else f"anp-{i}"
            if not baseline:
                spec["priority"] = draw(st.sampled_from((1, 2, 3)))
            api = "policy.networking.k8s.io/v1alpha1"
        else:
            kind, name, api = "ClusterNetworkPolicy", f"cnp-{i}", \
                "policy.networking.k8s.io/v1alpha2"
            spec["tier"] = "Baseline" if baseline else "Admin"
            spec["priority"] = draw(st.sampled_from((1, 2, 3)))
        out.append({"apiVersion": api, "kind": kind, "metadata": {"name": name}, "spec": spec})
    return out


@st.composite
def network_policy(draw: st.DrawFn, index: int) -> Manifest:
    ns = draw(st.sampled_from(sorted(NAMESPACES)))
    spec: dict[str, Any] = {"podSelector": draw(pod_selector())}
    types = draw(st.sampled_from((["Ingress"], ["Egress"], ["Ingress", "Egress"])))
    spec["policyTypes"] = types
    for t in types:
        field = t.lower()
        rules = []
        for _ in range(draw(st.integers(0, 2))):
            peer = draw(st.sampled_from(("pods", "namespaces", "ip")))
            if peer == "pods":
                p: dict[str, Any] = {"podSelector": draw(pod_selector())}
            elif peer == "namespaces":
                p = {"namespaceSelector": draw(ns_selector())}
            else:
                p = {"ipBlock": {"cidr": "10.0.0.0/16"}}
            rule: dict[str, Any] = {"from" if field == "ingress" else "to": [p]}
            if draw(st.booleans()):
                rule["ports"] = [{"protocol": "TCP", "port": draw(st.sampled_from((80, 8080)))}]
            rules.append(rule)
        spec[field] = rules
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": f"np-{index}", "namespace": ns}, "spec": spec}


@st.composite
def tiered_clusters(draw: st.DrawFn, mixed: bool = False) -> tuple[int, list[Manifest]]:
    """``mixed`` also draws clusters holding v1alpha1 and v1alpha2 policies together (the
    reference evaluator reads one version, so only the engines are compared on those)."""
    version = draw(st.sampled_from((1, 2)))
    docs: list[Manifest] = [gen_lib.namespace(n, dict(labels))
                            for n, labels in NAMESPACES.items()]
    names = sorted(NAMESPACES)
    for i in range(draw(st.integers(2, 4))):
        ns = draw(st.sampled_from(names))
        ports = draw(st.lists(st.sampled_from(NAMED), max_size=2, unique=True))
        docs.append(gen_lib.pod(ns, f"p{i}", {"app": draw(st.sampled_from(APPS))},
                                f"10.0.{names.index(ns)}.{10 + i}", list(ports)))
    docs += [draw(network_policy(i)) for i in range(draw(st.integers(0, 2)))]
    docs += draw(tier_policies(version))
    if mixed and draw(st.booleans()):
        other = [d for d in draw(tier_policies(3 - version))
                 if d["kind"] != "BaselineAdminNetworkPolicy"
                 or not any(x["kind"] == d["kind"] for x in docs)]
        for d in other:
            if d["kind"] != "BaselineAdminNetworkPolicy":
                d["metadata"]["name"] += "-other"
        docs += other
    return version, docs


def _load(docs: list[Manifest]) -> Cluster:
    return load_text(yaml.safe_dump_all(docs, sort_keys=False), "tiered.yaml")


def _netverify(ev: Evaluator, src: Any, dst: Any, proto: str, port: int) -> str:
    v = ev.pair(src, dst, protocol=Protocol(proto), port=port)
    if v.is_allowed:
        return "allowed"
    return "undecided" if not v.undecided.is_empty else "denied"


def _endpoint(cluster: Cluster, text: str) -> Any:
    for p in cluster.pods:
        if p.key == text:
            return p
    addr = parse_address(text)
    return External(addr.family, addr.value, addr.value, text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=tiered_clusters())
def test_the_evaluator_agrees_with_the_reference(drawn: tuple[int, list[Manifest]]) -> None:
    """(a)."""
    version, docs = drawn
    cluster = _load(docs)
    ev = Evaluator(cluster)
    ref = gen_lib.Evaluator(docs, version)
    keys = [p.key for p in cluster.pods]
    bad = []
    for src in keys:
        for dst in [*keys, *OUTSIDE]:
            if src == dst:
                continue  # self-traffic: netverify exempts it; see test_tier_cases (hairpin)
            for proto, port in PROBES:
                want = ref.verdict(gen_lib.Q(src, dst, port, proto, "allowed"))
                got = _netverify(ev, _endpoint(cluster, src), _endpoint(cluster, dst), proto,
                                 port)
                if got != want:
                    bad.append(f"{src} -> {dst} {proto}/{port}: netverify {got}, "
                               f"reference {want}")
        for outside in OUTSIDE:
            for proto, port in PROBES:
                want = ref.verdict(gen_lib.Q(outside, src, port, proto, "allowed"))
                got = _netverify(ev, _endpoint(cluster, outside), _endpoint(cluster, src),
                                 proto, port)
                if got != want:
                    bad.append(f"{outside} -> {src} {proto}/{port}: netverify {got}, "
                               f"reference {want}")
    assert not bad, "\n".join(bad[:12])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=tiered_clusters(mixed=True))
def test_the_allpairs_engine_agrees_with_the_evaluator(drawn: tuple[int, list[Manifest]]
                                                       ) -> None:
    """(b)."""
    cluster = _load(drawn[1])
    ev = Evaluator(cluster)
    ap = compute_all_pairs(cluster)
    cls = ap.pods.class_of
    for a in cluster.pods:
        for b in cluster.pods:
            if a.key == b.key:
                continue
            v = ev.pair(a, b)
            s, d = cls[a.key], cls[b.key]
            assert ap.portset(s, d) == v.allowed, f"{a.key} -> {b.key} allowed"
            assert ap.undecided_portset(s, d) == v.undecided, f"{a.key} -> {b.key} undecided"


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(drawn=tiered_clusters(mixed=True))
def test_the_smt_engine_agrees_with_the_evaluator(drawn: tuple[int, list[Manifest]]) -> None:
    """(c)."""
    cluster = _load(drawn[1])
    ev = Evaluator(cluster)
    smt = SmtEngine(cluster)
    for a in cluster.pods:
        for b in cluster.pods:
            if a.key != b.key:
                assert smt.allowed_ports(smt.pod(a), smt.pod(b)) == ev.pair(a, b).allowed, \
                    f"{a.key} -> {b.key}"
