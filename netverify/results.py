"""Result types: verdicts and explanations as data, never text.

Queries return these; renderers turn them into tables, JSON or Markdown.  No
``__str__`` meant for users lives here and nothing here knows about colours.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from netverify.cluster_policies import ClusterPolicy, TierPeer, TierRule
from netverify.model import Direction
from netverify.policy_kinds import COMPLETE, Coverage
from netverify.ports import PortSet, Protocol
from netverify.source import SourceRef
from netverify.verdicts import (
    Answer,
    AssertionScope,
    AssertionStatus,
    Change,
    Expect,
    GroupBy,
    HopStatus,
    SourceStatus,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    """One side of a connection: a pod (``ns/name``) or an external address range."""

    name: str  # "ns/name" for pods, CIDR or range text for external endpoints
    kind: str  # Pod, Deployment, ..., or "External"
    namespace: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    host_network: bool = False

    @property
    def is_external(self) -> bool:
        """True for addresses outside the cluster's pods."""
        return self.kind == "External"


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleRef:
    """A rule that allows traffic on one side, with the peer that matched."""

    policy: str  # ns/name
    direction: Direction
    rule_index: int
    peer_index: int | None  # None: the rule has no from/to (matches every peer)
    peer: str  # human description of the matched peer ("every peer" when None)
    ports: PortSet  # what this rule allows towards this destination
    port_indexes: tuple[int, ...] | None  # None: no ports list (all ports)
    source: SourceRef | None

    @property
    def field(self) -> str:
        """``spec.ingress[0].from[1]`` style path of the matched peer (or rule)."""
        base = f"spec.{self.direction.field}[{self.rule_index}]"
        if self.peer_index is None:
            return base
        return f"{base}.{self.direction.peers_field}[{self.peer_index}]"


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyRef:
    """A policy that selects (isolates) a pod for one direction."""

    policy: str
    source: SourceRef | None


class Layer(enum.Enum):
    """Which layer decided a set of ports on one side."""

    ADMIN = "admin"
    NETWORK_POLICY = "networkpolicy"
    BASELINE = "baseline"
    DEFAULT = "default"


