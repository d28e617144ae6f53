"""Proof before output: the suggestion, re-read as the user will apply it, meets the intent.

The YAML about to be printed is parsed again by the loader and added to the input's
kept policies.  Then, for every ordered pair of existing pods, with the all-pairs
engine (no per-pair solver call):

- *intended flows allowed*: every port of every intended flow is allowed;
- *every other pair denied*: a pair with a side in a touched namespace is allowed
  exactly the intended ports, nothing more, on every port of every protocol;
- *diff before/after*: the pairs whose ports change are exactly the pairs whose ports
  today differ from the intent, and pairs outside the touched namespaces keep theirs
  (the intended flows added to already isolated workloads aside);
- *CNI*: the same, for the cluster as the plugin enforces it (``cni.effective``).

Each check is proved, failed (with the workload pairs that differ and why) or
undecided (cluster-wide policies that leave a pair to the implementation).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from netverify.engines.allpairs import AllPairs, compute_all_pairs
from netverify.loader import load_text
from netverify.model import Cluster, NetworkPolicy, Pod
from netverify.ports import PortSet
from netverify.queries.check import check
from netverify.queries.enforcement import enforced
from netverify.results import Mismatch, ProofCheck, ProofStatus
from netverify.suggest.intent import Intent, Workloads
from netverify.suggest.labels import Choice
from netverify.suggest.pairs import Joint, joints, pair_count, portsets, undecided
from netverify.verdicts import AssertionStatus

SUGGESTION_LABEL = "<suggestion>"


@dataclass(slots=True)
class _Tally:
    """Differences gathered per workload pair, and what was counted."""

    pod_pairs: int = 0
    workload_pairs: set[tuple[str, str]] = field(default_factory=set)
    missing: dict[tuple[str, str], list[object]] = field(default_factory=dict)
    extra: dict[tuple[str, str], list[object]] = field(default_factory=dict)
    changed: int = 0
    changed_wrongly: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))

    def note(self, into: dict[tuple[str, str], list[object]], key: tuple[str, str],
             want: PortSet, got: PortSet, n: int) -> None:
        got_before = into.get(key)
        if got_before is None:
            into[key] = [want, got, n]
        else:
            got_before[2] = int(str(got_before[2])) + n


@dataclass(frozen=True, slots=True, kw_only=True)
class Proof:
    """The checks, the pairs that differ, and how many pairs were checked."""

    checks: tuple[ProofCheck, ...]
    mismatches: tuple[Mismatch, ...]
    pod_pairs: int
    workload_pairs: int
    after: Cluster
    known: tuple[AllPairs, AllPairs]  # the all-pairs results of the input and of ``after``
    beyond: bool = False  # some pair is allowed more than the intent


def reload(base: Cluster, text: str, expected: int) -> Cluster:
    """``base`` with the policies of ``text`` added, read by the loader as a user's file is."""
    loaded = load_text(text, SUGGESTION_LABEL)
    got: tuple[NetworkPolicy, ...] = loaded.policies
    if len(got) != expected:  # what we print is not what we meant: a bug, not bad input
        raise RuntimeError(f"the suggestion reads back as {len(got)} policies, not {expected}")
    return replace(base, policies=(*base.policies, *got))


def prove(before: Cluster, after: Cluster, intent: Intent, workloads: Workloads,
          touched: frozenset[str], selectors: dict[str, Choice], cni: str | None,
          specs: tuple[str, ...] = (), known: tuple[AllPairs | None, AllPairs | None] = (
              None, None)) -> Proof:
    """Check ``after`` (input plus suggestion) against ``intent``; ``before`` is the input.

    With ``specs`` (the intent came from them) ``check`` runs them on ``after`` too.
    ``known`` holds the all-pairs results of ``before`` and ``after`` when computed already.
    """
    ap_before = known[0] or compute_all_pairs(before)
    ap_after = known[1] or compute_all_pairs(after)
    tally = _compare(before.pods, ap_before, ap_after, intent, touched)
    und = undecided(ap_after, 1, joints(before.pods, [ap_before, ap_after]))
    checks = [
        _check("intended flows allowed", tally.missing, und,
               f"every port of the {len(intent.pairs)} intended workload pairs is allowed"
               + (" (each pod pair keeps today's ports)" if intent.locked else "")),
        _check("every other pair denied", tally.extra, und,
               f"{tally.pod_pairs:,} ordered pod pairs checked on every port: none is allowed "
               "beyond the intent"),
        _diff_check(tally, und),
        _cni_check(after, cni, intent, touched, before),
    ]
    if specs:
        checks.append(_specs_check(after, specs))
    mismatches = _mismatches(tally, workloads, selectors, before, touched)
    return Proof(checks=tuple(checks), mismatches=tuple(mismatches), pod_pairs=tally.pod_pairs,
                 workload_pairs=len(tally.workload_pairs), after=after,
                 known=(ap_before, ap_after), beyond=bool(tally.extra))


