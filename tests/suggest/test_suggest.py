"""``netverify suggest``: the suggestion meets the intent among existing pods, and says so.

The semantics checked are the Kubernetes API reference's for NetworkPolicy
(https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/):
"If any NetworkPolicy objects select a particular pod, and those policies have Ingress set
in their policyTypes, then that pod is isolated for ingress" and connections are allowed
when "at least one NetworkPolicy ... allows" them on each side.  The connectivity after the
suggestion is computed by the pair-by-pair reference evaluator (``Evaluator``), not by the
all-pairs engine the proof uses.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from netverify.cli import main
from netverify.engines.concrete import Evaluator
from netverify.loader import load_cluster, load_text
from netverify.model import Cluster
from netverify.ports import PortSet, Protocol
from netverify.results import IntentFlow, ProofStatus, SuggestResult
from netverify.suggest import suggest
from netverify.suggest.flows_file import FlowsError, parse_ports, read_flows
from netverify.suggest.intent import Workloads
from netverify.suggest.labels import choose_selectors
from tests.support import cluster, deployment, ns, pod, policy

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "fixtures" / "demo")


def applied(before: Cluster, result: SuggestResult, *, keep: bool) -> Cluster:
    """``before`` with the suggestion applied as a user would: its YAML read by the loader."""
    added = load_text("---\n".join(t for _, t in result.documents), "suggestion.yaml").policies
    edited = {e.key for e in result.edits}  # edited ones come back whole, deleted ones do not
    kept = tuple(p for p in before.policies
                 if (keep or p.namespace not in result.namespaces) and p.key not in edited)
    return replace(before, policies=(*kept, *added))


def pod_matrix(c: Cluster) -> dict[tuple[str, str], PortSet]:
    """Every ordered pod pair's allowed ports, pair by pair (loopback of real pods left out)."""
    ev = Evaluator(c)
    return {(a.key, b.key): ev.allowed_ports(a, b) for a in c.pods for b in c.pods
            if a.key != b.key or a.is_template}


def tcp(port: int) -> PortSet:
    return PortSet.of(Protocol.TCP, port)


# -- --lock-current on the demo --------------------------------------------------------------

def test_lock_current_replace_reproduces_the_demo_matrix() -> None:
    """The suggested policies alone (the demo's own removed) give the demo's connectivity."""
    demo = load_cluster([DEMO])
    r = suggest(demo, lock_current=True, replace_existing=True)
    assert r.proved and not r.failed, r.checks
    assert r.pod_pairs == len(demo.pods) ** 2  # every pod is a workload representative
    assert set(r.removed) == {p.key for p in demo.policies}
    after = applied(demo, r, keep=False)
    assert not any(p.name in {q.name for q in demo.policies} for p in after.policies)
    assert pod_matrix(after) == pod_matrix(demo)


def test_lock_current_on_the_demo_without_policies_keeps_everything_open() -> None:
    """With its policies removed every pair is open today; locking that changes nothing."""
    bare = replace(load_cluster([DEMO]), policies=())
    r = suggest(bare, lock_current=True)
    assert r.proved, r.checks
    after = applied(bare, r, keep=True)
    assert pod_matrix(after) == pod_matrix(bare)
    assert all(ps.is_all for ps in pod_matrix(after).values())


# -- a flows file --------------------------------------------------------------------------

def test_flows_file_on_the_demo_allows_exactly_the_flows_and_dns() -> None:
    demo = load_cluster([DEMO])
    flows = read_flows(str(ROOT / "fixtures" / "suggest" / "demo-flows.csv"))
    r = suggest(demo, flows, replace_existing=True)
    assert r.proved, (r.checks, r.mismatches)
    m = pod_matrix(applied(demo, r, keep=False))
    dns = PortSet.of(Protocol.UDP, 53).union(tcp(53))
    expected = {
        ("frontend/web", "backend/api"): tcp(8080),
        ("backend/api", "backend/db"): tcp(5432),
        ("monitoring/prometheus", "backend/api"): tcp(9090),
        ("monitoring/prometheus", "frontend/web"): tcp(8080),
        # "kube-system" is not touched: coredns keeps what it had (everything open)
        ("kube-system/coredns", "kube-system/coredns"): PortSet.all(),
    }
    for src in ("frontend/web", "backend/api", "backend/db", "monitoring/prometheus"):
        expected[(src, "kube-system/coredns")] = dns  # the implied DNS egress
    for pair, got in m.items():
        assert got == expected.get(pair, PortSet.empty()), pair


