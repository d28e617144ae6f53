"""The isolation and exposure rules (NV103-NV122) against pair-by-pair recomputations.

The rules answer from pod classes and the all-pairs engine; here the same questions are
asked pod pair by pod pair with the ``Evaluator`` (the reference engine) on random
clusters, and every traffic example a finding gives is re-checked to be allowed.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from netverify.audit.exposure import DNS_PORTS, NOT_INTERNET, InternetIngress
from netverify.audit.registry import Finding, get_rule
from netverify.audit.rules.nv122_reaches_kube_system import ports_text
from netverify.engines.concrete import Evaluator, External
from netverify.ipblocks import IPv4, parse_network
from netverify.loader import load_text
from netverify.model import Cluster, Direction, Pod
from netverify.ports import PortSet, Protocol
from tests import strategies as S

# Rule agreement on small clusters: fewer examples than the engine agreement tests,
# which carry the semantic weight (the CI profile asks 300 of those).
RULE_EXAMPLES = settings(max_examples=min(settings.default.max_examples, 75))


def _load(manifests: list[dict[str, Any]]) -> Cluster:
    text = S.to_yaml(manifests)
    note(text)
    return load_text(text, "cluster.yaml")


def _rename(doc: Any, old: str, new: str) -> Any:
    """``doc`` with every string equal to ``old`` replaced (namespace names and name labels)."""
    if isinstance(doc, dict):
        return {k: _rename(v, old, new) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_rename(v, old, new) for v in doc]
    return new if doc == old else doc


def _findings(code: str, cluster: Cluster) -> list[Finding]:
    found = list(get_rule(code)().check(cluster))
    event(f"{code} {'finds something' if found else 'finds nothing'}")
    for f in found:
        note(f"{f.code} {f.object} {f.path}: {f.message} [{f.example}]")
    return found


def _assert_example_allowed(cluster: Cluster, ev: Evaluator, example: str) -> None:
    """``SRC -> DST PROTO PORT`` is allowed (``*/*`` sources are not checked)."""
    left, right = example.split(" -> ")
    dst_key, proto_text, port_text = right.split(" ")
    proto, port = Protocol(proto_text), int(port_text)
    pods = {p.key: p for p in cluster.pods}
    dst = pods[dst_key]
    if left == "*/*":
        return
    if left in pods:
        assert ev.allowed_ports(pods[left], dst).contains(proto, port), example
        return
    net = ipaddress.ip_network(left, strict=False)
    ranges = ev.split(net.version, int(net.network_address), int(net.broadcast_address))
    for lo, hi in ranges:
        ext = External(net.version, lo, hi, left)
        assert ev.side(Direction.INGRESS, dst, ext, dst).allowed.contains(proto, port), example


def _governed(cluster: Cluster) -> list[Pod]:
    return [p for p in cluster.pods if not p.host_network]


@RULE_EXAMPLES
@given(S.clusters(max_pods=6, max_policies=4))
def test_nv104_and_nv105_agree_with_the_evaluator(manifests: list[dict[str, Any]]) -> None:
    cluster = _load(manifests)
    ev = Evaluator(cluster)
    policed = {p.namespace for p in cluster.policies}
    open_objects = {f"{p.workload_kind or p.kind} {p.group}" for p in _governed(cluster)
                    if p.namespace in policed and not ev.selecting(p, Direction.INGRESS)
                    and not ev.selecting(p, Direction.EGRESS)}
    assert {f.object for f in _findings("NV104", cluster)} == open_objects
    dead = set()
    for pol in cluster.policies:
        for d in Direction:
            for rule in pol.rules(d):
                for peer in rule.peers or ():
                    if peer.ip_block is None and not any(
                            ev.peer_matches(pol, peer, p) for p in cluster.pods):
                        dead.add((f"NetworkPolicy {pol.key}",
                                  f"spec.{d.field}[{rule.index}].{d.peers_field}[{peer.index}]"))
    assert {(f.object, f.path) for f in _findings("NV105", cluster)} == dead


def _admits_internet_somewhere(cluster: Cluster, ev: Evaluator, pod: Pod) -> bool:
    """Some isolating rule matches a public address on a port that resolves on ``pod``."""
    from netverify.engines.concrete import ports_of_rule

    not_internet = [parse_network(c) for c, _ in NOT_INTERNET]
    for pol in ev.selecting(pod, Direction.INGRESS):
        for rule in pol.ingress:
            if ports_of_rule(rule, pod).is_empty:
                continue
            if rule.peers is None:
                return True
            for peer in rule.peers:
                if peer.ip_block is None:
                    continue
                fam = peer.ip_block.addresses.family
                if fam not in pod.families:
                    continue  # an IPv4-only pod is not reached over IPv6, and back
                for lo, hi in peer.ip_block.addresses.intervals:
                    holes = sorted(iv for f, iv in not_internet if f == fam)
                    cur = lo
                    for hlo, hhi in holes:
                        if hlo > cur:
                            break
                        cur = max(cur, hhi + 1)
                    if cur <= hi:
                        return True
    return False


@RULE_EXAMPLES
@given(S.clusters(max_pods=6, max_policies=4))
def test_nv120_and_nv106_examples(manifests: list[dict[str, Any]]) -> None:
    cluster = _load(manifests)
    ev = Evaluator(cluster)
    expected = {f"{p.workload_kind or p.kind} {p.group}" for p in _governed(cluster)
                if _admits_internet_somewhere(cluster, ev, p)}
    found = _findings("NV120", cluster)
    assert {f.object for f in found} == expected
    for f in found + _findings("NV106", cluster):
        if f.example:
            _assert_example_allowed(cluster, ev, f.example)


def _counts_for_nv121(ev: Evaluator, internet: InternetIngress, src: Pod, dst: Pod) -> bool:
    exp = internet.exposure(dst)
    ignore = DNS_PORTS if exp is None else DNS_PORTS.union(exp.ports)
    return not ev.allowed_ports(src, dst).difference(ignore).is_empty


@st.composite
def _three_namespaces(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A random cluster with a pod in each of the three namespaces, and often a policy
    admitting every namespace (what NV121 looks for) on random ports."""
    docs = draw(S.clusters(max_pods=6, max_policies=3))
    for ns in S.NAMESPACE_NAMES:
        docs.append({"apiVersion": "v1", "kind": "Pod",
                     "metadata": {"name": f"extra-{ns}", "namespace": ns,
                                  "labels": draw(S.label_sets())}})
    if draw(st.booleans()):
        rule: dict[str, Any] = {"from": [{"namespaceSelector": {}}]}
        if draw(st.booleans()):
            rule["ports"] = [draw(S.ports())]
        docs.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                     "metadata": {"name": "everyone", "namespace":
                                  draw(st.sampled_from(S.NAMESPACE_NAMES))},
                     "spec": {"podSelector": draw(S.label_selectors()), "ingress": [rule]}})
    return docs


@RULE_EXAMPLES
@given(_three_namespaces())
def test_nv121_agrees_with_the_evaluator(manifests: list[dict[str, Any]]) -> None:
    cluster = _load(manifests)
    ev = Evaluator(cluster)
    internet = InternetIngress(ev)
    governed = _governed(cluster)
    spaces = {p.namespace for p in governed}
    expected = set()
    if len(spaces) >= 3:
        for ns in spaces:
            targets = [p for p in governed if p.namespace == ns
                       and ev.selecting(p, Direction.INGRESS)]
            if targets and all(any(_counts_for_nv121(ev, internet, s, t) for t in targets)
                               for s in governed if s.namespace != ns):
                expected.add(f"Namespace {ns}")
    found = _findings("NV121", cluster)
    assert {f.object for f in found} == expected
    for f in found:
        _assert_example_allowed(cluster, ev, f.example)


@RULE_EXAMPLES
@given(S.clusters(max_pods=6, max_policies=4))
def test_nv122_agrees_with_the_evaluator(manifests: list[dict[str, Any]]) -> None:
    cluster = _load(_rename(manifests, "beta", "kube-system"))
    ev = Evaluator(cluster)
    targets = [p for p in cluster.pods if p.namespace == "kube-system"]
    expected: dict[str, dict[str, PortSet]] = {}
    for src in _governed(cluster):
        if src.namespace == "kube-system":
            continue
        for dst in targets:
            ports = ev.allowed_ports(src, dst).difference(DNS_PORTS)
            if not ports.is_empty:
                reached = expected.setdefault(f"Namespace {src.namespace}", {})
                name = dst.group + (" (hostNetwork)" if dst.host_network else "")
                reached[name] = reached.get(name, PortSet.empty()).union(ports)
    found = _findings("NV122", cluster)
    assert {f.object for f in found} == set(expected)
    for f in found:
        _assert_example_allowed(cluster, ev, f.example)
        for name, ports in expected[f.object].items():
            assert f"{name} on {ports_text(ports)}" in f.message


def test_example_address_prefers_the_documentation_block() -> None:
    from netverify.audit.exposure import example_address

    assert example_address(IPv4, 0, 2**32 - 1) == "203.0.113.7"
    assert example_address(IPv4, 1, 5) == "0.0.0.1"


def test_nv106_docstring_lists_every_sensitive_port() -> None:
    from netverify.audit.rules.nv106_allow_all_on_sensitive_port import (
        SENSITIVE_PORTS,
        AllowAllOnSensitivePort,
    )

    doc = " ".join((AllowAllOnSensitivePort.__doc__ or "").split())
    for (_proto, port), name in SENSITIVE_PORTS.items():
        assert str(port) in doc and name.split(" (")[0].split()[0] in doc, (port, name)
