"""``audit/exposure.py`` against the Evaluator, and the speed of the rules it serves.

``InternetIngress`` computes what the internet may open to a pod with interval
arithmetic over each rule's ipBlocks.  Here the same answer is computed the slow way
(the address space cut at every ipBlock and ``NOT_INTERNET`` boundary, one
``Evaluator.side`` call per internet range) on random clusters with public ipBlocks,
and the two must agree on ports, admitting rules and example sources.  Then the
clusters that made the old way slow (one long allowlist repeated in every namespace,
thousands of pods) must take seconds.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from netverify.audit.exposure import (
    EXAMPLE_ADDRESSES,
    NOT_INTERNET,
    InternetIngress,
    example_address,
    example_port,
)
from netverify.audit.registry import get_rule
from netverify.engines.concrete import Evaluator, External
from netverify.ipblocks import (
    IPv4,
    IPv6,
    format_range,
    ipblock_set,
    parse_network,
    usable_families,
)
from netverify.loader import load_text
from netverify.model import (
    Cluster,
    Direction,
    IPBlock,
    Namespace,
    NetworkPolicy,
    Peer,
    Pod,
    PortSpec,
    Rule,
    Service,
    ServicePort,
)
from netverify.ports import PortSet, Protocol, normalize_intervals
from netverify.selectors import LabelSelector
from tests import strategies as S

PUBLIC_BLOCKS = (
    ("203.0.113.0/24", ("203.0.113.0/28",)),
    ("198.51.100.0/25", ()),
    ("8.0.0.0/7", ("8.8.8.0/24",)),
    ("0.0.0.0/1", ("10.0.0.0/8",)),
    ("0.0.0.0/0", ("203.0.113.0/24",)),
    ("11.0.0.0/16", ()),
    ("11.0.0.0/8", ("11.0.0.0/16",)),
    ("2001:db8::/32", ()),
    ("::/0", ("2001:db8::/48",)),
)

# Rule agreement on small clusters: fewer examples than the engine agreement tests,
# which carry the semantic weight (the CI profile asks 300 of those).
RULE_EXAMPLES = settings(max_examples=min(settings.default.max_examples, 75))


@st.composite
def _public_policy(draw: st.DrawFn) -> dict[str, Any]:
    """An ingress policy whose rules list public ipBlocks (and sometimes other peers)."""
    rules = []
    for _ in range(draw(st.integers(1, 3))):
        rule: dict[str, Any] = {}
        if draw(st.integers(0, 4)):
            peers: list[dict[str, Any]] = []
            for _ in range(draw(st.integers(1, 4))):
                if draw(S.rarely(0.2)):
                    peers.append(draw(S.peers()))
                    continue
                cidr, ex = draw(st.sampled_from(PUBLIC_BLOCKS))
                block: dict[str, Any] = {"cidr": cidr}
                if ex and draw(st.booleans()):
                    block["except"] = list(ex)
                peers.append({"ipBlock": block})
            rule["from"] = peers
        if draw(st.booleans()):
            rule["ports"] = draw(st.lists(S.ports(), min_size=1, max_size=2))
        rules.append(rule)
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": f"public-{draw(st.integers(0, 9))}",
                         "namespace": draw(st.sampled_from(S.NAMESPACE_NAMES))},
            "spec": {"podSelector": draw(S.label_selectors()), "policyTypes": ["Ingress"],
                     "ingress": rules}}


@st.composite
def _clusters(draw: st.DrawFn) -> list[dict[str, Any]]:
    docs = draw(S.clusters(max_pods=5, max_policies=2))
    names: set[tuple[str, str]] = set()
    for _ in range(draw(st.integers(1, 3))):
        pol = draw(_public_policy())
        key = (pol["metadata"]["namespace"], pol["metadata"]["name"])
        if key not in names:
            names.add(key)
            docs.append(pol)
    return docs


def _ranges(ev: Evaluator) -> list[External]:
    """The internet, cut so that every ipBlock holds each range wholly or not at all."""
    out = []
    for family, bits in ((IPv4, 32), (IPv6, 128)):
        top = (1 << bits) - 1
        holes = normalize_intervals(iv for f, iv in (parse_network(c) for c, _ in NOT_INTERNET)
                                    if f == family)
        cuts = {b for b in ev.ip_boundaries(family) if 0 < b <= top}
        cuts.update(b for lo, hi in holes for b in (lo, hi + 1) if 0 < b <= top)
        start = 0
        for c in [*sorted(cuts), top + 1]:
            if not any(lo <= start <= hi for lo, hi in holes):
                out.append(External(family, start, c - 1, format_range(family, start, c - 1)))
            start = c
    return out


def _all_ipv4(ev: Evaluator) -> list[External]:
    return [External(IPv4, lo, hi, "r") for lo, hi in ev.split(IPv4, 0, 2**32 - 1)]


@RULE_EXAMPLES
@given(_clusters())
def test_exposure_agrees_with_a_side_call_per_internet_range(docs: list[dict[str, Any]]
                                                              ) -> None:
    text = S.to_yaml(docs)
    note(text)
    cluster = load_text(text, "c.yaml")
    ev = Evaluator(cluster)
    internet = InternetIngress(ev)
    ranges = _ranges(ev)
    for pod in cluster.pods:
        ports = PortSet.empty()
        refs: set[tuple[str, str]] = set()
        admitted: list[tuple[External, PortSet]] = []
        if ev.selecting(pod, Direction.INGRESS):
            # A pod is reached only over the address families it has an address of.
            for ext in [e for e in ranges if e.family in usable_families(pod.ips)]:
                side = ev.side(Direction.INGRESS, pod, ext, pod)
                if not side.allowed.is_empty:
                    ports = ports.union(side.allowed)
                    admitted.append((ext, side.allowed))
                    # A rule whose named ports do not resolve on the pod admits nothing.
                    refs.update((r.policy, r.field) for r in side.rules
                                if not r.ports.is_empty)
        got = internet.exposure(pod)
        if ports.is_empty:
            assert got is None, pod.key
            continue
        assert got is not None, pod.key
        assert got.ports == ports, pod.key
        assert {(r.policy, r.field) for r in got.rules} == refs, pod.key
        proto, port = example_port(ports, pod)
        on_port = [ext for ext, p in admitted if p.contains(proto, port)]
        if IPv4 in usable_families(pod.ips) and all(
                ev.side(Direction.INGRESS, pod, ext, pod).allowed.contains(proto, port)
                for ext in _all_ipv4(ev)):
            expected = "0.0.0.0/0"
        else:
            doc = [e for e in on_port if e.lo <= EXAMPLE_ADDRESSES[e.family] <= e.hi]
            first = doc[0] if doc else on_port[0]
            expected = example_address(first.family, first.lo, first.hi)
        assert internet.example_source(got, proto, port) == expected, pod.key


# -- large shapes (timed in benchmarks/audit_shapes.py) ------------------------------------

def _allowlist(cidrs: int) -> tuple[Peer, ...]:
    peers = []
    for i in range(cidrs):
        cidr = f"11.{i // 256}.{i % 256}.0/24"
        family, iv = parse_network(cidr)
        peers.append(Peer(index=i, ip_block=IPBlock(cidr=cidr, excepts=(),
                                                     addresses=ipblock_set(family, iv, ()))))
    return tuple(peers)


def _allowlist_cluster(namespaces: int = 900, pods_per_ns: int = 3,
                       cidrs: int = 200) -> Cluster:
    """The reviewer's /tmp/rv/allow/b.yaml, built without the loader: every namespace has
    the same office allowlist of ``cidrs`` public ranges admitting its pods."""
    peers = _allowlist(cidrs)
    rule = Rule(direction=Direction.INGRESS, index=0, peers=peers,
                ports=(PortSpec(index=0, port=8080),))
    nss, pods, pols = {}, [], []
    for n in range(namespaces):
        ns = f"ns{n}"
        nss[ns] = Namespace(name=ns, labels={"kubernetes.io/metadata.name": ns})
        pods += [Pod(namespace=ns, name=f"w{i}", labels={"app": f"w{i}"}) for i in
                 range(pods_per_ns)]
        pols.append(NetworkPolicy(namespace=ns, name="office", pod_selector=LabelSelector(),
                                  policy_types=frozenset({Direction.INGRESS}), ingress=(rule,)))
    return Cluster(namespaces=nss, pods=tuple(pods), policies=tuple(pols))


def _counts(codes: list[str], cluster: Cluster) -> dict[str, int]:
    return {c: len(list(get_rule(c)().check(cluster))) for c in codes}


@pytest.mark.slow
def test_a_repeated_allowlist() -> None:
    # Once 90 s: benchmarks/audit_shapes.py times this shape; here only the findings.
    counts = _counts(["NV106", "NV120", "NV121"], _allowlist_cluster())
    assert counts["NV120"] == 2700


def test_internet_example_for_an_allowlist() -> None:
    cluster = _allowlist_cluster(namespaces=2, pods_per_ns=1, cidrs=3)
    (f, _) = list(get_rule("NV120")().check(cluster))
    assert f.example == "11.0.0.0 -> ns0/w0 TCP 8080"
    assert "(3 in all)" not in f.message  # three rules are shown in full
    assert [r.object for r in f.related] == ["NetworkPolicy ns0/office"]
    cluster = _allowlist_cluster(namespaces=1, pods_per_ns=1, cidrs=5)
    (f,) = list(get_rule("NV120")().check(cluster))
    assert f.message.endswith("... (5 in all)")
    assert f.related[0].role == ("admits internet sources (spec.ingress[0].from[0], "
                                 "spec.ingress[0].from[1], spec.ingress[0].from[2], ... "
                                 "(5 in all))")


def _many_pods(pods: int = 5000, namespaces: int = 50) -> Cluster:
    """Thousands of pods, each namespace with a policy, a Service, and a kube-system deny."""
    nss = {f"ns{n}": Namespace(name=f"ns{n}", labels={"kubernetes.io/metadata.name": f"ns{n}"})
           for n in range(namespaces)}
    nss["kube-system"] = Namespace(name="kube-system",
                                   labels={"kubernetes.io/metadata.name": "kube-system"})
    out = [Pod(namespace="kube-system", name="coredns", labels={"k8s-app": "kube-dns"},
               kind="Deployment", workload="coredns", workload_kind="Deployment")]
    out += [Pod(namespace=f"ns{i % namespaces}", name=f"p{i}",
                labels={"app": f"app{i % 300}", "tier": f"t{i % 7}"},
                ips=(), container_ports=()) for i in range(pods)]
    deny = NetworkPolicy(namespace="kube-system", name="default-deny",
                         pod_selector=LabelSelector(),
                         policy_types=frozenset({Direction.INGRESS}))
    egress = [NetworkPolicy(namespace=ns, name="egress", pod_selector=LabelSelector(),
                            policy_types=frozenset({Direction.EGRESS}))
              for ns in nss if ns != "kube-system"]
    services = [Service(namespace=f"ns{j % namespaces}", name=f"s{j}",
                        selector={"app": f"app{j % 300}"},
                        ports=(ServicePort(port=80, target_port=8080, protocol=Protocol.TCP),))
                for j in range(1000)]
    return Cluster(namespaces=nss, pods=tuple(out), policies=(deny, *egress),
                   services=tuple(services))


@pytest.mark.slow
def test_dns_and_per_namespace_rules_at_5000_pods() -> None:
    counts = _counts(["NV102", "NV110", "NV501"], _many_pods())
    # One DNS-side finding for every client, one egress finding per bare pod.
    assert counts["NV110"] == 5001


def test_documentation_addresses() -> None:
    assert str(ipaddress.ip_address(EXAMPLE_ADDRESSES[IPv4])) == "203.0.113.7"
    assert str(ipaddress.ip_address(EXAMPLE_ADDRESSES[IPv6])) == "2001:db8::7"


def test_an_ipv6_example_below_the_ipv4_range_stays_ipv6() -> None:
    # Found by hypothesis (test_nv120_and_nv106_examples): with 2001:db8::/32 excepted
    # the example fell back to the range's start, ::2, which ipaddress.ip_address(2)
    # printed as the IPv4 address 0.0.0.2.
    doc = EXAMPLE_ADDRESSES[IPv6]
    assert example_address(IPv6, 2, doc - 1) == "::2"
    assert example_address(IPv6, 0, doc - 1) == "::"
    assert example_address(IPv4, 2, EXAMPLE_ADDRESSES[IPv4] - 1) == "0.0.0.2"


def test_nv120_example_for_an_ipv6_allowlist_with_the_documentation_range_excepted() -> None:
    cluster = load_text("""
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: alpha, labels: {app: web}}
spec: {containers: [{name: main, image: img}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open6, namespace: alpha}
spec:
  podSelector: {}
  ingress:
  - from:
    - ipBlock: {cidr: "::/0", except: ["2001:db8::/32"]}
""")
    examples = [f.example for f in get_rule("NV120")().check(cluster)]
    assert examples, "NV120 should report the IPv6 internet allowlist"
    for example in examples:
        source = example.split(" -> ")[0]
        assert ipaddress.ip_address(source).version == 6, example
