"""ReferenceGrant and invalid backendRefs, read from the Gateway API specification.

Each case edits ``fixtures/routing/reference-grant.yaml`` (an HTTPRoute in infra whose
one rule splits traffic between web-backend in namespace backend and local in infra)
and asks netverify, citing the field documentation it follows (apis/v1 of
kubernetes-sigs/gateway-api, and the conformance tests named).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from netverify.cli import main
from netverify.hop_text import hop_detail
from netverify.loader import load_text
from netverify.model import Cluster
from netverify.queries.paths import can_reach_url, paths
from netverify.results import Hop, HopReason, RoutedPath
from netverify.verdicts import Answer, HopStatus

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "routing" / "reference-grant.yaml"
URL = "http://shop.example.com/"


def docs() -> list[dict[str, Any]]:
    return list(yaml.safe_load_all(FIXTURE.read_text()))


def find(items: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (hit,) = [d for d in items if d["kind"] == kind and d["metadata"]["name"] == name]
    return hit


def load(items: list[dict[str, Any]]) -> Cluster:
    return load_text(yaml.safe_dump_all(items, sort_keys=False), "grant.yaml")


def path_of(items: list[dict[str, Any]], **kw: Any) -> RoutedPath:
    (p,) = can_reach_url(load(items), "internet", URL, **kw).paths
    return p


def backend_hop(p: RoutedPath, service: str) -> Hop:
    (h,) = [h for h in p.hops if h.step.endswith(f"svc/{service}:8080")]
    return h


def with_grant(edit: Any) -> list[dict[str, Any]]:
    items = docs()
    edit(find(items, "ReferenceGrant", "from-infra"))
    return items


def test_a_matching_grant_permits_the_reference():
    """ReferenceGrant: "trusted to reference the specified kinds of resources in the same
    namespace as the policy" — from {gateway.networking.k8s.io, HTTPRoute, infra}, to
    {"", Service, web-backend} (conformance: httproute-reference-grant)."""
    p = path_of(docs())
    assert p.verdict is Answer.YES
    h = backend_hop(p, "backend/web-backend")
    assert h.status is HopStatus.OK and h.reason.http_status is None


def _from(field: str, value: str):
    return lambda g: g["spec"]["from"][0].__setitem__(field, value)


def _to(field: str, value: str):
    return lambda g: g["spec"]["to"][0].__setitem__(field, value)


# Conformance httproute-invalid-reference-grant: one grant per field, each wrong alone.
WRONG = [
    # ReferenceGrantFrom.Group: "Group is the group of the referent."
    pytest.param(_from("group", "not-the-group-youre-looking-for"), "from.group", id="from-group"),
    # ReferenceGrantFrom.Kind: "When used to permit a BackendObjectReference: HTTPRoute ..."
    pytest.param(_from("kind", "Gateway"), "from.kind", id="from-kind"),
    # ReferenceGrantFrom.Namespace: "Namespace is the namespace of the referent."
    pytest.param(_from("namespace", "not-the-namespace"), "from.namespace", id="from-namespace"),
    # ReferenceGrantTo.Group: "When empty, the Kubernetes core API group is inferred."
    pytest.param(_to("group", "not-the-group-youre-looking-for"), "to.group", id="to-group"),
    # ReferenceGrantTo.Kind: "Service when used to permit a BackendObjectReference"
    pytest.param(_to("kind", "Secret"), "to.kind", id="to-kind"),
    # ReferenceGrantTo.Name: "Name is the name of the referent."
    pytest.param(_to("name", "not-the-service-youre-looking-for"), "to.name", id="to-name"),
    # "identifies kinds of resources in other namespaces that are trusted to reference the
    # specified kinds of resources in the same namespace as the policy": a grant in the
    # route's namespace permits nothing in backend.
    pytest.param(lambda g: g["metadata"].__setitem__("namespace", "infra"), None,
                 id="grant-in-the-route-namespace"),
]


@pytest.mark.parametrize(("edit", "field"), WRONG)
def test_a_grant_wrong_in_one_field_does_not_permit_and_that_share_gets_500(edit, field):
    """HTTPBackendRef: a BackendRef is invalid when it "refers a resource in another
    namespace when the reference has not been explicitly allowed by a ReferenceGrant"
    (RefNotPermitted); HTTPRouteRule.BackendRefs: "If multiple backends are specified, and
    some are invalid, the proportion of requests that would otherwise have been routed to
    an invalid backend MUST receive a 500 status code"."""
    p = path_of(with_grant(edit))
    assert p.verdict is Answer.NO
    bad = backend_hop(p, "backend/web-backend")
    assert bad.status is HopStatus.BLOCKED and bad.reason.code is HopReason.REF_NOT_PERMITTED
    assert bad.reason.http_status == 500
    # the other backend of the same rule still gets its share
    good = backend_hop(p, "infra/local")
    assert good.status is HopStatus.OK and good.reason.http_status is None
    (share,) = [b.share for b in p.backends if b.service == "backend/web-backend"]
    assert share == pytest.approx(0.5)
    if field is None:
        assert bad.reason.grants == ()
    else:
        ((name, why),) = bad.reason.grants
        assert name == "from-infra" and why.startswith(field)
        assert field in hop_detail(bad)


