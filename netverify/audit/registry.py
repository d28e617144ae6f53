"""The rule registry: codes, titles, severities; the report and docs come from it.

A rule is one class in one module under ``audit/rules/``, registered with
``@register``. Its docstring's first line equals ``title`` and the body has the
sections **Anti-pattern**, **Why it hurts** and **Fix**, in that order (a test
checks this). Codes are never reused.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

__all__ = ["Finding", "Related", "Rule", "Severity", "all_rules", "get_rule", "register"]

from netverify.model import Cluster
from netverify.results import Finding, Related, Severity
from netverify.source import SourceRef


class Rule:
    """Base class of every rule."""

    code: ClassVar[str]
    title: ClassVar[str]
    severity: ClassVar[Severity]
    # Solver-heavy rules ``netverify lint`` runs: a default ``audit`` leaves them out
    # (``audit --rule NVxxx`` still runs one).
    lint_only: ClassVar[bool] = False

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        """Yield the findings of this rule on ``cluster``."""
        raise NotImplementedError

    def finding(self, message: str, obj: str, path: str = "",
                source: SourceRef | None = None, *, example: str = "",
                related: tuple[Related, ...] = ()) -> Finding:
        """A finding of this rule."""
        return Finding(code=self.code, message=message, object=obj, path=path, source=source,
                       example=example, related=related)


_RULES: dict[str, type[Rule]] = {}

RETIRED: dict[str, str] = {}  # code -> why it was retired; never reuse these


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator adding a rule to the registry."""
    if cls.code in _RULES or cls.code in RETIRED:
        raise ValueError(f"rule code {cls.code} is already used")
    _RULES[cls.code] = cls
    return cls


def all_rules() -> list[type[Rule]]:
    """Every registered rule, by code."""
    import netverify.audit.rules  # noqa: F401  (registers the rules)

    return [_RULES[c] for c in sorted(_RULES)]


def get_rule(code: str) -> type[Rule]:
    """The rule with this code (KeyError when unknown)."""
    all_rules()
    return _RULES[code]
