"""Who decides one port on one side of a connection.

A cluster-wide rule, a NetworkPolicy rule or isolation, or the default. ``diff`` names
it for the rows that changed and ``check`` compares it with an assertion's
``decided-by``; both read the pair evaluator's own account (``SideVerdict.tiers`` and
``rules``), so the answer is the one ``can-reach`` explains.
"""

from __future__ import annotations

from netverify.ports import Protocol
from netverify.results import Cause, Layer, Outcome, SideVerdict


def cause_of(side: SideVerdict, proto: Protocol, port: int) -> Cause:
    """Return who decides ``proto``/``port`` on ``side``."""
    if not side.undecided.is_empty and side.undecided.contains(proto, port):
        return Cause(outcome=Outcome.UNDECIDED, layer=Layer.ADMIN)
    for d in side.tiers:
        if d.ports.contains(proto, port) and d.layer is not Layer.NETWORK_POLICY:
            if d.policy is None or d.rule is None:
                return Cause(outcome=d.outcome, layer=d.layer)
            return Cause(outcome=d.outcome, layer=d.layer, policy=d.policy.key,
                         rule=d.rule.label, action=d.rule.written_action,
                         rule_name=d.rule.name or None)
    allowed = side.allowed.contains(proto, port)
    if not side.governed or not side.isolated:
        return Cause(outcome=Outcome.ALLOW if allowed else Outcome.DENY, layer=Layer.DEFAULT)
    if allowed:
        for r in side.rules:
            if r.ports.contains(proto, port):
                return Cause(outcome=Outcome.ALLOW, layer=Layer.NETWORK_POLICY,
                             policy=f"NetworkPolicy {r.policy}", rule=r.field)
    return Cause(outcome=Outcome.ALLOW if allowed else Outcome.DENY,
                 layer=Layer.NETWORK_POLICY,
                 policy=", ".join(f"NetworkPolicy {p.policy}" for p in side.isolating) or None)
