"""The Host header and the TLS server name apart from the URL: ``-H 'Host: ...'``, ``--sni``.

Gateway API, Listener.Hostname: "HTTPS: The Listener Hostname SHOULD match both the SNI
and Host header. Note that this does not require the SNI and Host header to be the
same." ... "If another Listener has an exact match or more specific wildcard entry, the
Gateway SHOULD return a 421.  If the current Listener (selected by SNI matching during
ClientHello) does not match the Host: If another Listener does match the Host, the
Gateway SHOULD return a 421.  If no other Listener matches the Host, the Gateway MUST
return a 404."  HTTPRouteSpec.Hostnames: "Implementations MUST ignore any port value
specified in the HTTP Host header while performing a match".

``fixtures/routing/misdirected.yaml`` is the conformance test
httproute-https-listener-detect-misdirected-requests; CASES is its table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = str(ROOT / "fixtures" / "routing" / "misdirected.yaml")
METHOD = str(ROOT / "fixtures" / "routing" / "method.yaml")
PATH = "/detect-misdirected-requests"


def ask(*args: str, fixture: str = FIXTURE) -> tuple[int, dict[str, Any]]:
    r = CliRunner().invoke(main, [*args, "-f", fixture, "--format", "json"])
    assert r.exit_code in (0, 1, 3), r.output
    return r.exit_code, json.loads(r.output)


# (serverName, host, status, backend): httproute-https-listener-detect-misdirected-requests.go
CASES = [
    ("example.org", "example.org", 200, "infra/infra-backend-v1"),
    ("example.org", "second-example.org", 421, None),
    ("example.org", "unknown-example.org", 404, None),
    ("second-example.org", "second-example.org", 200, "infra/infra-backend-v2"),
    ("second-example.org", "example.org", 421, None),
    ("second-example.org", "unknown-example.org", 421, None),
    ("third-example.wildcard.org", "third-example.wildcard.org", 200, "infra/infra-backend-v3"),
    ("third-example.wildcard.org", "fith-example.wildcard.org", 200, "infra/infra-backend-v3"),
    ("third-example.wildcard.org", "fourth-example.wildcard.org", 421, None),
    ("third-example.wildcard.org", "second-example.org", 421, None),
    ("third-example.wildcard.org", "unknown-example.org", 421, None),
    ("fourth-example.wildcard.org", "fourth-example.wildcard.org", 200, "infra/infra-backend-v1"),
    ("fourth-example.wildcard.org", "fith-example.wildcard.org", 421, None),
    ("unknown-example.org", "example.org", 200, "infra/infra-backend-v1"),
    ("unknown-example.org", "unknown-example.org", 404, None),
]


@pytest.mark.parametrize(("sni", "host", "status", "backend"), CASES)
def test_conformance_misdirected_requests(sni, host, status, backend):
    # The URL names where the connection goes; --sni and the Host header are the test's.
    code, doc = ask("can-reach", "internet", f"https://gateway.invalid{PATH}",
                    "--sni", sni, "-H", f"Host: {host}")
    assert (doc["host"], doc["sni"]) == (host, sni)
    assert doc["statuses"] == [status]
    if backend is not None:
        (p,) = doc["paths"]
        assert code == 0 and [b["service"] for b in p["backends"]] == [backend]
    elif status == 421:
        (p,) = doc["paths"]
        (hop,) = [h for h in p["hops"] if h["reason"] == "misdirected"]
        assert code == 1 and hop["http_status"] == 421 and hop["status"] == "blocked"
    else:
        assert code == 1 and doc["paths"] == []


def test_the_421_says_which_listener_took_the_connection_and_why():
    _, doc = ask("can-reach", "internet", f"https://fourth-example.wildcard.org{PATH}",
                 "-H", "Host: fith-example.wildcard.org")
    (p,) = doc["paths"]
    assert p["entry"].endswith("listener https-with-hostname-matching-wildcard")
    (hop,) = [h for h in p["hops"] if h["reason"] == "misdirected"]
    facts = hop["facts"]
    assert (facts["name"], facts["other"], facts["sni"], facts["host"]) == (
        "https-with-hostname-matching-wildcard", "https-with-wildcard-hostname",
        "fourth-example.wildcard.org", "fith-example.wildcard.org")
    assert ("fith-example.wildcard.org does not match its hostname "
            "fourth-example.wildcard.org") in hop["detail"]


def test_a_more_specific_listener_for_the_host_is_the_reason_when_ours_matches_too():
    _, doc = ask("can-reach", "internet", f"https://example.org{PATH}",
                 "-H", "Host: second-example.org")
    (hop,) = [h for p in doc["paths"] for h in p["hops"] if h["reason"] == "misdirected"]
    assert "second-example.org matches second-example.org more specifically" in hop["detail"]


def test_the_sni_defaults_to_the_url_host():
    # SNI third-example.wildcard.org (from the URL) with Host fourth-...: 421 as above
    code, doc = ask("can-reach", "internet", f"https://third-example.wildcard.org{PATH}",
                    "-H", "Host: fourth-example.wildcard.org")
    assert doc["sni"] == "third-example.wildcard.org" and doc["statuses"] == [421]
    assert code == 1


def test_the_host_header_port_is_ignored_for_matching():
    code, doc = ask("can-reach", "internet", f"https://gateway.invalid{PATH}",
                    "--sni", "second-example.org", "-H", "Host: second-example.org:1234")
    assert code == 0 and doc["host"] == "second-example.org"
    assert doc["url"] == f"https://gateway.invalid{PATH}"


def test_host_header_routes_plain_http_too():
    # method.yaml: HTTPRoute hostnames [api.example.com]; the URL's host is not it
    code, doc = ask("can-reach", "internet", "http://203.0.113.7/", "-H",
                    "Host: api.example.com", fixture=METHOD)
    assert code == 0 and doc["paths"][0]["route"] == "HTTPRoute infra/method-matching"
    code, _ = ask("can-reach", "internet", "http://203.0.113.7/", fixture=METHOD)
    assert code == 1


def test_text_names_host_and_sni():
    r = CliRunner().invoke(main, ["can-reach", "internet", f"https://gateway.invalid{PATH}",
                                  "--sni", "example.org", "-H", "Host: second-example.org",
                                  "-f", FIXTURE])
    assert r.exit_code == 1
    assert f"-> https://gateway.invalid{PATH} (Host second-example.org, SNI example.org)" \
        in r.output
    assert "✗ Host: misdirected request: the TLS server name example.org selected listener " \
        "https, and Host second-example.org belongs to listener https-with-hostname" in r.output


def test_specs_take_host_and_sni(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"""manifests: [{FIXTURE}]
assertions:
  - name: coalesced connection is refused
    from: internet
    to: https://gateway.invalid{PATH}
    request: {{sni: example.org, headers: {{Host: second-example.org}}}}
    expect: deny
    status: 421
  - name: the wildcard listener serves its hosts
    from: internet
    to: https://third-example.wildcard.org{PATH}
    request: {{headers: {{host: fith-example.wildcard.org}}}}
    expect: allow
    status: 200
""")
    r = CliRunner().invoke(main, ["check", str(spec), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert [x["status"] for x in json.loads(r.output)["results"]] == ["pass", "pass"]


@pytest.mark.parametrize(("args", "says"), [
    (["http://api.example.com/", "--sni", "api.example.com"],
     "a TLS server name (--sni api.example.com) needs an https:// URL"),
    (["http://api.example.com/", "-H", "Host: a b"], "Host header 'a b' is not a host name"),
    (["http://api.example.com/", "-H", "Host: a.example:http"],
     "Host header 'a.example:http' has an invalid port"),
    (["https://api.example.com/", "--sni", "x/y"], "TLS server name 'x/y' is not a host name"),
])
def test_bad_host_or_sni_is_an_input_error(args, says):
    r = CliRunner().invoke(main, ["can-reach", "internet", *args, "-f", METHOD])
    assert r.exit_code == 2, r.output
    assert says in r.output and "Traceback" not in r.output


def test_sni_without_a_url_is_a_usage_error():
    r = CliRunner().invoke(main, ["can-reach", "infra/public-envoy", "infra/infra-backend-v1",
                                  "--sni", "a.example", "-f", METHOD])
    assert r.exit_code == 2 and "and so do --header, --sni" in r.output
