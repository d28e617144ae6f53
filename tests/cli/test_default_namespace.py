"""``-n/--namespace`` names the namespace of bare names, as kubectl's does."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from netverify.cli import main
from netverify.queries.endpoints import qualify

DEMO = str(Path(__file__).resolve().parents[2] / "fixtures" / "demo")


@pytest.mark.parametrize(("text", "out"), [
    ("web", "frontend/web"),
    ("web:8080", "frontend/web:8080"),
    ("web:http/TCP", "frontend/web:http/TCP"),
    ("app=web", "frontend/app=web"),
    ("svc/web", "svc/frontend/web"),
    ("backend/api", "backend/api"),            # a namespace of its own wins
    ("svc/backend/api", "svc/backend/api"),
    ("10.0.0.1", "10.0.0.1"),
    ("10.0.0.0/8", "10.0.0.0/8"),
    ("fd00::1", "fd00::1"),
    ("internet", "internet"),
    ("https://app.example.com/x", "https://app.example.com/x"),
    ("api.backend:80", "api.backend:80"),      # a DNS name says its own namespace
])
def test_qualify(text: str, out: str):
    assert qualify(text, "frontend") == out
    assert qualify(text, None) == text


def test_can_reach_with_a_default_namespace():
    r = CliRunner().invoke(main, ["can-reach", "-n", "frontend", "web", "backend/api:8080",
                                  "-f", DEMO])
    assert r.exit_code == 0, r.output
    assert "frontend/web -> backend/api" in r.output
    r = CliRunner().invoke(main, ["can-reach", "--namespace", "backend", "db", "api:8080",
                                  "-f", DEMO])
    assert r.exit_code == 1, r.output  # backend/db -> backend/api is denied
    assert "backend/db -> backend/api" in r.output


def test_without_namespace_a_bare_name_is_still_an_error():
    r = CliRunner().invoke(main, ["can-reach", "web", "backend/api:8080", "-f", DEMO])
    assert r.exit_code == 2 and "has no namespace" in r.output


def test_who_can_reach_with_a_default_namespace():
    r = CliRunner().invoke(main, ["who-can-reach", "-n", "backend", "api:8080", "-f", DEMO])
    assert r.exit_code == 0, r.output
    assert "frontend/web" in r.output


INGRESS = str(Path(__file__).resolve().parents[2] / "fixtures" / "ingress")


@pytest.mark.parametrize("command", [["paths"],
                                     ["can-reach", "internet", "https://app.example.com/api"]])
def test_controller_is_a_bare_name_in_the_default_namespace(command: list[str]):
    # kubectl: "-n, --namespace: If present, the namespace scope for this CLI request":
    # a bare --controller name is one in that namespace, as the qualified name is.
    def run(*args: str) -> tuple[int, str]:
        r = CliRunner().invoke(main, [*command, *args, "-f", INGRESS, "--format", "json"])
        return r.exit_code, r.stdout

    qualified = run("--controller", "ingress-nginx/ingress-nginx-controller")
    assert qualified[0] in (0, 1), qualified
    assert run("-n", "ingress-nginx", "--controller", "ingress-nginx-controller") == qualified
    assert run("--controller", "ingress-nginx-controller")[0] == 2  # no namespace: an error
