"""End-to-end paths from outside the cluster: route, Service, endpoint pods, NetworkPolicy hops.

Expectations follow the Kubernetes documents: an Ingress controller is a set of
pods that proxies to the Service's endpoint pods, so NetworkPolicy applies to the
controller's ingress (from clients) and to controller -> backend pods (the seed's
"Ingress 502"); ``tls`` hosts are the hosts served over HTTPS; an HTTPRoute backend
of weight 0 gets no traffic ("If weight is set to 0, no traffic should be forwarded
for this entry"); hostNetwork pods are, in the most common implementation, not
matched by podSelector/namespaceSelector (NetworkPolicy concept page).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from netverify.errors import QueryError
from netverify.hop_text import backend_problem, hop_detail
from netverify.loader import load_cluster, load_text
from netverify.model import Cluster
from netverify.queries.paths import can_reach_url, paths
from netverify.results import Hop, HopReason, RoutedPath
from netverify.verdicts import Answer, HopStatus
from tests.support import cluster, ns, policy

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "ingress"
NGINX_IMAGE = "registry.k8s.io/ingress-nginx/controller:v1.10.1"


# -- builders -------------------------------------------------------------------------------


def deploy(namespace: str, name: str, labels: dict[str, str], *, image: str = "example/app:1",
           ports: list[dict[str, Any]] | None = None, host_network: bool = False,
           replicas: int = 1) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": image, "ports": ports or []}]}
    if host_network:
        spec["hostNetwork"] = True
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": spec}}}


def service(namespace: str, name: str, selector: dict[str, str], ports: list[dict[str, Any]],
            **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": selector, "ports": ports, **spec}}


def ingress(namespace: str, name: str, host: str, paths_: list[tuple[str, str, Any]], *,
            tls_hosts: list[str] | None = None, cls: str = "nginx") -> dict[str, Any]:
    """paths_: (path, service, port) with Prefix matching; port a number or a name."""
    entries = [{"path": p, "pathType": "Prefix", "backend": {"service": {
        "name": svc, "port": {"number": port} if isinstance(port, int) else {"name": port}}}}
        for p, svc, port in paths_]
    spec: dict[str, Any] = {"ingressClassName": cls,
                            "rules": [{"host": host, "http": {"paths": entries}}]}
    if tls_hosts is not None:
        spec["tls"] = [{"hosts": tls_hosts, "secretName": f"{name}-tls"}]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


CONTROLLER_LABELS = {"app.kubernetes.io/name": "ingress-nginx",
                     "app.kubernetes.io/component": "controller"}


def controller(*, host_network: bool = False, image: str = NGINX_IMAGE,
               name: str = "ingress-nginx-controller",
               https_port: int = 443, traffic_policy: str = "Cluster"
               ) -> list[dict[str, Any]]:
    """ingress-nginx: namespace, controller Deployment and its LoadBalancer Service."""
    return [ns("ingress-nginx"),
            deploy("ingress-nginx", name, CONTROLLER_LABELS, image=image,
                   host_network=host_network,
                   ports=[{"name": "http", "containerPort": 80},
                          {"name": "https", "containerPort": https_port}]),
            service("ingress-nginx", name, CONTROLLER_LABELS,
                    [{"name": "http", "port": 80, "targetPort": "http"},
                     {"name": "https", "port": 443, "targetPort": "https"}],
                    type="LoadBalancer", externalTrafficPolicy=traffic_policy)]


def app(*extra: dict[str, Any], with_controller: bool = True, **ctl: Any) -> Cluster:
    """shop/api behind api-service, https://app.example.com/api, default deny in shop."""
    docs = [*(controller(**ctl) if with_controller else []),
            ns("shop"),
            deploy("shop", "api", {"app": "api"},
                   ports=[{"name": "http", "containerPort": 8080}]),
            service("shop", "api-service", {"app": "api"}, [{"port": 80, "targetPort": "http"}]),
            ingress("shop", "app", "app.example.com", [("/api", "api-service", 80)],
                    tls_hosts=["app.example.com"]),
            policy("shop", "default-deny", {"podSelector": {}, "policyTypes": ["Ingress"]}),
            *extra]
    return cluster(*docs)


ALLOW_CONTROLLER_NS = policy("shop", "allow-ingress-nginx", {
    "podSelector": {"matchLabels": {"app": "api"}},
    "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": "ingress-nginx"}}}]}]})


def fixture_plus(*extra: dict[str, Any]) -> Cluster:
    """fixtures/ingress with more documents."""
    text = "\n---\n".join(p.read_text() for p in sorted(FIXTURE.glob("*.yaml")))
    return load_text(text + "\n---\n" + yaml.safe_dump_all(list(extra), sort_keys=False),
                     "fixture.yaml")


def only(result) -> RoutedPath:
    assert len(result.paths) == 1, result.paths
    return result.paths[0]


def hop(path: RoutedPath, fragment: str) -> Hop:
    hits = [h for h in path.hops if fragment in h.step]
    assert len(hits) == 1, [h.step for h in path.hops]
    return hits[0]


@pytest.fixture(scope="module")
def shop_fixture() -> Cluster:
    return load_cluster([str(FIXTURE)])


# -- the seed's example (fixtures/ingress) ------------------------------------------------


def test_seed_ingress_502_controller_blocked_by_default_deny(shop_fixture):
    r = can_reach_url(shop_fixture, "internet", "https://app.example.com/api/users")
    assert r.verdict is Answer.NO
    p = only(r)
    assert (p.route_object, p.match, p.host) == ("Ingress shop/app", "Prefix /api",
                                                 "app.example.com")
    assert p.route_field == "spec.rules[0].http.paths[0]"
    assert p.tls == "app-example-com-tls"
    assert p.controller == ("ingress-nginx/ingress-nginx-controller",)
    (b,) = p.backends
    assert (b.service, b.endpoints, b.reachable) == ("shop/api-service", ("shop/api",), ())
    assert b.target == "http -> 8080"
    assert [h.status.value for h in p.hops] == ["ok", "ok", "blocked"]  # TLS, inbound, backend
    blocked = hop(p, "svc/shop/api-service")
    assert blocked.status is HopStatus.BLOCKED and blocked.port == 8080
    (v,) = blocked.verdicts
    assert v.src.name == "ingress-nginx/ingress-nginx-controller" and v.dst.name == "shop/api"
    assert not v.is_allowed
    assert [ref.policy for ref in v.ingress.isolating] == ["shop/default-deny-ingress"]
    assert not v.egress.isolated  # the controller's side allows it: the backend's blocks it