def test_named_ports_and_stable_labels_are_used() -> None:
    c = cluster(ns("a"),
                deployment("a", "web", {"app.kubernetes.io/name": "web", "app": "w"},
                           ports=[{"name": "http", "containerPort": 8080}]),
                deployment("a", "cli", {"app.kubernetes.io/name": "cli"}))
    r = suggest(c, [IntentFlow(src="a/cli", dst="a/web", ports=tcp(8080), origin="t")])
    assert r.proved
    web = next(p for p in r.policies if p.workload == "a/web")
    assert web.selector == (("app.kubernetes.io/name", "web"),)
    assert web.manifest["spec"]["ingress"][0]["ports"] == [  # type: ignore[index]
        {"protocol": "TCP", "port": "http"}]


def test_unstable_labels_are_never_selectors() -> None:
    """pod-template-hash and its kind change per revision or name one replica."""
    w = Workloads.of(cluster(
        ns("a"),
        pod("a", "x-1", {"pod-template-hash": "abc", "statefulset.kubernetes.io/pod-name": "x",
                         "controller-revision-hash": "r1"}),
        pod("a", "y-1", {"pod-template-hash": "def", "app": "y"})))
    got = choose_selectors(w.pods, w.by_namespace["a"])
    assert got["a/x-1"].labels == ()  # nothing stable: it can only be told apart by others
    assert got["a/x-1"].also == ("a/y-1",)
    assert got["a/y-1"].labels == (("app", "y"),)


