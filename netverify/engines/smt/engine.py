"""The SMT engine's entry point: formulas built once per cluster, solver reused.

``SmtEngine.allowed_ports`` answers the same question as the concrete
Evaluator for existing pods (that is how the two are cross-checked);
``exists`` asks whether *some* endpoint matching symbolic constraints is
allowed, and returns a witness.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from netverify.deadline import DEFAULT_TIMEOUT_MS, Deadline, UndecidedError
from netverify.engines.classes import port_classes, port_predicates
from netverify.engines.smt.endpoints import (
    PROTOCOL_CODE,
    SymEndpoint,
    concrete_pod,
    external,
)
from netverify.engines.smt.formulas import Encoder, RuleTerm, Traffic
from netverify.engines.smt.solve import Check, Outcome, check, new_solver
from netverify.engines.smt.universe import Universe, build_universe
from netverify.model import Cluster, Pod
from netverify.ports import MAX_PORT, MIN_PORT, PortSet, Protocol
from netverify.selectors import LabelSelector


@dataclass(frozen=True)
class Question:
    """The formula of one connection question, with its parts for explanations."""

    allowed: z3.BoolRef
    egress_ok: z3.BoolRef
    ingress_ok: z3.BoolRef
    domain: list[z3.BoolRef]
    egress: list[RuleTerm]
    ingress: list[RuleTerm]
    traffic: Traffic
    # Allowed for some choice the manifests leave to the implementation (tied
    # cluster-wide policies, rules that may match); ``allowed`` when there is none.
    # A proof of "no" must refute this, not only ``allowed``.
    possible: z3.BoolRef | None = None

    @property
    def possibly(self) -> z3.BoolRef:
        """``possible``, or ``allowed`` when the two cannot differ."""
        return self.allowed if self.possible is None else self.possible


class SmtEngine:
    """Encodes one cluster; reuse it for many questions.

    Every check shares ``deadline`` (one made from ``timeout_ms`` when not given):
    the limit bounds the engine's whole use, not each check.
    """

    def __init__(self, cluster: Cluster, *, extra_selectors: list[LabelSelector] | None = None,
                 timeout_ms: int = DEFAULT_TIMEOUT_MS, deadline: Deadline | None = None) -> None:
        self.cluster = cluster
        self.universe: Universe = build_universe(cluster, extra_selectors)
        self.encoder = Encoder(cluster, self.universe)
        self.deadline = deadline or Deadline(timeout_ms)
        self._pods: dict[str, SymEndpoint] = {}

    def pod(self, pod: Pod) -> SymEndpoint:
        """The constant endpoint of an existing pod (cached)."""
        ep = self._pods.get(pod.key)
        if ep is None:
            ep = concrete_pod(self.universe, self.cluster, pod)
            self._pods[pod.key] = ep
        return ep

    def external(self, family: int, lo: int, hi: int, name: str = "ext",
                 host: str = "") -> SymEndpoint:
        """An address range outside the cluster (``host``: the DNS name asked for)."""
        return external(self.universe, name, family, lo, hi, host)

    def question(self, src: SymEndpoint, dst: SymEndpoint,
                 traffic: Traffic | None = None) -> Question:
        """The formula "src may open a connection to dst" with its well-formedness domain."""
        t = traffic or Traffic.symbolic()
        e, i, eg, ing = self.encoder.allowed(src, dst, t)
        possible = self.encoder.possibly_allowed(src, dst, t) if self.encoder.tiers.active \
            else None
        return Question(z3.And(e, i), e, i, [*src.domain, *dst.domain, *t.domain], eg, ing, t,
                        possible)

    def solve(self, q: Question, *extra: z3.BoolRef) -> Check:
        """Is the question's connection possible (under ``extra``)?"""
        s = new_solver(self.deadline)
        s.add(*q.domain)
        return check(s, q.allowed, *extra)

    def allowed_ports(self, src: SymEndpoint, dst: SymEndpoint) -> PortSet:
        """The exact allowed ports between two endpoints, decided port class by port class.

        The classes split port space at every number a policy or a destination's
        named port mentions, so within a class the answer cannot change: one
        check per class decides it.

        Raises:
            UndecidedError: when a check is not decided (the deadline ran out).
        """
        preds = port_predicates(self.cluster, [dst.pod] if dst.pod is not None else [])
        classes = port_classes(preds)
        q = self.question(src, dst)
        s = new_solver(self.deadline)
        s.add(*q.domain)
        s.add(q.allowed)
        out: dict[Protocol, list[tuple[int, int]]] = {}
        for ps in classes.portsets:
            (proto, ivs), = ps.items()
            rep = ivs[0][0]
            r = check(s, q.traffic.port == rep, q.traffic.proto == PROTOCOL_CODE[proto])
            if r.outcome is Outcome.UNDECIDED:
                raise UndecidedError(f"the ports allowed from {src.name} to {dst.name}: "
                                     f"{r.reason or 'unknown'}")
            if r.outcome is Outcome.YES:
                out.setdefault(proto, []).extend(ivs)
        return PortSet.from_map(out)


__all__ = ["MAX_PORT", "MIN_PORT", "Question", "SmtEngine", "UndecidedError"]
