"""Differential and metamorphic properties: every engine agrees with an independent oracle.

``Oracle`` below is a deliberately naive re-implementation of upstream
NetworkPolicy semantics
(https://kubernetes.io/docs/concepts/services-networking/network-policies/ and
the networking.k8s.io/v1 API reference).  It reads the *raw manifest dicts* the
strategies draw, shares no code with ``netverify`` (not the loader, not the
model, not the selector matcher, not PortSet) and decides one
(protocol, port) at a time over a finite probe set, so a mistake in netverify's
interval arithmetic, equivalence classes or normalisation cannot be mirrored
here.

The properties:

(a) oracle == ``Evaluator`` on every pod pair and probe;
(b) ``Evaluator.allowed_ports`` == the all-pairs engine (off the loopback diagonal);
(c) ``matrix(by="pod")`` == ``Evaluator`` (loopback included), also for one port;
(d) ``matrix(by="namespace")`` (and ``by="workload"``) pair counts and port unions ==
    those counted from the ``Evaluator``;
(e) adding a deny-all policy to a namespace never adds a connection;
(f) ``netverify.selectors`` matching == the oracle's selector matching;
(g) the SMT engine == the oracle on every pair, a pod with itself included;
(h) ``check``'s two scopes agree on self-traffic: a ``deny`` that fails over the existing
    pods of a namespace fails over every pod that could exist there too.

The strategies draw pods with no known address, IPv4 or IPv6 only, and dual-stack, and
ipBlocks of both families, so every property covers address families; the oracle counts
a connection allowed when some family both ends have allows it, and a pod's connection
to itself as always allowed.

Counterexamples are pinned as YAML under ``regressions/`` and replayed by
``test_regression_case``: each file holds the manifests, a comment on what it
caught, optional explicit verdicts (``expect``) and, while netverify is wrong on
it, an ``xfail`` reason (strict, so a fix shows up as XPASS).
"""

from __future__ import annotations

import ipaddress
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, currently_in_test_context, given, note, settings
from hypothesis import strategies as st

from netverify.engines.allpairs import compute_all_pairs
from netverify.engines.concrete import Evaluator
from netverify.engines.smt.engine import SmtEngine
from netverify.loader import load_text
from netverify.model import Cluster, Pod
from netverify.ports import PortSet, Protocol
from netverify.queries.check import check
from netverify.queries.matrix import matrix
from netverify.selectors import parse_selector
from netverify.verdicts import AssertionStatus
from tests import strategies as S

REGRESSIONS = Path(__file__).parent / "regressions"

# -- the oracle ---------------------------------------------------------------------------

NAME_LABEL = "kubernetes.io/metadata.name"
PROBE_PROTOCOLS = ("TCP", "UDP", "SCTP")
PROBE_PORTS = tuple(sorted({1, 65535} | {p + d for p in S.PORTS for d in (-1, 0, 1)}))
PROBES = tuple((proto, port) for proto in PROBE_PROTOCOLS for port in PROBE_PORTS)


