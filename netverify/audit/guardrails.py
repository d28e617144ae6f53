"""Shared by the rules about the cluster-wide tiers, and by the isolation rules.

NV101, NV103 and NV104 say a pod "accepts (or opens) connections from (to) anywhere"
when no NetworkPolicy isolates it.  A cluster-wide Deny that applies to the pod is a
guardrail of its own, so those findings leave such pods out rather than overstate.
"""

from __future__ import annotations

from netverify.cluster_policies import Action, ClusterPolicy
from netverify.engines.tiers import TierEvaluator
from netverify.model import Cluster, Direction, Pod


def guarded(tiers: TierEvaluator, pod: Pod, direction: Direction) -> bool:
    """Whether an Admin or Baseline policy selecting ``pod`` denies something in ``direction``.

    The pod is then not open to, or from, everything.
    """
    return any(rule.action is Action.DENY
               for pol in tiers.cluster.cluster_policies if tiers.selects(pol, pod)
               for rule in pol.rules(direction))


def tiers_of(cluster: Cluster) -> TierEvaluator:
    """The tier evaluator the isolation rules share (cheap without tiers)."""
    return TierEvaluator(cluster)


def tier_object(pol: ClusterPolicy) -> str:
    """``ClusterNetworkPolicy protect-db``: how findings name a cluster-wide policy."""
    return pol.key


def class_reps(cluster: Cluster) -> list[Pod]:
    """One pod per class no policy can tell apart (what the tier rules test against)."""
    from netverify.engines.classes import pod_classes

    return pod_classes(cluster).reps
