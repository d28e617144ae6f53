"""``--engine smt``: the suggestion beyond the pods of the input, proved with Z3.

Two properties, each a set of solver questions over symbolic pods (``engines.smt``):

- *new replicas*: for every intended workload pair with a side in a touched namespace,
  a new replica of the source (a pod of its namespace carrying exactly its template's
  stable labels, as far as any selector can tell, at any address) reaches a new replica
  of the destination (with the destination's container ports) on exactly the intended
  ports: nothing more (``allowed`` and outside the intent is unsatisfiable) and nothing
  less (``denied`` and inside it is unsatisfiable).  Asked once per destination, the
  source any replica of its intended sources (the solver picks which): the questions grow
  with the workloads, not with the pairs;
- *no pod of another namespace*: for every workload of a touched namespace, no pod of a
  namespace none of its intended pod sources lives in (existing or created later, any
  labels, any address) reaches a replica of it on any port.

A "no" of the solver is the proof; a "yes" comes with the workload pair (or namespace)
that breaks the property.  More than ``MAX_QUESTIONS`` questions are not asked: the
property is then reported as skipped, never as proved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import z3

from netverify.engines.smt.endpoints import PROTOCOL_CODE, SymEndpoint, symbolic_pod
from netverify.engines.smt.engine import SmtEngine
from netverify.engines.smt.formulas import Traffic
from netverify.engines.smt.solve import Outcome
from netverify.model import NAMESPACE_NAME_LABEL, Cluster
from netverify.ports import PortSet
from netverify.results import ProofCheck, ProofStatus
from netverify.selectors import LabelSelector, Operator, Requirement
from netverify.suggest.intent import Intent, Workloads
from netverify.suggest.labels import UNSTABLE

MAX_QUESTIONS = 2_000


def _in(t: Traffic, ports: PortSet) -> z3.BoolRef:
    """``t`` uses one of ``ports``."""
    terms = [z3.And(t.proto == PROTOCOL_CODE[p], z3.UGE(t.port, lo), z3.ULE(t.port, hi))
             for p, ivs in ports.items() for lo, hi in ivs]
    return z3.Or(*terms) if terms else z3.BoolVal(False)


def _has(addresses: list[tuple[z3.BoolRef, z3.BitVecRef]]) -> z3.BoolRef:
    return z3.Or(*(h for h, _ in addresses)) if addresses else z3.BoolVal(False)


def _inside(ports: PortSet) -> Callable[[Traffic], z3.BoolRef]:
    def goal(t: Traffic) -> z3.BoolRef:
        return _in(t, ports)
    return goal


def _outside(ports: PortSet) -> Callable[[Traffic], z3.BoolRef]:
    def goal(t: Traffic) -> z3.BoolRef:
        return z3.Not(_in(t, ports))
    return goal


def _selector_keys(cluster: Cluster) -> set[str]:
    keys: set[str] = set()
    for pol in cluster.policies:
        keys |= pol.pod_selector.keys()
        for d in (pol.ingress, pol.egress):
            for rule in d:
                for peer in rule.peers or ():
                    if peer.pod_selector is not None:
                        keys |= peer.pod_selector.keys()
    return keys


class Generaliser:
    """Symbolic replicas of the input's workloads in the cluster with the suggestion."""

    def __init__(self, after: Cluster, workloads: Workloads, timeout_ms: int) -> None:
        self.after = after
        self.workloads = workloads
        self.keys = _selector_keys(after)
        self.patterns = {g: self._pattern(g) for g in workloads.pods}
        self.engine = SmtEngine(after, extra_selectors=list(self.patterns.values()),
                                timeout_ms=timeout_ms)
        self.asked = 0
        self.made = 0
        # The encoder caches terms under id()s of endpoint parts "that live as long as the
        # query": every endpoint and traffic made here is kept alive for the engine's life,
        # or a freed one's id could be reused and a stale term returned.
        self.alive: list[object] = []

    def _pattern(self, group: str) -> LabelSelector:
        """Exactly the template's stable labels, as far as any selector can tell."""
        labels = {k: v for k, v in self.workloads.pods[group][0].labels.items()
                  if k not in UNSTABLE}
        reqs = [Requirement(k, Operator.IN, frozenset({v})) for k, v in labels.items()]
        reqs += [Requirement(k, Operator.DOES_NOT_EXIST, frozenset())
                 for k in sorted(self.keys - set(labels))]
        return LabelSelector(tuple(sorted(reqs, key=lambda r: (r.key, r.operator.value))))

    def replica(self, group: str, prefix: str) -> SymEndpoint:
        """A new pod of ``group``: its namespace, labels and container ports, any address.

        Each endpoint gets names of its own: the encoder keys terms by endpoint name.
        """
        rep = self.workloads.pods[group][0]
        self.made += 1
        ep = symbolic_pod(self.engine.universe, self.after, f"{prefix}{self.made}",
                          namespaces=[rep.namespace])
        self.alive.append(ep)
        ep.domain.append(self.engine.encoder.selector(self.patterns[group], ep.labels))
        for (name, proto), terms in ep.named.items():
            nums = rep.named_port(name, proto)
            for has, num in terms:
                ep.domain.append(z3.Or(*(z3.And(has, num == n) for n in nums))
                                 if nums else z3.Not(has))
        return ep

    def any_replica(self, groups: list[str], prefix: str
                    ) -> tuple[SymEndpoint, dict[str, z3.BoolRef]]:
        """A new pod of one of ``groups`` (which one is left to the solver).

        Returned with, per group, the condition that the pod is that group's replica.
        """
        spaces = sorted({self.workloads.namespace_of(a) for a in groups})
        self.made += 1
        ep = symbolic_pod(self.engine.universe, self.after, f"{prefix}{self.made}",
                          namespaces=spaces)
        self.alive.append(ep)
        index = self.engine.universe.namespaces.index
        which = {a: z3.And(ep.ns == index(self.workloads.namespace_of(a)),
                           self.engine.encoder.selector(self.patterns[a], ep.labels))
                 for a in groups}
        ep.domain.append(z3.Or(*which.values()))
        return ep, which

    def ask(self, src: SymEndpoint, dst: SymEndpoint, goal: Callable[[Traffic], z3.BoolRef],
            allowed: bool) -> Outcome:
        """Is there traffic from ``src`` to ``dst``, allowed (or denied), meeting ``goal``?

        "Allowed" counts what cluster-wide policies may leave to the implementation too:
        a proof that nothing more is allowed must refute that as well.
        """
        self.asked += 1
        t = Traffic.symbolic(f"t{self.asked}")
        self.alive += [src, dst, t]
        q = self.engine.question(src, dst, t)
        # Denied means over either address family, as the concrete engine judges a pair,
        # between pods that share a family (two pods of one cluster do; a symbolic pair
        # with only IPv4 on one end and only IPv6 on the other is no connection at all).
        formula = q.possibly if allowed else z3.And(
            z3.Not(t.either_family(q.possibly)),
            z3.Or(z3.And(_has(src.ip4), _has(dst.ip4)), z3.And(_has(src.ip6), _has(dst.ip6))))
        return self.engine.solve(replace(q, allowed=z3.And(formula, goal(t)))).outcome


