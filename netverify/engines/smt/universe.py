"""The finite alphabet the SMT encoding draws labels and names from.

Why finite: a selector can only tell apart the values it mentions, so for
each label key it is enough to know the values any selector or existing
object uses, plus one "other" value standing for every value nobody mentions.
A witness that uses "other" gets a fresh, valid value that appears nowhere in
the input.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from netverify.model import NAMESPACE_NAME_LABEL, Cluster, Direction
from netverify.ports import Protocol
from netverify.selectors import LabelSelector


@dataclass(frozen=True)
class Universe:
    """Label keys and their known values; namespaces in a fixed order; named ports."""

    keys: tuple[str, ...]
    values: dict[str, tuple[str, ...]]  # key -> known values; index len(values) is "other"
    namespaces: tuple[str, ...]
    port_names: tuple[tuple[str, Protocol], ...]

    def value_index(self, key: str, value: str) -> int:
        """Index of ``value`` for ``key`` (the "other" index when unknown)."""
        vals = self.values[key]
        try:
            return vals.index(value)
        except ValueError:
            return len(vals)

    def other(self, key: str) -> int:
        """The index standing for any value no selector or object mentions."""
        return len(self.values[key])

    def fresh_value(self, key: str) -> str:
        """A valid label value not among the known ones (to show "other" in a witness)."""
        known = set(self.values[key])
        n = 0
        while f"other{n}" in known:
            n += 1
        return f"other{n}"

    def value_name(self, key: str, index: int) -> str:
        """The value text for an index."""
        vals = self.values[key]
        return vals[index] if index < len(vals) else self.fresh_value(key)


def _selector_values(sel: LabelSelector | None, out: dict[str, set[str]]) -> None:
    if sel is None:
        return
    for req in sel.requirements:
        out[req.key].update(req.values)


def build_universe(cluster: Cluster, extra: list[LabelSelector] | None = None) -> Universe:
    """Collect the keys and values every selector mentions.

    ``extra`` selectors (from a query) join the alphabet so that the question can
    name values the manifests do not.
    """
    vals: dict[str, set[str]] = defaultdict(set)
    names: set[tuple[str, Protocol]] = set()
    for pol in cluster.policies:
        _selector_values(pol.pod_selector, vals)
        for d in Direction:
            for rule in pol.rules(d):
                for peer in rule.peers or ():
                    _selector_values(peer.pod_selector, vals)
                    _selector_values(peer.namespace_selector, vals)
                for spec in rule.ports or ():
                    if isinstance(spec.port, str):
                        names.add((spec.port, spec.protocol))
    for cp in cluster.cluster_policies:
        _selector_values(cp.subject_namespaces, vals)
        _selector_values(cp.subject_pods, vals)
        for d in Direction:
            for trule in cp.rules(d):
                for tpeer in trule.peers:
                    _selector_values(tpeer.namespace_selector, vals)
                    _selector_values(tpeer.pod_selector, vals)
                for tport in trule.ports or ():
                    if tport.name is not None:  # the container port's own protocol
                        names.update((tport.name, proto) for proto in Protocol)
    for sel in extra or ():
        _selector_values(sel, vals)
    # Only keys some selector reads matter; values nobody mentions all behave
    # like "other".  Existing namespace names stay known so that a new namespace
    # never reuses one.
    vals[NAMESPACE_NAME_LABEL].update(cluster.namespaces)
    keys = tuple(sorted(vals))
    return Universe(
        keys=keys,
        values={k: tuple(sorted(vals[k])) for k in keys},
        namespaces=tuple(sorted(cluster.namespaces)),
        port_names=tuple(sorted(names, key=lambda t: (t[0], t[1].value))),
    )
