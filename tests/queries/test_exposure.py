"""Service exposure from outside: ``can-reach internet URL`` and ``can-reach internet NS/NAME``.

Each case quotes the Service API reference (core/v1 ServiceSpec, ServiceStatus,
https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from click.testing import CliRunner, Result

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "netverify/schemas/can-reach-url.schema.json").read_text())

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: nginx, ports: [{containerPort: 8080, name: http}]}
"""

LB = """\
---
apiVersion: v1
kind: Service
metadata: {name: web-lb, namespace: shop}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
"""

STATUS = """\
status:
  loadBalancer:
    ingress: [{ip: 203.0.113.10}]
"""

DENY_ALL = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
"""

FROM_OFFICE = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: office, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
  - from: [{ipBlock: {cidr: 198.51.100.0/24}}]
"""


def run(tmp_path: Path, yaml: str, *args: str) -> Result:
    f = tmp_path / "app.yaml"
    f.write_text(yaml)
    return CliRunner().invoke(main, ["can-reach", *args, "-f", str(f), "--cni", "calico"])


def as_json(tmp_path: Path, yaml: str, *args: str) -> dict[str, object]:
    r = run(tmp_path, yaml, *args, "--format", "json")
    doc: dict[str, object] = json.loads(r.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    return doc


# -- the URL's host is the Service's address ------------------------------------------------

def test_url_to_the_load_balancer_address_reaches_the_app(tmp_path: Path) -> None:
    # status.loadBalancer.ingress: "Ingress is a list containing ingress points for the
    # load-balancer. Traffic intended for the service should be sent to these ingress points."
    r = run(tmp_path, WEB + LB + STATUS, "internet", "http://203.0.113.10/")
    assert r.exit_code == 0, r.stdout
    assert "REACHABLE via LoadBalancer of Service shop/web-lb (203.0.113.10:80)" in r.stdout
    assert "1/1 endpoint(s) of Service shop/web-lb admit the clients on TCP 8080" in r.stdout
    # ServicePort.port: "The port that will be exposed by this service."
    assert run(tmp_path, WEB + LB + STATUS, "internet", "http://203.0.113.10:8080/"
               ).exit_code == 1


def test_url_to_the_load_balancer_hostname_reaches_the_app(tmp_path: Path) -> None:
    # LoadBalancerIngress.hostname: "Hostname is set for load-balancer ingress points that
    # are DNS based (typically AWS load-balancers)"
    status = STATUS.replace("{ip: 203.0.113.10}", "{hostname: Web-123.elb.example.com}")
    doc = as_json(tmp_path, WEB + LB + status, "internet", "http://web-123.elb.example.com/")
    assert doc["verdict"] == "yes"
    assert [p["entry"] for p in doc["paths"]] == [  # type: ignore[attr-defined]
        "LoadBalancer of Service shop/web-lb (web-123.elb.example.com:80)"]


def test_a_name_without_an_address_is_undecided_until_resolves_to_gives_it(
        tmp_path: Path) -> None:
    r = run(tmp_path, WEB + LB + STATUS, "internet", "http://shop.example.com/")
    assert r.exit_code == 3, r.stdout
    assert "shop.example.com may or may not resolve to LoadBalancer of Service shop/web-lb " \
        "(203.0.113.10)" in r.stdout
    r = run(tmp_path, WEB + LB + STATUS, "internet", "http://shop.example.com/",
            "--resolves-to", "203.0.113.10")
    assert r.exit_code == 0, r.stdout
    r = run(tmp_path, WEB + LB + STATUS, "internet", "http://shop.example.com/",
            "--resolves-to", "192.0.2.1")
    assert r.exit_code == 1, r.stdout


def test_a_load_balancer_without_status_leaves_the_url_undecided(tmp_path: Path) -> None:
    # type LoadBalancer: '"LoadBalancer" builds on NodePort and creates an external
    # load-balancer (if supported in the current cloud)': until status says where, the
    # manifests do not tell which address reaches it.
    doc = as_json(tmp_path, WEB + LB, "internet", "http://203.0.113.10/")
    assert doc["verdict"] == "undecided"
    assert doc["mode"] == "maybe"
    hop = doc["paths"][0]["hops"][0]  # type: ignore[index]
    assert hop["reason"] == "host-not-known"


def test_load_balancer_ip_in_the_spec_is_an_address(tmp_path: Path) -> None:
    # spec.loadBalancerIP: "Only applies to Service Type: LoadBalancer. This feature
    # depends on whether the underlying cloud-provider supports specifying the
    # loadBalancerIP when a load balancer is created."
    lb = LB.replace("  type: LoadBalancer\n", "  type: LoadBalancer\n  loadBalancerIP: "
                    "203.0.113.20\n")
    assert run(tmp_path, WEB + lb, "internet", "http://203.0.113.20/").exit_code == 0


def test_source_ranges_refuse_other_clients(tmp_path: Path) -> None:
    # spec.loadBalancerSourceRanges: "If specified and supported by the platform, this will
    # restrict traffic through the cloud-provider load-balancer will be restricted to the
    # specified client IPs."
    lb = LB.replace("  type: LoadBalancer\n",
                    "  type: LoadBalancer\n  loadBalancerSourceRanges: [198.51.100.0/24]\n")
    yaml = WEB + lb + STATUS
    r = run(tmp_path, yaml, "192.0.2.7", "http://203.0.113.10/")
    assert r.exit_code == 1, r.stdout
    assert "loadBalancerSourceRanges of Service shop/web-lb admit only 198.51.100.0/24" \
        in r.stdout
    assert run(tmp_path, yaml, "198.51.100.7", "http://203.0.113.10/").exit_code == 0


def test_external_ips_take_traffic_for_a_cluster_ip_service(tmp_path: Path) -> None:
    # spec.externalIPs: "externalIPs is a list of IP addresses for which nodes in the
    # cluster will also accept traffic for this service."
    svc = LB.replace("  type: LoadBalancer\n", "  externalIPs: [198.51.100.50]\n").replace(
        ", nodePort: 30080", "")
    doc = as_json(tmp_path, WEB + svc, "internet", "http://198.51.100.50/")
    assert doc["verdict"] == "yes"
    assert doc["paths"][0]["hops"][0]["facts"]["name"] == "externalIP"  # type: ignore[index]


NODE = """\
---
apiVersion: v1
kind: Node
metadata: {name: node-1}
status:
  addresses:
  - {type: InternalIP, address: 10.0.0.5}
  - {type: ExternalIP, address: 192.0.2.80}
"""


def test_node_port_on_a_node_address(tmp_path: Path) -> None:
    # ServicePort.nodePort: "The port on each node on which this service is exposed when
    # type is NodePort or LoadBalancer."
    yaml = WEB + LB.replace("LoadBalancer", "NodePort") + NODE
    assert run(tmp_path, yaml, "internet", "http://192.0.2.80:30080/").exit_code == 0
    assert run(tmp_path, yaml, "internet", "http://192.0.2.80:30081/").exit_code == 1


def test_network_policy_on_the_endpoints_decides_after_the_load_balancer(
        tmp_path: Path) -> None:
    r = run(tmp_path, WEB + LB + STATUS + DENY_ALL, "internet", "http://203.0.113.10/")
    assert r.exit_code == 1, r.stdout
    assert "NetworkPolicy denies the clients on shop/web" in r.stdout


def test_snat_under_external_traffic_policy_cluster_is_undecided(tmp_path: Path) -> None:
    # spec.externalTrafficPolicy: 'If set to "Local", the proxy will configure the service
    # [...] without masquerading the client source IP. [...] The default value, "Cluster",
    # uses the standard behavior of routing to all endpoints evenly': with Cluster the pod
    # may see a node address, which an ipBlock for the clients does not admit.
    yaml = WEB + LB + STATUS + FROM_OFFICE
    r = run(tmp_path, yaml, "198.51.100.7", "http://203.0.113.10/")
    assert r.exit_code == 3, r.stdout
    assert "may see a node address instead of the client's" in r.stdout
    local = yaml.replace("  type: LoadBalancer\n",
                         "  type: LoadBalancer\n  externalTrafficPolicy: Local\n")
    assert run(tmp_path, local, "198.51.100.7", "http://203.0.113.10/").exit_code == 0
    assert run(tmp_path, local, "192.0.2.7", "http://203.0.113.10/").exit_code == 1


def test_a_malformed_load_balancer_address_is_an_input_error(tmp_path: Path) -> None:
    r = run(tmp_path, WEB + LB + STATUS.replace("203.0.113.10", "not-an-ip"), "internet",
            "http://203.0.113.10/")
    assert r.exit_code == 2
    assert "status.loadBalancer.ingress[0].ip" in r.stderr
    assert "Traceback" not in r.stderr


# -- a workload from outside -----------------------------------------------------------------

CLUSTER_IP = LB.replace("  type: LoadBalancer\n", "").replace(", nodePort: 30080", "")


def test_a_workload_no_service_exposes_is_not_reachable_from_outside(tmp_path: Path) -> None:
    # ServiceSpec.type: '"ClusterIP" allocates a cluster-internal IP address for
    # load-balancing to endpoints.'  No policy isolates the pod, yet nothing outside reaches it.
    r = run(tmp_path, WEB + CLUSTER_IP, "internet", "shop/web")
    assert r.exit_code == 1, r.stdout
    assert "no LoadBalancer, NodePort or externalIP Service, Ingress or HTTPRoute leads to " \
        "shop/web" in r.stdout


def test_a_workload_behind_a_provisioned_load_balancer_is_reachable(tmp_path: Path) -> None:
    doc = as_json(tmp_path, WEB + LB + STATUS, "internet", "shop/web:8080")
    assert doc["verdict"] == "yes"
    assert doc["mode"] == "any"
    assert {p["entry"] for p in doc["paths"]} == {  # type: ignore[attr-defined]
        "LoadBalancer of Service shop/web-lb (203.0.113.10:80)",
        "NodePort of Service shop/web-lb (every node:30080)"}


def test_a_workload_behind_a_load_balancer_without_status_is_undecided(
        tmp_path: Path) -> None:
    r = run(tmp_path, WEB + LB, "internet", "shop/web")
    assert r.exit_code == 3, r.stdout
    assert "has no status.loadBalancer.ingress" in r.stdout


def test_a_workload_port_no_service_targets_is_not_reachable(tmp_path: Path) -> None:
    assert run(tmp_path, WEB + LB + STATUS, "internet", "shop/web:9090").exit_code == 1
    assert run(tmp_path, WEB + LB + STATUS, "internet", "shop/web:http").exit_code == 0


def test_a_workload_denied_by_network_policy_is_not_reachable(tmp_path: Path) -> None:
    r = run(tmp_path, WEB + LB + STATUS + DENY_ALL, "internet", "shop/web")
    assert r.exit_code == 1, r.stdout


INGRESS = """\
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: web-lb, port: {number: 80}}}
"""


def test_a_workload_reached_through_an_ingress_counts(tmp_path: Path) -> None:
    doc = as_json(tmp_path, WEB + CLUSTER_IP + INGRESS, "internet", "shop/web")
    assert [p["route"] for p in doc["paths"]] == ["Ingress shop/web"]  # type: ignore[attr-defined]
    assert doc["verdict"] == "undecided"  # the nginx controller's pods are not in the input


def test_a_service_from_outside_is_asked_by_its_own_ports(tmp_path: Path) -> None:
    # ServicePort.port: "The port that will be exposed by this service." For svc/NS/NAME
    # the port is the Service's, and only its own ways in count.
    yaml = WEB + LB + STATUS + CLUSTER_IP.replace("name: web-lb", "name: web-internal")
    doc = as_json(tmp_path, yaml, "internet", "svc/shop/web-lb:80")
    assert doc["verdict"] == "yes"
    assert run(tmp_path, yaml, "internet", "svc/shop/web-lb:8080").exit_code == 1
    assert run(tmp_path, yaml, "internet", "svc/shop/web-internal").exit_code == 1
    r = run(tmp_path, yaml, "internet", "svc/shop/nope")
    assert r.exit_code == 2 and "no Service shop/nope in the input" in r.stderr


def test_paths_lists_a_cluster_ip_service_with_external_ips(tmp_path: Path) -> None:
    # spec.externalIPs: nodes "will also accept traffic for this service": a way in, as
    # can-reach internet http://198.51.100.50/ follows it.
    svc = CLUSTER_IP.replace("  selector:", "  externalIPs: [198.51.100.50]\n  selector:")
    f = tmp_path / "app.yaml"
    f.write_text(WEB + svc)
    r = CliRunner().invoke(main, ["paths", "-f", str(f), "--format", "json"])
    doc = json.loads(r.stdout)
    assert [(e["service"], e["type"]) for e in doc["exposed"]] == [("shop/web-lb", "ClusterIP")]
