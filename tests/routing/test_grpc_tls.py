"""GRPCRoute and TLSRoute on the same Gateways, traced with grpc:// and tls:// URLs.

Quoted: kubernetes-sigs/gateway-api apis/v1/grpcroute_types.go and tlsroute_types.go, and
the conformance tests named.  Fixture: ``fixtures/routing/grpc-tls.yaml`` (Gateway
infra/edge: listener grpc, HTTP :80; listener tls, TLS passthrough :443 for
*.example.com; GRPCRoute infra/echo; TLSRoute db/postgres behind a default deny).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from netverify.cli import main
from netverify.errors import ManifestError, QueryError
from netverify.loader import load_text
from netverify.queries.paths import can_reach_url, paths
from netverify.results import UrlResult
from netverify.verdicts import Answer

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "routing" / "grpc-tls.yaml"
SCHEMA = json.loads((ROOT / "netverify" / "schemas" / "can-reach-url.schema.json").read_text())
Docs = list[dict[str, Any]]
ECHO = "grpc://grpc.example.com/echo.v1.Echo/"


def docs(edit: Callable[[Docs], None] | None = None) -> Docs:
    items = list(yaml.safe_load_all(FIXTURE.read_text()))
    if edit is not None:
        edit(items)
    return items


def find(items: Docs, kind: str, name: str) -> dict[str, Any]:
    (hit,) = [d for d in items if d["kind"] == kind and d["metadata"]["name"] == name]
    return hit


def ask(url: str, edit: Callable[[Docs], None] | None = None,
        headers: tuple[tuple[str, str], ...] = ()) -> UrlResult:
    c = load_text(yaml.safe_dump_all(docs(edit), sort_keys=False), "grpc-tls.yaml")
    return can_reach_url(c, "internet", url, headers=headers)


def backend(result: UrlResult) -> str | None:
    if not result.paths:
        return None
    (p,) = result.paths
    return p.backends[0].service


# -- GRPCRoute --------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "headers", "svc"), [
    # grpcroute-exact-method-matching: Echo -> v1, EchoTwo -> v2, EchoThree -> Unimplemented
    ("Echo", (), "infra/echo-v1"),
    ("EchoTwo", (), "infra/echo-v2"),
    ("EchoThree", (), None),
    # grpcroute-header-matching: the service-wide rule with header version: two
    ("EchoThree", (("version", "two"),), "infra/echo-v2"),
    ("EchoThree", (("Version", "two"),), "infra/echo-v2"),  # names case-insensitive
    ("EchoThree", (("version", "Two"),), None),
    # "Precedence MUST be given to the rule with the largest number of: ... Characters in a
    # matching service. Characters in a matching method. Header matches." Echo's rule
    # matches 4 method characters, the header rule none.
    ("Echo", (("version", "two"),), "infra/echo-v1"),
])
def test_grpc_method_and_header_matching(method, headers, svc):
    assert backend(ask(ECHO + method, headers=headers)) == svc


def test_service_and_method_match_case_sensitively():
    """GRPCMethodMatchExact: "Matches the method or service exactly and with case
    sensitivity." """
    assert backend(ask("grpc://grpc.example.com/echo.v1.Echo/echo")) is None
    assert backend(ask("grpc://grpc.example.com/Echo.v1.Echo/Echo")) is None


def _rules(*rules: dict[str, Any]) -> Callable[[Docs], None]:
    return lambda items: find(items, "GRPCRoute", "echo")["spec"].__setitem__(
        "rules", list(rules))


def test_a_rule_without_matches_takes_every_call():
    """"If no matches are specified, the implementation MUST match every gRPC request." """
    edit = _rules({"backendRefs": [{"name": "echo-v2", "port": 8080}]})
    assert backend(ask("grpc://grpc.example.com/any.Service/Anything", edit)) == "infra/echo-v2"


def test_method_only_and_regular_expression_matches():
    """GRPCMethodMatch.Service: "If left empty or omitted, will match any service";
    RegularExpression: "Matches if the method or service matches the given regular
    expression with case sensitivity"."""
    edit = _rules(
        {"matches": [{"method": {"method": "Health"}}],
         "backendRefs": [{"name": "echo-v1", "port": 8080}]},
        {"matches": [{"method": {"type": "RegularExpression", "service": r"echo\.v[0-9]+\..*"}}],
         "backendRefs": [{"name": "echo-v2", "port": 8080}]})
    assert backend(ask("grpc://grpc.example.com/other.Svc/Health", edit)) == "infra/echo-v1"
    assert backend(ask("grpc://grpc.example.com/echo.v7.Echo/Get", edit)) == "infra/echo-v2"
    assert backend(ask("grpc://grpc.example.com/echo.vx.Echo/Get", edit)) is None


