"""``--lock-current`` keeps today's traffic with addresses outside the cluster.

A default deny isolates pods for every peer, in-cluster or not (API reference, NetworkPolicy
v1: a pod isolated for ingress accepts only "connections which are allowed by the ingress
list of some NetworkPolicy"; ``ipBlock`` "describes a particular CIDR ... that is allowed
to the pods matched by a NetworkPolicySpec's podSelector").  Locking today's connections must
therefore keep what workloads exchange with the outside, per address range the policies
tell apart.  Connectivity after the suggestion is computed by the pair-by-pair reference
evaluator on addresses chosen by hand (inside and outside the ipBlock and its except).
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from netverify.engines.concrete import Evaluator, External
from netverify.loader import load_cluster, load_text
from netverify.model import Cluster
from netverify.ports import PortSet, Protocol
from netverify.results import ProofStatus, SuggestResult
from netverify.suggest import suggest

ROOT = Path(__file__).resolve().parents[2]
SHOP = str(ROOT / "fixtures" / "suggest" / "external")
# the internet, an address inside the except (the cluster's range), the IPv6 internet
ADDRESSES = ("203.0.113.9", "8.8.8.8", "10.1.2.3", "2001:db8::1")


def applied(before: Cluster, r: SuggestResult) -> Cluster:
    got = load_text("---\n".join(t for _, t in r.documents), "suggestion.yaml").policies
    gone = {e.key for e in getattr(r, "edits", ())} | set(r.removed)
    return replace(before, policies=(*(p for p in before.policies if p.key not in gone), *got))


def external(address: str) -> External:
    ip = ipaddress.ip_address(address)
    return External(ip.version, int(ip), int(ip), address)


def outside(c: Cluster) -> dict[tuple[str, str, str], PortSet]:
    """(pod, direction, address) -> allowed ports, for every pod and chosen address."""
    ev = Evaluator(c)
    out = {}
    for p in c.pods:
        for a in ADDRESSES:
            out[(p.key, "in", a)] = ev.allowed_ports(external(a), p)
            out[(p.key, "out", a)] = ev.allowed_ports(p, external(a))
    return out


@pytest.mark.parametrize("replace_existing", [False, True])
def test_lock_current_keeps_internet_ingress_and_egress(replace_existing: bool) -> None:
    c = load_cluster([SHOP])
    before = outside(c)
    assert before[("shop/web", "in", "203.0.113.9")] == PortSet.of(Protocol.TCP, 443)
    assert before[("shop/web", "in", "10.1.2.3")].is_empty  # the except
    assert before[("shop/worker", "out", "8.8.8.8")].is_all
    r = suggest(c, lock_current=True, replace_existing=replace_existing)
    assert outside(applied(c, r)) == before
    assert r.proved, (r.checks, r.mismatches, r.unmet)
    check = {x.name: x for x in r.checks}["traffic with the outside kept"]
    assert check.status is ProofStatus.PROVED
    if not replace_existing:
        return  # the kept web-from-internet still serves web's ingress
    # written anew, the ipBlock for web keeps the except
    web = next(p for p in r.policies if p.workload == "shop/web")
    assert {"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}} in \
        web.manifest["spec"]["ingress"][0]["from"]  # type: ignore[index]


def test_a_spec_deny_from_an_address_range_is_kept_out_of_the_lock(tmp_path: Path) -> None:
    """``expect: deny`` from 203.0.113.0/24: that range loses web, the rest of the internet not."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({"assertions": [
        {"name": "no scanner reaches web", "from": "203.0.113.0/24", "to": "shop/web:443",
         "expect": "deny"}]}))
    c = load_cluster([SHOP])
    r = suggest(c, specs=[str(spec)], replace_existing=True)
    assert r.proved, (r.checks, r.mismatches, r.unmet)
    after = outside(applied(c, r))
    assert after[("shop/web", "in", "203.0.113.9")].is_empty
    assert after[("shop/web", "in", "8.8.8.8")] == PortSet.of(Protocol.TCP, 443)
    assert after[("shop/worker", "out", "8.8.8.8")].is_all


def test_the_external_check_fails_when_the_suggestion_cuts_the_outside() -> None:
    """The check is not vacuous: the same proof on a cluster where the lock was not written."""
    from netverify.suggest.external import Adjust, external_check

    c = load_cluster([SHOP])
    deny = load_text(yaml.safe_dump({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "deny", "namespace": "shop"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}), "d.yaml")
    cut = replace(c, policies=(*c.policies, *deny.policies))
    got = external_check(c, cut, list(c.pods), Adjust(more=[], less=[]))
    assert got.status is ProofStatus.FAILED
