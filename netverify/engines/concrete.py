"""Exact NetworkPolicy evaluation for one (source, destination) pair, with reasons.

The rules implemented here are the specification the other engines are tested
against (https://kubernetes.io/docs/concepts/services-networking/network-policies/):

- A pod is isolated for a direction only when some policy in its namespace whose
  ``policyTypes`` include that direction selects it.  A non-isolated side
  allows everything.
- An isolated side allows the union of what the rules of its selecting
  policies allow (policies are additive; there is no deny rule).
- A rule matches a peer when its ``from``/``to`` is missing or empty, or when one
  of its peers matches (peers are OR'd).  In a peer, ``namespaceSelector`` and
  ``podSelector`` are AND'd; ``podSelector`` alone means the policy's namespace.
- ``ipBlock`` matches addresses: the pod IPs when known and external endpoints.
  A connection uses one address family: between two pods it can use any family
  both have an address of (a pod whose addresses are unknown may have either),
  and an ipBlock matches a pod only by its address of the connection's family
  (a dual-stack pod reaching an IPv4-only pod uses its IPv4 address).  A pair
  with no common family cannot connect at all.  When a pair could use both
  families and they differ, the verdict is the union (the connection can be
  made over one of them) and a caveat says which family allows what.
- Ports: none listed means every port and protocol; a named port resolves
  against the *destination* pod's container ports (name and protocol), in
  ingress and in egress rules alike; ``endPort`` makes a range.
- Traffic flows when the source's egress and the destination's ingress both
  allow it.  A pod talking to itself always may: a connection to its own address
  is delivered inside the pod's network namespace, where no implementation
  filters it (the upstream e2e suite's ``AllowLoopback``: "loopback logic
  follows no policy"; network-policy-api#343).  Through a Service the same
  connection leaves the pod, and plugins differ (see ``cni.py``).
- hostNetwork pods are not subject to NetworkPolicy: never isolated, and as peers
  only ``ipBlock`` can match them (their traffic is node traffic).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from netverify.engines.classes import ip_blocks
from netverify.engines.tiers import TierEvaluator
from netverify.ipblocks import FAMILIES, IPSet, family_name
from netverify.model import Cluster, Direction, NetworkPolicy, Peer, Pod, PortSpec, Rule
from netverify.ports import MAX_PORT, MIN_PORT, PortSet, Protocol
from netverify.results import Endpoint, PairVerdict, PolicyRef, RuleRef, SideVerdict


@dataclass(frozen=True, slots=True)
class External:
    """An address range outside the cluster's pods, of one family.

    Callers split ranges at ipBlock boundaries (``Evaluator.split``) so that
    every ipBlock either contains the whole range or none of it.
    """

    family: int
    lo: int
    hi: int
    label: str
    # The DNS name the question gave for this address (``can-reach web api.example.com``):
    # cluster-wide ``domainNames`` peers are matched against it, everything else sees
    # only the address.
    host: str = ""


Subject = Pod | External


def pod_endpoint(pod: Pod) -> Endpoint:
    """The result-facing description of a pod."""
    return Endpoint(name=pod.key, kind=pod.kind, namespace=pod.namespace,
                    labels=tuple(sorted(pod.labels.items())), host_network=pod.host_network)


def external_endpoint(ext: External) -> Endpoint:
    """The result-facing description of an external range."""
    return Endpoint(name=ext.label, kind="External")


def ports_of_spec(spec: PortSpec, dst: Subject) -> PortSet:
    """The ports one ``ports`` entry allows towards ``dst`` (named ports resolved on ``dst``)."""
    if spec.port is None:
        return PortSet.of(spec.protocol, MIN_PORT, MAX_PORT)
    if isinstance(spec.port, int):
        return PortSet.of(spec.protocol, spec.port, spec.end_port or spec.port)
    if isinstance(dst, Pod):
        nums = dst.named_port(spec.port, spec.protocol)
        return PortSet.from_map({spec.protocol: [(n, n) for n in nums]})
    return PortSet.empty()  # a name means nothing for an address outside the cluster


def ports_of_rule(rule: Rule, dst: Subject) -> PortSet:
    """Union of a rule's ``ports`` towards ``dst``; every port when none are listed.

    The entries' intervals are gathered and merged once: a union per entry would
    re-sort the growing set each time (quadratic in a list of thousands of ports).
    """
    if rule.ports is None:
        return PortSet.all()
    gathered: dict[Protocol, list[tuple[int, int]]] = defaultdict(list)
    for spec in rule.ports:
        for proto, ivs in ports_of_spec(spec, dst).items():
            gathered[proto].extend(ivs)
    return PortSet.from_map(gathered)


def families_of(subject: Subject) -> frozenset[int]:
    """The address families ``subject`` can connect over (an external range: its own)."""
    if isinstance(subject, Pod):
        return subject.families
    return frozenset({subject.family})


def connection_families(a: Subject, b: Subject) -> frozenset[int]:
    """The families a connection between ``a`` and ``b`` can use: those both have."""
    return families_of(a) & families_of(b)


def ipset_matches(addresses: IPSet, subject: Subject,
                  families: frozenset[int] = FAMILIES) -> bool:
    """Whether an ipBlock's addresses contain the subject over one of ``families``.

    A pod matches by its address of the connection's family (any of ``families``);
    an external range when the whole range is inside.
    """
    if addresses.family not in families:
        return False
    if isinstance(subject, Pod):
        return any(addresses.contains(ip) for ip in subject.ips)
    if subject.family != addresses.family:
        return False
    return any(lo <= subject.lo and subject.hi <= hi for lo, hi in addresses.intervals)


class Evaluator:
    """Evaluates pairs against a cluster's policies; policies are indexed by namespace."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._by_ns: dict[str, list[NetworkPolicy]] = defaultdict(list)
        for p in cluster.policies:
            self._by_ns[p.namespace].append(p)
        self.tiers = TierEvaluator(cluster)

    # -- selection -----------------------------------------------------------

    def selecting(self, pod: Pod, direction: Direction) -> list[NetworkPolicy]:
        """Policies that isolate ``pod`` for ``direction`` (none for hostNetwork pods)."""
        if pod.host_network:
            return []
        return [p for p in self._by_ns.get(pod.namespace, ())
                if direction in p.policy_types and p.pod_selector.matches(pod.labels)]

    def peer_matches(self, policy: NetworkPolicy, peer: Peer, other: Subject,
                     families: frozenset[int] = FAMILIES) -> bool:
        """Whether ``other`` is matched by one peer of ``policy`` (over one of ``families``)."""
        if peer.ip_block is not None:
            return ipset_matches(peer.ip_block.addresses, other, families)
        if not isinstance(other, Pod) or other.host_network:
            return False
        if peer.namespace_selector is None:
            if other.namespace != policy.namespace:
                return False
        elif not peer.namespace_selector.matches(self.cluster.namespace_labels(other.namespace)):
            return False
        return peer.pod_selector is None or peer.pod_selector.matches(other.labels)

    def matching_peer(self, policy: NetworkPolicy, rule: Rule, other: Subject,
                      families: frozenset[int] = FAMILIES) -> Peer | bool | None:
        """The first peer of ``rule`` matching ``other``; True when the rule has no peers list."""
        if rule.peers is None:
            return True
        for peer in rule.peers:
            if self.peer_matches(policy, peer, other, families):
                return peer
        return None

    # -- one side ------------------------------------------------------------

    def side(self, direction: Direction, subject: Subject, other: Subject,
             dst: Subject, families: frozenset[int] | None = None) -> SideVerdict:
        """What ``subject``'s policies for ``direction`` allow with ``other``.

        ``dst`` is the destination of the traffic (named ports resolve on it);
        ``families`` the address families the connection uses (default: every
        family the two have in common), which decide the addresses ipBlocks see.
        """
        if families is None:
            families = connection_families(subject, other)
        name = subject.key if isinstance(subject, Pod) else subject.label
        if not isinstance(subject, Pod) or subject.host_network:
            return SideVerdict(direction=direction, subject=name, governed=False,
                               external=not isinstance(subject, Pod), isolated=False,
                               isolating=(), allowed=PortSet.all(), rules=())
        policies = self.selecting(subject, direction)
        if not policies:
            verdict = SideVerdict(direction=direction, subject=name, governed=True,
                                  external=False, isolated=False, isolating=(),
                                  allowed=PortSet.all(), rules=())
            return self._tiered(verdict, subject, other, dst, families)
        allowed = PortSet.empty()
        refs: list[RuleRef] = []
        for pol in policies:
            for rule in pol.rules(direction):
                m = self.matching_peer(pol, rule, other, families)
                if m is None:
                    continue
                ports = ports_of_rule(rule, dst)
                peer = m if isinstance(m, Peer) else None
                refs.append(RuleRef(
                    policy=pol.key, direction=direction, rule_index=rule.index,
                    peer_index=peer.index if peer else None,
                    peer=peer.describe() if peer else "every peer",
                    ports=ports,
                    port_indexes=None if rule.ports is None else tuple(
                        s.index for s in rule.ports),
                    source=(peer.source if peer and peer.source else rule.source),
                ))
                allowed = allowed.union(ports)
        return self._tiered(SideVerdict(
            direction=direction, subject=name, governed=True, external=False, isolated=True,
            isolating=tuple(PolicyRef(policy=p.key, source=p.source) for p in policies),
            allowed=allowed, rules=tuple(refs),
        ), subject, other, dst, families)

    def _tiered(self, np: SideVerdict, subject: Pod, other: Subject, dst: Subject,
                families: frozenset[int]) -> SideVerdict:
        """NetworkPolicy's answer for a side, put in its place between the tiers."""
        if not self.tiers.active:
            return np
        out = self.tiers.side(np.direction, subject, other, dst, np_isolated=np.isolated,
                              np_allowed=np.allowed, families=families)
        return replace(np, allowed=out.allow, undecided=out.undecided, tiers=out.decisions)

    # -- a pair --------------------------------------------------------------

    def pair(self, src: Subject, dst: Subject, *, protocol: Protocol | None = None,
             port: int | None = None, self_exempt: bool = True) -> PairVerdict:
        """The full verdict for ``src`` -> ``dst``, optionally restricted to one port/protocol.

        A pod reaching itself is allowed whatever the policies say (``loopback``);
        ``self_exempt=False`` judges it by the policies instead, as a plugin that
        filters a pod's connection to itself through a Service does.
        """
        fams = connection_families(src, dst)
        per_family = [(f, self.side(Direction.EGRESS, src, dst, dst, frozenset({f})),
                       self.side(Direction.INGRESS, dst, src, dst, frozenset({f})))
                      for f in sorted(fams)] if _families_matter(src, dst, fams) else []
        if per_family:
            egress = _merge_sides([e for _, e, _ in per_family])
            ingress = _merge_sides([i for _, _, i in per_family])
            by_family = [(f, e.allowed.intersection(i.allowed)) for f, e, i in per_family]
            policy_allowed = by_family[0][1].union(by_family[1][1])
        else:
            egress = self.side(Direction.EGRESS, src, dst, dst, fams)
            ingress = self.side(Direction.INGRESS, dst, src, dst, fams)
            by_family = []
            policy_allowed = egress.allowed.intersection(ingress.allowed) if fams \
                else PortSet.empty()
        caveats: list[str] = []
        for s in (src, dst):
            if isinstance(s, Pod) and s.host_network:
                caveats.append(f"{s.key} uses hostNetwork: NetworkPolicy does not apply to it and "
                               "its traffic is node traffic; whether node traffic is filtered "
                               "depends on the CNI")
        caveats.extend(self._unknown_ip_caveats(egress, dst))
        caveats.extend(self._unknown_ip_caveats(ingress, src))
        loopback = self_exempt and _same_pod(src, dst) and isinstance(src, Pod) \
            and not src.is_template
        if not fams and not loopback:
            caveats.append(f"{_label(src)} ({_families_text(src)}) and {_label(dst)} "
                           f"({_families_text(dst)}) have no address family in common: no "
                           "connection between them is possible, whatever the policies say")
        shown = [(f, ps.restrict(protocol, port)) for f, ps in by_family]
        if shown and shown[0][1] != shown[1][1] and not loopback:
            parts = "; ".join(f"over {family_name(f)}: {ps}" for f, ps in shown)
            caveats.append(f"the verdict depends on the address family ({parts}): an ipBlock "
                           "matches a pod by its address of the connection's family; the "
                           "answer is what some family allows")
        allowed = PortSet.all() if loopback else policy_allowed
        if _same_pod(src, dst) and isinstance(src, Pod) and src.is_template:
            caveats.append(f"{src.key} stands for the replicas of a {src.kind}: this is the "
                           "replica-to-replica verdict; a pod reaching itself over loopback is "
                           "always allowed")
        allowed = allowed.restrict(protocol, port)
        undecided = PortSet.empty()
        if not loopback and not (egress.undecided.is_empty and ingress.undecided.is_empty):
            undecided = egress.allowed.union(egress.undecided).intersection(
                ingress.allowed.union(ingress.undecided)).difference(allowed).restrict(
                protocol, port)
        return PairVerdict(
            src=pod_endpoint(src) if isinstance(src, Pod) else external_endpoint(src),
            dst=pod_endpoint(dst) if isinstance(dst, Pod) else external_endpoint(dst),
            allowed=allowed, egress=egress, ingress=ingress, loopback=loopback,
            caveats=tuple(caveats), undecided=undecided,
        )

    def _unknown_ip_caveats(self, side: SideVerdict, other: Subject) -> list[str]:
        """Say when an ipBlock of the deciding policies could match ``other`` at run time.

        A pod without ``status.podIPs`` in the manifests is never matched by an
        ipBlock here; on a CNI that matches pod IPs it may be, once it has an address.
        """
        if not side.isolated or not isinstance(other, Pod) or other.ips or other.host_network:
            return []
        by_key = {p.key: p for p in self._by_ns.get(side.subject.split("/", 1)[0], ())}
        out = []
        for ref in side.isolating:
            pol = by_key.get(ref.policy)
            if pol is None:
                continue
            for rule in pol.rules(side.direction):
                for peer in rule.peers or ():
                    if peer.ip_block is not None:
                        out.append(
                            f"{other.key} has no known IP, so {pol.key} "
                            f"spec.{side.direction.field}[{rule.index}]."
                            f"{side.direction.peers_field}[{peer.index}] "
                            f"(ipBlock {peer.ip_block.cidr}) is not matched against it; a CNI "
                            "that matches pod IPs would match it if its address is inside")
        return out

    def allowed_ports(self, src: Subject, dst: Subject) -> PortSet:
        """Just the allowed PortSet of a pair (no explanation)."""
        if _same_pod(src, dst) and isinstance(src, Pod) and not src.is_template:
            return PortSet.all()
        fams = connection_families(src, dst)
        groups = [frozenset({f}) for f in sorted(fams)] if _families_matter(src, dst, fams) \
            else [fams] if fams else []
        out = PortSet.empty()
        for fs in groups:
            e = self.side(Direction.EGRESS, src, dst, dst, fs).allowed
            if not e.is_empty:
                out = out.union(e.intersection(self.side(Direction.INGRESS, dst, src, dst,
                                                         fs).allowed))
        return out

    # -- external ranges -----------------------------------------------------

    def ip_boundaries(self, family: int) -> list[int]:
        """Every point where some ipBlock of the cluster starts or ends (sorted)."""
        return sorted({b for block in ip_blocks(self.cluster) if block.family == family
                       for b in block.boundaries()} | self.tiers.boundaries(family))

    def split(self, family: int, lo: int, hi: int) -> list[tuple[int, int]]:
        """Split ``lo..hi`` at ipBlock boundaries into ranges every ipBlock treats alike."""
        cuts = [b for b in self.ip_boundaries(family) if lo < b <= hi]
        out: list[tuple[int, int]] = []
        start = lo
        for c in cuts:
            out.append((start, c - 1))
            start = c
        out.append((start, hi))
        return out


