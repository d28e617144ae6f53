"""Access controls netverify does not evaluate make a reachable path undecided.

Gateway API, HTTPRouteFilter (apis/v1/httproute_types.go): ExtensionRef is "an optional,
implementation-specific extension to the "filter" behavior"; "If a reference to a
custom resource cannot be resolved, the filter MUST NOT be skipped. Instead, requests
that would have been processed by that filter MUST receive a HTTP error response."
ExternalAuth (experimental channel): "ExternalAuth configures settings related to
sending request details to an external auth service", which decides whether the request
is forwarded.  ingress-nginx annotations reference: ``whitelist-source-range`` /
``allowlist-source-range`` "specify allowed client IP source ranges", ``auth-url``
"external authentication", ``auth-type`` basic or digest, ``auth-tls-verify-client``
"Enables verification of client certificates", ``canary`` "the Ingress will be
treated as a canary", ``configuration-snippet`` custom nginx configuration.

Each of these may refuse a request that NetworkPolicy admits, so the answer must not be
a confident "reachable" (exit 3, the hop naming the filter or annotation); a path that
is blocked anyway stays blocked (exit 1).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
INGRESS = ROOT / "fixtures" / "ingress"
MIRROR = ROOT / "fixtures" / "routing" / "mirror.yaml"


def ask(fixture: Path, url: str, *extra: str) -> tuple[int, dict[str, Any]]:
    r = CliRunner().invoke(main, ["can-reach", "internet", url, "-f", str(fixture),
                                  "--format", "json", *extra])
    assert r.exit_code in (0, 1, 3), r.output
    return r.exit_code, json.loads(r.output)


def _shop(tmp_path: Path, annotation: str) -> Path:
    """fixtures/ingress with ``annotation`` added to Ingress shop/app."""
    out = tmp_path / "ingress"
    shutil.copytree(INGRESS, out)
    shop = out / "shop.yaml"
    text = shop.read_text()
    old = "    nginx.ingress.kubernetes.io/proxy-body-size: 10m\n"
    assert old in text
    shop.write_text(text.replace(old, old + f"    {annotation}\n"))
    return out


def test_the_unannotated_ingress_is_reachable():
    code, doc = ask(INGRESS, "https://app.example.com/")
    assert code == 0 and doc["verdict"] == "yes"
    assert not any(h["reason"] == "not-followed" for p in doc["paths"] for h in p["hops"])


def test_a_header_annotation_changes_nothing(tmp_path):
    # proxy-body-size (already there) and a header setting decide nothing about access.
    fx = _shop(tmp_path, "nginx.ingress.kubernetes.io/upstream-vhost: internal.example")
    code, doc = ask(fx, "https://app.example.com/")
    assert code == 0 and doc["verdict"] == "yes"


@pytest.mark.parametrize("annotation, key", [
    ('nginx.ingress.kubernetes.io/whitelist-source-range: "10.0.0.0/8"',
     "nginx.ingress.kubernetes.io/whitelist-source-range"),
    ('nginx.ingress.kubernetes.io/allowlist-source-range: "192.0.2.0/24,198.51.100.7"',
     "nginx.ingress.kubernetes.io/allowlist-source-range"),
    ("nginx.ingress.kubernetes.io/auth-url: https://auth.example.com/verify",
     "nginx.ingress.kubernetes.io/auth-url"),
    ("nginx.ingress.kubernetes.io/auth-type: basic", "nginx.ingress.kubernetes.io/auth-type"),
    ('nginx.ingress.kubernetes.io/auth-tls-verify-client: "on"',
     "nginx.ingress.kubernetes.io/auth-tls-verify-client"),
    ("nginx.ingress.kubernetes.io/configuration-snippet: 'deny all;'",
     "nginx.ingress.kubernetes.io/configuration-snippet"),
    ('nginx.ingress.kubernetes.io/canary: "true"', "nginx.ingress.kubernetes.io/canary"),
    ("traefik.ingress.kubernetes.io/router.middlewares: auth-basic@kubernetescrd",
     "traefik.ingress.kubernetes.io/router.middlewares"),
])
def test_an_access_annotation_makes_the_answer_undecided(tmp_path, annotation, key):
    code, doc = ask(_shop(tmp_path, annotation), "https://app.example.com/")
    assert code == 3 and doc["verdict"] == "undecided"
    (path,) = doc["paths"]
    hops = [h for h in path["hops"] if h["reason"] == "not-followed"]
    assert [(h["status"], h["facts"]["name"], h["facts"]["field"]) for h in hops] == [
        ("undecided", key, "metadata.annotations")]
    assert hops[0]["facts"]["why"] and key in hops[0]["detail"]


@pytest.mark.parametrize("annotation", [
    'nginx.ingress.kubernetes.io/auth-tls-verify-client: "off"',
    'nginx.ingress.kubernetes.io/canary: "false"',
])
def test_settings_that_turn_the_control_off_change_nothing(tmp_path, annotation):
    code, doc = ask(_shop(tmp_path, annotation), "https://app.example.com/")
    assert code == 0 and doc["verdict"] == "yes"


def test_an_allowlist_in_text_output_names_the_annotation(tmp_path):
    fx = _shop(tmp_path, 'nginx.ingress.kubernetes.io/whitelist-source-range: "10.0.0.0/8"')
    r = CliRunner().invoke(main, ["can-reach", "internet", "https://app.example.com/",
                                  "-f", str(fx)])
    assert r.exit_code == 3, r.output
    assert "nginx.ingress.kubernetes.io/whitelist-source-range" in r.output
    assert "admits only clients from 10.0.0.0/8" in r.output


def test_a_blocked_path_stays_blocked_under_an_annotation(tmp_path):
    # /api goes to shop/api, which NetworkPolicy isolates from the controller (README).
    fx = _shop(tmp_path, "nginx.ingress.kubernetes.io/auth-type: basic")
    code, doc = ask(fx, "https://app.example.com/api/users")
    assert code == 1 and doc["verdict"] == "no"


def _gateway(tmp_path: Path, filt: str) -> Path:
    """The mirror fixture's /mirror rule with ``filt`` as its first filter."""
    text = MIRROR.read_text()
    old = "    filters:\n"
    assert text.count(old) >= 1
    out = tmp_path / "gw.yaml"
    out.write_text(text.replace(old, old + filt, 1))
    return out


