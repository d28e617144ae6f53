"""Three-valued checks and witnesses.

``unsat`` is a proof (no pod, existing or hypothetical, is allowed); ``sat``
comes with a model turned back into a pod, a namespace and traffic; ``unknown``
(a timeout, or a reason Z3 gives) is reported as undecided, never as yes or no.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import z3

from netverify.deadline import Deadline
from netverify.engines.concrete import External
from netverify.engines.smt.endpoints import CODE_PROTOCOL, SymEndpoint
from netverify.engines.smt.formulas import Traffic
from netverify.engines.smt.universe import Universe
from netverify.ipblocks import Address, IPv4, IPv6, format_range
from netverify.model import NAMESPACE_NAME_LABEL, Cluster, ContainerPort, Namespace, Pod
from netverify.ports import Protocol
from netverify.results import WitnessPod


class Outcome(enum.Enum):
    """The answer of a satisfiability check in the question's terms."""

    YES = "yes"
    NO = "no"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class Check:
    """An outcome, with the model when YES and the reason when UNDECIDED."""

    outcome: Outcome
    model: z3.ModelRef | None = None
    reason: str | None = None


class BoundedSolver(z3.Solver):  # type: ignore[misc]  # z3 has no type hints
    """A solver whose every check gets only what is left of the command's deadline."""

    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self.deadline = deadline


def check(solver: z3.Solver, *goals: z3.BoolRef, model: bool = True) -> Check:
    """Check ``goals`` on top of what ``solver`` holds (push/pop: the solver is reused).

    A ``BoundedSolver`` past its deadline answers undecided without calling Z3.
    ``model=False``: a YES comes without its model (building one is not free).
    """
    deadline = solver.deadline if isinstance(solver, BoundedSolver) else None
    if deadline is not None:
        left = deadline.remaining_ms()
        if left <= 0:
            return Check(Outcome.UNDECIDED, reason=deadline.reason())
        solver.set("timeout", left)
    solver.push()
    try:
        solver.add(*goals)
        r = solver.check()
        if r == z3.sat:
            return Check(Outcome.YES, solver.model() if model else None)
        if r == z3.unsat:
            return Check(Outcome.NO)
        reason = solver.reason_unknown()
        if deadline is not None and (deadline.expired() or reason in ("timeout", "canceled")):
            reason = deadline.reason()
        return Check(Outcome.UNDECIDED, reason=reason)
    finally:
        solver.pop()


def new_solver(deadline: Deadline) -> BoundedSolver:
    """A solver bounded by the command's deadline.

    A hard question is then undecided rather than endless (and a thousand easy ones cannot
    add up to a hang).
    """
    return BoundedSolver(deadline)


@dataclass(frozen=True)
class Witness:
    """A concrete pod (and namespace, when it is new) read from a model."""

    pod: Pod
    namespace: Namespace | None  # set when the witness lives in a namespace that does not exist
    port: int | None
    protocol: Protocol | None


def _bool(m: z3.ModelRef, t: z3.BoolRef) -> bool:
    return bool(z3.is_true(m.eval(t, model_completion=True)))


def _int(m: z3.ModelRef, t: z3.ExprRef) -> int:
    v = m.eval(t, model_completion=True)
    return int(v.as_long())


def read_traffic(m: z3.ModelRef, traffic: Traffic) -> tuple[int, Protocol]:
    """The port and protocol a model chose."""
    return _int(m, traffic.port), CODE_PROTOCOL[_int(m, traffic.proto)]


def read_pod(m: z3.ModelRef, u: Universe, cluster: Cluster, ep: SymEndpoint,
             name: str) -> Witness:
    """Turn a symbolic pod into a Pod (and a new Namespace when the model chose one)."""
    if ep.pod is not None:
        return Witness(ep.pod, None, None, None)
    ns_index = _int(m, ep.ns)
    new_ns: Namespace | None = None
    if ns_index < len(u.namespaces):
        ns_name = u.namespaces[ns_index]
    else:
        labels = {}
        for key in u.keys:
            if _bool(m, ep.ns_labels.present[key]):
                labels[key] = u.value_name(key, _int(m, ep.ns_labels.value[key]))
        ns_name = labels.get(NAMESPACE_NAME_LABEL) or u.fresh_value(NAMESPACE_NAME_LABEL)
        labels[NAMESPACE_NAME_LABEL] = ns_name
        new_ns = Namespace(name=ns_name, labels=labels, declared=False)
    labels = {}
    for key in u.keys:
        if _bool(m, ep.labels.present[key]):
            labels[key] = u.value_name(key, _int(m, ep.labels.value[key]))
    ips = []
    for family, entries in ((IPv4, ep.ip4), (IPv6, ep.ip6)):
        for has, addr in entries:
            if _bool(m, has):
                ips.append(Address(family, _int(m, addr)))
    ports = []
    for (pname, proto), entries in ep.named.items():
        for has, num in entries:
            if _bool(m, has):
                ports.append(ContainerPort(port=_int(m, num), protocol=proto, name=pname))
    pod = Pod(namespace=ns_name, name=name, labels=labels, ips=tuple(ips),
              container_ports=tuple(ports))
    return Witness(pod, new_ns, None, None)


def read_endpoint(m: z3.ModelRef, u: Universe, cluster: Cluster, ep: SymEndpoint,
                  name: str) -> Witness | External:
    """Read one side of a connection from a model.

    It is a pod (maybe in a new namespace) or an address outside the cluster.
    """
    if not _bool(m, ep.is_pod):
        family = IPv4 if ep.ip4 else IPv6
        (_, addr), = ep.ip4 or ep.ip6
        v = _int(m, addr)
        return External(family, v, v, format_range(family, v, v))
    return read_pod(m, u, cluster, ep, name)


def describe(cluster: Cluster, w: Witness | External, *, existing: bool = False) -> WitnessPod:
    """The result-facing form of a witness (``existing``: a pod the question named)."""
    if isinstance(w, External):
        return WitnessPod(namespace="", name=w.label, labels=(), namespace_labels=(),
                          existing=False, new_namespace=False, ips=(w.label,), external=True)
    pod = w.pod
    ns_labels = w.namespace.labels if w.namespace else cluster.namespace_labels(pod.namespace)
    return WitnessPod(
        namespace=pod.namespace, name=pod.name, labels=tuple(sorted(pod.labels.items())),
        namespace_labels=tuple(sorted(ns_labels.items())), existing=existing,
        new_namespace=w.namespace is not None, ips=tuple(str(i) for i in pod.ips),
        named_ports=tuple(f"{cp.name}={cp.port}/{cp.protocol.value}"
                          for cp in pod.container_ports))
