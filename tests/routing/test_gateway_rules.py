"""Gateway rules the specification decides, one case per rule.

Each case edits ``fixtures/routing/gateway-rules.yaml`` (Gateway infra/public with an HTTP
and an HTTPS listener, HTTPRoute shop/store) and asks ``can_reach_url``.  The quoted
text is the field documentation of kubernetes-sigs/gateway-api apis/v1/gateway_types.go
(and shared_types.go for parentRefs), or the conformance test named.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from netverify.cli import main
from netverify.errors import ManifestError
from netverify.hop_text import hop_detail
from netverify.loader import load_text
from netverify.model import Cluster
from netverify.queries.paths import can_reach_url, paths
from netverify.results import HopReason, UrlResult
from netverify.routing_listeners import refused_certificates
from netverify.verdicts import Answer, HopStatus

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "routing" / "gateway-rules.yaml"
Docs = list[dict[str, Any]]


def docs() -> Docs:
    return list(yaml.safe_load_all(FIXTURE.read_text()))


def find(items: Docs, kind: str, name: str) -> dict[str, Any]:
    (hit,) = [d for d in items if d["kind"] == kind and d["metadata"]["name"] == name]
    return hit


def load(items: Docs) -> Cluster:
    return load_text(yaml.safe_dump_all(items, sort_keys=False), "gateway-rules.yaml")


def ask(edit: Callable[[Docs], None] | None = None,
        url: str = "http://store.example.com/") -> UrlResult:
    items = docs()
    if edit is not None:
        edit(items)
    return can_reach_url(load(items), "internet", url)


def listener(items: Docs, name: str) -> dict[str, Any]:
    gw = find(items, "Gateway", "public")
    (hit,) = [li for li in gw["spec"]["listeners"] if li["name"] == name]
    return hit


def route(items: Docs) -> dict[str, Any]:
    return find(items, "HTTPRoute", "store")["spec"]


def routed(result: UrlResult) -> bool:
    """Whether Gateway infra/public serves the request through HTTPRoute shop/store."""
    return any(p.route_object == "HTTPRoute shop/store" for p in result.paths)


def _set(getter: Callable[[Docs], dict[str, Any]], key: str, value: Any
         ) -> Callable[[Docs], None]:
    return lambda items: getter(items).__setitem__(key, value)


def _allowed(value: Any) -> Callable[[Docs], None]:
    return _set(lambda items: listener(items, "http"), "allowedRoutes", value)


def _parent(**fields: Any) -> Callable[[Docs], None]:
    return lambda items: route(items)["parentRefs"][0].update(fields)


def _relabel(items: Docs) -> None:
    find(items, "Namespace", "shop")["metadata"]["labels"] = {"team": "other"}


ATTACHMENT = [
    # RouteNamespaces.From: "All: Routes in all namespaces may be used by this Gateway."
    pytest.param(None, True, id="from-all"),
    # "Same: Only Routes in the same namespace may be used by this Gateway."
    pytest.param(_allowed({"namespaces": {"from": "Same"}}), False, id="from-same"),
    # AllowedRoutes.Namespaces: "This is restricted to the namespace of this Gateway by
    # default."
    pytest.param(_allowed(None), False, id="from-default-same"),
    # "Selector: Routes in namespaces selected by the selector may be used by this Gateway."
    pytest.param(_allowed({"namespaces": {"from": "Selector",
                                          "selector": {"matchLabels": {"team": "shop"}}}}),
                 True, id="from-selector-matches"),
    pytest.param(lambda items: (_allowed({"namespaces": {
        "from": "Selector", "selector": {"matchLabels": {"team": "shop"}}}})(items),
        _relabel(items)), False, id="from-selector-other-labels"),
    pytest.param(_allowed({"namespaces": {"from": "Selector", "selector": {
        "matchExpressions": [{"key": "team", "operator": "In", "values": ["shop", "web"]}]}}}),
        True, id="from-selector-expression"),
    # AllowedRoutes.Kinds: "Kinds specifies the groups and kinds of Routes that are allowed
    # to bind to this Gateway Listener."
    pytest.param(_allowed({"namespaces": {"from": "All"}, "kinds": [{"kind": "GRPCRoute"}]}),
                 False, id="kinds-without-httproute"),
    pytest.param(_allowed({"namespaces": {"from": "All"}, "kinds": [
        {"group": "gateway.networking.k8s.io", "kind": "HTTPRoute"}]}), True,
        id="kinds-with-httproute"),
    # ParentReference.SectionName: "When unspecified (empty string), this will reference
    # the entire resource ... SectionName is the name of the Listener".
    pytest.param(_parent(sectionName="http"), True, id="section-name-this-listener"),
    pytest.param(_parent(sectionName="https"), False, id="section-name-other-listener"),
    # ParentReference.Port: "When specified, ... this targets all listeners listening on
    # the specified port that also support this kind of Route".
    pytest.param(_parent(port=80), True, id="port-this-listener"),
    pytest.param(_parent(port=443), False, id="port-other-listener"),
    pytest.param(_parent(sectionName="http", port=443), False, id="section-and-port-disagree"),
    # Listener.Hostname: "When both listener and route specify hostnames, there MUST be an
    # intersection between the values for a Route to be accepted."  "a match for
    # `*.example.com` would match both `test.example.com`, and `foo.test.example.com`, but
    # not `example.com`."
    pytest.param(_set(route, "hostnames", ["store.example.org"]), False,
                 id="hostname-no-intersection"),
    pytest.param(_set(route, "hostnames", ["*.example.com"]), True,
                 id="hostname-same-wildcard"),
    pytest.param(_set(route, "hostnames", ["example.com"]), False,
                 id="hostname-wildcard-not-the-bare-domain"),
]


@pytest.mark.parametrize(("edit", "attached"), ATTACHMENT)
def test_route_attachment_follows_the_listener_and_parent_ref(edit, attached):
    assert routed(ask(edit)) is attached


@pytest.mark.parametrize(("url", "served"), [
    ("http://store.example.com/", True),
    # "would match ... `foo.test.example.com`": a route hostname *.example.com, deeper host
    ("http://a.store.example.com/", True),
    ("http://example.com/", False),
])
def test_listener_wildcard_matches_one_or_more_labels(url, served):
    assert routed(ask(_set(route, "hostnames", ["*.example.com"]), url)) is served


# -- certificateRefs -----------------------------------------------------------------------

def tls_hop(result: UrlResult):
    (p,) = [p for p in result.paths if p.route_object == "HTTPRoute shop/store"]
    (h,) = [h for h in p.hops if h.step == "TLS"]
    return p, h


def _grant(field: str, side: str, value: str) -> Callable[[Docs], None]:
    return lambda items: find(items, "ReferenceGrant", "gateway-certs")["spec"][side][0] \
        .__setitem__(field, value)


HTTPS = "https://store.example.com/"


def test_a_granted_certificate_serves():
    """Conformance GatewaySecretReferenceGrantSpecific: a grant naming the Secret."""
    p, h = tls_hop(ask(url=HTTPS))
    assert (h.status, h.reason.code, p.verdict) == (HopStatus.OK, HopReason.LISTENER_TLS,
                                                   Answer.YES)


@pytest.mark.parametrize("edit", [
    # CertificateRefs: "References to a resource in different namespace are invalid UNLESS
    # there is a ReferenceGrant in the target namespace that allows the certificate to be
    # attached." (conformance GatewaySecretMissingReferenceGrant)
    pytest.param(lambda items: items.remove(find(items, "ReferenceGrant", "gateway-certs")),
                 id="no-grant"),
    # GatewaySecretInvalidReferenceGrant: a grant for another name, kind or source
    pytest.param(_grant("name", "to", "other-cert"), id="grant-for-another-secret"),
    pytest.param(_grant("kind", "to", "ConfigMap"), id="grant-for-another-kind"),
    pytest.param(_grant("kind", "from", "HTTPRoute"), id="grant-from-another-kind"),
    pytest.param(_grant("namespace", "from", "shop"), id="grant-from-another-namespace"),
    pytest.param(lambda items: find(items, "ReferenceGrant", "gateway-certs")["metadata"]
                 .__setitem__("namespace", "infra"), id="grant-in-the-wrong-namespace"),
])
def test_a_certificate_ref_without_a_grant_does_not_serve(edit):
    """"If a ReferenceGrant does not allow this reference, the "ResolvedRefs" condition
    MUST be set to False for this listener with the "RefNotPermitted" reason"; the
    conformance test says the Gateway "should fail to become programmed"."""
    p, h = tls_hop(ask(edit, HTTPS))
    assert h.status is HopStatus.BLOCKED and p.verdict is Answer.NO
    assert h.reason.code is HopReason.CERTIFICATE_REF_NOT_PERMITTED
    assert "certs/wildcard" in hop_detail(h) and "RefNotPermitted" in hop_detail(h)


def test_a_grant_without_a_name_allows_every_secret():
    """ReferenceGrantTo.Name: "When unspecified, this policy refers to all resources of the
    specified Group and Kind in the local namespace." (GatewaySecretReferenceGrantAllInNamespace)"""
    def edit(items: Docs) -> None:
        del find(items, "ReferenceGrant", "gateway-certs")["spec"]["to"][0]["name"]
        listener(items, "https")["tls"]["certificateRefs"][0]["name"] = "another"
    _, h = tls_hop(ask(edit, HTTPS))
    assert h.status is HopStatus.OK