def test_the_gateway_fixture_is_reachable():
    code, doc = ask(MIRROR, "http://gw.invalid/mirror")
    assert code == 0 and doc["verdict"] == "yes"


def test_an_extensionref_filter_makes_the_answer_undecided(tmp_path):
    fx = _gateway(tmp_path, "    - type: ExtensionRef\n      extensionRef: "
                            "{group: example.com, kind: AuthPolicy, name: staff-only}\n")
    code, doc = ask(fx, "http://gw.invalid/mirror")
    assert code == 3 and doc["verdict"] == "undecided"
    (path,) = doc["paths"]
    (hop,) = [h for h in path["hops"] if h["reason"] == "not-followed"]
    assert (hop["facts"]["name"], hop["facts"]["field"]) == ("ExtensionRef",
                                                             "spec.rules[0].filters[0]")
    assert "AuthPolicy staff-only" in hop["facts"]["why"]
    # no longer a mere note while the verdict stays "yes"
    assert not any("ExtensionRef" in n for n in path["notes"])


def test_an_external_auth_filter_makes_the_answer_undecided(tmp_path):
    fx = _gateway(tmp_path, "    - type: ExternalAuth\n      externalAuth: "
                            "{protocol: HTTP, backendRef: {name: auth, port: 8080}}\n")
    code, doc = ask(fx, "http://gw.invalid/mirror")
    assert code == 3
    (path,) = doc["paths"]
    assert [h["facts"]["name"] for h in path["hops"] if h["reason"] == "not-followed"] == [
        "ExternalAuth"]


def test_a_header_filter_stays_a_note(tmp_path):
    fx = _gateway(tmp_path, "    - type: RequestHeaderModifier\n      "
                            "requestHeaderModifier: {set: [{name: X-A, value: b}]}\n")
    code, doc = ask(fx, "http://gw.invalid/mirror")
    assert code == 0 and doc["verdict"] == "yes"
