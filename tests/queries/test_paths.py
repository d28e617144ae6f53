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
from netverify.loader import load_cluster, load_text
from netverify.model import Cluster
from netverify.queries.paths import can_reach_url, paths
from netverify.results import Hop, RoutedPath
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
               https_port: int = 443) -> list[dict[str, Any]]:
    """ingress-nginx: namespace, controller Deployment and its LoadBalancer Service."""
    return [ns("ingress-nginx"),
            deploy("ingress-nginx", name, CONTROLLER_LABELS, image=image,
                   host_network=host_network,
                   ports=[{"name": "http", "containerPort": 80},
                          {"name": "https", "containerPort": https_port}]),
            service("ingress-nginx", name, CONTROLLER_LABELS,
                    [{"name": "http", "port": 80, "targetPort": "http"},
                     {"name": "https", "port": 443, "targetPort": "https"}],
                    type="LoadBalancer")]


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
    assert r.verdict == "no"
    p = only(r)
    assert (p.route_object, p.match, p.host) == ("Ingress shop/app", "Prefix /api",
                                                 "app.example.com")
    assert p.route_field == "spec.rules[0].http.paths[0]"
    assert p.tls == "app-example-com-tls"
    assert p.controller == ("ingress-nginx/ingress-nginx-controller",)
    (b,) = p.backends
    assert (b.service, b.endpoints, b.reachable) == ("shop/api-service", ("shop/api",), ())
    assert b.target == "http -> 8080"
    assert [h.status for h in p.hops] == ["ok", "ok", "blocked"]  # TLS, inbound, backend
    blocked = hop(p, "svc/shop/api-service")
    assert blocked.status == "blocked" and blocked.port == 8080
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
        assert p.verdict == "yes" and p.backends[0].reachable == ("shop/frontend",)


def test_allowing_the_controller_namespace_fixes_the_502():
    fix = policy("shop", "allow-api-from-ingress-nginx", {
        "podSelector": {"matchLabels": {"app": "api"}},
        "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": "ingress-nginx"}}}],
            "ports": [{"port": 8080}]}]})
    r = can_reach_url(fixture_plus(fix), "internet", "https://app.example.com/api/users")
    assert r.verdict == "yes"
    p = only(r)
    assert p.backends[0].reachable == ("shop/api",)
    assert all(h.status == "ok" for h in p.hops)


def test_a_policy_allowing_the_wrong_port_does_not_fix_it():
    wrong = policy("shop", "allow-api-80", {
        "podSelector": {"matchLabels": {"app": "api"}},
        "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": "ingress-nginx"}}}], "ports": [{"port": 80}]}]})
    # The controller connects to the endpoint's targetPort (8080), not the Service port.
    r = can_reach_url(fixture_plus(wrong), "internet", "https://app.example.com/api")
    assert r.verdict == "no"


def test_selector_typo_means_no_endpoints(shop_fixture):
    r = can_reach_url(shop_fixture, "internet", "https://app.example.com/orders/42")
    assert r.verdict == "no"
    p = only(r)
    (b,) = p.backends
    assert b.service == "shop/orders-service" and b.endpoints == () and b.reachable == ()
    assert b.problem is not None and "no endpoints" in b.problem and "app=order" in b.problem
    h = hop(p, "svc/shop/orders-service")
    assert h.status == "blocked" and "no endpoints" in h.detail


# -- inline clusters ----------------------------------------------------------------------


def test_inline_seed_blocked_then_fixed():
    assert can_reach_url(app(), "internet", "https://app.example.com/api").verdict == "no"
    fixed = can_reach_url(app(ALLOW_CONTROLLER_NS), "internet", "https://app.example.com/api")
    assert fixed.verdict == "yes"
    assert only(fixed).backends[0].target == "http -> 8080"


