"""Which route serves a request: Ingress and HTTPRoute matching, checked against the specs.

The expectations come from the API documents, not from the implementation:

- Ingress: https://kubernetes.io/docs/concepts/services-networking/ingress/
  ("Examples" table of path types, "Multiple matches", "Hostname wildcards",
  "Default backend").
- HTTPRoute: gateway.networking.k8s.io/v1 ``HTTPRouteSpec.hostnames``,
  ``HTTPRouteRule.matches`` (precedence), ``HTTPBackendRef.weight``,
  ``ParentReference`` and ``Listener.hostname`` / ``AllowedRoutes``.
"""

from __future__ import annotations

import pytest

from netverify.loader import load_text
from netverify.model import BackendRef, Cluster, PathMatch
from netverify.routing import (
    choose_http_route,
    choose_ingress_route,
    effective_ingress_class,
    host_matches,
    parse_url,
    path_matches,
    reference_permitted,
    remove_dot_segments,
    route_attaches,
    tls_secret_for,
)

# -- helpers ------------------------------------------------------------------------------------


def ingress(name: str, rules: str, *, ns: str = "shop", extra: str = "") -> str:
    """An Ingress document; ``rules`` is the YAML block under ``spec.rules`` (indented 2)."""
    return f"""---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: {name}, namespace: {ns}}}
spec:
  ingressClassName: nginx
{extra}  rules:
{rules}"""


def path(p: str, svc: str, ptype: str = "Prefix") -> str:
    return (f"          - {{path: {p}, pathType: {ptype}, "
            f"backend: {{service: {{name: {svc}, port: {{number: 80}}}}}}}}\n")


def rule(host: str | None, *paths: str) -> str:
    head = f"    - host: {host!r}\n" if host else "    - \n"
    return head + "      http:\n        paths:\n" + "".join(paths)


def ingresses(text: str) -> list:
    return list(load_text(text, "ing.yaml").ingresses)


def backend_of(text: str, url: str) -> str | None:
    """The Service name serving ``url`` among the Ingresses in ``text`` (None: no route)."""
    choice = choose_ingress_route(ingresses(text), parse_url(url))
    return None if choice is None else choice.route.backends[0].name


# -- Ingress path types: the "Examples" table of the Ingress concept page --------------------

SPEC_TABLE = [
    # (pathType, path, request path, matches?)
    ("Prefix", "/", "/", True),
    ("Prefix", "/", "/foo", True),
    ("Prefix", "/", "/aaa/bbb/ccc", True),
    ("Exact", "/foo", "/foo", True),
    ("Exact", "/foo", "/bar", False),
    ("Exact", "/foo", "/foo/", False),
    ("Exact", "/foo/", "/foo", False),
    ("Prefix", "/foo", "/foo", True),
    ("Prefix", "/foo", "/foo/", True),
    ("Prefix", "/foo/", "/foo", True),
    ("Prefix", "/foo/", "/foo/", True),
    ("Prefix", "/aaa/bb", "/aaa/bbb", False),
    ("Prefix", "/aaa/bbb", "/aaa/bbb", True),
    ("Prefix", "/aaa/bbb/", "/aaa/bbb", True),  # ignores trailing slash
    ("Prefix", "/aaa/bbb", "/aaa/bbb/", True),  # matches trailing slash
    ("Prefix", "/aaa/bbb", "/aaa/bbb/ccc", True),  # matches subpath
    ("Prefix", "/aaa/bbb", "/aaa/bbbxyz", False),  # not a string prefix
    # the issue's own cases
    ("Prefix", "/api", "/api", True),
    ("Prefix", "/api", "/api/", True),
    ("Prefix", "/api", "/api/x", True),
    ("Prefix", "/api", "/api/x/y/z", True),
    ("Prefix", "/api", "/apix", False),
    ("Prefix", "/api", "/ap", False),
    ("Prefix", "/api/v1", "/api", False),
    # "Matching is case sensitive" (HTTPIngressPath.pathType)
    ("Prefix", "/api", "/API", False),
    ("Exact", "/foo", "/FOO", False),
]


@pytest.mark.parametrize(("ptype", "p", "request_path", "expected"), SPEC_TABLE)
def test_path_types_follow_the_ingress_examples_table(ptype, p, request_path, expected):
    assert path_matches(PathMatch(path=p, path_type=ptype), request_path) is expected


MULTI = ingress("multi", rule("app.example.com", path("/", "root"), path("/aaa", "aaa"),
                              path("/aaa/bbb", "aaabbb")))


