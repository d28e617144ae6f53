"""Solver questions the tier audit rules ask over every pod that could exist.

A rule about what a cluster-wide rule or a NetworkPolicy rule *can never do* must hold
for pods that do not exist yet, so it is asked of the SMT engine rather than of the
existing pods.  One ``TierQuestions`` per cluster builds the symbolic connection once
(a pod subject; a pod or an address of either family at the other end).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import z3

from netverify.deadline import DEFAULT_TIMEOUT_MS, Deadline
from netverify.engines.smt.endpoints import SymEndpoint, symbolic_pod
from netverify.engines.smt.engine import SmtEngine
from netverify.engines.smt.formulas import Traffic
from netverify.engines.smt.solve import Outcome, check, new_solver
from netverify.ipblocks import IPv4, IPv6
from netverify.model import Cluster, Direction


class TierQuestions:
    """``never(goal)``: no connection of a direction satisfies ``goal`` (proved)."""

    def __init__(self, cluster: Cluster, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
        self.cluster = cluster
        self.smt = SmtEngine(cluster, deadline=Deadline(timeout_ms))
        u = self.smt.universe
        self.subject = symbolic_pod(u, cluster, "subject", allow_new_namespace=True)
        self.others = [symbolic_pod(u, cluster, "other", allow_new_namespace=True),
                       self.smt.external(IPv4, 0, (1 << 32) - 1, "ext4"),
                       self.smt.external(IPv6, 0, (1 << 128) - 1, "ext6")]
        self.traffic = Traffic.symbolic()
        self.undecided = 0  # questions the time limit left open (no finding from them)

    def connections(self, direction: Direction
                    ) -> Iterator[tuple[SymEndpoint, SymEndpoint, SymEndpoint]]:
        """(subject, other, destination) for each kind of other end of ``direction``."""
        for other in self.others:  # outside addresses too: ipBlocks and networks see them
            dst = self.subject if direction is Direction.INGRESS else other
            yield self.subject, other, dst

    def never(self, direction: Direction,
              goal: Callable[[SymEndpoint, SymEndpoint, SymEndpoint], z3.BoolRef]) -> bool:
        """True when no connection of ``direction`` satisfies ``goal(subject, other, dst)``.

        False when one may, or when the solver did not decide in time.
        """
        for subject, other, dst in self.connections(direction):
            src, dst_ep = (other, subject) if direction is Direction.INGRESS else (subject, other)
            formula = goal(subject, other, dst)
            s = new_solver(self.smt.deadline)
            s.add(*subject.domain, *other.domain, *self.traffic.domain,
                  self.smt.encoder.common_family(src, dst_ep, self.traffic))
            r = check(s, formula)
            if r.outcome is Outcome.UNDECIDED:
                self.undecided += 1
                return False
            if r.outcome is Outcome.YES:
                return False
        return True
