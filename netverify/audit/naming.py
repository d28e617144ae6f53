"""The one name a finding about a pod carries: its workload's object, or the pod's own.

Findings are suppressed by the ``netverify.io/ignore`` annotation of the object they
name (``audit/run.py``), so every rule must name a pod the same way: a pod of a known
workload (a Deployment's replica in a cluster dump, or the pod a workload template
stands for) is reported as ``Deployment ns/name``, a bare pod as ``Pod ns/name``.
Naming lives here so that no rule invents its own (and a suppression works whatever
rule raised the finding).  Nothing here decides what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable

from netverify.model import Pod
from netverify.results import Related


def workload_object(pod: Pod) -> str:
    """``Deployment ns/name`` for a pod of a known workload, else ``Pod ns/name``.

    The loader sets ``workload`` and ``workload_kind`` together: on a template's pod
    (the workload itself) and on a real pod whose owner chain it could follow.
    """
    if pod.workload and pod.workload_kind:
        return f"{pod.workload_kind} {pod.namespace}/{pod.workload}"
    return f"{pod.kind} {pod.key}"


def related_workloads(pods: Iterable[Pod], role: str) -> tuple[Related, ...]:
    """One ``Related`` per workload of ``pods`` (replicas collapse into their workload), sorted."""
    out: dict[str, Related] = {}
    for pod in pods:
        name = workload_object(pod)
        if name not in out:
            out[name] = Related(object=name, role=role, source=pod.source)
    return tuple(out[k] for k in sorted(out))