def test_a_certificate_in_the_gateways_namespace_needs_no_grant():
    def edit(items: Docs) -> None:
        listener(items, "https")["tls"]["certificateRefs"] = [{"name": "wildcard"}]
        items.remove(find(items, "ReferenceGrant", "gateway-certs"))
    _, h = tls_hop(ask(edit, HTTPS))
    assert h.status is HopStatus.OK


def test_passthrough_ignores_certificate_refs():
    """TLSModeType Passthrough: "The certificateRefs field is ignored in this mode." """
    def edit(items: Docs) -> None:
        listener(items, "https")["tls"]["mode"] = "Passthrough"
        items.remove(find(items, "ReferenceGrant", "gateway-certs"))
    c = load(_edited(edit))
    gw = c.gateways[0]
    assert gw.listeners[1].tls_mode == "Passthrough"
    assert refused_certificates(c, gw, gw.listeners[1]) == ()


def _edited(edit: Callable[[Docs], None]) -> Docs:
    items = docs()
    edit(items)
    return items


def test_several_certificates_of_which_one_is_not_granted_are_undecided():
    """"A single CertificateRef to a Kubernetes Secret has "Core" support. Implementations
    MAY choose to support attaching multiple certificates to a Listener, but this behavior
    is implementation-specific." """
    def edit(items: Docs) -> None:
        listener(items, "https")["tls"]["certificateRefs"].append({"name": "local-cert"})
        items.remove(find(items, "ReferenceGrant", "gateway-certs"))
    p, h = tls_hop(ask(edit, HTTPS))
    assert h.status is HopStatus.UNDECIDED and p.verdict is Answer.UNDECIDED
    assert "infra/local-cert" in hop_detail(h)


