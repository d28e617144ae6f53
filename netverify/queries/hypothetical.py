"""``can-reach --hypothetical``: could *any* pod matching SRC reach DST?

Endpoints: ``NS/NAME`` (an existing pod, as in can-reach), ``NS/*`` (any pod of
the namespace, any labels), ``NS/key=value,...`` (any pod of the namespace
with those labels), ``*/*`` and ``*/key=value`` (any existing namespace; with
``new_namespaces`` also namespaces that do not exist yet, and ``NS`` may name
one: ``newns/*`` is any pod of a namespace ``newns`` created later, with any
labels besides its name), an IP or CIDR.

A "yes" carries a witness read from the Z3 model, which is then instantiated as
a real pod and re-checked with the concrete engine: the answer is only "yes"
when both engines agree.  The witness keeps an address only when the verdict
needs it, and gets one no existing pod has when one will do.  A "no" is a
proof; its reasons say which side blocks.

A pod reaching itself is always allowed (see ``engines/concrete.py``), so when
the destination is an existing pod that the source pattern also matches, that
pair is left out of the question, and the answer says so.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import replace

import z3

from netverify.deadline import DEFAULT_TIMEOUT_MS
from netverify.engines.concrete import Evaluator, External
from netverify.engines.smt.endpoints import (
    PROTOCOL_CODE,
    SymEndpoint,
    fresh_addresses,
    symbolic_pod,
)
from netverify.engines.smt.engine import Question, SmtEngine
from netverify.engines.smt.formulas import RuleTerm, Traffic
from netverify.engines.smt.solve import (
    Outcome,
    Witness,
    describe,
    read_endpoint,
    read_traffic,
)
from netverify.errors import QueryError, SelectorError
from netverify.model import NAMESPACE_NAME_LABEL, Cluster, Direction, Pod
from netverify.policy_kinds import ANY, OUTSIDE
from netverify.ports import Protocol
from netverify.queries.endpoints import PortQuery, parse_port, resolve, split_port
from netverify.queries.witnesses import address_notes, settle, taken
from netverify.results import HypotheticalResult, PairVerdict
from netverify.selectors import LabelSelector, Operator, Requirement, parse_selector_string
from netverify.verdicts import Answer


class _Spec:
    """A parsed endpoint: an existing pod, a symbolic pod, or an address range."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pod: Pod | None = None
        self.namespaces: list[str] | None = None  # None: any existing
        self.selector: LabelSelector | None = None
        self.any_namespace = False
        self.new_namespace: str | None = None  # a namespace that does not exist yet
        self.cidr: tuple[int, int, int] | None = None

    def matches(self, cluster: Cluster, pod: Pod) -> bool:
        """Whether an existing pod is among the pods this pattern describes."""
        if self.pod is not None:
            return self.pod.key == pod.key
        if self.cidr is not None or self.new_namespace is not None or pod.host_network:
            return False
        in_ns = self.any_namespace or pod.namespace in (self.namespaces or ())
        return in_ns and (self.selector is None or self.selector.matches(pod.labels))


_NAMESPACE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def _parse(cluster: Cluster, text: str, new_namespaces: bool = False) -> _Spec:
    spec = _Spec(text)
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        net = None
    if net is not None:
        spec.cidr = (net.version, int(net.network_address), int(net.broadcast_address))
        return spec
    if "/" not in text:
        raise QueryError(f"endpoint {text!r} has no namespace",
                         hint="NS/NAME, NS/*, NS/key=value, */*, */key=value, or an IP/CIDR")
    ns, _, rest = text.partition("/")
    if ns == "*":
        spec.any_namespace = True
    elif ns not in cluster.namespaces:
        if not new_namespaces:
            raise QueryError(f"unknown namespace {ns!r}",
                             hint="use */... for any namespace; with --new-namespaces, "
                                  f"{ns}/* means a namespace {ns} created later")
        if not _NAMESPACE_NAME.match(ns):
            raise QueryError(f"{ns!r} is not a valid namespace name",
                             hint="lower-case letters, digits and '-', at most 63")
        spec.new_namespace = ns
    else:
        spec.namespaces = [ns]
    if rest == "*":
        return spec
    if "=" in rest or rest.startswith("!"):
        try:
            spec.selector = parse_selector_string(rest)
        except SelectorError as e:
            raise QueryError(e.message) from None
        return spec
    if spec.any_namespace:
        raise QueryError(f"{text!r}: a pod name needs a namespace",
                         hint="*/* or */key=value range over namespaces")
    if spec.new_namespace is not None:
        raise QueryError(f"{text!r}: namespace {ns!r} does not exist, so it has no pods to name",
                         hint=f"{ns}/* or {ns}/key=value mean pods it could have")
    resolved = resolve(cluster, Evaluator(cluster), text)
    if len(resolved.pods) != 1:
        raise QueryError(f"{text!r} names {len(resolved.pods)} pods; hypothetical questions "
                         "take one existing pod or a pattern",
                         hint=f"use {ns}/key=value to mean any pod with those labels")
    spec.pod = resolved.pods[0]
    return spec


