"""Selector-less Services routed through their EndpointSlices.

Kubernetes Service docs, "Services without selectors": the Service gets no
EndpointSlices from the control plane, and "you can add EndpointSlice objects" whose
``kubernetes.io/service-name`` label names it.  EndpointConditions.ready: "nil should be
interpreted as true" and only ready endpoints receive traffic.  HTTPRouteRule.BackendRefs:
a Service with no ready endpoints gets 503.  ``fixtures/routing/endpointslices.yaml``:
one ready endpoint (the pod shop/legacy-0), one not ready; shop denies all ingress.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from netverify.cli import main
from netverify.hop_text import hop_detail
from netverify.loader import load_text
from netverify.queries.paths import can_reach_url
from netverify.results import Hop, HopReason, RoutedPath
from netverify.verdicts import Answer, HopStatus

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "routing" / "endpointslices.yaml"
URL = "http://legacy.example.com/"
ALLOW_GATEWAY = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                 "metadata": {"name": "allow-gateway", "namespace": "shop"},
                 "spec": {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {
                     "matchLabels": {"kubernetes.io/metadata.name": "infra"}}}],
                     "ports": [{"port": 8080}]}]}}


def docs() -> list[dict[str, Any]]:
    return list(yaml.safe_load_all(FIXTURE.read_text()))


def the_slice(items: list[dict[str, Any]]) -> dict[str, Any]:
    (s,) = [d for d in items if d["kind"] == "EndpointSlice"]
    return s


def ask(items: list[dict[str, Any]]) -> RoutedPath:
    c = load_text(yaml.safe_dump_all(items, sort_keys=False), "slices.yaml")
    (p,) = can_reach_url(c, "internet", URL).paths
    return p


def backend(p: RoutedPath) -> Hop:
    (h,) = [h for h in p.hops if "svc/shop/legacy" in h.step]
    return h


def test_a_ready_address_is_the_pod_and_networkpolicy_applies_to_it():
    p = ask(docs())
    assert p.verdict is Answer.NO
    (b,) = p.backends
    assert b.endpoints == ("shop/legacy-0",) and b.target == "8080"  # 10.0.2.6 not ready
    h = backend(p)
    assert h.status is HopStatus.BLOCKED and h.reason.code is HopReason.ENDPOINTS_UNREACHABLE
    assert h.port == 8080 and [v.dst.name for v in h.verdicts] == ["shop/legacy-0"]


def test_admitting_the_gateway_makes_it_reachable():
    p = ask([*docs(), ALLOW_GATEWAY])
    assert p.verdict is Answer.YES
    assert backend(p).reason.code is HopReason.ENDPOINTS_ADMIT


def test_no_ready_endpoint_is_503():
    items = docs()
    the_slice(items)["endpoints"][0]["conditions"]["ready"] = False
    h = backend(ask(items))
    assert h.status is HopStatus.BLOCKED and h.reason.code is HopReason.NO_ENDPOINTS
    assert h.reason.http_status == 503 and "legacy-1" in hop_detail(h)


def test_ready_left_out_means_ready():
    items = docs()
    the_slice(items)["endpoints"][1].pop("conditions")
    (b,) = ask([*items, ALLOW_GATEWAY]).backends
    assert b.endpoints == ("shop/legacy-0", "10.0.2.6")


def test_an_address_outside_the_pods_is_judged_by_the_proxy_egress():
    items = docs()
    the_slice(items)["endpoints"][0]["addresses"] = ["203.0.113.7"]
    assert ask(items).verdict is Answer.YES
    deny_egress = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                   "metadata": {"name": "no-egress", "namespace": "infra"},
                   "spec": {"podSelector": {}, "policyTypes": ["Egress"]}}
    h = backend(ask([*items, deny_egress]))
    assert h.status is HopStatus.BLOCKED and h.reason.blocked == ("203.0.113.7",)


def test_without_a_slice_the_hop_stays_undecided_and_names_what_is_missing():
    items = [d for d in docs() if d["kind"] != "EndpointSlice"]
    h = backend(ask(items))
    assert h.status is HopStatus.UNDECIDED and h.reason.code is HopReason.NO_SELECTOR
    assert "kubernetes.io/service-name=legacy" in hop_detail(h)


def test_a_slice_of_another_service_or_namespace_does_not_count():
    items = docs()
    the_slice(items)["metadata"]["labels"]["kubernetes.io/service-name"] = "other"
    h = backend(ask(items))
    assert h.status is HopStatus.UNDECIDED
    assert "no EndpointSlice labelled kubernetes.io/service-name=legacy" in hop_detail(h)


@pytest.mark.parametrize(("edit", "field"), [
    (lambda s: s.__setitem__("addressType", "IPv5"), "addressType"),
    (lambda s: s["endpoints"][0].__setitem__("addresses", ["10.0.2.300"]),
     "endpoints[0].addresses[0]"),
    (lambda s: s["endpoints"][0]["conditions"].__setitem__("ready", "yes"),
     "endpoints[0].conditions.ready"),
])
def test_a_malformed_slice_is_an_input_error(tmp_path, edit, field):
    items = docs()
    edit(the_slice(items))
    f = tmp_path / "in.yaml"
    f.write_text(yaml.safe_dump_all(items, sort_keys=False))
    r = CliRunner().invoke(main, ["can-reach", "internet", URL, "-f", str(f)])
    assert r.exit_code == 2, r.output
    assert "EndpointSlice shop/legacy-1" in r.output and field in r.output
