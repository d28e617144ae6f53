"""Minimal edits of kept policies: what the intent denies is taken out of the rules admitting it.

NetworkPolicy is additive (API reference, NetworkPolicy v1: "If any NetworkPolicy objects
select a particular pod ... that pod is isolated"; traffic is then allowed when it is
allowed by "at least one NetworkPolicy" selecting the pod), so denying a pair that a kept
rule admits takes an edit of that rule, never an addition.  The result is applied as a
user applies it: the YAML read back by the loader, each edited policy replacing the one
of the same namespace and name, each deleted one gone; connectivity is then computed by
the pair-by-pair reference evaluator, not by the all-pairs engine the proof uses.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from netverify.cli import main
from netverify.engines.concrete import Evaluator
from netverify.loader import load_cluster, load_text
from netverify.model import Cluster
from netverify.ports import PortSet, Protocol
from netverify.results import IntentFlow, ProofStatus, SuggestResult
from netverify.suggest import suggest
from netverify.suggest.intent import Workloads
from netverify.suggest.labels import choose_selectors
from tests import strategies as S
from tests.support import cluster, deployment, ns, policy


def applied(before: Cluster, r: SuggestResult) -> Cluster:
    """``before`` with the suggestion applied: additions and edits added, deletions done."""
    got = load_text("---\n".join(t for _, t in r.documents), "suggestion.yaml").policies
    gone = {e.key for e in r.edits}
    return replace(before, policies=(*(p for p in before.policies if p.key not in gone), *got))


def ports_of(c: Cluster, src: str, dst: str) -> PortSet:
    pods = {p.key: p for p in c.pods}
    return Evaluator(c).allowed_ports(pods[src], pods[dst])


def tcp(port: int) -> PortSet:
    return PortSet.of(Protocol.TCP, port)


def _spec(tmp_path: Path, assertions: list[dict[str, object]]) -> str:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({"assertions": assertions}))
    return str(path)


def _pod_key(c: Cluster, group: str) -> str:
    return next(p.key for p in c.pods if p.group == group)


def test_a_spec_deny_allowed_by_a_broad_kept_rule_gets_an_edit(tmp_path: Path) -> None:
    """``expect: deny`` for a pair a ``namespaceSelector: {}`` rule admits today.

    "namespaceSelector ... If present but empty, it selects all namespaces": the kept rule
    admits ``b/other``; the spec forbids it; what the rule admits besides (``a/cli`` and
    ``a/web`` into ``a/web``, every port) keeps working.  Only ``a`` is put under default
    deny, so ``b/other``'s egress stays open and only the edit can deny the pair.
    """
    c = cluster(ns("a"), ns("b"), deployment("a", "web", {"app": "web"}),
                deployment("a", "cli", {"app": "cli"}), deployment("b", "other", {"app": "o"}),
                policy("a", "web-in", {"podSelector": {"matchLabels": {"app": "web"}},
                                       "ingress": [{"from": [{"namespaceSelector": {}}]}]}))
    spec = _spec(tmp_path, [{"name": "other never reaches web", "from": "b/other",
                             "to": "a/web", "expect": "deny"}])
    r = suggest(c, specs=[spec], namespaces=("a",))
    assert r.proved, (r.checks, r.mismatches, r.unmet)
    assert {x.name: x.status for x in r.checks}["diff before/after is the intended change"] \
        is ProofStatus.PROVED
    assert [(e.key, e.action) for e in r.edits] == [("a/web-in", "edit")]
    (rule,) = r.edits[0].rules
    assert rule.lost == ("b/other -> a/web all",)
    assert "a/cli -> a/web all" in rule.kept
    after = applied(c, r)
    web, cli, other = (_pod_key(c, g) for g in ("a/web", "a/cli", "b/other"))
    assert ports_of(after, other, web).is_empty
    assert ports_of(after, cli, web).is_all  # as today
    # every other pair keeps today's ports
    ev_b, ev_a = Evaluator(c), Evaluator(after)
    for x in c.pods:
        for y in c.pods:
            if (x.key, y.key) != (other, web) and x.key != y.key:
                assert ev_a.allowed_ports(x, y) == ev_b.allowed_ports(x, y), (x.key, y.key)


def test_a_rule_serving_intended_and_unintended_flows_is_narrowed_not_dropped(
        tmp_path: Path) -> None:
    """The kept rule admits ``a/cli`` (intended) and every other namespace (not intended).

    The edit keeps the rule for ``a/cli`` on TCP 80, so the kept policy alone still
    serves the intended flow; everything else of the object (labels, the other rule,
    written as in the file) stays as it was.
    """
    other_rule = {"from": [{"ipBlock": {"cidr": "203.0.113.0/24"}}],
                  "ports": [{"protocol": "TCP", "port": 443}]}
    docs = [ns("a"), ns("b"), deployment("a", "web", {"app": "web"}),
            deployment("a", "cli", {"app": "cli"}), deployment("b", "other", {"app": "o"}),
            policy("a", "web-in", {"podSelector": {"matchLabels": {"app": "web"}},
                                   "ingress": [{"from": [{"namespaceSelector": {}}],
                                                "ports": [{"protocol": "TCP", "port": 80}]},
                                               other_rule]})]
    docs[-1]["metadata"]["labels"] = {"team": "web", "note": "a: b # c"}
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    c = load_cluster([str(path)])
    flows = [IntentFlow(src="a/cli", dst="a/web", ports=tcp(80), origin="t")]
    r = suggest(c, flows)
    assert r.proved, (r.checks, r.mismatches, r.unmet)
    (edit,) = r.edits
    assert (edit.key, edit.action) == ("a/web-in", "edit")
    (rule,) = edit.rules
    assert rule.index == 0 and rule.kept == ("a/cli -> a/web TCP 80",)
    assert "b/other -> a/web TCP 80" in rule.lost
    (obj,) = [p.manifest for p in r.policies if p.edit is not None]
    assert obj["metadata"]["labels"] == {"team": "web", "note": "a: b # c"}  # type: ignore[index]
    ingress = obj["spec"]["ingress"]  # type: ignore[index]
    assert ingress[0] == {"from": [{"podSelector": {"matchLabels": {"app": "cli"}}}],
                          "ports": [{"protocol": "TCP", "port": 80}]}
    assert ingress[1] == other_rule
    after = applied(c, r)
    web, cli, other = (_pod_key(c, g) for g in ("a/web", "a/cli", "b/other"))
    assert ports_of(after, cli, web) == tcp(80)
    assert ports_of(after, other, web).is_empty
    # the edited kept policy serves the flow on its own: without the added allow for web
    alone = replace(after, policies=tuple(p for p in after.policies
                                          if p.name != "netverify-allow-web"))
    assert ports_of(alone, cli, web) == tcp(80)


def test_replace_makes_no_edit() -> None:
    """``--replace`` starts from nothing: the touched namespaces' policies are dropped whole."""
    c = cluster(ns("a"), deployment("a", "web", {"app": "web"}),
                deployment("a", "cli", {"app": "cli"}),
                policy("a", "open", {"podSelector": {}, "ingress": [{}]}))
    flows = [IntentFlow(src="a/cli", dst="a/web", ports=tcp(80), origin="t")]
    r = suggest(c, flows, replace_existing=True)
    assert r.proved and r.edits == () and r.removed == ("a/open",)
    assert not any(p.purpose == "edit" for p in r.policies)


