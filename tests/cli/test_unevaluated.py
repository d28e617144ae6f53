"""Traffic policies netverify does not evaluate: every command answers "incomplete", exit 3.

The pods are not isolated by any NetworkPolicy, so by NetworkPolicy alone everything
is allowed; a CiliumNetworkPolicy (or an AdminNetworkPolicy, ...) in the input may deny
it on the cluster, so a confident ALLOWED would be wrong.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
SARIF_SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-2.1.0.json").read_text())

APP = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: other, labels: {app: a}}
spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: other, labels: {app: b}}
spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}
"""

CNP = """\
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: deny-web, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: api}}
  ingressDeny: [{fromEndpoints: [{matchLabels: {app: web}}]}]
"""

# One object of each kind the issue names, each able to deny shop/web -> shop/api.
KINDS = {
    "ClusterNetworkPolicy.crd.antrea.io": """\
apiVersion: crd.antrea.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: acnp-deny}
spec:
  priority: 5
  appliedTo: [{podSelector: {matchLabels: {app: api}}}]
  ingress: [{action: Drop, from: [{podSelector: {}}]}]
""",
    "CiliumNetworkPolicy": CNP,
    "CiliumClusterwideNetworkPolicy": """\
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: lockdown}
spec:
  endpointSelector: {matchLabels: {app: api}}
  ingressDeny: [{fromEndpoints: [{}]}]
""",
    "GlobalNetworkPolicy": """\
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny-api}
spec: {selector: app == 'api', types: [Ingress], ingress: [{action: Deny}]}
""",
    "AuthorizationPolicy": """\
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-nothing, namespace: shop}
spec: {}
""",
    "NetworkPolicy.projectcalico.org": """\
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: deny-api, namespace: shop}
spec: {selector: app == 'api', types: [Ingress]}
""",
    "NetworkPolicy.crd.projectcalico.org": """\
apiVersion: crd.projectcalico.org/v1
kind: NetworkPolicy
metadata: {name: deny-api, namespace: shop}
spec: {selector: app == 'api', types: [Ingress]}
""",
    "NetworkPolicy.crd.antrea.io": """\
apiVersion: crd.antrea.io/v1beta1
kind: NetworkPolicy
metadata: {name: deny-api, namespace: shop}
spec:
  priority: 5
  appliedTo: [{podSelector: {matchLabels: {app: api}}}]
  ingress: [{action: Drop, from: [{podSelector: {}}]}]
""",
}


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def manifests(tmp_path: Path, *docs: str) -> str:
    """A folder k8s/ with the app and one file per policy; its path."""
    folder = tmp_path / "k8s"
    if folder.exists():
        for old in folder.iterdir():
            old.unlink()
    folder.mkdir(exist_ok=True)
    (folder / "app.yaml").write_text(APP)
    for i, doc in enumerate(docs):
        (folder / f"policy{i}.yaml").write_text(doc)
    return str(folder)


@pytest.mark.parametrize("name", list(KINDS))
def test_can_reach_is_incomplete_with_each_kind(tmp_path: Path, name: str) -> None:
    files = manifests(tmp_path, KINDS[name])
    r = run("can-reach", "shop/web", "shop/api:80", "-f", files)
    assert r.exit_code == 3, r.output
    assert r.stdout.startswith("INCOMPLETE  shop/web -> shop/api  (TCP 80)")
    kind = name.partition(".")[0]
    assert f"incomplete: 1 {kind} object not evaluated (" in r.stdout
    assert f"{tmp_path}/k8s/policy0.yaml:1" in r.stdout  # file:line of the object
    assert r.stderr == ""  # not an error