def test_root_and_a_longer_word_go_to_the_frontend_which_admits_the_controller(shop_fixture):
    for url in ("https://app.example.com/", "https://app.example.com/apix",
                "https://app.example.com/ordersheet"):
        p = only(can_reach_url(shop_fixture, "internet", url))
        assert p.match == "Prefix /", url
        assert p.backends[0].service == "shop/frontend-service"
        assert p.verdict is Answer.YES and p.backends[0].reachable == ("shop/frontend",)


def test_allowing_the_controller_namespace_fixes_the_502():
    fix = policy("shop", "allow-api-from-ingress-nginx", {
        "podSelector": {"matchLabels": {"app": "api"}},
        "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": "ingress-nginx"}}}],
            "ports": [{"port": 8080}]}]})
    r = can_reach_url(fixture_plus(fix), "internet", "https://app.example.com/api/users")
    assert r.verdict is Answer.YES
    p = only(r)
    assert p.backends[0].reachable == ("shop/api",)
    assert all(h.status is HopStatus.OK for h in p.hops)


def test_a_policy_allowing_the_wrong_port_does_not_fix_it():
    wrong = policy("shop", "allow-api-80", {
        "podSelector": {"matchLabels": {"app": "api"}},
        "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": "ingress-nginx"}}}], "ports": [{"port": 80}]}]})
    # The controller connects to the endpoint's targetPort (8080), not the Service port.
    r = can_reach_url(fixture_plus(wrong), "internet", "https://app.example.com/api")
    assert r.verdict is Answer.NO


def test_selector_typo_means_no_endpoints(shop_fixture):
    r = can_reach_url(shop_fixture, "internet", "https://app.example.com/orders/42")
    assert r.verdict is Answer.NO
    p = only(r)
    (b,) = p.backends
    assert b.service == "shop/orders-service" and b.endpoints == () and b.reachable == ()
    assert b.problem is not None and b.problem.code is HopReason.NO_ENDPOINTS
    problem = backend_problem(b)
    assert problem is not None and "no endpoints" in problem and "app=order" in problem
    h = hop(p, "svc/shop/orders-service")
    assert h.status is HopStatus.BLOCKED and "no endpoints" in hop_detail(h)


# -- inline clusters ----------------------------------------------------------------------


def test_inline_seed_blocked_then_fixed():
    assert can_reach_url(app(), "internet", "https://app.example.com/api").verdict is Answer.NO
    fixed = can_reach_url(app(ALLOW_CONTROLLER_NS), "internet", "https://app.example.com/api")
    assert fixed.verdict is Answer.YES
    assert only(fixed).backends[0].target == "http -> 8080"


def test_named_target_port_missing_on_one_of_two_endpoint_workloads():
    c = app(ALLOW_CONTROLLER_NS,
            # a second workload behind api-service, without a port named http
            deploy("shop", "api-canary", {"app": "api", "track": "canary"},
                   ports=[{"name": "web", "containerPort": 9090}]))
    r = can_reach_url(c, "internet", "https://app.example.com/api")
    assert r.verdict is Answer.NO
    (b,) = only(r).backends
    assert set(b.endpoints) == {"shop/api", "shop/api-canary"}
    assert b.reachable == ("shop/api",)
    assert b.problem is not None and b.problem.code is HopReason.MISSING_PORT_NAME
    assert (b.problem.name, b.problem.missing) == ("http", ("shop/api-canary",))
    h = hop(only(r), "svc/shop/api-service")
    assert h.status is HopStatus.BLOCKED and "1/2" in hop_detail(h)
    assert (h.reason.reachable, h.reason.endpoints) == (1, 2)


def test_https_to_a_host_not_covered_by_tls_fails_at_the_tls_hop():
    c = app(ALLOW_CONTROLLER_NS,
            ingress("shop", "www", "www.example.com", [("/", "api-service", 80)],
                    tls_hosts=["app.example.com"]))
    p = only(can_reach_url(c, "internet", "https://www.example.com/"))
    assert p.tls == "none"
    tls = hop(p, "TLS")
    assert tls.status is HopStatus.BLOCKED and tls.reason.code is HopReason.NO_TLS_ENTRY
    assert tls.reason.host == "www.example.com" and "www.example.com" in hop_detail(tls)
    assert p.verdict is Answer.NO
    # the same Ingress over plain http has no TLS hop to fail
    plain = only(can_reach_url(c, "internet", "http://www.example.com/"))
    assert plain.verdict is Answer.YES
    assert not any(h.step == "TLS" and h.status is HopStatus.BLOCKED for h in plain.hops)
    # and the covered host is fine over https
    assert can_reach_url(c, "internet", "https://app.example.com/api").verdict is Answer.YES


def test_wildcard_tls_host_covers_one_label():
    c = app(ALLOW_CONTROLLER_NS,
            ingress("shop", "wild", "shop.example.com", [("/", "api-service", 80)],
                    tls_hosts=["*.example.com"]))
    p = only(can_reach_url(c, "internet", "https://shop.example.com/"))
    assert p.verdict is Answer.YES and p.tls == "wild-tls"


TRAEFIK_LABELS = {"app.kubernetes.io/name": "traefik"}


def traefik() -> list[dict[str, Any]]:
    return [ns("traefik"),
            deploy("traefik", "traefik", TRAEFIK_LABELS, image="docker.io/traefik:v3.0",
                   ports=[{"name": "web", "containerPort": 8000},
                          {"name": "websecure", "containerPort": 8443}]),
            service("traefik", "traefik", TRAEFIK_LABELS,
                    [{"name": "web", "port": 80, "targetPort": "web"},
                     {"name": "websecure", "port": 443, "targetPort": "websecure"}],
                    type="LoadBalancer")]