def oracle_selector_matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """LabelSelector semantics: matchLabels and matchExpressions all AND'd; {} matches all."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if key not in labels or labels[key] != str(value):
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op = expr["key"], expr["operator"]
        values = [str(v) for v in expr.get("values") or []]
        if op == "In":
            ok = key in labels and labels[key] in values
        elif op == "NotIn":
            ok = key not in labels or labels[key] not in values
        elif op == "Exists":
            ok = key in labels
        elif op == "DoesNotExist":
            ok = key not in labels
        else:
            raise AssertionError(f"oracle: unknown operator {op}")
        if not ok:
            return False
    return True


@dataclass(frozen=True)
class OPod:
    """A pod as the oracle sees it (bare Pod or a workload's template)."""

    key: str
    namespace: str
    kind: str
    labels: dict[str, str]
    ips: tuple[Any, ...]  # ipaddress objects
    container_ports: tuple[tuple[str | None, str, int], ...]  # (name, protocol, number)
    host_network: bool


def _opod(doc: dict[str, Any]) -> OPod:
    kind = doc["kind"]
    meta = doc["metadata"]
    ns = meta.get("namespace") or "default"
    if kind == "Pod":
        labels, spec = meta.get("labels") or {}, doc.get("spec") or {}
        status = doc.get("status") or {}
        texts = [e["ip"] for e in status.get("podIPs") or []] or (
            [status["podIP"]] if status.get("podIP") else [])
        ips = tuple(ipaddress.ip_address(t) for t in texts)
    else:
        spec = doc["spec"]
        if kind == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        template = spec["template"]
        labels = (template.get("metadata") or {}).get("labels") or {}
        spec = template.get("spec") or {}
        ips = ()
    cports = tuple((cp.get("name"), cp.get("protocol") or "TCP", cp["containerPort"])
                   for c in spec.get("containers") or [] for cp in c.get("ports") or [])
    return OPod(key=f"{ns}/{meta['name']}", namespace=ns, kind=kind,
                labels={str(k): str(v) for k, v in labels.items()}, ips=ips,
                container_ports=cports, host_network=bool(spec.get("hostNetwork")))


class Oracle:
    """Upstream NetworkPolicy semantics on raw manifests, one (protocol, port) at a time."""

    def __init__(self, manifests: Iterable[dict[str, Any]]) -> None:
        self.ns_labels: dict[str, dict[str, str]] = {}
        self.pods: dict[str, OPod] = {}
        self.policies: list[dict[str, Any]] = []
        manifests = S.flatten(list(manifests))
        # netverify's modelling choice (not a Kubernetes rule): a workload whose real pods are
        # in the input is represented by them, not by a template pod.
        owned = {((doc["metadata"].get("namespace") or "default"), ref["kind"], ref["name"])
                 for doc in manifests if doc["kind"] == "Pod"
                 for ref in doc["metadata"].get("ownerReferences") or [] if ref.get("controller")}
        for doc in manifests:
            ns = doc["metadata"].get("namespace") or "default"
            if (ns, doc["kind"], doc["metadata"]["name"]) in owned:
                continue
            kind = doc["kind"]
            if kind == "Namespace":
                name = doc["metadata"]["name"]
                labels = dict(doc["metadata"].get("labels") or {})
                labels[NAME_LABEL] = name  # set (and overwritten) by the API server
                self.ns_labels[name] = labels
            elif kind == "NetworkPolicy":
                self.policies.append(doc)
            elif kind == "Pod" or kind in S.WORKLOAD_KINDS:
                p = _opod(doc)
                self.pods[p.key] = p

    def namespace_labels(self, ns: str) -> dict[str, str]:
        return self.ns_labels.get(ns, {NAME_LABEL: ns})

    @staticmethod
    def policy_namespace(pol: dict[str, Any]) -> str:
        return pol["metadata"].get("namespace") or "default"

    @staticmethod
    def policy_types(pol: dict[str, Any]) -> set[str]:
        spec = pol.get("spec") or {}
        types = spec.get("policyTypes")
        if types:  # missing or empty: defaulted
            return set(types)
        out = {"Ingress"}
        if spec.get("egress"):
            out.add("Egress")
        return out

    def isolating(self, pod: OPod, direction: str) -> list[dict[str, Any]]:
        """Policies in the pod's namespace selecting it with ``direction`` in policyTypes."""
        if pod.host_network:
            return []
        return [pol for pol in self.policies
                if self.policy_namespace(pol) == pod.namespace
                and direction in self.policy_types(pol)
                and oracle_selector_matches((pol.get("spec") or {}).get("podSelector"),
                                            pod.labels)]

    def peer_matches(self, pol: dict[str, Any], peer: dict[str, Any], other: OPod,
                     family: int) -> bool:
        # An explicit null is the same as an absent field (API server decoding).
        peer = {k: v for k, v in peer.items() if v is not None}
        if "ipBlock" in peer:
            # The connection uses one address family; the block sees the pod's address of it.
            block = peer["ipBlock"]
            net = ipaddress.ip_network(block["cidr"], strict=False)
            excepts = [ipaddress.ip_network(e, strict=False) for e in block.get("except") or []]
            return net.version == family and any(
                ip.version == family and ip in net
                and not any(ip.version == e.version and ip in e for e in excepts)
                for ip in other.ips)
        if other.host_network:
            return False  # node traffic: only ipBlock can match it
        if "namespaceSelector" in peer:
            if not oracle_selector_matches(peer["namespaceSelector"],
                                           self.namespace_labels(other.namespace)):
                return False
        elif other.namespace != self.policy_namespace(pol):
            return False
        return "podSelector" not in peer or oracle_selector_matches(peer["podSelector"],
                                                                    other.labels)

    @staticmethod
    def port_matches(rule: dict[str, Any], dst: OPod, proto: str, port: int) -> bool:
        entries = rule.get("ports")
        if not entries:
            return True
        for e in entries:
            if (e.get("protocol") or "TCP") != proto:
                continue
            p = e.get("port")
            if p is None:
                return True
            if isinstance(p, int):
                if p <= port <= e.get("endPort", p):
                    return True
            elif any(name == p and cproto == proto and num == port
                     for name, cproto, num in dst.container_ports):
                return True
        return False

    def side_allows(self, direction: str, subject: OPod, other: OPod, dst: OPod,
                    proto: str, port: int, family: int) -> bool:
        pols = self.isolating(subject, direction)
        if not pols:
            return True
        field, peers_field = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
        for pol in pols:
            for rule in (pol.get("spec") or {}).get(field) or []:
                rule = rule or {}
                peers = rule.get(peers_field)
                if peers and not any(self.peer_matches(pol, pr, other, family) for pr in peers):
                    continue
                if self.port_matches(rule, dst, proto, port):
                    return True
        return False

    @staticmethod
    def families(pod: OPod) -> set[int]:
        """Families a pod can connect over: those of its addresses; both when none is known."""
        return {ip.version for ip in pod.ips} or {4, 6}

    def allowed(self, src: OPod, dst: OPod, proto: str, port: int) -> bool:
        if src.key == dst.key and src.kind == "Pod":
            return True  # loopback never leaves the pod
        # A connection uses one address family both ends have; allowed when one such works.
        return any(self.side_allows("Egress", src, dst, dst, proto, port, family)
                   and self.side_allows("Ingress", dst, src, dst, proto, port, family)
                   for family in sorted(self.families(src) & self.families(dst)))


# -- helpers ------------------------------------------------------------------------------


def load(manifests: list[dict[str, Any]]) -> Cluster:
    text = S.to_yaml(manifests)
    if currently_in_test_context():
        note(f"manifests:\n{text}")
    return load_text(text, "hypothesis.yaml")


def is_loopback(a: Pod, b: Pod) -> bool:
    return a.key == b.key and not a.is_template


def proto_of(name: str | None) -> Protocol | None:
    return None if name is None else Protocol(name)


def check_oracle(manifests: list[dict[str, Any]], cluster: Cluster) -> None:
    """(a): the oracle and the Evaluator agree on every pair and probe."""
    oracle = Oracle(manifests)
    assert sorted(p.key for p in cluster.pods) == sorted(oracle.pods), "loader lost/added pods"
    ev = Evaluator(cluster)
    bad = []
    for src in cluster.pods:
        for dst in cluster.pods:
            got = ev.pair(src, dst).allowed
            assert got == ev.allowed_ports(src, dst), f"pair/allowed_ports {src.key}->{dst.key}"
            osrc, odst = oracle.pods[src.key], oracle.pods[dst.key]
            for proto, port in PROBES:
                want = oracle.allowed(osrc, odst, proto, port)
                if got.contains(Protocol(proto), port) != want:
                    bad.append(f"{src.key} -> {dst.key} {proto}/{port}: oracle {want}, "
                               f"netverify {not want} (netverify ports: {got})")
    assert not bad, "oracle disagrees with Evaluator:\n  " + "\n  ".join(bad[:12])


def check_allpairs(cluster: Cluster) -> None:
    """(b): the pairwise Evaluator and the all-pairs engine agree off the loopback diagonal."""
    ev = Evaluator(cluster)
    ap = compute_all_pairs(cluster)
    bad = []
    for src in cluster.pods:
        for dst in cluster.pods:
            if is_loopback(src, dst):
                continue
            one = ev.allowed_ports(src, dst)
            many = ap.portset(ap.pods.class_of[src.key], ap.pods.class_of[dst.key])
            if one != many:
                bad.append(f"{src.key} -> {dst.key}: Evaluator {one}, all-pairs {many}")
    assert not bad, "all-pairs disagrees with Evaluator:\n  " + "\n  ".join(bad[:12])


def selected_pods(cluster: Cluster, namespaces: tuple[str, ...]) -> list[Pod]:
    return [p for p in cluster.pods if not namespaces or p.namespace in namespaces]


def check_pod_matrix(cluster: Cluster, port: int | None = None, protocol: str | None = None,
                     namespaces: tuple[str, ...] = ()) -> None:
    """(c): matrix(by="pod") cells equal the Evaluator's verdicts, loopback included."""
    ev = Evaluator(cluster)
    m = matrix(cluster, by="pod", port=port, protocol=protocol, namespaces=namespaces)
    proto = proto_of(protocol) or (Protocol.TCP if port is not None else None)
    pods = {p.key: p for p in selected_pods(cluster, namespaces)}
    assert m.rows == tuple(pods)
    assert len(m.cells) == len(pods) ** 2
    bad = []
    for cell in m.cells:
        want = ev.allowed_ports(pods[cell.src], pods[cell.dst]).restrict(proto, port)
        if cell.allowed != want:
            bad.append(f"{cell.src} -> {cell.dst}: matrix {cell.allowed}, Evaluator {want}")
    assert not bad, (f"matrix(by=pod, port={port}, protocol={protocol}, "
                     f"namespaces={namespaces}) disagrees:\n  "
                     + "\n  ".join(bad[:12]))


def check_group_matrix(cluster: Cluster, by: str = "namespace", port: int | None = None,
                       protocol: str | None = None, namespaces: tuple[str, ...] = ()) -> None:
    """(d): group cells (``namespace`` or ``workload``) count ordered pairs of distinct pods
    (a template counts as a pair with its own replicas) and union their ports, exactly as the
    Evaluator decides each pod pair."""
    ev = Evaluator(cluster)
    m = matrix(cluster, by=by, port=port, protocol=protocol, namespaces=namespaces)
    proto = proto_of(protocol) or (Protocol.TCP if port is not None else None)
    pods = selected_pods(cluster, namespaces)

    def group(p: Pod) -> str:
        return p.namespace if by == "namespace" else p.group

    names = sorted({group(p) for p in pods})
    assert list(m.rows) == names
    want: dict[tuple[str, str], list[Any]] = {(s, d): [0, 0, PortSet.empty()]
                                              for s in names for d in names}
    for a in pods:
        for b in pods:
            if is_loopback(a, b):
                continue
            w = want[(group(a), group(b))]
            w[0] += 1
            ps = ev.allowed_ports(a, b).restrict(proto, port)
            if not ps.is_empty:
                w[1] += 1
                w[2] = w[2].union(ps)
    bad = []
    for cell in m.cells:
        pairs, allowed_pairs, ports = want[(cell.src, cell.dst)]
        got = (cell.pairs, cell.allowed_pairs, cell.allowed)
        if got != (pairs, allowed_pairs, ports):
            bad.append(f"{cell.src} -> {cell.dst}: matrix pairs={cell.pairs} "
                       f"allowed={cell.allowed_pairs} ports={cell.allowed}; Evaluator "
                       f"pairs={pairs} allowed={allowed_pairs} ports={ports}")
    assert not bad, (f"matrix(by={by}, port={port}, protocol={protocol}, "
                     f"namespaces={namespaces}) disagrees:\n  "
                     + "\n  ".join(bad[:12]))


def check_deny_all(manifests: list[dict[str, Any]], cluster: Cluster, namespace: str) -> None:
    """(e): a deny-all (Ingress+Egress) in ``namespace`` never adds a connection.

    More precisely: it empties every non-loopback pair whose source it newly isolates for
    egress or whose destination it newly isolates for ingress (a side already isolated keeps
    its rules: policies are additive), and leaves every other pair exactly as it was.
    """
    after = load([*manifests, S.deny_all(namespace)])
    ev0, ev1 = Evaluator(cluster), Evaluator(after)
    oracle = Oracle(manifests)

    def newly_isolated(p: Pod, direction: str) -> bool:
        return (p.namespace == namespace and not p.host_network
                and not oracle.isolating(oracle.pods[p.key], direction))

    pods0 = {p.key: p for p in cluster.pods}
    assert set(pods0) == {p.key for p in after.pods}
    bad = []
    for src in after.pods:
        for dst in after.pods:
            old = ev0.allowed_ports(pods0[src.key], pods0[dst.key])
            new = ev1.allowed_ports(src, dst)
            if new.intersection(old) != new:
                bad.append(f"{src.key} -> {dst.key}: deny-all added {new} (was {old})")
                continue
            cut = newly_isolated(src, "Egress") or newly_isolated(dst, "Ingress")
            expect = old if is_loopback(src, dst) or not cut else PortSet.empty()
            if new != expect:
                bad.append(f"{src.key} -> {dst.key}: after deny-all {new}, expected {expect}")
    # The all-pairs engine must see the same shrinkage.
    m0 = {(c.src, c.dst): c.allowed for c in matrix(cluster, by="pod").cells}
    for c in matrix(after, by="pod").cells:
        if c.allowed.intersection(m0[(c.src, c.dst)]) != c.allowed:
            bad.append(f"matrix {c.src} -> {c.dst}: deny-all added {c.allowed}")
    assert not bad, f"deny-all in {namespace}:\n  " + "\n  ".join(bad[:12])


def check_everything(manifests: list[dict[str, Any]]) -> None:
    cluster = load(manifests)
    check_oracle(manifests, cluster)
    check_allpairs(cluster)
    check_pod_matrix(cluster)
    check_group_matrix(cluster, "namespace")
    check_group_matrix(cluster, "workload")
    for ns in sorted({p.namespace for p in cluster.pods}):
        check_deny_all(manifests, cluster, ns)


# -- properties ---------------------------------------------------------------------------

probe_ports = st.sampled_from(PROBE_PORTS)
protocol_names = st.sampled_from((None, *PROBE_PROTOCOLS))


def draw_matrix_query(data: st.DataObject, cluster: Cluster
                      ) -> tuple[int | None, str | None, tuple[str, ...]]:
    """A port (or none), a protocol (or none) and a namespace filter (or none) for matrix()."""
    port = data.draw(st.none() | probe_ports, label="port")
    protocol = data.draw(protocol_names, label="protocol")
    namespaces = tuple(data.draw(st.lists(st.sampled_from(sorted(cluster.namespaces)),
                                          max_size=2, unique=True), label="namespaces"))
    return port, protocol, namespaces


@given(manifests=S.clusters(), data=st.data())
def test_oracle_agrees_with_evaluator(manifests: list[dict[str, Any]], data: st.DataObject
                                      ) -> None:
    """(a) every pair and probe; plus one drawn pair asked through ``pair(protocol, port)``."""
    cluster = load(manifests)
    check_oracle(manifests, cluster)
    src = data.draw(st.sampled_from(cluster.pods), label="src")
    dst = data.draw(st.sampled_from(cluster.pods), label="dst")
    proto = data.draw(st.sampled_from(PROBE_PROTOCOLS), label="protocol")
    port = data.draw(probe_ports, label="port")
    v = Evaluator(cluster).pair(src, dst, protocol=Protocol(proto), port=port)
    oracle = Oracle(manifests)
    want = oracle.allowed(oracle.pods[src.key], oracle.pods[dst.key], proto, port)
    assert v.is_allowed == want
    assert v.allowed == (PortSet.of(Protocol(proto), port) if want else PortSet.empty())


@given(manifests=S.clusters())
def test_allpairs_agrees_with_evaluator(manifests: list[dict[str, Any]]) -> None:
    """(b)."""
    check_allpairs(load(manifests))


@given(manifests=S.clusters(), data=st.data())
def test_pod_matrix_agrees_with_evaluator(manifests: list[dict[str, Any]], data: st.DataObject
                                          ) -> None:
    """(c) whole port space, then one drawn protocol and/or port and namespace filter."""
    cluster = load(manifests)
    check_pod_matrix(cluster)
    port, protocol, namespaces = draw_matrix_query(data, cluster)
    check_pod_matrix(cluster, port=port, protocol=protocol, namespaces=namespaces)


@given(manifests=S.clusters(), data=st.data())
def test_namespace_matrix_counts_agree_with_evaluator(manifests: list[dict[str, Any]],
                                                      data: st.DataObject) -> None:
    """(d) whole port space, then one drawn protocol and/or port and namespace filter."""
    cluster = load(manifests)
    check_group_matrix(cluster, "namespace")
    port, protocol, namespaces = draw_matrix_query(data, cluster)
    check_group_matrix(cluster, "namespace", port=port, protocol=protocol, namespaces=namespaces)


@given(manifests=S.clusters(), data=st.data())
def test_workload_matrix_counts_agree_with_evaluator(manifests: list[dict[str, Any]],
                                                     data: st.DataObject) -> None:
    """(d') the same for ``by="workload"`` (real pods grouped by their controller)."""
    cluster = load(manifests)
    check_group_matrix(cluster, "workload")
    port, protocol, namespaces = draw_matrix_query(data, cluster)
    check_group_matrix(cluster, "workload", port=port, protocol=protocol, namespaces=namespaces)


@given(manifests=S.clusters(), data=st.data())
def test_deny_all_never_adds_connections(manifests: list[dict[str, Any]], data: st.DataObject
                                         ) -> None:
    """(e) in a namespace with pods, or in one without (a no-op for reachability)."""
    cluster = load(manifests)
    namespace = data.draw(st.sampled_from(S.NAMESPACE_NAMES), label="namespace")
    check_deny_all(manifests, cluster, namespace)


@given(selector=S.label_selectors(), labels=S.label_sets())
def test_pod_selector_matching_agrees(selector: dict[str, Any], labels: dict[str, str]) -> None:
    """(f) pod selectors over pod labels."""
    parsed = parse_selector(selector, source=None, field="spec.podSelector")
    assert parsed.matches(labels) == oracle_selector_matches(selector, labels)


@given(selector=S.namespace_selectors(), name=st.sampled_from(S.NAMESPACE_NAMES),
       labels=S.label_sets(S.NAMESPACE_LABEL_KEYS))
def test_namespace_selector_matching_agrees(selector: dict[str, Any], name: str,
                                            labels: dict[str, str]) -> None:
    """(f) namespace selectors over namespace labels (with the automatic name label)."""
    labels = {**labels, NAME_LABEL: name}
    parsed = parse_selector(selector, source=None, field="namespaceSelector")
    assert parsed.matches(labels) == oracle_selector_matches(selector, labels)


@pytest.mark.slow
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(manifests=S.clusters(max_pods=10, max_policies=6))
def test_everything_agrees_on_larger_clusters(manifests: list[dict[str, Any]]) -> None:
    """(a)-(e) together on clusters up to 10 pods and 6 policies."""
    check_everything(manifests)


SMT_EXAMPLES = settings(max_examples=20, deadline=None,
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SMT_EXAMPLES
@given(manifests=S.clusters(max_pods=4, max_policies=3))
def test_smt_engine_agrees_with_the_oracle_on_every_pair(manifests: list[dict[str, Any]]
                                                         ) -> None:
    """(g) pod pairs of every address-family mix, and each pod with itself."""
    cluster = load(manifests)
    oracle = Oracle(manifests)
    smt = SmtEngine(cluster)
    bad = []
    for src in cluster.pods:
        for dst in cluster.pods:
            got = smt.allowed_ports(smt.pod(src), smt.pod(dst))
            osrc, odst = oracle.pods[src.key], oracle.pods[dst.key]
            for proto, port in PROBES:
                want = oracle.allowed(osrc, odst, proto, port)
                if got.contains(Protocol(proto), port) != want:
                    bad.append(f"{src.key} -> {dst.key} {proto}/{port}: oracle {want}")
    assert not bad, "SMT engine disagrees with the oracle:\n  " + "\n  ".join(bad[:12])


@SMT_EXAMPLES
@given(manifests=S.clusters(max_pods=4, max_policies=3), data=st.data())
def test_check_scopes_agree_on_self_traffic(manifests: list[dict[str, Any]],
                                            data: st.DataObject) -> None:
    """(h) "nothing in NS reaches DST" over existing pods, then over every possible pod.

    Every possible pod includes the existing ones, so a failure over the existing pods
    (DST reaching itself is one) must be a failure over every possible pod.  Hypothetical
    pods are ordinary pods, so namespaces with hostNetwork pods are left out.
    """
    cluster = load(manifests)
    dst = data.draw(st.sampled_from(cluster.pods), label="dst")
    ns = data.draw(st.sampled_from(sorted({p.namespace for p in cluster.pods})), label="ns")
    assume(not any(p.host_network for p in cluster.pods if p.namespace == ns))
    port = data.draw(st.sampled_from(S.PORTS), label="port")
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "spec.yaml"
        spec.write_text(yaml.safe_dump({"manifests": ["unused"], "assertions": [
            {"name": scope, "from": f"{ns}/*", "to": dst.key, "port": port, "expect": "deny",
             "scope": scope, "answer": "policy"} for scope in ("existing", "any")]}))
        existing, anyone = check([str(spec)], load=lambda paths: cluster).results
    assert AssertionStatus.UNDECIDED not in (existing.status, anyone.status), anyone.reason
    if existing.status is AssertionStatus.FAIL:
        assert anyone.status is AssertionStatus.FAIL, (existing.reason, anyone.reason)


# -- pinned counterexamples ----------------------------------------------------------------


def _regression_params() -> list[Any]:
    out = []
    for path in sorted(REGRESSIONS.glob("*.yaml")):
        case = yaml.safe_load(path.read_text())
        marks = []
        if case.get("xfail"):
            marks.append(pytest.mark.xfail(strict=True, reason=case["xfail"]))
        out.append(pytest.param(path, id=path.stem, marks=marks))
    return out


@pytest.mark.parametrize("path", _regression_params())
def test_regression_case(path: Path) -> None:
    """Replay a pinned counterexample: its explicit verdicts, every property, the SMT engine."""
    case = yaml.safe_load(path.read_text())
    manifests = case["manifests"]
    cluster = load_text(S.to_yaml(manifests), path.name)
    pods = {p.key: p for p in cluster.pods}
    ev = Evaluator(cluster)
    oracle = Oracle(manifests)
    for e in case.get("expect") or []:
        proto = e.get("protocol", "TCP")
        want = e["allowed"]
        assert oracle.allowed(oracle.pods[e["src"]], oracle.pods[e["dst"]], proto,
                              e["port"]) == want, f"oracle on {e}"
        got = ev.allowed_ports(pods[e["src"]], pods[e["dst"]]).contains(Protocol(proto),
                                                                        e["port"])
        assert got == want, f"Evaluator on {e}"
    check_everything(manifests)
    smt = SmtEngine(cluster)
    for src in cluster.pods:
        for dst in cluster.pods:
            assert smt.allowed_ports(smt.pod(src), smt.pod(dst)) == ev.allowed_ports(
                src, dst), f"SMT engine on {src.key} -> {dst.key}"
    for port, protocol in case.get("ports") or []:
        check_pod_matrix(cluster, port=port, protocol=protocol)
        check_group_matrix(cluster, "namespace", port=port, protocol=protocol)
        check_group_matrix(cluster, "workload", port=port, protocol=protocol)