def test_pair_outside_the_namespace_stays_confident(tmp_path: Path) -> None:
    files = manifests(tmp_path, CNP)
    r = run("can-reach", "other/a", "other/b:80", "-f", files, "--format", "json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["allowed"] is True and data["complete"] is True and data["unevaluated"] == []
    # Either end in the CiliumNetworkPolicy's namespace is enough for it to apply.
    assert run("can-reach", "other/a", "shop/api:80", "-f", files).exit_code == 3
    assert run("can-reach", "shop/web", "other/b:80", "-f", files).exit_code == 3


def test_istio_policy_applies_to_its_destinations_only(tmp_path: Path) -> None:
    files = manifests(tmp_path, KINDS["AuthorizationPolicy"])
    assert run("can-reach", "shop/web", "other/b:80", "-f", files).exit_code == 0
    assert run("can-reach", "other/a", "shop/api:80", "-f", files).exit_code == 3


def test_istio_policy_in_the_root_namespace_applies_mesh_wide(tmp_path: Path) -> None:
    root = KINDS["AuthorizationPolicy"].replace("namespace: shop", "namespace: istio-system")
    files = manifests(tmp_path, root)
    assert run("can-reach", "other/a", "other/b:80", "-f", files).exit_code == 3


def test_egress_firewall_applies_to_outside_traffic_of_its_namespace(tmp_path: Path) -> None:
    fw = ("apiVersion: k8s.ovn.org/v1\nkind: EgressFirewall\n"
          "metadata: {name: default, namespace: shop}\n"
          "spec: {egress: [{type: Deny, to: {cidrSelector: 0.0.0.0/0}}]}\n")
    files = manifests(tmp_path, fw)
    assert run("can-reach", "shop/web", "203.0.113.7", "-f", files).exit_code == 3
    assert run("can-reach", "shop/web", "other/b:80", "-f", files).exit_code == 0
    assert run("can-reach", "other/a", "203.0.113.7", "-f", files).exit_code == 0


def test_json_lists_the_objects(tmp_path: Path) -> None:
    files = manifests(tmp_path, CNP)
    data = json.loads(run("can-reach", "shop/web", "shop/api:80", "-f", files,
                          "--format", "json").stdout)
    assert data["complete"] is False and data["allowed"] is True  # what NetworkPolicy says
    assert data["pairs"][0]["complete"] is False
    assert data["unevaluated"] == [{
        "kind": "CiliumNetworkPolicy", "apiVersion": "cilium.io/v2", "group": "cilium.io",
        "product": "Cilium", "namespace": "shop", "name": "deny-web",
        "file": f"{tmp_path}/k8s/policy0.yaml", "document": 1, "line": 1}]


def test_ignore_kind_restores_the_answer_and_is_echoed(tmp_path: Path) -> None:
    files = manifests(tmp_path, CNP)
    for kind in ("CiliumNetworkPolicy", "CiliumNetworkPolicy.cilium.io"):
        r = run("can-reach", "shop/web", "shop/api:80", "-f", files, "--ignore-kind", kind)
        assert r.exit_code == 0 and r.stdout.startswith("ALLOWED")
        assert (f"ignored on request (--ignore-kind {kind}): 1 CiliumNetworkPolicy object "
                "(cilium.io)") in r.stdout
    data = json.loads(run("can-reach", "shop/web", "shop/api:80", "-f", files, "--format",
                          "json", "--ignore-kind", "CiliumNetworkPolicy").stdout)
    assert data["complete"] is True
    assert data["ignored"]["kinds"] == ["CiliumNetworkPolicy"]
    assert [o["name"] for o in data["ignored"]["objects"]] == ["deny-web"]


@pytest.mark.parametrize("kind", ["NetworkPolicy.networking.k8s.io", "CiliumNetworkPolcy"])
def test_ignore_kind_of_an_evaluated_or_unknown_kind_is_a_usage_error(tmp_path: Path,
                                                                     kind: str) -> None:
    r = run("can-reach", "shop/web", "shop/api:80", "-f", manifests(tmp_path, CNP),
            "--ignore-kind", kind)
    assert r.exit_code == 2 and r.stdout == ""
    assert f"netverify: error: --ignore-kind {kind}:" in r.stderr


def test_service_destination_and_hypothetical_are_incomplete(tmp_path: Path) -> None:
    svc = ("apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\n"
           "spec: {selector: {app: api}, ports: [{port: 80}]}\n")
    files = manifests(tmp_path, CNP, svc)
    assert run("can-reach", "shop/web", "svc/shop/api:80", "-f", files).exit_code == 3
    r = run("can-reach", "--hypothetical", "shop/*", "shop/api:80", "-f", files)
    assert r.exit_code == 3 and r.stdout.startswith("INCOMPLETE  could shop/* reach")
    assert "by the policies netverify evaluates: yes" in r.stdout
    r = run("can-reach", "--hypothetical", "other/*", "other/b:80", "-f", files,
            "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["complete"] is True


def test_who_can_reach(tmp_path: Path) -> None:
    files = manifests(tmp_path, CNP)
    r = run("who-can-reach", "shop/api:80", "-f", files)
    assert r.exit_code == 3 and r.stdout.startswith("INCOMPLETE  Who can reach shop/api")
    # Only an Istio policy of shop: sources anywhere reaching other/b are not its business.
    files = manifests(tmp_path, KINDS["AuthorizationPolicy"])
    data = json.loads(run("who-can-reach", "other/b:80", "-f", files, "--format",
                          "json").stdout)
    assert data["complete"] is True
    assert run("who-can-reach", "shop/api:80", "-f", files).exit_code == 3


def test_matrix_marks_the_affected_cells(tmp_path: Path) -> None:
    files = manifests(tmp_path, CNP)
    r = run("matrix", "-f", files, "--port", "80")
    assert r.exit_code == 3 and r.stdout.startswith("INCOMPLETE  Connectivity by pod")
    assert "?: not decided" in r.stdout
    data = json.loads(run("matrix", "-f", files, "--port", "80", "--format", "json").stdout)
    undecided = {(x["from"], x["to"]) for x in data["results"] if not x["complete"]}
    pods = ["other/a", "other/b", "shop/api", "shop/web"]
    assert undecided == {(s, d) for s in pods for d in pods
                         if "shop/" in s + d and s != d}  # loopback stays decided
    assert data["complete"] is False and [o["name"] for o in data["unevaluated"]] == [
        "deny-web"]
    ns = json.loads(run("matrix", "-f", files, "--by", "namespace", "--format",
                        "json").stdout)
    assert {(x["from"], x["to"]): x["complete"] for x in ns["results"]} == {
        ("other", "other"): True, ("other", "shop"): False, ("shop", "other"): False,
        ("shop", "shop"): False}
    csv = run("matrix", "-f", files, "--port", "80", "--format", "csv").stdout.splitlines()
    assert csv[0].endswith(",complete") and "other/a,other/b,80,TCP,true,true" in csv


def test_lint_is_incomplete_without_findings(tmp_path: Path) -> None:
    deny = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
            "metadata: {name: deny, namespace: other}\n"
            "spec: {podSelector: {}, policyTypes: [Ingress]}\n")
    r = run("lint", "-f", manifests(tmp_path, CNP, deny))
    assert r.exit_code == 3 and "INCOMPLETE" in r.stdout
    assert "incomplete: 1 CiliumNetworkPolicy object not evaluated" in r.stdout


SPEC = """\
manifests: [{files}]
assertions:
  - name: web reaches api
    from: shop/web
    to: shop/api:80
    expect: allow
  - name: a reaches b
    from: other/a
    to: other/b:80
    expect: allow
"""


def test_check_affected_assertion_is_incomplete_and_junit_skips_it(tmp_path: Path) -> None:
    files = manifests(tmp_path, CNP)
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.format(files=files))
    junit = tmp_path / "junit.xml"
    r = run("check", str(spec), "--junit", str(junit))
    assert r.exit_code == 3, r.output
    assert "1 passed, 0 failed, 1 incomplete" in r.stdout
    assert "incomplete: 1 CiliumNetworkPolicy object not evaluated" in r.stdout
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    skipped = cases["web reaches api"].find("skipped")
    assert skipped is not None and "CiliumNetworkPolicy shop/deny-web" in skipped.get(
        "message", "")
    assert [x.tag for x in cases["a reaches b"]] == ["system-out"]  # passed
    data = json.loads(run("check", str(spec), "--format", "json").stdout)
    assert [x["status"] for x in data["results"]] == ["incomplete", "pass"]
    assert data["complete"] is False and data["passed"] is False