def test_ingress_class_picks_the_controller_whose_hop_is_checked():
    c = app(ALLOW_CONTROLLER_NS, *traefik(),
            ingress("shop", "via-traefik", "t.example.com", [("/", "api-service", 80)],
                    cls="traefik"))
    nginx = only(can_reach_url(c, "internet", "https://app.example.com/api"))
    assert nginx.entry == "Ingress class nginx"
    assert nginx.controller == ("ingress-nginx/ingress-nginx-controller",)
    assert nginx.verdict is Answer.YES
    t = only(can_reach_url(c, "internet", "http://t.example.com/"))
    assert t.entry == "Ingress class traefik" and t.controller == ("traefik/traefik",)
    # shop admits the ingress-nginx namespace only: Traefik gets the 502
    assert t.verdict is Answer.NO
    assert hop(t, "svc/shop/api-service").status is HopStatus.BLOCKED


def test_ingress_class_object_maps_a_custom_class_to_its_controller():
    public = {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
              "metadata": {"name": "public"}, "spec": {"controller": "k8s.io/ingress-nginx"}}
    c = app(ALLOW_CONTROLLER_NS, *traefik(), public,
            ingress("shop", "pub", "pub.example.com", [("/", "api-service", 80)], cls="public"))
    p = only(can_reach_url(c, "internet", "http://pub.example.com/"))
    assert p.controller == ("ingress-nginx/ingress-nginx-controller",)
    assert p.verdict is Answer.YES


def test_unknown_controller_is_undecided_until_named():
    c = app(ALLOW_CONTROLLER_NS, image="example.com/acme/edge-proxy:3")
    r = can_reach_url(c, "internet", "https://app.example.com/api")
    assert r.verdict is Answer.UNDECIDED
    p = only(r)
    assert p.controller == () and p.verdict is Answer.UNDECIDED
    assert any("--controller" in n for n in p.notes)
    named = can_reach_url(c, "internet", "https://app.example.com/api",
                          controller="ingress-nginx/ingress-nginx-controller")
    assert named.verdict is Answer.YES
    assert only(named).controller == ("ingress-nginx/ingress-nginx-controller",)
    # decidable the other way as well: without the allow policy it is blocked
    blocked = can_reach_url(app(image="example.com/acme/edge-proxy:3"), "internet",
                            "https://app.example.com/api",
                            controller="ingress-nginx/ingress-nginx-controller")
    assert blocked.verdict is Answer.NO


def test_no_controller_pods_at_all_is_undecided():
    r = can_reach_url(app(ALLOW_CONTROLLER_NS, with_controller=False), "internet",
                      "https://app.example.com/api")
    assert r.verdict is Answer.UNDECIDED
    assert any(h.status is HopStatus.UNDECIDED for h in only(r).hops)


def test_unknown_controller_name_is_a_query_error():
    with pytest.raises(QueryError):
        can_reach_url(app(), "internet", "https://app.example.com/api",
                      controller="ingress-nginx/no-such-thing")


CONTROLLER_FROM_10_8 = policy("ingress-nginx", "only-private-clients", {
    "podSelector": {"matchLabels": CONTROLLER_LABELS},
    "policyTypes": ["Ingress"],
    "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}],
                 "ports": [{"port": 80}, {"port": 443}]}]})


def test_controller_ingress_policy_restricts_client_addresses():
    # externalTrafficPolicy Local keeps the client address (with Cluster it may be SNATed:
    # tests/routing/test_client_address.py)
    c = app(ALLOW_CONTROLLER_NS, CONTROLLER_FROM_10_8, traffic_policy="Local")
    url = "https://app.example.com/api"
    internet = only(can_reach_url(c, "internet", url))
    inbound = hop(internet, "internet ->")
    assert inbound.status is HopStatus.OK
    assert inbound.reason.code is HopReason.ADMITTED and inbound.reason.admitted_from
    assert "10.0.0.0" in hop_detail(inbound) and "only" in hop_detail(inbound)
    outside = can_reach_url(c, "203.0.113.7", url)
    assert outside.verdict is Answer.NO
    blocked = hop(only(outside), "203.0.113.7 ->")
    assert blocked.status is HopStatus.BLOCKED and blocked.port == 443
    assert blocked.verdicts and not blocked.verdicts[0].is_allowed
    assert [x.policy for x in blocked.verdicts[0].ingress.isolating] == [
        "ingress-nginx/only-private-clients"]
    inside = can_reach_url(c, "10.1.2.3", url)
    assert inside.verdict is Answer.YES
    assert hop(only(inside), "10.1.2.3 ->").status is HopStatus.OK


def only_port(port: int) -> dict[str, Any]:
    return policy("ingress-nginx", f"only-{port}", {
        "podSelector": {"matchLabels": CONTROLLER_LABELS}, "policyTypes": ["Ingress"],
        "ingress": [{"ports": [{"port": port}]}]})


def test_controller_policy_ports_are_the_pods_ports_behind_the_load_balancer():
    # Service 443 -> targetPort https -> containerPort 8443: NetworkPolicy sees 8443.
    url = "https://app.example.com/api"
    ok = can_reach_url(app(ALLOW_CONTROLLER_NS, only_port(8443), https_port=8443),
                       "internet", url)
    assert ok.verdict is Answer.YES
    assert hop(only(ok), "internet ->").status is HopStatus.OK
    bad = can_reach_url(app(ALLOW_CONTROLLER_NS, only_port(443), https_port=8443),
                        "internet", url)
    assert bad.verdict is Answer.NO
    h = hop(only(bad), "internet ->")
    assert h.status is HopStatus.BLOCKED and h.port == 8443


def test_controller_admitting_https_only_blocks_plain_http():
    c = app(ALLOW_CONTROLLER_NS, only_port(443),
            ingress("shop", "plain", "plain.example.com", [("/", "api-service", 80)]))
    assert can_reach_url(c, "internet", "https://app.example.com/api").verdict is Answer.YES
    r = can_reach_url(c, "internet", "http://plain.example.com/")
    assert r.verdict is Answer.NO
    assert hop(only(r), "internet ->").status is HopStatus.BLOCKED