@pytest.mark.parametrize(("url", "svc"), [
    ("http://app.example.com/aaa/ccc", "aaa"),  # "Yes, matches /aaa prefix"
    ("http://app.example.com/aaa/bbb", "aaabbb"),  # "Yes, matches /aaa/bbb prefix"
    ("http://app.example.com/aaa/bbb/x", "aaabbb"),
    ("http://app.example.com/ccc", "root"),  # "Yes, matches / prefix"
    ("http://app.example.com/aaax", "root"),  # /aaa is not a string prefix
    ("http://app.example.com", "root"),  # an empty path is /
])
def test_longest_matching_path_wins(url, svc):
    assert backend_of(MULTI, url) == svc


@pytest.mark.parametrize("exact_first", [True, False])
def test_exact_wins_over_prefix_of_the_same_path(exact_first):
    paths = [path("/foo", "exact", "Exact"), path("/foo", "prefix")]
    if not exact_first:
        paths.reverse()
    text = ingress("mixed", rule("app.example.com", *paths))
    assert backend_of(text, "http://app.example.com/foo") == "exact"  # "Yes, prefers Exact"
    choice = choose_ingress_route(ingresses(text), parse_url("http://app.example.com/foo"))
    assert choice is not None and choice.match is not None
    assert choice.match.path_type == "Exact"
    # Exact /foo does not take /foo/ nor /foo/x: the Prefix path does.
    assert backend_of(text, "http://app.example.com/foo/") == "prefix"
    assert backend_of(text, "http://app.example.com/foo/x") == "prefix"


def test_exact_root_only_serves_the_root():
    text = ingress("root", rule("app.example.com", path("/", "home", "Exact"),
                                path("/static", "static")))
    assert backend_of(text, "http://app.example.com/") == "home"
    assert backend_of(text, "http://app.example.com/static/app.js") == "static"
    assert backend_of(text, "http://app.example.com/about") is None


def test_query_string_and_fragment_are_not_part_of_the_path():
    text = ingress("q", rule("app.example.com", path("/api", "api", "Exact"),
                             path("/", "root")))
    assert backend_of(text, "https://app.example.com/api?next=/admin#frag") == "api"


def test_longest_path_wins_across_ingresses_of_one_host():
    text = (ingress("a", rule("app.example.com", path("/api", "api-v1")))
            + ingress("b", rule("app.example.com", path("/api/v2", "api-v2"))))
    assert backend_of(text, "http://app.example.com/api/v2/users") == "api-v2"
    assert backend_of(text, "http://app.example.com/api/v1/users") == "api-v1"
    assert backend_of(text, "http://app.example.com/api/v20") == "api-v1"


def test_implementation_specific_is_matched_and_reported():
    text = ingress("impl", rule("app.example.com", path("/legacy", "legacy",
                                                        "ImplementationSpecific")))
    choice = choose_ingress_route(ingresses(text), parse_url("http://app.example.com/legacy/x"))
    assert choice is not None and choice.route.backends[0].name == "legacy"
    assert choice.match is not None and choice.match.path_type == "ImplementationSpecific"
    assert any("ImplementationSpecific" in n for n in choice.notes)
    # Exact and Prefix matches carry no such note.
    plain = ingress("plain", rule("app.example.com", path("/legacy", "legacy")))
    c2 = choose_ingress_route(ingresses(plain), parse_url("http://app.example.com/legacy/x"))
    assert c2 is not None and not any("ImplementationSpecific" in n for n in c2.notes)


# -- default backend ------------------------------------------------------------------------

DEFAULT_BACKEND = "  defaultBackend: {service: {name: fallback, port: {number: 8080}}}\n"


def test_default_backend_serves_requests_no_rule_matches():
    text = ingress("d", rule("app.example.com", path("/aaa", "aaa")), extra=DEFAULT_BACKEND)
    # "Prefix /aaa, request /ccc: No, uses default backend"
    choice = choose_ingress_route(ingresses(text), parse_url("http://app.example.com/ccc"))
    assert choice is not None and choice.match is None and choice.route.is_default
    assert choice.route.backends[0].name == "fallback" and choice.route.backends[0].port == 8080
    assert choice.object == "Ingress shop/d"
    # an unknown host as well
    assert backend_of(text, "http://other.example.org/aaa") == "fallback"
    # while a matching rule still wins over it
    assert backend_of(text, "http://app.example.com/aaa/x") == "aaa"


def test_no_rule_and_no_default_backend_is_no_route():
    text = ingress("d", rule("app.example.com", path("/aaa", "aaa")))
    assert backend_of(text, "http://app.example.com/ccc") is None
    assert backend_of(text, "http://www.example.com/aaa") is None