class Outcome(enum.Enum):
    """What a side does with a set of ports."""

    ALLOW = "allow"
    DENY = "deny"
    UNDECIDED = "undecided"


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """Who decided ``ports`` on one side, and how.

    ``passed`` lists the Pass rules the traffic went through before the layer that
    decided; ``alternatives`` (for undecided ports) the decisions that could apply;
    ``why`` says what the manifests cannot tell.
    """

    ports: PortSet
    outcome: Outcome
    layer: Layer
    policy: ClusterPolicy | None = None
    rule: TierRule | None = None
    peer: TierPeer | None = None
    passed: tuple[tuple[ClusterPolicy, TierRule], ...] = ()
    alternatives: tuple[Decision, ...] = ()
    why: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SideVerdict:
    """What one direction (source egress or destination ingress) allows.

    ``governed`` is False when NetworkPolicy does not apply to the subject at all
    (an external endpoint, or a hostNetwork pod); then everything is allowed.
    """

    direction: Direction
    subject: str
    governed: bool
    external: bool  # the subject is an address outside the cluster's pods
    isolated: bool
    isolating: tuple[PolicyRef, ...]
    allowed: PortSet
    rules: tuple[RuleRef, ...]
    # With cluster-wide tiers: the ports the manifests cannot decide (tied priorities,
    # domain names), and who decided each part (netverify.engines.tiers.Decision).
    undecided: PortSet = field(default_factory=PortSet.empty)
    tiers: tuple[Decision, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PairVerdict:
    """The verdict for one (source, destination) pair, with both sides explained."""

    src: Endpoint
    dst: Endpoint
    allowed: PortSet  # after restricting to the asked port/protocol, if any
    egress: SideVerdict
    ingress: SideVerdict
    undecided: PortSet = field(default_factory=PortSet.empty)  # neither allowed nor denied
    loopback: bool = False  # a pod talking to itself: always allowed
    caveats: tuple[str, ...] = ()
    # False when a traffic policy netverify does not evaluate could change this pair's
    # verdict (the result's ``coverage`` lists it): ``allowed`` is then what the
    # evaluated policies say, not the cluster's answer.
    complete: bool = True

    @property
    def is_allowed(self) -> bool:
        """True when at least one (protocol, port) is allowed."""
        return not self.allowed.is_empty


@dataclass(frozen=True, slots=True, kw_only=True)
class CanReachResult:
    """Answer to ``can-reach``: one PairVerdict per (source, destination) pair."""

    src: str
    dst: str
    port: int | None
    port_name: str | None
    protocol: Protocol | None
    pairs: tuple[PairVerdict, ...]
    caveats: tuple[str, ...] = ()
    # What the cluster's CNI actually does (None when only the policy answer was asked).
    effective: tuple[PairVerdict, ...] | None = None
    cni: str | None = None
    cni_notes: tuple[str, ...] = ()
    coverage: Coverage = COMPLETE  # objects not evaluated that could change some pair
    # A DNS name outside the cluster at one end: its pairs are the addresses it may
    # resolve to, of which the connection uses one (yes or no only when all agree).
    host: str | None = None
    # The destination is a Service with internalTrafficPolicy Local: a pod's connection
    # goes to one of the endpoints on its own node, or nowhere when there is none, and
    # the input does not say which node runs which pod (yes never; no when all deny).
    node_local: bool = False

    @property
    def policy_allowed(self) -> bool:
        """The policies allow the asked traffic for every pair."""
        return bool(self.pairs) and all(p.is_allowed for p in self.pairs)

    @property
    def allowed(self) -> bool:
        """Every pair allowed: effective when known, else the policy answer.

        With ``coverage`` incomplete this is what the evaluated policies say; ``denied``
        and ``complete`` tell what is decided.
        """
        return bool(self.final) and all(p.is_allowed for p in self.final)

    @property
    def final(self) -> tuple[PairVerdict, ...]:
        """The pairs that decide the answer: effective when known, else the policy ones."""
        return self.effective if self.effective is not None else self.pairs

    @property
    def denied(self) -> bool:
        """Some pair is denied for sure.

        No unevaluated object could change that pair, and the cluster-wide policies leave
        nothing of it to the implementation.
        """
        sure = [not p.is_allowed and p.complete and p.undecided.is_empty for p in self.final]
        if self.host is not None or self.node_local:  # one of several: only if each one is
            return all(sure)
        return not self.final or any(sure)

    @property
    def undecided(self) -> bool:
        """Some pair is neither allowed nor denied.

        Cluster-wide policies leave the answer to the implementation (tied priorities,
        domain names, ...), or the addresses a DNS name may resolve to get different
        answers.
        """
        if (self.host is not None or self.node_local) and not self.allowed and not self.denied:
            return True
        return any(not p.is_allowed and not p.undecided.is_empty for p in self.final)


@dataclass(frozen=True, slots=True, kw_only=True)
class MatrixCell:
    """One ordered pair (or group pair) of the matrix."""

    src: str
    dst: str
    allowed: PortSet  # pod level; for groups the union over the allowed pod pairs
    allowed_pairs: int = 0  # group level only
    pairs: int = 0  # group level only
    complete: bool = True  # False: an unevaluated object could change some pair of it


@dataclass(frozen=True, slots=True, kw_only=True)
class MatrixResult:
    """The connectivity matrix over pods, workloads or namespaces."""

    by: GroupBy
    port: int | None
    protocol: Protocol | None
    rows: tuple[str, ...]  # group names in order (sources and destinations alike)
    # Every ordered pair of rows, row-major (a group matrix: array-backed, matrix_cells).
    cells: Sequence[MatrixCell]
    caveats: tuple[str, ...] = ()
    coverage: Coverage = COMPLETE  # objects not evaluated that could change some cell
    focus: tuple[str, ...] = ()  # rows asked about (--focus): graphs show what touches them


class PodCells(Sequence[MatrixCell]):
    """The pod-level cells, held per pair of pod classes instead of one object per pod pair.

    A million pod pairs share a few dozen port sets: ``ids[c, d]`` numbers the port set
    of class ``c`` to class ``d`` in ``portsets``.  Cells are made only when read, so a
    renderer that knows this layout (the JSON writer) never builds a million objects.
    ``incomplete`` (C x C) and ``affected`` (a namespace index per pod, and a matrix over
    those indices) mark the pairs an undecided tier or an unevaluated object could change;
    a real pod's own pair is loopback (``loopback``), always allowed and always complete.
    The arrays are numpy arrays; this module does not import numpy, for the commands that
    never need it.
    """

    __slots__ = ("affected", "cls", "ids", "incomplete", "keys", "loopback", "portsets", "solo")

    def __init__(self, *, keys: tuple[str, ...], cls: Any, ids: Any,
                 portsets: tuple[PortSet, ...], loopback: PortSet, solo: Any,
                 incomplete: Any = None, affected: tuple[Any, Any] | None = None) -> None:
        """``cls`` is each pod's class, ``solo`` whether its own pair is loopback."""
        self.keys, self.cls, self.ids, self.portsets = keys, cls, ids, portsets
        self.loopback, self.solo = loopback, solo
        self.incomplete, self.affected = incomplete, affected

    def __len__(self) -> int:
        return len(self.keys) ** 2

    @overload
    def __getitem__(self, k: int) -> MatrixCell: ...
    @overload
    def __getitem__(self, k: slice) -> Sequence[MatrixCell]: ...
    def __getitem__(self, k: int | slice) -> MatrixCell | Sequence[MatrixCell]:
        if isinstance(k, slice):
            return tuple(self[i] for i in range(*k.indices(len(self))))
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(k)
        i, j = divmod(k, len(self.keys))
        if i == j and self.solo[i]:
            return MatrixCell(src=self.keys[i], dst=self.keys[j], allowed=self.loopback)
        return MatrixCell(src=self.keys[i], dst=self.keys[j],
                          allowed=self.portsets[int(self.ids[self.cls[i], self.cls[j]])],
                          complete=not self._undecided(i, j))

    def __iter__(self) -> Iterator[MatrixCell]:
        n, keys, sets = len(self.keys), self.keys, self.portsets
        for i in range(n):
            row = self.ids[self.cls[i], self.cls].tolist()
            und = self.undecided_row(i)
            for j in range(n):
                if i == j and self.solo[i]:
                    yield MatrixCell(src=keys[i], dst=keys[j], allowed=self.loopback)
                else:
                    yield MatrixCell(src=keys[i], dst=keys[j], allowed=sets[row[j]],
                                     complete=und is None or not und[j])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or len(other) != len(self):
            return False
        return all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def _undecided(self, i: int, j: int) -> bool:
        if self.incomplete is not None and self.incomplete[self.cls[i], self.cls[j]]:
            return True
        if self.affected is not None:
            ns, hit = self.affected
            return bool(hit[ns[i], ns[j]])
        return False

    def undecided_row(self, i: int) -> Any:
        """Row ``i``'s pairs an undecided tier or unevaluated object could change, or None.

        A numpy bool array over destinations (the loopback pair left to the caller).
        """
        out = None
        if self.incomplete is not None:
            out = self.incomplete[self.cls[i], self.cls]
        if self.affected is not None:
            ns, hit = self.affected
            row = hit[ns[i], ns]
            out = row if out is None else out | row
        return out

    @property
    def complete(self) -> bool:
        """Every cell complete: the loopback pairs, which always are, left out."""
        for i in range(len(self.keys)):
            row = self.undecided_row(i)
            if row is None:
                return True
            if row.any() and (not self.solo[i] or row.sum() > int(row[i])):
                return False
        return True


@dataclass(frozen=True, slots=True, kw_only=True)
class WitnessPod:
    """A pod (existing or hypothetical) read back from a solver model."""

    namespace: str
    name: str
    labels: tuple[tuple[str, str], ...]
    namespace_labels: tuple[tuple[str, str], ...]
    existing: bool  # an existing pod named in the question
    new_namespace: bool  # lives in a namespace that does not exist yet
    ips: tuple[str, ...] = ()
    named_ports: tuple[str, ...] = ()  # "http=8080/TCP"
    external: bool = False  # an address outside the cluster (then ``ips`` holds it)


@dataclass(frozen=True, slots=True, kw_only=True)
class HypotheticalResult:
    """Answer to ``can-reach --hypothetical``: yes with a witness, no with reasons, or undecided."""

    src: str
    dst: str
    port: int | None
    protocol: Protocol | None
    outcome: Answer
    witness_src: WitnessPod | None = None
    witness_dst: WitnessPod | None = None
    witness_port: int | None = None
    witness_protocol: Protocol | None = None
    admitted_by: tuple[str, ...] = ()  # rules that admit the witness ("policy field")
    reasons: tuple[str, ...] = ()  # why not, or why undecided
    verified: bool = False  # the witness was re-checked by the concrete engine
    caveats: tuple[str, ...] = ()
    # Objects not evaluated that could change the answer; ``outcome`` is then what the
    # evaluated policies say.
    coverage: Coverage = COMPLETE

    @property
    def allowed(self) -> bool:
        """True only for a proven yes."""
        return self.outcome is Answer.YES


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceClass:
    """One family of possible sources, described by constraints rather than listed."""

    description: str  # "pods {app=web} in namespaces {team=frontend}", "10.0.0.0/8 except ..."
    ports: PortSet
    rule: str | None  # "backend/api spec.ingress[0].from[1]"; None when dst is not isolated
    status: SourceStatus  # ALL: egress never blocks, SOME: egress blocks some, NONE
    example: WitnessPod | None = None  # an allowed source of this family
    blocked_example: WitnessPod | None = None  # one its own egress blocks (status "some")


@dataclass(frozen=True, slots=True, kw_only=True)
class WhoCanReachResult:
    """Answer to ``who-can-reach``: existing sources plus the possible ones as constraints."""

    dst: str
    port: int | None
    protocol: Protocol | None
    existing: tuple[tuple[str, PortSet], ...]  # (pod, allowed ports) with something allowed
    classes: tuple[SourceClass, ...]
    isolated: bool
    caveats: tuple[str, ...] = ()
    coverage: Coverage = COMPLETE  # objects not evaluated that could change who reaches dst


@dataclass(frozen=True, slots=True, kw_only=True)
class LintFinding:
    """One policy-level observation, with the witness that shows it where there is one."""

    code: str  # the audit rule reporting it: NV150, NV151 or NV152
    policy: str
    field: str  # "spec.podSelector", "spec.ingress[1]", "" for the whole policy
    message: str
    source: SourceRef | None = None
    covered_by: tuple[str, ...] = ()  # policies that shadow it


@dataclass(frozen=True, slots=True, kw_only=True)
class LintResult:
    """What the lint search found, ordered by policy and field.

    Not rendered itself: rules NV150-NV152 turn it into audit findings, and ``lint``
    reports an ``AuditReport``.
    """

    findings: tuple[LintFinding, ...]
    policies: int
    undecided: tuple[str, ...] = ()
    # Objects not evaluated: the findings stay true (they compare NetworkPolicies with
    # each other), but a policy such objects make redundant is not found.
    coverage: Coverage = COMPLETE


class AssertionReason(enum.Enum):
    """Why an assertion has its status: one code per outcome ``check`` can reach.

    The facts each needs are fields of ``AssertionResult``; renderers word them
    (``renderers/assertions.py``).
    """

    CHECKED = "checked"  # pass: every pair of existing pods (``pairs``) holds
    PROVED = "proved"  # pass: proved for every pod that could match the source
    CANNOT_REACH = "cannot-reach"  # fail (allow): ``pair`` is denied
    CAN_REACH = "can-reach"  # fail (deny): ``pair`` is allowed
    REACHES_ITSELF = "reaches-itself"  # fail (deny, scope any): the destination is a source
    POSSIBLE_POD = "possible-pod"  # fail (scope any): ``witness``, a pod that could exist
    INVALID_ENDPOINT = "invalid-endpoint"  # fail: ``why``
    MATCHES_NOTHING = "matches-nothing"  # fail: the ``side`` ("from" or "to") matches no pod
    NEEDS_PATTERN = "needs-source-pattern"  # fail: scope any over a fixed source
    NEEDS_PORT = "needs-port"  # fail: scope any with expect allow and no port
    TIME_LIMIT = "time-limit"  # undecided: not checked, ``why``
    SOLVER_UNDECIDED = "solver-undecided"  # undecided: ``why`` (Z3's reason)
    # undecided: cluster-wide policies leave ``count`` of ``pairs`` (or a possible pod's
    # answer) to the implementation; ``pair`` is an example.
    LEFT_TO_IMPLEMENTATION = "left-to-implementation"
    ENGINES_DISAGREE = "engines-disagree"  # undecided: a bug, reported as such
    # incomplete: ``count`` of ``pairs`` (or the possible pods, or ``witness``'s namespace)
    # depend on the objects of ``coverage``, which netverify does not evaluate.
    NOT_EVALUATED = "not-evaluated"
    # fail: ``pair`` has the expected verdict, but ``causes`` (its deciding sides) are not
    # the ``decided-by`` the spec asks for (``wanted``).
    DECIDED_ELSEWHERE = "decided-elsewhere"
    # A URL in ``to`` (``url`` holds the request and how it went):
    URL_ANSWERED = "url-answered"  # pass: the verdict (and ``status``) the spec expects
    URL_NOT_DELIVERED = "url-not-delivered"  # fail (allow): ``url.hop`` stops it, or no route
    URL_DELIVERED = "url-delivered"  # fail (deny): a backend gets it through ``url.entry``
    URL_STATUS = "url-status"  # fail: the request gets ``url.statuses``, not ``url.wanted``
    # undecided: ``url.hop`` cannot be checked (incomplete when ``coverage`` is the reason)
    URL_UNDECIDED = "url-undecided"


@dataclass(frozen=True, slots=True, kw_only=True)
class AssertionResult:
    """The outcome of one spec assertion: a status, the reason code and its facts.

    No sentence is stored: ``renderers/assertions.py`` words ``reason`` from the facts
    below (each reason says which it uses).
    """

    file: str
    index: int
    name: str
    expect: Expect
    scope: AssertionScope
    status: AssertionStatus
    reason: AssertionReason
    src: str = ""  # the source as the spec writes it (resolved text, e.g. for dns)
    dst: str = ""
    side: str = ""  # MATCHES_NOTHING: "from" or "to"
    pairs: int = 0  # pairs of existing endpoints the assertion ranges over
    count: int = 0  # of those, the ones undecided or not evaluated
    pair: PairVerdict | None = None  # the pair that decides it, with both sides explained
    witness: WitnessPod | None = None  # a pod that could exist (scope any)
    # The traffic of ``pair`` or ``witness``: a protocol and port number, or a named port.
    protocol: Protocol | None = None
    port: int | None = None
    port_name: str | None = None
    why: str = ""  # INVALID_ENDPOINT, TIME_LIMIT, SOLVER_UNDECIDED: what was said
    notes: tuple[str, ...] = ()  # about the witness's addresses
    effective: str | None = None  # the CNI whose effective answer was judged, if it differs
    counterexample: dict[str, object] | None = None  # machine form: from, to, port, protocol
    coverage: Coverage = COMPLETE  # for status incomplete: the objects not evaluated
    causes: tuple[Cause, ...] = ()  # DECIDED_ELSEWHERE: who decides the pair's sides
    wanted: str = ""  # DECIDED_ELSEWHERE: the decided-by asked for, as written
    url: UrlOutcome | None = None  # URL_*: the request and how it went


@dataclass(frozen=True, slots=True, kw_only=True)
class UrlOutcome:
    """A URL assertion's request and what it got (``can_reach_url``'s answer, condensed)."""

    url: str
    method: str
    verdict: Answer
    statuses: tuple[int, ...]  # what the request gets, every way it can go (sorted)
    wanted: int | None = None  # the spec's ``status``
    entry: str = ""  # the entry point of ``hop`` (or of the delivering path)
    hop: Hop | None = None  # the hop that stops it, or that cannot be checked
    why: str = ""  # when no route takes the request: the note that says so


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckReport:
    """All assertions of all spec files, in file order."""

    results: tuple[AssertionResult, ...]
    files: tuple[str, ...]
    caveats: tuple[str, ...] = ()
    coverage: Coverage = COMPLETE  # objects not evaluated behind incomplete assertions

    @property
    def passed(self) -> bool:
        """True when every assertion passed."""
        return all(r.status is AssertionStatus.PASS for r in self.results)

    @property
    def failed(self) -> bool:
        """True when an assertion failed or is undecided (neither is incomplete)."""
        return any(r.status in (AssertionStatus.FAIL, AssertionStatus.UNDECIDED)
                   for r in self.results)


@dataclass(frozen=True, slots=True, kw_only=True)
class DiffRow:
    """A change between two groups: ports newly allowed and newly denied."""

    src: str  # "ns/workload" or "ns/*" when a whole namespace pair changed alike
    dst: str
    added: PortSet
    removed: PortSet
    pairs: int  # pod pairs this row stands for
    complete: bool = True  # False: an unevaluated object (either side) could change it
    because: tuple[DiffCause, ...] = ()  # the rules responsible, on one pair of the row


@dataclass(frozen=True, slots=True, kw_only=True)
class Cause:
    """Who decides one port on one side of a connection, in one version of the manifests."""

    outcome: Outcome
    layer: Layer
    policy: str | None = None  # "ClusterNetworkPolicy protect-db", "NetworkPolicy shop/db"
    rule: str | None = None  # 'spec.ingress[1] "no-web-to-db"'; None: isolation or default
    action: str | None = None  # a cluster-wide rule's action as written (Allow, Accept, ...)
    rule_name: str | None = None  # a cluster-wide rule's ``name``, when it has one


@dataclass(frozen=True, slots=True, kw_only=True)
class DiffCause:
    """Why a diff row changed, read on one of its pod pairs and one of its ports."""

    src: str
    dst: str
    direction: Direction  # the side whose verdict changed
    protocol: Protocol
    port: int
    old: Cause
    new: Cause


@dataclass(frozen=True, slots=True, kw_only=True)
class DiffWitness:
    """A possible connection whose verdict differs, from the solver."""

    direction: Change
    src: WitnessPod
    dst: WitnessPod
    port: int
    protocol: Protocol
    rules: tuple[str, ...]  # the rules that admit it (in the side that allows it)


@dataclass(frozen=True, slots=True, kw_only=True)
class DiffResult:
    """What a change to the manifests does to reachability."""

    old: str
    new: str
    rows: tuple[DiffRow, ...]  # existing pods, grouped
    pods_added: tuple[str, ...]
    pods_removed: tuple[str, ...]
    any_allowed: Answer  # newly allowed traffic for some possible pod
    any_denied: Answer
    witnesses: tuple[DiffWitness, ...] = ()
    caveats: tuple[str, ...] = ()
    coverage: Coverage = COMPLETE  # objects not evaluated, on either side


class Severity(enum.Enum):
    """How much an audit finding matters."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for the most severe: sort keys and ``--fail-on`` thresholds use it."""
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True, slots=True, kw_only=True)
class Related:
    """Another object a finding involves (a policy that isolates, a Service, a route)."""

    object: str  # "Kind ns/name"
    role: str  # why it is involved, e.g. "isolates egress"
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One rule hit: data only; renderers turn it into words.

    ``example`` is a concrete traffic pair when the finding is about traffic
    (``shop/web -> kube-system/coredns UDP 53``), so a reviewer can re-check it with
    ``netverify can-reach``.
    """

    code: str
    message: str
    object: str  # "Kind ns/name"
    path: str = ""  # field path inside the object, e.g. spec.podSelector
    source: SourceRef | None = None
    example: str = ""
    related: tuple[Related, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleInfo:
    """What the report says about a rule that ran.

    The three sections come from the rule's docstring as Markdown (code blocks
    fenced), so that SARIF help, the HTML report and ``docs/rules.md`` say the
    same thing the code says.
    """

    code: str
    title: str
    severity: Severity
    help_uri: str = ""
    name: str = ""  # the rule's class name, e.g. EgressBlocksDns (SARIF ``name``)
    anti_pattern: str = ""
    why: str = ""
    fix: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryPoint:
    """A way in from outside, for the report's graph: a Service, an Ingress or an HTTPRoute.

    ``kind`` is LoadBalancer, NodePort, externalIPs, Ingress or HTTPRoute; ``ports`` what
    clients connect to (``TCP 80``); ``targets`` the workloads it forwards to, each with the
    port it arrives on.  What NetworkPolicy admits is not judged here: ``paths`` does that.
    """

    kind: str
    name: str  # ns/name
    ports: str
    targets: tuple[tuple[str, str], ...]  # (ns/workload, "TCP 8080")


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditReport:
    """All findings, most severe first, then by code and object.

    ``suppressed`` holds findings silenced by a ``netverify.io/ignore`` annotation:
    kept so that reports can count them, never shown as findings.  ``hidden`` holds
    the findings below ``min_severity``: counted, not shown, but still judged by
    ``--fail-on`` (a display filter must not open a gate).

    ``connectivity`` is the namespace-level matrix (what the policies allow) and
    ``workload_connectivity`` the workload-level one, present only when there are
    few enough workloads to read; both are None when the caller did not ask for them.

    ``fail_on`` is the ``--fail-on`` gate the report is judged by (every format says
    when findings it does not show decide the exit status); None when the caller named
    none.  ``anchors`` maps a namespace to the first object of it in the input that has
    a manifest line (a pod or workload, else a policy, else a Service), and ``""`` to the
    first located object of all: SARIF points findings whose own object has no line
    there.
    """

    findings: tuple[Finding, ...]
    rules: dict[str, RuleInfo]  # code -> rule, for every rule that ran
    suppressed: tuple[Finding, ...] = ()
    hidden: tuple[Finding, ...] = ()
    min_severity: Severity | None = None
    inputs: tuple[str, ...] = ()  # the manifest paths, for report headers
    cluster_summary: dict[str, int] = field(default_factory=dict)  # pods, policies, ...
    connectivity: MatrixResult | None = None
    workload_connectivity: MatrixResult | None = None
    # Traffic policies of the input netverify does not evaluate: rule NV704 reports each,
    # and findings about traffic may be wrong where they apply.
    coverage: Coverage = COMPLETE
    fail_on: Severity | None = None
    anchors: Mapping[str, SourceRef] = field(default_factory=dict)
    # Questions a rule could not decide in time (``--smt-timeout``): with no finding at
    # or above the gate, the report is undecided (exit 3), never a pass.
    undecided: tuple[str, ...] = ()
    entry_points: tuple[EntryPoint, ...] = ()  # with the matrices: the graph's way in

    def severity(self, f: Finding) -> Severity:
        """The severity of a finding (its rule's)."""
        return self.rules[f.code].severity

    def reaches(self, level: Severity) -> bool:
        """True when an unsuppressed finding (shown or hidden) is at or above ``level``."""
        return any(self.severity(f).rank <= level.rank for f in (*self.findings, *self.hidden))


class HopReason(enum.Enum):
    """Why a hop of a path has its status: one code per outcome ``paths`` can reach.

    The facts each is worded from are fields of ``Reason``; ``netverify/hop_text.py``
    words them (for the renderers and the audit's NV608).
    """

    # outside -> proxy pods
    ADMITTED = "admitted"  # ok: ``via``, from ``admitted_from`` (every source when empty)
    NO_SOURCE_ADMITTED = "no-source-admitted"  # blocked: NetworkPolicy admits no address
    NO_SERVICE_PORT = "no-service-port"  # blocked: ``exposed`` lists what the Services have
    PORT_NOT_KNOWN = "port-not-known"  # undecided: nothing known receives ``via``
    NO_PROXY_PODS = "no-proxy-pods"  # undecided: the entry point's pods are not in the input
    # undecided: Service ``service`` (externalTrafficPolicy Cluster) SNATs, or may SNAT
    # (``why``), the client address to a node address the input does not give, and
    # NetworkPolicy admits only ``admitted_from`` on ``via``
    CLIENT_ADDRESS_SNAT = "client-address-snat"
    # TLS
    CERTIFICATE = "certificate"  # ok: from Secret ``name`` ("" the default), ``other``
    REDIRECT_TO_HTTPS = "redirect-to-https"  # ok: plain HTTP to a host with TLS, ``other``
    NO_TLS_ENTRY = "no-tls-entry"  # blocked: no tls entry of ``obj`` covers ``host``
    TLS_NOT_KNOWN = "tls-not-known"  # undecided: the same, controller not identified
    LISTENER_TLS = "listener-tls"  # ok: Gateway listener ``name`` terminates TLS
    # blocked (undecided when some of several are permitted): listener ``name``'s
    # certificateRefs ``obj`` in ``namespace``, no ReferenceGrant there permits them
    # (``grants``: the ones that do not, and why); the listener is not programmed
    CERTIFICATE_REF_NOT_PERMITTED = "certificate-ref-not-permitted"
    # blocked, ``http_status`` 421: the TLS server name ``sni`` selected listener ``name``,
    # and the Host ``host`` belongs to listener ``other`` (``why``)
    MISDIRECTED = "misdirected"
    # the route
    # ok: the filter at ``field`` answers the request itself with ``http_status`` and,
    # for a request asked about, ``location``
    REDIRECT = "redirect"
    # undecided: ``name`` (a route filter type or an Ingress annotation) at ``field``
    # ``why``: an access control netverify does not evaluate (``route_controls``)
    NOT_FOLLOWED = "not-followed"
    NO_BACKENDS = "no-backends"  # blocked, ``http_status`` 500: the rule has no backends
    ALL_WEIGHT_ZERO = "all-weight-zero"  # blocked: every backend has weight 0
    # proxy -> one backend Service ``service``
    BACKEND_KIND = "backend-kind"  # undecided: a backend of ``kind`` is not followed
    # blocked, ``http_status`` 500: an HTTPRoute backend of ``kind`` (``group``) that is not
    # a Service nor declared with --backend-kind (ResolvedRefs False, InvalidKind)
    INVALID_KIND = "invalid-kind"
    # blocked, ``http_status`` 500: no ReferenceGrant in ``namespace`` permits the
    # reference; ``grants`` the ones there that do not, and why
    REF_NOT_PERMITTED = "ref-not-permitted"
    # blocked: the Service is not in the input (``http_status`` 500 for an HTTPRoute,
    # BackendNotFound; 503 for an Ingress, as ingress-nginx answers)
    NO_SERVICE = "no-service"
    EXTERNAL_NAME = "external-name"  # undecided: an ExternalName Service to ``name``
    SERVICE_PORT = "service-port"  # blocked: the port does not resolve (``why``)
    NO_SELECTOR = "no-selector"  # undecided: endpoints managed by hand
    # blocked, ``http_status`` 503: ``why`` (the Service lookup's note) if known
    NO_ENDPOINTS = "no-endpoints"
    PROXY_NOT_KNOWN = "proxy-not-known"  # undecided: ``endpoints``, proxy pods unknown
    ENDPOINTS_ADMIT = "endpoints-admit"  # ok: all ``endpoints`` admit the proxy on ``target``
    # blocked (ok at weight 0): ``reachable`` of ``endpoints``; ``blocked`` pods deny the
    # proxy, ``missing`` pods lack the named target port ``name``
    ENDPOINTS_UNREACHABLE = "endpoints-unreachable"
    # undecided: cluster-wide policies leave the connection of ``blocked`` pods (the
    # endpoints, or the entry point's pods) to the implementation; ``reachable`` of
    # ``endpoints`` admit it for sure
    LEFT_TO_IMPLEMENTATION = "left-to-implementation"
    MISSING_PORT_NAME = "missing-port-name"  # a backend's problem: ``missing`` lack ``name``
    # A Service reached directly from outside (queries.exposure): ``name`` is the way in
    # (LoadBalancer, NodePort, externalIP), ``host`` the address, ``target`` the port.
    EXPOSED = "exposed"  # ok: accepted from ``admitted_from`` (every source when empty)
    SOURCE_RANGES = "source-ranges"  # blocked: loadBalancerSourceRanges ``admitted_from``
    LB_ADDRESS_NOT_KNOWN = "lb-address-not-known"  # undecided: no status, no loadBalancerIP
    HOST_NOT_KNOWN = "host-not-known"  # undecided: ``host`` may or may not be this address
    NODE_ADDRESS_NOT_KNOWN = "node-address-not-known"  # undecided: no node ExternalIP known
    NODE_PORT_NOT_KNOWN = "node-port-not-known"  # undecided: nodePort allocated at creation
    # outside -> the Service's endpoints: ``reachable`` of ``endpoints`` admit the clients;
    # ``blocked`` deny them; client-snat: externalTrafficPolicy Cluster may show the pods a
    # node address instead of the client's, and NetworkPolicy treats the two differently
    ENDPOINTS_ADMIT_CLIENTS = "endpoints-admit-clients"
    ENDPOINTS_DENY_CLIENTS = "endpoints-deny-clients"
    CLIENT_SNAT = "client-snat"


class PortSource(enum.Enum):
    """How the proxy pods receive a request's port."""

    SERVICE = "service"  # a Service selecting them maps it to a target port
    CONTAINER = "container"  # they declare a container port of that number
    LISTENER = "listener"  # a Gateway listener port, taken as served
    REQUEST = "request"  # nothing known: the request's port as it is


@dataclass(frozen=True, slots=True, kw_only=True)
class ProxyPort:
    """The port the proxy pods receive a request on, and how it was found."""

    number: int
    source: PortSource
    service: str | None = None  # SERVICE: ns/name, its port and the target port's name
    service_port: int | None = None
    target_name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Reason:
    """A hop's (or a backend's) reason code with the facts it is worded from.

    Which facts a code uses is said at ``HopReason``; the others keep their defaults.
    """

    code: HopReason
    service: str = ""  # ns/name of the backend Service
    kind: str = ""  # BACKEND_KIND, INVALID_KIND: the backend's kind
    group: str = ""  # INVALID_KIND: the backend's group ("" the core group)
    namespace: str = ""  # REF_NOT_PERMITTED: where a ReferenceGrant would have to be
    name: str = ""  # a Secret, listener, ExternalName target or target port name
    obj: str = ""  # NO_TLS_ENTRY, TLS_NOT_KNOWN: the Ingress
    other: str = ""  # TLS: the other Ingress whose tls entry covers the host
    host: str = ""
    field: str = ""  # REDIRECT: the filter's field
    proxy: str = ""  # PORT_NOT_KNOWN: the proxy's label
    via: ProxyPort | None = None  # outside -> proxy: the port and how it was found
    admitted_from: tuple[str, ...] = ()  # ADMITTED: source ranges, empty for every source
    exposed: tuple[tuple[str, tuple[int, ...]], ...] = ()  # NO_SERVICE_PORT: TCP ports
    endpoints: int = 0  # a backend's endpoint count
    reachable: int = 0  # of which admit the proxy
    target: str = ""  # the target port as ``BackendPath.target`` writes it
    blocked: tuple[str, ...] = ()  # endpoint pods that deny the proxy
    missing: tuple[str, ...] = ()  # endpoint pods without the named target port
    why: str = ""  # what the Service lookup said, as it said it
    idle: bool = False  # the backend has weight 0 and gets no traffic
    # The status the proxy answers itself for the requests this hop concerns (500 for an
    # invalid backendRef, 503 for a Service without endpoints), None when it forwards them.
    http_status: int | None = None
    grants: tuple[tuple[str, str], ...] = ()  # REF_NOT_PERMITTED: (grant, why it does not)
    sni: str = ""  # MISDIRECTED: the TLS server name
    location: str = ""  # REDIRECT: the Location header, when the request is known


@dataclass(frozen=True, slots=True, kw_only=True)
class Hop:
    """One step of an end-to-end path and whether traffic passes it.

    ``status`` is undecided when netverify cannot tell from the manifests (e.g. no
    controller pods in the input).  No sentence is stored: ``reason`` holds the code and
    its facts, and ``hop_text.hop_detail`` words them.
    """

    step: str  # e.g. "internet -> ingress-nginx/ingress-nginx-controller"
    status: HopStatus
    reason: Reason
    verdicts: tuple[PairVerdict, ...] = ()  # examples of blocked pairs, explained by renderers
    port: int | None = None  # the TCP port the verdicts were asked about
    source: SourceRef | None = None
    # Objects netverify does not evaluate that left this hop undecided (status undecided
    # although NetworkPolicy decided ``reason``).
    coverage: Coverage = COMPLETE


@dataclass(frozen=True, slots=True, kw_only=True)
class BackendPath:
    """One backend of a route: the Service, its share of traffic and its endpoint pods."""

    service: str  # ns/name
    service_port: str  # as the route names it (number or name)
    target: str  # "8080" or "http -> 8080/8081" (per pod)
    weight: int
    share: float  # weight / total weight (0..1)
    endpoints: tuple[str, ...]  # pod keys
    reachable: tuple[str, ...]  # endpoint pods every controller pod may reach
    problem: Reason | None = None  # missing Service, port, endpoints, ...


@dataclass(frozen=True, slots=True, kw_only=True)
class MirrorPath:
    """A RequestMirror: copies of the requests go from the proxy pods to another backend.

    Its ``hop`` is judged like a backend's (NetworkPolicy from the proxy pods), and never
    changes the client's answer: the proxy ignores the mirror's responses.
    """

    backend: BackendPath  # ``share``: the fraction of requests mirrored
    hop: Hop
    field: str  # the filter, e.g. spec.rules[0].filters[1]


@dataclass(frozen=True, slots=True, kw_only=True)
class RoutedPath:
    """One way in from outside: an entry point, the route it picks, and every hop."""

    entry: str  # "Ingress shop/app (class nginx)" or "HTTPRoute shop/r via Gateway infra/gw"
    route_object: str  # "Ingress shop/app"
    route_field: str  # spec.rules[0].http.paths[1]
    host: str  # "app.example.com" or "*" for any host
    match: str  # "Prefix /api"
    tls: str  # "app-tls", "none", "listener https"
    controller: tuple[str, ...]  # pods that proxy the request
    backends: tuple[BackendPath, ...]
    hops: tuple[Hop, ...]
    verdict: Answer
    notes: tuple[str, ...] = ()
    source: SourceRef | None = None
    # (Host, path) the backends get after the rule's URLRewrite filter (a request asked)
    upstream: tuple[str, str] | None = None
    mirrors: tuple[MirrorPath, ...] = ()  # RequestMirror filters: where copies go

    @property
    def statuses(self) -> tuple[int, ...]:
        """What the request gets on this path: the proxy's own status, 200 when forwarded.

        200 stands for "a backend gets it" (what the backend answers is its own business);
        a request NetworkPolicy stops gets no status (502/504 depend on the proxy).
        """
        out: set[int] = set()
        for h in self.hops:
            if h.reason.idle:
                continue
            if h.reason.http_status is not None:
                out.add(h.reason.http_status)
            elif h.reason.code is HopReason.ENDPOINTS_ADMIT or (
                    h.reason.code is HopReason.ENDPOINTS_UNREACHABLE and h.reason.reachable):
                out.add(200)
        return tuple(sorted(out))


@dataclass(frozen=True, slots=True, kw_only=True)
class UrlResult:
    """Answer to ``can-reach internet URL``: one RoutedPath per entry point that routes it."""

    src: str
    url: str
    paths: tuple[RoutedPath, ...]
    notes: tuple[str, ...] = ()
    coverage: Coverage = COMPLETE  # objects not evaluated behind hops left undecided
    method: str = "GET"  # the request's HTTP method
    # How the paths combine: "every" entry point routes the URL; "any": the ways into a
    # workload (``can-reach internet NS/NAME``), one delivering is enough; "maybe": the
    # URL's host may reach these Services or none (no then only when none delivers).
    mode: str = "every"
    not_found: bool = False  # a Gateway listener takes it and no rule matches (404)
    host: str = ""  # the Host that routes (a Host header's, else the URL's)
    sni: str | None = None  # https: the TLS server name
    # (status, Location, method a client follows it with) of the redirects answered
    redirects: tuple[tuple[int, str, str], ...] = ()
    followed: UrlResult | None = None  # --follow-redirects: the redirected request's answer
    redirect_loop: str = ""  # --follow-redirects: why following stopped without an answer

    @property
    def statuses(self) -> tuple[int, ...]:
        """What the request gets, every way it can go (``RoutedPath.statuses``; 404)."""
        out = {s for p in self.paths for s in p.statuses}
        if self.not_found and not self.paths:
            out.add(404)
        return tuple(sorted(out))

    @property
    def verdict(self) -> Answer:
        """Yes when every entry point delivers, no when one fails or none routes the URL.

        Following redirects, the redirected request counts too, and a loop is a no.
        Straight to a Service (``mode`` any or maybe) the paths combine otherwise.
        """
        if self.mode != "every":
            return self._combined()
        own = [p.verdict for p in self.paths]
        if self.followed is not None:
            own.append(self.followed.verdict)
        if not self.paths or self.redirect_loop or Answer.NO in own:
            return Answer.NO
        if Answer.UNDECIDED in own:
            return Answer.UNDECIDED
        return Answer.YES

    def _combined(self) -> Answer:
        got = {p.verdict for p in self.paths}
        if not got or got == {Answer.NO}:
            return Answer.NO
        if self.mode == "any" and Answer.YES in got:
            return Answer.YES
        return Answer.UNDECIDED


@dataclass(frozen=True, slots=True, kw_only=True)
class ExposedService:
    """A NodePort or LoadBalancer Service: reachable from outside without an Ingress."""

    service: str
    type: str
    ports: tuple[str, ...]  # "80/TCP -> 8080 (nodePort 30080)"
    external_traffic_policy: str
    endpoints: tuple[str, ...]
    reachable: tuple[str, ...]  # endpoint pods whose policies admit traffic from outside
    notes: tuple[str, ...] = ()
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PathsResult:
    """Answer to ``paths``: every externally reachable route and exposed Service."""

    routes: tuple[RoutedPath, ...]
    exposed: tuple[ExposedService, ...]
    notes: tuple[str, ...] = ()
    coverage: Coverage = COMPLETE  # objects not evaluated behind hops left undecided
    method: str | None = None  # --method: only the routes that take it are listed



# -- suggest: proposed policies and their proof ------------------------------------------

class ProofStatus(enum.Enum):
    """The outcome of one check of a suggestion's proof."""

    PROVED = "proved"
    FAILED = "failed"
    UNDECIDED = "undecided"  # an object not evaluated, a choice left to the implementation
    SKIPPED = "skipped"  # not asked (no specs given, no --engine smt, ...)


@dataclass(frozen=True, slots=True, kw_only=True)
class IntentFlow:
    """One intended connection: ``src`` to ``dst`` on ``ports``, and where it came from.

    Endpoints are a workload (``ns/name``), a namespace (``ns/*``) or an address range
    (``cidr:10.0.0.0/8``; ``internet`` is ``0.0.0.0/0`` and ``::/0``).
    """

    src: str
    dst: str
    ports: PortSet
    origin: str  # "lock-current", "flows.csv:3", "dns (implied by egress default deny)"


@dataclass(frozen=True, slots=True, kw_only=True)
class SuggestedRule:
    """One rule of a suggested policy: its peers and ports, and the flows it serves."""

    direction: Direction
    peers: tuple[str, ...]  # human descriptions, in the order written
    ports: tuple[str, ...]  # as written: "TCP 8080", "TCP http", "UDP (all ports)", "all"
    flows: tuple[int, ...]  # indexes into SuggestResult.flows


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleEdit:
    """One kept rule narrowed or dropped: the rule before, the rules after, what changes."""

    direction: Direction
    index: int  # spec.<direction>[index] of the policy as it was
    old: str  # "from pods {} in all namespaces; ports all"
    new: tuple[str, ...]  # the rules written in its place (none: dropped)
    lost: tuple[str, ...]  # "b/other -> a/web all ports": flows it admitted and no longer does
    kept: tuple[str, ...]  # flows it admitted and still does


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyEdit:
    """A kept NetworkPolicy edited (its rules narrowed) or deleted (nothing of it needed)."""

    namespace: str
    name: str
    action: str  # "edit" or "delete"
    reason: str
    rules: tuple[RuleEdit, ...]

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SuggestedPolicy:
    """A NetworkPolicy the suggestion adds or edits, as the object written (``manifest``)."""

    namespace: str
    name: str
    purpose: str  # "default-deny", "allow" or "edit" (a kept policy, whole, as edited)
    workload: str | None  # ns/name of the workload it selects (None: the whole namespace)
    selector: tuple[tuple[str, str], ...]  # podSelector matchLabels
    rules: tuple[SuggestedRule, ...]
    manifest: Mapping[str, object]
    edit: PolicyEdit | None = None  # purpose "edit": what changed and why

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ProofCheck:
    """One property of the suggestion checked before it is proposed."""

    name: str  # "intended flows allowed", "other pairs denied", ...
    status: ProofStatus
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Mismatch:
    """A workload pair whose connectivity with the suggestion differs from the intent."""

    src: str
    dst: str
    intended: PortSet
    actual: PortSet
    pairs: int  # pod pairs of the workload pair that differ
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SuggestResult:
    """Policies proposed for an intent, and the proof that they meet it among existing pods.

    ``proved`` is True only when every check proved; ``unmet`` says why an intent cannot
    be met at all (then no policy is proposed as an answer).
    """

    intent: str  # "lock-current", "flows FILE", ...
    replace: bool  # --replace: the touched namespaces' existing policies are dropped
    namespaces: tuple[str, ...]  # touched: default deny in both directions
    flows: tuple[IntentFlow, ...]
    policies: tuple[SuggestedPolicy, ...]
    removed: tuple[str, ...]  # ns/name of existing policies dropped (--replace)
    kept: tuple[str, ...]  # ns/name of existing policies kept in the touched namespaces
    checks: tuple[ProofCheck, ...]
    pod_pairs: int  # ordered pod pairs checked
    workload_pairs: int  # ordered workload pairs checked
    # (namespace, YAML text): exactly what the proof re-read, to print or write per namespace
    documents: tuple[tuple[str, str], ...] = ()
    mismatches: tuple[Mismatch, ...] = ()
    unmet: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    coverage: Coverage = COMPLETE
    edits: tuple[PolicyEdit, ...] = ()  # kept policies edited or deleted (not with --replace)

    @property
    def proved(self) -> bool:
        """Every check proved (or was not asked) and every intent can be met."""
        return not self.unmet and all(
            c.status in (ProofStatus.PROVED, ProofStatus.SKIPPED) for c in self.checks)

    @property
    def failed(self) -> bool:
        """Some check failed or some intent cannot be met: the suggestion is not the intent."""
        return bool(self.unmet) or any(c.status is ProofStatus.FAILED for c in self.checks)


# Every result a query returns: renderers and exit statuses are defined for each.
Result = (CanReachResult | HypotheticalResult | UrlResult | WhoCanReachResult | MatrixResult
          | CheckReport | DiffResult | PathsResult | AuditReport | SuggestResult)
