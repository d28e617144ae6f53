"""``suggest``: least-privilege NetworkPolicies from an intent, proved before they are proposed.

The steps, one module each: the intent as flows (``current`` for ``--lock-current``,
``flows_file`` for a CSV or YAML file), resolved against the cluster (``intent``); a
selector per workload (``labels``); the policies (``synthesis``) and their YAML
(``policy_yaml``); then the proof on the YAML read back (``proof``).  Nothing is proposed
as meeting the intent unless the proof says so: the result carries the checks, and the
exit status follows them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from netverify.deadline import DEFAULT_TIMEOUT_MS
from netverify.model import Cluster, Direction
from netverify.policy_yaml import all_documents, namespace_documents
from netverify.ports import PortSet, Protocol
from netverify.queries.enforcement import enforced
from netverify.results import IntentFlow, SuggestResult
from netverify.suggest.current import current_flows
from netverify.suggest.edits import Edits, minimal_edits
from netverify.suggest.external import (
    Adjust,
    Range,
    cidr_range,
    external_check,
    external_flows,
    side_ranges,
)
from netverify.suggest.general import generalise
from netverify.suggest.hubble import HubbleFlows
from netverify.suggest.intent import LOCKED, Intent, Side, Workloads, build_intent
from netverify.suggest.labels import Choice, choose_selectors
from netverify.suggest.proof import prove, reload
from netverify.suggest.specs_intent import spec_intent
from netverify.suggest.synthesis import DEFAULT_DENY, Synthesis

DNS_NAMESPACE = "kube-system"
DNS_APPS = ("kube-dns", "coredns")
DNS_PORTS = PortSet.from_map({Protocol.UDP: [(53, 53)], Protocol.TCP: [(53, 53)]})
DNS_ABSENT = "kube-system/kube-dns"


def suggest(cluster: Cluster, flows: Sequence[IntentFlow] = (), *, lock_current: bool = False,
            replace_existing: bool = False, namespaces: Sequence[str] = (),
            cni: str | None = None, intent_name: str = "flows",
            observed: Sequence[HubbleFlows] = (), specs: Sequence[str] = (),
            engine: str = "concrete", timeout_ms: int = DEFAULT_TIMEOUT_MS) -> SuggestResult:
    """Propose NetworkPolicies meeting the intent and prove them on the cluster's pods.

    ``flows`` (from a flows file, specs or Hubble) and ``lock_current`` (today's allowed
    connections) together make the intent.  ``namespaces`` are the namespaces to put under
    default deny (default: those of the flows' workloads, or every namespace with pods
    for ``lock_current``).  ``replace_existing`` drops their existing NetworkPolicies.

    >>> suggest(load_cluster(["fixtures/demo"]), lock_current=True)  # doctest: +SKIP

    Raises:
        QueryError: for a flow endpoint naming nothing in the input, or an unknown namespace.
    """
    flows = [*flows, *(f for h in observed for f in h.flows)]
    from_specs = spec_intent(specs, cluster) if specs else None
    if from_specs is not None:
        flows += from_specs.flows
        lock_current = True
    workloads = Workloads.of(cluster)
    touched = _touched(cluster, workloads, flows, lock_current, namespaces)
    profile = enforced(cluster, cni).profile
    unmet: list[str] = [u for h in observed for u in h.unknown]
    denied = from_specs.denied if from_specs is not None else {}
    if from_specs is not None:
        unmet += from_specs.unmet
    notes: list[str] = [n for h in observed for n in h.notes()]
    every = list(flows)
    sides: dict[str, Side] = {}
    outside = Adjust(more=[], less=[(d, cidr_range(c), ps) for c, d, ps in
                                    (from_specs.denied_external if from_specs else [])])
    if lock_current:
        locked, uneven = current_flows(cluster, touched)
        every += [_without(f, denied) for f in locked]
        if uneven and replace_existing:
            unmet += [f"{u}: policies written per workload cannot keep that once the "
                      "policies making the difference are replaced (drop --replace, or give "
                      "the intent in a flows file)" for u in uneven]
        elif uneven:
            notes.append(f"{len(uneven)} workload pairs are allowed different ports pod by pod "
                         "today (ipBlocks naming pod addresses, ...): the rules allow their "
                         "union and the kept policies keep each pod pair as it is (proved "
                         f"below); first: {uneven[0]}")
        kept_out = external_flows(cluster, {g: ps for g, ps in workloads.pods.items()
                                            if workloads.namespace_of(g) in touched},
                                  sides, outside)
        every += kept_out
        notes.append(f"traffic with addresses outside the cluster allowed today is kept: "
                     f"{len(kept_out)} flows, one ipBlock per set of address ranges the "
                     "policies tell apart and ports")
    every += _dns_flows(workloads, touched, lock_current and not flows, sides, notes)
    intent = build_intent([f for f in every if not f.ports.is_empty], cluster, workloads, sides)
    intent.denied = dict(denied)
    base, removed = _base(cluster, touched, replace_existing)
    kept = tuple(p.key for p in base.policies if p.namespace in touched)
    selectors: dict[str, Choice] = {}
    for groups in workloads.by_namespace.values():
        selectors.update(choose_selectors(workloads.pods, groups))
    isolated_all = _isolated(base, workloads, every_pod=True)
    taken = _taken(base)
    synth = Synthesis(cluster=cluster, workloads=workloads, intent=intent, selectors=selectors,
                      touched=touched, isolated=_isolated(base, workloads, every_pod=False),
                      isolated_all=isolated_all, profile=profile, used_names=_copy(taken))
    policies = tuple(synth.run())
    flows_t = tuple(intent.flows)
    documents = namespace_documents(policies, flows_t)
    after = reload(base, all_documents(documents), len(policies))
    proof = prove(cluster, after, intent, workloads, touched, selectors, cni, tuple(specs))
    edits = Edits()
    if proof.beyond and not replace_existing:
        edits = minimal_edits(base, proof.known, intent, workloads, touched, synth)
    if edits.records:
        # Written again: a workload an edit took intended ports from gets them from rules
        # of its own (kept policies no longer allow exactly today's connections there).
        synth = replace(synth, notes=[], subjects={}, used_names=_copy(taken),
                        isolated_all={g: d for g, d in isolated_all.items()
                                      if g not in edits.short})
        policies = (*synth.run(), *edits.policies)
        documents = namespace_documents(policies, flows_t)
        base = replace(base, policies=tuple(p for p in base.policies
                                            if p.key not in edits.replaced))
        gone = {e.key for e in edits.records if e.action == "delete"}
        kept = tuple(k for k in kept if k not in gone)
        after = reload(base, all_documents(documents), len(policies))
        proof = prove(cluster, after, intent, workloads, touched, selectors, cni,
                      tuple(specs), (proof.known[0], None))
    unmet += _unmeetable(intent, workloads)
    checks = proof.checks
    if lock_current:
        outside.more = _outside_flows(intent)
        checks = (*checks, external_check(
            cluster, proof.after, [p for g, ps in workloads.pods.items()
                                   if workloads.namespace_of(g) in touched for p in ps],
            outside))
    if engine == "smt":
        checks = (*checks, *generalise(proof.after, intent, workloads, touched, timeout_ms))
    return SuggestResult(
        intent=intent_name if not lock_current else
        ("lock-current" if not flows else f"lock-current + {intent_name}"),
        replace=replace_existing, namespaces=tuple(sorted(touched)), flows=flows_t,
        policies=policies, removed=removed, kept=kept, checks=checks,
        pod_pairs=proof.pod_pairs, workload_pairs=proof.workload_pairs, documents=documents,
        mismatches=proof.mismatches, unmet=tuple(unmet), notes=(*notes, *synth.notes),
        coverage=cluster.coverage, edits=tuple(edits.records))


def _taken(base: Cluster) -> defaultdict[str, set[str]]:
    """The names of the kept policies, per namespace: a suggested name must avoid them.

    ``kubectl apply`` of a policy named like a kept one replaces it, while the proof
    adds the suggestion to the kept policies: the two would differ.  A kept default deny
    with netverify's name and content is the exception (replaced by its equal).
    """
    out: defaultdict[str, set[str]] = defaultdict(set)
    for p in base.policies:
        if not (p.name == DEFAULT_DENY and p.pod_selector.is_empty and not p.ingress
                and not p.egress and p.policy_types == {Direction.INGRESS, Direction.EGRESS}):
            out[p.namespace].add(p.name)
    return out


def _copy(names: defaultdict[str, set[str]]) -> defaultdict[str, set[str]]:
    return defaultdict(set, {ns: set(v) for ns, v in names.items()})


def _outside_flows(intent: Intent) -> list[tuple[Direction, str, tuple[Range, ...], PortSet]]:
    """The flows with an address range on one side, other than today's (as ``Adjust.more``)."""
    out = []
    for f in intent.flows:
        if f.origin == LOCKED:
            continue
        s, d = intent.side(f.src), intent.side(f.dst)
        if s.kind == "external":
            out += [(Direction.INGRESS, g, side_ranges(s), f.ports) for g in d.groups]
        elif d.kind == "external":
            out += [(Direction.EGRESS, g, side_ranges(d), f.ports) for g in s.groups]
    return out