def test_ingress_with_only_a_default_backend_serves_every_request():
    text = """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: single, namespace: shop}
spec:
  defaultBackend: {service: {name: test, port: {number: 80}}}
"""
    assert backend_of(text, "https://anything.example.net/x/y") == "test"


# -- hosts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("pattern", "host", "expected"), [
    ("*.foo.com", "bar.foo.com", True),  # "Matches based on shared suffix"
    ("*.foo.com", "baz.bar.foo.com", False),  # "wildcard only covers a single DNS label"
    ("*.foo.com", "foo.com", False),  # "wildcard only covers a single DNS label"
    ("*.foo.com", "barfoo.com", False),
    ("foo.bar.com", "foo.bar.com", True),
    ("foo.bar.com", "www.foo.bar.com", False),
    ("foo.bar.com", "bar.com", False),
])
def test_ingress_host_wildcards(pattern, host, expected):
    assert host_matches(pattern, host) is expected


HOSTS = ingress("hosts", rule("app.example.com", path("/", "exact-host"))
                + rule("*.example.com", path("/", "wildcard-host"))
                + rule(None, path("/", "any-host")))


@pytest.mark.parametrize(("url", "svc"), [
    ("https://app.example.com/", "exact-host"),
    ("https://APP.Example.COM/", "exact-host"),  # host names are case-insensitive
    ("https://app.example.com.:443/", "exact-host"),  # trailing dot, explicit default port
    ("https://shop.example.com/", "wildcard-host"),
    ("https://a.b.example.com/", "any-host"),  # the wildcard covers one label only
    ("https://example.com/", "any-host"),
    ("https://other.org/", "any-host"),
])
def test_exact_host_beats_wildcard_beats_hostless_rule(url, svc):
    assert backend_of(HOSTS, url) == svc


def test_host_precedence_holds_across_separate_ingresses():
    text = (ingress("c-any", rule(None, path("/", "any-host")))
            + ingress("b-wild", rule("*.example.com", path("/", "wildcard-host")))
            + ingress("a-exact", rule("app.example.com", path("/", "exact-host"))))
    assert backend_of(text, "https://app.example.com/x") == "exact-host"
    assert backend_of(text, "https://www.example.com/x") == "wildcard-host"
    assert backend_of(text, "https://www.example.org/x") == "any-host"


def test_choice_names_the_ingress_field_and_host():
    choice = choose_ingress_route(ingresses(MULTI), parse_url("http://app.example.com/aaa/x"))
    assert choice is not None
    assert choice.object == "Ingress shop/multi"
    assert choice.route.field == "spec.rules[0].http.paths[1]"
    assert choice.host == "app.example.com"
    wild = choose_ingress_route(ingresses(HOSTS), parse_url("http://www.example.com/"))
    assert wild is not None and wild.host == "*.example.com"
    anyhost = choose_ingress_route(ingresses(HOSTS), parse_url("http://x.org/"))
    assert anyhost is not None and anyhost.host is None


# -- URLs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "scheme", "host", "port", "p"), [
    ("https://app.example.com/api", "https", "app.example.com", 443, "/api"),
    ("http://app.example.com/api", "http", "app.example.com", 80, "/api"),
    ("https://app.example.com", "https", "app.example.com", 443, "/"),
    ("http://app.example.com:8080/x/", "http", "app.example.com", 8080, "/x/"),
    ("HTTPS://App.Example.com/Api", "https", "app.example.com", 443, "/Api"),
])
def test_parse_url(url, scheme, host, port, p):
    req = parse_url(url)
    assert (req.scheme, req.host, req.port, req.path) == (scheme, host, port, p)


@pytest.mark.parametrize(("url", "message"), [
    ("app.example.com/api", "not an http:// or https:// URL"),
    ("ftp://app.example.com/", "not an http:// or https:// URL"),
    ("https://", "has no host"),
    ("https:///api", "has no host"),
    ("https://app.example.com:99999/", "invalid port"),
    ("https://app.example.com:https/", "invalid port"),
])
def test_malformed_urls_are_value_errors_with_a_reason(url, message):
    with pytest.raises(ValueError, match=message):
        parse_url(url)


def test_request_header_names_are_case_insensitive():
    req = parse_url("https://a.example.com/", headers=(("X-Canary", "yes"),))
    assert req.headers == (("x-canary", "yes"),)


# -- HTTPRoute ------------------------------------------------------------------------------

GW_NS = "infra"


def gateway(*listeners: str, name: str = "gw", ns: str = GW_NS) -> str:
    """A Gateway; listeners as YAML flow mappings.  Routes from every namespace may attach
    (``allowedRoutes.namespaces.from: All``), as the tests below are about matching."""
    body = "".join(f"    - {li}\n" for li in listeners)
    return f"""---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: {name}, namespace: {ns}}}
spec:
  gatewayClassName: example
  listeners:
{body}"""