def test_controller_egress_default_deny_blocks_the_backend_hop():
    deny_egress = policy("ingress-nginx", "default-deny-egress", {
        "podSelector": {}, "policyTypes": ["Egress"]})
    r = can_reach_url(app(ALLOW_CONTROLLER_NS, deny_egress), "internet",
                      "https://app.example.com/api")
    assert r.verdict is Answer.NO
    p = only(r)
    assert hop(p, "internet ->").status is HopStatus.OK  # egress deny does not stop replies
    h = hop(p, "svc/shop/api-service")
    assert h.status is HopStatus.BLOCKED
    (v,) = h.verdicts
    assert v.egress.isolated
    assert [x.policy for x in v.egress.isolating] == ["ingress-nginx/default-deny-egress"]
    assert not v.ingress.allowed.is_empty  # the backend side admits it


def test_host_network_controller_is_not_matched_by_namespace_selectors():
    c = app(ALLOW_CONTROLLER_NS,
            # a deny-all on the controller's namespace does not apply to hostNetwork pods
            policy("ingress-nginx", "deny-all", {"podSelector": {},
                                                 "policyTypes": ["Ingress", "Egress"]}),
            host_network=True)
    r = can_reach_url(c, "internet", "https://app.example.com/api")
    p = only(r)
    assert hop(p, "internet ->").status is HopStatus.OK
    # The backend admits pods of namespace ingress-nginx, but the controller's traffic comes
    # from the node's address, which a namespaceSelector does not match.
    h = hop(p, "svc/shop/api-service")
    assert h.status is HopStatus.BLOCKED and r.verdict is Answer.NO
    assert any("hostNetwork" in cav for v in h.verdicts for cav in v.caveats)


def test_host_network_controller_reaches_backends_without_policies():
    c = cluster(*controller(host_network=True), ns("shop"),
                deploy("shop", "api", {"app": "api"}, ports=[{"containerPort": 8080}]),
                service("shop", "api-service", {"app": "api"}, [{"port": 80,
                                                                 "targetPort": 8080}]),
                ingress("shop", "app", "app.example.com", [("/", "api-service", 80)]))
    assert can_reach_url(c, "internet", "http://app.example.com/").verdict is Answer.YES


def test_flannel_enforces_nothing_but_policy_only_still_says_blocked():
    c = app()
    url = "https://app.example.com/api"
    assert can_reach_url(c, "internet", url).verdict is Answer.NO
    flannel = can_reach_url(c, "internet", url, cni="flannel")
    assert flannel.verdict is Answer.YES
    assert any("Flannel" in n or "flannel" in n for n in flannel.notes)
    assert can_reach_url(c, "internet", url, cni="flannel", policy_only=True).verdict is Answer.NO


def test_policy_only_on_the_fixture_matches_the_enforced_answer(shop_fixture):
    url = "https://app.example.com/api"
    assert can_reach_url(shop_fixture, "internet", url, policy_only=True).verdict is Answer.NO
    assert can_reach_url(shop_fixture, "internet", url, cni="calico").verdict is Answer.NO


def test_missing_backend_service_is_blocked():
    c = app(ALLOW_CONTROLLER_NS,
            ingress("shop", "ghost", "ghost.example.com", [("/", "no-such-service", 80)]))
    p = only(can_reach_url(c, "internet", "http://ghost.example.com/"))
    assert p.verdict is Answer.NO
    problem = p.backends[0].problem
    assert problem is not None and problem.code is HopReason.NO_SERVICE
    assert "does not exist" in (backend_problem(p.backends[0]) or "")


def test_url_that_nothing_routes_is_no_with_the_known_hosts():
    r = can_reach_url(app(), "internet", "https://unknown.example.org/")
    assert r.paths == () and r.verdict is Answer.NO
    assert any("app.example.com" in n for n in r.notes)


@pytest.mark.parametrize("url", ["app.example.com/api", "https://", "https://a.example.com:0x/"])
def test_malformed_url_is_a_query_error(url):
    with pytest.raises(QueryError):
        can_reach_url(app(), "internet", url)


@pytest.mark.parametrize("src", ["shop/api", "nowhere", "10.0.0.300"])
def test_source_must_be_internet_or_an_address(src):
    with pytest.raises(QueryError):
        can_reach_url(app(), src, "https://app.example.com/api")


# -- Gateway API ------------------------------------------------------------------------------


def gateway_docs(*, weights: tuple[int, int] = (90, 10), v2_service: str = "checkout-v2",
                 data_plane: bool = True) -> list[dict[str, Any]]:
    gw_labels = {"gateway.networking.k8s.io/gateway-name": "public"}
    docs: list[dict[str, Any]] = [
        ns("infra"),
        {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
         "metadata": {"name": "public", "namespace": "infra"},
         "spec": {"gatewayClassName": "eg", "listeners": [
             {"name": "http", "port": 80, "protocol": "HTTP",
              "allowedRoutes": {"namespaces": {"from": "All"}}}]}},
        ns("checkout"),
        deploy("checkout", "checkout-v1", {"app": "checkout", "version": "v1"},
               ports=[{"containerPort": 8080}]),
        deploy("checkout", "checkout-v2", {"app": "checkout", "version": "v2"},
               ports=[{"containerPort": 8080}]),
        service("checkout", "checkout-v1", {"app": "checkout", "version": "v1"},
                [{"port": 80, "targetPort": 8080}]),
        service("checkout", "checkout-v2", {"app": "checkout", "version": "v2"},
                [{"port": 80, "targetPort": 8080}]),
        {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
         "metadata": {"name": "checkout", "namespace": "checkout"},
         "spec": {"parentRefs": [{"name": "public", "namespace": "infra"}],
                  "hostnames": ["checkout.example.com"],
                  "rules": [{"backendRefs": [
                      {"name": "checkout-v1", "port": 80, "weight": weights[0]},
                      {"name": v2_service, "port": 80, "weight": weights[1]}]}]}},
    ]
    if data_plane:
        docs.append(deploy("infra", "public-envoy", gw_labels, image="envoyproxy/envoy:v1.30.1",
                           ports=[{"containerPort": 80}]))
    return docs


