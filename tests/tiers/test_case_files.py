"""Well-formedness of the tier case files (tests/tiers/cases/*.yaml).

This only checks the *format* of the specification-derived test data: the schema of
each file, that every endpoint a query names exists in the case's manifests, that
every case has an upstream source.  It does not evaluate anything and never uses
the netverify package: the case files are meant to check netverify independently.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent
CASE_DIR = HERE / "cases"
FILES = sorted(CASE_DIR.glob("*.yaml"))

FILE_KEYS = {"source", "cases"}
CASE_KEYS = {"name", "description", "source", "features", "manifests", "expect", "invalid"}
QUERY_KEYS = {"from", "to", "port", "protocol", "verdict", "why", "decided_by"}
DECIDED_KEYS = {"tier", "policy", "rule", "action", "direction"}
TIERS = {"admin", "networkpolicy", "baseline", "default"}
ACTIONS = {"Allow", "Accept", "Deny", "Pass"}
VERDICTS = {"allowed", "denied", "undecided"}
PROTOCOLS = {"TCP", "UDP", "SCTP"}
FEATURES = {"NamedPorts", "EgressNodePeers", "DomainNames"}
POLICY_API = {
    "AdminNetworkPolicy": "policy.networking.k8s.io/v1alpha1",
    "BaselineAdminNetworkPolicy": "policy.networking.k8s.io/v1alpha1",
    "ClusterNetworkPolicy": "policy.networking.k8s.io/v1alpha2",
    "NetworkPolicy": "networking.k8s.io/v1",
}
CORE_KINDS = {"Namespace", "Pod", "Node", "Service"}
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# An upstream reference pinned to a commit: a GitHub blob URL with a 40-hex commit.
PINNED = re.compile(r"https://github\.com/[\w.-]+/[\w.-]+/blob/[0-9a-f]{40}/\S+")


@functools.cache
def load(path: Path) -> dict:
    # The C loader when available: the files hold about 1.7 MB of YAML.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open() as f:
        return yaml.load(f, Loader=loader)


def sources(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    assert isinstance(value, list) and value, (
        f"source must be a string or a non-empty list: {value!r}"
    )
    assert all(isinstance(s, str) for s in value), value
    return value


def check_source(value, where: str) -> None:
    for s in sources(value):
        assert PINNED.fullmatch(s), f"{where}: source is not a commit-pinned upstream URL: {s}"


def is_address(s: str) -> bool:
    try:
        ipaddress.ip_address(s)
        return True
    except ValueError:
        return False


def test_there_are_case_files():
    assert FILES, f"no case files in {CASE_DIR}"


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_file_format(path: Path):
    doc = load(path)
    assert isinstance(doc, dict), "top level must be a mapping"
    assert set(doc) <= FILE_KEYS and "cases" in doc and "source" in doc, sorted(doc)
    check_source(doc["source"], path.name)
    assert isinstance(doc["cases"], list) and doc["cases"], "cases must be a non-empty list"
    for case in doc["cases"]:
        check_case(case, path.name)


def check_case(case: dict, fname: str) -> None:
    assert isinstance(case, dict), f"{fname}: a case must be a mapping"
    name = case.get("name")
    where = f"{fname}: {name}"
    assert isinstance(name, str) and KEBAB.match(name), f"{where}: name must be kebab-case"
    assert set(case) <= CASE_KEYS, f"{where}: unknown keys {sorted(set(case) - CASE_KEYS)}"
    assert isinstance(case.get("description"), str) and case["description"].strip(), (
        f"{where}: description required"
    )
    if "source" in case:
        check_source(case["source"], where)
    if "features" in case:
        assert set(case["features"]) <= FEATURES, f"{where}: unknown features {case['features']}"
    assert ("expect" in case) != ("invalid" in case), (
        f"{where}: a case has either 'expect' (queries) or 'invalid' (rejected object)"
    )

    manifests = case.get("manifests")
    assert isinstance(manifests, list) and manifests, f"{where}: manifests must be a non-empty list"
    index = check_manifests(manifests, where)

    if "invalid" in case:
        inv = case["invalid"]
        assert isinstance(inv, dict) and set(inv) == {"kind", "name", "field"}, (
            f"{where}: invalid must be {{kind, name, field}}"
        )
        assert (inv["kind"], inv["name"]) in index["objects"], (
            f"{where}: invalid names {inv['kind']} {inv['name']}, which is not in the manifests"
        )
        assert isinstance(inv["field"], str) and inv["field"], where
        return

    expect = case["expect"]
    assert isinstance(expect, list) and expect, f"{where}: expect must be a non-empty list"
    for q in expect:
        check_query(q, index, where)


def check_manifests(manifests: list, where: str) -> dict:
    namespaces, pods, services, objects = set(), set(), set(), set()
    for m in manifests:
        assert isinstance(m, dict), f"{where}: manifest must be a mapping"
        kind, api = m.get("kind"), m.get("apiVersion")
        md = m.get("metadata") or {}
        assert kind and api and md.get("name"), (
            f"{where}: manifest needs apiVersion, kind, metadata.name"
        )
        if kind in POLICY_API:
            assert api == POLICY_API[kind], f"{where}: {kind} must be {POLICY_API[kind]}, not {api}"
            assert isinstance(m.get("spec"), dict), f"{where}: {kind} {md['name']} needs a spec"
        else:
            assert kind in CORE_KINDS and api == "v1", f"{where}: unexpected object {api} {kind}"
        key = (
            (kind, md["name"])
            if kind not in ("Pod", "Service", "NetworkPolicy")
            else (kind, f"{md.get('namespace')}/{md['name']}")
        )
        assert key not in objects, f"{where}: duplicate {key}"
        objects.add(key)
        objects.add((kind, md["name"]))
        if kind == "Namespace":
            namespaces.add(md["name"])
        elif kind == "Pod":
            assert md.get("namespace"), f"{where}: pod {md['name']} needs a namespace"
            ips = [p.get("ip") for p in (m.get("status") or {}).get("podIPs") or []]
            assert ips and all(is_address(i) for i in ips), (
                f"{where}: pod {md['name']} needs status.podIPs"
            )
            assert (m.get("spec") or {}).get("containers"), (
                f"{where}: pod {md['name']} needs containers"
            )
            pods.add(f"{md['namespace']}/{md['name']}")
        elif kind == "Service":
            services.add(f"{md.get('namespace')}/{md['name']}")
        elif kind == "Node":
            addrs = (m.get("status") or {}).get("addresses") or []
            assert addrs, f"{where}: node {md['name']} needs status.addresses"
    for p in pods:
        assert p.split("/")[0] in namespaces, f"{where}: pod {p} is in an undeclared namespace"
    return {"pods": pods, "services": services, "objects": objects}


def check_endpoint(ep, index: dict, where: str, role: str) -> None:
    assert isinstance(ep, str) and ep, f"{where}: {role} must be a string"
    if ep.startswith("svc/"):
        assert role == "to", f"{where}: a Service can only be a destination"
        assert ep[4:] in index["services"], (
            f"{where}: {role} {ep}: no such Service in the manifests"
        )
    elif is_address(ep):
        pass
    else:
        assert ep in index["pods"], f"{where}: {role} {ep}: no such Pod in the manifests"


def check_query(q: dict, index: dict, where: str) -> None:
    assert isinstance(q, dict), f"{where}: a query must be a mapping"
    assert set(q) <= QUERY_KEYS, f"{where}: unknown query keys {sorted(set(q) - QUERY_KEYS)}"
    assert {"from", "to", "port", "verdict"} <= set(q), (
        f"{where}: query needs from, to, port, verdict"
    )
    w = f"{where}: {q.get('from')} -> {q.get('to')}:{q.get('port')}"
    check_endpoint(q["from"], index, w, "from")
    check_endpoint(q["to"], index, w, "to")
    assert isinstance(q["port"], int) and 1 <= q["port"] <= 65535, f"{w}: bad port"
    assert q.get("protocol", "TCP") in PROTOCOLS, f"{w}: bad protocol"
    assert q["verdict"] in VERDICTS, f"{w}: verdict must be one of {sorted(VERDICTS)}"
    if q["verdict"] == "undecided":
        assert isinstance(q.get("why"), str) and q["why"].strip(), f"{w}: undecided needs a why"
    if "why" in q:
        assert isinstance(q["why"], str) and q["why"].strip(), f"{w}: why must be text"
    if "decided_by" in q:
        d = q["decided_by"]
        for item in d if isinstance(d, list) else [d]:
            assert isinstance(item, dict) and set(item) <= DECIDED_KEYS, f"{w}: bad decided_by"
            assert item.get("tier") in TIERS, f"{w}: decided_by.tier must be one of {sorted(TIERS)}"
            if "action" in item:
                assert item["action"] in ACTIONS, f"{w}: bad decided_by.action"
            if "direction" in item:
                assert item["direction"] in ("ingress", "egress"), f"{w}: bad decided_by.direction"
            if item["tier"] == "default":
                assert set(item) <= {"tier", "direction"}, f"{w}: the default tier has no policy"
            if "policy" in item and item["tier"] in ("admin", "baseline"):
                kinds = ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy")
                assert any((k, item["policy"]) in index["objects"] for k in kinds), (
                    f"{w}: decided_by names policy {item['policy']}, which is not in the manifests"
                )
            if "policy" in item and item["tier"] == "networkpolicy":
                assert ("NetworkPolicy", item["policy"]) in index["objects"], (
                    f"{w}: decided_by names NetworkPolicy {item['policy']}, not in the manifests"
                )


def test_case_names_are_unique():
    seen: dict[str, str] = {}
    for path in FILES:
        for case in load(path)["cases"]:
            assert case["name"] not in seen, (
                f"{case['name']} in {path.name} and {seen[case['name']]}"
            )
            seen[case["name"]] = path.name


def test_queries_are_not_repeated_within_a_case():
    for path in FILES:
        for case in load(path)["cases"]:
            keys = [
                (q["from"], q["to"], q["port"], q.get("protocol", "TCP"))
                for q in case.get("expect", [])
            ]
            dup = {k for k in keys if keys.count(k) > 1}
            assert not dup, f"{path.name}: {case['name']}: repeated queries {sorted(dup)}"


def test_both_api_versions_are_covered():
    kinds = set()
    queries = 0
    invalid = 0
    for path in FILES:
        for case in load(path)["cases"]:
            kinds |= {m["kind"] for m in case["manifests"]}
            queries += len(case.get("expect", []))
            invalid += "invalid" in case
    assert {"AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"} <= kinds
    assert queries >= 100 and invalid >= 10, (queries, invalid)


def test_independent_of_netverify():
    pattern = re.compile(r"^\s*(import|from)\s+netverify\b", re.M)
    for py in HERE.rglob("*.py"):
        assert not pattern.search(py.read_text()), f"{py} imports netverify"