def _without(f: IntentFlow, denied: dict[tuple[str, str], PortSet]) -> IntentFlow:
    """A flow of today's connections, the ports a spec's ``expect: deny`` forbids taken out."""
    less = denied.get((f.src, f.dst))
    return f if less is None else replace(f, ports=f.ports.difference(less))


def _touched(cluster: Cluster, workloads: Workloads, flows: Sequence[IntentFlow],
             lock_current: bool, namespaces: Sequence[str]) -> frozenset[str]:
    from netverify.errors import QueryError
    from netverify.suggest.intent import resolve_in

    for ns in namespaces:
        if ns not in cluster.namespaces:
            raise QueryError(f"unknown namespace {ns!r}",
                             hint=f"known: {', '.join(sorted(cluster.namespaces)[:10])}")
    if namespaces:
        return frozenset(namespaces)
    if lock_current:
        return frozenset(workloads.by_namespace)
    out = set()
    for f in flows:
        for text in (f.src, f.dst):
            side = resolve_in(f, text, cluster, workloads)
            if side.namespace is not None:
                out.add(side.namespace)
    return frozenset(out)


def _dns_flows(workloads: Workloads, touched: frozenset[str], locked_only: bool,
               sides: dict[str, Side], notes: list[str]) -> list[IntentFlow]:
    """DNS egress for every namespace put under egress default deny.

    With the cluster DNS among the input's pods the flows go to its workload (and are
    part of the proof).  Without it they go to the usual ``k8s-app: kube-dns`` pods of
    kube-system, which no pod of the input is, so they change no checked pair.  With
    ``--lock-current`` alone and the DNS in the input, today's connections decide.
    """
    dns = [g for g in workloads.by_namespace.get(DNS_NAMESPACE, ())
           if any(p.labels.get("k8s-app") in DNS_APPS or g.endswith(("/coredns", "/kube-dns"))
                  for p in workloads.pods[g])]
    if dns and locked_only:
        notes.append("DNS: the cluster DNS is in the input, so --lock-current keeps exactly the "
                     "DNS connections allowed today")
        return []
    if not dns:
        sides[DNS_ABSENT] = Side(text=DNS_ABSENT, kind="dns", namespace=DNS_NAMESPACE)
        dns = [DNS_ABSENT]
    out = []
    for ns in sorted(touched):
        for d in dns:
            out.append(IntentFlow(src=f"{ns}/*", dst=d, ports=DNS_PORTS,
                                  origin=f"dns: implied by the egress default deny of {ns}"))
    return out