def test_dns_egress_goes_to_kube_dns_when_the_dns_is_not_in_the_input() -> None:
    c = cluster(ns("a"), deployment("a", "web", {"app": "web"}),
                deployment("a", "cli", {"app": "cli"}))
    r = suggest(c, [IntentFlow(src="a/cli", dst="a/web", ports=tcp(80), origin="t")])
    dns = next(p for p in r.policies if p.name == "netverify-allow-dns")
    assert dns.manifest["spec"] == {  # type: ignore[comparison-overlap]
        "podSelector": {},
        "egress": [{"to": [{"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
            "ports": [{"protocol": "TCP", "port": 53}, {"protocol": "UDP", "port": 53}]}],
        "policyTypes": ["Egress"]}


# -- what cannot be met ---------------------------------------------------------------------

def test_a_kept_allow_all_policy_is_deleted_when_nothing_of_it_is_needed() -> None:
    """Policies are additive: an existing allow-all ingress cannot be narrowed by additions.

    "If any NetworkPolicy objects select a particular pod ... that pod is isolated", and
    then a connection is allowed if "at least one NetworkPolicy ... allows" it: no added
    policy takes back what ``open`` admits (``b/other`` -> ``a/web``), so the suggestion
    edits it.  ``open`` selects every pod of ``a`` and its one rule admits every peer:
    the only flow it serves (``a/cli`` -> ``a/web`` TCP 80) cannot be kept without also
    admitting ``a/cli`` -> ``a/cli``, so the rule goes, and with it the policy (the
    namespace's default deny isolates its pods).
    """
    c = cluster(ns("a"), ns("b"), deployment("a", "web", {"app": "web"}),
                deployment("a", "cli", {"app": "cli"}), deployment("b", "other", {"app": "o"}),
                policy("a", "open", {"podSelector": {}, "ingress": [{}]}))
    flows = [IntentFlow(src="a/cli", dst="a/web", ports=tcp(80), origin="t")]
    r = suggest(c, flows)
    assert r.proved, (r.checks, r.mismatches, r.unmet)
    assert [(e.key, e.action) for e in r.edits] == [("a/open", "delete")]
    assert "b/other -> a/web all" in r.edits[0].rules[0].lost
    assert "a/open" not in r.kept
    m = pod_matrix(applied(c, r, keep=True))
    assert all(ps == (tcp(80) if a.startswith("a/cli") and b.startswith("a/web")
                      else PortSet.empty()) for (a, b), ps in m.items()
               if a.startswith("a/") or b.startswith("a/"))
    assert suggest(c, flows, replace_existing=True).proved  # --replace starts from nothing


def test_a_flow_from_a_host_network_pod_cannot_be_met() -> None:
    c = cluster(ns("a"), pod("a", "agent", {"app": "agent"}, host_network=True),
                deployment("a", "web", {"app": "web"}))
    r = suggest(c, [IntentFlow(src="a/agent", dst="a/web", ports=tcp(80), origin="f:1")])
    assert r.failed
    assert any("host network" in u for u in r.unmet)


def test_indistinguishable_workloads_with_different_intents_fail_with_the_reason() -> None:
    c = cluster(ns("a"), deployment("a", "one", {"app": "same"}),
                deployment("a", "two", {"app": "same"}), deployment("a", "cli", {"app": "cli"}))
    r = suggest(c, [IntentFlow(src="a/cli", dst="a/one", ports=tcp(80), origin="t")])
    assert r.failed
    assert any("no stable label tells" in m.reason for m in r.mismatches)


# -- the CNI ---------------------------------------------------------------------------------

def test_end_port_is_avoided_on_cilium_before_1_16() -> None:
    """Cilium < 1.16 ignores endPort: a short range is written port by port."""
    c = cluster(ns("a"), deployment("a", "web", {"app": "web"}),
                deployment("a", "cli", {"app": "cli"}))
    flows = [IntentFlow(src="a/cli", dst="a/web", ports=PortSet.of(Protocol.TCP, 8000, 8003),
                        origin="t")]
    old = suggest(c, flows, cni="cilium@1.14")
    new = suggest(c, flows, cni="cilium@1.16")
    assert old.proved and new.proved
    web_old = next(p for p in old.policies if p.workload == "a/web").manifest
    web_new = next(p for p in new.policies if p.workload == "a/web").manifest
    assert "endPort" not in yaml.safe_dump(dict(web_old))
    assert web_new["spec"]["ingress"][0]["ports"] == [  # type: ignore[index]
        {"protocol": "TCP", "port": 8000, "endPort": 8003}]


def test_a_plugin_that_enforces_no_policy_fails_the_cni_check() -> None:
    """Flannel does not implement NetworkPolicy: the suggestion holds on paper only."""
    c = cluster(ns("a"), deployment("a", "cli", {"app": "cli"}),
                deployment("a", "web", {"app": "w"}), deployment("a", "db", {"app": "db"}))
    flows = [IntentFlow(src="a/cli", dst="a/web", ports=tcp(80), origin="t")]
    r = suggest(c, flows, cni="flannel")
    cni = next(x for x in r.checks if x.name.startswith("the CNI"))
    assert cni.status is ProofStatus.FAILED
    assert "Flannel" in cni.detail
    assert r.failed
    assert next(x for x in suggest(c, flows, cni="calico").checks
                if x.name.startswith("the CNI")).status is ProofStatus.PROVED


# -- hostile names ---------------------------------------------------------------------------

# The loader rejects invalid label values, but takes names (namespaces, workloads, container
# ports) as the manifests spell them; label values may still be YAML's special words.
HOSTILE = ["a: b", "#x", "line\nbreak", "*star", "&anchor", "'q\"", "\u00fcn\u00ef\u202ecode",
           "- dash", "{flow}", "!tag", "@at", "%pct", "..up", "--- x"]
YAML_WORDS = ["null", "true", "no", "on", "0x10", "1e3", "0755", "1.0", "Y"]


def _documents(r: SuggestResult) -> tuple[str, list[dict[str, object]]]:
    text = "---\n".join(t for _, t in r.documents)
    return text, [d for d in yaml.safe_load_all(text) if d]


def _assert_safe(text: str) -> None:
    """No character that ends a comment line or hides in a terminal reaches the file raw.

    (A name that broke a comment line open would also make the objects read back differ.)
    """
    assert all(ch.isprintable() or ch == "\n" for ch in text)
    assert "\u202e" not in text


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_quoted(name: str, tmp_path: Path) -> None:
    c = cluster(ns(name), deployment(name, name, {"app": "web"},
                                     ports=[{"name": name, "containerPort": 80}]),
                deployment(name, "cli", {"app": "cli"}))
    r = suggest(c, [IntentFlow(src=f"{name}/cli", dst=f"{name}/{name}", ports=tcp(80),
                               origin=name)])
    assert r.proved, (r.checks, r.mismatches)
    text, docs = _documents(r)
    assert docs == [dict(p.manifest) for p in r.policies]  # read back to the same objects
    assert {d["metadata"]["namespace"] for d in docs} == {name}
    web = next(p for p in r.policies if p.workload == f"{name}/{name}")
    # not a valid IANA service name, so a policy cannot name it: the number is written
    assert web.manifest["spec"]["ingress"][0]["ports"] == [  # type: ignore[index]
        {"protocol": "TCP", "port": 80}]
    _assert_safe(text)
    reread = load_text(text, "s.yaml")  # and the loader reads them as the proof did
    assert {p.name for p in reread.policies} == {p.name for p in r.policies}


@pytest.mark.parametrize("value", YAML_WORDS)
def test_label_values_that_are_yaml_words_stay_strings(value: str) -> None:
    c = cluster(ns("a"), deployment("a", "web", {"app": value}),
                deployment("a", "cli", {"app": "cli", "team": value}))
    r = suggest(c, [IntentFlow(src="a/cli", dst="a/web", ports=tcp(80), origin="t")])
    assert r.proved
    text, docs = _documents(r)
    web = next(d for d in docs if d["metadata"]["name"] == "netverify-allow-web")
    assert web["spec"]["podSelector"] == {"matchLabels": {"app": value}}
    _assert_safe(text)


def test_hostile_namespace_is_a_safe_file_name(tmp_path: Path) -> None:
    m = tmp_path / "m.yaml"
    m.write_text(yaml.safe_dump_all([ns("..a:b"), deployment("..a:b", "web", {"app": "web"}),
                                     deployment("..a:b", "cli", {"app": "cli"})]))
    f = tmp_path / "flows.csv"
    f.write_text("..a:b/cli,..a:b/web,80\n")
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["suggest", str(f), "-f", str(m), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert os.listdir(out) == ["__a_b.yaml"]
    assert not (tmp_path / "up.yaml").exists()


# -- the command -------------------------------------------------------------------------------

def test_cli_writes_one_file_per_namespace_and_exits_0(tmp_path: Path) -> None:
    out = tmp_path / "policies"
    r = CliRunner().invoke(main, ["suggest", "--lock-current", "--replace", "-f", DEMO,
                                  "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert sorted(os.listdir(out)) == ["backend.yaml", "frontend.yaml", "kube-system.yaml",
                                       "monitoring.yaml"]
    assert "PROVED" in r.stdout
    loaded = load_cluster([str(out)])
    assert {p.namespace for p in loaded.policies} == {"backend", "frontend", "kube-system",
                                                      "monitoring"}


def test_cli_prints_no_policy_and_exits_1_when_not_met(tmp_path: Path) -> None:
    """An AdminNetworkPolicy Allow admits b/other into a: no NetworkPolicy edit takes it back."""
    m = tmp_path / "m.yaml"
    m.write_text(yaml.safe_dump_all([
        ns("a"), ns("b"), deployment("a", "web", {"app": "web"}),
        deployment("a", "cli", {"app": "cli"}), deployment("b", "other", {"app": "o"}),
        {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy",
         "metadata": {"name": "open"},
         "spec": {"priority": 10, "subject": {"namespaces": {}},
                  "ingress": [{"action": "Allow", "from": [{"namespaces": {}}]}]}}]))
    f = tmp_path / "flows.csv"
    f.write_text("a/cli,a/web,80\n")
    r = CliRunner().invoke(main, ["suggest", str(f), "-f", str(m)])
    assert r.exit_code == 1, r.output
    assert "NOT PROVED" in r.stdout
    assert not [d for d in yaml.safe_load_all(r.stdout) if d]  # comments only


@pytest.mark.parametrize(("line", "message"), [
    ("a/cli,a/nope,80", "flows.csv:2: endpoint 'a/nope': no workload or pod 'nope'"),
    ("a/cli,a/web,80/ftp", "flows.csv:2: ports '80/ftp' is not"),
    ("a/cli,a/web", "flows.csv:2: expected 3 fields"),
    ("a/cli,a/web,70000", "flows.csv:2: ports '70000' is outside 1-65535"),
])
def test_cli_bad_flows_exit_2_naming_file_and_line(tmp_path: Path, line: str,
                                                   message: str) -> None:
    m = tmp_path / "m.yaml"
    m.write_text(yaml.safe_dump_all([ns("a"), deployment("a", "web", {"app": "web"}),
                                     deployment("a", "cli", {"app": "cli"})]))
    f = tmp_path / "flows.csv"
    f.write_text(f"source,destination,ports\n{line}\n")
    r = CliRunner().invoke(main, ["suggest", str(f), "-f", str(m)])
    assert r.exit_code == 2, r.output
    assert message in r.stderr
    assert "Traceback" not in r.output


def test_flows_ports_syntax() -> None:
    assert parse_ports("TCP/80 53/UDP 8000-8002", "x") == PortSet.from_map(
        {Protocol.TCP: [(80, 80), (8000, 8002)], Protocol.UDP: [(53, 53)]})
    assert parse_ports("udp", "x") == PortSet.of(Protocol.UDP, 1, 65535)
    assert parse_ports("any", "x").is_all
    with pytest.raises(FlowsError, match="x: ports 'TCP/80/UDP'"):
        parse_ports("TCP/80/UDP", "x")


def test_yaml_flows_file(tmp_path: Path) -> None:
    f = tmp_path / "flows.yaml"
    f.write_text("flows:\n- {source: a/cli, destination: a/web, ports: [TCP/80, 443]}\n"
                 "- {source: internet, destination: a/web}\n")
    got = read_flows(str(f))
    assert [(x.src, x.dst, x.ports) for x in got] == [
        ("a/cli", "a/web", tcp(80).union(tcp(443))), ("internet", "a/web", PortSet.all())]
    f.write_text("flows:\n- {source: 3, destination: a/web}\n")
    with pytest.raises(FlowsError, match=r"flows\[0\]\.source"):
        read_flows(str(f))


def test_peers_in_other_namespaces_are_named_by_their_namespace() -> None:
    """Same labels in another namespace: "namespaceSelector ... selects particular
    namespaces for which all Pods should be allowed"; without it a peer means the policy's
    own namespace, and an empty one every namespace."""
    c = cluster(ns("a"), ns("b"), ns("c"), deployment("a", "cli", {"app": "cli"}),
                deployment("c", "cli", {"app": "cli"}), deployment("b", "web", {"app": "web"}))
    r = suggest(c, [IntentFlow(src="a/cli", dst="b/web", ports=tcp(80), origin="t")],
                namespaces=("a", "b", "c"))
    assert r.proved, r.mismatches
    m = pod_matrix(applied(c, r, keep=True))
    assert m[("a/cli", "b/web")] == tcp(80)
    assert m[("c/cli", "b/web")].is_empty
    web = next(p for p in r.policies if p.workload == "b/web")
    assert web.manifest["spec"]["ingress"][0]["from"] == [  # type: ignore[index]
        {"podSelector": {"matchLabels": {"app": "cli"}},
         "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "a"}}}]


def _owned(namespace: str, name: str, labels: dict[str, str], owner: str) -> dict[str, object]:
    doc = pod(namespace, name, labels)
    doc["metadata"]["ownerReferences"] = [  # type: ignore[index]
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner, "uid": "u",
         "controller": True}]
    return doc


def test_lock_current_keeps_pod_by_pod_differences_made_by_kept_policies() -> None:
    """Mid-rollout: one workload's pods differ (version v1/v2) and a kept policy admits only v2.

    Pods selected by a policy keep exactly what it allows ("isolated ... allowed by at least
    one NetworkPolicy"); a rule written for the whole workload would open v1 too, so the
    side kept policies already isolate gets no rule, and every pod pair keeps its ports.
    """
    c = cluster(ns("a"), ns("b"),
                _owned("a", "api-x", {"app": "api", "version": "v1"}, "api-rs"),
                _owned("a", "api-y", {"app": "api", "version": "v2"}, "api-rs"),
                deployment("b", "cli", {"app": "cli"}),
                policy("a", "deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
                policy("a", "v2", {"podSelector": {"matchLabels": {"version": "v2"}},
                                   "ingress": [{"from": [{"namespaceSelector": {}}],
                                                "ports": [{"port": 80}]}]}))
    before = pod_matrix(c)
    assert before[("b/cli", "a/api-y")] == tcp(80) and before[("b/cli", "a/api-x")].is_empty
    r = suggest(c, lock_current=True)
    assert r.proved, (r.checks, r.mismatches, r.unmet)
    assert pod_matrix(applied(c, r, keep=True)) == before
    # with --replace the kept policy is gone: one policy per workload cannot keep v1 shut
    assert suggest(c, lock_current=True, replace_existing=True).failed


def test_policies_netverify_does_not_evaluate_make_the_answer_incomplete() -> None:
    """Exit 3, never a confident yes: an unevaluated traffic policy could change any pair."""
    r = CliRunner().invoke(main, ["suggest", "--lock-current", "-f",
                                  str(ROOT / "fixtures" / "unevaluated"), "--explain"])
    assert r.exit_code == 3, r.output
    assert "UNDECIDED" in r.stdout and "not evaluated" in r.stdout