def _endpoint(engine: SmtEngine, spec: _Spec, prefix: str, new_ns: bool) -> SymEndpoint:
    if spec.pod is not None:
        return engine.pod(spec.pod)
    if spec.cidr is not None:
        fam, lo, hi = spec.cidr
        return engine.external(fam, lo, hi, prefix)
    u = engine.universe
    ep = symbolic_pod(u, engine.cluster, prefix, namespaces=spec.namespaces,
                      allow_new_namespace=(new_ns and spec.any_namespace)
                      or spec.new_namespace is not None)
    if spec.new_namespace is not None:
        # The one namespace that does not exist yet, named as asked; any other labels.
        ep.domain += [ep.ns == len(u.namespaces),
                      ep.ns_labels.value[NAMESPACE_NAME_LABEL]
                      == u.value_index(NAMESPACE_NAME_LABEL, spec.new_namespace)]
    if spec.selector is not None:
        ep.domain.append(engine.encoder.selector(spec.selector, ep.labels))
    return ep


def can_reach_hypothetical(cluster: Cluster, src: str, dst: str, *,
                           port: str | int | None = None, protocol: str | None = None,
                           new_namespaces: bool = False,
                           timeout_ms: int = DEFAULT_TIMEOUT_MS) -> HypotheticalResult:
    """Decide whether some pod matching ``src`` may reach some pod matching ``dst``.

    ``timeout_ms`` bounds all the solver work of the question together.

    >>> r = can_reach_hypothetical(cluster, "frontend/*", "backend/db:5432")  # doctest: +SKIP
    >>> r.outcome, r.witness_src  # doctest: +SKIP

    Raises:
        QueryError: for malformed endpoints or ports.
    """
    src_text, sport = split_port(src)
    if sport is not None:
        raise QueryError(f"source {src!r} has a port; ports belong to the destination")
    dst_text, dport = split_port(dst)
    if dport is not None and port is not None:
        raise QueryError(f"port given twice: {dst!r} and --port {port}")
    ptext = dport if dport is not None else (str(port) if port is not None else None)
    pq = parse_port(ptext, protocol) if ptext is not None else None
    s_spec = _parse(cluster, src_text, new_namespaces)
    d_spec = _parse(cluster, dst_text, new_namespaces)
    if s_spec.cidr and d_spec.cidr:
        raise QueryError("both endpoints are outside the cluster")
    coverage = cluster.coverage.affecting(
        (a, b) for a in _spaces(s_spec) for b in _spaces(d_spec))
    extra = [x.selector for x in (s_spec, d_spec) if x.selector is not None]
    extra += [LabelSelector((Requirement(NAMESPACE_NAME_LABEL, Operator.IN,
                                         frozenset({x.new_namespace})),))
              for x in (s_spec, d_spec) if x.new_namespace is not None]
    engine = SmtEngine(cluster, extra_selectors=extra, timeout_ms=timeout_ms)
    s_ep = _endpoint(engine, s_spec, "src", new_namespaces)
    d_ep = _endpoint(engine, d_spec, "dst", new_namespaces)
    traffic = Traffic.symbolic()
    number, proto = _port_asked(pq, protocol, d_spec)
    goals: list[z3.BoolRef] = []
    if number is not None:
        goals.append(traffic.port == number)
    if proto is not None:
        goals.append(traffic.proto == PROTOCOL_CODE[proto])
    q = engine.question(s_ep, d_ep, traffic)
    for role, ep, text in (("source", s_ep, src_text), ("destination", d_ep, dst_text)):
        if ep.domain and engine.solve(replace(q, allowed=z3.And(*ep.domain))).outcome \
                is Outcome.NO:
            # No pod can match: nothing any policy says changes that.
            return HypotheticalResult(
                src=src_text, dst=dst_text, port=number, protocol=proto, outcome=Answer.NO,
                reasons=(f"the {role} {text!r} describes no possible pod: its selector "
                         "contradicts itself or the namespaces allowed",),
                coverage=coverage.affecting(()))
    notes = _self_notes(cluster, s_spec, d_spec)
    res = engine.solve(q, *goals)
    base = HypotheticalResult(src=src_text, dst=dst_text, port=number, protocol=proto,
                              outcome=Answer(res.outcome.value), coverage=coverage,
                              caveats=tuple(notes))
    if res.outcome is Outcome.UNDECIDED:
        return replace(base, reasons=(f"the solver could not decide: {res.reason}",))
    if res.outcome is Outcome.NO and q.possible is not None:
        # No pod is allowed for sure; one may be, depending on what the cluster-wide
        # policies leave to the implementation (tied priorities, domain names, ...).
        maybe = engine.solve(replace(q, allowed=q.possible), *goals)
        if maybe.outcome is not Outcome.NO:
            return replace(base, outcome=Answer.UNDECIDED, reasons=(
                "no pod is allowed whatever the implementation chooses, but some may be: "
                "cluster-wide policies leave the answer to the implementation (policies "
                "tied at one priority, domain names, ...); see can-reach on a pair for "
                "which" if maybe.outcome is Outcome.YES else
                f"the solver could not decide: {maybe.reason}",))
    if res.outcome is Outcome.NO:
        return replace(base, reasons=tuple(_why_not(engine, q, goals, s_ep, d_ep)))
    assert res.model is not None
    return _witnessed(cluster, engine, q, goals, s_ep, d_ep, traffic, res.model, base, notes)


