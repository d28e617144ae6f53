"""The search behind ``lint``'s rules NV150-NV152, over every pod that could exist.

The audit rules in ``netverify/audit/rules/nv15*`` report what this finds (their
codes are the findings' codes); ``netverify lint`` runs them with NV102 and the
tier rules.

- ``NV150``: the podSelector contradicts itself: no possible pod is selected.
  (A selector that matches no *existing* pod is NV102's, decided without a solver.)
- ``NV151`` (a redundant rule): deleting the rule allows and denies exactly the same
  traffic for every possible source, destination, address (IPv4 and IPv6) and
  port.  Deleting is the edit a user makes in the YAML, defaults included:
  without ``policyTypes``, deleting the last egress rule also ends egress
  isolation (``NetworkPolicy.without_rule``), and that is what is checked.
- ``NV152`` (a redundant policy): deleting the whole policy, isolation included, changes
  no verdict for any possible pod.

The findings are advice, so each is checked by applying it: the edited cluster
is encoded again and compared with the original.  They are found one after the
other with the earlier ones applied, and each is also checked alone, so any
one of them, or all of them together, can be deleted (two identical rules are
not both reported).

Only NetworkPolicies are compared.  Policies of kinds netverify does not evaluate
(``Cluster.coverage``) cannot make a finding false, but can make more rules
redundant than the findings say: the result is then marked incomplete.
Each redundant item names the policies that shadow it, found by asking the
same question with only one other policy's rules left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import z3

from netverify.deadline import DEFAULT_TIMEOUT_MS
from netverify.engines.smt.endpoints import SymEndpoint, symbolic_pod
from netverify.engines.smt.engine import SmtEngine
from netverify.engines.smt.formulas import Encoder, Traffic
from netverify.engines.smt.solve import Outcome, check, new_solver
from netverify.engines.smt.terms import and_, not_, or_
from netverify.ipblocks import IPv4, IPv6
from netverify.model import Cluster, Direction, NetworkPolicy
from netverify.results import LintFinding, LintResult
from netverify.source import SourceRef

CONTRADICTION = "NV150"
REDUNDANT_RULE = "NV151"
REDUNDANT_POLICY = "NV152"
# How many namespaces besides the edited one a candidate may need before the whole
# cluster is asked instead (``_Search.regionally``).
REGION_ROUNDS = 4


def find_redundant(cluster: Cluster, *, timeout_ms: int = DEFAULT_TIMEOUT_MS,
                   localised: bool = True) -> LintResult:
    """Find policies that select no possible pod and rules or policies that change nothing.

    ``timeout_ms`` bounds all the solver work together; what is not decided by
    then is listed in ``undecided``.  ``localised=False`` encodes the whole edited
    cluster for every candidate: the reference the localised search is tested against
    (``_Search.edited``), far slower on large clusters.

    >>> find_redundant(cluster).findings  # doctest: +SKIP
    """
    search = _Search(cluster, timeout_ms, localised=localised)
    for pol in cluster.policies:
        search.policy(pol)
    findings = sorted(search.findings, key=lambda f: (f.policy, f.field, f.code))
    # Another kind of policy may make a NetworkPolicy rule redundant (a cluster-wide deny
    # covering what it allows) wherever it applies: with policies to judge, every object
    # netverify does not evaluate leaves the search incomplete.  Findings stay true.
    coverage = cluster.coverage if cluster.policies else cluster.coverage.affecting(())
    return LintResult(findings=tuple(findings), policies=len(cluster.policies),
                      undecided=tuple(search.undecided), coverage=coverage)


# Per question (a, b): both endpoints can use the family, then egress of a and ingress of
# b, each as (allowed for sure, allowed for some choice the tiers leave open).
Sides = tuple[z3.BoolRef, z3.BoolRef, z3.BoolRef, z3.BoolRef, z3.BoolRef]


class _Search:
    """One lint run: the original cluster's verdicts encoded once, the findings so far.

    ``current`` holds the findings so far applied; a candidate must keep every verdict
    both on it and on the original cluster (alone).
    """

    def __init__(self, cluster: Cluster, timeout_ms: int, *, localised: bool = True) -> None:
        self.cluster = cluster
        self.current = cluster
        self.localised = localised
        self.smt = smt = SmtEngine(cluster, timeout_ms=timeout_ms)
        u = smt.universe
        self.src = symbolic_pod(u, cluster, "src", allow_new_namespace=True)
        self.dst = symbolic_pod(u, cluster, "dst", allow_new_namespace=True)
        # Addresses outside the cluster, of both families: an IPv6 ipBlock only ever
        # admits IPv6 addresses.
        self.ext4 = smt.external(IPv4, 0, (1 << 32) - 1, "ext4")
        self.ext6 = smt.external(IPv6, 0, (1 << 128) - 1, "ext6")
        self.traffic = Traffic.symbolic()
        self.findings: list[LintFinding] = []
        self.undecided: list[str] = []
        self.pairs = ((self.src, self.dst), (self.ext4, self.dst), (self.dst, self.ext4),
                      (self.ext6, self.dst), (self.dst, self.ext6))
        self.both = [smt.encoder.common_family(a, b, self.traffic) for a, b in self.pairs]
        self._held: dict[int, _Held] = {}
        self._parts: dict[tuple[int, frozenset[str]], tuple[Cluster, Cluster]] = {}
        self._locals: dict[tuple[int, str, frozenset[str]], tuple[Cluster, list[Sides]]] = {}
        # ``unpoliced`` terms per (endpoint, namespace, region), and their ``ns != i`` parts:
        # regionally asks them again for every candidate of a namespace.
        self._outside: dict[tuple[int, str, frozenset[str]], z3.BoolRef] = {}
        self._ns_ne: dict[tuple[int, str], z3.BoolRef] = {}
        # The shadowing policies' question (``_coverers``) over endpoints of its own, made
        # once so that its terms are built once per policy.
        self.cover_ends = (symbolic_pod(u, cluster, "s", allow_new_namespace=True),
                           symbolic_pod(u, cluster, "o", allow_new_namespace=True),
                           Traffic.symbolic("t"))
        # One solver holding their domains; each question is pushed and popped on it.
        self.cover_solver = new_solver(smt.deadline)
        self.cover_solver.add(*self.cover_ends[0].domain, *self.cover_ends[1].domain,
                              *self.cover_ends[2].domain)
        self.original = self.sides(smt.encoder)
        self.sides_now = self.original  # of ``current``: what earlier findings left
        self.full = self.verdicts(self.original)
        self.solver = new_solver(smt.deadline)
        self.solver.add(*self.src.domain, *self.dst.domain, *self.ext4.domain,
                        *self.ext6.domain, *self.traffic.domain)
        # Namespace -> its own sides (``local``) in ``current`` and in the original cluster.
        self.local_now: dict[str, list[Sides]] = {}
        self.local_original: dict[str, list[Sides]] = {}
        self.governed = frozenset(p.namespace for p in cluster.policies)

    def sides(self, enc: Encoder) -> list[Sides]:
        """The questions' sides: pod to pod, outside to pod and pod to outside (each family)."""
        out = []
        for (a, b), both in zip(self.pairs, self.both, strict=True):
            e_lo, e_hi, _ = enc.side_bounds(Direction.EGRESS, a, b, b, self.traffic)
            i_lo, i_hi, _ = enc.side_bounds(Direction.INGRESS, b, a, b, self.traffic)
            out.append((both, e_lo, e_hi, i_lo, i_hi))
        return out

    def verdicts(self, sides: list[Sides]) -> list[z3.BoolRef]:
        """What each question's answer is (and, with tiers, may be) given its sides."""
        out = []
        for both, e_lo, e_hi, i_lo, i_hi in sides:
            out.append(z3.And(both, e_lo, i_lo))
            if self.smt.encoder.tiers.active:  # what the implementation may choose must not change
                out.append(z3.And(both, e_hi, i_hi))
        return out

    def edited(self, edited: Cluster, base: list[Sides], namespace: str) -> list[Sides]:
        """The sides of ``edited``, which differs from ``base``'s cluster only in ``namespace``.

        A NetworkPolicy selects pods of its own namespace only, so its egress rules
        decide the egress side of sources in that namespace and its ingress rules the
        ingress side of destinations there; every other side of every question is
        decided by other namespaces' policies and the cluster-wide tiers, which the
        edit leaves as they are.  So the edited cluster's side is, for an endpoint of
        ``namespace``, the side encoded from that namespace's policies alone (plus the
        tiers, which ``side_bounds`` combines the same way whatever else exists) and,
        for any other endpoint (another namespace, a new one, an address outside), the
        side already encoded in ``base``: exactly the whole edited cluster's formula,
        built from one namespace's policies instead of every policy.  Without
        ``localised`` the whole edited cluster is encoded again, as the reference.
        """
        if not self.localised:
            return self.sides(Encoder(edited, self.smt.universe))
        return self.combined(self.local(edited, namespace), base, namespace)

    def local(self, cluster: Cluster, namespace: str,
              region: frozenset[str] = frozenset()) -> list[Sides]:
        """The sides ``namespace``'s own policies (and ``region``'s, and the tiers) give."""
        mine = self.part(cluster, region | {namespace})
        return self.sides(Encoder(mine, self.smt.universe, terms_of=self.smt.encoder))

    def part(self, cluster: Cluster, namespaces: frozenset[str]) -> Cluster:
        """``cluster`` with only the policies of ``namespaces`` (kept: candidates share it).

        An edit touches one namespace's policies, so editing the part gives the part of
        the edited cluster, without going through every policy of the cluster again.
        """
        key = (id(cluster), namespaces)
        hit = self._parts.get(key)
        if hit is not None and hit[0] is cluster:
            return hit[1]
        if len(self._parts) >= 64:
            self._parts.clear()
        out = cluster if all(p.namespace in namespaces for p in cluster.policies) else replace(
            cluster, policies=tuple(p for p in cluster.policies if p.namespace in namespaces))
        self._parts[key] = (cluster, out)
        return out

    def local_of(self, cluster: Cluster, namespace: str,
                 region: frozenset[str]) -> list[Sides]:
        """``local``, kept for the namespace being judged: its candidates share it."""
        key = (id(cluster), namespace, region)
        hit = self._locals.get(key)
        if hit is not None and hit[0] is cluster:
            return hit[1]
        if any(k[1] != namespace for k in self._locals):
            self._locals.clear()
        out = self.local(cluster, namespace, region)
        self._locals[key] = (cluster, out)
        return out

    def combined(self, local: list[Sides], base: list[Sides], namespace: str) -> list[Sides]:
        """``local``'s sides for endpoints of ``namespace``, ``base``'s for every other."""
        out = []
        for (a, b), old, new in zip(self.pairs, base, local, strict=True):
            in_a, in_b = self.member(a, namespace), self.member(b, namespace)
            out.append((old[0], z3.If(in_a, new[1], old[1]), z3.If(in_a, new[2], old[2]),
                        z3.If(in_b, new[3], old[3]), z3.If(in_b, new[4], old[4])))
        return out

    def member(self, ep: SymEndpoint, namespace: str) -> z3.BoolRef:
        """``ep`` is a pod of ``namespace`` (an address outside the cluster never is)."""
        return _member(self.smt.encoder, ep, namespace)

    def unpoliced(self, ep: SymEndpoint, namespace: str,
                  region: frozenset[str] = frozenset()) -> z3.BoolRef:
        """``ep`` is no pod of a namespace holding NetworkPolicies, ``namespace`` aside.

        For such an endpoint (an address outside, a pod of a namespace without policies,
        new or existing, or of ``namespace`` itself) the sides ``local`` encodes are the
        whole cluster's: a NetworkPolicy selects pods of its own namespace only.  The
        namespaces of ``region`` are set aside too (their policies are then encoded).
        """
        key = (id(ep), namespace, region)
        hit = self._outside.get(key)
        if hit is not None:
            return hit
        others = [n for n in sorted(self.governed) if n != namespace and n not in region]
        if ep.fixed_ns is not None:
            out = or_(z3.Not(ep.is_pod), z3.BoolVal(ep.fixed_ns not in others))
        else:
            out = or_(z3.Not(ep.is_pod), and_(*[self._not_in(ep, n) for n in others]))
        self._outside[key] = out
        return out

    def _not_in(self, ep: SymEndpoint, namespace: str) -> z3.BoolRef:
        """``ep.ns`` is not ``namespace``'s index (one term per endpoint and namespace)."""
        key = (id(ep), namespace)
        hit = self._ns_ne.get(key)
        if hit is None:
            hit = self._ns_ne[key] = ep.ns != self.smt.universe.namespaces.index(namespace)
        return hit

    def locally(self, before: list[Sides], after: list[Sides], namespace: str,
                what: str) -> bool | None:
        """Decide from ``namespace``'s own sides alone when they suffice; else None.

        ``before`` holds verdicts equal to the original cluster's.  False: some question
        whose endpoints ``unpoliced`` keeps gets another verdict (a real difference, found
        without the rest of the cluster).  True: no side of an endpoint of ``namespace``
        changes, so no verdict can.  None: the sides change only where other namespaces'
        policies decide whether that matters; the whole cluster must answer.
        """
        held = self.held(namespace, before)
        keep = [held.name(and_(self.unpoliced(a, namespace), self.unpoliced(b, namespace)))
                for a, b in self.pairs]
        r = check(held.solver, self.changed(held, after, keep), model=False)
        if r.outcome is Outcome.YES:
            return False
        if r.outcome is Outcome.UNDECIDED:
            self.undecided.append(f"{what}: {r.reason}")
            return False
        r = check(held.solver, self.moved(held, after, namespace, None), model=False)
        if r.outcome is Outcome.NO:
            return True
        if r.outcome is Outcome.UNDECIDED:
            self.undecided.append(f"{what}: {r.reason}")
            return False
        return None

    def changed(self, held: _Held, after: list[Sides], keep: list[z3.BoolRef]) -> z3.BoolRef:
        """Some question whose endpoints ``keep`` admits gets another verdict from ``after``.

        A verdict is ``both and egress and ingress``; a side the edit leaves as it was is
        the same term (sub-terms are shared), so the verdict differs only where the other
        side does and only that is asked: an ingress rule's candidate never makes the
        solver compare egress sides.
        """
        bounds = ((1, 3), (2, 4)) if self.smt.encoder.tiers.active else ((1, 3),)
        out = []
        for k, (x, y) in enumerate(zip(held.before, after, strict=True)):
            for e, i in bounds:
                same_e, same_i = x[e].eq(y[e]), x[i].eq(y[i])
                if same_e and same_i:
                    continue
                if same_e:
                    out.append(and_(keep[k], x[0], held.name(x[e]), held.name(x[i]) != y[i]))
                elif same_i:
                    out.append(and_(keep[k], x[0], held.name(x[i]), held.name(x[e]) != y[e]))
                else:
                    out.append(and_(keep[k], held.name(and_(x[0], x[e], x[i]))
                                    != and_(y[0], y[e], y[i])))
        return or_(*out) if out else z3.BoolVal(False)

    def moved(self, held: _Held, after: list[Sides], namespace: str,
              outside: list[z3.BoolRef] | None) -> z3.BoolRef:
        """A side of an endpoint of ``namespace`` moves (where ``outside`` holds, if given).

        Sides the edit leaves as they were (the same terms) are not compared.
        """
        out = []
        for k, ((a, b), x, y) in enumerate(zip(self.pairs, held.before, after, strict=True)):
            gate = [] if outside is None else [outside[k]]
            for ep, sides in ((a, (1, 2)), (b, (3, 4))):
                # Without tiers the two bounds are one term: compared once.
                terms = {x[j].get_id(): j for j in sides if not x[j].eq(y[j])}
                if terms:
                    out.append(and_(*gate, held.name(self.member(ep, namespace)),
                                    or_(*[held.name(x[j]) != y[j] for j in terms.values()])))
        return or_(*out) if out else z3.BoolVal(False)

    def held(self, namespace: str, before: list[Sides]) -> _Held:
        """The incremental solver of ``namespace``'s candidates over the sides ``before``.

        Every candidate of a namespace is compared with the same sides (until a finding is
        applied): they are asserted once, each as a definition of a fresh name, so the
        solver keeps them (and what it learnt of them) from one candidate to the next
        instead of taking them in again with each question.
        """
        hit = self._held.get(id(before))
        if hit is not None and hit.before is before:
            return hit
        if any(h.namespace != namespace for h in self._held.values()):
            self._held.clear()  # candidates come namespace by namespace
        held = _Held(namespace, before, new_solver(self.smt.deadline))
        held.solver.add(*self.src.domain, *self.dst.domain, *self.ext4.domain,
                        *self.ext6.domain, *self.traffic.domain)
        self._held[id(before)] = held
        return held

    def same(self, sides: list[Sides], what: str) -> bool:
        """Whether ``sides`` decide every connection as the original cluster does."""
        other = self.verdicts(sides)
        r = check(self.solver, z3.Or(*[x != y for x, y in zip(self.full, other, strict=True)]))
        if r.outcome is Outcome.UNDECIDED:
            self.undecided.append(f"{what}: {r.reason}")
            return False
        return r.outcome is Outcome.NO

    def redundant(self, edit: Callable[[Cluster], Cluster], namespace: str, what: str) -> bool:
        """Whether ``edit`` (of one namespace's policies) changes no verdict.

        If so it joins the findings applied.
        """
        if self.smt.deadline.expired():  # its formulas would only be built to be left undecided
            self.undecided.append(f"{what}: {self.smt.deadline.reason()}")
            return False
        if not self.localised:
            now = self.edited(edit(self.current), self.sides_now, namespace)
            if not self.same(now, what):
                return False
            if self.current is not self.cluster and not self.same(
                    self.edited(edit(self.cluster), self.original, namespace), what):
                return False
            self.current = edit(self.current)
            self.sides_now = now
            return True
        # Decided from the edited namespace's own policies first (``locally``); the whole
        # cluster's formula is asked only when that cannot tell.
        before = self.local_now.get(namespace) or self.local(self.current, namespace)
        self.local_now[namespace] = before
        own = frozenset({namespace})
        after = self.local(edit(self.part(self.current, own)), namespace)
        if not self.judged(before, after, self.sides_now, edit, namespace, what):
            return False
        if self.current is not self.cluster:
            alone = self.local_original.get(namespace) or self.local(self.cluster, namespace)
            self.local_original[namespace] = alone
            if not self.judged(alone, self.local(edit(self.part(self.cluster, own)), namespace),
                               self.original, edit, namespace, what):
                return False
        self.current = edit(self.current)
        self.sides_now = self.combined(after, self.sides_now, namespace)
        self.local_now[namespace] = after
        return True

    def judged(self, before: list[Sides], after: list[Sides], base: list[Sides],
               edit: Callable[[Cluster], Cluster], namespace: str, what: str) -> bool:
        """Whether the edit from ``before`` to ``after`` (local, over ``base``) keeps every verdict.

        Decided locally when that suffices, else over the whole cluster.
        """
        quick = self.locally(before, after, namespace, what)
        if quick is not None:
            return quick
        cluster = self.current if base is self.sides_now else self.cluster
        near = self.regionally(cluster, edit, namespace, what)
        if near is not None:
            return near
        return self.same(self.combined(after, base, namespace), what)

    def regionally(self, cluster: Cluster, edit: Callable[[Cluster], Cluster],
                   namespace: str, what: str) -> bool | None:
        """Decide over ``namespace`` and the few namespaces whose policies matter; else None.

        A side of an endpoint of ``namespace`` moves only towards some other endpoints;
        the verdict then also hangs on that endpoint's own side, decided by its
        namespace's policies.  The namespaces such endpoints can be in (read from models,
        at most ``REGION_ROUNDS`` of them) form the region; once no moved side meets an
        endpoint of a namespace with policies outside it, encoding the namespace and the
        region alone is exact for every question where anything moved.
        """
        u = self.smt.universe
        region: set[str] = set()
        for _ in range(REGION_ROUNDS + 1):
            near = frozenset(region)
            before = self.local_of(cluster, namespace, near)
            after = self.local(edit(self.part(cluster, near | {namespace})), namespace, near)
            held = self.held(namespace, before)
            keep = [held.name(and_(self.unpoliced(a, namespace, near),
                                   self.unpoliced(b, namespace, near))) for a, b in self.pairs]
            r = check(held.solver, self.moved(held, after, namespace, [not_(k) for k in keep]))
            if r.outcome is Outcome.UNDECIDED:
                return None
            if r.outcome is Outcome.NO:
                d = check(held.solver, self.changed(held, after, keep), model=False)
                if d.outcome is Outcome.UNDECIDED:
                    self.undecided.append(f"{what}: {d.reason}")
                return d.outcome is Outcome.NO
            if len(region) >= REGION_ROUNDS:
                return None
            assert r.model is not None
            grown = {u.namespaces[i] for ep in (self.src, self.dst)
                     if (i := r.model.eval(ep.ns, model_completion=True).as_long())
                     < len(u.namespaces)} & (self.governed - {namespace} - region)
            if not grown:
                return None
            region |= grown
        return None

    def policy(self, pol: NetworkPolicy) -> None:
        """Judge one policy: its selector, then the whole policy, then each rule."""
        possible = check(self.solver, self.smt.encoder.selects(pol, self.dst))
        if possible.outcome is Outcome.UNDECIDED:
            self.undecided.append(f"{pol.key} spec.podSelector: {possible.reason}")
        if possible.outcome is Outcome.NO:
            self.findings.append(LintFinding(
                code=CONTRADICTION, policy=pol.key, field="spec.podSelector",
                message="the podSelector contradicts itself: no pod could ever be selected",
                source=pol.source))
            return

        def drop(c: Cluster, key: str = pol.key) -> Cluster:
            return _without_policy(c, key)

        if self.redundant(drop, pol.namespace, pol.key):
            self.findings.append(LintFinding(
                code=REDUNDANT_POLICY, policy=pol.key, field="",
                message="deleting this policy changes no verdict for any possible pod",
                source=pol.source,
                covered_by=tuple(_coverers(self.current, self.smt, pol, None,
                                           self.cover_ends, self.cover_solver))))
            return
        for direction in Direction:
            if direction in pol.policy_types:
                for rule in pol.rules(direction):
                    self.rule(pol, direction, rule.index, rule.source)

    def rule(self, pol: NetworkPolicy, direction: Direction, index: int,
             source: SourceRef | None) -> None:
        """Judge one rule of a policy that is not redundant as a whole."""
        field = f"spec.{direction.field}[{index}]"

        def edit(c: Cluster, key: str = pol.key, d: Direction = direction,
                 i: int = index) -> Cluster:
            return _without_rule(c, key, d, i)

        if not self.redundant(edit, pol.namespace, f"{pol.key} {field}"):
            return
        drops = pol.without_rule(direction, index).policy_types != pol.policy_types
        more = (f"; without policyTypes the policy then stops isolating "
                f"{direction.value.lower()}, which changes nothing either" if drops else "")
        self.findings.append(LintFinding(
            code=REDUNDANT_RULE, policy=pol.key, field=field,
            message="deleting this rule allows and denies exactly the same traffic "
                    f"for every possible pod{more}", source=source,
            covered_by=tuple(_coverers(self.current, self.smt, pol, (direction, index),
                                       self.cover_ends, self.cover_solver))))