def test_named_target_port_missing_on_one_of_two_endpoint_workloads():
    c = app(ALLOW_CONTROLLER_NS,
            # a second workload behind api-service, without a port named http
            deploy("shop", "api-canary", {"app": "api", "track": "canary"},
                   ports=[{"name": "web", "containerPort": 9090}]))
    r = can_reach_url(c, "internet", "https://app.example.com/api")
    assert r.verdict == "no"
    (b,) = only(r).backends
    assert set(b.endpoints) == {"shop/api", "shop/api-canary"}
    assert b.reachable == ("shop/api",)
    assert b.problem is not None and "http" in b.problem and "shop/api-canary" in b.problem
    h = hop(only(r), "svc/shop/api-service")
    assert h.status == "blocked" and "1/2" in h.detail


def test_https_to_a_host_not_covered_by_tls_fails_at_the_tls_hop():
    c = app(ALLOW_CONTROLLER_NS,
            ingress("shop", "www", "www.example.com", [("/", "api-service", 80)],
                    tls_hosts=["app.example.com"]))
    p = only(can_reach_url(c, "internet", "https://www.example.com/"))
    assert p.tls == "none"
    tls = hop(p, "TLS")
    assert tls.status == "blocked" and "www.example.com" in tls.detail
    assert p.verdict == "no"
    # the same Ingress over plain http has no TLS hop to fail
    plain = only(can_reach_url(c, "internet", "http://www.example.com/"))
    assert plain.verdict == "yes"
    assert not any(h.step == "TLS" and h.status == "blocked" for h in plain.hops)
    # and the covered host is fine over https
    assert can_reach_url(c, "internet", "https://app.example.com/api").verdict == "yes"


def test_wildcard_tls_host_covers_one_label():
    c = app(ALLOW_CONTROLLER_NS,
            ingress("shop", "wild", "shop.example.com", [("/", "api-service", 80)],
                    tls_hosts=["*.example.com"]))
    p = only(can_reach_url(c, "internet", "https://shop.example.com/"))
    assert p.verdict == "yes" and p.tls == "wild-tls"


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
    assert nginx.verdict == "yes"
    t = only(can_reach_url(c, "internet", "http://t.example.com/"))
    assert t.entry == "Ingress class traefik" and t.controller == ("traefik/traefik",)
    # shop admits the ingress-nginx namespace only: Traefik gets the 502
    assert t.verdict == "no"
    assert hop(t, "svc/shop/api-service").status == "blocked"


def test_ingress_class_object_maps_a_custom_class_to_its_controller():
    public = {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
              "metadata": {"name": "public"}, "spec": {"controller": "k8s.io/ingress-nginx"}}
    c = app(ALLOW_CONTROLLER_NS, *traefik(), public,
            ingress("shop", "pub", "pub.example.com", [("/", "api-service", 80)], cls="public"))
    p = only(can_reach_url(c, "internet", "http://pub.example.com/"))
    assert p.controller == ("ingress-nginx/ingress-nginx-controller",)
    assert p.verdict == "yes"


def test_unknown_controller_is_undecided_until_named():
    c = app(ALLOW_CONTROLLER_NS, image="example.com/acme/edge-proxy:3")
    r = can_reach_url(c, "internet", "https://app.example.com/api")
    assert r.verdict == "unknown"
    p = only(r)
    assert p.controller == () and p.verdict == "unknown"
    assert any("--controller" in n for n in p.notes)
    named = can_reach_url(c, "internet", "https://app.example.com/api",
                          controller="ingress-nginx/ingress-nginx-controller")
    assert named.verdict == "yes"
    assert only(named).controller == ("ingress-nginx/ingress-nginx-controller",)
    # decidable the other way as well: without the allow policy it is blocked
    blocked = can_reach_url(app(image="example.com/acme/edge-proxy:3"), "internet",
                            "https://app.example.com/api",
                            controller="ingress-nginx/ingress-nginx-controller")
    assert blocked.verdict == "no"


