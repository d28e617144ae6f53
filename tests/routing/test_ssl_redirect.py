"""ingress-nginx answers plain HTTP for a host with TLS with a 308 to https.

ingress-nginx user guide, TLS/HTTPS, "Server-side HTTPS enforcement through redirect":
"By default the controller redirects HTTP clients to the HTTPS port 443 using a 308
Permanent Redirect response if TLS is enabled for that Ingress. This can be disabled
globally using ssl-redirect: "false" in the NGINX config map, or per-Ingress with the
nginx.ingress.kubernetes.io/ssl-redirect: "false" annotation in the particular
resource."  "When using SSL offloading outside of cluster (e.g. AWS ELB) it may be useful
to enforce a redirect to HTTPS even when there is no TLS certificate available. This can
be achieved by using the nginx.ingress.kubernetes.io/force-ssl-redirect: "true"
annotation in the particular resource."

``fixtures/ingress``: ingress-nginx serves Ingress shop/app (TLS for app.example.com).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from netverify.cli import main

INGRESS = Path(__file__).resolve().parents[2] / "fixtures" / "ingress"


def ask(fixture: Path, url: str, *extra: str) -> tuple[int, dict[str, Any]]:
    r = CliRunner().invoke(main, ["can-reach", "internet", url, "-f", str(fixture),
                                  "--format", "json", *extra])
    assert r.exit_code in (0, 1, 3), r.output
    return r.exit_code, json.loads(r.output)


def _annotated(tmp_path: Path, annotation: str, drop_tls: bool = False) -> Path:
    out = tmp_path / "ingress"
    shutil.copytree(INGRESS, out)
    shop = out / "shop.yaml"
    text = shop.read_text()
    old = "    nginx.ingress.kubernetes.io/proxy-body-size: 10m\n"
    text = text.replace(old, old + f"    {annotation}\n")
    if drop_tls:
        start = text.index("  tls:\n", text.index("name: app\n"))
        end = text.index("  rules:\n", start)
        text = text[:start] + text[end:]
    shop.write_text(text)
    return out


def test_plain_http_to_a_tls_host_gets_308_to_https():
    code, doc = ask(INGRESS, "http://app.example.com/cart?id=7")
    assert code == 0 and doc["statuses"] == [308]
    (path,) = doc["paths"]
    (hop,) = [h for h in path["hops"] if h["reason"] == "redirect"]
    assert hop["facts"]["location"] == "https://app.example.com/cart?id=7"
    assert hop["http_status"] == 308
    assert path["backends"] == []  # no backend is contacted over plain HTTP


def test_following_the_redirect_reaches_the_backend_over_https():
    code, doc = ask(INGRESS, "http://app.example.com/", "--follow-redirects")
    assert code == 0
    assert doc["followed"]["url"] == "https://app.example.com/"
    assert doc["followed"]["statuses"] == [200]


def test_ssl_redirect_false_forwards_plain_http(tmp_path):
    fx = _annotated(tmp_path, 'nginx.ingress.kubernetes.io/ssl-redirect: "false"')
    code, doc = ask(fx, "http://app.example.com/")
    assert code == 0 and doc["statuses"] == [200]


def test_force_ssl_redirect_redirects_without_tls(tmp_path):
    plain = _annotated(tmp_path / "a", "nginx.ingress.kubernetes.io/x: y", drop_tls=True)
    assert ask(plain, "http://app.example.com/")[1]["statuses"] == [200]
    forced = _annotated(tmp_path / "b", 'nginx.ingress.kubernetes.io/force-ssl-redirect: "true"',
                        drop_tls=True)
    code, doc = ask(forced, "http://app.example.com/")
    assert code == 0 and doc["statuses"] == [308]


def test_https_requests_are_not_redirected():
    code, doc = ask(INGRESS, "https://app.example.com/")
    assert code == 0 and doc["statuses"] == [200]