def expected_ports(a: str, b: str, before: PortSet, intent: Intent, workloads: Workloads,
              touched: frozenset[str]) -> PortSet | None:
    """What the pair must be allowed after: the intent in scope, else today's ports (None).

    With ``--lock-current`` the intent of a pod pair is today's ports (per pod pair, not
    the workload pair's union the rules are written from) plus what other flows add.
    """
    in_scope = workloads.namespace_of(a) in touched or workloads.namespace_of(b) in touched
    if intent.locked:
        more, less = intent.extra.get((a, b)), intent.denied.get((a, b))
        if more is None and less is None and not in_scope:
            return None
        kept = before if less is None else before.difference(less)
        return kept if more is None else kept.union(more)
    want = intent.pairs.get((a, b))
    if in_scope:
        return want or PortSet.empty()
    return None if want is None else before.union(want)


def _compare(pods: tuple[Pod, ...], ap_before: AllPairs, ap_after: AllPairs, intent: Intent,
             touched: frozenset[str]) -> _Tally:
    js = joints(pods, [ap_before, ap_after])
    workloads = _workloads_of(js)
    before_sets = {(i, j): ps for i, j, ps in portsets(ap_before, 0, js)}
    tally = _Tally()
    for i, j, got in portsets(ap_after, 1, js):
        a, b = js[i], js[j]
        n = pair_count(a, b)
        if n == 0:
            continue
        key = (a.group, b.group)
        tally.pod_pairs += n
        tally.workload_pairs.add(key)
        old = before_sets[(i, j)]
        want = expected_ports(a.group, b.group, old, intent, workloads, touched)
        target = old if want is None else want
        if want is not None:
            lacking = want.difference(got)
            beyond = got.difference(want)
            if not lacking.is_empty:
                tally.note(tally.missing, key, want, got, n)
            if not beyond.is_empty:
                tally.note(tally.extra, key, want, got, n)
        if old != got:
            tally.changed += n
            if target != got:
                tally.changed_wrongly[key] += n
    return tally


def _workloads_of(js: list[Joint]) -> Workloads:
    w = Workloads()
    for j in js:
        w.pods.setdefault(j.group, []).extend(j.pods)
    return w


def _check(name: str, bad: dict[tuple[str, str], list[object]], und: bool, ok: str
           ) -> ProofCheck:
    if bad:
        pairs = sum(int(str(v[2])) for v in bad.values())
        return ProofCheck(name=name, status=ProofStatus.FAILED,
                          detail=f"{len(bad)} workload pairs ({pairs:,} pod pairs) differ from "
                                 "the intent (listed below)")
    if und:
        return ProofCheck(name=name, status=ProofStatus.UNDECIDED,
                          detail="cluster-wide policies leave some pairs to the implementation")
    return ProofCheck(name=name, status=ProofStatus.PROVED, detail=ok)


def _diff_check(tally: _Tally, und: bool) -> ProofCheck:
    name = "diff before/after is the intended change"
    if tally.changed_wrongly:
        n = sum(tally.changed_wrongly.values())
        return ProofCheck(name=name, status=ProofStatus.FAILED,
                          detail=f"{n:,} pod pairs change other than intended")
    if und:
        return ProofCheck(name=name, status=ProofStatus.UNDECIDED,
                          detail="cluster-wide policies leave some pairs to the implementation")
    return ProofCheck(name=name, status=ProofStatus.PROVED,
                      detail=f"{tally.changed:,} pod pairs change, each as intended; every "
                             "other pair keeps its ports")


