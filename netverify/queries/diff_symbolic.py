"""``diff`` over every pod that could exist: the solver part, asked only where the sets differ.

Why it can be local: a pod's egress (ingress) side depends only on the
NetworkPolicies of its own namespace that have that policy type (and on the
cluster-wide tiers).  Policies identical on both sides cancel, so a side can
change only for a pod in a namespace holding a policy of that type that
differs (added, removed or edited).  A connection newly allowed (or denied)
has a side that changed, so each question is split by which side changed:

- egress changed: the source is pinned to one such namespace; the
  destination, any pod or address, keeps the whole ingress side, restricted to
  the rules that can admit a pod of that namespace (the others are false);
- ingress changed: the same, the other way round.

Each case first asks whether the changed side alone differs (a small formula);
only when it does is the other side added.  The cases together are exactly
the whole-cluster question, which ``localised=False`` still asks (the
reference the tests compare with).  When the cluster-wide policies (or the
nodes they may select) differ, every pod can change and the whole cluster is
asked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace

import z3

from netverify.deadline import Deadline
from netverify.engines.concrete import External
from netverify.engines.smt.endpoints import (
    SymEndpoint,
    external,
    fresh_addresses,
    pinned_pod,
    symbolic_pod,
)
from netverify.engines.smt.formulas import Encoder, RuleTerm, Traffic
from netverify.engines.smt.solve import (
    Check,
    Outcome,
    Witness,
    check,
    describe,
    new_solver,
    read_endpoint,
    read_traffic,
)
from netverify.engines.smt.terms import and_
from netverify.engines.smt.universe import Universe, build_universe
from netverify.ipblocks import IPv4, IPv6
from netverify.model import Cluster, Direction, NetworkPolicy, Rule
from netverify.ports import Protocol
from netverify.queries.witnesses import taken
from netverify.results import DiffWitness
from netverify.verdicts import Answer, Change

# The set that allows (first) and the one that does not, per direction of change.
_OTHER = {Change.ALLOWED: Change.DENIED, Change.DENIED: Change.ALLOWED}
# The kinds of connection asked about, in the order their witnesses are looked for.
KINDS = ("pod to pod", "IPv4 outside to pod", "pod to IPv4 outside", "IPv6 outside to pod",
         "pod to IPv6 outside")


def shape(obj: object) -> object:
    """``obj`` without where it was read from: equal shapes encode to the same formulas."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return (type(obj).__name__, *(shape(getattr(obj, f.name))
                                      for f in dataclasses.fields(obj) if f.name != "source"))
    if isinstance(obj, (tuple, list)):
        return tuple(shape(x) for x in obj)
    if isinstance(obj, frozenset):
        return frozenset(shape(x) for x in obj)
    return obj


def changed_namespaces(old: Cluster, new: Cluster) -> dict[Direction, set[str]]:
    """Per policy type, the namespaces holding a NetworkPolicy of that type on one side only.

    A policy counts as unchanged only when a policy of the same shape (name included)
    is on the other side too.
    """
    def counts(c: Cluster) -> dict[object, list[NetworkPolicy]]:
        out: dict[object, list[NetworkPolicy]] = {}
        for p in c.policies:
            out.setdefault(shape(p), []).append(p)
        return out

    before, after = counts(old), counts(new)
    out: dict[Direction, set[str]] = {d: set() for d in Direction}
    for mine, theirs in ((before, after), (after, before)):
        for key, pols in mine.items():
            if len(pols) == len(theirs.get(key, ())):
                continue
            for p in pols:
                for d in p.policy_types:
                    out[d].add(p.namespace)
    return out


def localisable(old: Cluster, new: Cluster) -> bool:
    """Whether only NetworkPolicies differ among what the formulas read besides endpoints."""
    return (shape(old.cluster_policies) == shape(new.cluster_policies)
            and (not old.cluster_policies or shape(old.nodes) == shape(new.nodes)))


