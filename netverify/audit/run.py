"""Run the registered rules over a cluster."""

from __future__ import annotations

from dataclasses import dataclass

from netverify.audit.registry import Finding, Severity, all_rules
from netverify.model import Cluster

ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditReport:
    """All findings, most severe first, then by code and object."""

    findings: tuple[Finding, ...]
    severities: dict[str, Severity]  # code -> severity
    titles: dict[str, str]  # code -> title


def audit(cluster: Cluster, *, only: set[str] | None = None) -> AuditReport:
    """Run every rule (or the ``only`` codes) and collect the findings."""
    findings: list[Finding] = []
    sev: dict[str, Severity] = {}
    titles: dict[str, str] = {}
    for rule_cls in all_rules():
        if only and rule_cls.code not in only:
            continue
        sev[rule_cls.code] = rule_cls.severity
        titles[rule_cls.code] = rule_cls.title
        findings.extend(rule_cls().check(cluster))
    findings.sort(key=lambda f: (ORDER[sev[f.code]], f.code, f.object, f.path))
    return AuditReport(findings=tuple(findings), severities=sev, titles=titles)