def _base(cluster: Cluster, touched: frozenset[str], replace_existing: bool
          ) -> tuple[Cluster, tuple[str, ...]]:
    if not replace_existing:
        return cluster, ()
    removed = tuple(p.key for p in cluster.policies if p.namespace in touched)
    kept = tuple(p for p in cluster.policies if p.namespace not in touched)
    return replace(cluster, policies=kept), removed


def _isolated(cluster: Cluster, workloads: Workloads, *, every_pod: bool
              ) -> dict[str, frozenset[Direction]]:
    """The directions kept policies isolate some (or ``every_pod``) pod of each workload in."""
    out: dict[str, set[Direction]] = {}
    for g, pods in workloads.pods.items():
        mine = [pol for pol in cluster.policies if pol.namespace == pods[0].namespace]
        for d in Direction:
            hit = [any(d in pol.policy_types and pol.pod_selector.matches(p.labels)
                       for pol in mine) for p in pods]
            if all(hit) if every_pod else any(hit):
                out.setdefault(g, set()).add(d)
    return {g: frozenset(d) for g, d in out.items()}


def _unmeetable(intent: Intent, workloads: Workloads) -> list[str]:
    """Flows no NetworkPolicy can admit exactly: from pods with the node's address."""
    out = []
    for f in intent.flows:
        side = intent.side(f.src)
        for g in side.groups:
            if f.origin != "lock-current" and any(p.host_network for p in workloads.pods[g]):
                out.append(f"{f.src} -> {f.dst} ({f.origin}): {g} runs on the host network, so "
                           "its connections carry the node's address; no pod or namespace "
                           "selector names it, only an ipBlock of the nodes' addresses")
                break
    return out