def test_no_controller_pods_at_all_is_undecided():
    r = can_reach_url(app(ALLOW_CONTROLLER_NS, with_controller=False), "internet",
                      "https://app.example.com/api")
    assert r.verdict == "unknown"
    assert any(h.status == "unknown" for h in only(r).hops)


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
    c = app(ALLOW_CONTROLLER_NS, CONTROLLER_FROM_10_8)
    url = "https://app.example.com/api"
    internet = only(can_reach_url(c, "internet", url))
    inbound = hop(internet, "internet ->")
    assert inbound.status == "ok" and "10.0.0.0" in inbound.detail and "only" in inbound.detail
    outside = can_reach_url(c, "203.0.113.7", url)
    assert outside.verdict == "no"
    blocked = hop(only(outside), "203.0.113.7 ->")
    assert blocked.status == "blocked" and blocked.port == 443
    assert blocked.verdicts and not blocked.verdicts[0].is_allowed
    assert [x.policy for x in blocked.verdicts[0].ingress.isolating] == [
        "ingress-nginx/only-private-clients"]
    inside = can_reach_url(c, "10.1.2.3", url)
    assert inside.verdict == "yes"
    assert hop(only(inside), "10.1.2.3 ->").status == "ok"


def only_port(port: int) -> dict[str, Any]:
    return policy("ingress-nginx", f"only-{port}", {
        "podSelector": {"matchLabels": CONTROLLER_LABELS}, "policyTypes": ["Ingress"],
        "ingress": [{"ports": [{"port": port}]}]})


def test_controller_policy_ports_are_the_pods_ports_behind_the_load_balancer():
    # Service 443 -> targetPort https -> containerPort 8443: NetworkPolicy sees 8443.
    url = "https://app.example.com/api"
    ok = can_reach_url(app(ALLOW_CONTROLLER_NS, only_port(8443), https_port=8443),
                       "internet", url)
    assert ok.verdict == "yes"
    assert hop(only(ok), "internet ->").status == "ok"
    bad = can_reach_url(app(ALLOW_CONTROLLER_NS, only_port(443), https_port=8443),
                        "internet", url)
    assert bad.verdict == "no"
    h = hop(only(bad), "internet ->")
    assert h.status == "blocked" and h.port == 8443


def test_controller_admitting_https_only_blocks_plain_http():
    c = app(ALLOW_CONTROLLER_NS, only_port(443),
            ingress("shop", "plain", "plain.example.com", [("/", "api-service", 80)]))
    assert can_reach_url(c, "internet", "https://app.example.com/api").verdict == "yes"
    r = can_reach_url(c, "internet", "http://plain.example.com/")
    assert r.verdict == "no"
    assert hop(only(r), "internet ->").status == "blocked"


def test_controller_egress_default_deny_blocks_the_backend_hop():
    deny_egress = policy("ingress-nginx", "default-deny-egress", {
        "podSelector": {}, "policyTypes": ["Egress"]})
    r = can_reach_url(app(ALLOW_CONTROLLER_NS, deny_egress), "internet",
                      "https://app.example.com/api")
    assert r.verdict == "no"
    p = only(r)
    assert hop(p, "internet ->").status == "ok"  # egress deny does not stop replies
    h = hop(p, "svc/shop/api-service")
    assert h.status == "blocked"
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
    assert hop(p, "internet ->").status == "ok"
    # The backend admits pods of namespace ingress-nginx, but the controller's traffic comes
    # from the node's address, which a namespaceSelector does not match.
    h = hop(p, "svc/shop/api-service")
    assert h.status == "blocked" and r.verdict == "no"
    assert any("hostNetwork" in cav for v in h.verdicts for cav in v.caveats)


def test_host_network_controller_reaches_backends_without_policies():
    c = cluster(*controller(host_network=True), ns("shop"),
                deploy("shop", "api", {"app": "api"}, ports=[{"containerPort": 8080}]),
                service("shop", "api-service", {"app": "api"}, [{"port": 80,
                                                                 "targetPort": 8080}]),
                ingress("shop", "app", "app.example.com", [("/", "api-service", 80)]))
    assert can_reach_url(c, "internet", "http://app.example.com/").verdict == "yes"


def test_flannel_enforces_nothing_but_policy_only_still_says_blocked():
    c = app()
    url = "https://app.example.com/api"
    assert can_reach_url(c, "internet", url).verdict == "no"
    flannel = can_reach_url(c, "internet", url, cni="flannel")
    assert flannel.verdict == "yes"
    assert any("Flannel" in n or "flannel" in n for n in flannel.notes)
    assert can_reach_url(c, "internet", url, cni="flannel", policy_only=True).verdict == "no"