def generalise(after: Cluster, intent: Intent, workloads: Workloads, touched: frozenset[str],
               timeout_ms: int) -> list[ProofCheck]:
    """The two properties over pods that could exist, proved or not."""
    pairs = [(a, b) for a in workloads.pods for b in workloads.pods
             if workloads.namespace_of(a) in touched or workloads.namespace_of(b) in touched]
    targets = [g for g in workloads.pods if workloads.namespace_of(g) in touched]
    asked = 2 * len({b for _, b in pairs}) + len(targets)
    if asked > MAX_QUESTIONS:
        why = f"{asked:,} solver questions, above the limit of {MAX_QUESTIONS:,}"
        return [ProofCheck(name=n, status=ProofStatus.SKIPPED, detail=why)
                for n in (REPLICAS, OTHERS)]
    g = Generaliser(after, workloads, timeout_ms)
    return [_replicas(g, intent, pairs), _others(g, intent, targets)]


REPLICAS = "new replicas get exactly the intent"
OTHERS = "no pod of another namespace gets in"


def _replicas(g: Generaliser, intent: Intent, pairs: list[tuple[str, str]]) -> ProofCheck:
    """Two questions per destination workload, its sources left to the solver.

    "Is there a new replica of some source workload ``a`` and traffic allowed (denied) to a
    new replica of ``b`` outside (inside) the intent for ``a -> b``?" is one question
    whatever the number of sources; only a destination that fails is asked again pair by
    pair, to name the source.
    """
    if intent.locked:
        return ProofCheck(name=REPLICAS, status=ProofStatus.SKIPPED,
                          detail="--lock-current keeps each existing pod pair as it is: a "
                                 "new replica has no connections of today to keep")
    bad: list[str] = []
    open_: list[str] = []
    by_dst: dict[str, list[str]] = {}
    for a, b in pairs:
        by_dst.setdefault(b, []).append(a)
    for b, sources in by_dst.items():
        want = {a: intent.pairs.get((a, b), PortSet.empty()) for a in sources}
        src, which = g.any_replica(sources, "src")
        dst = g.replica(b, "dst")
        for allowed, what in ((True, "more"), (False, "less")):
            goal = _beyond(which, want) if allowed else _short(which, want)
            out = g.ask(src, dst, goal, allowed)
            if out is Outcome.YES:
                bad += _which(g, b, want, allowed, what)
            elif out is Outcome.UNDECIDED:
                open_.append(f"* -> {b}")
    return _verdict(REPLICAS, bad, open_, f"{len(pairs):,} workload pairs, every port; "
                                          f"{len(by_dst):,} destinations")


