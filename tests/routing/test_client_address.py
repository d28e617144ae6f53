"""Client addresses after SNAT: what the inbound hop's NetworkPolicy sees.

Kubernetes documentation, "Using Source IP" (tutorials/services/source-ip): "Packets
sent to Services with Type=NodePort are source NAT'd by default"; with
``externalTrafficPolicy: Local`` the Service "preserves the client source IP".  The CNI
profile says whether kube-proxy is the Service proxy (Weave: it is, so the address is
SNATed) or the plugin's configuration decides (Cilium: SNAT mode or DSR).  Fixture:
``fixtures/routing/client-address.yaml`` (ingress-nginx behind a LoadBalancer Service,
a NetworkPolicy admitting only 203.0.113.0/24 to it).
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
from netverify.cni import profile
from netverify.hop_text import hop_detail
from netverify.loader import load_text
from netverify.queries.paths import can_reach_url, paths
from netverify.results import HopReason, RoutedPath
from netverify.verdicts import Answer, HopStatus

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "routing" / "client-address.yaml"
URL = "http://app.example.com/"
Docs = list[dict[str, Any]]


def docs(edit: Callable[[Docs], None] | None = None) -> Docs:
    items = list(yaml.safe_load_all(FIXTURE.read_text()))
    if edit is not None:
        edit(items)
    return items


def find(items: Docs, kind: str, name: str) -> dict[str, Any]:
    (hit,) = [d for d in items if d["kind"] == kind and d["metadata"]["name"] == name]
    return hit


def local(items: Docs) -> None:
    find(items, "Service", "ingress-nginx-controller")["spec"]["externalTrafficPolicy"] = "Local"


def admit_all(items: Docs) -> None:
    find(items, "NetworkPolicy", "office-only")["spec"]["ingress"][0]["from"] = [
        {"ipBlock": {"cidr": "0.0.0.0/0"}}, {"ipBlock": {"cidr": "::/0"}}]


def admit_none(items: Docs) -> None:
    find(items, "NetworkPolicy", "office-only")["spec"]["ingress"] = []


def path(src: str, cni: str, edit: Callable[[Docs], None] | None = None) -> RoutedPath:
    c = load_text(yaml.safe_dump_all(docs(edit), sort_keys=False), "client-address.yaml")
    (p,) = can_reach_url(c, src, URL, cni=cni).paths
    return p


def inbound(p: RoutedPath):
    (h,) = [h for h in p.hops if " -> ingress-nginx " in h.step]
    return h


@pytest.mark.parametrize(("src", "verdict"), [("203.0.113.7", Answer.YES),
                                              ("198.51.100.7", Answer.NO)])
@pytest.mark.parametrize("cni", ["weave", "cilium"])
def test_local_keeps_the_client_address(src, verdict, cni):
    """externalTrafficPolicy Local "preserves the client source IP": the ipBlock decides."""
    assert path(src, cni, local).verdict is verdict


@pytest.mark.parametrize("src", ["203.0.113.7", "198.51.100.7"])
def test_kube_proxy_snat_hides_the_client_from_the_ipblock(src):
    """Weave leaves Services to kube-proxy, which SNATs NodePort/LoadBalancer traffic with
    externalTrafficPolicy Cluster: the controller sees a node address, which the input does
    not give; the office ipBlock neither admits nor refuses the client for sure."""
    p = path(src, "weave")
    h = inbound(p)
    assert (h.status, h.reason.code, p.verdict) == (
        HopStatus.UNDECIDED, HopReason.CLIENT_ADDRESS_SNAT, Answer.UNDECIDED)
    assert "node address" in hop_detail(h) and "203.0.113.0/24" in hop_detail(h)
    assert any("is SNATed to a node address" in n for n in p.notes)


def test_a_profile_that_does_not_decide_is_undecided_and_says_so():
    """Cilium: SNAT mode by default, DSR keeps the address; the manifests do not say."""
    assert profile("cilium").client_address_kept is None
    p = path("203.0.113.7", "cilium")
    assert p.verdict is Answer.UNDECIDED
    assert any("may be SNATed" in n for n in p.notes)


@pytest.mark.parametrize(("edit", "verdict"), [(admit_all, Answer.YES),
                                               (admit_none, Answer.NO)])
@pytest.mark.parametrize("cni", ["weave", "cilium"])
def test_snat_does_not_matter_when_every_address_or_none_is_admitted(edit, verdict, cni):
    """A node's address is some address: admitted when all are, refused when none is."""
    assert path("198.51.100.7", cni, edit).verdict is verdict


def test_paths_text_markdown_and_json_carry_the_snat_note(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text(FIXTURE.read_text())
    for fmt in ("text", "md", "json"):
        out = CliRunner().invoke(main, ["paths", "-f", str(f), "--cni", "weave",
                                        "--format", fmt])
        assert out.exit_code == 0, (fmt, out.output)  # paths lists; --fail-on-blocked gates
        assert "SNATed to a node address" in out.output, fmt
    data = json.loads(out.output)
    (route,) = data["routes"]
    assert any(h["reason"] == "client-address-snat" for h in route["hops"])
    out = CliRunner().invoke(main, ["can-reach", "internet", URL, "-f", str(f),
                                    "--cni", "weave"])
    assert out.exit_code == 3 and "SNATed to a node address" in out.output


def test_policy_only_takes_the_address_as_seen():
    c = load_text(FIXTURE.read_text(), "client-address.yaml")
    (p,) = can_reach_url(c, "203.0.113.7", URL, policy_only=True).paths
    assert p.verdict is Answer.YES


def test_an_ipv4_only_proxy_pod_is_admitted_from_every_source_it_can_have():
    """A pod with only an IPv4 address is never reached over IPv6: IPv6 sources are not
    sources it refuses, so "admitted only from 0.0.0.0/0" is wrong."""
    pod = """---
apiVersion: v1
kind: Pod
metadata: {name: gw-0, namespace: ingress-nginx, labels: {app.kubernetes.io/name: ingress-nginx}}
spec:
  containers:
    - {name: controller, image: registry.k8s.io/ingress-nginx/controller:v1.10.1,
       ports: [{name: http, containerPort: 80}]}
status: {podIP: 10.0.0.5, podIPs: [{ip: 10.0.0.5}]}
"""
    def edit(items: Docs) -> None:
        items.remove(find(items, "Deployment", "ingress-nginx-controller"))
        find(items, "NetworkPolicy", "office-only")["spec"]["ingress"][0]["from"] = [
            {"ipBlock": {"cidr": "0.0.0.0/0"}}]
        local(items)
    text = yaml.safe_dump_all(docs(edit), sort_keys=False) + pod
    (p,) = can_reach_url(load_text(text, "c.yaml"), "internet", URL, cni="weave").paths
    h = inbound(p)
    assert h.status is HopStatus.OK and h.reason.admitted_from == ()
    assert "only from" not in hop_detail(h)
    assert p.verdict is Answer.YES
    # the paths query says the same
    (r,) = paths(load_text(text, "c.yaml"), cni="weave").routes
    assert inbound(r).reason.admitted_from == ()
