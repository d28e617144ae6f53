"""Services as destinations: DNS names, ports to targetPorts, endpoints, the seed's failures."""

from __future__ import annotations

from typing import Any

import pytest

from netverify.errors import QueryError
from netverify.loader import load_cluster
from netverify.queries.can_reach import can_reach
from tests.support import cluster, ns, pod, policy


def service(namespace: str, name: str, selector: dict[str, str] | None, ports: list[dict[str, Any]],
            **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ports": ports, **spec}
    if selector is not None:
        body["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace}, "spec": body}


@pytest.fixture(scope="module")
def demo():
    return load_cluster(["fixtures/demo"])


@pytest.mark.parametrize("dst", ["api.backend:80", "api.backend.svc:80",
                                 "api.backend.svc.cluster.local:80", "svc/backend/api:80",
                                 "svc/backend/api:http"])
def test_every_service_name_form(demo, dst):
    r = can_reach(demo, "frontend/web", dst, policy_only=True)
    assert r.dst == "svc/backend/api" and r.allowed
    assert [str(p.allowed) for p in r.pairs] == ["TCP 8080"]  # targetPort http -> 8080


def test_short_name_resolves_in_the_clients_namespace(demo):
    assert can_reach(demo, "backend/api", "db:5432", policy_only=True).allowed
    with pytest.raises(QueryError):
        can_reach(demo, "frontend/web", "db:5432", policy_only=True)  # no frontend/db


def test_named_target_port_resolves_per_endpoint_and_missing_names_are_said():
    c = cluster(ns("a"),
                pod("a", "v1", {"app": "s"}, ports=[{"containerPort": 8080, "name": "web"}]),
                pod("a", "v2", {"app": "s"}, ports=[{"containerPort": 9090, "name": "web"}]),
                pod("a", "old", {"app": "s"}, ports=[{"containerPort": 80}]),
                pod("a", "client"),
                service("a", "s", {"app": "s"}, [{"port": 80, "targetPort": "web"}]))
    r = can_reach(c, "a/client", "s.a:80", policy_only=True)
    got = {p.dst.name: str(p.allowed) for p in r.pairs}
    assert got == {"a/v1": "TCP 8080", "a/v2": "TCP 9090", "a/old": "none"}
    assert not r.allowed
    assert any("a/old declares no container port named 'web'" in c for c in r.caveats)


def test_selector_matching_nothing_is_the_empty_endpoints_failure():
    c = cluster(ns("a"), pod("a", "api", {"app": "api"}), pod("a", "client"),
                service("a", "api", {"app": "apii"}, [{"port": 80}]))  # the seed's typo
    r = can_reach(c, "a/client", "api.a:80", policy_only=True)
    assert not r.allowed and r.pairs == ()
    assert any("has no endpoints" in c and "app=apii" in c for c in r.caveats)


def test_headless_external_name_and_unknown_port():
    c = cluster(ns("a"), pod("a", "db", {"app": "db"}), pod("a", "client"),
                service("a", "db", {"app": "db"}, [{"port": 5432}], clusterIP="None"),
                service("a", "ext", None, [], type="ExternalName",
                        externalName="db.example.com"),
                policy("a", "deny", {"podSelector": {"matchLabels": {"app": "db"}},
                                     "policyTypes": ["Ingress"]}))
    r = can_reach(c, "a/client", "db.a:5432", policy_only=True)
    assert not r.allowed and any("headless" in x for x in r.caveats)
    with pytest.raises(QueryError, match="ExternalName"):
        can_reach(c, "a/client", "ext.a:443", policy_only=True)
    with pytest.raises(QueryError, match="has no port 80"):
        can_reach(c, "a/client", "svc/a/db:80", policy_only=True)


def _hairpin_cluster():
    # web is an endpoint of its own Service; its policy only admits app=client.
    return cluster(ns("a"), pod("a", "web", {"app": "web"},
                                ports=[{"containerPort": 8080, "name": "http"}]),
                   pod("a", "client", {"app": "client"}),
                   service("a", "web", {"app": "web"}, [{"port": 80, "targetPort": "http"}]),
                   policy("a", "web", {"podSelector": {"matchLabels": {"app": "web"}},
                                       "ingress": [{"from": [{"podSelector": {
                                           "matchLabels": {"app": "client"}}}]}]}))


def test_a_pod_reaching_itself_through_its_service_depends_on_the_plugin():
    # To its own address a pod always may (loopback); through a Service the proxy may send
    # the connection back to it, and plugins differ (kubernetes#95879).  Unknown: say so.
    c = _hairpin_cluster()
    r = can_reach(c, "a/web", "svc/a/web:80", policy_only=True)
    (pair,) = r.pairs
    assert pair.loopback and r.allowed
    assert any("hairpin" in x and "by the policies it would be none" in x
               for x in pair.caveats), pair.caveats
    direct = can_reach(c, "a/web", "a/web:8080", policy_only=True)
    assert direct.allowed and not any("hairpin" in x for p in direct.pairs for x in p.caveats)
    # antrea#5687: hairpin Service connections are always allowed (with AntreaProxy).
    r = can_reach(c, "a/web", "svc/a/web:80", cni="antrea")
    assert r.allowed
    pairs = r.effective if r.effective is not None else r.pairs
    assert not any("hairpin" in x for p in pairs for x in p.caveats)


def test_a_plugin_that_polices_hairpin_traffic_judges_it_by_the_policies(monkeypatch):
    from netverify.cni import CniProfile
    from netverify.queries import enforcement as module  # where every query picks the CNI

    strict = CniProfile(name="strict", title="Strict", service_hairpin_policed=True)
    monkeypatch.setattr(module, "choose", lambda cluster, name: (strict, ()))
    r = can_reach(_hairpin_cluster(), "a/web", "svc/a/web:80")
    assert r.effective is not None and not r.allowed
    assert r.policy_allowed  # the policy answer keeps the loopback rule


def _cnp(action: str, api: str = "v1alpha2") -> dict[str, Any]:
    """An Admin tier policy on namespace a's ingress from every pod."""
    if api == "v1alpha2":
        return {"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
                "metadata": {"name": "guard"},
                "spec": {"tier": "Admin", "priority": 10,
                         "subject": {"namespaces": {"matchLabels": {
                             "kubernetes.io/metadata.name": "a"}}},
                         "ingress": [{"name": "all-pods", "action": action,
                                      "from": [{"namespaces": {}}]}]}}
    return {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy",
            "metadata": {"name": "guard"},
            "spec": {"priority": 10,
                     "subject": {"namespaces": {"matchLabels": {
                         "kubernetes.io/metadata.name": "a"}}},
                     "ingress": [{"name": "all-pods", "action": action,
                                  "from": [{"namespaces": {}}]}]}}


_HAIRPIN_DOCS = (
    ns("a"), pod("a", "web", {"app": "web"}, ports=[{"containerPort": 8080, "name": "http"}]),
    pod("a", "client", {"app": "client"}),
    service("a", "web", {"app": "web"}, [{"port": 80, "targetPort": "http"}]),
    policy("a", "web", {"podSelector": {"matchLabels": {"app": "web"}},
                        "ingress": [{"from": [{"podSelector": {
                            "matchLabels": {"app": "client"}}}]}]}))


def test_hairpin_through_a_service_is_subject_to_clusternetworkpolicy():
    # "A Pod connecting to a Service IP that the service proxy load-balances back to the
    # same Pod is subject to ClusterNetworkPolicy" (network-policy-api, API overview).
    c = cluster(*_HAIRPIN_DOCS, _cnp("Deny"))
    (pair,) = can_reach(c, "a/web", "svc/a/web:80", policy_only=True).pairs
    assert not pair.loopback and pair.allowed.is_empty and pair.undecided.is_empty
    assert pair.ingress.tiers and pair.ingress.tiers[0].policy is not None
    assert pair.ingress.tiers[0].policy.name == "guard"
    # "A Pod connecting to its own Pod IP is not subject to CNP."
    assert can_reach(c, "a/web", "a/web:8080", policy_only=True).allowed
    # An Admin Accept decides before NetworkPolicy, whatever the plugin does with hairpin.
    c = cluster(*_HAIRPIN_DOCS, _cnp("Accept"))
    assert can_reach(c, "a/web", "svc/a/web:80", policy_only=True).allowed


def test_hairpin_with_a_pass_leaves_networkpolicy_to_the_plugin(monkeypatch):
    from netverify.cni import CniProfile
    from netverify.queries import enforcement as module  # where every query picks the CNI

    c = cluster(*_HAIRPIN_DOCS, _cnp("Pass"))
    # Unknown plugin: NetworkPolicy left out, as without tiers, with what it would change.
    r = can_reach(c, "a/web", "svc/a/web:80", policy_only=True)
    (pair,) = r.pairs
    assert r.allowed
    assert any("with them it would be none" in x for x in pair.caveats), pair.caveats
    strict = CniProfile(name="strict", title="Strict", service_hairpin_policed=True)
    monkeypatch.setattr(module, "choose", lambda cluster, name: (strict, ()))
    r = can_reach(c, "a/web", "svc/a/web:80")
    assert r.effective is not None and not r.allowed


def test_hairpin_with_v1alpha1_is_undecided_where_it_would_matter():
    c = cluster(*_HAIRPIN_DOCS, _cnp("Deny", "v1alpha1"))
    r = can_reach(c, "a/web", "svc/a/web:80", policy_only=True)
    (pair,) = r.pairs
    assert r.undecided and not r.allowed and not r.denied
    assert pair.allowed.is_empty and not pair.undecided.is_empty
    assert any("v1alpha1" in x for x in pair.caveats)
    # Another pod through the Service is decided as usual.
    assert can_reach(c, "a/client", "svc/a/web:80", policy_only=True).denied


def test_a_networks_peer_holding_the_cluster_ip_leaves_service_traffic_undecided():
    # NPEP-133: "ClusterIP Services can not be selected ... consistent with the behavior when
    # selecting the Service VIP using the Network selector"; NPEP-126 lists SERVICE_CIDR as a
    # networks value that "will work". Which address the peer sees is not specified.
    svc = service("a", "web", {"app": "web"}, [{"port": 80, "targetPort": "http"}])
    svc["spec"]["clusterIP"] = "10.96.0.20"
    web = pod("a", "web", {"app": "web"}, ports=[{"containerPort": 8080, "name": "http"}])
    web["status"] = {"podIP": "10.1.0.5"}
    client = pod("b", "client", {"app": "client"})
    client["status"] = {"podIP": "10.1.1.5"}
    deny = {"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
            "metadata": {"name": "no-services"},
            "spec": {"tier": "Admin", "priority": 10, "subject": {"namespaces": {}},
                     "egress": [{"name": "service-cidr", "action": "Deny",
                                 "to": [{"networks": ["10.96.0.0/12"]}]}]}}
    c = cluster(ns("a"), ns("b"), web, client, svc, deny)
    r = can_reach(c, "b/client", "svc/a/web:80", policy_only=True)
    (pair,) = r.pairs
    assert r.undecided and not r.allowed and not r.denied
    assert any("ClusterIP 10.96.0.20" in x for x in pair.caveats), pair.caveats
    # Straight to the pod's address the networks peer does not apply.
    assert can_reach(c, "b/client", "a/web:8080", policy_only=True).allowed
    # A networks peer that does not hold the ClusterIP changes nothing.
    deny["spec"]["egress"][0]["to"] = [{"networks": ["192.0.2.0/24"]}]
    c = cluster(ns("a"), ns("b"), web, client, svc, deny)
    assert can_reach(c, "b/client", "svc/a/web:80", policy_only=True).allowed
