"""The cluster-wide tiers in the all-pairs engine: ordered masks over (port class, peer class).

For one subject class and one direction, each rule covers a (K x C) mask of (port
class, peer class) cells.  The tiers are built backwards from the default, as the SMT
engine builds its formulas: a rule's cells take its action's answer, the others keep
what follows it; a Pass leads to the layer below the tier (NetworkPolicy's row for a
class it isolates, else the Baseline tier).  Two masks are carried: ``lo`` (allowed
whatever the implementation chooses) and ``hi`` (allowed for some choice), so that
policies tied at one priority, v1alpha1 next to v1alpha2 and rules that may match
(a reversed v1alpha1 range, a host-network pod without an IP against ``nodes``) stay
vectorised; their undecided cells are ``hi`` and not ``lo``.  ``engines.tiers`` is the
pair-by-pair reference the property tests hold this to.
"""

from __future__ import annotations

from itertools import permutations
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from netverify.cluster_policies import Action, ClusterPolicy, PeerKind, Tier, TierPeer, TierRule
from netverify.engines.classes import tier_numbered_ports
from netverify.engines.tiers import MAX_TIED, TierEvaluator, tier_orders
from netverify.model import Direction, Pod
from netverify.ports import PROTOCOLS, PortSet
from netverify.selectors import LabelSelector

if TYPE_CHECKING:
    from netverify.engines.allpairs import _Builder

BoolArray = npt.NDArray[np.bool_]
Index = npt.NDArray[np.intp]