class _Held:
    """A solver holding fixed terms as definitions of fresh names (``_Search.held``)."""

    def __init__(self, namespace: str, before: list[Sides], solver: z3.Solver) -> None:
        self.namespace = namespace
        self.before = before  # held: the cache is keyed by its id
        self.solver = solver
        self._names: dict[int, tuple[z3.BoolRef, z3.BoolRef]] = {}

    def name(self, term: z3.BoolRef) -> z3.BoolRef:
        """A fresh constant asserted equal to ``term`` (one per term and solver)."""
        hit = self._names.get(term.get_id())
        if hit is None:
            fresh = z3.FreshBool("lint.held")
            self.solver.add(fresh == term)
            hit = self._names[term.get_id()] = (term, fresh)  # the term held: its id stays
        return hit[1]


def _member(enc: Encoder, ep: SymEndpoint, namespace: str) -> z3.BoolRef:
    """``ep`` is a pod of ``namespace`` (an address outside the cluster never is)."""
    if ep.fixed_ns is not None:
        return z3.And(ep.is_pod, z3.BoolVal(ep.fixed_ns == namespace))
    return z3.And(ep.is_pod, ep.ns == enc.u.namespaces.index(namespace))


def _without_policy(cluster: Cluster, key: str) -> Cluster:
    return replace(cluster, policies=tuple(p for p in cluster.policies if p.key != key))


