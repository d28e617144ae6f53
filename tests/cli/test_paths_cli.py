"""CLI for end-to-end paths: ``can-reach internet URL`` and ``paths`` (exit codes, formats)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = str(ROOT / "fixtures" / "ingress")


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    # A traceback reaching the user is a bug: only SystemExit may end a run.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


# An ingress-nginx controller, a backend behind a default deny, an Ingress with TLS.
BASE = """\
apiVersion: v1
kind: Namespace
metadata: {name: ingress-nginx}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec:
  selector: {matchLabels: {app: ingress-nginx}}
  template:
    metadata: {labels: {app: ingress-nginx}}
    spec:
      containers:
        - name: controller
          image: IMAGE
          ports: [{name: http, containerPort: 80}, {name: https, containerPort: 443}]
---
apiVersion: v1
kind: Service
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec:
  type: LoadBalancer
  selector: {app: ingress-nginx}
  ports: [{name: http, port: 80, targetPort: http}, {name: https, port: 443, targetPort: https}]
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: example/api:1, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: api-service, namespace: shop}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: app, namespace: shop}
spec:
  ingressClassName: nginx
  tls: [{hosts: [app.example.com], secretName: app-tls}]
  rules:
    - host: app.example.com
      http:
        paths:
          - {path: /api, pathType: Prefix,
             backend: {service: {name: api-service, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""

ALLOW = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-ingress-nginx, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]
"""

ONLY_PRIVATE_CLIENTS = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-private-clients, namespace: ingress-nginx}
spec:
  podSelector: {matchLabels: {app: ingress-nginx}}
  policyTypes: [Ingress]
  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}}]}]
"""

CANARY = """\
apiVersion: v1
kind: Namespace
metadata: {name: infra}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: public, namespace: infra}
spec:
  gatewayClassName: eg
  listeners:
    - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: envoy, namespace: infra}
spec:
  selector: {matchLabels: {gateway.networking.k8s.io/gateway-name: public}}
  template:
    metadata: {labels: {gateway.networking.k8s.io/gateway-name: public}}
    spec: {containers: [{name: envoy, image: envoyproxy/envoy:v1.30.1}]}
---
apiVersion: v1
kind: Namespace
metadata: {name: checkout}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: v1, namespace: checkout}
spec:
  selector: {matchLabels: {app: checkout, version: v1}}
  template:
    metadata: {labels: {app: checkout, version: v1}}
    spec: {containers: [{name: app, image: example/checkout:1}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: v2, namespace: checkout}
spec:
  selector: {matchLabels: {app: checkout, version: v2}}
  template:
    metadata: {labels: {app: checkout, version: v2}}
    spec: {containers: [{name: app, image: example/checkout:2}]}
---
apiVersion: v1
kind: Service
metadata: {name: checkout-v1, namespace: checkout}
spec: {selector: {app: checkout, version: v1}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: checkout-v2, namespace: checkout}
spec: {selector: {app: checkout, version: v2}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: checkout, namespace: checkout}
spec:
  parentRefs: [{name: public, namespace: infra}]
  hostnames: [checkout.example.com]
  rules:
    - matches: [{path: {type: PathPrefix, value: /}, headers: [{name: X-Canary, value: "yes"}]}]
      backendRefs: [{name: checkout-v2, port: 80}]
    - backendRefs:
        - {name: checkout-v1, port: 80, weight: 90}
        - {name: checkout-v2, port: 80, weight: 10}
"""


def write(tmp_path: Path, text: str, name: str = "cluster.yaml") -> str:
    f = tmp_path / name
    f.write_text(text)
    return str(f)


NGINX_IMAGE = "registry.k8s.io/ingress-nginx/controller:v1.10.1"


def base(tmp_path: Path, *extra: str, image: str = NGINX_IMAGE, name: str = "cluster.yaml"
         ) -> str:
    return write(tmp_path, BASE.replace("IMAGE", image) + "".join(extra), name)


UNKNOWN_IMAGE = "example.com/acme/edge-proxy:3"


# -- can-reach internet URL ------------------------------------------------------------------


def test_seed_ingress_502_exits_1_and_names_the_blocking_policy():
    r = run("can-reach", "internet", "https://app.example.com/api/users", "-f", FIXTURE)
    assert r.exit_code == 1
    assert r.stdout.startswith("NOT REACHABLE  internet -> https://app.example.com/api/users")
    assert "Ingress shop/app" in r.stdout and "Prefix /api" in r.stdout
    assert "svc/shop/api-service" in r.stdout
    assert "shop/default-deny-ingress" in r.stdout


def test_root_of_the_seed_host_exits_0():
    r = run("can-reach", "internet", "https://app.example.com/", "-f", FIXTURE)
    assert r.exit_code == 0
    assert r.stdout.startswith("REACHABLE  internet -> https://app.example.com/")
    assert "frontend-service" in r.stdout


def test_selector_typo_exits_1_with_no_endpoints():
    r = run("can-reach", "internet", "https://app.example.com/orders", "-f", FIXTURE)
    assert r.exit_code == 1
    assert "no endpoints" in r.stdout and "app=order" in r.stdout


def test_json_of_a_url_query():
    r = run("can-reach", "internet", "https://app.example.com/api/users", "-f", FIXTURE,
            "--format", "json")
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert data["schema_version"] == 2 and data["query"] == "can-reach-url"
    assert (data["src"], data["url"], data["verdict"]) == (
        "internet", "https://app.example.com/api/users", "no")
    assert isinstance(data["notes"], list)
    (p,) = data["paths"]
    assert {"entry", "route", "field", "host", "match", "tls", "proxy_pods", "backends", "hops",
            "verdict", "notes", "source"} <= set(p)
    assert (p["route"], p["field"], p["host"], p["match"], p["tls"], p["verdict"]) == (
        "Ingress shop/app", "spec.rules[0].http.paths[0]", "app.example.com", "Prefix /api",
        "app-example-com-tls", "no")
    assert p["proxy_pods"] == ["ingress-nginx/ingress-nginx-controller"]
    (b,) = p["backends"]
    assert b == {"service": "shop/api-service", "port": "80", "target": "http -> 8080",
                 "weight": 1, "share": 1.0, "endpoints": ["shop/api"], "reachable": [],
                 "problem": None, "problem_reason": None, "http_status": None}
    assert [h["status"] for h in p["hops"]] == ["ok", "ok", "blocked"]
    last = p["hops"][-1]
    assert {"step", "status", "detail", "port", "blocked_pairs", "source"} <= set(last)
    assert last["port"] == 8080
    assert last["blocked_pairs"] == [{"from": "ingress-nginx/ingress-nginx-controller",
                                      "to": "shop/api"}]
    assert last["source"]["file"].endswith("shop.yaml") and last["source"]["line"] > 0


def test_json_hops_carry_the_reason_code_and_its_facts():
    r = run("can-reach", "internet", "https://app.example.com/api/users", "-f", FIXTURE,
            "--format", "json")
    (p,) = json.loads(r.stdout)["paths"]
    tls, inbound, backend = p["hops"]
    assert (tls["reason"], tls["facts"]["name"]) == ("certificate", "app-example-com-tls")
    assert inbound["reason"] == "admitted"
    assert inbound["facts"]["via"] == {
        "number": 443, "source": "service", "service": "ingress-nginx/ingress-nginx-controller",
        "service_port": 443, "target_name": "https"}
    assert backend["reason"] == "endpoints-unreachable"
    facts = backend["facts"]
    assert (facts["service"], facts["endpoints"], facts["reachable"], facts["blocked"]) == (
        "shop/api-service", 1, 0, ["shop/api"])
    assert backend["detail"].startswith("0/1 endpoint(s) reachable: NetworkPolicy blocks")
    assert backend["unevaluated"] == []


def test_fixing_the_policy_turns_exit_1_into_exit_0(tmp_path):
    assert run("can-reach", "internet", "https://app.example.com/api",
               "-f", base(tmp_path, name="before.yaml")).exit_code == 1
    assert run("can-reach", "internet", "https://app.example.com/api",
               "-f", base(tmp_path, ALLOW, name="after.yaml")).exit_code == 0


def test_unknown_controller_exits_3_and_controller_flag_decides(tmp_path):
    f = base(tmp_path, ALLOW, image=UNKNOWN_IMAGE)
    r = run("can-reach", "internet", "https://app.example.com/api", "-f", f)
    assert r.exit_code == 3
    assert "--controller" in r.stdout
    r = run("can-reach", "internet", "https://app.example.com/api", "-f", f,
            "--controller", "ingress-nginx/ingress-nginx-controller")
    assert r.exit_code == 0
    blocked = base(tmp_path, image=UNKNOWN_IMAGE, name="blocked.yaml")  # no allow policy
    r = run("can-reach", "internet", "https://app.example.com/api", "-f", blocked,
            "--controller", "ingress-nginx/ingress-nginx-controller")
    assert r.exit_code == 1


def test_unknown_controller_name_is_exit_2(tmp_path):
    r = run("can-reach", "internet", "https://app.example.com/api", "-f", base(tmp_path),
            "--controller", "ingress-nginx/nope")
    assert r.exit_code == 2 and r.stdout == ""
    assert "netverify: error:" in r.stderr


@pytest.mark.parametrize(("src", "code"), [("internet", 0), ("10.1.2.3", 0),
                                           ("203.0.113.7", 1), ("10.0.0.0/8", 0)])
def test_client_address_against_the_controllers_ingress_policy(tmp_path, src, code):
    # externalTrafficPolicy Local keeps the client address (with Cluster it may be SNATed)
    f = base(tmp_path, ALLOW, ONLY_PRIVATE_CLIENTS)
    Path(f).write_text(Path(f).read_text().replace(
        "type: LoadBalancer\n", "type: LoadBalancer\n  externalTrafficPolicy: Local\n", 1))
    r = run("can-reach", src, "https://app.example.com/api", "-f", f)
    assert r.exit_code == code, r.stdout


def test_internet_source_says_which_addresses_get_in(tmp_path):
    f = base(tmp_path, ALLOW, ONLY_PRIVATE_CLIENTS)
    r = run("can-reach", "internet", "https://app.example.com/api", "-f", f)
    assert "10.0.0.0" in r.stdout and "only" in r.stdout


def test_flannel_enforces_nothing_unless_policy_only():
    url = "https://app.example.com/api"
    assert run("can-reach", "internet", url, "-f", FIXTURE, "--cni", "flannel").exit_code == 0
    assert run("can-reach", "internet", url, "-f", FIXTURE, "--cni", "flannel",
               "--policy-only").exit_code == 1


def test_header_selects_the_canary_rule(tmp_path):
    f = write(tmp_path, CANARY)
    url = "http://checkout.example.com/cart"
    plain = json.loads(run("can-reach", "internet", url, "-f", f, "--format", "json").stdout)
    (p,) = plain["paths"]
    assert p["field"] == "spec.rules[1]"
    assert [(b["service"], b["weight"], b["share"]) for b in p["backends"]] == [
        ("checkout/checkout-v1", 90, pytest.approx(0.9)),
        ("checkout/checkout-v2", 10, pytest.approx(0.1))]
    r = run("can-reach", "internet", url, "-f", f, "--format", "json", "-H", "X-Canary: yes")
    assert r.exit_code == 0
    (p,) = json.loads(r.stdout)["paths"]
    assert p["field"] == "spec.rules[0]"
    assert [b["service"] for b in p["backends"]] == ["checkout/checkout-v2"]


def test_text_output_reports_the_weights(tmp_path):
    r = run("can-reach", "internet", "http://checkout.example.com/", "-f",
            write(tmp_path, CANARY))
    assert r.exit_code == 0
    assert "90%" in r.stdout and "10%" in r.stdout


def test_host_nothing_routes_exits_1():
    r = run("can-reach", "internet", "https://unknown.example.org/", "-f", FIXTURE)
    assert r.exit_code == 1
    assert "app.example.com" in r.stdout  # the hosts that are defined


@pytest.mark.parametrize(("url", "message"), [
    ("https://", "has no host"),
    ("https:///api", "has no host"),
    ("https://app.example.com:99999/", "invalid port"),
])
def test_malformed_url_exits_2_with_a_clear_message(url, message):
    r = run("can-reach", "internet", url, "-f", FIXTURE)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith("netverify: error:")
    assert message in r.stderr and url in r.stderr


@pytest.mark.parametrize("header", ["novalue", ": value"])
def test_malformed_header_exits_2(header):
    r = run("can-reach", "internet", "https://app.example.com/", "-f", FIXTURE, "-H", header)
    assert r.exit_code == 2 and "--header" in r.stderr


@pytest.mark.parametrize("args", [("--port", "80"), ("--protocol", "TCP"), ("--hypothetical",),
                                  ("--format", "md")])
def test_options_that_do_not_apply_to_a_url_are_usage_errors(args):
    r = run("can-reach", "internet", "https://app.example.com/", "-f", FIXTURE, *args)
    assert r.exit_code == 2 and r.stdout == ""


def test_source_that_is_not_outside_the_cluster_exits_2():
    r = run("can-reach", "shop/frontend", "https://app.example.com/", "-f", FIXTURE)
    assert r.exit_code == 2
    assert "not 'internet' or an IP address" in r.stderr


def test_url_without_scheme_is_reported_as_a_url_problem():
    r = run("can-reach", "internet", "app.example.com/api", "-f", FIXTURE)
    assert r.exit_code == 2
    assert "app.example.com/api" in r.stderr


def test_upper_case_scheme_is_a_url():
    r = run("can-reach", "internet", "HTTPS://app.example.com/", "-f", FIXTURE)
    assert r.exit_code == 0


# -- paths -------------------------------------------------------------------------------------


def test_paths_text_table_exits_0_even_with_blocked_routes():
    r = run("paths", "-f", FIXTURE)
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    header = lines[0].split()
    assert header[:2] == ["host", "path"] and "verdict" in header
    rows = {(ln.split()[0], " ".join(ln.split()[1:3])): ln for ln in lines
            if ln.startswith("app.example.com")}
    assert set(rows) == {("app.example.com", "Prefix /api"),
                         ("app.example.com", "Prefix /orders"),
                         ("app.example.com", "Prefix /")}
    assert "BLOCKED" in rows[("app.example.com", "Prefix /api")]
    assert "0/1" in rows[("app.example.com", "Prefix /api")]
    assert "0/0" in rows[("app.example.com", "Prefix /orders")]
    assert "reachable" in rows[("app.example.com", "Prefix /")]
    exposed = [ln for ln in lines if ln.startswith("ingress-nginx/ingress-nginx-controller")]
    assert len(exposed) == 1
    assert "LoadBalancer" in exposed[0] and "Local" in exposed[0] and "1/1" in exposed[0]


def test_paths_fail_on_blocked():
    assert run("paths", "-f", FIXTURE, "--fail-on-blocked").exit_code == 1
    # Flannel enforces no policy, which opens /api; the selector typo of /orders remains.
    r = run("paths", "-f", FIXTURE, "--fail-on-blocked", "--cni", "flannel", "--format", "json")
    assert r.exit_code == 1
    verdicts = {p["match"]: p["verdict"] for p in json.loads(r.stdout)["routes"]
                if p["route"] == "Ingress shop/app"}
    assert verdicts == {"Prefix /api": "yes", "Prefix /orders": "no", "Prefix /": "yes"}


def test_paths_fail_on_blocked_passes_a_clean_cluster(tmp_path):
    assert run("paths", "-f", base(tmp_path, ALLOW, name="clean.yaml"),
               "--fail-on-blocked").exit_code == 0
    assert run("paths", "-f", base(tmp_path, name="blocked.yaml"),
               "--fail-on-blocked").exit_code == 1


def test_paths_unknown_controller_is_not_blocked_until_named(tmp_path):
    f = base(tmp_path, image=UNKNOWN_IMAGE)
    assert run("paths", "-f", f, "--fail-on-blocked").exit_code == 0
    assert run("paths", "-f", f, "--fail-on-blocked", "--controller",
               "ingress-nginx/ingress-nginx-controller").exit_code == 1


def test_paths_json():
    r = run("paths", "-f", FIXTURE, "--format", "json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["schema_version"] == 2 and data["query"] == "paths"
    assert {"routes", "exposed", "notes"} <= set(data)
    by_match = {p["match"]: p for p in data["routes"] if p["route"] == "Ingress shop/app"}
    assert set(by_match) == {"Prefix /api", "Prefix /orders", "Prefix /"}
    assert by_match["Prefix /api"]["verdict"] == "no"
    assert by_match["Prefix /"]["verdict"] == "yes"
    assert by_match["Prefix /orders"]["backends"][0]["endpoints"] == []
    assert all(p["host"] == "app.example.com" for p in by_match.values())
    (lb,) = data["exposed"]
    assert {"service", "type", "ports", "external_traffic_policy", "endpoints", "reachable",
            "notes"} <= set(lb)
    assert (lb["service"], lb["type"], lb["external_traffic_policy"]) == (
        "ingress-nginx/ingress-nginx-controller", "LoadBalancer", "Local")
    assert lb["reachable"] == ["ingress-nginx/ingress-nginx-controller"]
    assert lb["ports"] == ["80/TCP -> http", "443/TCP -> https"]


def test_paths_json_lists_http_route_rules_with_weights(tmp_path):
    data = json.loads(run("paths", "-f", write(tmp_path, CANARY), "--format", "json").stdout)
    rules = sorted((p["match"], p["route"]) for p in data["routes"])
    assert rules == [("Prefix /", "HTTPRoute checkout/checkout"),
                     ("Prefix / x-canary=yes", "HTTPRoute checkout/checkout")]
    split = next(p for p in data["routes"] if p["match"] == "Prefix /")
    assert [(b["service"], b["weight"]) for b in split["backends"]] == [
        ("checkout/checkout-v1", 90), ("checkout/checkout-v2", 10)]


def test_paths_markdown_has_tables():
    r = run("paths", "-f", FIXTURE, "--format", "md")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    header = next(i for i, ln in enumerate(lines) if ln.startswith("| host"))
    assert re.fullmatch(r"\|[-:|]+\|", lines[header + 1])
    rows = [ln for ln in lines[header + 2:] if ln.startswith("|")]
    api = [ln for ln in rows if "Prefix /api " in ln]
    assert len(api) == 1 and "BLOCKED" in api[0]
    assert any(ln.startswith("| service") for ln in lines)  # the exposed Services table


def test_paths_bad_format_and_missing_input_exit_2(tmp_path):
    assert run("paths", "-f", FIXTURE, "--format", "csv").exit_code == 2
    r = run("paths", "-f", str(tmp_path / "missing.yaml"))
    assert r.exit_code == 2 and "netverify: error:" in r.stderr


# -- review fixes ------------------------------------------------------------------------------

ALB_INGRESS = """\
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: alb, namespace: shop}
spec:
  ingressClassName: internal-alb
  rules:
    - host: alb.example.com
      http:
        paths:
          - {path: /, pathType: Prefix,
             backend: {service: {name: api-service, port: {number: 80}}}}
"""


def test_ingress_class_no_detected_controller_serves_exits_3(tmp_path):
    """ingress-nginx serves only its own class: class internal-alb is undecided (exit 3)
    with a note, never "assumed served by the only controller"."""
    f = base(tmp_path, ALLOW, ALB_INGRESS)
    r = run("can-reach", "internet", "http://alb.example.com/", "-f", f)
    assert r.exit_code == 3, r.stdout
    assert "internal-alb" in r.stdout and "--controller" in r.stdout
    assert run("can-reach", "internet", "https://app.example.com/api", "-f", f).exit_code == 0


@pytest.mark.parametrize(("doc", "field"), [
    (CANARY.replace("type: PathPrefix", "type: [PathPrefix]"),
     "spec.rules[0].matches[0].path.type"),
    (CANARY.replace("ports: [{port: 80, targetPort: 8080}]}\n---\napiVersion: v1\nkind: "
                    "Service\nmetadata: {name: checkout-v2", "ports: 5}\n---\napiVersion: "
                    "v1\nkind: Service\nmetadata: {name: checkout-v2"), "spec.ports"),
    (CANARY.replace("image: example/checkout:1}", "image: example/checkout:1, ports: 5}"),
     "spec.template.spec.containers[0].ports"),
], ids=["path-type-list", "service-ports-int", "container-ports-int"])
def test_malformed_route_and_port_lists_exit_2_with_the_field(tmp_path, doc, field):
    """A value of the wrong shape is a usage error naming file, document and field."""
    f = write(tmp_path, doc)
    for args in (("paths", "-f", f), ("can-reach", "internet", "http://checkout.example.com/",
                                      "-f", f)):
        r = run(*args)
        assert r.exit_code == 2 and field in r.stderr and "cluster.yaml" in r.stderr


def test_paths_markdown_escapes_manifest_text(tmp_path):
    """Names from the manifests cannot inject Markdown, HTML or @-mentions into the
    tables and notes (as in the audit Markdown report)."""
    evil = BASE.replace("IMAGE", NGINX_IMAGE).replace(
        "backend: {service: {name: api-service,",
        "backend: {service: {name: \"api|<img src=x>@team`x`\",").replace(
        "ingressClassName: nginx", "ingressClassName: \"<b>@org #12\"")
    r = run("paths", "-f", write(tmp_path, evil + ALLOW), "--format", "md")
    assert r.exit_code == 0
    out = r.stdout
    unescaped = re.compile(r"(?<!\\)[<>`|]")
    assert "@team" not in out and "\\<img" in out and "@&#8203;team" in out
    row = next(ln for ln in out.splitlines() if "Prefix /api" in ln)
    assert len(unescaped.findall(row)) == 8  # the table's own pipes: 7 columns
    notes = [ln for ln in out.splitlines() if ln.startswith("- ")]
    assert any("\\<b\\>@&#8203;org #&#8203;12" in n for n in notes)
    assert not any(unescaped.search(n) for n in notes)