HTTP = "{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}"
HTTPS = ("{name: https, port: 443, protocol: HTTPS, hostname: '*.example.com', "
         "tls: {certificateRefs: [{name: cert}]}, allowedRoutes: {namespaces: {from: All}}}")


def http_route(name: str, rules: str, *, ns: str = "app", hostnames: str = "",
               parent: str = f"{{name: gw, namespace: {GW_NS}}}") -> str:
    hn = f"  hostnames: {hostnames}\n" if hostnames else ""
    return f"""---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: {name}, namespace: {ns}}}
spec:
  parentRefs: [{parent}]
{hn}  rules:
{rules}"""


def r(backend: str, matches: str | None = None) -> str:
    """One rule: ``matches`` as a YAML flow sequence (None: the field is left out)."""
    m = f"      matches: {matches}\n" if matches is not None else ""
    return f"    - backendRefs: [{{name: {backend}, port: 80}}]\n{m}"


def chosen(c: Cluster, url: str, headers: tuple[tuple[str, str], ...] = (),
           method: str = "GET") -> str | None:
    """``route-name:first-backend`` of the rule serving ``url`` at Gateway infra/gw."""
    gw = next(g for g in c.gateways if g.name == "gw")
    _, choice = choose_http_route(c, gw, parse_url(url, headers, method))
    if choice is None:
        return None
    return f"{choice.name}:{choice.route.backends[0].name}"


CANARY = load_text(gateway(HTTPS) + http_route("checkout", hostnames="[checkout.example.com]",
                                               rules="""\
    - matches: [{path: {type: PathPrefix, value: /}, headers: [{name: X-Canary, value: "yes"}]}]
      backendRefs: [{name: checkout-v2, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /}}]
      backendRefs:
        - {name: checkout-v1, port: 80, weight: 90}
        - {name: checkout-v2, port: 80, weight: 10}
"""), "canary.yaml")


@pytest.mark.parametrize(("headers", "rule_index"), [
    ((("X-Canary", "yes"),), 0),
    ((("x-canary", "yes"),), 0),  # header names match case-insensitively
    ((("X-CANARY", "yes"),), 0),
    ((("X-Canary", "no"),), 1),
    ((("X-Canary", "YES"),), 1),  # values are matched exactly
    ((), 1),
    ((("X-Other", "yes"),), 1),
])
def test_header_match_picks_the_canary_rule(headers, rule_index):
    gw = CANARY.gateways[0]
    listener, choice = choose_http_route(CANARY, gw, parse_url("https://checkout.example.com/cart",
                                                               headers))
    assert listener is not None and listener.name == "https"
    assert choice is not None and choice.object == "HTTPRoute app/checkout"
    assert choice.route.field == f"spec.rules[{rule_index}]"


def test_canary_weights_are_kept_on_the_backends():
    gw = CANARY.gateways[0]
    _, choice = choose_http_route(CANARY, gw, parse_url("https://checkout.example.com/"))
    assert choice is not None
    assert [(b.name, b.weight) for b in choice.route.backends] == [
        ("checkout-v1", 90), ("checkout-v2", 10)]


def test_rule_without_matches_matches_every_request_as_prefix_slash():
    c = load_text(gateway(HTTP) + http_route("all", r("web")), "x.yaml")
    gw = c.gateways[0]
    for url in ("http://a.example.com/", "http://b.example.org/x/y?z=1"):
        _, choice = choose_http_route(c, gw, parse_url(url))
        assert choice is not None and choice.route.backends[0].name == "web"
        assert choice.match is not None
        assert (choice.match.path, choice.match.path_type) == ("/", "Prefix")


def test_exact_path_beats_prefix_of_the_same_path():
    rules = (r("prefix", "[{path: {value: /login}}]")
             + r("exact", "[{path: {type: Exact, value: /login}}]"))
    c = load_text(gateway(HTTP) + http_route("p", rules), "x.yaml")
    assert chosen(c, "http://a.example.com/login") == "p:exact"
    assert chosen(c, "http://a.example.com/login/") == "p:prefix"
    assert chosen(c, "http://a.example.com/login/sso") == "p:prefix"


