"""Run the registered rules over a cluster and apply suppressions."""

from __future__ import annotations

from collections.abc import Sequence

from netverify.audit.registry import all_rules
from netverify.model import Cluster
from netverify.results import AuditReport, Finding, RuleInfo


def audit(cluster: Cluster, *, only: set[str] | None = None,
          inputs: Sequence[str] = ()) -> AuditReport:
    """Run every rule (or the ``only`` codes) and collect the findings."""
    findings: list[Finding] = []
    rules: dict[str, RuleInfo] = {}
    for rule_cls in all_rules():
        if only and rule_cls.code not in only:
            continue
        rules[rule_cls.code] = RuleInfo(code=rule_cls.code, title=rule_cls.title,
                                        severity=rule_cls.severity)
        findings.extend(rule_cls().check(cluster))
    findings.sort(key=lambda f: (rules[f.code].severity.rank, f.code, f.object, f.path,
                                 f.message))
    summary = {"namespaces": len(cluster.namespaces), "pods": len(cluster.pods),
               "services": len(cluster.services), "policies": len(cluster.policies)}
    return AuditReport(findings=tuple(findings), rules=rules, inputs=tuple(inputs),
                       cluster_summary=summary)
