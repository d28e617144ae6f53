"""The whole pod-to-pod relation, factored through roles and computed in blocks.

Cost model.  With C pod classes, K port classes and R rules, the engine builds
for each direction one (K x n) row per distinct *selection signature* (the set
of policies isolating a class, the cluster-wide policies selecting it, plus for
ingress the destination's named ports), OR-ing one term per rule.  A row's
columns are peers, and peers are looked at only through a few masks: the peer
masks of the rules (and of the cluster-wide policies' rules) of that direction,
a destination's named container ports and a pod's address families.  Classes
alike in all of those are one *role*: a source role (same egress signature, in
the same ingress peer masks) or a destination role (same ingress signature, in
the same egress peer masks, same named ports).  Rows are built over role
representatives, packed as they are built into 64-bit words of port classes,
so the engine holds (signatures x roles) words, never (classes x classes).

The relation itself, ``OUT(s)[d] & IN(d)[s]`` per port word, is formed on
demand for any block of roles (``role_block``), so that a caller streaming the
destinations in chunks (``engines.allpairs_groups``) never holds more than a
budget of cells.  ``words`` and ``undecided`` still give the (C x C) matrices
for small inputs and the callers that want them.  No per-pair Python loop and
no solver call; the pair-by-pair ``Evaluator`` is the reference it is tested
against.

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
Words = npt.NDArray[np.uint64]
Index = npt.NDArray[np.intp]
# A set of port classes in the layout of ``AllPairs.words``: bit ``k % 64`` of word
# ``k // 64`` for port class ``k``.
PortMask = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _Pass:
    """One address family's factors: rows over roles and each role's row.

    ``out[w][d, e]``: bits of word ``w`` allowed by egress row ``e`` towards destination
    role ``d`` (destination-major, as blocks are formed); ``into[w][i, s]``: by ingress
    row ``i`` from source role ``s``.  The ``open`` variants add the port classes the
    tiers leave undecided (None without).
    """

    out: list[Words]
    into: list[Words]
    out_open: list[Words] | None
    into_open: list[Words] | None
    src_row: Index  # source role -> its egress row
    dst_row: Index  # destination role -> its ingress row
    src_can: BoolArray | None  # source role has an address of this family (two passes)
    dst_can: BoolArray | None


class AllPairs:
    """Allowed port classes for every ordered pair of pod classes, through roles.

    ``src_role[c]`` and ``dst_role[c]`` are class ``c``'s roles; ``role_block`` gives
    the allowed (and undecided) words of any block of roles.  ``words[w][s, d]``
    holds bits ``64*w .. 64*w+63`` of the port classes allowed from class ``s`` to
    class ``d`` (loopback not applied: that is per pod); it is (C x C), built on first
    use, for small inputs.
    """

    def __init__(self, pods: PodClasses, ports: PortClasses, computed: tuple[int, ...],
                 src_role: Index, dst_role: Index, passes: list[_Pass],
                 undecided_seen: bool) -> None:
        self.pods = pods
        self.ports = ports
        self.computed = computed  # port classes computed (all unless restricted)
        self.src_role = src_role
        self.dst_role = dst_role
        self._passes = passes
        self.n_words = len(passes[0].out)
        # Port classes neither allowed nor denied (cluster-wide policies tied at one
        # priority, ...) exist somewhere: then ``undecided`` is not None.
        self.has_undecided = undecided_seen
        self._words: list[Words] | None = None
        self._undecided: list[Words] | None = None

    @property
    def n_src_roles(self) -> int:
        """How many source roles."""
        return len(self._passes[0].src_row)

    @property
    def n_dst_roles(self) -> int:
        """How many destination roles."""
        return len(self._passes[0].dst_row)

    # -- blocks of roles ---------------------------------------------------

    def role_block(self, srcs: Index, dsts: Index) -> tuple[list[Words], list[Words] | None]:
        """(allowed, undecided) words of the (len(srcs) x len(dsts)) block of roles.

        Undecided is None when the cluster has nothing undecided.  Memory is the
        block's size times a few: callers choose blocks to a budget.
        """
        allowed, undecided = self.role_block_t(srcs, dsts)
        return [a.T for a in allowed], None if undecided is None else [u.T for u in undecided]

    def role_block_t(self, srcs: Index, dsts: Index
                     ) -> tuple[list[Words], list[Words] | None]:
        """``role_block`` transposed: (len(dsts) x len(srcs)), the layout it is formed in."""
        every = len(srcs) == self.n_src_roles and bool(
            (srcs == np.arange(len(srcs))).all())
        allowed: list[Words] = []
        undecided: list[Words] | None = [] if self.has_undecided else None
        for w in range(self.n_words):
            acc: Words | None = None
            opened: Words | None = None
            for p in self._passes:
                got = _and(p.out[w], p.into[w], p, srcs, dsts, every)
                acc = got if acc is None else acc | got
                if undecided is not None:
                    o = _and(p.out_open[w] if p.out_open is not None else p.out[w],
                             p.into_open[w] if p.into_open is not None else p.into[w],
                             p, srcs, dsts, every)
                    opened = o if opened is None else opened | o
            assert acc is not None
            allowed.append(acc)
            if undecided is not None and opened is not None:
                undecided.append(opened & ~acc)
        return allowed, undecided

    def role_pairs(self, srcs: Index, dsts: Index) -> tuple[list[Words], list[Words] | None]:
        """(allowed, undecided) words of the role pairs ``(srcs[i], dsts[i])``, elementwise."""
        allowed: list[Words] = []
        undecided: list[Words] | None = [] if self.has_undecided else None
        for w in range(self.n_words):
            acc = np.zeros(len(srcs), dtype=np.uint64)
            opened = np.zeros(len(srcs), dtype=np.uint64)
            for p in self._passes:
                acc |= _pair_and(p.out[w], p.into[w], p, srcs, dsts)
                if undecided is not None:
                    opened |= _pair_and(p.out_open[w] if p.out_open is not None else p.out[w],
                                        p.into_open[w] if p.into_open is not None
                                        else p.into[w], p, srcs, dsts)
            allowed.append(acc)
            if undecided is not None:
                undecided.append(opened & ~acc)
        return allowed, undecided

    def block(self, rows: Sequence[int] | Index, cols: Sequence[int] | Index
              ) -> tuple[list[Words], list[Words] | None]:
        """(allowed, undecided) words of the (len(rows) x len(cols)) block of classes."""
        r = np.asarray(rows, dtype=np.intp)
        c = np.asarray(cols, dtype=np.intp)
        sr, rinv = np.unique(self.src_role[r], return_inverse=True)
        dr, cinv = np.unique(self.dst_role[c], return_inverse=True)
        allowed, undecided = self.role_block(sr, dr)
        ix = np.ix_(rinv.reshape(-1), cinv.reshape(-1))
        return ([a[ix] for a in allowed],
                None if undecided is None else [u[ix] for u in undecided])

    @property
    def words(self) -> list[Words]:
        """(C x C) allowed words per 64 port classes: every pair of classes at once."""
        if self._words is None:
            every = np.arange(len(self.src_role))
            self._words, self._undecided = self.block(every, every)
        return self._words

    @property
    def undecided(self) -> list[Words] | None:
        """(C x C) undecided words, in the layout of ``words``; None when there are none."""
        if not self.has_undecided:
            return None
        if self._undecided is None:
            self.words  # noqa: B018 - fills both
        return self._undecided

    # -- single pairs --------------------------------------------------------

    def _pair(self, s: int, d: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        sr = np.array([self.src_role[s]], dtype=np.intp)
        dr = np.array([self.dst_role[d]], dtype=np.intp)
        allowed, undecided = self.role_pairs(sr, dr)
        return (tuple(int(a[0]) for a in allowed),
                tuple(int(u[0]) for u in undecided) if undecided is not None else ())

    def undecided_portset(self, s: int, d: int) -> PortSet:
        """Ports from class ``s`` to class ``d`` the manifests cannot decide."""
        if not self.has_undecided:
            return PortSet.empty()
        return self.portset_of_signature(self._pair(s, d)[1])

    def portset(self, s: int, d: int) -> PortSet:
        """Allowed ports from class ``s`` to class ``d``."""
        return self.portset_of_signature(self._pair(s, d)[0])

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

    # -- class-level matrices (C x C) ------------------------------------------

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
        words = [0] * self.n_words
        for k in self.computed:
            if not self.ports.portsets[k].difference(ignore).is_empty:
                words[k // 64] |= 1 << (k % 64)
        return tuple(words)

    def reach(self, sources: Sequence[int], targets: Sequence[int],
              keep: Sequence[PortMask]) -> BoolArray:
        """(S x T): whether ``sources[i]`` may connect to ``targets[j]`` on a class of ``keep[j]``.

        One mask per target: what counts may depend on the target, e.g. the ports it
        already opens to the internet.

        On some port class of ``keep[j]``: one mask per target, as what counts may depend
        on the target (e.g. the ports it already opens to the internet).  Loopback is not
        applied (classes, not pods).  One vectorised AND per 64-bit word over the (S x T)
        block, so audit rules ask about namespaces at once instead of walking pairs.
        """
        if len(keep) != len(targets):
            raise ValueError("one port mask per target class")
        hit = np.zeros((len(sources), len(targets)), dtype=bool)
        if not len(sources) or not len(targets):
            return hit
        masks = np.array(keep, dtype=np.uint64).reshape(len(targets), self.n_words)
        allowed, _ = self.block(sources, targets)
        for w, words in enumerate(allowed):
            hit |= (words & masks[:, w][None, :]) != 0
        return hit

    def allowed_ports(self, sources: Sequence[int], target: int, keep: PortMask) -> PortSet:
        """The ports of ``keep``'s classes allowed from some class of ``sources`` to ``target``.

        The union over the sources.
        """
        if not len(sources):
            return PortSet.empty()
        allowed, _ = self.block(sources, [target])
        sig = tuple(int(np.bitwise_or.reduce(words[:, 0])) & keep[w]
                    for w, words in enumerate(allowed))
        return self.portset_of_signature(sig)

    def allowed_on(self, protocol: Protocol, port: int) -> BoolArray:
        """(C x C): the one (protocol, port) is allowed."""
        k = self.ports.class_of(protocol, port)
        if k not in self.computed:
            raise ValueError(f"port class {k} was not computed")
        bits: BoolArray = ((self.words[k // 64] >> np.uint64(k % 64)) & np.uint64(1)) != 0
        return bits


def _and(out: Words, into: Words, p: _Pass, srcs: Index, dsts: Index, every: bool) -> Words:
    """``OUT(s)[d] & IN(d)[s]`` over a block of roles, (dsts x srcs), for one word of one pass.

    ``every``: ``srcs`` is every source role in order.
    """
    a = out[dsts][:, p.src_row[srcs]]
    b = into[p.dst_row[dsts]]
    got: Words = a & (b if every else b[:, srcs])
    if p.src_can is not None and p.dst_can is not None:
        got[~(p.dst_can[dsts][:, None] & p.src_can[srcs][None, :])] = 0
    return got


def _pair_and(out: Words, into: Words, p: _Pass, srcs: Index, dsts: Index) -> Words:
    got: Words = out[dsts, p.src_row[srcs]] & into[p.dst_row[dsts], srcs]
    if p.src_can is not None and p.dst_can is not None:
        got[~(p.src_can[srcs] & p.dst_can[dsts])] = 0
    return got


Sig = tuple[int, tuple[int, ...], tuple[tuple[int, ...], tuple[int, ...]]]


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
        # Peer masks each direction's rows read, gathered before any row is built:
        # roles are defined by them, so a row reading another would be a bug.
        self.peer_masks: dict[Direction, dict[tuple[object, ...], BoolArray]] = {
            d: {} for d in Direction}
        self.sealed = False
        self.tiers = TierMasks(self)
        self.policies = {d: [p for p in cluster.policies if d in p.policy_types]
                         for d in Direction}

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

    def register(self, direction: Direction, key: tuple[object, ...], mask: BoolArray) -> None:
        """Note that ``direction``'s rows read ``mask`` over peers (before sealing)."""
        seen = self.peer_masks[direction]
        if key not in seen:
            if self.sealed:
                raise AssertionError(f"peer mask {key!r} read after the roles were formed")
            seen[key] = mask

    def peer_mask(self, pol: NetworkPolicy, peer: Peer, family: int,
                  direction: Direction) -> BoolArray:
        if peer.ip_block is not None:
            addrs = peer.ip_block.addresses
            key: tuple[object, ...] = ("ip", addrs, family)
            m = self._sel_cache.get(key)
            if m is None:
                fams = frozenset({family})
                m = np.array([ipset_matches(addrs, p, fams) for p in self.reps], dtype=bool)
                self._sel_cache[key] = m
        else:
            nss = self._namespaces(pol, peer)
            ps = peer.pod_selector
            key = (tuple(nss), ps)
            if ps is None:
                m = self._pods_matching(nss, None, lambda p: True)
            else:
                m = self._pods_matching(nss, ps, lambda p: ps.matches(p.labels))
        self.register(direction, key, m)
        return m

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
            m |= self.peer_mask(pol, peer, family, rule.direction)
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

    # -- roles -----------------------------------------------------------------

    def gather_masks(self, families: list[int]) -> None:
        """Read every peer mask the rows of both directions will read, then seal."""
        for family in families:
            for direction, pols in self.policies.items():
                for pol in pols:
                    for rule in pol.rules(direction):
                        self.rule_peers(pol, rule, family)
            self.tiers.gather(family)
        self.sealed = True

    def signatures(self, direction: Direction) -> tuple[list[Sig], Index]:
        """The distinct selection signatures of ``direction``, and each class's index.

        Each signature comes with one class having it, the policies selecting it and the
        tiers' selection.

        Index 0 is "not isolated, no cluster-wide policy" (class -1).
        """
        selecting: list[list[int]] = [[] for _ in range(self.C)]
        for pi, pol in enumerate(self.policies[direction]):
            for sel in np.flatnonzero(self.selected(pol)):
                selecting[int(sel)].append(pi)
        sig_index: dict[tuple[object, ...], int] = {}
        sigs: list[Sig] = [(-1, (), ((), ()))]
        idx = np.zeros(self.C, dtype=np.intp)
        tiers = self.tiers.active
        for c in range(self.C):
            tier_sel = self.tiers.selection(c) if tiers else ((), ())
            if not selecting[c] and not any(tier_sel):
                continue
            chosen = tuple(selecting[c])
            key: tuple[object, ...] = (chosen, tier_sel)
            if direction is Direction.INGRESS:
                # Named ports resolve on the destination, which is this class.
                rep = self.reps[c]
                key += (tuple(sorted((cp.name, cp.protocol.value, cp.port)
                                     for cp in rep.container_ports if cp.name)),)
            row = sig_index.get(key)
            if row is None:
                row = sig_index[key] = len(sigs)
                sigs.append((c, chosen, tier_sel))
            idx[c] = row
        return sigs, idx

    def roles(self, direction: Direction, sig_idx: Index) -> tuple[Index, Index]:
        """Each class's role and each role's representative class.

        A role holds the classes alike as peers of ``direction``'s rows (and with the
        same own row).
        """
        masks = list(self.peer_masks[direction].values())
        prefix: list[tuple[object, ...]] = []
        for c, rep in enumerate(self.reps):
            key: tuple[object, ...] = (int(sig_idx[c]), tuple(sorted(rep.families)))
            if direction is Direction.EGRESS:  # a destination's named ports
                key += (tuple(sorted((cp.name, cp.protocol.value, cp.port)
                                     for cp in rep.container_ports if cp.name)),)
            prefix.append(key)
        packed = _membership(masks, self.C)
        role_of = np.zeros(self.C, dtype=np.intp)
        found: dict[tuple[object, bytes], int] = {}
        reps: list[int] = []
        for c in range(self.C):
            k = (prefix[c], packed[c].tobytes())
            r = found.get(k)
            if r is None:
                r = found[k] = len(reps)
                reps.append(c)
            role_of[c] = r
        return role_of, np.array(reps, dtype=np.intp)

    # -- rows ------------------------------------------------------------------

    def rows(self, direction: Direction, family: int, sigs: list[Sig], cols: Index,
             ks: list[int]) -> tuple[list[Words], list[Words] | None]:
        """Packed rows, one per signature, over the peer classes ``cols``.

        Allowed
        words and (with cluster-wide policies) allowed-or-undecided words.

        A rule's term is one word per peer (its ports, packed once) where its peers
        hold: rows are ORed as words, never as (K x n) booleans, except where the
        tiers compose them.
        """
        K, n = self.K, len(cols)
        n_words = (K + 63) // 64
        keep = np.zeros(n_words, dtype=np.uint64)
        for k in ks:
            keep[k // 64] |= np.uint64(1 << (k % 64))
        pols = self.policies[direction]
        Term = tuple[Words, BoolArray, list[tuple[str, Protocol]]]
        rule_terms: dict[int, list[Term]] = {}

        def terms(pi: int) -> list[Term]:
            t = rule_terms.get(pi)
            if t is None:
                pol = pols[pi]
                t = [(_pack(self.const_cover(r)[:, None], keep)[:, 0],
                      self.rule_peers(pol, r, family)[cols], self.named_specs(r))
                     for r in pol.rules(direction)]
                rule_terms[pi] = t
            return t

        named_cols: dict[tuple[str, Protocol], Words] = {}

        def named_over_cols(name: str, proto: Protocol) -> Words:
            got = named_cols.get((name, proto))
            if got is None:
                got = named_cols[(name, proto)] = _pack(self.named_cover(name, proto)[:, cols],
                                                        keep)
            return got

        tiers = self.tiers.active
        out = np.zeros((n_words, len(sigs), n), dtype=np.uint64)
        opened = np.zeros((n_words, len(sigs), n), dtype=np.uint64) if tiers else None
        ones = np.ones((K, n), dtype=bool)
        for row, (c, selecting, tier_sel) in enumerate(sigs):
            if c < 0:
                out[:, row, :] = keep[:, None]
                if opened is not None:
                    opened[:, row, :] = keep[:, None]
                continue
            if not selecting:
                acc, und = self.tiers.compose(direction, c, False, ones, family, cols)
                out[:, row, :] = _pack(acc, keep)
                if opened is not None:
                    opened[:, row, :] = _pack(acc | und, keep)
                continue
            words = out[:, row, :]
            for pi in selecting:
                self._or_terms(direction, words, terms(pi), c, keep, named_over_cols)
            if any(tier_sel):
                acc, und = self.tiers.compose(direction, c, True, _unpack(words, K), family,
                                              cols)
                out[:, row, :] = _pack(acc, keep)
                if opened is not None:
                    opened[:, row, :] = _pack(acc | und, keep)
            elif opened is not None:
                opened[:, row, :] = words
        return list(out), (list(opened) if opened is not None else None)

    def _or_terms(self, direction: Direction, words: Words,
                  terms: list[tuple[Words, BoolArray, list[tuple[str, Protocol]]]], c: int,
                  keep: Words, named_over_cols: Callable[[str, Protocol], Words]) -> None:
        """OR into ``words`` (one row, W x n) what the rule ``terms`` of class ``c`` allow.

        Named ports resolve on the destination: class ``c`` for ingress, the peer for egress.
        """
        for cov, peers, named in terms:
            if not peers.any():
                continue
            if direction is Direction.INGRESS:
                cv = self.const_cover_named(cov, named, c, keep) if named else cov
                np.bitwise_or(words, cv[:, None], out=words, where=peers[None, :])
            elif named:
                val = np.broadcast_to(cov[:, None], words.shape)
                for name, proto in named:
                    val = val | named_over_cols(name, proto)
                np.bitwise_or(words, val, out=words, where=peers[None, :])
            else:
                np.bitwise_or(words, cov[:, None], out=words, where=peers[None, :])

    def const_cover_named(self, cov: Words, named: list[tuple[str, Protocol]], c: int,
                          keep: Words) -> Words:
        """``cov`` plus the port classes the named ports resolve to on class ``c``."""
        v = np.zeros(self.K, dtype=bool)
        for name, proto in named:
            v |= self.named_cover(name, proto)[:, c]
        got: Words = cov | _pack(v[:, None], keep)[:, 0]
        return got


def _membership(masks: list[BoolArray], n: int) -> npt.NDArray[np.uint8]:
    """(n x ceil(M/8)) bits: which of the M masks hold each of the n classes."""
    if not masks:
        return np.zeros((n, 0), dtype=np.uint8)
    parts = [np.packbits(np.stack(masks[i:i + 4096]), axis=0)
             for i in range(0, len(masks), 4096)]
    return np.ascontiguousarray(np.concatenate(parts, axis=0).T)


def _pack(acc: BoolArray, keep: Words) -> Words:
    """(K x n) booleans -> (W x n) words: bit ``k % 64`` of word ``k // 64`` is ``acc[k]``.

    Only the bits of ``keep`` are kept.
    """
    K, n = acc.shape
    W = len(keep)
    padded = np.zeros((W * 64, n), dtype=bool)
    padded[:K] = acc
    b = np.packbits(padded, axis=0, bitorder="little").reshape(W, 8, n)
    words = np.ascontiguousarray(b.transpose(0, 2, 1)).view("<u8").reshape(W, n)
    got: Words = words.astype(np.uint64) & keep[:, None]
    return got


def _transposed(w: Words) -> Words:
    """A contiguous transpose, copied in tiles (a plain one thrashes the cache)."""
    n, m = w.shape
    t = np.empty((m, n), dtype=w.dtype)
    step = 256
    for i in range(0, n, step):
        for j in range(0, m, 4096):
            t[j:j + 4096, i:i + step] = w[i:i + step, j:j + 4096].T
    return t


def _unpack(words: Words, K: int) -> BoolArray:
    """(W x n) words -> (K x n) booleans (the inverse of ``_pack``)."""
    W, n = words.shape
    b = np.ascontiguousarray(words.astype("<u8")).view(np.uint8).reshape(W, n, 8)
    bits = np.unpackbits(np.ascontiguousarray(b.transpose(0, 2, 1)), axis=1,
                         bitorder="little")  # (W, 64, n)
    got: BoolArray = bits.reshape(W * 64, n)[:K].astype(bool)
    return got


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
    families = known if len(known) > 1 else known or [IPv4]
    b.gather_masks(families)
    out_sigs, eidx = b.signatures(Direction.EGRESS)
    in_sigs, iidx = b.signatures(Direction.INGRESS)
    # A source is seen by ingress rows (as their peer) and has its own egress row;
    # a destination is seen by egress rows and has its own ingress row.
    src_role, src_reps = b.roles(Direction.INGRESS, eidx)
    dst_role, dst_reps = b.roles(Direction.EGRESS, iidx)
    passes: list[_Pass] = []
    undecided_seen = False
    for family in families:
        out, out_open = b.rows(Direction.EGRESS, family, out_sigs, dst_reps, ks)
        into, into_open = b.rows(Direction.INGRESS, family, in_sigs, src_reps, ks)
        if out_open is not None and into_open is not None:
            if any((o != a).any() for o, a in zip(out_open, out, strict=True)) or \
                    any((o != a).any() for o, a in zip(into_open, into, strict=True)):
                undecided_seen = True
            else:
                out_open = into_open = None
        src_can = dst_can = None
        if len(families) > 1:
            src_can = np.array([family in b.reps[c].families for c in src_reps], dtype=bool)
            dst_can = np.array([family in b.reps[c].families for c in dst_reps], dtype=bool)
        out = [_transposed(w) for w in out]  # destination-major
        if out_open is not None:
            out_open = [_transposed(w) for w in out_open]
        passes.append(_Pass(out=out, into=into, out_open=out_open, into_open=into_open,
                            src_row=eidx[src_reps], dst_row=iidx[dst_reps],
                            src_can=src_can, dst_can=dst_can))
    return AllPairs(classes, b.ports, tuple(ks), src_role, dst_role, passes, undecided_seen)


__all__ = ["PROTOCOLS", "AllPairs", "PortMask", "compute_all_pairs"]