def _without_rule(cluster: Cluster, key: str, direction: Direction, index: int) -> Cluster:
    return replace(cluster, policies=tuple(
        p.without_rule(direction, index) if p.key == key else p for p in cluster.policies))


def _coverers(cluster: Cluster, smt: SmtEngine, pol: NetworkPolicy,
              only: tuple[Direction, int] | None,
              ends: tuple[SymEndpoint, SymEndpoint, Traffic], s: z3.Solver) -> list[str]:
    """Other policies whose rules alone admit everything ``pol`` (or one rule) admits.

    ``cluster`` is the one with the earlier findings applied: a policy already found
    redundant (and so to be deleted) shadows nothing.  ``s`` holds the domains of
    ``ends``; each question is checked on top of them (pushed and popped).
    """
    subject, other, traffic = ends
    out = []
    for direction in Direction:
        if smt.deadline.expired():
            break  # the coverers found so far; the finding itself was decided
        if only is not None and only[0] is not direction:
            continue
        mine = [z3.And(smt.encoder.selects(pol, subject),
                       smt.encoder.rule(pol, r, other, other if direction is Direction.EGRESS
                                        else subject, traffic))
                for r in pol.rules(direction) if only is None or r.index == only[1]]
        if not mine:
            if only is None and direction in pol.policy_types:
                # A policy without rules only isolates: shadowed by one isolating the same pods.
                for q in cluster.policies:
                    if q.key != pol.key and direction in q.policy_types:
                        r = check(s, smt.encoder.selects(pol, subject),
                                  z3.Not(smt.encoder.selects(q, subject)))
                        if r.outcome is Outcome.NO:
                            out.append(q.key)
            continue
        for q in cluster.policies:
            if q.key == pol.key or q.namespace != pol.namespace or direction not in q.policy_types:
                continue
            theirs = [z3.And(smt.encoder.selects(q, subject),
                             smt.encoder.rule(q, r, other, other if direction is Direction.EGRESS
                                              else subject, traffic))
                      for r in q.rules(direction)]
            r = check(s, z3.Or(*mine), z3.Not(z3.Or(*theirs)) if theirs else z3.BoolVal(True))
            if r.outcome is Outcome.NO:
                out.append(q.key)
    return sorted(set(out))
