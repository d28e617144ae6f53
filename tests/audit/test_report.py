"""``audit()`` as a query: suppression, the severity filter, the connectivity it carries;
and how much of a large report the Markdown form shows."""

from __future__ import annotations

import dataclasses

import pytest

from netverify.audit.run import audit, is_suppressed, namespace_of
from netverify.errors import QueryError
from netverify.loader import load_text
from netverify.renderers import RenderOptions, render
from netverify.renderers.audit_md import MAX_CELL
from netverify.results import Finding, Related, Severity
from netverify.verdicts import GroupBy

SHOP = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: typo, namespace: shop%(policy_ann)s}
spec:
  podSelector: {matchLabels: {app: wbe}}
  policyTypes: [Ingress]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports: [{port: 80}]
"""


def shop(policy_ann: str = "", ns_ann: str = ""):
    text = SHOP % {"policy_ann": policy_ann}
    if ns_ann:
        text = text.replace("metadata: {name: shop}", "metadata: {name: shop" + ns_ann + "}")
    return load_text(text, "shop.yaml")


def codes(findings: tuple[Finding, ...]) -> set[tuple[str, str]]:
    return {(f.code, f.object) for f in findings}


RULES = {"NV101", "NV102", "NV501"}


def test_unsuppressed_findings_are_shown():
    r = audit(shop(), only=RULES)
    assert codes(r.findings) == {("NV101", "Namespace shop"),
                                 ("NV102", "NetworkPolicy shop/typo"),
                                 ("NV501", "Service shop/api")}
    assert r.suppressed == ()


def test_object_annotation_suppresses_its_codes_only():
    r = audit(shop(policy_ann=', annotations: {netverify.io/ignore: "NV102, NV999"}'),
              only=RULES)
    assert codes(r.suppressed) == {("NV102", "NetworkPolicy shop/typo")}
    assert ("NV102", "NetworkPolicy shop/typo") not in codes(r.findings)
    assert len(r.findings) == 2


def test_namespace_annotation_suppresses_every_object_in_it():
    r = audit(shop(ns_ann=', annotations: {netverify.io/ignore: "NV501,NV101"}'), only=RULES)
    assert codes(r.suppressed) == {("NV101", "Namespace shop"), ("NV501", "Service shop/api")}
    assert codes(r.findings) == {("NV102", "NetworkPolicy shop/typo")}


def test_star_suppresses_every_rule():
    r = audit(shop(ns_ann=', annotations: {netverify.io/ignore: "*"}'), only=RULES)
    assert r.findings == () and len(r.suppressed) == 3


def test_suppressions_given_directly_on_the_cluster():
    c = dataclasses.replace(shop(), suppressions={"Service shop/api": frozenset({"NV501"})})
    r = audit(c, only=RULES)
    assert codes(r.suppressed) == {("NV501", "Service shop/api")}


def test_suppression_keys():
    f = Finding(code="NV101", message="m", object="Deployment shop/web")
    assert namespace_of("Deployment shop/web") == "shop"
    assert namespace_of("Namespace shop") == "shop"
    assert namespace_of("ClusterRole admin") is None
    assert is_suppressed(f, {"Namespace shop": frozenset({"NV101"})})
    assert is_suppressed(f, {"Deployment shop/web": frozenset({"*"})})
    assert not is_suppressed(f, {"Deployment shop/web": frozenset({"NV102"})})
    assert not is_suppressed(f, {"Namespace shopx": frozenset({"*"})})


def test_min_severity_hides_but_fail_on_still_sees():
    r = audit(shop(), only=RULES, min_severity=Severity.ERROR)
    assert {r.severity(f) for f in r.findings} == {Severity.ERROR}
    assert {r.severity(f) for f in r.hidden} == {Severity.WARNING}
    assert r.reaches(Severity.WARNING)  # the hidden warnings still count for --fail-on
    assert not audit(shop(ns_ann=', annotations: {netverify.io/ignore: "*"}'),
                     only=RULES).reaches(Severity.INFO)


def test_findings_sorted_most_severe_first():
    r = audit(shop(), only=RULES)
    ranks = [r.severity(f).rank for f in r.findings]
    assert ranks == sorted(ranks)


def test_unknown_rule_is_a_query_error():
    with pytest.raises(QueryError, match="NV999"):
        audit(shop(), only={"NV999"})


def test_connectivity_is_the_policy_answer_by_namespace_and_workload():
    r = audit(shop(), only={"NV101"})
    assert r.connectivity is not None and r.connectivity.by is GroupBy.NAMESPACE
    assert r.workload_connectivity is not None and r.workload_connectivity.by is GroupBy.WORKLOAD
    assert any("policy answer only" in c for c in r.connectivity.caveats)
    small = audit(shop(), only={"NV101"}, max_workloads=0)
    assert small.connectivity is not None and small.workload_connectivity is None
    assert audit(shop(), only={"NV101"}, connectivity=False).connectivity is None


def test_rule_info_carries_the_docstring_sections():
    info = audit(shop(), only={"NV110"}).rules["NV110"]
    assert info.name == "EgressBlocksDns"
    assert "```yaml" in info.anti_pattern and "::" not in info.anti_pattern
    assert info.why and info.fix


# The Markdown report goes into pull-request comments and job summaries (GitHub caps a
# comment at 65,536 characters); HTML, JSON and SARIF keep every finding.

def _many(code: str, n: int, message: str = "a message of ordinary length " * 3):
    return tuple(Finding(code=code, message=f"{message} #{i}", object=f"Ingress shop/app-{i}",
                         path="metadata.annotations")
                 for i in range(n))


def _md_rows(text: str, code: str) -> int:
    return sum(1 for line in text.splitlines()  # finding rows, not the rules table's
               if line.startswith(f"| {code} ") and not line.startswith(f"| {code} |"))


def test_markdown_shows_at_most_20_findings_per_rule():
    base = audit(shop(), only=RULES, connectivity=False)
    big = dataclasses.replace(base, findings=_many("NV102", 2000) + _many("NV501", 3))
    md = render(big, "md", RenderOptions())
    assert len(md) < 60_000
    assert _md_rows(md, "NV102") == 20 and _md_rows(md, "NV501") == 3
    assert ("- ... and 1980 more NV102 findings (see the JSON, HTML or SARIF report)"
            in md.splitlines())
    assert "1980 finding(s) are left out" in md
    html = render(big, "html", RenderOptions())
    assert html.count("<strong>NV102</strong>") == 2000 + 1  # every row, and the rule's help
    small = render(base, "md", RenderOptions())
    assert "more NV" not in small and "left out" not in small


def test_markdown_stays_under_60k_characters_however_many_rules_hit():
    base = audit(shop(), connectivity=False)  # every rule ran
    long = "a long message naming many pods, " * 12
    findings = tuple(f for code in sorted(base.rules) for f in _many(code, 30, long))
    big = dataclasses.replace(base, findings=tuple(
        sorted(findings, key=lambda f: (base.severity(f).rank, f.code))))
    md = render(big, "md", RenderOptions())
    assert len(md) < 60_000
    lines = md.splitlines()
    per_rule = {_md_rows(md, code) for code in base.rules}
    assert len(per_rule) == 1 and 1 <= per_rule.pop() < 20  # fewer, but for every rule
    left = [ln for ln in lines if ln.startswith("- ... ")]
    assert len(left) == len(base.rules)  # one "and N more" line per rule
    shown = sum(_md_rows(md, code) for code in base.rules)
    assert f"{30 * len(base.rules) - shown} finding(s) are left out" in md


def test_markdown_puts_the_most_severe_first_when_one_row_per_rule_is_too_much():
    base = audit(shop(), connectivity=False)
    huge = "a text as long as a cell may hold " * 20  # every cell is cut to MAX_CELL
    related = tuple(Related(object=f"Service shop/{huge}", role=huge) for _ in range(3))
    findings = tuple(Finding(code=code, message=huge, object=f"Pod shop/{i}{huge}", path=huge,
                             example=huge, related=related)
                     for code in sorted(base.rules) for i in range(2))
    big = dataclasses.replace(base, findings=tuple(
        sorted(findings, key=lambda f: (base.severity(f).rank, f.code))))
    md = render(big, "md", RenderOptions())
    assert len(md) < 60_000
    shown = [code for code in sorted(base.rules, key=lambda c: (base.rules[c].severity.rank, c))
             if _md_rows(md, code)]
    assert shown and all(base.rules[c].severity.rank == 0 for c in shown[:3])
    assert any(ln.startswith("- ... 2 NV") and ln.endswith(
        "findings not shown here (see the JSON, HTML or SARIF report)")
        for ln in md.splitlines())


def test_markdown_cuts_very_long_cells():
    base = audit(shop(), only=RULES, connectivity=False)
    huge = dataclasses.replace(base, findings=_many("NV102", 1, "x" * 10_000))
    md = render(huge, "md", RenderOptions())
    (row,) = [ln for ln in md.splitlines() if ln.startswith("| NV102 Policy")]
    assert len(row) < MAX_CELL + 300 and "x\u2026" in row
