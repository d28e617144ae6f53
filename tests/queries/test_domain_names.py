"""Questions that name a host outside the cluster (``can-reach shop/web api.example.com:443``).

Written from the network-policy-api types (DomainName in apis/v1alpha1 and v1alpha2): an
exact name matches only itself; ``*.`` matches one or more whole labels in front; only
Allow/Accept rules may use ``domainNames``.  Everything but a ``domainNames`` peer sees the
address the name resolves to, which the question may give (``--resolves-to``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from netverify.cli import main
from netverify.cluster_policies import domain_matches
from netverify.errors import QueryError
from netverify.loader import load_cluster
from netverify.queries.can_reach import can_reach

BASE = """
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, image: web}]}
status: {podIP: 10.0.0.5, podIPs: [{ip: 10.0.0.5}, {ip: "fd00::5"}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: allow-example}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {team: shop}}}
  egress:
    - name: example-apis
      action: Allow
      to: [{domainNames: ["*.example.com", "pypi.org"]}]
      ports: [{portNumber: {protocol: TCP, port: 443}}]
"""

# The usual lock-down beneath: everything else outside is denied, in both families.
DENY_BOTH = """
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  egress:
    - name: no-internet
      action: Deny
      to: [{networks: ["0.0.0.0/0", "::/0"]}]