@dataclass(frozen=True)
class Found:
    """A witness as the solver's model has it: what the concrete engine can check."""

    change: Change
    src: Witness | External
    dst: Witness | External
    protocol: Protocol
    port: int
    family: int


@dataclass
class _Question:
    """One check: its goals, the endpoints a witness names and the rule terms it shows."""

    a: SymEndpoint
    b: SymEndpoint
    core: list[z3.BoolRef]  # first allows, second does not: a changed side alone
    terms: list[RuleTerm]
    # The other side of the first set (goals, rule terms), built only once the core holds.
    more: Callable[[], tuple[list[z3.BoolRef], list[RuleTerm]]] | None = None
    rest: list[z3.BoolRef] = field(default_factory=list)


class _Asker:
    """Builds and asks the questions of one diff; shares encoders and endpoints."""

    def __init__(self, old: Cluster, new: Cluster, timeout_ms: int) -> None:
        self.old, self.new = old, new
        self.u = build_universe(replace(new, policies=(*old.policies, *new.policies),
                                        namespaces={**old.namespaces, **new.namespaces}))
        self.enc = {Change.DENIED: Encoder(old, self.u), Change.ALLOWED: Encoder(new, self.u)}
        self.traffic = Traffic.symbolic()
        self.solver = new_solver(Deadline(timeout_ms))
        self.src = symbolic_pod(self.u, new, "src", allow_new_namespace=True)
        self.dst = symbolic_pod(self.u, new, "dst", allow_new_namespace=True)
        # Addresses outside the cluster of both families: IPv6 ipBlocks admit only IPv6 ones.
        self.ext4 = external(self.u, "ext4", IPv4, 0, (1 << 32) - 1)
        self.ext6 = external(self.u, "ext6", IPv6, 0, (1 << 128) - 1)
        self._pinned: dict[tuple[str, str], SymEndpoint] = {}
        self.found: list[Found] = []
        self._restricted: dict[tuple[Change, Direction, str], Encoder] = {}

    def kinds(self) -> list[tuple[SymEndpoint, SymEndpoint, str]]:
        """(source, destination, kind) of each kind of connection."""
        return [(self.src, self.dst, KINDS[0]), (self.ext4, self.dst, KINDS[1]),
                (self.dst, self.ext4, KINDS[2]), (self.ext6, self.dst, KINDS[3]),
                (self.dst, self.ext6, KINDS[4])]

    def pinned(self, prefix: str, namespace: str) -> SymEndpoint:
        """A pod that could exist in ``namespace`` (the new set's namespace labels)."""
        key = (prefix, namespace)
        if key not in self._pinned:
            self._pinned[key] = pinned_pod(self.u, self.new, prefix, namespace)
        return self._pinned[key]

    def restricted(self, change: Change, direction: Direction, namespace: str) -> Encoder:
        """The first set's encoder without the ``direction`` rules no pod of ``namespace`` meets.

        Every such rule's term is false for a pod of ``namespace``.
        """
        key = (change, direction, namespace)
        if key not in self._restricted:
            cluster = self.enc[change].cluster
            labels = self.new.namespace_labels(namespace)
            pols = tuple(_keep_rules(p, direction, namespace, labels) for p in cluster.policies)
            self._restricted[key] = Encoder(replace(cluster, policies=pols), self.u,
                                            terms_of=self.enc[change])
        return self._restricted[key]

    def whole(self, change: Change, a: SymEndpoint, b: SymEndpoint) -> _Question:
        """The whole-cluster question: the first set allows a -> b, the second does not."""
        first, second = self.enc[change], self.enc[_OTHER[change]]
        e, i, eg, ing = first.allowed(a, b, self.traffic)
        e2, i2, _, _ = second.allowed(a, b, self.traffic)
        return _Question(a, b, [and_(e, i), z3.Not(and_(e2, i2))], [*eg, *ing])

    def local(self, change: Change, a: SymEndpoint, b: SymEndpoint,
              moved: Direction) -> _Question:
        """The question when the ``moved`` side (of a pinned endpoint) is the one that changed."""
        first, second = self.enc[change], self.enc[_OTHER[change]]
        t = self.traffic
        subject, other = (a, b) if moved is Direction.EGRESS else (b, a)
        near, near_terms = first.side(moved, subject, other, b, t)
        was, _ = second.side(moved, subject, other, b, t)
        ns = subject.fixed_ns
        assert ns is not None
        far_dir = Direction.INGRESS if moved is Direction.EGRESS else Direction.EGRESS

        def more() -> tuple[list[z3.BoolRef], list[RuleTerm]]:
            far, far_terms = self.restricted(change, far_dir, ns).side(far_dir, other, subject,
                                                                       b, t)
            # Egress terms first, as the whole-cluster question lists them.
            if moved is Direction.EGRESS:
                return [far], [*near_terms, *far_terms]
            return [far], [*far_terms, *near_terms]

        return _Question(a, b, [first.common_family(a, b, t), near, z3.Not(was)], near_terms,
                         more)

    def questions(self, change: Change, a: SymEndpoint, b: SymEndpoint,
                  moved: dict[Direction, set[str]]) -> Iterator[_Question]:
        """The cases of one kind of connection, one per changed side and namespace."""
        if a is self.src or a is self.dst:
            for ns in sorted(moved[Direction.EGRESS]):
                yield self.local(change, self.pinned(a.name, ns), b, Direction.EGRESS)
        if b is self.dst:
            for ns in sorted(moved[Direction.INGRESS]):
                yield self.local(change, a, self.pinned(b.name, ns), Direction.INGRESS)

    def ask(self, q: _Question) -> Check:
        """Whether the question has an answer; the core alone first when there is more."""
        domain = [*q.a.domain, *q.b.domain, *self.traffic.domain]
        if q.more is not None:
            r = check(self.solver, *domain, *q.core)
            if r.outcome is not Outcome.YES:
                return r
            q.rest, q.terms = q.more()
        return check(self.solver, *domain, *q.core, *q.rest)

    def witness(self, q: _Question, r: Check, change: Change) -> DiffWitness:
        """The witness of a YES, with addresses only where the difference needs them."""
        goals = [*q.a.domain, *q.b.domain, *self.traffic.domain, *q.core, *q.rest]
        pods = [ep for ep in (q.a, q.b) if ep.pod is None and z3.is_true(ep.is_pod)]
        # The example pods keep an address only when the difference needs one,
        # and a new pod gets one no existing pod has, when one will do.
        kept: list[z3.BoolRef] = []
        for ep in pods:
            assert r.model is not None
            if _addresses(r.model, self.u, self.new, [ep], taken_only=False):
                bare = [z3.Not(has) for has, _ in (*ep.ip4, *ep.ip6)]
                again = check(self.solver, *goals, *kept, *bare)
                if again.outcome is Outcome.YES and again.model is not None:
                    r, kept = again, [*kept, *bare]
        assert r.model is not None
        if _addresses(r.model, self.u, self.new, pods, taken_only=True):
            fresh = [g for ep in pods for g in fresh_addresses(ep, self.new)]
            again = check(self.solver, *goals, *kept, *fresh)
            if again.outcome is Outcome.YES and again.model is not None:
                r = again
        m = r.model
        assert m is not None
        port, proto = read_traffic(m, self.traffic)
        self.found.append(Found(change, read_endpoint(m, self.u, self.new, q.a, "example-src"),
                                read_endpoint(m, self.u, self.new, q.b, "example-dst"),
                                proto, port, self.traffic.family_in(m)))
        return _witness(m, self.u, self.new, q.a, q.b, self.traffic, change, q.terms)


