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


# -- review fixes: crashes become field errors; fields the specs define are read ---------------


@pytest.mark.parametrize(("old", "new", "field"), [
    # a list or mapping where a string is expected must not reach a dict lookup
    ("type: PathPrefix", "type: [PathPrefix]", "spec.rules[0].matches[0].path.type"),
    ("type: PathPrefix", "type: {a: 1}", "spec.rules[0].matches[0].path.type"),
    ("protocol: HTTP}", "protocol: HTTP, allowedRoutes: {namespaces: {from: [All]}}}",
     "spec.listeners[0].allowedRoutes.namespaces.from"),
    ("headers: [{name: X-Canary, value: \"yes\"}]",
     "headers: [{name: X-Canary, value: \"yes\", type: [Exact]}]",
     "spec.rules[0].matches[0].headers[0].type"),
])
def test_unhashable_values_are_field_errors_not_type_errors(old, new, field):
    """The API server rejects a non-string enum value; netverify must say where."""
    msg = err(ROUTE.replace(old, new))
    assert field in msg and ("HTTPRoute shop/canary" in msg or "Gateway infra/gw" in msg)


def test_ingress_path_type_that_is_a_list_is_a_field_error():
    spec = ("rules: [{http: {paths: [{path: /, pathType: [Prefix], backend: {service: "
            "{name: a, port: {number: 80}}}}]}}]")
    msg = err(ING_HEAD + "spec:\n  " + spec + "\n")
    assert "spec.rules[0].http.paths[0].pathType" in msg and "unknown pathType" in msg


@pytest.mark.parametrize(("value", "words"), [
    ("/a b", "characters"), ("/a<b", "characters"), ("/a//b", "'//'"), ("/a/./b", "'/./'"),
    ("/a/../b", "'/../'"), ("/a%2Fb", "'%2F'"), ("/a/..", "end with '/..'"),
    ("/a/.", "end with '/.'"), ("/%zz", "characters"), ("a", "must start with /"),
])
def test_http_route_path_values_are_checked_like_the_crd(value, words):
    """HTTPPathMatch.value for Exact/PathPrefix: the CRD's pattern
    ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$ and its CEL rules."""
    msg = err(ROUTE.replace("value: /api}", f"value: {value!r}}}"))
    assert "spec.rules[0].matches[0].path.value" in msg and words in msg


def test_valid_route_paths_with_reserved_characters_and_escapes_load():
    text = ROUTE.replace("value: /api}", "value: \"/a/b;c=d/@e/%20f/~g\"}")
    (route,) = load_text(text, "r.yaml").http_routes
    assert route.routes[0].matches[0].path == "/a/b;c=d/@e/%20f/~g"
    regex = ROUTE.replace("{type: PathPrefix, value: /api}",
                          "{type: RegularExpression, value: '/api/[0-9]+'}")
    (route,) = load_text(regex, "r.yaml").http_routes
    assert route.routes[0].matches[0].path_type == "RegularExpression"


def test_query_params_are_read_and_non_exact_types_rejected():
    """HTTPQueryParamMatch: Exact (Extended support) is followed; RegularExpression is
    implementation-specific and refused with the field named, like header matches."""
    text = ROUTE.replace("headers: [{name: X-Canary, value: \"yes\"}]",
                         "queryParams: [{name: canary, value: '1'}, {name: canary, "
                         "value: '2'}]")
    (route,) = load_text(text, "r.yaml").http_routes
    assert route.routes[0].matches[0].query_params == (("canary", "1"),)  # first entry
    bad = text.replace("{name: canary, value: '1'}",
                       "{name: canary, value: '1', type: RegularExpression}")
    msg = err(bad)
    assert "spec.rules[0].matches[0].queryParams[0].type" in msg and "not supported" in msg
    missing = text.replace("{name: canary, value: '1'}", "{name: canary}")
    assert "spec.rules[0].matches[0].queryParams[0].value" in err(missing)


REDIRECT = ROUTE.replace("""    - backendRefs: [{name: web, port: 80}]
""", """    - filters:
        - type: RequestRedirect
          requestRedirect: {scheme: https, statusCode: 301}
        - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: a, value: b}]}}
""")


