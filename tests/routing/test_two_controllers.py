"""Two ingress-nginx installs of one image, told apart by their flags.

ingress-nginx cmd/nginx/flags.go: ``--controller-class`` (default k8s.io/ingress-nginx):
"The .spec.controller value of the IngressClass referenced in an Ingress Object should be
the same value specified here to make this object be watched"; ``--ingress-class``
(default nginx): "Name of the ingress class this controller satisfies";
``--ingress-class-by-name``: "watch for Ingress Class by Name together with Controller
Class".  Fixture: ``fixtures/routing/two-nginx.yaml`` (a public install with the
defaults, an internal one for class internal whose namespace admits only 203.0.113.0/24).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netverify.loader import load_text
from netverify.queries.paths import can_reach_url, paths
from netverify.verdicts import Answer

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "routing" / "two-nginx.yaml"
PUBLIC = ("ingress-nginx/ingress-nginx-controller",)
INTERNAL = ("internal-nginx/internal-controller",)


def ask(url: str, src: str = "198.51.100.7", text: str | None = None):
    c = load_text(text or FIXTURE.read_text(), "two-nginx.yaml")
    (p,) = can_reach_url(c, src, url).paths
    return p


@pytest.mark.parametrize(("url", "controller", "outside", "office"), [
    ("http://www.example.com/", PUBLIC, Answer.YES, Answer.YES),
    ("http://admin.example.com/", INTERNAL, Answer.NO, Answer.YES),
])
def test_each_class_goes_to_its_own_install(url, controller, outside, office):
    p = ask(url)
    assert p.controller == controller and p.verdict is outside
    assert ask(url, "203.0.113.9").verdict is office


def test_paths_lists_one_entry_per_install():
    result = paths(load_text(FIXTURE.read_text(), "two-nginx.yaml"))
    by_host = {r.host: r.controller for r in result.routes}
    assert by_host == {"www.example.com": PUBLIC, "admin.example.com": INTERNAL}


def _docs() -> list[dict]:
    return list(yaml.safe_load_all(FIXTURE.read_text()))


def test_ingress_class_by_name_serves_a_class_named_like_its_ingress_class():
    """With --ingress-class-by-name the IngressClass named like --ingress-class is served
    even when its spec.controller names another controller."""
    items = _docs()
    (ic,) = [d for d in items if d["kind"] == "IngressClass"
             and d["metadata"]["name"] == "internal"]
    ic["spec"]["controller"] = "example.com/other"
    text = yaml.safe_dump_all(items, sort_keys=False)
    assert ask("http://admin.example.com/", text=text).controller == ()
    (dep,) = [d for d in items if d["kind"] == "Deployment"
              and d["metadata"]["name"] == "internal-controller"]
    dep["spec"]["template"]["spec"]["containers"][0]["args"].append("--ingress-class-by-name")
    text = yaml.safe_dump_all(items, sort_keys=False)
    assert ask("http://admin.example.com/", text=text).controller == INTERNAL


def test_a_single_install_with_its_own_controller_class_serves_that_class_only():
    items = [d for d in _docs() if d["metadata"]["name"] != "ingress-nginx-controller"]
    text = yaml.safe_dump_all(items, sort_keys=False)
    assert ask("http://admin.example.com/", text=text).controller == INTERNAL
    assert ask("http://www.example.com/", text=text).controller == ()


@pytest.mark.parametrize(("words", "name", "value"), [
    (("--controller-class=k8s.io/a",), "controller-class", "k8s.io/a"),
    (("--ingress-class", "internal"), "ingress-class", "internal"),
    (("--ingress-class=a", "--ingress-class=b"), "ingress-class", "b"),  # the last wins
    (("--ingress-class-by-name",), "ingress-class-by-name", "true"),
    (("--ingress-class-by-name", "--v=2"), "ingress-class-by-name", "true"),
    (("--ingress-class-by-name=internal",), "ingress-class", None),
    (("/nginx-ingress-controller",), "controller-class", None),
])
def test_flags_are_read_as_pflag_writes_them(words, name, value):
    from netverify.queries.controller_flags import flag
    assert flag(words, name) == value