def test_check_failure_where_nothing_else_applies_still_fails(tmp_path: Path) -> None:
    deny = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
            "metadata: {name: deny, namespace: other}\n"
            "spec: {podSelector: {}, policyTypes: [Ingress]}\n")
    files = manifests(tmp_path, CNP, deny)
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.format(files=files))
    r = run("check", str(spec))
    assert r.exit_code == 1 and "0 passed, 1 failed, 1 incomplete" in r.stdout
    # One assertion over both namespaces: the pair other -> other fails for sure.
    spec.write_text(f"manifests: [{files}]\nassertions:\n"
                    "  - {name: everyone reaches b, from: {namespaceSelector: {}}, "
                    "to: 'other/b:80', expect: allow}\n")
    data = json.loads(run("check", str(spec), "--format", "json").stdout)
    assert data["results"][0]["status"] == "fail"


def test_check_scope_any_is_incomplete(tmp_path: Path) -> None:
    files = manifests(tmp_path, CNP)
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"manifests: [{files}]\nassertions:\n"
                    "  - {name: shop reaches api, from: {namespace: shop}, to: 'shop/api:80',"
                    " expect: allow, scope: any}\n"
                    "  - {name: other reaches b, from: {namespace: other}, to: 'other/b:80',"
                    " expect: allow, scope: any}\n")
    data = json.loads(run("check", str(spec), "--format", "json").stdout)
    assert [x["status"] for x in data["results"]] == ["incomplete", "pass"]