def test_gateway_weights_are_shares():
    p = only(can_reach_url(cluster(*gateway_docs(weights=(3, 1))), "internet",
                           "http://checkout.example.com/"))
    assert p.entry.startswith("Gateway infra/public")
    assert [(b.weight, b.share) for b in p.backends] == [(3, pytest.approx(0.75)),
                                                         (1, pytest.approx(0.25))]
    assert p.controller == ("infra/public-envoy",)
    assert p.verdict is Answer.YES


def test_canary_header_rule_and_90_10_split():
    docs = gateway_docs()
    docs[-2]["spec"]["rules"].insert(0, {
        "matches": [{"path": {"type": "PathPrefix", "value": "/"},
                     "headers": [{"name": "X-Canary", "value": "yes"}]}],
        "backendRefs": [{"name": "checkout-v2", "port": 80}]})
    c = cluster(*docs)
    p = only(can_reach_url(c, "internet", "http://checkout.example.com/cart"))
    assert p.route_object == "HTTPRoute checkout/checkout" and p.route_field == "spec.rules[1]"
    assert [(b.service, b.weight, b.share) for b in p.backends] == [
        ("checkout/checkout-v1", 90, pytest.approx(0.9)),
        ("checkout/checkout-v2", 10, pytest.approx(0.1))]
    canary = only(can_reach_url(c, "internet", "http://checkout.example.com/cart",
                                headers=[("X-Canary", "yes")]))
    assert canary.route_field == "spec.rules[0]"
    assert [(b.service, b.share) for b in canary.backends] == [
        ("checkout/checkout-v2", pytest.approx(1.0))]
    assert canary.verdict is Answer.YES


def test_backend_with_weight_zero_gets_no_traffic_so_its_failure_does_not_count():
    c = cluster(*gateway_docs(weights=(1, 0), v2_service="missing-service"))
    p = only(can_reach_url(c, "internet", "http://checkout.example.com/"))
    assert [(b.service, b.share) for b in p.backends] == [
        ("checkout/checkout-v1", pytest.approx(1.0)),
        ("checkout/missing-service", pytest.approx(0.0))]
    assert p.verdict is Answer.YES
    # with a weight, the same missing Service fails the path
    c = cluster(*gateway_docs(weights=(1, 1), v2_service="missing-service"))
    assert can_reach_url(c, "internet", "http://checkout.example.com/").verdict is Answer.NO


def test_blocked_canary_backend_fails_the_path():
    deny_v2 = policy("checkout", "deny-v2", {
        "podSelector": {"matchLabels": {"version": "v2"}}, "policyTypes": ["Ingress"]})
    p = only(can_reach_url(cluster(*gateway_docs(), deny_v2), "internet",
                           "http://checkout.example.com/"))
    assert p.verdict is Answer.NO
    v1, v2 = p.backends
    assert v1.reachable == ("checkout/checkout-v1",) and v2.reachable == ()
    assert hop(p, "checkout-v2").status is HopStatus.BLOCKED
    assert hop(p, "checkout-v1").status is HopStatus.OK


def test_gateway_without_data_plane_pods_is_undecided():
    r = can_reach_url(cluster(*gateway_docs(data_plane=False)), "internet",
                      "http://checkout.example.com/")
    assert r.verdict is Answer.UNDECIDED
    assert only(r).controller == ()


def test_http_url_is_not_taken_by_an_https_only_gateway(shop_fixture):
    r = can_reach_url(shop_fixture, "internet", "http://checkout.example.com/")
    assert r.paths == () and r.verdict is Answer.NO


def test_route_attached_to_a_gateway_not_in_the_input():
    docs = gateway_docs()
    docs[-2]["spec"]["parentRefs"] = [{"name": "elsewhere", "namespace": "infra"}]
    c = cluster(*docs)
    r = can_reach_url(c, "internet", "http://checkout.example.com/")
    assert r.paths == () and r.verdict is Answer.NO
    result = paths(c)
    assert not any(p.route_object == "HTTPRoute checkout/checkout" for p in result.routes)
    assert any("checkout/checkout" in n and "no Gateway" in n for n in result.notes)


def test_paths_skips_routes_whose_hostnames_miss_the_listener():
    docs = gateway_docs()
    docs[1]["spec"]["listeners"] = [{"name": "web", "port": 80, "protocol": "HTTP",
                                     "hostname": "*.example.net",
                                     "allowedRoutes": {"namespaces": {"from": "All"}}}]
    c = cluster(*docs)  # the route's hostname is checkout.example.com
    assert can_reach_url(c, "internet", "http://checkout.example.com/").paths == ()
    assert paths(c).routes == ()


# -- paths: every way in -------------------------------------------------------------------


def test_paths_lists_every_ingress_route_and_exposed_service(shop_fixture):
    result = paths(shop_fixture)
    ing = {(p.host, p.match): p for p in result.routes if p.route_object == "Ingress shop/app"}
    assert set(ing) == {("app.example.com", "Prefix /api"), ("app.example.com", "Prefix /orders"),
                        ("app.example.com", "Prefix /")}
    assert {k[1]: p.verdict.value for k, p in ing.items()} == {
        "Prefix /api": "no", "Prefix /orders": "no", "Prefix /": "yes"}
    assert all(p.tls == "app-example-com-tls" for p in ing.values())
    (lb,) = result.exposed
    assert (lb.service, lb.type, lb.external_traffic_policy) == (
        "ingress-nginx/ingress-nginx-controller", "LoadBalancer", "Local")
    assert lb.endpoints == ("ingress-nginx/ingress-nginx-controller",)
    assert lb.reachable == lb.endpoints


