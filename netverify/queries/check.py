"""``check``: run the assertions of spec files and report counterexamples.

``expect: allow`` holds when every matching source reaches every matching
destination (on the port, or on some port when none is given); ``expect:
deny`` when no matching source reaches any matching destination.  With
``scope: existing`` (default) the sources and destinations are the pods in the
manifests, and a side that matches nothing fails the assertion rather than
passing vacuously.  With ``scope: any`` the source ranges over every pod that
could exist (SMT), and a failure carries a hypothetical witness pod that the
concrete engine re-checks.  A pod that could exist lives in an existing
namespace, or in a new one when the source has a ``namespaceSelector`` (``*/*``
is one that matches every namespace).

Both scopes count a pod's connection to itself, which is always allowed (see
``engines/concrete.py``): when a destination pod also matches the source,
``expect: deny`` fails on that pair in either scope.

An assertion that depends on a pair a traffic policy netverify does not evaluate
could change (``Cluster.coverage``) is ``incomplete``, neither pass nor fail,
unless a pair no such policy applies to already fails it.

An assertion whose ``to`` is a URL asks about a request from outside instead
(``check_url``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import z3

from netverify.deadline import DEFAULT_TIMEOUT_MS, Deadline
from netverify.engines.concrete import Evaluator, External
from netverify.engines.smt.endpoints import (
    PROTOCOL_CODE,
    SymEndpoint,
    fresh_addresses,
    symbolic_pod,
)
from netverify.engines.smt.engine import SmtEngine
from netverify.engines.smt.formulas import Traffic
from netverify.engines.smt.solve import Outcome, Witness, describe, read_pod, read_traffic
from netverify.errors import NetverifyError, QueryError
from netverify.model import Cluster, Pod
from netverify.policy_kinds import ANY, OUTSIDE, Coverage
from netverify.ports import Protocol
from netverify.queries.causes import cause_of
from netverify.queries.check_url import check_url
from netverify.queries.endpoints import parse_port, resolve, split_port
from netverify.queries.enforcement import enforced
from netverify.queries.hypothetical import verify_witness
from netverify.queries.witnesses import address_notes, settle, taken
from netverify.results import (
    AssertionReason,
    AssertionResult,
    Cause,
    CheckReport,
    Layer,
    PairVerdict,
)
from netverify.selectors import LabelSelector, parse_selector, parse_selector_string
from netverify.specs import Assertion, DecidedBy, SpecError, SpecFile, load_spec
from netverify.verdicts import AssertionScope, AssertionStatus, Basis, Expect

DNS = "dns"


@dataclass
class _Side:
    """An endpoint of an assertion: existing pods/addresses and, for scope any, a pattern."""

    text: str
    pods: list[Pod]
    external: list[External]
    namespace: str | None = None  # pattern: a fixed namespace ...
    ns_selector: LabelSelector | None = None  # ... or namespaces matching this
    pod_selector: LabelSelector | None = None
    cidr: str | None = None
    pattern: bool = False  # can range over pods that do not exist


def check(spec_paths: list[str], *, load: Callable[[list[str]], Cluster],
          manifests: list[str] | None = None,
          timeout_ms: int = DEFAULT_TIMEOUT_MS) -> CheckReport:
    """Run every assertion of the spec files.

    ``timeout_ms`` bounds the solver work of all ``scope: any`` assertions
    together; those not decided by then are "undecided".

    ``load`` reads manifests (the caller's loader: queries do no I/O of their own);
    ``manifests`` (the CLI's ``-f``) replaces each file's ``manifests:``.

    >>> check(["specs/demo.yaml"], load=load_cluster)  # doctest: +SKIP

    Raises:
        SpecError: for an invalid spec file or one without manifests.
        ManifestError: for invalid manifests.
    """
    results: list[AssertionResult] = []
    caveats: list[str] = []
    deadline = Deadline(timeout_ms)
    clusters: dict[tuple[str, ...], Cluster] = {}
    for path in spec_paths:
        spec = load_spec(path)
        paths = tuple(manifests) if manifests else spec.manifests
        if not paths:
            raise SpecError(f"{path}: no manifests: give manifests: in the spec or -f")
        if paths not in clusters:
            try:
                clusters[paths] = load(list(paths))
            except NetverifyError as e:
                if not manifests and "no such file" in e.message:
                    raise SpecError(f"{path}: manifests: {e.message}") from None
                raise
        cluster = clusters[paths]
        plugin = enforced(cluster, spec.cni)
        prof, eff_cluster = plugin.profile, plugin.cluster
        caveats.extend(f"{path}: {n}" for n in plugin.notes)
        for a in spec.assertions:
            on = cluster if a.answer is Basis.POLICY else eff_cluster
            # A URL assertion follows the request on the manifests as loaded; the CNI is
            # applied there, as for can-reach internet URL.
            r = check_url(cluster, spec, a) if a.request is not None else _run(
                on, spec, a, deadline)
            if a.answer is Basis.EFFECTIVE and eff_cluster is not cluster:
                r = replace(r, effective=prof.label)
            results.append(r)
    coverage = Coverage()
    for r in results:
        coverage = coverage.merged(r.coverage)
    for cluster in clusters.values():  # what --ignore-kind left out, even where nothing was
        coverage = coverage.merged(cluster.coverage.affecting(()))
    return CheckReport(results=tuple(results), files=tuple(spec_paths),
                       caveats=tuple(caveats), coverage=coverage)


def _result(spec: SpecFile, a: Assertion, status: AssertionStatus, reason: AssertionReason,
            **facts: Any) -> AssertionResult:
    """An outcome: its status, its reason code and the facts the reason is worded from."""
    return AssertionResult(file=spec.path, index=a.index, name=a.name, expect=a.expect,
                           scope=a.scope, status=status, reason=reason, **facts)


def _failed(spec: SpecFile, a: Assertion, reason: AssertionReason, v: PairVerdict,
            proto: Protocol | None, number: int | None, name: str | None,
            **facts: Any) -> AssertionResult:
    """A failure on the pair ``v`` of existing endpoints, with its counterexample."""
    return _result(spec, a, AssertionStatus.FAIL, reason, pair=v, protocol=proto,
                   port=number, port_name=name, counterexample=_cx(v, proto, number or name),
                   **facts)


def _space(x: Pod | External) -> str | None:
    """The namespace of a pod, ``OUTSIDE`` for an address."""
    return x.namespace if isinstance(x, Pod) else OUTSIDE


Probe = tuple[Protocol | None, int | None, str | None]


def assertion_sides(cluster: Cluster, a: Assertion) -> tuple[_Side, _Side, list[Probe]]:
    """An assertion's source, destination and the (protocol, port, name) it asks about.

    Shared with ``suggest``, which takes specs as intent.

    Raises:
        NetverifyError: for an endpoint or port the cluster cannot resolve.
    """
    src = _side(cluster, a.src, "from")
    dst_raw, port_text = a.dst, None
    if isinstance(dst_raw, str) and dst_raw != DNS:
        dst_raw, port_text = split_port(dst_raw)
    dst = _side(cluster, dst_raw, "to")
    return src, dst, _probes(a, port_text, dst_is_dns=a.dst == DNS)


def _run(cluster: Cluster, spec: SpecFile, a: Assertion, deadline: Deadline) -> AssertionResult:
    try:
        src, dst, probes = assertion_sides(cluster, a)
    except NetverifyError as e:
        return _result(spec, a, AssertionStatus.FAIL, AssertionReason.INVALID_ENDPOINT,
                       why=str(e))
    if a.scope is AssertionScope.ANY:
        return _run_any(cluster, spec, a, src, dst, probes, deadline)
    for side, what in ((src, "from"), (dst, "to")):
        if not side.pods and not side.external:
            return _result(spec, a, AssertionStatus.FAIL, AssertionReason.MATCHES_NOTHING,
                           src=src.text, dst=dst.text, side=what)
    ev = Evaluator(cluster)
    sources: list[Pod | External] = [*src.pods, *src.external]
    targets: list[Pod | External] = [*dst.pods, *dst.external]
    cov = cluster.coverage
    undecided: set[tuple[str | None, str | None]] = set()
    skipped = 0
    tied: list[PairVerdict] = []
    for s in sources:
        for d in targets:
            if isinstance(s, External) and isinstance(d, External):
                continue
            loopback = isinstance(s, Pod) and s is d and not s.is_template
            if not loopback and cov.affects(_space(s), _space(d)):
                undecided.add((_space(s), _space(d)))  # decided below only if another fails
                skipped += 1
                continue
            for proto, number, name in probes:
                n = number
                if name is not None:
                    nums = d.named_port(name, proto or Protocol.TCP) if isinstance(d, Pod) else ()
                    n = nums[0] if nums else 0
                v = ev.pair(s, d, protocol=proto, port=n)
                if not v.undecided.is_empty and (a.expect is Expect.DENY or not v.is_allowed):
                    # Cluster-wide policies leave this pair to the implementation: neither
                    # a pass nor a failure, unless another pair fails for sure.
                    tied.append(v)
                    continue
                if a.expect is Expect.ALLOW and not v.is_allowed:
                    return _failed(spec, a, AssertionReason.CANNOT_REACH, v, proto, number,
                                   name, src=src.text, dst=dst.text)
                if a.expect is Expect.DENY and v.is_allowed:
                    return _failed(spec, a, AssertionReason.CAN_REACH, v, proto, number, name,
                                   src=src.text, dst=dst.text)
                if a.decided_by is not None and n:
                    causes = _elsewhere(a.decided_by, a.expect, v, proto or Protocol.TCP, n)
                    if causes is not None:
                        return _failed(spec, a, AssertionReason.DECIDED_ELSEWHERE, v, proto,
                                       number, name, src=src.text, dst=dst.text,
                                       causes=causes, wanted=_wanted_text(a.decided_by))
    n = (len(src.pods) + len(src.external)) * (len(dst.pods) + len(dst.external))
    sides = {"src": src.text, "dst": dst.text, "pairs": n}
    if undecided:
        # Neither pass nor fail: these pairs depend on objects netverify does not evaluate.
        return _result(spec, a, AssertionStatus.INCOMPLETE, AssertionReason.NOT_EVALUATED,
                       count=skipped, coverage=cov.affecting(undecided), **sides)
    if tied:
        return _result(spec, a, AssertionStatus.UNDECIDED,
                       AssertionReason.LEFT_TO_IMPLEMENTATION, count=len(tied), pair=tied[0],
                       **sides)
    return _result(spec, a, AssertionStatus.PASS, AssertionReason.CHECKED, **sides)


def _elsewhere(wanted: DecidedBy, expect: Expect, v: PairVerdict, proto: Protocol,
               port: int) -> tuple[Cause, ...] | None:
    """None when ``wanted`` decides the pair; else who does.

    For ``expect: deny`` a side that denies must be decided so (the other side's allow
    does not matter); for ``allow`` one of the two sides (the one the guardrail is about).
    """
    sides = [v.egress, v.ingress]
    if expect is Expect.DENY:
        sides = [s for s in sides if not s.allowed.contains(proto, port)] or sides
    causes = tuple(cause_of(s, proto, port) for s in sides)
    return None if any(_is(c, wanted) for c in causes) else causes


def _is(c: Cause, wanted: DecidedBy) -> bool:
    """Tell whether ``c`` is the decision ``wanted`` names.

    A policy is named by its name, ``Kind name`` or ``NAMESPACE/NAME``; a rule by its name.
    """
    if c.layer is not Layer(wanted.layer):
        return False
    if wanted.policy is not None:
        names = {p.strip() for p in (c.policy or "").split(",")}
        bare = {n.split(" ", 1)[-1] for n in names}
        if wanted.policy not in names | bare:
            return False
    return wanted.rule is None or wanted.rule == c.rule_name


def _wanted_text(w: DecidedBy) -> str:
    parts = [w.layer, *(x for x in (w.policy, w.rule and f"rule {w.rule}") if x)]
    return " ".join(parts)


def _probes(a: Assertion, port_text: str | None, *, dst_is_dns: bool
            ) -> list[tuple[Protocol | None, int | None, str | None]]:
    """The traffic to check: (protocol, number, port name); DNS means UDP and TCP 53."""
    if dst_is_dns and a.port is None and port_text is None:
        return [(Protocol.UDP, 53, None), (Protocol.TCP, 53, None)]
    if port_text is not None and a.port is not None:
        raise QueryError("port given twice (in 'to' and in 'port')")
    text = port_text if port_text is not None else (str(a.port) if a.port is not None else None)
    if text is None:
        return [(Protocol(a.protocol) if a.protocol else None, None, None)]
    pq = parse_port(text, a.protocol)
    return [(pq.protocol or Protocol.TCP, pq.number, pq.name)]


def _side(cluster: Cluster, raw: str | dict[str, Any], what: str) -> _Side:
    ev = Evaluator(cluster)
    if raw == DNS:
        sel = parse_selector_string("k8s-app=kube-dns")
        pods = [p for p in cluster.pods if p.namespace == "kube-system"
                and sel.matches(p.labels)]
        return _Side("dns (k8s-app=kube-dns in kube-system)", pods, [],
                     namespace="kube-system", pod_selector=sel, pattern=True)
    if isinstance(raw, str):
        head, _, rest = raw.partition("/")
        if rest == "*" and head in cluster.namespaces:
            return _Side(raw, [p for p in cluster.pods if p.namespace == head], [],
                         namespace=head, pattern=True)
        if rest == "*" and head == "*":
            return _Side(raw, list(cluster.pods), [], ns_selector=LabelSelector(), pattern=True)
        if ("=" in rest or rest.startswith("!")) and head in cluster.namespaces:
            # A selector may match nothing today: that is for the caller to report.
            sel = parse_selector_string(rest)
            pods = [p for p in cluster.pods if p.namespace == head and sel.matches(p.labels)]
            return _Side(raw, pods, [], namespace=head, pod_selector=sel, pattern=True)
        r = resolve(cluster, ev, raw)
        return _Side(raw, list(r.pods), list(r.external))
    ns: str | None = raw.get("namespace")
    ns_sel = parse_selector(raw["namespaceSelector"], source=None,
                            field=f"{what}.namespaceSelector") \
        if "namespaceSelector" in raw else None
    pod_sel = parse_selector(raw["podSelector"], source=None, field=f"{what}.podSelector") \
        if "podSelector" in raw else None
    if "cidr" in raw:
        if len(raw) > 1:
            raise QueryError(f"{what}: cidr cannot be combined with selectors")
        r = resolve(cluster, ev, raw["cidr"])
        if not r.external:
            raise QueryError(f"{what}: {raw['cidr']!r} is not a CIDR")
        return _Side(raw["cidr"], [], list(r.external), cidr=raw["cidr"])
    if ns is not None and ns not in cluster.namespaces:
        raise QueryError(f"{what}: unknown namespace {ns!r}")
    pods = [p for p in cluster.pods
            if (ns is None or p.namespace == ns)
            and (ns_sel is None or ns_sel.matches(cluster.namespace_labels(p.namespace)))
            and (pod_sel is None or pod_sel.matches(p.labels))]
    text = ", ".join(f"{k}: {v}" for k, v in raw.items())
    return _Side(f"{{{text}}}", pods, [], namespace=ns, ns_selector=ns_sel, pod_selector=pod_sel,
                 pattern=True)


def _cx(v: PairVerdict, proto: Protocol | None, port: int | str | None) -> dict[str, Any]:
    return {"from": v.src.name, "to": v.dst.name, "protocol": proto.value if proto else None,
            "port": port, "allowed": v.allowed.to_dict()}


def _symbolic(engine: SmtEngine, cluster: Cluster, side: _Side, prefix: str) -> SymEndpoint:
    # Only a namespaceSelector may match namespaces not yet made; a podSelector alone
    # ranges over the pods of the existing namespaces.
    new_ns = side.namespace is None and side.ns_selector is not None
    ep = symbolic_pod(engine.universe, cluster, prefix,
                      namespaces=[side.namespace] if side.namespace else None,
                      allow_new_namespace=new_ns)
    if side.ns_selector is not None:
        ep.domain.append(engine.encoder.selector(side.ns_selector, ep.ns_labels))
    if side.pod_selector is not None:
        ep.domain.append(engine.encoder.selector(side.pod_selector, ep.labels))
    return ep


def _holds(cluster: Cluster, dst: Witness, port: int, proto: Protocol,
           allowed: bool) -> Callable[[Witness], bool]:
    """Whether a candidate counterexample still shows the verdict (``allowed`` or not)."""
    def holds(w: Witness) -> bool:
        return verify_witness(cluster, w, dst, port, proto).is_allowed == allowed
    return holds


def _run_any(cluster: Cluster, spec: SpecFile, a: Assertion, src: _Side, dst: _Side,
             probes: list[tuple[Protocol | None, int | None, str | None]],
             deadline: Deadline) -> AssertionResult:
    sides = {"src": src.text, "dst": dst.text}
    if not src.pattern:
        return _result(spec, a, AssertionStatus.FAIL, AssertionReason.NEEDS_PATTERN, **sides)
    if not dst.pods and not dst.external:
        return _result(spec, a, AssertionStatus.FAIL, AssertionReason.MATCHES_NOTHING,
                       side="to", **sides)
    if deadline.expired():  # an earlier assertion used up the time: build nothing
        return _result(spec, a, AssertionStatus.UNDECIDED, AssertionReason.TIME_LIMIT,
                       why=deadline.reason(), **sides)
    # The source may be any pod of its namespace, or of any namespace (a selector).
    src_spaces = (src.namespace,) if src.namespace is not None else (ANY,)
    cov = cluster.coverage.affecting((s, d.namespace) for s in src_spaces for d in dst.pods)
    extra = [s for s in (src.ns_selector, src.pod_selector) if s is not None]
    engine = SmtEngine(cluster, extra_selectors=extra, deadline=deadline)
    s_ep = _symbolic(engine, cluster, src, "src")
    ev = Evaluator(cluster)
    sources = {p.key for p in src.pods}
    for d in dst.pods:
        d_ep = engine.pod(d)
        for proto, number, name in probes:
            n = number
            if name is not None:
                nums = d.named_port(name, proto or Protocol.TCP)
                n = nums[0] if nums else None
                if n is None:
                    continue  # nothing can reach a port the pod does not declare
            if a.expect is Expect.DENY and d.key in sources and not d.is_template:
                # The destination is one of the sources, and its connection to itself is
                # always allowed: the same pair scope: existing fails on.
                v = ev.pair(d, d, protocol=proto, port=n)
                return _failed(spec, a, AssertionReason.REACHES_ITSELF, v, proto, number, name,
                               **sides)
            traffic = Traffic.symbolic()
            goals: list[z3.BoolRef] = []
            if proto is not None:
                goals.append(traffic.proto == PROTOCOL_CODE[proto])
            if n is not None:
                goals.append(traffic.port == n)
            q = engine.question(s_ep, d_ep, traffic)
            # allow: is there a matching pod that may NOT connect (over either address
            # family, as the concrete engine judges a pair)? deny: one that may?
            # With cluster-wide policies that leave a choice to the implementation, a
            # counterexample must fail for every choice (``possibly`` for allow,
            # ``allowed`` for deny); one that fails for some choice only is undecided.
            target = z3.Not(traffic.either_family(q.possibly)) if a.expect is Expect.ALLOW \
                else q.allowed
            if a.expect is Expect.ALLOW and n is None:
                return _result(spec, a, AssertionStatus.FAIL, AssertionReason.NEEDS_PORT,
                               **sides)
            r = engine.solve(replace(q, allowed=target), *goals)
            if r.outcome is Outcome.UNDECIDED:
                return _result(spec, a, AssertionStatus.UNDECIDED,
                               AssertionReason.SOLVER_UNDECIDED, why=r.reason, **sides)
            if r.outcome is Outcome.NO and q.possible is not None:
                weak = z3.Not(traffic.either_family(q.allowed)) if a.expect is Expect.ALLOW \
                    else q.possible
                if engine.solve(replace(q, allowed=weak), *goals).outcome is not Outcome.NO:
                    return _result(spec, a, AssertionStatus.UNDECIDED,
                                   AssertionReason.LEFT_TO_IMPLEMENTATION, **sides)
            if r.outcome is Outcome.NO:
                continue
            assert r.model is not None
            w = read_pod(r.model, engine.universe, cluster, s_ep, "hypothetical-pod")
            if taken(cluster, w):
                # A new pod gets an address no existing pod has, when one will do.
                again = engine.solve(replace(q, allowed=target), *goals,
                                     *fresh_addresses(s_ep, cluster))
                if again.outcome is Outcome.YES and again.model is not None:
                    r = again
                    w = read_pod(again.model, engine.universe, cluster, s_ep,
                                 "hypothetical-pod")
            assert r.model is not None
            wport, wproto = read_traffic(r.model, traffic)
            target_pod = Witness(d, None, None, None)
            expected = a.expect is Expect.DENY
            pair = verify_witness(cluster, w, target_pod, wport, wproto)
            if pair.is_allowed != expected:
                return _result(spec, a, AssertionStatus.UNDECIDED,
                               AssertionReason.ENGINES_DISAGREE, **sides)
            w = settle(w, _holds(cluster, target_pod, wport, wproto, expected))
            pair = verify_witness(cluster, w, target_pod, wport, wproto)
            witness = describe(cluster, w)
            if cov.affects(w.pod.namespace, d.namespace):
                return _result(spec, a, AssertionStatus.INCOMPLETE,
                               AssertionReason.NOT_EVALUATED, witness=witness,
                               coverage=cov.affecting([(w.pod.namespace, d.namespace)]),
                               **sides)
            return _result(
                spec, a, AssertionStatus.FAIL, AssertionReason.POSSIBLE_POD, pair=pair,
                witness=witness, protocol=wproto, port=wport,
                notes=tuple(address_notes(cluster, w)),
                counterexample={"from": {"namespace": w.pod.namespace,
                                         "labels": dict(w.pod.labels),
                                         "new_namespace": w.namespace is not None,
                                         "ips": [str(ip) for ip in w.pod.ips]},
                                "to": d.key, "protocol": wproto.value, "port": wport,
                                "hypothetical": True}, **sides)
    if not cov.complete:
        return _result(spec, a, AssertionStatus.INCOMPLETE, AssertionReason.NOT_EVALUATED,
                       coverage=cov, **sides)
    return _result(spec, a, AssertionStatus.PASS, AssertionReason.PROVED, **sides)

