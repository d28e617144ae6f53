"""URL versus endpoint: which question ``can-reach SRC DST`` asks (queries.endpoints.asks_url)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from netverify.cli import main
from netverify.errors import QueryError
from netverify.queries.endpoints import asks_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("src", "dst"), [("internet", "https://app.example.com/api"),
                                          ("10.0.0.0/8", "HTTP://app.example.com"),
                                          ("external", "https://shop")])
def test_a_url_destination_asks_about_routes(src: str, dst: str) -> None:
    assert asks_url(src, dst)


@pytest.mark.parametrize(("src", "dst"), [("frontend/web", "backend/api:8080"),
                                          ("frontend/web", "api.example.com:443"),
                                          ("10.0.0.0/8", "backend/db"),
                                          ("internet", "backend/api")])
def test_other_destinations_ask_about_pods(src: str, dst: str) -> None:
    assert not asks_url(src, dst)


@pytest.mark.parametrize("dst", ["app.example.com", "app.example.com/api", "app.example.com:443"])
def test_from_outside_a_host_name_is_a_url_without_its_scheme(dst: str) -> None:
    with pytest.raises(QueryError, match=r"https://app\.example\.com"):
        asks_url("internet", dst)


def test_the_command_says_so_with_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    r = CliRunner().invoke(main, ["can-reach", "internet", "app.example.com", "-f",
                                  "fixtures/ingress"])
    assert r.exit_code == 2
    assert "from internet, the destination is a URL, e.g. https://app.example.com" in r.stderr