def test_longest_prefix_wins_and_prefixes_match_by_path_element():
    c = load_text(gateway(HTTP) + http_route("p", r("root", "[{path: {value: /}}]")
                                             + r("api", "[{path: {value: /api}}]")
                                             + r("v2", "[{path: {value: /api/v2}}]")), "x.yaml")
    assert chosen(c, "http://a.example.com/api/v2/users") == "p:v2"
    assert chosen(c, "http://a.example.com/api/v2") == "p:v2"
    assert chosen(c, "http://a.example.com/api/v1") == "p:api"
    assert chosen(c, "http://a.example.com/api/v2x") == "p:api"  # not a string prefix
    assert chosen(c, "http://a.example.com/apix") == "p:root"


def test_path_precedence_comes_before_method_and_headers():
    c = load_text(gateway(HTTP) + http_route("p", r(
        "headers", "[{path: {value: /}, method: GET, headers: [{name: a, value: '1'}]}]")
        + r("longer", "[{path: {value: /api}}]")), "x.yaml")
    assert chosen(c, "http://a.example.com/api/x", (("a", "1"),)) == "p:longer"
    assert chosen(c, "http://a.example.com/other", (("a", "1"),)) == "p:headers"


def test_method_match_beats_header_matches():
    c = load_text(gateway(HTTP) + http_route("p", r(
        "two-headers", "[{path: {value: /}, headers: [{name: a, value: '1'}, "
        "{name: b, value: '2'}]}]") + r("method", "[{path: {value: /}, method: POST}]")),
        "x.yaml")
    both = (("a", "1"), ("b", "2"))
    assert chosen(c, "http://a.example.com/", both, "POST") == "p:method"
    assert chosen(c, "http://a.example.com/", both, "GET") == "p:two-headers"
    assert chosen(c, "http://a.example.com/", (), "GET") is None  # 404


def test_more_header_matches_win():
    c = load_text(gateway(HTTP) + http_route("p", r(
        "one", "[{path: {value: /}, headers: [{name: a, value: '1'}]}]") + r(
        "two", "[{path: {value: /}, headers: [{name: a, value: '1'}, {name: b, value: '2'}]}]")),
        "x.yaml")
    assert chosen(c, "http://h.example.com/", (("a", "1"), ("b", "2"))) == "p:two"
    assert chosen(c, "http://h.example.com/", (("a", "1"), ("b", "3"))) == "p:one"


def test_ties_go_to_the_first_rule_then_to_the_route_first_by_namespace_and_name():
    same = "[{path: {value: /}}]"
    c = load_text(gateway(HTTP) + http_route("p", r("first", same) + r("second", same)),
                  "x.yaml")
    assert chosen(c, "http://h.example.com/") == "p:first"
    c = load_text(gateway(HTTP) + http_route("zeta", r("z", same), ns="a")
                  + http_route("alpha", r("a", same), ns="b")
                  + http_route("beta", r("b", same), ns="a"), "x.yaml")
    gw = c.gateways[0]
    _, choice = choose_http_route(c, gw, parse_url("http://h.example.com/"))
    assert choice is not None and choice.object == "HTTPRoute a/beta"  # "a/beta" < "a/zeta"
    assert choice.notes  # the tie is said


def test_route_hostnames_select_the_route_and_exact_beats_wildcard():
    c = load_text(gateway(HTTP)
                  + http_route("a-wild", r("wild", "[{path: {value: /api}}]"),
                               hostnames="['*.example.com']")
                  + http_route("b-exact", r("exact"), hostnames="[app.example.com]")
                  + http_route("c-none", r("none")), "x.yaml")
    # "precedence must be given to rules from the HTTPRoute with the largest number of
    # characters in a matching non-wildcard hostname", before path precedence.
    assert chosen(c, "http://app.example.com/api/x") == "b-exact:exact"
    assert chosen(c, "http://www.example.com/api/x") == "a-wild:wild"
    assert chosen(c, "http://www.example.com/other") == "c-none:none"
    assert chosen(c, "http://example.com/api") == "c-none:none"


def test_longer_wildcard_hostname_wins():
    c = load_text(gateway(HTTP)
                  + http_route("a-short", r("short"), hostnames="['*.example.com']")
                  + http_route("b-long", r("long"), hostnames="['*.shop.example.com']"),
                  "x.yaml")
    assert chosen(c, "http://eu.shop.example.com/") == "b-long:long"


def test_listener_filters_by_scheme_port_and_hostname():
    c = load_text(gateway(HTTPS) + http_route("p", r("web")), "x.yaml")
    gw = c.gateways[0]
    # http:// reaches port 80, where this Gateway has no listener
    assert choose_http_route(c, gw, parse_url("http://app.example.com/")) == (None, None)
    # https on another port
    assert choose_http_route(c, gw, parse_url("https://app.example.com:8443/")) == (None, None)
    # the listener's hostname *.example.com does not cover example.com
    assert choose_http_route(c, gw, parse_url("https://example.com/")) == (None, None)
    listener, choice = choose_http_route(c, gw, parse_url("https://app.example.com/"))
    assert listener is not None and listener.name == "https" and listener.tls
    assert choice is not None and choice.route.backends[0].name == "web"