def test_paths_and_json_say_the_listener_is_refused(tmp_path):
    items = _edited(lambda items: items.remove(find(items, "ReferenceGrant",
                                                    "gateway-certs")))
    result = paths(load(items))
    https = [r for r in result.routes if r.entry.endswith("listener https")]
    assert https and all(r.verdict is Answer.NO for r in https)
    f = tmp_path / "g.yaml"
    f.write_text(yaml.safe_dump_all(items, sort_keys=False))
    out = CliRunner().invoke(main, ["can-reach", "internet", HTTPS, "-f", str(f),
                                    "--format", "json"])
    assert out.exit_code == 1, out.output
    hops = [h for p in json.loads(out.output)["paths"] for h in p["hops"]]
    assert any(h["reason"] == "certificate-ref-not-permitted" for h in hops)


def test_tls_on_an_http_listener_is_an_input_error():
    """Listener.TLS: "It is invalid to set this field if the Protocol field is "HTTP",
    "TCP", or "UDP"." """
    items = _edited(lambda items: listener(items, "http").__setitem__(
        "tls", {"certificateRefs": [{"name": "x"}]}))
    with pytest.raises(ManifestError, match=r"spec\.listeners\[0\]\.tls"):
        load(items)


# -- addresses and infrastructure ------------------------------------------------------------

def _addresses(*values: str) -> Callable[[Docs], None]:
    def edit(items: Docs) -> None:
        find(items, "Gateway", "public")["spec"]["addresses"] = [
            {"type": "IPAddress", "value": v} for v in values]
        del route(items)["hostnames"]
        for li in find(items, "Gateway", "public")["spec"]["listeners"]:
            li.pop("hostname", None)
    return edit


@pytest.mark.parametrize(("addresses", "url", "served"), [
    # Addresses: "The implementation MUST bind all Listeners to every GatewayAddress that it
    # assigns to the Gateway"
    (("203.0.113.10",), "http://203.0.113.10/", True),
    (("203.0.113.10", "2001:db8::10"), "http://[2001:db8::10]/", True),
    (("203.0.113.10",), "http://203.0.113.11/", False),
    ((), "http://203.0.113.11/", True),  # no addresses: the implementation assigns them
])
def test_gateway_addresses_decide_which_ip_reaches_it(addresses, url, served):
    result = ask(_addresses(*addresses), url)
    assert routed(result) is served
    if not served:
        assert any("spec.addresses" in n for n in result.notes)


def test_an_address_that_is_not_an_ip_is_an_input_error():
    items = _edited(lambda items: find(items, "Gateway", "public")["spec"].__setitem__(
        "addresses", [{"type": "IPAddress", "value": "gw.example.com"}]))
    with pytest.raises(ManifestError, match=r"spec\.addresses\[0\]\.value"):
        load(items)


def test_infrastructure_labels_find_the_gateway_pods():
    """GatewayInfrastructure.Labels: "Labels that SHOULD be applied to any resources created
    in response to this Gateway." Pods labelled so (and no gateway-name label) are its pods."""
    def edit(items: Docs) -> None:
        find(items, "Gateway", "public")["spec"]["infrastructure"] = {
            "labels": {"gateway": "public-edge"}}
        tpl = find(items, "Deployment", "public-envoy")["spec"]
        tpl["selector"] = {"matchLabels": {"gateway": "public-edge"}}
        tpl["template"]["metadata"]["labels"] = {"gateway": "public-edge"}
    (p,) = ask(edit).paths
    assert p.verdict is Answer.YES and p.controller == ("infra/public-envoy",)
    assert any("spec.infrastructure.labels" in n for n in p.notes)