def test_what_an_admin_network_policy_allows_is_not_edited_and_exits_1() -> None:
    """An AdminNetworkPolicy ``Allow`` "cannot be overridden" by NetworkPolicy: exit 1."""
    c = cluster(ns("a"), ns("b"), deployment("a", "web", {"app": "web"}),
                deployment("b", "other", {"app": "o"}),
                {"apiVersion": "policy.networking.k8s.io/v1alpha1",
                 "kind": "AdminNetworkPolicy", "metadata": {"name": "open"},
                 "spec": {"priority": 10, "subject": {"namespaces": {}},
                          "ingress": [{"action": "Allow", "from": [{"namespaces": {}}]}]}})
    flows = [IntentFlow(src="a/web", dst="a/web", ports=tcp(80), origin="t")]
    r = suggest(c, flows)
    assert r.failed and r.edits == ()
    assert any("AdminNetworkPolicy" in m.reason for m in r.mismatches)


def test_cli_prints_the_edit_in_yaml_json_and_explain(tmp_path: Path) -> None:
    docs = [ns("a"), ns("b"), deployment("a", "web", {"app": "web"}),
            deployment("a", "cli", {"app": "cli"}), deployment("b", "other", {"app": "o"}),
            policy("a", "web-in", {"podSelector": {"matchLabels": {"app": "web"}},
                                   "ingress": [{"from": [{"namespaceSelector": {}}]}]})]
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    (tmp_path / "f.csv").write_text("a/cli,a/web,TCP/80\n")
    args = ["suggest", "-f", str(path), str(tmp_path / "f.csv")]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    assert "# Edit of the existing policy a/web-in" in out.stdout
    objs = [d for d in yaml.safe_load_all(out.stdout) if d]
    assert [o["metadata"]["name"] for o in objs].count("web-in") == 1
    js = CliRunner().invoke(main, [*args, "--format", "json"])
    doc = yaml.safe_load(js.stdout)
    assert doc["edits"][0]["name"] == "web-in"
    assert "b/other -> a/web all" in doc["edits"][0]["rules"][0]["flows_lost"]
    ex = CliRunner().invoke(main, [*args, "--explain"])
    assert "edited policy" in ex.stdout and "a/web-in" in ex.stdout


