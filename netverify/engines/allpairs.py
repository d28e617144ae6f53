"""The whole pod-to-pod relation at once, as boolean matrices over classes.

Cost model.  With C pod classes, K port classes and R rules, the engine builds
for each direction one (K x C) matrix per distinct *selection signature* (the
set of policies isolating a class, plus for ingress the destination's named
ports), OR-ing one (K x C) term per rule: O(signatures x rules x K x C).  It
then forms, for each port class k, ``OUT_k & IN_k.T`` over (C x C): O(K x C^2)
vectorized.  No per-pair Python loop and no solver call; the pair-by-pair
``Evaluator`` is the reference it is tested against.

Address families.  A connection uses one family, and ipBlocks see a pod's
address of that family (see ``concrete.py``).  When the known pod addresses
are all of one family, every pair can connect over it and one pass over that
family is exact; when both families occur, the engine makes one pass per
family, keeps the pairs that can use it, and ORs the two.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from netverify.engines.allpairs_tiers import TierMasks
from netverify.engines.classes import (
    PodClasses,
    PortClasses,
    numbered_ports,
    pod_classes,
    port_classes,
    port_predicates,
)
from netverify.engines.concrete import Evaluator, ipset_matches
from netverify.ipblocks import IPv4
from netverify.model import Cluster, Direction, NetworkPolicy, Peer, Pod, Rule
from netverify.ports import PROTOCOLS, PortSet, Protocol

BoolArray = npt.NDArray[np.bool_]
# A set of port classes in the layout of ``AllPairs.words``: bit ``k % 64`` of word
# ``k // 64`` for port class ``k``.
PortMask = tuple[int, ...]


@dataclass
class AllPairs:
    """Allowed port classes for every ordered pair of pod classes.

    ``words[w][s, d]`` holds bits ``64*w .. 64*w+63`` of the port classes allowed
    from class ``s`` to class ``d`` (loopback not applied: that is per pod).
    """

    pods: PodClasses
    ports: PortClasses
    words: list[npt.NDArray[np.uint64]]
    computed: tuple[int, ...]  # port classes computed (all unless restricted)
    # Port classes neither allowed nor denied (cluster-wide policies tied at one
    # priority, ...), in the same layout; None when there are none.
    undecided: list[npt.NDArray[np.uint64]] | None = None

    def undecided_portset(self, s: int, d: int) -> PortSet:
        """Ports from class ``s`` to class ``d`` the manifests cannot decide."""
        if self.undecided is None:
            return PortSet.empty()
        return self.portset_of_signature(tuple(int(w[s, d]) for w in self.undecided))

    def portset(self, s: int, d: int) -> PortSet:
        """Allowed ports from class ``s`` to class ``d``."""
        sig = tuple(int(w[s, d]) for w in self.words)
        return self.portset_of_signature(sig)

    def portset_of_signature(self, sig: tuple[int, ...]) -> PortSet:
        """Union of the port classes whose bits are set in ``sig``."""
        out = PortSet.empty()
        for w, bits in enumerate(sig):
            b = bits
            while b:
                low = b & -b
                k = 64 * w + low.bit_length() - 1
                out = out.union(self.ports.portsets[k])
                b ^= low
        return out

    def any_allowed(self) -> BoolArray:
        """(C x C): some connection allowed among the computed port classes."""
        out = np.zeros(self.words[0].shape, dtype=bool)
        for w in self.words:
            out |= w != 0
        return out

    def mask_outside(self, ignore: PortSet) -> PortMask:
        """The computed port classes holding some port outside ``ignore``.

        A port class is all or nothing for every rule, so a class either lies inside
        ``ignore`` or counts; audit rules pass ``DNS_PORTS`` to leave DNS out.
        """
        words = [0] * len(self.words)
        for k in self.computed:
            if not self.ports.portsets[k].difference(ignore).is_empty:
                words[k // 64] |= 1 << (k % 64)
        return tuple(words)

    def reach(self, sources: Sequence[int], targets: Sequence[int],
              keep: Sequence[PortMask]) -> BoolArray:
        """(S x T): source class ``sources[i]`` may reach target class ``targets[j]``.

        On some port class of ``keep[j]``: one mask per target, as what counts may depend
        on the target (e.g. the ports it already opens to the internet).  Loopback is not
        applied (classes, not pods).  One vectorised AND per 64-bit word over the (S x T)
        block, so audit rules ask about namespaces at once instead of walking pairs.
        """
        if len(keep) != len(targets):
            raise ValueError("one port mask per target class")
        rows = np.asarray(sources, dtype=np.intp)
        cols = np.asarray(targets, dtype=np.intp)
        hit = np.zeros((len(rows), len(cols)), dtype=bool)
        if not len(rows) or not len(cols):
            return hit
        masks = np.array(keep, dtype=np.uint64).reshape(len(cols), len(self.words))
        for w, words in enumerate(self.words):
            hit |= (words[np.ix_(rows, cols)] & masks[:, w][None, :]) != 0
        return hit

    def allowed_ports(self, sources: Sequence[int], target: int, keep: PortMask) -> PortSet:
        """The ports of ``keep`` allowed to class ``target`` from some class of ``sources``."""
        rows = np.asarray(sources, dtype=np.intp)
        sig = tuple((int(np.bitwise_or.reduce(words[rows, target])) if len(rows) else 0)
                    & keep[w] for w, words in enumerate(self.words))
        return self.portset_of_signature(sig)

    def allowed_on(self, protocol: Protocol, port: int) -> BoolArray:
        """(C x C): the one (protocol, port) is allowed."""
        k = self.ports.class_of(protocol, port)
        if k not in self.computed:
            raise ValueError(f"port class {k} was not computed")
        bits: BoolArray = ((self.words[k // 64] >> np.uint64(k % 64)) & np.uint64(1)) != 0
        return bits


class _Builder:
    def __init__(self, cluster: Cluster, classes: PodClasses) -> None:
        self.cluster = cluster
        self.ev = Evaluator(cluster)
        self.classes = classes
        self.reps = classes.reps
        self.C = len(self.reps)
        self.by_ns: dict[str, list[int]] = {}
        for i, p in enumerate(self.reps):
            if not p.host_network:
                self.by_ns.setdefault(p.namespace, []).append(i)
        self._sel_cache: dict[tuple[object, ...], BoolArray] = {}
        self._ns_cache: dict[object, list[str]] = {}
        self.ports = port_classes(port_predicates(cluster, self.reps))
        self.K = len(self.ports)
        self._named_cache: dict[tuple[str, Protocol], BoolArray] = {}
        self.tiers = TierMasks(self)

    # -- masks over pod classes --------------------------------------------

    def _pods_matching(self, namespaces: list[str], selector: object,
                       match: Callable[[Pod], bool]) -> BoolArray:
        key = (tuple(namespaces), selector)
        m = self._sel_cache.get(key)
        if m is None:
            m = np.zeros(self.C, dtype=bool)
            for ns in namespaces:
                for i in self.by_ns.get(ns, ()):
                    if match(self.reps[i]):
                        m[i] = True
            self._sel_cache[key] = m
        return m

    def selected(self, pol: NetworkPolicy) -> BoolArray:
        sel = pol.pod_selector
        return self._pods_matching([pol.namespace], sel, lambda p: sel.matches(p.labels))

    def peer_mask(self, pol: NetworkPolicy, peer: Peer, family: int) -> BoolArray:
        if peer.ip_block is not None:
            addrs = peer.ip_block.addresses
            key = ("ip", addrs, family)
            m = self._sel_cache.get(key)
            if m is None:
                fams = frozenset({family})
                m = np.array([ipset_matches(addrs, p, fams) for p in self.reps], dtype=bool)
                self._sel_cache[key] = m
            return m
        nss = self._namespaces(pol, peer)
        ps = peer.pod_selector
        if ps is None:
            return self._pods_matching(nss, None, lambda p: True)
        return self._pods_matching(nss, ps, lambda p: ps.matches(p.labels))

    def _namespaces(self, pol: NetworkPolicy, peer: Peer) -> list[str]:
        ns_sel = peer.namespace_selector
        if ns_sel is None:
            return [pol.namespace]
        got = self._ns_cache.get(ns_sel)
        if got is None:
            got = [n for n in sorted(self.by_ns)
                   if ns_sel.matches(self.cluster.namespace_labels(n))]
            self._ns_cache[ns_sel] = got
        return got

    def rule_peers(self, pol: NetworkPolicy, rule: Rule, family: int) -> BoolArray:
        if rule.peers is None:
            return np.ones(self.C, dtype=bool)
        m = np.zeros(self.C, dtype=bool)
        for peer in rule.peers:
            m |= self.peer_mask(pol, peer, family)
        return m

    # -- coverage over port classes ----------------------------------------

    def const_cover(self, rule: Rule) -> BoolArray:
        v = np.zeros(self.K, dtype=bool)
        if rule.ports is None:
            v[:] = True
            return v
        v[list(self.ports.cover(numbered_ports(rule)))] = True
        return v

    def named_cover(self, name: str, protocol: Protocol) -> BoolArray:
        """(K x C): port classes a named port resolves to on each destination class."""
        key = (name, protocol)
        m = self._named_cache.get(key)
        if m is None:
            m = np.zeros((self.K, self.C), dtype=bool)
            for i, p in enumerate(self.reps):
                for n in p.named_port(name, protocol):
                    m[self.ports.class_of(protocol, n), i] = True
            self._named_cache[key] = m
        return m

    def named_specs(self, rule: Rule) -> list[tuple[str, Protocol]]:
        return [(s.port, s.protocol) for s in rule.ports or () if isinstance(s.port, str)]

    # -- per direction -------------------------------------------------------

    def direction(self, direction: Direction, family: int
                  ) -> tuple[BoolArray, BoolArray | None, npt.NDArray[np.intp]]:
        """Stacks (n x K x C) of allowed and undecided, and each class's row in them.

        K is the port class and C the peer class, for connections over ``family``;
        undecided is None without cluster-wide policies.

        Row 0 is "not isolated" (all True); with the tiers, a row is NetworkPolicy's
        answer put in its place between them.
        """
        C, K = self.C, self.K
        selecting: list[list[int]] = [[] for _ in range(C)]
        pols = [p for p in self.cluster.policies if direction in p.policy_types]
        for pi, pol in enumerate(pols):
            for sel in np.flatnonzero(self.selected(pol)):
                selecting[int(sel)].append(pi)
        rule_terms: dict[int, list[tuple[BoolArray, BoolArray, list[tuple[str, Protocol]]]]] = {}

        def terms(pi: int) -> list[tuple[BoolArray, BoolArray, list[tuple[str, Protocol]]]]:
            t = rule_terms.get(pi)
            if t is None:
                pol = pols[pi]
                t = [(self.const_cover(r), self.rule_peers(pol, r, family), self.named_specs(r))
                     for r in pol.rules(direction)]
                rule_terms[pi] = t
            return t

        sig_index: dict[tuple[object, ...], int] = {}
        stack: list[BoolArray] = [np.ones((K, C), dtype=bool)]
        ustack: list[BoolArray] = [np.zeros((K, C), dtype=bool)]
        idx = np.zeros(C, dtype=np.intp)
        tiers = self.tiers.active
        for c in range(C):
            tier_sel = self.tiers.selection(c) if tiers else ((), ())
            if not selecting[c] and not any(tier_sel):
                continue
            sig: tuple[object, ...] = (tuple(selecting[c]), tier_sel)
            if direction is Direction.INGRESS:
                # Named ports resolve on the destination, which is this class.
                rep = self.reps[c]
                sig += (tuple(sorted((cp.name, cp.protocol.value, cp.port)
                                     for cp in rep.container_ports if cp.name)),)
            row: int | None = sig_index.get(sig)
            if row is None and not selecting[c]:
                allow, und = self.tiers.compose(direction, c, False, stack[0], family)
                row = len(stack)
                sig_index[sig] = row
                stack.append(allow)
                ustack.append(und)
            if row is None:
                acc = self._rules_allow(direction, c, [t for pi in selecting[c]
                                                       for t in terms(pi)])
                und = np.zeros((K, C), dtype=bool)
                if any(tier_sel):
                    acc, und = self.tiers.compose(direction, c, True, acc, family)
                row = len(stack)
                sig_index[sig] = row
                stack.append(acc)
                ustack.append(und)
            idx[c] = int(row)
        return np.stack(stack), (np.stack(ustack) if tiers else None), idx

    def _rules_allow(self, direction: Direction, c: int,
                     terms: list[tuple[BoolArray, BoolArray, list[tuple[str, Protocol]]]]
                     ) -> BoolArray:
        """(K x C): what the NetworkPolicy rules ``terms`` of class ``c`` allow together.

        Named ports resolve on the destination: class ``c`` for ingress, the peer for egress.
        """
        K, C = self.K, self.C
        acc = np.zeros((K, C), dtype=bool)
        for cov, peers, named in terms:
            if not peers.any():
                continue
            if direction is Direction.INGRESS:
                cv = cov.copy()
                for name, proto in named:
                    cv |= self.named_cover(name, proto)[:, c]
                acc |= cv[:, None] & peers[None, :]
            else:
                cm = np.broadcast_to(cov[:, None], (K, C))
                for name, proto in named:
                    cm = cm | self.named_cover(name, proto)
                acc |= cm & peers[None, :]
        return acc


def compute_all_pairs(cluster: Cluster, *, classes: PodClasses | None = None,
                      only: tuple[Protocol, int] | None = None,
                      protocol: Protocol | None = None) -> AllPairs:
    """Compute the allowed port classes for every ordered pair of pod classes.

    ``only`` restricts the work to the port class of one (protocol, port);
    ``protocol`` to the classes of one protocol.
    """
    classes = classes or pod_classes(cluster)
    b = _Builder(cluster, classes)
    K = b.K
    if only is not None:
        ks = [b.ports.class_of(*only)]
    elif protocol is not None:
        ks = [k for k in range(K) if not b.ports.portsets[k].restrict(protocol, None).is_empty]
    else:
        ks = list(range(K))
    known = sorted({ip.family for p in b.reps for ip in p.ips}
                   | {f for p in b.reps if p.hidden_families is not None
                      for f in p.hidden_families})
    passes = known if len(known) > 1 else known or [IPv4]
    words = [np.zeros((b.C, b.C), dtype=np.uint64) for _ in range((K + 63) // 64)]
    # Port classes neither allowed nor denied (the tiers' undecided cases), kept apart.
    open_words = [np.zeros((b.C, b.C), dtype=np.uint64) for _ in range((K + 63) // 64)]
    undecided_seen = False
    for family in passes:
        eg, egu, eidx = b.direction(Direction.EGRESS, family)
        ig, igu, iidx = b.direction(Direction.INGRESS, family)
        tiered = egu is not None and igu is not None and bool(egu.any() or igu.any())
        undecided_seen = undecided_seen or tiered
        both: BoolArray | None = None
        if len(passes) > 1:
            can = np.array([family in p.families for p in b.reps], dtype=bool)
            both = can[:, None] & can[None, :]
        # Pack the port classes of each signature row into 64-bit words, so that one
        # AND of two (C x C) word matrices decides 64 port classes at once.
        for w in range(len(words)):
            mine = [k for k in ks if k // 64 == w]
            egw = _pack(eg, mine)  # (signatures, C)
            igw = _pack(ig, mine)
            got = egw[eidx] & igw[iidx].T  # [s, d] = OUT(s)[d] & IN(d)[s]
            if both is not None:
                got[~both] = 0
            words[w] |= got
            if tiered and egu is not None and igu is not None:
                # Open on both sides, counting undecided ports.
                eo = egw | _pack(egu, mine)
                io = igw | _pack(igu, mine)
                opened = eo[eidx] & io[iidx].T
                if both is not None:
                    opened[~both] = 0
                open_words[w] |= opened
    undecided = [o & ~w for o, w in zip(open_words, words, strict=True)] \
        if undecided_seen else None
    return AllPairs(pods=classes, ports=b.ports, words=words, computed=tuple(ks),
                    undecided=undecided)


def _pack(stack: BoolArray, ks: list[int]) -> npt.NDArray[np.uint64]:
    """(n x K x C) booleans -> (n x C) words holding bit ``k % 64`` for each k in ``ks``."""
    out = np.zeros((stack.shape[0], stack.shape[2]), dtype=np.uint64)
    for k in ks:
        out |= stack[:, k, :].astype(np.uint64) << np.uint64(k % 64)
    return out


__all__ = ["PROTOCOLS", "AllPairs", "PortMask", "compute_all_pairs"]
