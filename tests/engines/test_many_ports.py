"""Port lists handled as merged intervals, checked against a naive per-port reading.

Kubernetes (networking.k8s.io/v1 NetworkPolicyPort): an entry is a protocol
(default TCP) and optionally a port, a number or a named container port of the
destination, with ``endPort`` making a number a range; an entry without a port
means every port of its protocol; a rule without ``ports`` (or with an empty
list) means every port and protocol.  Entries are OR'd.  The naive reader below
applies that to one (protocol, port) at a time, straight from the manifest dicts.
"""

from __future__ import annotations

from typing import Any

import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netverify.engines.allpairs import compute_all_pairs
from netverify.engines.classes import port_classes
from netverify.engines.concrete import Evaluator, ports_of_rule
from netverify.engines.smt.engine import SmtEngine
from netverify.engines.smt.formulas import port_in
from netverify.ports import MAX_PORT, MIN_PORT, PROTOCOLS, PortSet, Protocol, normalize_intervals
from tests.shapes import many_ports
from tests.support import cluster

SERVER_PORTS = [{"containerPort": 8080, "name": "http"},
                {"containerPort": 53, "name": "dns", "protocol": "UDP"},
                {"containerPort": 320, "name": "alt", "protocol": "SCTP"}]
PROBES = sorted({*range(1, 360), 8080, 59_999, 60_000, 60_001, 65_534, 65_535})


def naive(entries: list[dict[str, Any]] | None, proto: str, port: int) -> bool:
    """Does a ``ports`` list admit (proto, port) towards the demo server?"""
    if not entries:
        return True
    for e in entries:
        if e.get("protocol", "TCP") != proto:
            continue
        p = e.get("port")
        if p is None:
            return True
        if isinstance(p, str):
            if any(cp["name"] == p and cp.get("protocol", "TCP") == proto
                   and cp["containerPort"] == port for cp in SERVER_PORTS):
                return True
        elif p <= port <= e.get("endPort", p):
            return True
    return False


@st.composite
def entry(draw: st.DrawFn) -> dict[str, Any]:
    e: dict[str, Any] = {}
    proto = draw(st.sampled_from([None, "TCP", "UDP", "SCTP"]))
    if proto:
        e["protocol"] = proto
    kind = draw(st.sampled_from(["number", "number", "range", "wide", "name", "none"]))
    if kind == "none":
        return e
    if kind == "name":
        e["port"] = draw(st.sampled_from(["http", "dns", "alt", "nope"]))
        return e
    lo = draw(st.integers(1, 340)) if kind != "wide" else draw(st.integers(59_990, 65_535))
    e["port"] = lo
    if kind != "number":
        e["endPort"] = min(MAX_PORT, lo + draw(st.integers(0, 40 if kind == "range" else 6000)))
    return e


port_lists = st.lists(entry(), max_size=60)


def _as_set(entries: list[dict[str, Any]] | None) -> dict[Protocol, set[int]]:
    return {p: {n for n in PROBES if naive(entries, p.value, n)} for p in PROTOCOLS}


def _probed(ps: PortSet) -> dict[Protocol, set[int]]:
    return {p: {n for n in PROBES if ps.contains(p, n)} for p in PROTOCOLS}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ingress=port_lists, egress=port_lists)
def test_every_engine_reads_long_port_lists_like_the_naive_reader(ingress, egress):
    c = cluster(*many_ports(ingress, egress, SERVER_PORTS))
    pods = {p.key: p for p in c.pods}
    client, server = pods["demo/client"], pods["demo/server"]
    want = {p: a & b for (p, a), b in zip(_as_set(ingress).items(), _as_set(egress).values(),
                                          strict=True)}
    concrete = Evaluator(c).pair(client, server).allowed
    assert _probed(concrete) == want
    ap = compute_all_pairs(c)
    assert ap.portset(ap.pods.class_of[client.key], ap.pods.class_of[server.key]) == concrete
    smt = SmtEngine(c)
    assert smt.allowed_ports(smt.pod(client), smt.pod(server)) == concrete


@st.composite
def port_sets(draw: st.DrawFn) -> PortSet:
    m = {}
    for p in PROTOCOLS:
        ivs = []
        for _ in range(draw(st.integers(0, 6))):
            lo = draw(st.sampled_from([MIN_PORT, *range(2, 80), 65_000, MAX_PORT]))
            ivs.append((lo, min(MAX_PORT, lo + draw(st.integers(0, 30)))))
        m[p] = ivs
    return PortSet.from_map(m)


@given(preds=st.lists(port_sets(), max_size=8))
def test_port_classes_partition_ports_and_cover_each_predicate_exactly(preds):
    classes = port_classes(preds)
    union = PortSet.empty()
    for k, ps in enumerate(classes.portsets):
        assert not ps.is_empty and union.intersection(ps).is_empty  # disjoint
        union = union.union(ps)
        (proto, ivs), = ps.items()
        assert classes.class_of(proto, ivs[0][0]) == k and classes.class_of(proto, ivs[-1][1]) == k
    assert union.is_all
    for pred in preds:
        covered = PortSet.empty()
        for k in classes.cover(pred):
            covered = covered.union(classes.portsets[k])
        assert covered == pred


@given(ps=port_sets(), probes=st.lists(st.integers(MIN_PORT, MAX_PORT), max_size=20))
def test_port_in_is_interval_membership(ps, probes):
    port = z3.BitVec("p", 16)
    for proto, ivs in ps.items():
        term = port_in(port, ivs)
        for n in {*probes, *(b for iv in ivs for b in (iv[0] - 1, iv[0], iv[1], iv[1] + 1))}:
            if MIN_PORT <= n <= MAX_PORT:
                got = z3.simplify(z3.substitute(term, (port, z3.BitVecVal(n, 16))))
                assert z3.is_true(got) == ps.contains(proto, n), (proto, n)


# -- the work grows with the entries, not with their square ---------------------------------

SPREAD = [{"port": 1 + 3 * i, "protocol": ("TCP", "UDP")[i % 2]} for i in range(2_000)]


def test_a_rule_is_merged_once_not_once_per_entry(monkeypatch):
    import netverify.ports as ports_module

    sizes: list[int] = []
    real = ports_module.normalize_intervals

    def measured(intervals):  # type: ignore[no-untyped-def]
        items = list(intervals)
        sizes.append(len(items))
        return real(items)

    monkeypatch.setattr(ports_module, "normalize_intervals", measured)
    c = cluster(*many_ports(SPREAD))
    got = ports_of_rule(c.policies[0].ingress[0], c.pods[1])
    assert len(got.tcp) == len(got.udp) == 1_000
    # Merging entry by entry re-sorts the growing set: about 2,000,000 intervals in all.
    assert sum(sizes) < 20 * len(SPREAD)


def test_a_long_ports_list_is_a_few_port_classes():
    c = cluster(*many_ports(SPREAD))
    ap = compute_all_pairs(c)
    # In the rule or not, per protocol, plus the server's named port: not 2,000 classes.
    assert len(ap.ports) <= 8
    ps = ap.portset(ap.pods.class_of["demo/client"], ap.pods.class_of["demo/server"])
    assert ps.tcp == normalize_intervals((1 + 6 * i, 1 + 6 * i) for i in range(1_000))