def evaluate_all(cluster: Cluster,
                 pods: Sequence[Pod] | None = None) -> dict[tuple[str, str], PortSet]:
    """Every ordered pod pair's allowed ports, pair by pair (slow; for tests and small inputs)."""
    ev = Evaluator(cluster)
    ps = list(cluster.pods if pods is None else pods)
    return {(a.key, b.key): ev.allowed_ports(a, b) for a in ps for b in ps}


def _same_pod(a: Subject, b: Subject) -> bool:
    return isinstance(a, Pod) and isinstance(b, Pod) and a.key == b.key


def _families_matter(a: Subject, b: Subject, fams: frozenset[int]) -> bool:
    """Whether the two families could give different verdicts.

    Only a known pod address can be matched differently (an external range has one family).
    """
    return len(fams) > 1 and any(isinstance(x, Pod) and x.ips for x in (a, b))


def _merge_sides(sides: list[SideVerdict]) -> SideVerdict:
    """One side's verdicts over several families, as one explanation (the union)."""
    first = sides[0]
    allowed = first.allowed
    undecided = first.undecided
    refs = list(first.rules)
    tiers = list(first.tiers)
    for s in sides[1:]:
        allowed = allowed.union(s.allowed)
        undecided = undecided.union(s.undecided)
        refs.extend(r for r in s.rules if r not in refs)
        tiers.extend(d for d in s.tiers if d not in tiers)
    return replace(first, allowed=allowed, rules=tuple(refs),
                   undecided=undecided.difference(allowed), tiers=tuple(tiers))


def _label(x: Subject) -> str:
    return x.key if isinstance(x, Pod) else x.label


def _families_text(x: Subject) -> str:
    fams = families_of(x)
    return " and ".join(family_name(f) for f in sorted(fams)) + " only" if len(fams) == 1 \
        else "IPv4 and IPv6"