def test_filters_are_kept_on_the_route():
    """HTTPRouteRule.filters: RequestRedirect answers the request (terminal); the others are
    kept so that what netverify does not follow stays visible."""
    (route,) = load_text(REDIRECT, "r.yaml").http_routes
    redirect, header = route.routes[1].filters
    assert (redirect.type, redirect.detail, redirect.terminal) == (
        "RequestRedirect", "301 to https", True)
    assert redirect.field == "spec.rules[1].filters[0]"
    assert header.type == "RequestHeaderModifier" and not header.terminal
    assert route.routes[1].backends == ()


@pytest.mark.parametrize(("old", "new", "field", "words"), [
    ("type: RequestRedirect\n", "type: Redirect\n", "spec.rules[1].filters[0].type",
     "unknown filter type"),
    ("requestRedirect: {scheme: https, statusCode: 301}", "urlRewrite: {hostname: a}",
     "spec.rules[1].filters[0].urlRewrite", "must not be set"),
    ("statusCode: 301", "statusCode: 200", "spec.rules[1].filters[0].requestRedirect.statusCode",
     "not a redirect status"),
    ("scheme: https", "scheme: ftp", "spec.rules[1].filters[0].requestRedirect.scheme",
     "unknown scheme"),
    ("    - filters:\n", "    - backendRefs: [{name: web, port: 80}]\n      filters:\n",
     "spec.rules[1].filters", "together with backendRefs"),
], ids=["type", "other-field", "status", "scheme", "redirect-with-backends"])
def test_filter_errors_name_the_field(old, new, field, words):
    """The CRD's enum and CEL rules on HTTPRouteFilter and HTTPRouteRule."""
    msg = err(REDIRECT.replace(old, new))
    assert field in msg and words in msg


def test_redirect_details():
    (route,) = load_text(REDIRECT.replace(
        "{scheme: https, statusCode: 301}",
        "{hostname: www.example.com, port: 8443, path: {type: ReplaceFullPath, "
        "replaceFullPath: /new}}"), "r.yaml").http_routes
    assert route.routes[1].filters[0].detail == "302 to //www.example.com:8443/new"


def test_listener_allowed_route_kinds_are_read():
    text = ROUTE.replace("{name: http, port: 80, protocol: HTTP}",
                         "{name: http, port: 80, protocol: HTTP, allowedRoutes: {kinds: "
                         "[{kind: HTTPRoute}, {group: example.com, kind: Custom}]}}")
    gw = load_text(text, "r.yaml").gateways[0]
    assert gw.listeners[0].route_kinds == (("gateway.networking.k8s.io", "HTTPRoute"),
                                           ("example.com", "Custom"))


@pytest.mark.parametrize(("value", "ok"), [
    ("'2024-05-01T12:00:00Z'", True), ("2024-05-01T12:00:00Z", True),
    ("'2024-05-01T12:00:00.5+02:00'", True), ("yesterday", False), ("[1]", False),
])
def test_creation_timestamp_must_be_rfc_3339(value, ok):
    text = ROUTE.replace("namespace: shop}", f"namespace: shop, creationTimestamp: {value}}}")
    if ok:
        assert load_text(text, "r.yaml").http_routes[0].created is not None
    else:
        assert "metadata.creationTimestamp" in err(text)


@pytest.mark.parametrize(("text", "field"), [
    (SVC.replace("ports: [{port: 80, targetPort: 8080, nodePort: 30080}]", "ports: 5"),
     "spec.ports"),
    ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w, namespace: shop}\n"
     "spec: {template: {spec: {containers: [{name: c, image: x, ports: 5}]}}}\n",
     "spec.template.spec.containers[0].ports"),
    ("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\n"
     "spec: {containers: [{name: c, image: x, ports: {a: 1}}]}\n", "spec.containers[0].ports"),
], ids=["service", "deployment", "pod"])
def test_ports_that_are_not_lists_are_field_errors(text, field):
    """Service spec.ports and container ports are lists; anything else is a field error."""
    msg = err(text)
    assert field in msg and "must be a list" in msg


def test_v1beta1_service_port_with_unicode_digits_is_a_name_not_a_crash():
    text = """apiVersion: networking.k8s.io/v1beta1
kind: Ingress
metadata: {name: old, namespace: shop}
spec:
  backend: {serviceName: web, servicePort: "\u00b2"}
"""
    (ing,) = load_text(text, "x").ingresses
    assert ing.routes[0].backends[0].port == "\u00b2"
