"""RequestRedirect: the ``Location`` as the HTTPRoute API reference computes it.

HTTPRequestRedirectFilter (apis/v1/httproute_types.go).  Scheme: "When empty, the scheme
of the request is used."  Hostname: "When empty, the hostname in the ``Host`` header of
the request is used."  Port: "If redirect scheme is not-empty, the redirect port MUST be
the well-known port associated with the redirect scheme. Specifically "http" to port 80
and "https" to port 443. ... If redirect scheme is empty, the redirect port MUST be the
Gateway Listener port."  "Implementations SHOULD NOT add the port number in the
'Location' header in the following cases: A Location header that will use HTTP ... and
use port 80.  A Location header that will use HTTPS ... and use port 443."  StatusCode:
"+kubebuilder:default=302", "+kubebuilder:validation:Enum=301;302;303;307;308".

``fixtures/routing/redirect.yaml`` holds the conformance tests httproute-redirect-port-
and-scheme and httproute-redirect-path; the tables below are their requests and the
redirects they expect.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from netverify.cli import main

FIXTURE = str(Path(__file__).resolve().parents[2] / "fixtures" / "routing" / "redirect.yaml")


def ask(*args: str, fixture: str = FIXTURE) -> tuple[int, dict[str, Any]]:
    r = CliRunner().invoke(main, [*args, "-f", fixture, "--format", "json"])
    assert r.exit_code in (0, 1, 3), r.output
    return r.exit_code, json.loads(r.output)


def redirect_of(url: str, *extra: str) -> tuple[int, str]:
    _, doc = ask("can-reach", "internet", url, *extra)
    ((status, location, _),) = [(r["status"], r["location"], r["method"])
                                for r in doc["redirects"]]
    (p,) = doc["paths"]
    (hop,) = [h for h in p["hops"] if h["reason"] == "redirect"]
    assert (hop["http_status"], hop["facts"]["location"]) == (status, location)
    assert p["statuses"] == [status] and doc["verdict"] == "yes"
    return status, location


# (listener URL base, path, expected scheme, host, port or None): redirect-port-and-scheme.go
PORT_AND_SCHEME = [
    ("http://gw.invalid", "/scheme-nil-and-port-nil", "http", "example.org", None),
    ("http://gw.invalid", "/scheme-nil-and-port-80", "http", "example.org", None),
    ("http://gw.invalid", "/scheme-nil-and-port-8080", "http", "example.org", 8080),
    ("http://gw.invalid", "/scheme-https-and-port-nil", "https", "example.org", None),
    ("http://gw.invalid", "/scheme-https-and-port-443", "https", "example.org", None),
    ("http://gw.invalid", "/scheme-https-and-port-8443", "https", "example.org", 8443),
    ("http://gw.invalid:8080", "/scheme-nil-and-port-nil", "http", "example.org", 8080),
    ("http://gw.invalid:8080", "/scheme-nil-and-port-80", "http", "example.org", None),
    ("http://gw.invalid:8080", "/scheme-https-and-port-nil", "https", "example.org", None),
    ("https://example.org", "/scheme-nil-and-port-nil", "https", "example.org", None),
    ("https://example.org", "/scheme-nil-and-port-443", "https", "example.org", None),
    ("https://example.org", "/scheme-nil-and-port-8443", "https", "example.org", 8443),
    ("https://example.org", "/scheme-http-and-port-nil", "http", "example.org", None),
    ("https://example.org", "/scheme-http-and-port-80", "http", "example.org", None),
    ("https://example.org", "/scheme-http-and-port-8080", "http", "example.org", 8080),
]


@pytest.mark.parametrize(("base", "path", "scheme", "host", "port"), PORT_AND_SCHEME)
def test_conformance_redirect_port_and_scheme(base, path, scheme, host, port):
    status, location = redirect_of(base + path)
    assert status == 302  # the default statusCode
    assert location == f"{scheme}://{host}{'' if port is None else f':{port}'}{path}"


# (path, status, host (None: the request's), path): httproute-redirect-path.go
REDIRECT_PATH = [
    ("/original-prefix/lemon", 302, None, "/replacement-prefix/lemon"),
    ("/full/path/original", 302, None, "/full-path-replacement"),
    ("/path-and-host", 302, "example.org", "/replacement-prefix"),
    ("/path-and-status", 301, None, "/replacement-prefix"),
    ("/full-path-and-host", 302, "example.org", "/replacement-full"),
    ("/full-path-and-status", 301, None, "/replacement-full"),
]


@pytest.mark.parametrize(("path", "status", "host", "new_path"), REDIRECT_PATH)
def test_conformance_redirect_path(path, status, host, new_path):
    got = redirect_of(f"http://gw.invalid{path}")
    assert got == (status, f"http://{host or 'gw.invalid'}{new_path}")


def test_the_host_header_is_the_default_hostname_and_the_query_is_kept():
    # "When empty, the hostname in the Host header of the request is used."
    got = redirect_of("http://gw.invalid/original-prefix/x?q=1", "-H", "Host: shop.test:80")
    assert got == (302, "http://shop.test/replacement-prefix/x?q=1")


# HTTPPathModifier.ReplacePrefixMatch: the table of the field's documentation.
# (request path, prefix match, replace prefix, modified path)
PREFIX_TABLE = [
    ("/foo/bar", "/foo", "/xyz", "/xyz/bar"),
    ("/foo/bar", "/foo", "/xyz/", "/xyz/bar"),
    ("/foo/bar", "/foo/", "/xyz", "/xyz/bar"),
    ("/foo/bar", "/foo/", "/xyz/", "/xyz/bar"),
    ("/foo", "/foo", "/xyz", "/xyz"),
    ("/foo/", "/foo", "/xyz", "/xyz/"),
    ("/foo/bar", "/foo", "", "/bar"),
    ("/foo/", "/foo", "", "/"),
    ("/foo", "/foo", "", "/"),
    ("/foo/", "/foo", "/", "/"),
    ("/foo", "/foo", "/", "/"),
]


@pytest.mark.parametrize(("path", "prefix", "replace", "modified"), PREFIX_TABLE)
def test_replace_prefix_match_table(path, prefix, replace, modified):
    from netverify.model import PathMatch, PathModifier
    from netverify.routing_filters import modify_path

    mod = PathModifier(type="ReplacePrefixMatch", value=replace)
    assert modify_path(mod, PathMatch(path=prefix, path_type="Prefix"), path) == modified


def test_follow_redirects_traces_the_redirected_request():
    code, doc = ask("can-reach", "internet", "http://shop.example/a?b=1", "--follow-redirects")
    assert doc["redirects"] == [{"status": 301, "location": "http://www.shop.example/a?b=1",
                                 "method": "GET"}]
    followed = doc["followed"]
    assert followed["url"] == "http://www.shop.example/a?b=1" and followed["verdict"] == "yes"
    assert followed["paths"][0]["backends"][0]["service"] == "infra/infra-backend-v1"
    assert code == 0
    _, unfollowed = ask("can-reach", "internet", "http://shop.example/a?b=1")
    assert unfollowed["followed"] is None


def test_a_followed_redirect_that_fails_makes_the_answer_no():
    # the 302 goes to http://example.org/scheme-http-and-port-nil, which no rule matches
    code, doc = ask("can-reach", "internet", "https://example.org/scheme-http-and-port-nil",
                    "--follow-redirects")
    assert doc["paths"][0]["verdict"] == "yes"
    assert doc["followed"]["statuses"] == [404] and doc["verdict"] == "no" and code == 1


def test_a_redirect_loop_stops_and_is_a_no():
    # example.org/scheme-nil-and-port-nil redirects to itself
    code, doc = ask("can-reach", "internet", "http://example.org/scheme-nil-and-port-nil",
                    "--follow-redirects")
    assert doc["followed"] is None
    assert doc["redirect_loop"].startswith("redirect loop: 302 to GET "
                                           "http://example.org/scheme-nil-and-port-nil")
    assert doc["verdict"] == "no" and code == 1


def test_text_shows_the_location_and_the_followed_request():
    r = CliRunner().invoke(main, ["can-reach", "internet", "http://shop.example/", "-f",
                                  FIXTURE, "--follow-redirects"])
    assert r.exit_code == 0
    assert "301, Location: http://www.shop.example/;" in r.output
    assert "following the 301 redirect: GET http://www.shop.example/" in r.output


def test_a_post_is_followed_with_get_after_301():
    _, doc = ask("can-reach", "internet", "http://shop.example/", "-X", "POST")
    assert doc["redirects"][0]["method"] == "GET"


ROUTE = """apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: r, namespace: infra}}
spec:
  parentRefs: [{{name: same-namespace}}]
  rules:
  - matches: {matches}
    filters: [{{type: RequestRedirect, requestRedirect: {redirect}}}]
