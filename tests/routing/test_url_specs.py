"""Spec assertions about a URL: ``from: internet``, ``to: https://...``, ``request``, ``status``.

A URL assertion asks what ``can-reach internet URL`` answers (Ingress and Gateway API
routing, then NetworkPolicy on each hop).  The requests are those of the Gateway API
conformance test httproute-method-matching (``fixtures/routing/method.yaml``).
HTTPRouteMatch.Method: "When specified, this route will be matched only if the request has
the specified method."  A request no rule of an accepting listener matches is a 404
(GEP-1364 / HTTPRoute "If no matching rule is found ... a 404 status code MUST be
returned"); a Service without endpoints answers 503.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from netverify.cli import main

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "routing" / "method.yaml"

# Only the pods of infra-backend-v1 are isolated, and nothing admits the gateway to them.
DENY_V1 = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: v1-isolated, namespace: infra}
spec:
  podSelector: {matchLabels: {app: infra-backend-v1}}
  policyTypes: [Ingress]
"""


def run(tmp_path: Path, assertions: str, *extra: str, policy: bool = False
        ) -> tuple[int, str]:
    manifests = [str(FIXTURE)]
    if policy:
        (tmp_path / "deny.yaml").write_text(DENY_V1)
        manifests.append(str(tmp_path / "deny.yaml"))
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"manifests: {json.dumps(manifests)}\nassertions:\n{assertions}")
    r = CliRunner().invoke(main, ["check", str(spec), *extra])
    return r.exit_code, r.output


def results(tmp_path: Path, assertions: str, **kw: bool) -> tuple[int, list[dict]]:
    code, out = run(tmp_path, assertions, "--format", "json", **kw)
    return code, json.loads(out)["results"]


def one(name: str, to: str, expect: str, extra: str = "", frm: str = "internet") -> str:
    return (f"  - name: {name}\n    from: {frm}\n    to: {to}\n    expect: {expect}\n"
            + "".join(f"    {line}\n" for line in extra.splitlines()))


@pytest.mark.parametrize(("method", "path", "expect", "status", "outcome", "reason"), [
    # POST / goes to infra-backend-v1 (rule 0: method POST)
    ("POST", "/", "allow", 200, "pass", "url-answered"),
    # GET / goes to infra-backend-v2 (rule 1: method GET): a deny fails
    ("GET", "/", "deny", None, "fail", "url-delivered"),
    # HEAD / matches no rule: 404, not delivered
    ("HEAD", "/", "deny", 404, "pass", "url-answered"),
    ("HEAD", "/", "allow", None, "fail", "url-not-delivered"),
    # delivered, but the spec wants another status
    ("PATCH", "/path5", "allow", 503, "fail", "url-status"),
])
def test_url_assertion_outcomes(tmp_path, method, path, expect, status, outcome, reason):
    extra = f"request: {{method: {method}}}" + (f"\nstatus: {status}" if status else "")
    code, (r,) = results(tmp_path, one("q", f"http://api.example.com{path}", expect, extra))
    assert (r["status"], r["reason"]) == (outcome, reason), r["message"]
    assert r["facts"]["url"]["method"] == method
    assert code == (0 if outcome == "pass" else 1)


def test_statuses_are_in_the_facts(tmp_path):
    _, (get, head) = results(tmp_path, one("get", "http://api.example.com/", "allow")
                             + one("head", "http://api.example.com/", "deny",
                                   "request: {method: HEAD}"))
    assert get["facts"]["url"]["statuses"] == [200]
    assert head["facts"]["url"]["statuses"] == [404]
    assert "(404)" in head["facts"]["url"]["why"]


def test_headers_take_part_in_matching(tmp_path):
    # rule 3: PUT with header version: one -> infra-backend-v2; PUT without it: 404
    spec = (one("with", "http://api.example.com/", "allow",
                "request: {method: PUT, headers: {version: one}}")
            + one("without", "http://api.example.com/", "deny", "request: {method: PUT}"))
    code, (a, b) = results(tmp_path, spec)
    assert (a["status"], b["status"]) == ("pass", "pass") and code == 0


def test_networkpolicy_on_the_backend_fails_an_allow(tmp_path):
    code, (r,) = results(tmp_path, one("post", "http://api.example.com/", "allow",
                                       "request: {method: POST}"), policy=True)
    assert (r["status"], r["reason"]) == ("fail", "url-not-delivered")
    assert r["facts"]["url"]["hop"]["reason"] == "endpoints-unreachable"
    assert "NetworkPolicy blocks the proxy from infra/infra-backend-v1" in r["message"]
    assert code == 1


def test_an_entry_point_without_pods_is_undecided(tmp_path):
    # the Ingress's class nginx has no controller pods in the input
    code, (r,) = results(tmp_path, one("legacy", "http://legacy.example.com/", "allow"))
    assert (r["status"], r["reason"]) == ("undecided", "url-undecided")
    assert r["facts"]["url"]["hop"]["reason"] == "no-proxy-pods" and code == 3


def test_text_and_junit(tmp_path):
    spec = one("head is refused", "http://api.example.com/", "allow",
               "request: {method: HEAD}")
    code, text = run(tmp_path, spec)
    assert code == 1
    assert "HEAD http://api.example.com/ is not delivered" in text
    code, xml = run(tmp_path, spec, "--format", "junit")
    assert '<failure message="HEAD http://api.example.com/ is not delivered' in xml


@pytest.mark.parametrize(("assertion", "says"), [
    (one("q", "infra/infra-backend-v1:3000", "allow", "request: {method: POST}"),
     "assertions[0].request asks about a URL, and 'to' is not one"),
    (one("q", "infra/infra-backend-v1:3000", "allow", "status: 200"),
     "assertions[0].status asks about a URL"),
    (one("q", "http://api.example.com/", "allow", "port: 80"),
     "assertions[0].port does not apply to a URL"),
    (one("q", "http://api.example.com/", "allow", frm="{namespace: infra}"),
     "assertions[0].from: a request to a URL comes from outside the cluster"),
    (one("q", "http://api.example.com/", "allow", "status: 999"),
     "999 is greater than the maximum of 599"),
    (one("q", "http://api.example.com/", "allow", "request: {method: 'GE T'}"),
     "does not match"),
])
def test_invalid_url_assertions_are_input_errors(tmp_path, assertion, says):
    code, out = run(tmp_path, assertion)
    assert code == 2, out
    assert says in out and "spec.yaml" in out and "Traceback" not in out


def test_a_source_that_is_not_outside_is_an_invalid_endpoint(tmp_path):
    _, (r,) = results(tmp_path, one("q", "http://api.example.com/", "allow",
                                    frm="infra/public-envoy"))
    assert (r["status"], r["reason"]) == ("fail", "invalid-endpoint")
    assert "source 'infra/public-envoy' is not 'internet' or an IP address" in r["message"]
