"""How a spec assertion's outcome reads: its one-line message and the lines under it.

``queries/check.py`` returns each outcome as a reason code (``AssertionReason``) with its
facts: the endpoints as written, the pair that fails and its verdict, a hypothetical
witness pod, the traffic, the objects not evaluated.  The text, JUnit and JSON forms of
``check`` all word it here, so they say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable

from netverify.hop_text import hop_detail
from netverify.model import NAMESPACE_NAME_LABEL
from netverify.policy_kinds import objects_text
from netverify.ports import Protocol
from netverify.results import (
    AssertionReason,
    AssertionResult,
    Cause,
    Layer,
    Outcome,
    PairVerdict,
    UrlOutcome,
)
from netverify.verdicts import Answer, AssertionScope, Expect

VACUOUS = ("an assertion over no pods would pass vacuously; check the namespace and "
           "labels")
NOT_EVALUATED = ("these objects restrict traffic and netverify does not evaluate them; "
                 "--ignore-kind KIND leaves them out on purpose")
PATTERNS = ("use a mapping (namespace, namespaceSelector, podSelector), NAMESPACE/*, "
            "NAMESPACE/key=value or */*")
NAME_THE_PORT = "'some port is open for every possible pod' is not checked; name the port"


def traffic_text(protocol: Protocol | None, port: int | None, port_name: str | None) -> str:
    """``TCP 5432``, ``port http``, ``UDP, any port`` or ``any port``."""
    if port_name is not None:
        return f"port {port_name}"
    if port is not None and protocol is not None:
        return f"{protocol.value} {port}"
    return f"{protocol.value}, any port" if protocol else "any port"


_TIER_NAMES = {Layer.ADMIN: "Admin tier", Layer.BASELINE: "Baseline tier"}


def cause_text(c: Cause) -> str:
    """``allowed by ClusterNetworkPolicy x spec.ingress[0] "a" (Admin tier, Accept)``."""
    said = {Outcome.ALLOW: "allowed", Outcome.DENY: "denied",
            Outcome.UNDECIDED: "undecided"}[c.outcome]
    if c.outcome is Outcome.UNDECIDED:
        return "undecided (the cluster-wide policies leave it to the implementation)"
    if c.layer is Layer.DEFAULT:
        return f"{said} by default (no policy decides)"
    if c.layer in _TIER_NAMES:
        if c.policy is None:
            return f"{said} by the {_TIER_NAMES[c.layer]}"
        return f"{said} by {c.policy} {c.rule} ({_TIER_NAMES[c.layer]}, {c.action})"
    if c.rule is not None:
        return f"{said} by {c.policy} {c.rule}"
    return f"{said}: isolated by {c.policy}, whose rules do not allow it"


def _decided_elsewhere(a: AssertionResult) -> str:
    v = _pair(a)
    said = "denied" if a.expect is Expect.DENY else "allowed"
    by = "; ".join(cause_text(c) for c in a.causes) or "nothing"
    return (f"{v.src.name} -> {v.dst.name} ({_traffic(a)}) is {said} as expected, but not "
            f"decided by {a.wanted}: {by}")


def assertion_message(a: AssertionResult) -> str:
    """The one line under the assertion's name."""
    text = _message(a)
    return f"{text} (effective with {a.effective})" if a.effective else text


def _pair(a: AssertionResult) -> PairVerdict:
    if a.pair is None:
        raise ValueError(f"{a.reason} needs the pair that decides it")
    return a.pair


def _left_to_implementation(a: AssertionResult) -> str:
    if a.scope is AssertionScope.ANY:
        return ("cluster-wide policies leave the answer for some possible pod to the "
                "implementation (policies tied at one priority, domain names, ...)")
    v = _pair(a)
    return (f"{a.count} of {a.pairs} pair(s) are left to the implementation by cluster-wide "
            f"policies, e.g. {v.src.name} -> {v.dst.name}")


def _not_evaluated(a: AssertionResult) -> str:
    if a.scope is AssertionScope.EXISTING:
        what = f"{a.count} of {a.pairs} pair(s)"
    elif a.witness is not None:
        what = f"a counterexample in namespace {a.witness.namespace}"
    else:
        what = f"every pod that could match {a.src}"
    return f"{what} not decided: {objects_text(a.coverage)} not evaluated"


def _traffic(a: AssertionResult) -> str:
    return traffic_text(a.protocol, a.port, a.port_name)


def _url(a: AssertionResult) -> UrlOutcome:
    if a.url is None:
        raise ValueError(f"{a.reason} needs the URL outcome")
    return a.url


def _request(u: UrlOutcome) -> str:
    return f"{u.method} {u.url}"


def statuses_text(statuses: tuple[int, ...]) -> str:
    """``200``, ``200 or 500``, ``no status``: what a request gets."""
    return " or ".join(map(str, statuses)) or "no status"


def _hop(u: UrlOutcome) -> str:
    if u.hop is None:
        return u.why or "no route takes it"
    return f"{u.entry}: {u.hop.step}: {hop_detail(u.hop)}"


def _url_answered(a: AssertionResult) -> str:
    u = _url(a)
    said = "delivered" if u.verdict is Answer.YES else "not delivered"
    got = f" (status {statuses_text(u.statuses)})" if u.statuses else ""
    return f"{_request(u)} is {said}{got}"


