"""diff: existing pods grouped, and every possible pod proved or witnessed."""

from __future__ import annotations

from typing import Any

from netverify.queries.diff import diff
from netverify.verdicts import Answer, Change
from tests.support import cluster, deployment, ns, policy, ports

DENY = policy("a", "deny", {"podSelector": {}, "policyTypes": ["Ingress"]})
API = {"podSelector": {"matchLabels": {"app": "api"}}, "ingress": [
    {"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 8080}]}]}


def shop(*extra: dict[str, Any], api: dict[str, Any] | None = None, deny: bool = True,
         web_labels: dict[str, str] | None = None):
    return cluster(
        ns("a"), ns("b", team="b"),
        deployment("a", "web", web_labels or {"app": "web"}),
        deployment("a", "api", {"app": "api"}),
        deployment("b", "client", {"app": "client"}),
        *([DENY] if deny else []),
        policy("a", "api", api or API),
        *extra)


def test_identical_sets_differ_in_nothing_proved():
    r = diff(shop(), shop())
    assert r.rows == () and r.any_allowed is Answer.NO and r.any_denied is Answer.NO


def test_equivalent_despite_different_yaml():
    rewritten = {"podSelector": {"matchExpressions": [
        {"key": "app", "operator": "In", "values": ["api"]}]},
        "ingress": [{"ports": [{"port": 8080, "protocol": "TCP"}],
                     "from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}]}
    r = diff(shop(), shop(api=rewritten))
    assert r.rows == () and r.any_allowed is Answer.NO and r.any_denied is Answer.NO


def test_an_extra_peer_matters_only_for_a_pod_that_could_exist():
    wider = {**API, "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "nope"}}},
                                          {"podSelector": {"matchLabels": {"app": "web"}}}],
                                 "ports": [{"port": 8080}]}]}
    r = diff(shop(), shop(api=wider))
    assert r.rows == ()  # no pod is labelled app=nope today
    assert r.any_allowed is Answer.YES and r.any_denied is Answer.NO
    w = r.witnesses[0]
    assert ("app", "nope") in w.src.labels and w.src.namespace == "a"
    assert (w.protocol.value, w.port) == ("TCP", 8080)


def test_widened_port_range():
    wide = {**API, "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}],
                                "ports": [{"port": 8080, "endPort": 8090}]}]}
    r = diff(shop(), shop(api=wide))
    assert [(x.src, x.dst, x.added, x.removed) for x in r.rows] == [
        ("a/web", "a/api", ports(TCP="8081-8090"), ports())]
    assert r.any_allowed is Answer.YES and r.any_denied is Answer.NO
    assert any("a/api spec.ingress[0]" in rule for rule in r.witnesses[0].rules)


def test_removed_default_deny_newly_allows_and_blocks_nothing():
    r = diff(shop(), shop(deny=False))
    pairs = {(x.src, x.dst) for x in r.rows}
    assert ("b/client", "a/web") in pairs and ("a/api", "a/web") in pairs
    assert all(x.removed.is_empty for x in r.rows)
    assert r.any_allowed is Answer.YES and r.any_denied is Answer.NO


def test_relabelled_deployment_shows_up():
    r = diff(shop(), shop(web_labels={"app": "frontend"}))
    assert [(x.src, x.dst, str(x.removed)) for x in r.rows] == [("a/web", "a/api", "TCP 8080")]
    # the policies did not change: a pod labelled app=web still could
    assert r.any_denied is Answer.NO


def test_change_visible_only_for_a_hypothetical_pod():
    team = policy("a", "from-team", {"podSelector": {"matchLabels": {"app": "api"}},
                                     "ingress": [{"from": [{"namespaceSelector": {
                                         "matchLabels": {"team": "new"}}}]}]})
    r = diff(shop(), shop(team))
    assert r.rows == ()  # no existing namespace has team=new
    assert r.any_allowed is Answer.YES
    w = r.witnesses[0]
    assert w.src.new_namespace and ("team", "new") in w.src.namespace_labels
    assert "a/from-team spec.ingress[0]" in w.rules


def test_whole_namespace_pairs_collapse_to_one_row():
    open_b = policy("a", "from-b", {"podSelector": {}, "ingress": [{"from": [
        {"namespaceSelector": {"matchLabels": {"team": "b"}}}], "ports": [{"port": 443}]}]})
    r = diff(shop(deployment("b", "cron", {"app": "cron"})),
             shop(deployment("b", "cron", {"app": "cron"}), open_b))
    assert [(x.src, x.dst, str(x.added), x.pairs) for x in r.rows] == [
        ("b/*", "a/*", "TCP 443", 4)]


def test_cli_git_revision_formats_and_fail_on(tmp_path, monkeypatch):
    import json
    import shutil
    import subprocess

    from click.testing import CliRunner

    from netverify.cli import main

    repo = tmp_path / "repo"
    shutil.copytree("fixtures/demo", repo / "k8s")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t",
                    "commit", "-qm", "base"], check=True)
    backend = repo / "k8s" / "backend.yaml"
    backend.write_text(backend.read_text().replace("- {port: 5432}",
                                                   "- {port: 5432, endPort: 5440}"))
    runner = CliRunner()
    monkeypatch.chdir(repo)
    r = runner.invoke(main, ["diff", "git:HEAD:k8s", "k8s", "--format", "json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["query"] == "diff" and data["changes"] == []  # 5433+ reaches no pod today
    assert data["any_newly_allowed"] == "yes" and data["any_newly_denied"] == "no"
    assert runner.invoke(main, ["diff", "git:HEAD:k8s", "k8s", "--fail-on", "allow"]
                         ).exit_code == 1
    assert runner.invoke(main, ["diff", "git:HEAD:k8s", "k8s", "--fail-on", "deny"]
                         ).exit_code == 0
    md = runner.invoke(main, ["diff", "git:HEAD:k8s", "k8s", "--format", "md"]).stdout
    assert md.startswith("### Reachability changes")
    bad = runner.invoke(main, ["diff", "git:nope:k8s", "k8s"])
    assert bad.exit_code == 2 and "nope" in bad.stderr


def _v6(with_v6_clients: bool):
    from tests.support import pod

    peers: list[dict[str, Any]] = [{"namespaceSelector": {}}]
    if with_v6_clients:
        peers.append({"ipBlock": {"cidr": "2001:db8::/32"}})
    return cluster(ns("a"), pod("a", "db", {"app": "db"}),
                   policy("a", "db", {"podSelector": {}, "ingress": [{"from": peers}]}))


def test_ipv6_addresses_outside_the_cluster_are_compared_too():
    # Every pod may connect either way: only IPv6 clients outside the cluster change.
    cut = diff(_v6(True), _v6(False))
    assert cut.any_denied is Answer.YES and cut.any_allowed is Answer.NO
    (w,) = [x for x in cut.witnesses if x.direction is Change.DENIED]
    assert w.src.external and ":" in w.src.name  # an IPv6 address
    opened = diff(_v6(False), _v6(True))
    assert opened.any_allowed is Answer.YES and opened.any_denied is Answer.NO


def test_a_diff_witness_gets_an_address_no_existing_pod_has():
    from tests.support import pod

    def db(cidr: str | None):
        peers = [{"ipBlock": {"cidr": cidr}}] if cidr else []
        return cluster(ns("a"), pod("a", "db", {"app": "db"}, ip="10.0.0.9"),
                       pod("a", "c1", {"app": "c"}, ip="10.0.0.4"),
                       policy("a", "db", {"podSelector": {"matchLabels": {"app": "db"}},
                                          "ingress": [{"from": peers}] if peers else []}))

    r = diff(db(None), db("10.0.0.4/30"))
    (w,) = [x for x in r.witnesses if x.direction is Change.ALLOWED]
    addresses = set(w.src.ips) | ({w.src.name} if w.src.external else set())
    assert addresses and "10.0.0.4" not in addresses and "10.0.0.9" not in addresses