def _witnessed(cluster: Cluster, engine: SmtEngine, q: Question, goals: list[z3.BoolRef],
               s_ep: SymEndpoint, d_ep: SymEndpoint, traffic: Traffic,
               m: z3.ModelRef, base: HypotheticalResult, notes: list[str]) -> HypotheticalResult:
    """The yes answer: the solver's witnesses, checked by the concrete engine and settled."""
    ws = read_endpoint(m, engine.universe, cluster, s_ep, "witness-src")
    wd = read_endpoint(m, engine.universe, cluster, d_ep, "witness-dst")
    if any(isinstance(w, Witness) and w.pod not in cluster.pods and taken(cluster, w)
           for w in (ws, wd)):
        # A new pod gets an address no existing pod has: ask again with fresh ones.
        fresh = [g for ep in (s_ep, d_ep) if ep.pod is None for g in fresh_addresses(ep, cluster)]
        again = engine.solve(q, *goals, *fresh)
        if again.outcome is Outcome.YES and again.model is not None:
            m = again.model
            ws = read_endpoint(m, engine.universe, cluster, s_ep, "witness-src")
            wd = read_endpoint(m, engine.universe, cluster, d_ep, "witness-dst")
    wport, wproto = read_traffic(m, traffic)
    admitted = [f"{t.policy.key} spec.{t.rule.direction.field}[{t.rule.index}]"
                for t in (*q.egress, *q.ingress) if z3.is_true(m.eval(t.term, True))]
    if not verify_witness(cluster, ws, wd, wport, wproto).is_allowed:
        return replace(base, outcome=Answer.UNDECIDED, reasons=(
            f"internal disagreement: the SMT engine found a witness the concrete engine "
            f"rejects ({wproto.value} {wport}); please report this as a bug",))
    if isinstance(ws, Witness) and s_ep.pod is None:
        ws = settle(ws, lambda w: verify_witness(cluster, w, wd, wport, wproto).is_allowed)
    if isinstance(wd, Witness) and d_ep.pod is None:
        wd = settle(wd, lambda w: verify_witness(cluster, ws, w, wport, wproto).is_allowed)
    notes += [n for w in (ws, wd) if isinstance(w, Witness) for n in address_notes(cluster, w)]
    return replace(base, witness_src=describe(cluster, ws, existing=s_ep.pod is not None),
                   witness_dst=describe(cluster, wd, existing=d_ep.pod is not None),
                   witness_port=wport, witness_protocol=wproto, admitted_by=tuple(admitted),
                   verified=True, caveats=tuple(notes))


def _port_asked(pq: PortQuery | None, protocol: str | None,
                d_spec: _Spec) -> tuple[int | None, Protocol | None]:
    """The port number and protocol asked about (None: any).

    A named port resolves on the destination pod, which must then exist; a number
    without a protocol is TCP.

    Raises:
        QueryError: for a named port the destination does not have.
    """
    if pq is None:
        return None, Protocol(protocol.upper()) if protocol is not None else None
    if pq.name is None:
        return pq.number, pq.protocol or Protocol.TCP
    if d_spec.pod is None:
        raise QueryError("a named port needs an existing destination pod",
                         hint="give the port number")
    found = [cp for cp in d_spec.pod.container_ports
             if cp.name == pq.name and (pq.protocol is None or cp.protocol is pq.protocol)]
    if not found:
        raise QueryError(f"{d_spec.pod.key} has no container port named {pq.name!r}")
    return found[0].port, found[0].protocol


