"""RequestMirror: the mirrored copies are a second path from the Gateway's pods.

HTTPRequestMirrorFilter (apis/v1/httproute_types.go): BackendRef "references a resource
where mirrored requests are sent"; "If the referent cannot be found, this BackendRef is
invalid and must be dropped from the Gateway"; "If there is a cross-namespace reference
to an *existing* object that is not allowed by a ReferenceGrant, the controller must
ensure the "ResolvedRefs" condition on the Route is set to status: False, with the
"RefNotPermitted" reason and not configure this backend"; Percent / Fraction: "If
neither field is specified, 100% of requests will be mirrored", "Only one of Fraction or
Percent may be specified".  HTTPRouteFilterType RequestMirror: "Responses from the
mirrored backend are ignored" (conformance test httproute-request-mirror: the client
gets infra-backend-v1's answer, infra-backend-v2 receives the copy).

``fixtures/routing/mirror.yaml``: that test's route, and a 50% mirror to a namespace that
denies all ingress.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from netverify.cli import main

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "routing" / "mirror.yaml"


def ask(*args: str, fixture: Path = FIXTURE) -> tuple[int, dict[str, Any]]:
    r = CliRunner().invoke(main, [*args, "-f", str(fixture), "--format", "json"])
    assert r.exit_code in (0, 1, 3), r.output
    return r.exit_code, json.loads(r.output)


def test_conformance_request_mirror():
    code, doc = ask("can-reach", "internet", "http://gw.invalid/mirror")
    (p,) = doc["paths"]
    assert [b["service"] for b in p["backends"]] == ["infra/infra-backend-v1"]
    (m,) = p["mirrors"]
    assert (m["service"], m["port"], m["fraction"]) == ("infra/infra-backend-v2", "8080", 1)
    assert m["endpoints"] == m["reachable"] == ["infra/infra-backend-v2"]
    assert m["hop"]["status"] == "ok" and m["field"] == "spec.rules[0].filters[0]"
    assert code == 0 and doc["statuses"] == [200]


def test_a_mirror_blocked_by_networkpolicy_is_reported_and_the_answer_stays():
    code, doc = ask("can-reach", "internet", "http://gw.invalid/shadow")
    (p,) = doc["paths"]
    (m,) = p["mirrors"]
    assert m["fraction"] == 0.5 and m["reachable"] == []
    assert (m["hop"]["status"], m["hop"]["reason"]) == ("blocked", "endpoints-unreachable")
    assert m["hop"]["blocked_pairs"] == [{"from": "infra/same-namespace-envoy",
                                          "to": "shadow/recorder"}]
    assert any(n.startswith("RequestMirror at spec.rules[1].filters[0]: the copies to "
                            "svc/shadow/recorder:8080 do not arrive") for n in p["notes"])
    assert code == 0 and p["verdict"] == "yes" and doc["verdict"] == "yes"


def test_text_lists_the_mirror_as_a_second_path():
    r = CliRunner().invoke(main, ["can-reach", "internet", "http://gw.invalid/shadow",
                                  "-f", str(FIXTURE)])
    assert r.exit_code == 0
    assert ("mirror (spec.rules[1].filters[0], 50% of requests, responses ignored): "
            "svc/shadow/recorder:8080 -> 3000 on shadow/recorder") in r.output
    assert "✗ mirror: Gateway infra/same-namespace -> svc/shadow/recorder:8080" in r.output


def test_paths_lists_mirrors_and_their_failures():
    code, doc = ask("paths")
    mirrors = {m["service"]: m["hop"]["status"] for r in doc["routes"] for m in r["mirrors"]}
    assert mirrors == {"infra/infra-backend-v2": "ok", "shadow/recorder": "blocked"}
    assert all(r["verdict"] == "yes" for r in doc["routes"]) and code == 0


@pytest.mark.parametrize(("edit", "reason"), [
    # the referent cannot be found
    (("{name: recorder, namespace: shadow, port: 8080}",
      "{name: gone, namespace: shadow, port: 8080}"), "no-service"),
    # a cross-namespace reference no ReferenceGrant permits
    (("kind: ReferenceGrant", "kind: ReferenceGrantX"), "ref-not-permitted"),
])
def test_an_invalid_mirror_backend_is_dropped_and_the_answer_stays(tmp_path, edit, reason):
    text = FIXTURE.read_text().replace(*edit)
    if edit[1] == "kind: ReferenceGrantX":  # drop the grant document altogether
        text = "\n---\n".join(d for d in text.split("\n---\n") if "ReferenceGrantX" not in d)
    f = tmp_path / "m.yaml"
    f.write_text(text)
    code, doc = ask("can-reach", "internet", "http://gw.invalid/shadow", fixture=f)
    ((m,),) = [p["mirrors"] for p in doc["paths"]]
    assert (m["hop"]["status"], m["hop"]["reason"]) == ("blocked", reason)
    assert doc["verdict"] == "yes" and code == 0


@pytest.mark.parametrize(("settings", "says"), [
    ("percent: 50\n        fraction: {numerator: 1}",
     "only one of fraction or percent may be specified"),
    ("percent: 101", "percent 101 is not 0-100"),
    ("fraction: {numerator: 3, denominator: 2}", "fraction 3/2 is not a fraction"),
])
def test_invalid_mirror_shares_are_input_errors(tmp_path, settings, says):
    f = tmp_path / "m.yaml"
    f.write_text(FIXTURE.read_text().replace("percent: 50", settings))
    r = CliRunner().invoke(main, ["paths", "-f", str(f)])
    assert r.exit_code == 2, r.output
    assert says in r.output and "m.yaml" in r.output and "Traceback" not in r.output
