"""Which CNI answer a query gives: the named plugin, the detected one, or none.

Every query that returns verdicts can also return what the cluster's plugin
will actually do; this module picks the profile, says how it was chosen, and
gives the cluster as that plugin enforces it (``enforced``, the one way queries
do all three).
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.cni import CniProfile, detect, effective, profile
from netverify.model import Cluster
from netverify.verdicts import Confidence


@dataclass(frozen=True, slots=True, kw_only=True)
class Enforcement:
    """The plugin a query answers for and the cluster as that plugin enforces it."""

    profile: CniProfile
    cluster: Cluster  # the input cluster itself when the plugin changes nothing
    notes: tuple[str, ...]  # how the plugin was chosen, then what it ignores

    def changes(self, cluster: Cluster) -> bool:
        """Whether the plugin's cluster differs from ``cluster`` (the one asked about)."""
        return self.cluster is not cluster


def enforced(cluster: Cluster, name: str | None) -> Enforcement:
    """Choose the plugin (``name`` as ``name[@version]``, else detected) and apply it.

    Raises:
        QueryError: for an unknown ``name``.
    """
    prof, notes = choose(cluster, name)
    eff, eff_notes = effective(cluster, prof)
    return Enforcement(profile=prof, cluster=eff, notes=(*notes, *eff_notes))


def choose(cluster: Cluster, name: str | None) -> tuple[CniProfile, tuple[str, ...]]:
    """The profile to use and a note on where it came from.

    Raises:
        QueryError: for an unknown ``name``.
    """
    if name:
        return profile(name), (f"CNI: {profile(name).label} (named on the command line)",)
    d = detect(cluster)
    if d.confidence is Confidence.NONE:
        why = f" ({'; '.join(d.evidence)})" if d.evidence else ""
        return d.profile, (f"CNI: none detected in the manifests{why}; NetworkPolicy "
                           "enforcement is assumed (name the plugin with --cni)",)
    return d.profile, (f"CNI: {d.profile.label}, detected ({d.confidence.value} confidence) from "
                       f"{', '.join(d.evidence)}",)
