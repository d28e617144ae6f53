"""Services as destinations: DNS names, ports to targetPorts, endpoints, the seed's failures."""

from __future__ import annotations

from typing import Any

import pytest

from netverify.errors import QueryError
from netverify.loader import load_cluster
from netverify.queries.can_reach import can_reach
from tests.support import cluster, ns, pod, policy


def service(namespace: str, name: str, selector: dict[str, str] | None, ports: list[dict[str, Any]],
            **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ports": ports, **spec}
    if selector is not None:
        body["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace}, "spec": body}


@pytest.fixture(scope="module")
def demo():
    return load_cluster(["fixtures/demo"])


@pytest.mark.parametrize("dst", ["api.backend:80", "api.backend.svc:80",
                                 "api.backend.svc.cluster.local:80", "svc/backend/api:80",
                                 "svc/backend/api:http"])
def test_every_service_name_form(demo, dst):
    r = can_reach(demo, "frontend/web", dst, policy_only=True)
    assert r.dst == "svc/backend/api" and r.allowed
    assert [str(p.allowed) for p in r.pairs] == ["TCP 8080"]  # targetPort http -> 8080


def test_short_name_resolves_in_the_clients_namespace(demo):
    assert can_reach(demo, "backend/api", "db:5432", policy_only=True).allowed
    with pytest.raises(QueryError):
        can_reach(demo, "frontend/web", "db:5432", policy_only=True)  # no frontend/db


def test_named_target_port_resolves_per_endpoint_and_missing_names_are_said():
    c = cluster(ns("a"),
                pod("a", "v1", {"app": "s"}, ports=[{"containerPort": 8080, "name": "web"}]),
                pod("a", "v2", {"app": "s"}, ports=[{"containerPort": 9090, "name": "web"}]),
                pod("a", "old", {"app": "s"}, ports=[{"containerPort": 80}]),
                pod("a", "client"),
                service("a", "s", {"app": "s"}, [{"port": 80, "targetPort": "web"}]))
    r = can_reach(c, "a/client", "s.a:80", policy_only=True)
    got = {p.dst.name: str(p.allowed) for p in r.pairs}
    assert got == {"a/v1": "TCP 8080", "a/v2": "TCP 9090", "a/old": "none"}
    assert not r.allowed
    assert any("a/old declares no container port named 'web'" in c for c in r.caveats)


def test_selector_matching_nothing_is_the_empty_endpoints_failure():
    c = cluster(ns("a"), pod("a", "api", {"app": "api"}), pod("a", "client"),
                service("a", "api", {"app": "apii"}, [{"port": 80}]))  # the seed's typo
    r = can_reach(c, "a/client", "api.a:80", policy_only=True)
    assert not r.allowed and r.pairs == ()
    assert any("has no endpoints" in c and "app=apii" in c for c in r.caveats)


def test_headless_external_name_and_unknown_port():
    c = cluster(ns("a"), pod("a", "db", {"app": "db"}), pod("a", "client"),
                service("a", "db", {"app": "db"}, [{"port": 5432}], clusterIP="None"),
                service("a", "ext", None, [], type="ExternalName",
                        externalName="db.example.com"),
                policy("a", "deny", {"podSelector": {"matchLabels": {"app": "db"}},
                                     "policyTypes": ["Ingress"]}))
    r = can_reach(c, "a/client", "db.a:5432", policy_only=True)
    assert not r.allowed and any("headless" in x for x in r.caveats)
    with pytest.raises(QueryError, match="ExternalName"):
        can_reach(c, "a/client", "ext.a:443", policy_only=True)
    with pytest.raises(QueryError, match="has no port 80"):
        can_reach(c, "a/client", "svc/a/db:80", policy_only=True)