# -- property: random kept policies, random intent -------------------------------------------

PORTS = st.sampled_from([PortSet.of(Protocol.TCP, 80), PortSet.of(Protocol.UDP, 53),
                         PortSet.of(Protocol.TCP, 8000, 8100), PortSet.all()])


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(manifests=S.clusters(max_pods=5), data=st.data())
def test_additions_and_edits_give_exactly_the_intent(manifests: list[S.Manifest],
                                                     data: st.DataObject) -> None:
    """Kept random policies (no --replace): applied with the edits, the matrix is the intent.

    Among existing pods with a side in a touched namespace (a random non-empty set) the
    allowed ports are exactly the intended ones, the other pairs keep today's; or the
    suggestion refuses, for a reason no NetworkPolicy edit gets around (selectors that
    cannot tell workloads apart, the host network, no common address family, an ipBlock
    rule, which is not narrowed).
    """
    c = load_text(S.to_yaml(manifests), "random.yaml")
    workloads = Workloads.of(c)
    groups = sorted(workloads.pods)
    spaces = sorted(workloads.by_namespace)
    touched = data.draw(st.sets(st.sampled_from(spaces), min_size=1), label="touched")
    ends = st.sampled_from(groups)
    drawn = data.draw(st.lists(st.tuples(ends, ends, PORTS), max_size=5), label="flows")
    flows = [IntentFlow(src=a, dst=b, ports=p, origin=f"f:{i}")
             for i, (a, b, p) in enumerate(drawn)
             if workloads.namespace_of(a) in touched or workloads.namespace_of(b) in touched]
    r = suggest(c, flows, namespaces=tuple(sorted(touched)))
    note(f"checks: {r.checks}\nmismatches: {r.mismatches}\nunmet: {r.unmet}\nedits: {r.edits}")
    event("edited" if r.edits else "no edit")
    if not r.proved:
        event("refused")
        collide = any(ch.also for gs in workloads.by_namespace.values()
                      for ch in choose_selectors(workloads.pods, gs).values())
        host = any(p.host_network for p in c.pods)
        apart = any(not (a.families & b.families) for a in c.pods for b in c.pods)
        ip_rule = any(peer.ip_block is not None for p in c.policies
                      for d in ("ingress", "egress") for rule in getattr(p, d)
                      for peer in rule.peers or ())
        assert r.mismatches or r.unmet
        assert collide or host or apart or ip_rule, "refused without a reason"
        kept_reason = any("kept" in m.reason for m in r.mismatches)
        assert not kept_reason or ip_rule or collide, "kept rules left unedited"
        return

    def intended(a: str, b: str) -> PortSet:
        out = PortSet.empty()
        for f in flows:
            if f.src == a and f.dst == b:
                out = out.union(f.ports)
        return out

    after = applied(c, r)
    ev, ev_before = Evaluator(after), Evaluator(c)
    for a in c.pods:
        for b in c.pods:
            if a.key == b.key and not a.is_template:
                continue
            # pairs with no side in a touched namespace keep today's ports
            want = intended(a.group, b.group) if {a.namespace, b.namespace} & touched \
                else ev_before.allowed_ports(a, b)
            assert ev.allowed_ports(a, b) == want, (a.key, b.key)
