"""Ingress, Gateway and HTTPRoute loading; Service exposure fields; suppression annotations."""

from __future__ import annotations

import pytest

from netverify.errors import ManifestError
from netverify.loader import load_text

ING_HEAD = """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: app, namespace: shop}
"""

SEED_INGRESS = ING_HEAD + """spec:
  ingressClassName: nginx
  tls:
    - hosts: [app.example.com]
      secretName: app-tls
  rules:
    - host: app.example.com
      http:
        paths:
          - path: /api
            pathType: Prefix
            backend: {service: {name: api-service, port: {number: 80}}}
          - path: /
            pathType: Prefix
            backend: {service: {name: frontend-service, port: {name: http}}}
  defaultBackend: {service: {name: fallback, port: {number: 8080}}}
"""


def err(text: str) -> str:
    with pytest.raises(ManifestError) as e:
        load_text(text, "routes.yaml")
    return str(e.value)


def test_ingress_is_flattened_into_routes_with_tls_and_default_backend():
    (ing,) = load_text(SEED_INGRESS, "ing.yaml").ingresses
    assert ing.key == "shop/app" and ing.ingress_class == "nginx"
    api, front, default = ing.routes
    assert api.hosts == ("app.example.com",) and api.matches[0].path == "/api"
    assert api.backends[0].name == "api-service" and api.backends[0].port == 80
    assert api.field == "spec.rules[0].http.paths[0]" and api.source.line == 13
    assert front.backends[0].port == "http"
    assert default.is_default and default.matches == () and default.hosts == ()
    assert default.backends[0].name == "fallback"
    assert ing.tls[0].hosts == ("app.example.com",) and ing.tls[0].secret_name == "app-tls"


def test_ingress_class_from_the_legacy_annotation():
    text = ING_HEAD.replace("namespace: shop}", "namespace: shop, annotations: "
                            "{kubernetes.io/ingress.class: traefik}}") + """spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
"""
    assert load_text(text, "x").ingresses[0].ingress_class == "traefik"


def test_v1beta1_ingress_backend_form_is_read_with_a_note():
    text = """apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: old, namespace: shop}
spec:
  rules:
    - http:
        paths:
          - path: /
            backend: {serviceName: web, servicePort: http}
"""
    c = load_text(text, "x")
    (route,) = c.ingresses[0].routes
    assert route.backends[0].name == "web" and route.backends[0].port == "http"
    assert route.matches[0].path_type == "ImplementationSpecific"
    assert any("deprecated" in n for n in c.notes)


@pytest.mark.parametrize(("spec", "field", "words"), [
    ("rules: [{http: {paths: [{path: /, backend: {service: {name: a, port: {number: 80}}}}]}}]",
     "spec.rules[0].http.paths[0].pathType", "is required"),
    ("rules: [{http: {paths: [{path: /, pathType: Regex, backend: {service: {name: a, port: "
     "{number: 80}}}}]}}]", "spec.rules[0].http.paths[0].pathType", "unknown pathType"),
    ("rules: [{http: {paths: [{path: api, pathType: Prefix, backend: {service: {name: a, "
     "port: {number: 80}}}}]}}]", "spec.rules[0].http.paths[0].path", "must start with /"),
    ("rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: a, "
     "port: {number: 70000}}}}]}}]", "spec.rules[0].http.paths[0].backend.service.port.number",
     "not a port"),
    ("rules: [{host: 'app.*.com', http: {paths: [{path: /, pathType: Prefix, backend: "
     "{service: {name: a, port: {number: 80}}}}]}}]", "spec.rules[0].host", "wildcard"),
    ("defaultBackend: {service: {name: a, port: {}}}", "spec.defaultBackend.service.port",
     "exactly one of number and name"),
])
def test_ingress_errors_name_the_field(spec, field, words):
    msg = err(ING_HEAD + "spec:\n  " + spec + "\n")
    assert field in msg and words in msg and "Ingress shop/app" in msg


