"""Every Service type of the seed, on the bundled fixture: what each forwards, and to whom."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from netverify.cli import main
from netverify.errors import QueryError
from netverify.loader import load_cluster
from netverify.queries.can_reach import can_reach
from netverify.queries.paths import paths

FIXTURE = str(Path(__file__).resolve().parents[2] / "fixtures" / "services")


@pytest.fixture(scope="module")
def store():
    return load_cluster([FIXTURE])


def _targets(result):
    return {(p.dst.name, str(p.allowed)) for p in result.pairs}


@pytest.mark.parametrize("dst", ["web.store:80", "svc/store/web-nodeport:80"])
def test_cluster_ip_and_node_port_resolve_a_named_target_port_per_workload(store, dst):
    r = can_reach(store, "store/client", dst, policy_only=True)
    # blue names http 8080, green names http 9090: each endpoint on its own number
    assert _targets(r) == {("store/web-blue", "TCP 8080"), ("store/web-green", "TCP 9090")}
    assert r.allowed


def test_load_balancer_selects_only_its_endpoints(store):
    r = can_reach(store, "store/client", "web-public.store:443", policy_only=True)
    assert _targets(r) == {("store/web-blue", "TCP 8080")}


def test_headless_service_is_said_and_judged_on_the_pods(store):
    r = can_reach(store, "store/client", "db.store.svc.cluster.local:5432", policy_only=True)
    assert _targets(r) == {("store/db", "TCP 5432")}
    assert any("headless" in c for c in r.caveats)


def test_external_name_has_no_endpoints_to_check(store):
    with pytest.raises(QueryError, match=r"ExternalName .*api\.payments\.example\.net"):
        can_reach(store, "store/client", "payments.store:443")


def test_the_policy_decides_per_endpoint_not_per_service(store):
    # db is not selected by the web policy; web pods admit only the client
    r = can_reach(store, "store/db", "web.store:80", policy_only=True)
    assert not r.allowed and {p.dst.name for p in r.pairs} == {"store/web-blue",
                                                                "store/web-green"}


def test_paths_lists_node_port_and_load_balancer_exposure(store):
    result = paths(store, policy_only=True)
    exposed = {e.service: e for e in result.exposed}
    assert set(exposed) == {"store/web-nodeport", "store/web-public"}
    assert exposed["store/web-nodeport"].ports == ("80/TCP -> http (nodePort 30080)",)
    assert exposed["store/web-nodeport"].endpoints == ("store/web-blue", "store/web-green")
    # the web policy admits only the client pods: nothing from outside reaches them
    assert exposed["store/web-nodeport"].reachable == ()
    assert exposed["store/web-public"].external_traffic_policy == "Local"
    assert any("client IP is kept" in n for n in exposed["store/web-public"].notes)


def test_cli_exit_codes_per_service_type():
    run = CliRunner().invoke
    assert run(main, ["can-reach", "store/client", "web.store:80", "-f", FIXTURE]).exit_code == 0
    assert run(main, ["can-reach", "store/db", "web.store:80", "-f", FIXTURE]).exit_code == 1
    r = run(main, ["can-reach", "store/client", "payments.store:443", "-f", FIXTURE])
    assert r.exit_code == 2 and "ExternalName" in r.stderr