def _spaces(spec: _Spec) -> tuple[str | None, ...]:
    """Where the pods an endpoint ranges over live: namespaces, ``OUTSIDE`` or ``ANY``."""
    if spec.pod is not None:
        return (spec.pod.namespace,)
    if spec.cidr is not None:
        return (OUTSIDE,)
    if spec.namespaces is not None:
        return tuple(spec.namespaces)
    return (ANY,)


def verify_witness(cluster: Cluster, ws: Witness | External, wd: Witness | External, port: int,
                   proto: Protocol) -> PairVerdict:
    """Instantiate the witnesses in a copy of the cluster and ask the concrete engine."""
    pods = list(cluster.pods)
    namespaces = dict(cluster.namespaces)
    subjects: list[Pod | External] = []
    for w in (ws, wd):
        if isinstance(w, External):
            subjects.append(w)
            continue
        if w.namespace is not None:
            namespaces[w.namespace.name] = w.namespace
        if w.pod not in pods:
            pods.append(w.pod)
        subjects.append(w.pod)
    trial = replace(cluster, pods=tuple(pods), namespaces=namespaces)
    return Evaluator(trial).pair(subjects[0], subjects[1], protocol=proto, port=port)


def _self_notes(cluster: Cluster, s_spec: _Spec, d_spec: _Spec) -> list[str]:
    """Say when an existing endpoint is also matched by the other side's pattern."""
    for fixed, pattern, role in ((d_spec.pod, s_spec, "source"),
                                 (s_spec.pod, d_spec, "destination")):
        if fixed is not None and not fixed.is_template and pattern.pod is None \
                and pattern.matches(cluster, fixed):
            return [f"{fixed.key} itself matches the {role} {pattern.text!r}; a pod's connection "
                    "to its own address is always allowed (NetworkPolicy does not filter it), "
                    "so that pair is left out: the question is about other pods"]
    return []


def _why_not(engine: SmtEngine, q: object, goals: list[z3.BoolRef], s_ep: SymEndpoint,
             d_ep: SymEndpoint) -> list[str]:
    """Say which side rules the connection out, proved by separate checks."""
    from netverify.engines.smt.engine import Question

    assert isinstance(q, Question)
    families = engine.encoder.common_family(s_ep, d_ep, q.traffic)
    if engine.solve(replace(q, allowed=families), *goals).outcome is Outcome.NO:
        return ["the two sides have no address family in common (a connection uses one "
                "family), so no connection between them is possible"]
    out = []
    eg = engine.solve(replace(q, allowed=q.egress_ok), *goals)
    ing = engine.solve(replace(q, allowed=q.ingress_ok), *goals)
    if eg.outcome is Outcome.NO:
        out.append(_side_reason(engine, Direction.EGRESS, s_ep, q.egress, "source"))
    if ing.outcome is Outcome.NO:
        out.append(_side_reason(engine, Direction.INGRESS, d_ep, q.ingress, "destination"))
    open_ = [r.reason for r in (eg, ing) if r.outcome is Outcome.UNDECIDED]
    if open_:
        out.append(f"which side rules it out was not decided: {open_[0]}")
    elif not out:
        out.append("each side alone would allow some such connection, but never the same one "
                   "(the egress rules and ingress rules admit disjoint ports or endpoints)")
    return out


def _side_reason(engine: SmtEngine, direction: Direction, ep: SymEndpoint,
                 terms: list[RuleTerm], role: str) -> str:
    pols = sorted({t.policy.key for t in terms})
    if ep.pod is not None:
        isolating = [p.key for p in engine.cluster.policies
                     if p.namespace == ep.pod.namespace and direction in p.policy_types
                     and p.pod_selector.matches(ep.pod.labels)]
        return (f"{direction.value.lower()} of the {role} {ep.pod.key} is isolated by "
                f"{', '.join(isolating) or 'no policy'}, and no rule of them admits the other "
                "side on this traffic")
    where = f" ({', '.join(pols)})" if pols else ""
    return (f"every pod that could match the {role} is isolated for "
            f"{direction.value.lower()} by a policy whose rules{where} do not admit the other "
            "side on this traffic")