def test_paths_lists_every_http_route_rule_with_its_listener():
    docs = gateway_docs()
    docs[-2]["spec"]["rules"].insert(0, {
        "matches": [{"path": {"type": "PathPrefix", "value": "/"},
                     "headers": [{"name": "X-Canary", "value": "yes"}]}],
        "backendRefs": [{"name": "checkout-v2", "port": 80}]})
    result = paths(cluster(*docs))
    got = sorted((p.match, p.host, p.entry, p.verdict.value) for p in result.routes)
    assert got == [
        ("Prefix /", "checkout.example.com", "Gateway infra/public listener http", "yes"),
        ("Prefix / x-canary=yes", "checkout.example.com", "Gateway infra/public listener http",
         "yes")]
    split = next(p for p in result.routes if p.match == "Prefix /")
    assert [b.share for b in split.backends] == [pytest.approx(0.9), pytest.approx(0.1)]


def test_paths_counts_reachable_endpoints_of_node_port_and_load_balancer_services():
    c = cluster(
        ns("edge"),
        deploy("edge", "open", {"app": "open"}, ports=[{"containerPort": 8080}]),
        deploy("edge", "closed", {"app": "closed"}, ports=[{"containerPort": 8080}]),
        deploy("edge", "internal", {"app": "internal"}, ports=[{"containerPort": 8080}]),
        service("edge", "open-np", {"app": "open"},
                [{"port": 80, "targetPort": 8080, "nodePort": 30080}], type="NodePort"),
        service("edge", "closed-lb", {"app": "closed"}, [{"port": 80, "targetPort": 8080}],
                type="LoadBalancer"),
        service("edge", "internal", {"app": "internal"}, [{"port": 80, "targetPort": 8080}]),
        policy("edge", "deny-closed", {"podSelector": {"matchLabels": {"app": "closed"}},
                                       "policyTypes": ["Ingress"]}))
    result = paths(c)
    exposed = {e.service: e for e in result.exposed}
    assert set(exposed) == {"edge/open-np", "edge/closed-lb"}  # ClusterIP is not exposed
    assert exposed["edge/open-np"].type == "NodePort"
    assert exposed["edge/open-np"].reachable == ("edge/open",)
    assert any("30080" in p for p in exposed["edge/open-np"].ports)
    assert exposed["edge/closed-lb"].endpoints == ("edge/closed",)
    assert exposed["edge/closed-lb"].reachable == ()
    assert result.routes == ()


def test_paths_with_flannel_and_policy_only():
    c = app()
    assert {p.verdict.value for p in paths(c).routes} == {"no"}
    assert {p.verdict.value for p in paths(c, cni="flannel").routes} == {"yes"}
    assert {p.verdict.value for p in paths(c, cni="flannel", policy_only=True).routes} == {"no"}


def test_paths_with_an_unrecognised_controller_is_unknown_until_named():
    c = app(ALLOW_CONTROLLER_NS, image="example.com/acme/edge-proxy:3")
    assert {p.verdict.value for p in paths(c).routes} == {"undecided"}
    named = paths(c, controller="ingress-nginx/ingress-nginx-controller")
    assert {p.verdict.value for p in named.routes} == {"yes"}


# -- review fixes: each test cites the rule it checks ------------------------------------------


DEFAULT_NGINX_CLASS = {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
                       "metadata": {"name": "nginx", "annotations": {
                           "ingressclass.kubernetes.io/is-default-class": "true"}},
                       "spec": {"controller": "k8s.io/ingress-nginx"}}


def classless(doc: dict[str, Any]) -> dict[str, Any]:
    del doc["spec"]["ingressClassName"]
    return doc


def test_ingress_without_class_joins_the_default_class_controller():
    """DefaultIngressClass admission gives a class-less Ingress the default IngressClass,
    so both Ingresses of app.example.com are served by the one ingress-nginx and routed
    together: the longest path across them wins, as a single controller does it."""
    web = classless(ingress("shop", "web", "app.example.com", [("/", "web", 80)],
                            tls_hosts=["app.example.com"]))
    c = app(ALLOW_CONTROLLER_NS, DEFAULT_NGINX_CLASS, web,
            deploy("shop", "web", {"app": "web"}, ports=[{"containerPort": 8080}]),
            service("shop", "web", {"app": "web"}, [{"port": 80, "targetPort": 8080}]))
    r = can_reach_url(c, "internet", "https://app.example.com/api/x")
    p = only(r)  # one controller: one entry point, not "(default)" and "nginx"
    assert p.route_object == "Ingress shop/app" and p.entry == "Ingress class nginx"
    root = only(can_reach_url(c, "internet", "https://app.example.com/"))
    assert root.route_object == "Ingress shop/web"
    assert root.controller == ("ingress-nginx/ingress-nginx-controller",)


def test_class_no_detected_controller_serves_is_unknown_not_assumed():
    """ingress-nginx serves only its own class (IngressClass with controller
    k8s.io/ingress-nginx, or the name nginx): an Ingress of class internal-alb is not
    its business, so the hops are unknown, with a note, until --controller names pods."""
    c = app(ALLOW_CONTROLLER_NS,
            ingress("shop", "alb", "alb.example.com", [("/", "api-service", 80)],
                    cls="internal-alb"))
    for url in ("http://alb.example.com/", "https://alb.example.com/"):
        r = can_reach_url(c, "internet", url)
        assert r.verdict is Answer.UNDECIDED, url
        p = only(r)
        assert p.controller == () and p.entry == "Ingress class internal-alb"
        assert any("internal-alb" in n and "--controller" in n for n in p.notes)
    named = can_reach_url(c, "internet", "http://alb.example.com/",
                          controller="ingress-nginx/ingress-nginx-controller")
    assert named.verdict is Answer.YES
    assert {p.verdict.value for p in paths(c).routes if p.route_object == "Ingress shop/alb"} == {
        "undecided"}


def test_ingress_without_class_and_without_default_class_is_unknown():
    """With no ingressClassName and no default IngressClass, ingress-nginx ignores the
    Ingress unless started with --watch-ingress-without-class=true (default false)."""
    c = app(ALLOW_CONTROLLER_NS,
            classless(ingress("shop", "bare", "bare.example.com", [("/", "api-service", 80)])))
    r = can_reach_url(c, "internet", "http://bare.example.com/")
    assert r.verdict is Answer.UNDECIDED
    p = only(r)
    assert p.entry == "Ingress (no class)" and p.controller == ()
    assert any("--watch-ingress-without-class" in n for n in p.notes)