def test_to_name_unset_permits_every_service_of_the_namespace():
    """ReferenceGrantTo.Name: "When unspecified, this policy refers to all resources of the
    specified Group and Kind in the local namespace"."""
    p = path_of(with_grant(lambda g: g["spec"]["to"][0].pop("name")))
    assert p.verdict is Answer.YES
    assert not [n for n in p.notes if "ReferenceGrant" in n]  # decided, not assumed


def test_from_and_to_entries_are_each_ored():
    """ReferenceGrantSpec.From: "entries MUST be combined using OR" (To likewise)."""
    def edit(g: dict[str, Any]) -> None:
        g["spec"]["from"].insert(0, {"group": "gateway.networking.k8s.io", "kind": "GRPCRoute",
                                     "namespace": "infra"})
        g["spec"]["to"].insert(0, {"group": "", "kind": "Service", "name": "other"})
    p = path_of(with_grant(edit))
    assert p.verdict is Answer.YES
    assert not [n for n in p.notes if "ReferenceGrant" in n]  # decided, not assumed


def test_two_grants_each_missing_half_do_not_add_up():
    """Each ReferenceGrant "can be used to represent a unique trust relationship": a from
    entry of one grant does not combine with a to entry of another."""
    items = with_grant(_from("kind", "Gateway"))
    other = json.loads(json.dumps(find(items, "ReferenceGrant", "from-infra")))
    other["metadata"]["name"] = "second"
    other["spec"]["from"][0]["kind"] = "HTTPRoute"
    other["spec"]["to"][0]["kind"] = "Secret"
    p = path_of([*items, other])
    bad = backend_hop(p, "backend/web-backend")
    assert bad.reason.code is HopReason.REF_NOT_PERMITTED
    assert sorted(n for n, _ in bad.reason.grants) == ["from-infra", "second"]


def test_reference_policy_is_read_like_a_grant():
    """ReferencePolicy is the v1alpha2 name of ReferenceGrant: same fields, same rule."""
    items = with_grant(_from("namespace", "elsewhere"))
    g = find(items, "ReferenceGrant", "from-infra")
    assert path_of(items).verdict is Answer.NO
    g["kind"], g["apiVersion"] = "ReferencePolicy", "gateway.networking.k8s.io/v1alpha2"
    g["spec"]["from"][0]["namespace"] = "infra"
    assert path_of(items).verdict is Answer.YES


