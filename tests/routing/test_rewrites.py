"""URLRewrite: the Host and path the backend gets.

HTTPURLRewriteFilter (apis/v1/httproute_types.go): Hostname "is the value to be used to
replace the Host header value during forwarding"; Path "defines a path rewrite"
(HTTPPathModifier: ReplaceFullPath, or ReplacePrefixMatch "the "/foo" prefix replaced
with "/bar" in matching requests").  Without a rewrite the Host is forwarded unmodified
(HTTPRouteSpec.Hostnames: "MUST forward this header unmodified to the backend").

``fixtures/routing/rewrite.yaml`` holds the conformance tests httproute-rewrite-path and
httproute-rewrite-host; the tables are their requests and the ExpectedRequest each
backend must see.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from netverify.cli import main

FIXTURE = str(Path(__file__).resolve().parents[2] / "fixtures" / "routing" / "rewrite.yaml")


def ask(*args: str) -> tuple[int, dict[str, Any]]:
    r = CliRunner().invoke(main, [*args, "-f", FIXTURE, "--format", "json"])
    assert r.exit_code in (0, 1, 3), r.output
    return r.exit_code, json.loads(r.output)


# (request path, path the backend sees): httproute-rewrite-path.go
REWRITE_PATH = [
    ("/prefix/one/two", "/one/two"),
    ("/strip-prefix/three", "/three"),
    ("/strip-prefix", "/"),
    ("/full/one/two", "/one"),
    ("/full/rewrite-path-and-modify-headers/test", "/test"),
    ("/prefix/rewrite-path-and-modify-headers/one", "/prefix/one"),
]


@pytest.mark.parametrize(("path", "seen"), REWRITE_PATH)
def test_conformance_rewrite_path(path, seen):
    code, doc = ask("can-reach", "internet", f"http://gw.invalid{path}")
    (p,) = doc["paths"]
    assert code == 0 and p["backends"][0]["service"] == "infra/infra-backend-v1"
    # the Host is not rewritten: forwarded unmodified
    assert p["rewritten"] == {"host": "gw.invalid", "path": seen}


# (path, Host the backend sees, backend): httproute-rewrite-host.go (Host rewrite.example)
REWRITE_HOST = [
    ("/one", "one.example.org", "infra/infra-backend-v1"),
    ("/two", "example.org", "infra/infra-backend-v2"),
    ("/rewrite-host-and-modify-headers", "test.example.org", "infra/infra-backend-v2"),
]


@pytest.mark.parametrize(("path", "host", "backend"), REWRITE_HOST)
def test_conformance_rewrite_host(path, host, backend):
    code, doc = ask("can-reach", "internet", f"http://gw.invalid{path}",
                    "-H", "Host: rewrite.example")
    (p,) = doc["paths"]
    assert code == 0 and [b["service"] for b in p["backends"]] == [backend]
    assert p["rewritten"] == {"host": host, "path": path}


def test_no_rewrite_no_rewritten_request_and_text_shows_it():
    _, doc = ask("paths")
    assert all(r["rewritten"] is None for r in doc["routes"])
    # without a request, paths names the rewrite
    assert any("filter URLRewrite (path prefix -> /one)" in n
               for r in doc["routes"] for n in r["notes"])
    r = CliRunner().invoke(main, ["can-reach", "internet", "http://gw.invalid/prefix/one/two",
                                  "-f", FIXTURE])
    assert "rewritten (URLRewrite): the backend gets Host gw.invalid, path /one/two" \
        in r.output


def test_the_other_filters_of_the_rule_are_still_reported_as_not_followed():
    _, doc = ask("can-reach", "internet", "http://gw.invalid/full/rewrite-path-and-modify-"
                 "headers/x")
    (p,) = doc["paths"]
    assert any(n.startswith("filter RequestHeaderModifier") for n in p["notes"])
    assert not any(n.startswith("filter URLRewrite") for n in p["notes"])


def test_a_rewrite_of_prefix_with_an_exact_match_is_rejected(tmp_path):
    # "When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix
    # match must be specified"
    text = Path(FIXTURE).read_text().replace(
        "matches: [{path: {type: PathPrefix, value: /prefix/one}}]",
        "matches: [{path: {type: Exact, value: /prefix/one}}]")
    (tmp_path / "f.yaml").write_text(text)
    r = CliRunner().invoke(main, ["paths", "-f", str(tmp_path / "f.yaml")])
    assert r.exit_code == 2
    assert "when using URLRewrite filter with path.replacePrefixMatch" in r.output