class TierMasks:
    """Masks of the tiers' subjects, peers and ports over one cluster's classes."""

    def __init__(self, b: _Builder) -> None:
        self.b = b
        self.tiers = TierEvaluator(b.cluster)
        # Peers are cached by what they match, not by identity: fifty policies naming the
        # monitoring namespace share one mask.
        self._peer_cache: dict[tuple[object, ...], tuple[BoolArray, BoolArray]] = {}
        self._ns_cache: dict[object, BoolArray] = {}  # namespace selector -> reps in it
        self._pod_cache: dict[object, BoolArray] = {}  # pod selector -> reps it matches
        self._selection: list[tuple[tuple[int, ...], tuple[int, ...]]] | None = None
        self._pods = np.array([not r.host_network for r in b.reps], dtype=bool)

    @property
    def active(self) -> bool:
        """Whether the cluster holds any cluster-wide policy."""
        return self.tiers.active

    def selection(self, c: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Indexes of the Admin and Baseline policies whose subject holds class ``c``."""
        if self._selection is None:
            admin: list[list[int]] = [[] for _ in self.b.reps]
            base: list[list[int]] = [[] for _ in self.b.reps]
            for i, pol in enumerate(self.b.cluster.cluster_policies):
                mask = self._pods & self._namespaces(pol.subject_namespaces)
                if pol.subject_pods is not None:
                    mask = mask & self._labels(pol.subject_pods)
                for k in np.flatnonzero(mask):
                    (admin if pol.tier is Tier.ADMIN else base)[int(k)].append(i)
            self._selection = [(tuple(a), tuple(b)) for a, b in zip(admin, base, strict=True)]
        return self._selection[c]

    def _namespaces(self, sel: LabelSelector | None) -> BoolArray:
        """Reps in a namespace ``sel`` selects (every namespace when None)."""
        m = self._ns_cache.get(sel)
        if m is None:
            ok = {ns: sel is None or sel.matches(self.b.cluster.namespace_labels(ns))
                  for ns in {r.namespace for r in self.b.reps}}
            m = np.array([ok[r.namespace] for r in self.b.reps], dtype=bool)
            self._ns_cache[sel] = m
        return m

    def _labels(self, sel: LabelSelector) -> BoolArray:
        """Reps whose labels ``sel`` matches."""
        m = self._pod_cache.get(sel)
        if m is None:
            m = np.array([sel.matches(r.labels) for r in self.b.reps], dtype=bool)
            self._pod_cache[sel] = m
        return m

    # -- one subject class -------------------------------------------------

    def gather(self, family: int) -> None:
        """Read every peer mask the rules of both directions will read (see ``_Builder``)."""
        for pol in self.b.cluster.cluster_policies:
            for direction in Direction:
                for rule in pol.rules(direction):
                    for peer in rule.peers:
                        self._peer(peer, family, direction)

    def compose(self, direction: Direction, c: int, np_isolated: bool,
                np_allowed: BoolArray, family: int, cols: Index
                ) -> tuple[BoolArray, BoolArray]:
        """(allowed, undecided), each (K x len(cols)), for class ``c``'s side of ``direction``.

        Connections are those over ``family``, towards the peer classes ``cols``.

        Built from the end of each tier backwards, as ``engines.smt.tiers`` builds its
        formulas: ``lo`` holds the cells allowed whatever the implementation chooses,
        ``hi`` those allowed for some choice (policies tied at one priority in any
        order, v1alpha1 and v1alpha2 in each reading of their order, rules that may
        match both ways); undecided is ``hi`` and not ``lo``.
        """
        pols = self.b.cluster.cluster_policies
        admin_i, base_i = self.selection(c)
        ones = np.ones((self.b.K, len(cols)), dtype=bool)
        default = (ones, ones)
        base = self._tier([pols[i] for i in base_i], direction, c, family, cols, default,
                          default)
        below = (np_allowed, np_allowed) if np_isolated else base
        lo, hi = self._tier([pols[i] for i in admin_i], direction, c, family, cols, below,
                            below)
        return lo, hi & ~lo

    def _tier(self, policies: list[ClusterPolicy], direction: Direction, c: int,
              family: int, cols: Index, lower: tuple[BoolArray, BoolArray],
              rest: tuple[BoolArray, BoolArray]) -> tuple[BoolArray, BoolArray]:
        """(lo, hi) of one tier's policies over ``rest`` (what follows them).

        A Pass leads to ``lower``.
        """
        readings = []
        for groups in tier_orders(policies):
            out = rest
            for group in reversed(groups):
                if len(group) > MAX_TIED:
                    out = self._many_tied(group, direction, c, family, cols, out)
                    continue
                orders = list(permutations(group))[: _max_orders(len(group))]
                alts = [self._steps([(p, r) for p in order for r in p.rules(direction)],
                                    direction, c, family, cols, out, lower)
                        for order in orders]
                out = (np.logical_and.reduce([a[0] for a in alts]),
                       np.logical_or.reduce([a[1] for a in alts]))
            readings.append(out)
        return (np.logical_and.reduce([r[0] for r in readings]),
                np.logical_or.reduce([r[1] for r in readings]))

    def _many_tied(self, group: list[ClusterPolicy], direction: Direction, c: int,
                   family: int, cols: Index, rest: tuple[BoolArray, BoolArray]
                   ) -> tuple[BoolArray, BoolArray]:
        """Bound more than ``MAX_TIED`` policies at one priority.

        As the pair evaluator says: whatever any of their rules may match is undecided,
        the rest goes on.
        """
        touched = np.zeros((self.b.K, len(cols)), dtype=bool)
        for pol in group:
            for rule in pol.rules(direction):
                sure, maybe = self._rule(pol, rule, direction, c, family, cols)
                for m in (sure, maybe):
                    if m is not None:
                        touched |= m
        return rest[0] & ~touched, rest[1] | touched

    def _steps(self, steps: list[tuple[ClusterPolicy, TierRule]], direction: Direction,
               c: int, family: int, cols: Index, rest: tuple[BoolArray, BoolArray],
               lower: tuple[BoolArray, BoolArray]) -> tuple[BoolArray, BoolArray]:
        lo, hi = rest
        K, C = self.b.K, len(cols)
        for pol, rule in reversed(steps):
            sure, maybe = self._rule(pol, rule, direction, c, family, cols)
            if sure is None and maybe is None:
                continue
            if _fails_closed(rule) or rule.action is Action.DENY:
                act = (np.zeros((K, C), dtype=bool), np.zeros((K, C), dtype=bool))
            elif rule.action is Action.ACCEPT:
                act = (np.ones((K, C), dtype=bool), np.ones((K, C), dtype=bool))
            else:
                act = lower
            if maybe is not None:
                lo = np.where(maybe, act[0] & lo, lo)
                hi = np.where(maybe, act[1] | hi, hi)
            if sure is not None:
                lo = np.where(sure, act[0], lo)
                hi = np.where(sure, act[1], hi)
        return lo, hi

    def _classes(self, ports: PortSet) -> BoolArray:
        """Port classes inside ``ports`` (port classes are fine enough to be exact)."""
        return np.array([not ps.intersection(ports).is_empty
                         for ps in self.b.ports.portsets], dtype=bool)

    # -- masks ---------------------------------------------------------------

    def _rule(self, pol: ClusterPolicy, rule: TierRule, direction: Direction,
              c: int, family: int, cols: Index) -> tuple[BoolArray | None, BoolArray | None]:
        """(K x len(cols)) cells the rule surely matches for subject class ``c``, and those it may.

        It may match a reversed v1alpha1 range, or a host-network pod without an IP
        against a ``nodes`` peer; None for none.
        """
        K, C = self.b.K, len(cols)
        if _fails_closed(rule):
            return np.ones((K, C), dtype=bool), None  # a Deny-all rule
        sure_peers = np.zeros(C, dtype=bool)
        maybe_peers = np.zeros(C, dtype=bool)
        for peer in rule.peers:
            s, m = self._peer(peer, family, direction)
            sure_peers |= s[cols]
            maybe_peers |= m[cols]
        maybe_peers &= ~sure_peers
        if not sure_peers.any() and not maybe_peers.any():
            return None, None
        cover, named, reversed_ = self._ports(rule)
        if direction is Direction.INGRESS:  # named ports resolve on the subject
            cv = cover.copy()
            for name in named:
                for proto in PROTOCOLS:
                    cv |= self.b.named_cover(name, proto)[:, c]
            ports = np.repeat(cv[:, None], C, axis=1)
        else:
            ports = np.repeat(cover[:, None], C, axis=1)
            for name in named:
                for proto in PROTOCOLS:
                    ports = ports | self.b.named_cover(name, proto)[:, cols]
        rev = np.repeat(reversed_[:, None], C, axis=1) & ~ports
        sure = ports & sure_peers[None, :]
        maybe = (rev & sure_peers[None, :]) | ((ports | rev) & maybe_peers[None, :])
        return (sure if sure.any() else None), (maybe if maybe.any() else None)

    def _ports(self, rule: TierRule) -> tuple[BoolArray, list[str], BoolArray]:
        """Port classes the rule's numbered entries cover, its named ports, and maybe-classes.

        The maybe-classes lie between the ends of reversed v1alpha1 ranges (which may match).
        """
        v = np.zeros(self.b.K, dtype=bool)
        rev = np.zeros(self.b.K, dtype=bool)
        if rule.ports is None:
            v[:] = True
            return v, [], rev
        v[list(self.b.ports.cover(tier_numbered_ports(rule)))] = True
        forward = PortSet.empty()
        for port in rule.ports:
            if port.protocol is not None and port.start is not None and port.end is not None \
                    and port.start <= port.end:
                forward = forward.union(PortSet.of(port.protocol, port.start, port.end))
        if any(p.start is not None and p.end is not None and p.start > p.end
               for p in rule.ports):
            rev = v & ~self._classes(forward)
            v = v & ~rev
        return v, [port.name for port in rule.ports if port.name is not None], rev

    def _peer(self, peer: TierPeer, family: int, direction: Direction
              ) -> tuple[BoolArray, BoolArray]:
        """Peer classes the peer surely matches, and those it may match."""
        key: tuple[object, ...] = (
            peer.kind, peer.namespace_selector, peer.pod_selector, peer.addresses,
            peer.node_selector, peer.domain_names,
            family if peer.kind in (PeerKind.NETWORKS, PeerKind.NODES) else 0)
        m = self._peer_cache.get(key)
        if m is None:
            none = np.zeros(len(self.b.reps), dtype=bool)
            if peer.kind is PeerKind.NAMESPACES:
                m = (self._pods & self._namespaces(peer.namespace_selector), none)
            elif peer.kind is PeerKind.PODS:
                sure = self._pods & self._namespaces(peer.namespace_selector)
                if peer.pod_selector is not None:
                    sure = sure & self._labels(peer.pod_selector)
                m = (sure, none)
            else:  # networks, nodes, domainNames: the pair evaluator's own definition
                fams = frozenset({family})
                got = [self._peer_matches(peer, r, fams) for r in self.b.reps]
                m = (np.array([g is True for g in got], dtype=bool),
                     np.array([g is None for g in got], dtype=bool))
            self._peer_cache[key] = m
        self.b.register(direction, ("tier-sure", key), m[0])
        self.b.register(direction, ("tier-maybe", key), m[1])
        return m

    def _peer_matches(self, peer: TierPeer, pod: Pod, families: frozenset[int]
                      ) -> bool | None:
        if peer.kind is PeerKind.UNKNOWN:
            return False
        # the pair evaluator's own definition of every peer type
        found, _ = self.tiers.peer_matches(peer, _ACCEPT_PROBE, pod, families)
        return found


def _max_orders(n: int) -> int:
    """Every order of up to ``MAX_TIED`` tied policies (beyond, the first few: rare)."""
    return 1 if n == 1 else (120 if n <= MAX_TIED else 24)


def _fails_closed(rule: TierRule) -> bool:
    return rule.action is not Action.ACCEPT and any(
        p.kind is PeerKind.UNKNOWN for p in rule.peers)


# peer_matches reads the rule only for its action (fail-closed and domainNames cases,
# both handled above); an Accept probe asks "does this peer select the pod".
_ACCEPT_PROBE = TierRule(direction=Direction.EGRESS, index=0, name="", action=Action.ACCEPT,
                         written_action="Accept", peers=(), ports=None)

__all__ = ["TierMasks"]
