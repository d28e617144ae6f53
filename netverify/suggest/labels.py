"""Which labels select a workload: the ones a person would write, and only enough of them.

A selector is made of labels every pod of the workload carries with the same value,
in the order people use them (``app.kubernetes.io/name``, ``app``, ...), never the
labels controllers stamp on each pod or revision (``pod-template-hash``,
``controller-revision-hash``, ``statefulset.kubernetes.io/pod-name``, ...): those change
on every rollout or name one replica.  Labels are added until the selector picks no
pod of another workload of the namespace; when even all stable labels do not tell two
workloads apart, the selector says which others it also picks, and the proof decides
whether that matters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from netverify.model import Pod

# Stamped per revision, replica or run by controllers: never a selector a person keeps.
UNSTABLE = frozenset({
    "pod-template-hash",
    "controller-revision-hash",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "controller-uid",
    "batch.kubernetes.io/controller-uid",
    "job-name",
    "batch.kubernetes.io/job-name",
    "batch.kubernetes.io/job-completion-index",
    "pod-template-generation",
})
# The labels people select workloads by, most usual first.
PREFERRED = (
    "app.kubernetes.io/name",
    "app",
    "k8s-app",
    "name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
    "component",
    "tier",
    "role",
)


@dataclass(frozen=True, slots=True)
class Choice:
    """A workload's selector and the other workloads of its namespace it also selects."""

    labels: tuple[tuple[str, str], ...]
    also: tuple[str, ...]  # other workloads (``ns/name``) whose pods it matches


def _common(pods: list[Pod]) -> dict[str, str]:
    """Labels every pod carries with one value, unstable ones left out."""
    first = pods[0].labels
    return {k: v for k, v in first.items()
            if k not in UNSTABLE and all(p.labels.get(k) == v for p in pods[1:])}


def _order(labels: Mapping[str, str]) -> list[str]:
    rank = {k: i for i, k in enumerate(PREFERRED)}
    return sorted(labels, key=lambda k: (rank.get(k, len(PREFERRED)), k))


def _matches(labels: dict[str, str], pod: Pod) -> bool:
    return all(pod.labels.get(k) == v for k, v in labels.items())


def choose_selectors(workloads: Mapping[str, list[Pod]], namespace_groups: list[str]
                     ) -> dict[str, Choice]:
    """A selector for each workload of one namespace (``namespace_groups`` are its keys)."""
    out: dict[str, Choice] = {}
    for g in namespace_groups:
        mine = workloads[g]
        others = [(h, p) for h in namespace_groups if h != g for p in workloads[h]]
        common = _common(mine)
        chosen: dict[str, str] = {}
        for k in _order(common):
            if chosen and not any(_matches(chosen, p) for _, p in others):
                break
            chosen[k] = common[k]
        also = tuple(sorted({h for h, p in others if _matches(chosen, p)}))
        out[g] = Choice(labels=tuple(sorted(chosen.items())), also=also)
    return out
