"""Where a finding whose own object has no manifest line can point instead.

Code scanning shows no SARIF result without a file and line, yet some findings are
about objects the manifests only name (a namespace that is used but not declared).
The report keeps, per namespace, the first object of it the input locates, so that the
SARIF renderer can point such a finding there.
"""

from __future__ import annotations

from netverify.model import Cluster
from netverify.source import SourceRef


def anchors(cluster: Cluster) -> dict[str, SourceRef]:
    """Namespace -> its first object with a manifest line; ``""`` -> the first of all.

    The first pod or workload, else policy, else Service, by file, document and item.
    """
    def position(src: SourceRef) -> tuple[str, int, int]:
        return src.file, src.document, src.item or 0

    found: dict[str, SourceRef] = {}
    for objects in (cluster.pods, cluster.policies, cluster.services):
        first: dict[str, SourceRef] = {}
        for obj in objects:
            src = obj.source
            for key in (obj.namespace, ""):
                if src is not None and (key not in first
                                        or position(src) < position(first[key])):
                    first[key] = src
        for key, src in first.items():
            found.setdefault(key, src)
    return found