def test_grpc_route_hostnames_select_the_route():
    """GRPCRouteSpec.Hostnames: hostnames "to match against the GRPC Host header"."""
    assert backend(ask("grpc://other.example.com/echo.v1.Echo/Echo")) is None


def test_grpc_needs_an_http_or_https_listener():
    """GRPCRoute attaches to HTTP (h2c) and HTTPS listeners; grpcs:// on :443 reaches only
    the TLS passthrough listener here, which takes TLSRoutes."""
    assert backend(ask("grpcs://grpc.example.com/echo.v1.Echo/Echo")) is None


def test_an_older_http_route_with_the_same_hostname_wins_the_listener():
    """"If a Route (A) of type HTTPRoute or GRPCRoute is attached to a Listener and that
    listener already has another Route (B) of the other type attached and the intersection
    of the hostnames of A and B is non-empty, then the implementation MUST accept exactly
    one of these two routes ... The oldest Route based on creation timestamp." """
    def edit(items: Docs) -> None:
        find(items, "GRPCRoute", "echo")["metadata"]["creationTimestamp"] = \
            "2024-02-01T00:00:00Z"
        items.append({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
                      "metadata": {"name": "web", "namespace": "infra",
                                   "creationTimestamp": "2024-01-01T00:00:00Z"},
                      "spec": {"parentRefs": [{"name": "edge"}],
                               "hostnames": ["grpc.example.com"],
                               "rules": [{"backendRefs": [{"name": "echo-v1", "port": 8080}]}]}})
    result = ask(ECHO + "EchoTwo", edit)
    assert result.paths == ()
    assert any("HTTPRoute infra/web is older" in n for n in result.notes)


def test_an_older_grpc_route_with_the_same_hostname_wins_the_listener():
    """The same rule the other way: the HTTPRoute created later is not accepted, so an
    HTTP request for the shared hostname is not routed by it (404 on this Gateway)."""
    web = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
           "metadata": {"name": "web", "namespace": "infra"},
           "spec": {"parentRefs": [{"name": "edge"}], "hostnames": ["grpc.example.com"],
                    "rules": [{"backendRefs": [{"name": "echo-v1", "port": 8080}]}]}}

    def edit(created: str) -> Callable[[Docs], None]:
        def apply(items: Docs) -> None:
            find(items, "GRPCRoute", "echo")["metadata"]["creationTimestamp"] = \
                "2024-02-01T00:00:00Z"
            items.append({**web, "metadata": {**web["metadata"],
                                              "creationTimestamp": created}})
        return apply

    # The HTTPRoute is older: it serves plain HTTP requests for the hostname.
    older = ask("http://grpc.example.com/", edit("2024-01-01T00:00:00Z"))
    assert [p.route_object for p in older.paths] == ["HTTPRoute infra/web"]
    # The GRPCRoute is older: the HTTPRoute is rejected, nothing routes the request.
    newer = ask("http://grpc.example.com/", edit("2024-03-01T00:00:00Z"))
    assert newer.paths == ()
    assert any("HTTPRoute infra/web is not accepted on listener grpc: GRPCRoute infra/echo "
               "is older" in n for n in newer.notes)
    # ... while the gRPC call it would have shadowed is served by the GRPCRoute.
    assert backend(ask(ECHO + "EchoTwo", edit("2024-03-01T00:00:00Z"))) is not None


def test_grpc_follows_networkpolicy_to_the_backend():
    def deny(items: Docs) -> None:
        items.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                      "metadata": {"name": "deny", "namespace": "infra"},
                      "spec": {"podSelector": {"matchLabels": {"app": "echo-v1"}},
                               "policyTypes": ["Ingress"]}})
    assert ask(ECHO + "Echo").verdict is Answer.YES
    result = ask(ECHO + "Echo", deny)
    assert result.verdict is Answer.NO and "GRPCRoute infra/echo" in result.paths[0].route_object


def test_invalid_grpc_method_match_is_an_input_error():
    """"One or both of 'service' or 'method' must be specified"; Exact method must match
    ^[A-Za-z_][A-Za-z_0-9]*$."""
    for method, field in (({}, r"matches\[0\]\.method"),
                          ({"method": "Get/All"}, r"matches\[0\]\.method\.method")):
        edit = _rules({"matches": [{"method": method}],
                       "backendRefs": [{"name": "echo-v1", "port": 8080}]})
        with pytest.raises(ManifestError, match=field):
            load_text(yaml.safe_dump_all(docs(edit), sort_keys=False), "g.yaml")


# -- TLSRoute ---------------------------------------------------------------------------------

def allow_gateway(items: Docs) -> None:
    items.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                  "metadata": {"name": "from-edge", "namespace": "db"},
                  "spec": {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {
                      "matchLabels": {"kubernetes.io/metadata.name": "infra"}}}]}]}})


