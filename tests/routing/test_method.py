"""HTTP method, asked from the CLI: ``can-reach internet URL -X METHOD`` and ``paths -X``.

``fixtures/routing/method.yaml`` holds the HTTPRoute of the Gateway API conformance test
httproute-method-matching; the table below is that test's requests and the backend (or
404) it expects.  HTTPRouteMatch.Method: "Method specifies HTTP method matcher. When
specified, this route will be matched only if the request has the specified method."
Ingress (networking.k8s.io/v1) has no method field: its rules match host and path only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from netverify.cli import main

FIXTURE = str(Path(__file__).resolve().parents[2] / "fixtures" / "routing" / "method.yaml")


def ask(*args: str) -> tuple[int, dict[str, Any]]:
    r = CliRunner().invoke(main, [*args, "-f", FIXTURE, "--format", "json"])
    assert r.exit_code in (0, 1, 3), r.output
    return r.exit_code, json.loads(r.output)


# (method, path, headers, backend or None for 404): httproute-method-matching.go
CASES = [
    ("POST", "/", (), "infra/infra-backend-v1"),
    ("GET", "/", (), "infra/infra-backend-v2"),
    ("HEAD", "/", (), None),
    ("GET", "/path1", (), "infra/infra-backend-v1"),
    ("PUT", "/", ("version: one",), "infra/infra-backend-v2"),
    ("POST", "/path2", ("version: two",), "infra/infra-backend-v3"),
    ("PATCH", "/path3", (), "infra/infra-backend-v1"),
    ("DELETE", "/path4", ("version: three",), "infra/infra-backend-v1"),
    ("PUT", "/", (), None),
    ("DELETE", "/path4", (), None),
    ("PATCH", "/path5", (), "infra/infra-backend-v1"),
    ("PATCH", "/", ("version: four",), "infra/infra-backend-v2"),
]


@pytest.mark.parametrize(("method", "path", "headers", "backend"), CASES)
def test_conformance_method_matching(method, path, headers, backend):
    args = ["can-reach", "internet", f"http://api.example.com{path}", "-X", method]
    for h in headers:
        args += ["-H", h]
    code, doc = ask(*args)
    assert doc["method"] == method
    if backend is None:
        assert code == 1 and doc["paths"] == []
        assert any(f"no HTTPRoute rule matches {method} {path} (404)" in n
                   for n in doc["notes"])
    else:
        assert code == 0
        (p,) = doc["paths"]
        assert [b["service"] for b in p["backends"]] == [backend]


def test_the_404_names_the_methods_that_would_be_routed():
    _, doc = ask("can-reach", "internet", "http://api.example.com/", "--method", "HEAD")
    (note,) = [n for n in doc["notes"] if "(404)" in n]
    assert note.endswith("rules match it for GET, POST, PATCH")


def test_lower_case_method_and_text_output():
    r = CliRunner().invoke(main, ["can-reach", "internet", "http://api.example.com/",
                                  "-X", "post", "-f", FIXTURE])
    assert r.exit_code == 0 and "internet -> POST http://api.example.com/" in r.output


def test_ingress_has_no_method_matching_and_says_so():
    _, doc = ask("can-reach", "internet", "http://legacy.example.com/", "-X", "DELETE")
    (p,) = doc["paths"]
    assert p["route"] == "Ingress infra/legacy"
    assert any(n.startswith("Ingress has no method matching") and "DELETE" in n
               for n in p["notes"])


def test_paths_with_a_method_lists_the_matches_that_take_it():
    _, every = ask("paths")
    assert every["method"] is None
    _, post = ask("paths", "-X", "POST")
    assert post["method"] == "POST"
    matches = sorted(r["match"] for r in post["routes"] if r["route"].startswith("HTTPRoute"))
    # the matches that name POST, and those that name no method
    assert matches == ["Prefix / POST", "Prefix / version=four",
                       "Prefix /path2 POST version=two", "Prefix /path5"]
    assert len(every["routes"]) > len(post["routes"])
    assert any(r["route"] == "Ingress infra/legacy" for r in post["routes"])


@pytest.mark.parametrize(("args", "says"), [
    (["can-reach", "internet", "http://api.example.com/", "-X", "GE T"],
     "'GE T' is not an HTTP method"),
    (["paths", "-X", "(GET)"], "'(GET)' is not an HTTP method"),
    (["can-reach", "infra/public-envoy", "infra/infra-backend-v1", "-X", "POST"],
     "--method and --backend-kind ask about a URL"),
])
def test_a_bad_method_or_a_method_without_a_url_is_a_usage_error(args, says):
    r = CliRunner().invoke(main, [*args, "-f", FIXTURE])
    assert r.exit_code == 2, r.output
    assert says in r.output and "Traceback" not in r.output