def test_route_hostnames_outside_the_listener_hostname_are_ignored():
    c = load_text(gateway(HTTPS) + http_route("p", r("web"),
                                              hostnames="[app.example.com, app.example.net]"),
                  "x.yaml")
    gw = c.gateways[0]
    assert chosen(c, "https://app.example.com/") == "p:web"
    # app.example.net is in the route but not under the listener's *.example.com
    assert choose_http_route(c, gw, parse_url("https://app.example.net/")) == (None, None)
    # another host under the listener but not in the route: the listener takes it, no rule
    listener, choice = choose_http_route(c, gw, parse_url("https://www.example.com/"))
    assert listener is not None and choice is None


def test_section_name_attaches_to_one_listener_only():
    parent = f"{{name: gw, namespace: {GW_NS}, sectionName: https}}"
    c = load_text(gateway(HTTP, HTTPS) + http_route("p", r("web"), parent=parent), "x.yaml")
    gw = c.gateways[0]
    listener, choice = choose_http_route(c, gw, parse_url("http://app.example.com/"))
    assert listener is not None and listener.name == "http" and choice is None
    listener, choice = choose_http_route(c, gw, parse_url("https://app.example.com/"))
    assert listener is not None and listener.name == "https"
    assert choice is not None and choice.route.backends[0].name == "web"


def test_section_name_of_a_missing_listener_attaches_nowhere():
    parent = f"{{name: gw, namespace: {GW_NS}, sectionName: grpc}}"
    c = load_text(gateway(HTTP, HTTPS) + http_route("p", r("web"), parent=parent), "x.yaml")
    assert chosen(c, "http://app.example.com/") is None
    assert chosen(c, "https://app.example.com/") is None


def test_route_for_another_gateway_does_not_serve_this_one():
    parent = f"{{name: other, namespace: {GW_NS}}}"
    c = load_text(gateway(HTTP) + http_route("p", r("web"), parent=parent), "x.yaml")
    gw = c.gateways[0]
    listener, choice = choose_http_route(c, gw, parse_url("http://app.example.com/"))
    assert listener is not None and choice is None


# -- found by spec-driven review (were bugs; now fixed) ------------------------------


def test_gateway_wildcard_hostnames_match_several_labels():
    c = load_text(gateway(HTTPS) + http_route("p", r("web"), hostnames="['*.example.com']"),
                  "x.yaml")
    assert chosen(c, "https://foo.test.example.com/") == "p:web"


def test_listener_admits_only_same_namespace_routes_by_default():
    listener = "{name: http, port: 80, protocol: HTTP}"
    c = load_text(gateway(listener) + http_route("p", r("web"), ns="app"), "x.yaml")
    assert chosen(c, "http://app.example.com/") is None
    c = load_text(gateway(listener) + http_route("p", r("web"), ns=GW_NS), "x.yaml")
    assert chosen(c, "http://app.example.com/") == "p:web"


def test_parent_ref_port_selects_listeners():
    parent = f"{{name: gw, namespace: {GW_NS}, port: 443}}"
    c = load_text(gateway(HTTP, HTTPS) + http_route("p", r("web"), parent=parent), "x.yaml")
    assert chosen(c, "http://app.example.com/") is None
    assert chosen(c, "https://app.example.com/") == "p:web"


def test_oldest_route_wins_a_tie_when_creation_timestamps_are_given():
    same = "[{path: {value: /}}]"
    old = http_route("zz-old", r("old", same)).replace(
        "namespace: app}", "namespace: app, creationTimestamp: '2023-01-01T00:00:00Z'}")
    new = http_route("aa-new", r("new", same)).replace(
        "namespace: app}", "namespace: app, creationTimestamp: '2024-01-01T00:00:00Z'}")
    c = load_text(gateway(HTTP) + new + old, "x.yaml")
    assert chosen(c, "http://h.example.com/") == "zz-old:old"


# -- review fixes: each test cites the rule it checks -------------------------------------------


