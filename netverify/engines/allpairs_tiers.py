"""The cluster-wide tiers in the all-pairs engine: ordered masks over (port class, peer class).

For one subject class and one direction, the tiers are a sequence of rules; each
rule covers a (K x C) mask of (port class, peer class) cells.  Walking the rules in
order with a mask of cells still open decides every cell at once, exactly as
``engines.tiers`` decides one pair's port set: Accept and Deny take their cells
out, a Pass sends them to NetworkPolicy (the row the NetworkPolicy part of the
engine built), and the Baseline tier sees what NetworkPolicy does not isolate.

Rows whose answer the manifests cannot settle (policies tied at one priority, a
reversed v1alpha1 port range, a ``nodes`` peer and a host-network pod without an
IP) are rare; they are evaluated pair by pair with ``engines.tiers``, which keeps
one definition of those cases.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from netverify.cluster_policies import Action, ClusterPolicy, PeerKind, Tier, TierPeer, TierRule
from netverify.engines.classes import tier_numbered_ports
from netverify.engines.tiers import TierEvaluator, tier_orders
from netverify.model import Direction, Pod
from netverify.ports import PROTOCOLS, PortSet

if TYPE_CHECKING:
    from netverify.engines.allpairs import _Builder

BoolArray = npt.NDArray[np.bool_]


class TierMasks:
    """Masks of the tiers' subjects, peers and ports over one cluster's classes."""

    def __init__(self, b: _Builder) -> None:
        self.b = b
        self.tiers = TierEvaluator(b.cluster)
        self._peer_cache: dict[tuple[int, int], BoolArray] = {}
        self._rule_cache: dict[tuple[int, Direction, int], BoolArray | None] = {}

    @property
    def active(self) -> bool:
        """Whether the cluster holds any cluster-wide policy."""
        return self.tiers.active

    def selection(self, c: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Indexes of the Admin and Baseline policies whose subject holds class ``c``."""
        rep = self.b.reps[c]
        pols = self.b.cluster.cluster_policies
        admin = tuple(i for i, p in enumerate(pols)
                      if p.tier is Tier.ADMIN and self.tiers.selects(p, rep))
        base = tuple(i for i, p in enumerate(pols)
                     if p.tier is Tier.BASELINE and self.tiers.selects(p, rep))
        return admin, base

    def needs_pairs(self, policies: list[ClusterPolicy], direction: Direction) -> bool:
        """Whether these policies hold something only pair-by-pair evaluation settles."""
        prios = [(p.tier, p.priority) for p in policies]
        if len(set(prios)) != len(prios) or any(
                len(tier_orders([p for p in policies if p.tier is t])) > 1 for t in Tier):
            return True
        host_without_ip = any(r.host_network and not r.ips for r in self.b.reps)
        for p in policies:
            for rule in p.rules(direction):
                for port in rule.ports or ():
                    if port.start is not None and port.end is not None and port.start > port.end:
                        return True
                if host_without_ip and any(pe.kind is PeerKind.NODES for pe in rule.peers):
                    return True
        return False

    # -- one subject class -------------------------------------------------

    def compose(self, direction: Direction, c: int, np_isolated: bool,
                np_allowed: BoolArray, family: int) -> tuple[BoolArray, BoolArray]:
        """(allowed, undecided), each (K x C), for class ``c``'s side of ``direction``
        over connections of ``family``."""
        pols = self.b.cluster.cluster_policies
        admin_i, base_i = self.selection(c)
        admin = [pols[i] for i in admin_i]
        base = [pols[i] for i in base_i]
        K, C = self.b.K, self.b.C
        if self.needs_pairs(admin + base, direction):
            return self._by_pairs(direction, c, np_isolated, np_allowed, family)
        allow = np.zeros((K, C), dtype=bool)
        open_ = np.ones((K, C), dtype=bool)
        passed = np.zeros((K, C), dtype=bool)
        for pol in admin:
            for rule in pol.rules(direction):
                m = self._rule(pol, rule, direction, c, family)
                if m is None:
                    continue
                hit = open_ & m
                if rule.action is Action.ACCEPT:
                    allow |= hit
                elif rule.action is Action.PASS and not _fails_closed(rule):
                    passed |= hit
                open_ &= ~hit
        to_np = open_ | passed
        if np_isolated:
            allow |= to_np & np_allowed
            return allow, np.zeros((K, C), dtype=bool)
        open_ = to_np
        for pol in base:
            for rule in pol.rules(direction):
                m = self._rule(pol, rule, direction, c, family)
                if m is None:
                    continue
                hit = open_ & m
                if rule.action is Action.ACCEPT or (
                        rule.action is Action.PASS and not _fails_closed(rule)):
                    allow |= hit  # a Pass in the Baseline tier leaves it to the default
                open_ &= ~hit
        allow |= open_  # the default: allow
        return allow, np.zeros((K, C), dtype=bool)

    def _by_pairs(self, direction: Direction, c: int, np_isolated: bool,
                  np_allowed: BoolArray, family: int) -> tuple[BoolArray, BoolArray]:
        K, C = self.b.K, self.b.C
        allow = np.zeros((K, C), dtype=bool)
        und = np.zeros((K, C), dtype=bool)
        subject = self.b.reps[c]
        for d in range(C):
            other = self.b.reps[d]
            dst = other if direction is Direction.EGRESS else subject
            np_ports = self._portset(np_allowed[:, d])
            out = self.tiers.side(direction, subject, other, dst, np_isolated=np_isolated,
                                  np_allowed=np_ports, families=frozenset({family}))
            allow[:, d] = self._classes(out.allow)
            und[:, d] = self._classes(out.undecided)
        return allow, und

    def _portset(self, column: BoolArray) -> PortSet:
        out = PortSet.empty()
        for k in np.flatnonzero(column):
            out = out.union(self.b.ports.portsets[int(k)])
        return out

    def _classes(self, ports: PortSet) -> BoolArray:
        """Port classes inside ``ports`` (port classes are fine enough to be exact)."""
        return np.array([not ps.intersection(ports).is_empty
                         for ps in self.b.ports.portsets], dtype=bool)

    # -- masks ---------------------------------------------------------------

    def _rule(self, pol: ClusterPolicy, rule: TierRule, direction: Direction,
              c: int, family: int) -> BoolArray | None:
        """(K x C) cells the rule matches for subject class ``c`` (None: nothing)."""
        if _fails_closed(rule):
            return np.ones((self.b.K, self.b.C), dtype=bool)  # a Deny-all rule
        peers = np.zeros(self.b.C, dtype=bool)
        for peer in rule.peers:
            peers |= self._peer(peer, family)
        if not peers.any():
            return None
        cover, named = self._ports(rule)
        if not named:
            return cover[:, None] & peers[None, :]
        if direction is Direction.INGRESS:  # named ports resolve on the subject
            cv = cover.copy()
            for name in named:
                for proto in PROTOCOLS:
                    cv |= self.b.named_cover(name, proto)[:, c]
            return cv[:, None] & peers[None, :]
        cm = np.repeat(cover[:, None], self.b.C, axis=1)
        for name in named:
            for proto in PROTOCOLS:
                cm |= self.b.named_cover(name, proto)
        return cm & peers[None, :]

    def _ports(self, rule: TierRule) -> tuple[BoolArray, list[str]]:
        v = np.zeros(self.b.K, dtype=bool)
        if rule.ports is None:
            v[:] = True
            return v, []
        v[list(self.b.ports.cover(tier_numbered_ports(rule)))] = True
        return v, [port.name for port in rule.ports if port.name is not None]

    def _peer(self, peer: TierPeer, family: int) -> BoolArray:
        key = (id(peer), family)
        m = self._peer_cache.get(key)
        if m is None:
            fams = frozenset({family})
            m = np.array([self._peer_matches(peer, r, fams) for r in self.b.reps], dtype=bool)
            self._peer_cache[key] = m
        return m

    def _peer_matches(self, peer: TierPeer, pod: Pod, families: frozenset[int]) -> bool:
        if peer.kind is PeerKind.UNKNOWN:
            return False
        # the pair evaluator's own definition of every peer type
        found, _ = self.tiers.peer_matches(peer, _ACCEPT_PROBE, pod, families)
        return found is True


def _fails_closed(rule: TierRule) -> bool:
    return rule.action is not Action.ACCEPT and any(
        p.kind is PeerKind.UNKNOWN for p in rule.peers)


# peer_matches reads the rule only for its action (fail-closed and domainNames cases,
# both handled above); an Accept probe asks "does this peer select the pod".
_ACCEPT_PROBE = TierRule(direction=Direction.EGRESS, index=0, name="", action=Action.ACCEPT,
                         written_action="Accept", peers=(), ports=None)

__all__ = ["TierMasks"]