"""


@pytest.mark.parametrize(("status", "method", "follows_with"), [
    (303, "POST", "GET"), (307, "POST", "POST"), (308, "PUT", "PUT"), (302, "HEAD", "HEAD")])
def test_other_status_codes_and_the_method_a_client_follows_with(tmp_path, status, method,
                                                                 follows_with):
    f = tmp_path / "r.yaml"
    f.write_text(ROUTE.format(matches="[{path: {type: PathPrefix, value: /}}]",
                              redirect=f"{{scheme: https, statusCode: {status}}}"))
    # the fixture's Gateways and their pods (everything before its first HTTPRoute)
    gateways = Path(FIXTURE).read_text().split("\nkind: HTTPRoute\n")[0].rsplit("---", 1)[0]
    (tmp_path / "gw.yaml").write_text(gateways)
    _, doc = ask("can-reach", "internet", "http://a.example/x", "-X", method,
                 fixture=str(tmp_path))
    assert doc["redirects"] == [{"status": status, "location": "https://a.example/x",
                                 "method": follows_with}]


@pytest.mark.parametrize(("matches", "redirect", "says"), [
    ("[{path: {type: Exact, value: /a}}]",
     "{path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}}",
     "exactly one PathPrefix match must be specified"),
    ("[{path: {type: PathPrefix, value: /a}}, {path: {type: PathPrefix, value: /c}}]",
     "{path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}}",
     "exactly one PathPrefix match must be specified"),
    ("[{path: {type: PathPrefix, value: /a}}]", "{path: {type: ReplaceFullPath}}",
     "replaceFullPath must be specified when type is set to 'ReplaceFullPath'"),
    ("[{path: {type: PathPrefix, value: /a}}]",
     "{path: {type: ReplaceFullPath, replaceFullPath: /x, replacePrefixMatch: /y}}",
     "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set"),
    ("[{path: {type: PathPrefix, value: /a}}]", "{hostname: '*.example.com'}",
     "is not a precise host name"),
])
def test_invalid_redirects_are_input_errors(tmp_path, matches, redirect, says):
    f = tmp_path / "r.yaml"
    f.write_text(ROUTE.format(matches=matches, redirect=redirect))
    r = CliRunner().invoke(main, ["paths", "-f", str(f)])
    assert r.exit_code == 2, r.output
    assert says in r.output and "r.yaml" in r.output and "Traceback" not in r.output