def _cni_check(after: Cluster, cni: str | None, intent: Intent, touched: frozenset[str],
               before: Cluster) -> ProofCheck:
    name = "the CNI enforces what is used"
    plugin = enforced(after, cni)
    if not plugin.changes(after):
        return ProofCheck(name=name, status=ProofStatus.PROVED,
                          detail=f"{plugin.profile.label}: enforces every feature used")
    eff = plugin.cluster
    tally = _compare(before.pods, compute_all_pairs(before), compute_all_pairs(eff), intent,
                     touched)
    said = "; ".join(plugin.notes)
    if tally.missing or tally.extra:
        n = len(set(tally.missing) | set(tally.extra))
        return ProofCheck(name=name, status=ProofStatus.FAILED,
                          detail=f"as {plugin.profile.label} enforces it, {n} workload pairs "
                                 f"differ from the intent ({said})")
    return ProofCheck(name=name, status=ProofStatus.PROVED,
                      detail=f"as {plugin.profile.label} enforces it, every pair still meets the "
                             f"intent ({said})")


def _specs_check(after: Cluster, specs: tuple[str, ...]) -> ProofCheck:
    name = "every spec passes"
    report = check(list(specs), load=lambda _paths: after, manifests=[SUGGESTION_LABEL])
    failed = [r.name for r in report.results if r.status is AssertionStatus.FAIL]
    if failed:
        return ProofCheck(name=name, status=ProofStatus.FAILED,
                          detail=f"{len(failed)} assertions still fail: {', '.join(failed[:5])}")
    if not report.passed:
        return ProofCheck(name=name, status=ProofStatus.UNDECIDED,
                          detail="some assertions are undecided or incomplete")
    return ProofCheck(name=name, status=ProofStatus.PROVED,
                      detail=f"the {len(report.results)} assertions of {', '.join(specs)} pass")


def _mismatches(tally: _Tally, workloads: Workloads, selectors: dict[str, Choice],
                before: Cluster, touched: frozenset[str]) -> list[Mismatch]:
    out = []
    for key in sorted(set(tally.missing) | set(tally.extra)):
        want, got, n = tally.missing.get(key) or tally.extra[key]
        assert isinstance(want, PortSet) and isinstance(got, PortSet)
        out.append(Mismatch(src=key[0], dst=key[1], intended=want, actual=got, pairs=int(str(n)),
                            reason=_why(key, want, got, selectors, before, touched)))
    return out


def _why(key: tuple[str, str], want: PortSet, got: PortSet, selectors: dict[str, Choice],
         before: Cluster, touched: frozenset[str]) -> str:
    a, b = key
    if any(p.group == a and p.host_network for p in before.pods):
        return (f"{a} runs on the host network: its connections carry the node's address, "
                "which no pod or namespace selector matches")
    if any(p.group == b and p.host_network for p in before.pods):
        return (f"{b} runs on the host network: NetworkPolicy does not apply to its "
                "connections")
    fam_a = {f for p in before.pods if p.group == a for f in p.families}
    fam_b = {f for p in before.pods if p.group == b for f in p.families}
    if not fam_a & fam_b:
        return (f"{a} and {b} have no address family in common (IPv4 on one side, IPv6 on "
                "the other): they cannot connect, whatever the policies say")
    for g in (a, b):
        # g's selector picks other workloads, or another workload's selector picks g
        mixed = sorted({*(selectors[g].also if g in selectors else ()),
                        *(h for h, c in selectors.items() if g in c.also)})
        if mixed:
            return (f"no stable label tells {g} apart from {', '.join(mixed)}: their "
                    "selectors pick each other's pods")
    if not got.difference(want).is_empty:
        if before.cluster_policies:
            return ("allowed beyond the intent by cluster-wide policies or kept NetworkPolicies "
                    "(NetworkPolicy cannot deny what an AdminNetworkPolicy allows; --replace "
                    "drops the touched namespaces' own policies)")
        return ("allowed beyond the intent by kept NetworkPolicies or policies of namespaces not "
                "touched (--replace drops the touched namespaces' own policies)")
    return ("intended ports denied by kept policies or cluster-wide policies, which the "
            "suggestion cannot override")