def _can_admit(pol: NetworkPolicy, rule: Rule, namespace: str,
               labels: Mapping[str, str]) -> bool:
    """Whether ``rule`` can admit some pod of ``namespace`` (whose labels are ``labels``).

    Exact on the namespace, generous on the rest: a pod that could exist may carry any
    labels and any address, so only the namespace part of a peer can rule it out.
    """
    if rule.peers is None:
        return True
    for peer in rule.peers:
        if peer.ip_block is not None:
            return True
        if peer.namespace_selector is None:
            if pol.namespace == namespace:
                return True
        elif peer.namespace_selector.matches(labels):
            return True
    return False


def _keep_rules(pol: NetworkPolicy, direction: Direction, namespace: str,
                labels: Mapping[str, str]) -> NetworkPolicy:
    """``pol`` with only the rules of ``direction`` that can admit a pod of ``namespace``.

    Its policy types stay: it still isolates the pods it selects.
    """
    rules = tuple(r for r in pol.rules(direction) if _can_admit(pol, r, namespace, labels))
    if len(rules) == len(pol.rules(direction)):
        return pol
    if direction is Direction.INGRESS:
        return replace(pol, ingress=rules)
    return replace(pol, egress=rules)


def symbolic_diff(old: Cluster, new: Cluster, timeout_ms: int, *, localised: bool = True,
                  found: list[Found] | None = None
                  ) -> tuple[Answer, Answer, list[DiffWitness], list[str]]:
    """(newly allowed, newly denied, witnesses, caveats) over every pod that could exist.

    ``localised=False`` asks the whole-cluster question (the reference); ``found``, when
    given, receives each witness as the model has it (tests check them concretely).
    """
    asker = _Asker(old, new, timeout_ms)
    caveats: list[str] = []
    if {n: dict(ns.labels) for n, ns in old.namespaces.items() if n in new.namespaces} != {
            n: dict(new.namespaces[n].labels) for n in old.namespaces if n in new.namespaces}:
        caveats.append("namespace labels changed: hypothetical pods are checked against the new "
                       "namespaces' labels")
    moved = changed_namespaces(old, new) if localised and localisable(old, new) else None
    answers: dict[Change, Answer] = {}
    witnesses: list[DiffWitness] = []
    for change in (Change.ALLOWED, Change.DENIED):
        outcome = Answer.NO
        for a, b, kind in asker.kinds():
            # Lazily: each case is encoded only when the ones before found nothing.
            qs = (iter([asker.whole(change, a, b)]) if moved is None
                  else asker.questions(change, a, b, moved))
            undecided = []
            for q in qs:
                r = asker.ask(q)
                if r.outcome is Outcome.YES and r.model is not None:
                    outcome = Answer.YES
                    witnesses.append(asker.witness(q, r, change))
                    break
                if r.outcome is Outcome.UNDECIDED:
                    undecided.append(r.reason)
            if outcome is Answer.YES:
                break
            if undecided:
                outcome = Answer.UNDECIDED
                caveats.append(f"newly {change.value} ({kind}): the solver could not decide "
                               f"({undecided[0]})")
        answers[change] = outcome
    if found is not None:
        found.extend(asker.found)
    return answers[Change.ALLOWED], answers[Change.DENIED], witnesses, caveats


def _addresses(m: z3.ModelRef, u: Universe, cluster: Cluster, pods: list[SymEndpoint], *,
               taken_only: bool) -> bool:
    """Whether a hypothetical pod of the model has an address (one an existing pod has)."""
    for ep in pods:
        w = read_endpoint(m, u, cluster, ep, "example")
        if isinstance(w, Witness) and w.pod.ips and (not taken_only or taken(cluster, w)):
            return True
    return False


def _witness(m: z3.ModelRef, u: Universe, cluster: Cluster, a: SymEndpoint, b: SymEndpoint,
             traffic: Traffic, direction: Change, terms: list[RuleTerm]) -> DiffWitness:
    port, proto = read_traffic(m, traffic)
    rules = tuple(f"{t.policy.key} spec.{t.rule.direction.field}[{t.rule.index}]"
                  for t in terms if z3.is_true(m.eval(t.term, True)))
    return DiffWitness(direction=direction,
                       src=describe(cluster, read_endpoint(m, u, cluster, a, "example-src")),
                       dst=describe(cluster, read_endpoint(m, u, cluster, b, "example-dst")),
                       port=port,
                       protocol=proto, rules=rules)