"""

DENY_V4 = DENY_BOTH.replace('"0.0.0.0/0", "::/0"', '"0.0.0.0/0"')


@pytest.fixture
def write(tmp_path: Path):
    def _write(text: str) -> Path:
        p = tmp_path / "cluster.yaml"
        p.write_text(text)
        return p
    return _write


def ask(path: Path, dst: str, **kw: object):
    return can_reach(load_cluster([str(path)]), "shop/web", dst, policy_only=True, **kw)


@pytest.mark.parametrize(("pattern", "host", "expected"), [
    # The examples of the DomainName type's documentation.
    ("kubernetes.io", "kubernetes.io", True),
    ("kubernetes.io", "www.kubernetes.io", False),
    ("kubernetes.io", "blog.kubernetes.io", False),
    ("kubernetes.io", "my-kubernetes.io", False),
    ("kubernetes.io", "wikipedia.org", False),
    ("blog.kubernetes.io", "blog.kubernetes.io", True),
    ("blog.kubernetes.io", "www.kubernetes.io", False),
    ("blog.kubernetes.io", "kubernetes.io", False),
    ("*.kubernetes.io", "www.kubernetes.io", True),
    ("*.kubernetes.io", "blog.kubernetes.io", True),
    ("*.kubernetes.io", "latest.blog.kubernetes.io", True),
    ("*.kubernetes.io", "kubernetes.io", False),
    ("*.kubernetes.io", "wikipedia.org", False),
    # '*' matches whole labels only.
    ("*.kubernetes.io", "my-kubernetes.io", False),
    # DNS names compare without case; the root dot changes nothing.
    ("Kubernetes.IO.", "kubernetes.io", True),
    ("*.kubernetes.io", "WWW.Kubernetes.io.", True),
])
def test_domain_name_matching_follows_the_api_types(pattern: str, host: str,
                                                   expected: bool) -> None:
    assert domain_matches(pattern, host) is expected


def test_an_allowed_name_is_allowed_before_the_baseline_denies_the_rest(write) -> None:
    r = ask(write(BASE + DENY_BOTH), "api.example.com:443")
    assert r.host == "api.example.com"
    assert r.allowed and not r.denied and not r.undecided
    # Every address the name could have: the Admin tier decides by the name.
    assert len(r.pairs) >= 2 and all(p.is_allowed for p in r.pairs)


@pytest.mark.parametrize("dst", ["evil.org:443", "example.com:443", "api.example.com:80",
                                 "pypi.org.evil.org:443"])
def test_other_names_and_ports_fall_to_the_baseline_deny(write, dst: str) -> None:
    r = ask(write(BASE + DENY_BOTH), dst)
    assert r.denied and not r.allowed and not r.undecided


def test_exact_name_and_case(write) -> None:
    assert ask(write(BASE + DENY_BOTH), "PyPI.org.:443").allowed
    assert ask(write(BASE + DENY_BOTH), "www.pypi.org:443").denied


def test_the_answer_depends_on_the_address_when_the_families_differ(write) -> None:
    # Only IPv4 is denied beneath: an IPv6 address of evil.org would be allowed.
    path = write(BASE + DENY_V4)
    r = ask(path, "evil.org:443")
    assert r.undecided and not r.allowed and not r.denied
    assert {p.is_allowed for p in r.pairs} == {True, False}
    # Told the address, it is decided.
    assert ask(path, "evil.org:443", resolves_to="203.0.113.7").denied
    assert ask(path, "evil.org:443", resolves_to="2001:db8::7").allowed
    # The name's own rule does not care about the address.
    assert ask(path, "api.example.com:443", resolves_to="203.0.113.7").allowed


def test_a_single_stack_client_only_looks_up_its_own_family(write) -> None:
    v4_only = BASE.replace(', podIPs: [{ip: 10.0.0.5}, {ip: "fd00::5"}]', "")
    r = ask(write(v4_only + DENY_V4), "evil.org:443")
    assert r.denied and {p.dst.name.split(" at ")[1] for p in r.pairs} == {"0.0.0.0/0"}


def test_an_address_alone_leaves_domain_names_to_dns(write) -> None:
    # Without the name, whether 203.0.113.7 is one of *.example.com is not in the manifests.
    r = ask(write(BASE + DENY_BOTH), "203.0.113.7:443")
    assert r.undecided and not r.allowed and not r.denied


@pytest.mark.parametrize("dst", ["api.example.com:443", "evil.org:443"])
@pytest.mark.parametrize("tail", [DENY_BOTH, DENY_V4])
def test_the_smt_engine_agrees(write, dst: str, tail: str) -> None:
    path = write(BASE + tail)
    a = ask(path, dst)
    b = ask(path, dst, engine="smt")
    assert [p.allowed for p in a.pairs] == [p.allowed for p in b.pairs]
    assert (a.allowed, a.denied, a.undecided) == (b.allowed, b.denied, b.undecided)
    assert not any("disagree" in c for c in b.caveats)


@pytest.mark.parametrize("dst", ["db.shop:5432", "db.shop.svc.cluster.local:5432",
                                 "db.other.svc:5432"])
def test_a_cluster_dns_name_without_its_service_is_an_error(write, dst: str) -> None:
    with pytest.raises(QueryError, match="cluster's DNS"):
        ask(write(BASE + DENY_BOTH), dst)


def test_resolves_to_needs_a_name(write) -> None:
    with pytest.raises(QueryError, match="--resolves-to"):
        ask(write(BASE + DENY_BOTH), "203.0.113.7:443", resolves_to="203.0.113.7")
    with pytest.raises(QueryError, match="not an IP"):
        ask(write(BASE + DENY_BOTH), "evil.org:443", resolves_to="evil")


def test_cli_exit_statuses(write) -> None:
    both = str(write(BASE + DENY_BOTH))
    run = CliRunner().invoke
    r = run(main, ["can-reach", "shop/web", "api.example.com:443", "-f", both, "--policy-only"])
    assert r.exit_code == 0, r.output
    assert "api.example.com" in r.output
    r = run(main, ["can-reach", "shop/web", "evil.org:443", "-f", both, "--policy-only"])
    assert r.exit_code == 1, r.output
    v4 = str(write(BASE + DENY_V4))
    r = run(main, ["can-reach", "shop/web", "evil.org:443", "-f", v4, "--policy-only"])
    assert r.exit_code == 3, r.output
    assert "depends on the address evil.org resolves to" in r.output
    r = run(main, ["can-reach", "shop/web", "evil.org:443", "-f", v4, "--policy-only",
                   "--resolves-to", "203.0.113.7"])
    assert r.exit_code == 1, r.output
    r = run(main, ["can-reach", "shop/web", "db.shop:5432", "-f", v4])
    assert r.exit_code == 2 and "Traceback" not in r.output
    r = run(main, ["can-reach", "shop/web", "evil.org:443", "-f", v4, "--format", "json",
                   "--policy-only"])
    assert r.exit_code == 3 and '"host": "evil.org"' in r.output