def test_diff_with_an_unevaluated_object_on_either_side(tmp_path: Path) -> None:
    old = tmp_path / "old"
    new = tmp_path / "new"
    old.mkdir()
    new.mkdir()
    (old / "app.yaml").write_text(APP)
    (new / "app.yaml").write_text(APP + "---\n" + CNP)
    for a, b in ((old, new), (new, old)):
        r = run("diff", str(a), str(b))
        assert r.exit_code == 3 and r.stdout.startswith("INCOMPLETE  Reachability changes")
        data = json.loads(run("diff", str(a), str(b), "--format", "json").stdout)
        assert data["complete"] is False
        assert data["unevaluated"][0]["file"] == f"{new}/app.yaml"
    assert run("diff", str(old), str(old)).exit_code == 0


def test_paths_and_url_hops_become_unknown(tmp_path: Path) -> None:
    ingress = ROOT / "fixtures" / "ingress"
    (tmp_path / "cnp.yaml").write_text(CNP)
    r = run("can-reach", "internet", "https://app.example.com/", "-f", str(ingress))
    assert r.exit_code == 0  # the frontend route: reachable by NetworkPolicy
    r = run("can-reach", "internet", "https://app.example.com/", "-f", str(ingress),
            "-f", str(tmp_path / "cnp.yaml"))
    assert r.exit_code == 3 and r.stdout.startswith("INCOMPLETE  internet ->")
    assert "not decided: CiliumNetworkPolicy shop/deny-web" in r.stdout
    r = run("paths", "-f", str(ingress), "-f", str(tmp_path / "cnp.yaml"), "--format", "json")
    assert r.exit_code == 3
    data = json.loads(r.stdout)
    assert data["complete"] is False
    verdicts = {(x["host"], x["match"]): x["verdict"] for x in data["routes"]}
    assert verdicts[("app.example.com", "Prefix /")] == "undecided"  # policy hops in shop
    assert verdicts[("app.example.com", "Prefix /api")] == "undecided"
    # Blocked whatever any policy says: the Service has no endpoints.
    assert verdicts[("app.example.com", "Prefix /orders")] == "no"
    # The checkout namespace is not the CiliumNetworkPolicy's: still decided.
    assert verdicts[("checkout.example.com", "Prefix /")] == "yes"


def test_audit_reports_nv704_in_every_format(tmp_path: Path) -> None:
    files = manifests(tmp_path, CNP)
    r = run("audit", "-f", files)
    assert r.exit_code == 3  # warnings only: the gate holds, but the report is incomplete
    assert "NV704" in r.stdout and "incomplete: the input holds 1 traffic policy" in r.stdout
    assert run("audit", "-f", files, "--fail-on", "warning").exit_code == 1
    assert run("audit", "-f", files, "--ignore-kind", "CiliumNetworkPolicy").exit_code == 0
    data = json.loads(run("audit", "-f", files, "--format", "json").stdout)
    assert data["complete"] is False and data["gate"]["exit_status"] == 3
    assert [f["object"] for f in data["findings"] if f["code"] == "NV704"] == [
        "CiliumNetworkPolicy shop/deny-web"]
    sarif = json.loads(run("audit", "-f", files, "--format", "sarif").stdout)
    jsonschema.validate(sarif, SARIF_SCHEMA)
    (inv,) = sarif["runs"][0]["invocations"]
    assert inv["exitCode"] == 3
    (note,) = inv["toolExecutionNotifications"]
    assert note["level"] == "warning" and note["associatedRule"] == {"id": "NV704"}
    assert note["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    md = run("audit", "-f", files, "--format", "md").stdout
    assert "**INCOMPLETE**: the input holds 1 traffic policy" in md
    assert "| **other** | 2/2 | 4/4 ? |" in md  # the namespace matrix marks shop's cells
    html = run("audit", "-f", files, "--format", "html").stdout
    assert "<strong>INCOMPLETE</strong>: the input holds 1 traffic policy" in html
    assert ">4/4 ?</td>" in html


def test_kinds_that_restrict_nothing_stay_quiet(tmp_path: Path) -> None:
    quiet = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: shop}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ciliumnetworkpolicies.cilium.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: shop}
---
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: preview, namespace: shop}
"""
    r = run("can-reach", "shop/web", "shop/api:80", "-f", manifests(tmp_path, quiet),
            "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["complete"] is True