def _beyond(which: dict[str, z3.BoolRef], want: dict[str, PortSet]
            ) -> Callable[[Traffic], z3.BoolRef]:
    def goal(t: Traffic) -> z3.BoolRef:
        return z3.Or(*(z3.And(w, z3.Not(_in(t, want[a]))) for a, w in which.items()))
    return goal


def _short(which: dict[str, z3.BoolRef], want: dict[str, PortSet]
           ) -> Callable[[Traffic], z3.BoolRef]:
    def goal(t: Traffic) -> z3.BoolRef:
        return z3.Or(*(z3.And(w, _in(t, want[a])) for a, w in which.items()))
    return goal


def _which(g: Generaliser, b: str, want: dict[str, PortSet], allowed: bool, what: str
           ) -> list[str]:
    """The sources that break the property for destination ``b``, asked one by one."""
    out = []
    for a, ports in want.items():
        goal = _outside(ports) if allowed else _inside(ports)
        if g.ask(g.replica(a, "src"), g.replica(b, "dst"), goal, allowed) is not Outcome.NO:
            out.append(f"{a} -> {b} ({what} than {ports})")
    return out or [f"* -> {b} ({what} than the intent)"]


def _others(g: Generaliser, intent: Intent, targets: list[str]) -> ProofCheck:
    bad: list[str] = []
    open_: list[str] = []
    for d in targets:
        sources = {g.workloads.namespace_of(a) for (a, b) in intent.pairs if b == d}
        for f in intent.flows:
            side = intent.side(f.src)
            if side.kind == "namespace" and d in intent.side(f.dst).groups:
                sources.add(side.namespace or "")
        sel = LabelSelector((Requirement(NAMESPACE_NAME_LABEL, Operator.NOT_IN,
                                         frozenset(sources)),)) if sources else LabelSelector()
        g.made += 1
        src = symbolic_pod(g.engine.universe, g.after, f"stranger{g.made}",
                           allow_new_namespace=True)
        if sources:
            src.domain.append(g.engine.encoder.selector(sel, src.ns_labels))
        out = g.ask(src, g.replica(d, "dst"), lambda _t: z3.BoolVal(True), True)
        if out is Outcome.YES:
            cidr = any(intent.side(f.src).kind == "external" and d in intent.side(f.dst).groups
                       for f in intent.flows)
            why = ("; its ipBlock peers may match pod addresses, which NetworkPolicy leaves "
                   "to the CNI (--cni names one that does not)") if cidr else ""
            bad.append(f"{d} (from a pod outside {', '.join(sorted(sources)) or 'any'}{why})")
        elif out is Outcome.UNDECIDED:
            open_.append(d)
    return _verdict(OTHERS, bad, open_, f"{len(targets):,} workloads, existing and new "
                                         "namespaces")


def _verdict(name: str, bad: list[str], open_: list[str], scope: str) -> ProofCheck:
    if bad:
        return ProofCheck(name=name, status=ProofStatus.FAILED,
                          detail=f"not for {len(bad)}: {'; '.join(bad[:5])}")
    if open_:
        return ProofCheck(name=name, status=ProofStatus.UNDECIDED,
                          detail=f"the solver did not decide {len(open_)} of them in time")
    return ProofCheck(name=name, status=ProofStatus.PROVED, detail=f"proved by Z3 ({scope})")