ROUTE = """apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: canary, namespace: shop}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: https}]
  hostnames: [app.example.com]
  rules:
    - matches:
        - path: {type: PathPrefix, value: /api}
          headers: [{name: X-Canary, value: "yes"}]
      backendRefs:
        - {name: api-v1, port: 80, weight: 90}
        - {name: api-v2, port: 80, weight: 10}
    - backendRefs: [{name: web, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: eg
  listeners:
    - {name: http, port: 80, protocol: HTTP}
    - {name: https, port: 443, protocol: HTTPS, hostname: "*.example.com",
       tls: {certificateRefs: [{name: wildcard}]}}
"""


def test_http_route_rules_weights_and_default_match():
    c = load_text(ROUTE, "r.yaml")
    (route,) = c.http_routes
    assert route.parents[0].namespace == "infra" and route.parents[0].section_name == "https"
    canary, plain = route.routes
    assert [(b.name, b.weight) for b in canary.backends] == [("api-v1", 90), ("api-v2", 10)]
    assert canary.matches[0].path_type == "Prefix" and canary.matches[0].headers == (
        ("x-canary", "yes"),)
    assert plain.matches[0].path == "/" and plain.matches[0].path_type == "Prefix"
    (gw,) = c.gateways
    assert [(li.port, li.tls) for li in gw.listeners] == [(80, False), (443, True)]


@pytest.mark.parametrize(("old", "new", "field"), [
    ("weight: 10}", "weight: -1}", "spec.rules[0].backendRefs[1].weight"),
    ("{name: web, port: 80}", "{name: web}", "spec.rules[1].backendRefs[0].port"),
    ("type: PathPrefix", "type: Prefix", "spec.rules[0].matches[0].path.type"),
    ("gatewayClassName: eg", "gatewayClassName: ''", "spec.gatewayClassName"),
])
def test_gateway_api_errors_name_the_field(old, new, field):
    assert field in err(ROUTE.replace(old, new))


def test_istio_gateway_is_skipped_not_rejected():
    c = load_text("apiVersion: networking.istio.io/v1beta1\nkind: Gateway\n"
                  "metadata: {name: g, namespace: istio-system}\nspec: {}\n", "x")
    assert c.gateways == () and c.skipped == {"Gateway (networking.istio.io/v1beta1)": 1}


SVC = """apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  sessionAffinity: ClientIP
  loadBalancerSourceRanges: [10.0.0.0/8]
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
"""


def test_service_exposure_fields():
    (svc,) = load_text(SVC, "s.yaml").services
    assert svc.external and svc.external_traffic_policy == "Local"
    assert svc.session_affinity == "ClientIP" and svc.load_balancer_source_ranges == (
        "10.0.0.0/8",)
    assert svc.ports[0].node_port == 30080 and not svc.headless


@pytest.mark.parametrize(("old", "new", "field"), [
    ("type: LoadBalancer", "type: Loadbalancer", "spec.type"),
    ("externalTrafficPolicy: Local", "externalTrafficPolicy: local",
     "spec.externalTrafficPolicy"),
    ("sessionAffinity: ClientIP", "sessionAffinity: IP", "spec.sessionAffinity"),
])
def test_service_field_errors(old, new, field):
    assert field in err(SVC.replace(old, new))


def test_ignore_annotation_is_read_per_object():
    text = """apiVersion: v1
kind: Namespace
metadata: {name: legacy, annotations: {netverify.io/ignore: "*"}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, annotations: {netverify.io/ignore: "nv101, NV110"}}
spec: {template: {metadata: {labels: {app: web}}}}
"""
    c = load_text(text, "x")
    assert c.suppressions == {"Namespace legacy": frozenset({"*"}),
                              "Deployment shop/web": frozenset({"NV101", "NV110"})}


def test_ignore_annotation_with_a_bad_code_is_an_error():
    msg = err("apiVersion: v1\nkind: Namespace\nmetadata: {name: a, annotations: "
              "{netverify.io/ignore: 'NV1O1'}}\n")
    assert "metadata.annotations.netverify.io/ignore" in msg and "rule codes" in msg
