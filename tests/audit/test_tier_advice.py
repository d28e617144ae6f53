"""Advice of the tier rules holds when followed: deleting the rule NV135 or NV136 names
changes no verdict for any pod that exists or could exist (checked by the SMT engine on
the edited manifests, as ``lint`` checks its own advice)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
import z3

from netverify.audit.registry import get_rule
from netverify.engines.smt.endpoints import symbolic_pod
from netverify.engines.smt.engine import SmtEngine
from netverify.engines.smt.formulas import Encoder, Traffic
from netverify.engines.smt.solve import Outcome, check, new_solver
from netverify.ipblocks import IPv4, IPv6
from netverify.loader import load_text
from netverify.model import Cluster, Direction

CASES = Path(__file__).parent / "cases"
PATH = re.compile(r"spec\.(ingress|egress)\[(\d+)\]")


def _cases():
    for code in ("NV135", "NV136"):
        data = yaml.safe_load((CASES / f"{code}.yml").read_text())
        for case in data["cases"]:
            if case["expect"]:
                yield pytest.param(code, case, id=f"{code}_{case['name']}")


def _delete(cluster: Cluster, obj: str, path: str) -> Cluster:
    m = PATH.fullmatch(path)
    assert m, path
    direction = Direction.INGRESS if m.group(1) == "ingress" else Direction.EGRESS
    index = int(m.group(2))
    if obj.startswith("NetworkPolicy "):
        key = obj.removeprefix("NetworkPolicy ")
        return replace(cluster, policies=tuple(
            p.without_rule(direction, index) if p.key == key else p for p in cluster.policies))

    def edit(p):  # type: ignore[no-untyped-def]
        if p.key != obj:
            return p
        kept = tuple(r for r in p.rules(direction) if r.index != index)
        return replace(p, **{"ingress" if direction is Direction.INGRESS else "egress": kept})
    return replace(cluster, cluster_policies=tuple(edit(p) for p in cluster.cluster_policies))


def _same(a: Cluster, b: Cluster) -> bool:
    smt = SmtEngine(a)
    u = smt.universe
    src = symbolic_pod(u, a, "src", allow_new_namespace=True)
    dst = symbolic_pod(u, a, "dst", allow_new_namespace=True)
    ext4 = smt.external(IPv4, 0, (1 << 32) - 1, "ext4")
    ext6 = smt.external(IPv6, 0, (1 << 128) - 1, "ext6")
    t = Traffic.symbolic()
    s = new_solver(smt.deadline)
    s.add(*src.domain, *dst.domain, *ext4.domain, *ext6.domain, *t.domain)
    enc_b = Encoder(b, u)
    for x, y in ((src, dst), (ext4, dst), (dst, ext4), (ext6, dst), (dst, ext6)):
        ea, ia, _, _ = smt.encoder.allowed(x, y, t)
        eb, ib, _, _ = enc_b.allowed(x, y, t)
        differ = z3.Or(z3.And(ea, ia) != z3.And(eb, ib),
                       smt.encoder.possibly_allowed(x, y, t) != enc_b.possibly_allowed(x, y, t))
        if check(s, differ).outcome is not Outcome.NO:
            return False
    return True


@pytest.mark.parametrize(("code", "case"), list(_cases()))
def test_deleting_what_the_finding_names_changes_no_verdict(code, case) -> None:
    cluster = load_text(yaml.safe_dump_all(case["manifests"]), f"{code}.yml")
    findings = list(get_rule(code)().check(cluster))
    assert findings
    for f in findings:
        assert _same(cluster, _delete(cluster, f.object, f.path)), f


def test_the_check_itself_sees_a_change() -> None:
    # The oracle is not vacuous: deleting a rule that does decide something is seen.
    data = yaml.safe_load((CASES / "NV135.yml").read_text())
    case = next(c for c in data["cases"] if c["name"] == "exception_after_a_broader_deny")
    cluster = load_text(yaml.safe_dump_all(case["manifests"]), "NV135.yml")
    assert not _same(cluster, _delete(cluster, "ClusterNetworkPolicy lock-prod",
                                      "spec.ingress[0]"))
