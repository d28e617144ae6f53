"""The Service, Ingress/Gateway and CNI rules (NV5xx-NV7xx) beyond object and path.

The case files pin which objects and fields are reported; here: sources, related objects
and examples, the host matching both TLS and Gateway API rely on, agreement of the
shared endpoint walk with ``service_target`` itself, and speed at 5,000 pods.
"""

from __future__ import annotations

import pytest

from netverify.audit.registry import all_rules, get_rule
from netverify.audit.rules.nv605_unattached_http_route import hostnames_intersect
from netverify.audit.services import service_targets
from netverify.loader import load_text
from netverify.model import Cluster
from netverify.queries.services import service_target

SHOP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: api, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api-canary, namespace: shop}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: api, ports: [{name: web, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: {app: api}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: api, port: {number: 80}}}
          - path: /img
            pathType: Prefix
            backend: {service: {name: images, port: {number: 80}}}
"""


def _findings(code: str, text: str) -> list:
    return list(get_rule(code)().check(load_text(text, "shop.yaml")))


def test_named_target_port_names_the_endpoint_without_it():
    (f,) = _findings("NV502", SHOP)
    assert "the endpoints of Deployment shop/api-canary do not declare (those of " \
        "Deployment shop/api do)" in f.message
    assert [r.object for r in f.related] == ["Deployment shop/api-canary"]
    assert f.related[0].source is not None and f.related[0].source.line == 10
    assert f.source is not None and f.source.line == 18
    assert f.example.startswith("svc/shop/api:80 -> shop/api-canary")


def test_local_traffic_policy_counts_replicas():
    (f,) = _findings("NV505", SHOP)
    assert "Deployment shop/api (3 replica(s))" in f.message
    assert "Deployment shop/api-canary (1 replica(s))" in f.message
    assert {r.object for r in f.related} == {"Deployment shop/api",
                                             "Deployment shop/api-canary"}


def test_missing_backend_points_at_the_backend_line():
    (f,) = _findings("NV604", SHOP)
    assert f.object == "Ingress shop/web"
    assert f.source is not None and f.source.line == 40
    assert f.source.field == "spec.rules[0].http.paths[1].backend"
    assert f.related[0].object == "Service shop/images"
    assert f.example == "GET http://shop.example.com/img -> Service shop/images"


def test_plain_http_host_points_at_its_rule():
    (f,) = _findings("NV601", SHOP)
    assert f.path == "spec.rules[0].host"
    assert f.source is not None and f.source.line == 35  # the rule's first path


def test_cni_findings_name_the_detected_plugin():
    text = """\
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: kube-flannel-ds, namespace: kube-flannel}
spec:
  template:
    metadata: {labels: {app: flannel}}
    spec: {hostNetwork: true, containers: [{name: f, image: "flannel/flannel:v0.25.1"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec: {podSelector: {}}
"""
    (f,) = _findings("NV701", text)
    assert "Flannel" in f.message
    assert [r.object for r in f.related] == ["DaemonSet kube-flannel/kube-flannel-ds"]
    assert f.related[0].source is not None and f.related[0].source.line == 1
    assert f.example == "203.0.113.7 -> shop/web: allowed"
    assert _findings("NV702", text) == [] and _findings("NV703", text) == []


@pytest.mark.parametrize(("cert", "host", "covered"), [
    ("app.example.com", "app.example.com", True),
    ("*.example.com", "app.example.com", True),
    ("*.example.com", "example.com", False),
    ("*.example.com", "a.b.example.com", False),
    ("*.example.com", "*.example.com", True),
    ("*.example.com", "*.b.example.com", False),
    ("app.example.com", "*.example.com", False),
])
def test_certificate_wildcards_cover_one_label(cert, host, covered):
    text = f"""\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: web, namespace: shop}}
spec:
  tls: [{{hosts: ["{cert}"], secretName: web-tls}}]
  rules:
    - host: "{host}"
      http:
        paths:
          - {{path: /, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}
"""
    assert (_findings("NV601", text) == []) is covered


@pytest.mark.parametrize(("listener", "route", "match"), [
    (None, "a.example.com", True),
    ("*.example.com", "a.example.com", True),
    ("*.example.com", "a.b.example.com", True),  # Gateway API: a suffix match
    ("*.example.com", "example.com", False),
    ("a.example.com", "*.example.com", True),
    ("*.b.example.com", "*.example.com", True),
    ("*.example.org", "*.example.com", False),
    ("a.example.com", "b.example.com", False),
])
def test_gateway_hostnames_intersect(listener, route, match):
    assert hostnames_intersect(listener, route) is match
    assert hostnames_intersect(route, listener) is match


def _big(pods: int = 5000, services: int = 1000, policies: int = 1000) -> Cluster:
    """Real pods with IPs in 50 namespaces, LoadBalancer Services, ipBlock policies, Cilium."""
    docs = ["""\
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: cilium, namespace: kube-system}
spec:
  template:
    metadata: {labels: {k8s-app: cilium}}
    spec: {hostNetwork: true, containers: [{name: a, image: "quay.io/cilium/cilium:v1.14.5"}]}
"""]
    for i in range(pods):
        ports = "[{name: http, containerPort: 8080}]" if i % 3 else "[]"
        docs.append(f"""\
apiVersion: v1
kind: Pod
metadata: {{name: p{i}, namespace: ns{i % 50}, labels: {{app: app{i % 300}}}}}
spec: {{containers: [{{name: c, image: x, ports: {ports}}}]}}
status: {{podIP: 10.1.{i // 250}.{i % 250 + 1}}}
""")
    for j in range(services):
        target = ("http", 8080, 9090)[j % 3]
        docs.append(f"""\
apiVersion: v1
kind: Service
metadata: {{name: s{j}, namespace: ns{j % 50}}}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: {{app: app{j % 300}}}
  ports: [{{port: 80, targetPort: {target}}}]
""")
    for k in range(policies):
        docs.append(f"""\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: np{k}, namespace: ns{k % 50}}}
spec:
  podSelector: {{matchLabels: {{app: app{k % 300}}}}}
  ingress:
    - from: [{{ipBlock: {{cidr: 10.1.{k % 20}.0/24}}}}]
      ports: [{{port: 8000, endPort: 8100}}, {{port: 9, protocol: SCTP}}]
""")
    return load_text("---\n".join(docs), "big.yaml")


def test_endpoint_walk_agrees_with_service_target():
    cluster = _big(pods=600, services=120, policies=0)
    for svc, index, port, target in service_targets(cluster):
        whole = service_target(cluster, svc, str(port.port), port.protocol)
        assert svc.ports[index] == port
        assert [(p.key, n) for p, n in target.endpoints] == [
            (p.key, n) for p, n in whole.endpoints]


@pytest.mark.slow
def test_rules_at_5000_pods():
    # Timed in benchmarks/audit_shapes.py; here only that the rules find what they should.
    cluster = _big()
    mine = [r for r in all_rules() if r.code[2] in "567"]
    counts = {r.code: len(list(r().check(cluster))) for r in mine}
    assert counts["NV505"] > 0 and counts["NV702"] > 0