def _route_backends(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    refs: list[dict[str, Any]] = find(items, "HTTPRoute", "shop")["spec"]["rules"][0][
        "backendRefs"]
    return refs


def test_a_missing_service_is_backend_not_found_and_gets_500():
    """HTTPBackendRef: invalid if "It refers to a resource that does not exist"
    (BackendNotFound); conformance httproute-invalid-nonexistent-backendref expects 500."""
    items = docs()
    _route_backends(items)[1]["name"] = "nonexistent"
    p = path_of(items)
    bad = backend_hop(p, "infra/nonexistent")
    assert bad.reason.code is HopReason.NO_SERVICE and bad.reason.http_status == 500
    assert "BackendNotFound" in hop_detail(bad) and "503" not in hop_detail(bad)
    assert backend_hop(p, "backend/web-backend").status is HopStatus.OK


def test_a_service_without_endpoints_gets_503():
    """HTTPRouteRule.BackendRefs: "When a HTTPBackendRef refers to a Service that has no
    ready endpoints, implementations SHOULD return a 503 for requests to that backend"."""
    items = docs()
    find(items, "Service", "local")["spec"]["selector"] = {"app": "nobody"}
    bad = backend_hop(path_of(items), "infra/local")
    assert bad.reason.code is HopReason.NO_ENDPOINTS and bad.reason.http_status == 503


def test_a_rule_without_backends_gets_500():
    """HTTPRouteRule.BackendRefs: "If *all* entries in BackendRefs are invalid, and there
    are also no filters specified in this route rule, *all* traffic which matches this
    rule MUST receive a 500 status code" — and none at all forwards nothing either."""
    items = docs()
    find(items, "HTTPRoute", "shop")["spec"]["rules"][0].pop("backendRefs")
    p = path_of(items)
    (h,) = [h for h in p.hops if h.reason.code is HopReason.NO_BACKENDS]
    assert h.status is HopStatus.BLOCKED and h.reason.http_status == 500
    assert hop_detail(h).endswith("(the proxy answers 500)")


UNKNOWN_KIND = {"group": "unknownkind.example.com", "kind": "NonExistent",
                "name": "local", "port": 8080}


def test_an_unknown_backend_kind_is_invalid_kind_and_gets_500():
    """HTTPBackendRef: invalid if "It refers to an unknown or unsupported kind of resource"
    (InvalidKind); conformance httproute-invalid-backendref-unknown-kind expects 500."""
    items = docs()
    _route_backends(items)[1] = dict(UNKNOWN_KIND)
    p = path_of(items)
    assert p.verdict is Answer.NO
    (bad,) = [h for h in p.hops if h.reason.code is HopReason.INVALID_KIND]
    assert bad.status is HopStatus.BLOCKED and bad.reason.http_status == 500
    assert (bad.reason.group, bad.reason.kind) == ("unknownkind.example.com", "NonExistent")
    text = hop_detail(bad)
    assert "InvalidKind" in text and "supports this kind" in text
    assert backend_hop(p, "backend/web-backend").status is HopStatus.OK


def test_a_service_of_another_group_is_not_a_service():
    """BackendObjectReference.Group: "When unspecified or empty string, core API group is
    inferred" — kind Service in another group is some other resource."""
    items = docs()
    _route_backends(items)[1]["group"] = "example.com"
    p = path_of(items)
    assert [h.reason.code for h in p.hops if h.reason.code is HopReason.INVALID_KIND]


def test_a_declared_backend_kind_is_not_followed_and_stays_undecided():
    """Support for other kinds is "Implementation-specific": with --backend-kind the user
    says the implementation supports it, and netverify cannot follow it."""
    items = docs()
    _route_backends(items)[1] = dict(UNKNOWN_KIND)
    p = path_of(items, backend_kinds=[("unknownkind.example.com", "NonExistent")])
    assert p.verdict is Answer.UNDECIDED
    (h,) = [h for h in p.hops if h.reason.code is HopReason.BACKEND_KIND]
    assert h.status is HopStatus.UNDECIDED and h.reason.http_status is None


def test_paths_lists_the_same_answers():
    items = with_grant(_to("name", "other"))
    (route,) = paths(load(items)).routes
    assert route.verdict is Answer.NO
    assert backend_hop(route, "backend/web-backend").reason.http_status == 500


# -- the CLI -------------------------------------------------------------------------------


def run(tmp_path: Path, items: list[dict[str, Any]], *args: str) -> Any:
    f = tmp_path / "in.yaml"
    f.write_text(yaml.safe_dump_all(items, sort_keys=False))
    return CliRunner().invoke(main, [*args, "-f", str(f)])


def test_cli_json_carries_the_status_of_each_share(tmp_path):
    r = run(tmp_path, with_grant(_from("kind", "Gateway")), "can-reach", "internet", URL,
            "--format", "json")
    assert r.exit_code == 1, r.output
    doc = json.loads(r.output)
    (path,) = doc["paths"]
    statuses = {b["service"]: b["http_status"] for b in path["backends"]}
    assert statuses == {"backend/web-backend": 500, "infra/local": None}
    (hop,) = [h for h in path["hops"] if h["reason"] == "ref-not-permitted"]
    assert hop["http_status"] == 500
    assert hop["facts"]["grants"] == [{"name": "from-infra",
                                       "why": "from.kind is 'Gateway', not 'HTTPRoute'"}]


def test_cli_backend_kind_option(tmp_path):
    items = docs()
    _route_backends(items)[1] = dict(UNKNOWN_KIND)
    assert run(tmp_path, items, "can-reach", "internet", URL).exit_code == 1
    r = run(tmp_path, items, "can-reach", "internet", URL,
            "--backend-kind", "unknownkind.example.com/NonExistent")
    assert r.exit_code == 3, r.output
    r = run(tmp_path, items, "paths", "--backend-kind", "nonsense")
    assert r.exit_code == 2 and "GROUP/KIND" in r.output


@pytest.mark.parametrize(("edit", "field"), [
    (lambda g: g["spec"].pop("from"), "spec.from"),
    (lambda g: g["spec"]["to"][0].pop("group"), "spec.to[0].group"),
    (lambda g: g["spec"]["from"][0].pop("namespace"), "spec.from[0].namespace"),
    (lambda g: g["spec"]["to"][0].__setitem__("kind", 7), "spec.to[0].kind"),
])
def test_a_malformed_grant_is_an_input_error(tmp_path, edit, field):
    """ReferenceGrantSpec: from and to are required (MinItems 1); group, kind and (from)
    namespace are required fields."""
    r = run(tmp_path, with_grant(edit), "paths")
    assert r.exit_code == 2, r.output
    assert "ReferenceGrant backend/from-infra" in r.output and field in r.output
    assert "Traceback" not in r.output
