"""Which CNI answer a query gives: the named plugin, the detected one, or none.

Every query that returns verdicts can also return what the cluster's plugin
will actually do; this module picks the profile and says how it was chosen.
"""

from __future__ import annotations

from netverify.cni import CniProfile, detect, profile
from netverify.model import Cluster
from netverify.verdicts import Confidence


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
