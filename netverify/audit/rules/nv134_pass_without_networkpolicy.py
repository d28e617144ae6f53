"""NV134: an Admin tier Pass for pods no NetworkPolicy isolates in that direction."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.guardrails import class_reps, tier_object
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.cluster_policies import Action, Tier
from netverify.engines.concrete import Evaluator
from netverify.model import Cluster


@register
class PassWithoutNetworkPolicy(Rule):
    """Admin tier Pass for pods no NetworkPolicy isolates

    **Anti-pattern**

    A Pass that hands traffic to "the namespace's own policies", for pods that have none
    in that direction::

        ingress:
          - {name: let-teams-decide, action: Pass, from: [{namespaces: {}}]}

    **Why it hurts**

    A Pass skips the rest of the Admin tier. For a pod that no NetworkPolicy isolates, the
    traffic goes straight on to the Baseline tier and then to the default, which allows
    it: the Pass admits everything it matches unless a baseline denies it, which is rarely
    what "let the teams decide" meant.

    **Fix**

    Give the namespaces a NetworkPolicy (a default deny plus the allows they need), or
    make the rule Deny or Accept what it should.
    """

    code = "NV134"
    title = "Admin tier Pass for pods no NetworkPolicy isolates"
    severity = Severity.INFO

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        passes = [(p, r) for p in cluster.cluster_policies if p.tier is Tier.ADMIN
                  for d in (p.ingress, p.egress) for r in d if r.action is Action.PASS]
        if not passes:
            return
        ev = Evaluator(cluster)
        reps = [p for p in class_reps(cluster) if not p.host_network]
        for pol, rule in passes:
            bare = sorted({p.key for p in reps if ev.tiers.selects(pol, p)
                           and not ev.selecting(p, rule.direction)})
            if not bare:
                continue
            shown = ", ".join(bare[:3]) + (", ..." if len(bare) > 3 else "")
            yield self.finding(
                f"{rule.label} passes {rule.direction.value.lower()} traffic of pods no "
                f"NetworkPolicy isolates for {rule.direction.value} ({shown}): it goes on to "
                "the Baseline tier and the default allow",
                tier_object(pol), rule.field, rule.source)