def test_query_param_match_picks_the_rule_and_counts_after_headers():
    """HTTPRouteMatch.queryParams (Exact); precedence: "Largest number of query param
    matches" comes after headers, so more query params win among otherwise equal rules."""
    rules = ("    - backendRefs: [{name: canary, port: 80}]\n"
             "      matches: [{path: {value: /}, queryParams: [{name: canary, value: '1'}]}]\n"
             "    - backendRefs: [{name: both, port: 80}]\n"
             "      matches: [{path: {value: /}, queryParams: [{name: canary, value: '1'}, "
             "{name: beta, value: 'on'}]}]\n" + r("stable", "[{path: {value: /}}]"))
    c = load_text(gateway(HTTP) + http_route("q", rules), "x.yaml")
    assert chosen(c, "http://a.example.com/") == "q:stable"
    assert chosen(c, "http://a.example.com/?canary=1") == "q:canary"
    assert chosen(c, "http://a.example.com/?beta=on&canary=1") == "q:both"
    assert chosen(c, "http://a.example.com/?canary=2") == "q:stable"
    # names are case-sensitive; a repeated param is matched on its first value
    assert chosen(c, "http://a.example.com/?Canary=1") == "q:stable"
    assert chosen(c, "http://a.example.com/?canary=1&canary=2") == "q:canary"
    assert chosen(c, "http://a.example.com/?canary=2&canary=1") == "q:stable"


def test_header_matches_rank_before_query_params():
    """Gateway API precedence: header matches (4th) before query params (5th)."""
    rules = ("    - backendRefs: [{name: by-query, port: 80}]\n"
             "      matches: [{queryParams: [{name: a, value: '1'}, {name: b, value: '2'}]}]\n"
             "    - backendRefs: [{name: by-header, port: 80}]\n"
             "      matches: [{headers: [{name: x-a, value: '1'}]}]\n")
    c = load_text(gateway(HTTP) + http_route("q", rules), "x.yaml")
    assert chosen(c, "http://a.example.com/?a=1&b=2", headers=(("X-A", "1"),)) == "q:by-header"


def test_creation_timestamps_compare_as_times_not_strings():
    """"the oldest Route based on creation timestamp": 2024-01-01T01:00:00+02:00 is
    2023-12-31T23:00Z, older than 2024-01-01T00:00:00Z although it sorts after it as text."""
    same = "[{path: {value: /}}]"
    older = http_route("b-older", r("older", same)).replace(
        "namespace: app}", "namespace: app, creationTimestamp: '2024-01-01T01:00:00+02:00'}")
    newer = http_route("a-newer", r("newer", same)).replace(
        "namespace: app}", "namespace: app, creationTimestamp: '2024-01-01T00:00:00Z'}")
    c = load_text(gateway(HTTP) + newer + older, "x.yaml")
    assert chosen(c, "http://h.example.com/") == "b-older:older"
    # an unquoted YAML timestamp (read as a datetime) works as well
    unquoted = http_route("c-oldest", r("oldest", same)).replace(
        "namespace: app}", "namespace: app, creationTimestamp: 2020-01-01T00:00:00Z}")
    c = load_text(gateway(HTTP) + newer + older + unquoted, "x.yaml")
    assert chosen(c, "http://h.example.com/") == "c-oldest:oldest"


@pytest.mark.parametrize(("raw", "normal"), [
    ("/a/b/c/./../../g", "/a/g"),  # RFC 3986 section 5.4.1's example
    ("/public/../admin", "/admin"),
    ("/..", "/"), ("/a/.", "/a/"), ("/a/b/..", "/a/"), ("/./a", "/a"), ("/a//b", "/a//b"),
])
def test_request_paths_lose_their_dot_segments(raw, normal):
    """RFC 3986 section 5.2.4 remove_dot_segments, as proxies normalise before matching."""
    assert remove_dot_segments(raw) == normal
    assert parse_url(f"https://a.example.com{raw}").path == normal


def test_dot_segments_cannot_slip_past_a_prefix_rule():
    """``/public/../admin`` is routed as ``/admin`` (RFC 3986 section 5.2.4)."""
    text = ingress("i", rule("app.example.com", path("/public", "public"),
                             path("/admin", "admin")))
    assert backend_of(text, "https://app.example.com/public/../admin") == "admin"


TCP = "{name: db, port: 5432, protocol: TCP, allowedRoutes: {namespaces: {from: All}}}"
TLS_PASS = ("{name: tls, port: 8443, protocol: TLS, tls: {mode: Passthrough}, "
            "allowedRoutes: {namespaces: {from: All}}}")


def test_http_route_attaches_to_http_and_https_listeners_only():
    """Gateway API: HTTPRoute is the route kind of HTTP and HTTPS listeners; a TCP or TLS
    listener takes TCPRoute/TLSRoute, and the route is not attached there."""
    c = load_text(gateway(HTTP, TCP, TLS_PASS) + http_route("p", r("web")), "x.yaml")
    (gw,) = c.gateways
    (hr,) = c.http_routes
    assert [li.name for li in gw.listeners if route_attaches(c, hr, gw, li)] == ["http"]