_MESSAGES: dict[AssertionReason, Callable[[AssertionResult], str]] = {
    AssertionReason.URL_ANSWERED: _url_answered,
    AssertionReason.URL_NOT_DELIVERED: lambda a: (
        f"{_request(_url(a))} is not delivered: {_hop(_url(a))}"),
    AssertionReason.URL_DELIVERED: lambda a: (
        f"{_request(_url(a))} is delivered through {_url(a).entry}"),
    AssertionReason.URL_STATUS: lambda a: (
        f"{_request(_url(a))} gets {statuses_text(_url(a).statuses)}, not {_url(a).wanted}"),
    AssertionReason.URL_UNDECIDED: lambda a: (
        f"{_request(_url(a))}: not decided: {_hop(_url(a))}"),
    AssertionReason.CHECKED: lambda a: f"{a.pairs} pair(s) checked",
    AssertionReason.PROVED: lambda a: f"proved for every pod that could match {a.src}",
    AssertionReason.CANNOT_REACH: lambda a: (
        f"{_pair(a).src.name} cannot reach {_pair(a).dst.name} ({_traffic(a)})"),
    AssertionReason.CAN_REACH: lambda a: (
        f"{_pair(a).src.name} can reach {_pair(a).dst.name} ({_traffic(a)}: "
        f"{_pair(a).allowed})"),
    AssertionReason.REACHES_ITSELF: lambda a: (
        f"{_pair(a).dst.name} can reach itself ({_traffic(a)}: {_pair(a).allowed})"),
    AssertionReason.POSSIBLE_POD: lambda a: _possible_pod(a, _traffic(a)),
    AssertionReason.INVALID_ENDPOINT: lambda a: f"invalid endpoint: {a.why}",
    AssertionReason.MATCHES_NOTHING: lambda a: (
        f"{a.side}: {a.src if a.side == 'from' else a.dst} matches nothing"),
    AssertionReason.NEEDS_PATTERN: lambda a: "scope: any needs a source pattern",
    AssertionReason.NEEDS_PORT: lambda a: "scope: any with expect: allow needs a port",
    AssertionReason.TIME_LIMIT: lambda a: f"not checked: {a.why}",
    AssertionReason.SOLVER_UNDECIDED: lambda a: f"the solver could not decide: {a.why}",
    AssertionReason.LEFT_TO_IMPLEMENTATION: _left_to_implementation,
    AssertionReason.ENGINES_DISAGREE: lambda a: (
        "internal disagreement between the SMT and concrete engines on the counterexample; "
        "please report this as a bug"),
    AssertionReason.NOT_EVALUATED: _not_evaluated,
    AssertionReason.DECIDED_ELSEWHERE: _decided_elsewhere,
}


def _message(a: AssertionResult) -> str:
    return _MESSAGES[a.reason](a)


def _possible_pod(a: AssertionResult, traffic: str) -> str:
    """``a pod that could exist in ... with labels app=web ... can reach backend/db (...)``.

    The namespace is ``a new namespace x (team=y)`` when the pod needs one, and the
    address is named when the answer depends on it.
    """
    w, v = a.witness, _pair(a)
    if w is None:
        raise ValueError(f"{a.reason} needs the witness pod")
    labels = ",".join(f"{k}={val}" for k, val in sorted(w.labels))
    where = w.namespace
    if w.new_namespace:
        nsl = ",".join(f"{k}={val}" for k, val in sorted(w.namespace_labels)
                       if k != NAMESPACE_NAME_LABEL)
        where = f"a new namespace {w.namespace}" + (f" ({nsl})" if nsl else "")
    addrs = ", ".join(w.ips)
    verb = "cannot reach" if a.expect is Expect.ALLOW else "can reach"
    return (f"a pod that could exist in {where} "
            f"{f'with labels {labels}' if labels else 'with no labels'}"
            f"{f' and address {addrs}' if addrs else ''} {verb} {v.dst.name} ({traffic})")


def assertion_details(a: AssertionResult) -> list[str]:
    """The lines under the message: why the pair is decided so, what to do, notes."""
    r = a.reason
    if r is AssertionReason.MATCHES_NOTHING and a.scope is AssertionScope.EXISTING:
        return [VACUOUS]
    if r is AssertionReason.NOT_EVALUATED:
        return [NOT_EVALUATED]
    if r is AssertionReason.NEEDS_PATTERN:
        return [PATTERNS]
    if r is AssertionReason.NEEDS_PORT:
        return [NAME_THE_PORT]
    out = pair_lines(a.pair) if a.pair is not None else []
    return [*out, *a.notes]


def pair_lines(v: PairVerdict) -> list[str]:
    """Why a pair is allowed or denied: each side's isolation and the rules that admit."""
    out = []
    if v.loopback:
        out.append(f"{v.src.name} is connecting to itself: a pod's connection to its own "
                   "address is always allowed (NetworkPolicy does not filter it); leave the "
                   "pod out of the source to ask about other pods")
    for side, label in ((v.egress, "egress from"), (v.ingress, "ingress to")):
        if not side.governed:
            out.append(f"{label} {side.subject}: not subject to NetworkPolicy")
        elif not side.isolated:
            out.append(f"{label} {side.subject}: not isolated (no policy selects it)")
        else:
            pols = ", ".join(p.policy for p in side.isolating)
            out.append(f"{label} {side.subject}: isolated by {pols}")
            if not side.rules:
                out.append("  no rule of these policies admits the other side")
            for rule in side.rules:
                loc = f" [{rule.source.location()}]" if rule.source else ""
                out.append(f"  {rule.policy} {rule.field} ({rule.peer}) allows "
                           f"{rule.ports}{loc}")
    out.extend(v.caveats)
    return out