def test_gateway_name_label_counts_in_the_gateways_namespace_only():
    """gateway.networking.k8s.io/gateway-name holds a name, not a namespace: pods of
    another namespace's Gateway of the same name are not this Gateway's data plane."""
    docs = gateway_docs()
    docs += [ns("other"),
             {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
              "metadata": {"name": "public", "namespace": "other"},
              "spec": {"gatewayClassName": "eg", "listeners": [
                  {"name": "http", "port": 8081, "protocol": "HTTP"}]}},
             deploy("other", "public-envoy",
                    {"gateway.networking.k8s.io/gateway-name": "public"},
                    image="envoyproxy/envoy:v1.30.1")]
    p = only(can_reach_url(cluster(*docs), "internet", "http://checkout.example.com/"))
    assert p.controller == ("infra/public-envoy",)


def test_envoy_gateway_pods_are_found_by_their_namespace_label():
    """Envoy Gateway runs proxies in its own namespace, labelled owning-gateway-name and
    owning-gateway-namespace."""
    docs = gateway_docs(data_plane=False)
    docs += [ns("envoy-gateway-system"),
             deploy("envoy-gateway-system", "envoy-infra-public",
                    {"gateway.envoyproxy.io/owning-gateway-name": "public",
                     "gateway.envoyproxy.io/owning-gateway-namespace": "infra"},
                    image="envoyproxy/envoy:v1.30.1"),
             deploy("envoy-gateway-system", "envoy-elsewhere-public",
                    {"gateway.envoyproxy.io/owning-gateway-name": "public",
                     "gateway.envoyproxy.io/owning-gateway-namespace": "elsewhere"},
                    image="envoyproxy/envoy:v1.30.1")]
    p = only(can_reach_url(cluster(*docs), "internet", "http://checkout.example.com/"))
    assert p.controller == ("envoy-gateway-system/envoy-infra-public",)


def test_query_params_route_the_canary_end_to_end():
    """HTTPRouteMatch.queryParams: ?canary=1 goes to v2, other requests to the split."""
    docs = gateway_docs()
    docs[-2]["spec"]["rules"].insert(0, {
        "matches": [{"path": {"type": "PathPrefix", "value": "/"},
                     "queryParams": [{"name": "canary", "value": "1"}]}],
        "backendRefs": [{"name": "checkout-v2", "port": 80}]})
    c = cluster(*docs)
    canary = only(can_reach_url(c, "internet", "http://checkout.example.com/cart?canary=1"))
    assert canary.route_field == "spec.rules[0]" and canary.match == "Prefix /?canary=1"
    plain = only(can_reach_url(c, "internet", "http://checkout.example.com/cart?canary=0"))
    assert plain.route_field == "spec.rules[1]"


def test_request_redirect_answers_without_a_backend():
    """HTTPRequestRedirectFilter "responds to the request with an HTTP redirection": the
    proxy answers itself, so there is no backend hop (and none is needed)."""
    docs = gateway_docs()
    docs[-2]["spec"]["rules"] = [{"filters": [
        {"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}},
        {"type": "ResponseHeaderModifier",
         "responseHeaderModifier": {"add": [{"name": "x-a", "value": "1"}]}}]}]
    c = cluster(*docs)
    r = can_reach_url(c, "internet", "http://checkout.example.com/")
    p = only(r)
    assert r.verdict is Answer.YES and p.backends == ()
    redirect = hop(p, "redirect")
    # the Location: scheme https, the request's host, the well-known port 443 elided
    step = "redirect (301 to https://checkout.example.com/)"
    assert redirect.step == step and redirect.status is HopStatus.OK
    assert [h.step for h in p.hops][-1] == step
    assert any("ResponseHeaderModifier" in n and "not followed" in n for n in p.notes)
    (listed,) = paths(c).routes
    assert listed.verdict is Answer.YES and listed.backends == ()


def test_all_backends_with_weight_zero_forward_nothing():
    """HTTPBackendRef.weight: "If weight is set to 0, no traffic should be forwarded for
    this entry"; with every weight 0 nothing is forwarded (implementations answer 500)."""
    c = cluster(*gateway_docs(weights=(0, 0)))
    r = can_reach_url(c, "internet", "http://checkout.example.com/")
    assert r.verdict is Answer.NO
    route_hop = hop(only(r), "route")
    assert route_hop.status is HopStatus.BLOCKED
    assert route_hop.reason.code is HopReason.ALL_WEIGHT_ZERO
    assert "weight 0" in hop_detail(route_hop)


def test_cross_namespace_backend_needs_a_reference_grant():
    """Gateway API ReferenceGrant: without one in the Service's namespace the reference is
    RefNotPermitted (ResolvedRefs False) and requests for it get a 500."""
    docs = gateway_docs()
    route = docs[-2]
    route["metadata"]["namespace"] = "web"
    for b in route["spec"]["rules"][0]["backendRefs"]:
        b["namespace"] = "checkout"
    docs.insert(0, ns("web"))
    r = can_reach_url(cluster(*docs), "internet", "http://checkout.example.com/")
    assert r.verdict is Answer.NO
    h = hop(only(r), "checkout-v1")
    assert h.status is HopStatus.BLOCKED and h.reason.code is HopReason.REF_NOT_PERMITTED
    assert "RefNotPermitted" in hop_detail(h)
    grant = {"apiVersion": "gateway.networking.k8s.io/v1beta1", "kind": "ReferenceGrant",
             "metadata": {"name": "from-web", "namespace": "checkout"},
             "spec": {"from": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute",
                                "namespace": "web"}],
                      "to": [{"group": "", "kind": "Service"}]}}
    granted = can_reach_url(cluster(*docs, grant), "internet", "http://checkout.example.com/")
    assert granted.verdict is Answer.YES
    assert not any("ReferenceGrant" in n for n in only(granted).notes)  # read, not assumed