def test_allowed_route_kinds_decide_which_routes_attach():
    """Listener.allowedRoutes.kinds: only the listed kinds (group defaults to
    gateway.networking.k8s.io) may attach."""
    grpc_only = ("{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: "
                 "{from: All}, kinds: [{kind: GRPCRoute}]}}")
    c = load_text(gateway(grpc_only) + http_route("p", r("web")), "x.yaml")
    assert chosen(c, "http://a.example.com/") is None
    both = grpc_only.replace("[{kind: GRPCRoute}]", "[{kind: GRPCRoute}, "
                             "{group: gateway.networking.k8s.io, kind: HTTPRoute}]")
    c = load_text(gateway(both) + http_route("p", r("web")), "x.yaml")
    assert chosen(c, "http://a.example.com/") == "p:web"
    other_group = grpc_only.replace("[{kind: GRPCRoute}]",
                                    "[{group: example.com, kind: HTTPRoute}]")
    c = load_text(gateway(other_group) + http_route("p", r("web")), "x.yaml")
    assert chosen(c, "http://a.example.com/") is None


def test_reference_permitted_needs_a_reference_grant_in_the_target_namespace():
    """Gateway API ReferenceGrant: a backendRef to another namespace is RefNotPermitted
    unless a ReferenceGrant in the target namespace allows it."""
    ref = BackendRef(namespace="db", name="pg", port=5432)
    c = load_text(gateway(HTTP), "x.yaml")
    assert reference_permitted(c, "db", ref) is True  # same namespace
    assert reference_permitted(c, "app", ref) is False
    grant = """---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: from-app, namespace: db}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: app}]
  to: [{group: "", kind: Service}]
"""
    c = load_text(gateway(HTTP) + grant, "x.yaml")
    assert reference_permitted(c, "app", ref) is True  # from HTTPRoute app to any Service
    elsewhere = grant.replace("namespace: db}", "namespace: other}")
    c = load_text(gateway(HTTP) + elsewhere, "x.yaml")
    assert reference_permitted(c, "app", ref) is False


DEFAULT_CLASS = """---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx, annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}
spec: {controller: k8s.io/ingress-nginx}
"""


def test_ingress_without_a_class_gets_the_default_ingress_class():
    """DefaultIngressClass admission: an Ingress created without ingressClassName gets the
    IngressClass annotated is-default-class "true"; with two defaults, none is chosen."""
    classless = ingress("i", rule("a.example.com", path("/", "web"))).replace(
        "  ingressClassName: nginx\n", "")
    c = load_text(classless, "x.yaml")
    assert effective_ingress_class(c, c.ingresses[0]) is None
    c = load_text(classless + DEFAULT_CLASS, "x.yaml")
    assert effective_ingress_class(c, c.ingresses[0]) == "nginx"
    second = DEFAULT_CLASS.replace("name: nginx,", "name: other,")
    c = load_text(classless + DEFAULT_CLASS + second, "x.yaml")
    assert effective_ingress_class(c, c.ingresses[0]) is None


def test_tls_secret_for_looks_at_every_ingress_of_the_controller():
    """ingress-nginx merges the Ingresses of its class into one server per host, so a tls
    entry of any of them covers the host (the oldest Ingress's entry wins)."""
    tls = "  tls: [{hosts: [app.example.com], secretName: app-tls}]\n"
    web = ingress("web", rule("app.example.com", path("/", "web")), extra=tls)
    api = ingress("api", rule("app.example.com", path("/api", "api")))
    ings = ingresses(web + api)
    found = tls_secret_for(ings, "app.example.com")
    assert found is not None and found[0] == "app-tls" and found[1].name == "web"
    assert tls_secret_for([i for i in ings if i.name == "api"], "app.example.com") is None
    assert tls_secret_for(ings, "other.example.com") is None
    # a tls entry without hosts covers the hosts of its own Ingress's rules only
    bare = ingress("bare", rule("b.example.com", path("/", "b")),
                   extra="  tls: [{secretName: bare-tls}]\n")
    ings = ingresses(bare + api)
    found = tls_secret_for(ings, "b.example.com")
    assert found is not None and found[0] == "bare-tls"
    assert tls_secret_for(ings, "app.example.com") is None


def test_allowed_route_kind_with_the_core_group_is_not_http_route():
    """RouteGroupKind.group: omitted means gateway.networking.k8s.io, "" the core group."""
    core = ("{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: "
            "{from: All}, kinds: [{group: '', kind: HTTPRoute}]}}")
    c = load_text(gateway(core) + http_route("p", r("web")), "x.yaml")
    assert chosen(c, "http://a.example.com/") is None