def test_tls_passthrough_by_sni_then_networkpolicy():
    """TLSRouteSpec.Hostnames: "SNI hostnames that should match against the SNI attribute
    of TLS ClientHello" (tlsroute-simple-same-namespace); the default deny in db blocks the
    Gateway until a policy admits it."""
    blocked = ask("tls://pg.example.com:443")
    (p,) = blocked.paths
    assert p.route_object == "TLSRoute db/postgres" and p.tls == "passthrough"
    assert blocked.verdict is Answer.NO
    assert ask("tls://pg.example.com", allow_gateway).verdict is Answer.YES


@pytest.mark.parametrize("url", ["tls://other.example.com:443",  # listener yes, route no
                                 "tls://pg.example.org:443",  # not *.example.com
                                 "tls://pg.example.com:8443"])  # no listener on 8443
def test_sni_or_port_without_a_route(url):
    assert ask(url, allow_gateway).verdict is Answer.NO and ask(url).paths == ()


def test_tls_route_attaches_to_tls_listeners_only():
    """"A Listener MUST be have protocol set to TLS when a TLSRoute attaches to it." """
    def https(items: Docs) -> None:
        li = find(items, "Gateway", "edge")["spec"]["listeners"][1]
        li.update(protocol="HTTPS", tls={"certificateRefs": [{"name": "cert"}]})
        li["allowedRoutes"] = {"namespaces": {"from": "All"}}
    assert ask("tls://pg.example.com", https).paths == ()


def test_tls_route_v1_needs_hostnames():
    """TLSRoute v1 Hostnames: +required, MinItems=1."""
    def edit(items: Docs) -> None:
        del find(items, "TLSRoute", "postgres")["spec"]["hostnames"]
    with pytest.raises(ManifestError, match=r"spec\.hostnames"):
        load_text(yaml.safe_dump_all(docs(edit), sort_keys=False), "t.yaml")


# -- outputs -----------------------------------------------------------------------------------

def test_paths_lists_grpc_and_tls_rules():
    result = paths(load_text(FIXTURE.read_text(), "grpc-tls.yaml"))
    objects = sorted({(r.route_object, r.match) for r in result.routes
                      if not r.route_object.startswith("HTTPRoute")})
    assert ("TLSRoute db/postgres", "SNI pg.example.com") in objects
    assert ("GRPCRoute infra/echo", "gRPC Exact echo.v1.Echo/Echo") in objects
    assert len(objects) == 4


def test_cli_text_and_json(tmp_path):
    f = tmp_path / "g.yaml"
    f.write_text(FIXTURE.read_text())
    out = CliRunner().invoke(main, ["can-reach", "internet", ECHO + "Echo", "-f", str(f)])
    assert out.exit_code == 0 and "GRPCRoute infra/echo" in out.output
    out = CliRunner().invoke(main, ["can-reach", "internet", "tls://pg.example.com:443",
                                    "-f", str(f), "--format", "json"])
    assert out.exit_code == 1
    data = json.loads(out.output)
    jsonschema.validate(data, SCHEMA)
    assert data["url"] == "tls://pg.example.com:443" and data["method"] == ""
    out = CliRunner().invoke(main, ["can-reach", "internet", "tls://pg.example.com/x",
                                    "-f", str(f)])
    assert out.exit_code == 2 and "no path" in out.output


def test_malformed_grpc_url_is_a_query_error():
    c = load_text(FIXTURE.read_text(), "grpc-tls.yaml")
    with pytest.raises(QueryError, match="names no gRPC method"):
        can_reach_url(c, "internet", "grpc://grpc.example.com/echo.v1.Echo")


@pytest.mark.parametrize(("allow", "deny", "code"), [
    ("grpc://grpc.example.com/echo.v1.Echo/EchoTwo", "tls://pg.example.com:443", 0),
    ("tls://pg.example.com:443", "grpc://grpc.example.com/echo.v1.Echo/EchoTwo", 1),
])
def test_specs_assert_grpc_calls_and_tls_connections(tmp_path: Path, allow: str, deny: str,
                                                     code: int) -> None:
    # A spec's `to` may be any URL can-reach follows; the spec's default method (GET) is
    # not asked of a gRPC call (a POST) or a TLS connection (none).
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"manifests: [{json.dumps(str(FIXTURE))}]\nassertions:\n"
                    f"  - {{name: a, from: internet, to: '{allow}', expect: allow}}\n"
                    f"  - {{name: d, from: internet, to: '{deny}', expect: deny}}\n")
    r = CliRunner().invoke(main, ["check", str(spec)])
    assert r.exit_code == code, r.output
    assert "invalid endpoint" not in r.output