def test_external_name_and_selectorless_backends_are_unknown_not_blocked():
    """An ExternalName Service is a DNS name the proxy connects to itself; a Service
    without a selector has hand-managed endpoints (EndpointSlices are not read): neither
    can be judged from the manifests, so the hop is unknown, not blocked."""
    c = app(ALLOW_CONTROLLER_NS,
            service("shop", "docs", {}, [{"port": 443}], type="ExternalName",
                    externalName="docs.example.net"),
            service("shop", "legacy", {}, [{"port": 80}]),
            ingress("shop", "misc", "misc.example.com",
                    [("/docs", "docs", 443), ("/legacy", "legacy", 80)]))
    for url, svc in (("http://misc.example.com/docs", "docs"),
                     ("http://misc.example.com/legacy", "legacy")):
        r = can_reach_url(c, "internet", url)
        assert r.verdict is Answer.UNDECIDED, url
        assert hop(only(r), f"svc/shop/{svc}").status is HopStatus.UNDECIDED
    assert {p.verdict.value for p in paths(c).routes if p.route_object == "Ingress shop/misc"} == {
        "undecided"}


def test_tls_of_another_ingress_of_the_controller_covers_the_host():
    """ingress-nginx builds one server per host from all Ingresses of its class, so the
    tls entry of shop/app serves https for shop/more as well (controller behaviour)."""
    c = app(ALLOW_CONTROLLER_NS,
            ingress("shop", "more", "app.example.com", [("/more", "api-service", 80)]))
    p = only(can_reach_url(c, "internet", "https://app.example.com/more"))
    assert p.route_object == "Ingress shop/more"
    assert p.verdict is Answer.YES and p.tls == "app-tls"
    assert hop(p, "TLS").reason.other == "shop/app" and "shop/app" in hop_detail(hop(p, "TLS"))
    listed = next(r for r in paths(c).routes if r.route_object == "Ingress shop/more")
    assert listed.tls == "app-tls"


def test_request_port_the_controller_service_does_not_expose_is_blocked():
    """A LoadBalancer Service forwards only its ports: :9999 reaches no controller pod."""
    c = app(ALLOW_CONTROLLER_NS)
    r = can_reach_url(c, "internet", "https://app.example.com:9999/api")
    assert r.verdict is Answer.NO
    h = hop(only(r), "internet ->")
    assert h.status is HopStatus.BLOCKED and h.reason.code is HopReason.NO_SERVICE_PORT
    assert "no Service port 9999" in hop_detail(h)


def test_request_port_without_service_or_container_port_is_unknown():
    """Without a Service selecting the proxy, a port its pods do not declare may still be
    served (a hostPort, a Service elsewhere): unknown, not admitted."""
    docs = [d for d in controller() if d["kind"] != "Service"]
    c = cluster(*docs, ns("shop"),
                deploy("shop", "api", {"app": "api"}, ports=[{"containerPort": 8080}]),
                service("shop", "api-service", {"app": "api"},
                        [{"port": 80, "targetPort": 8080}]),
                ingress("shop", "app", "app.example.com", [("/", "api-service", 80)]))
    assert can_reach_url(c, "internet", "http://app.example.com/").verdict is Answer.YES
    r = can_reach_url(c, "internet", "http://app.example.com:9999/")
    assert r.verdict is Answer.UNDECIDED
    assert hop(only(r), "internet ->").status is HopStatus.UNDECIDED


def test_paths_reuses_work_across_routes(monkeypatch):
    """Performance: the Service endpoints of one (Service, port, proxy) are resolved once,
    however many routes lead there, among the pods of the Service's namespace only."""
    import netverify.queries.paths as mod

    calls: list[tuple[str, int]] = []
    real = mod.service_target

    def counting(c: Cluster, svc: Any, port: Any, proto: Any, *, candidates: Any = None) -> Any:
        calls.append((svc.key, len(c.pods if candidates is None else candidates)))
        return real(c, svc, port, proto, candidates=candidates)

    monkeypatch.setattr(mod, "service_target", counting)
    extra = [ingress("shop", f"copy-{i}", f"h{i}.example.com", [("/", "api-service", 80)])
             for i in range(5)]
    c = app(ALLOW_CONTROLLER_NS, *extra)
    result = paths(c)
    assert len([p for p in result.routes if p.backends]) == 6
    routed = [n for key, n in calls if key == "shop/api-service"]
    assert len(routed) == 1  # 6 routes, one resolution
    assert routed == [len([p for p in c.pods if p.namespace == "shop"])]


def _tied(action_b: str) -> list[dict[str, Any]]:
    """Two Admin ClusterNetworkPolicies at one priority on checkout's ingress."""
    return [{"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
             "metadata": {"name": name},
             "spec": {"tier": "Admin", "priority": 10,
                      "subject": {"namespaces": {"matchLabels": {
                          "kubernetes.io/metadata.name": "checkout"}}},
                      "ingress": [{"name": "all", "action": action,
                                   "from": [{"namespaces": {}}]}]}}
            for name, action in (("a", "Accept"), ("b", action_b))]


def test_a_backend_hop_left_to_the_implementation_is_undecided_not_blocked():
    # Policies of one tier at one priority that disagree: "the implementation can apply
    # any of the matching policies" (network-policy-api): the proxy -> backend hop is
    # neither reachable nor blocked.
    r = can_reach_url(fixture_plus(*_tied("Deny")), "internet", "https://checkout.example.com/",
                      policy_only=True)
    path = only(r)
    assert path.verdict is Answer.UNDECIDED and r.verdict is Answer.UNDECIDED
    h = hop(path, "-> svc/checkout/checkout-v1")
    assert h.status is HopStatus.UNDECIDED
    assert h.reason.code is HopReason.LEFT_TO_IMPLEMENTATION
    assert "leave the connection to checkout/checkout-v1" in hop_detail(h)
    # When the tied policies agree, the hop is decided.
    r = can_reach_url(fixture_plus(*_tied("Accept")), "internet",
                      "https://checkout.example.com/", policy_only=True)
    assert only(r).verdict is Answer.YES