def test_policy_only_on_the_fixture_matches_the_enforced_answer(shop_fixture):
    url = "https://app.example.com/api"
    assert can_reach_url(shop_fixture, "internet", url, policy_only=True).verdict == "no"
    assert can_reach_url(shop_fixture, "internet", url, cni="calico").verdict == "no"


def test_missing_backend_service_is_blocked():
    c = app(ALLOW_CONTROLLER_NS,
            ingress("shop", "ghost", "ghost.example.com", [("/", "no-such-service", 80)]))
    p = only(can_reach_url(c, "internet", "http://ghost.example.com/"))
    assert p.verdict == "no"
    assert p.backends[0].problem is not None and "does not exist" in p.backends[0].problem


def test_url_that_nothing_routes_is_no_with_the_known_hosts():
    r = can_reach_url(app(), "internet", "https://unknown.example.org/")
    assert r.paths == () and r.verdict == "no"
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
    assert p.verdict == "yes"


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
    assert canary.verdict == "yes"


def test_backend_with_weight_zero_gets_no_traffic_so_its_failure_does_not_count():
    c = cluster(*gateway_docs(weights=(1, 0), v2_service="missing-service"))
    p = only(can_reach_url(c, "internet", "http://checkout.example.com/"))
    assert [(b.service, b.share) for b in p.backends] == [
        ("checkout/checkout-v1", pytest.approx(1.0)),
        ("checkout/missing-service", pytest.approx(0.0))]
    assert p.verdict == "yes"
    # with a weight, the same missing Service fails the path
    c = cluster(*gateway_docs(weights=(1, 1), v2_service="missing-service"))
    assert can_reach_url(c, "internet", "http://checkout.example.com/").verdict == "no"


def test_blocked_canary_backend_fails_the_path():
    deny_v2 = policy("checkout", "deny-v2", {
        "podSelector": {"matchLabels": {"version": "v2"}}, "policyTypes": ["Ingress"]})
    p = only(can_reach_url(cluster(*gateway_docs(), deny_v2), "internet",
                           "http://checkout.example.com/"))
    assert p.verdict == "no"
    v1, v2 = p.backends
    assert v1.reachable == ("checkout/checkout-v1",) and v2.reachable == ()
    assert hop(p, "checkout-v2").status == "blocked"
    assert hop(p, "checkout-v1").status == "ok"


def test_gateway_without_data_plane_pods_is_undecided():
    r = can_reach_url(cluster(*gateway_docs(data_plane=False)), "internet",
                      "http://checkout.example.com/")
    assert r.verdict == "unknown"
    assert only(r).controller == ()


def test_http_url_is_not_taken_by_an_https_only_gateway(shop_fixture):
    r = can_reach_url(shop_fixture, "internet", "http://checkout.example.com/")
    assert r.paths == () and r.verdict == "no"


def test_route_attached_to_a_gateway_not_in_the_input():
    docs = gateway_docs()
    docs[-2]["spec"]["parentRefs"] = [{"name": "elsewhere", "namespace": "infra"}]
    c = cluster(*docs)
    r = can_reach_url(c, "internet", "http://checkout.example.com/")
    assert r.paths == () and r.verdict == "no"
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
    assert {k[1]: p.verdict for k, p in ing.items()} == {
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
    got = sorted((p.match, p.host, p.entry, p.verdict) for p in result.routes)
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
    assert {p.verdict for p in paths(c).routes} == {"no"}
    assert {p.verdict for p in paths(c, cni="flannel").routes} == {"yes"}
    assert {p.verdict for p in paths(c, cni="flannel", policy_only=True).routes} == {"no"}


def test_paths_with_an_unrecognised_controller_is_unknown_until_named():
    c = app(ALLOW_CONTROLLER_NS, image="example.com/acme/edge-proxy:3")
    assert {p.verdict for p in paths(c).routes} == {"unknown"}
    named = paths(c, controller="ingress-nginx/ingress-nginx-controller")
    assert {p.verdict for p in named.routes} == {"yes"}
