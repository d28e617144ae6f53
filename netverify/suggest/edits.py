"""Minimal edits of kept NetworkPolicies: narrow the rules that admit what the intent does not.

NetworkPolicy is additive: a side allows a connection when any policy selecting the pod
allows it, so no added policy takes back what a kept rule admits.  When the additions
leave a pair of existing pods allowed ports beyond the intent, the kept rules admitting
the excess are found (on the destination's side when its namespace is touched, else on
the source's: one side is enough to deny) and rewritten:

- a peer (a ``from``/``to`` entry) through which nothing unintended passes stays as written;
- one through which something does is replaced by one peer per workload it matched, on
  the ports every pod pair of that workload still needs from what the rule admitted
  (none: the workload is left out); peers with the same ports make one rule;
- a rule left with no peer is dropped, a policy left with no rule deleted (its namespace
  is under the suggestion's default deny, so its isolation is not needed).

Everything else of the policy stays as written (``kept_manifest``).  ipBlock peers are not
narrowed: what they admit from outside the cluster is not a pod pair the proof sees, so
the proof reports what they still admit instead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from netverify.engines.allpairs import AllPairs
from netverify.engines.concrete import Evaluator, ports_of_rule
from netverify.model import Cluster, Direction, NetworkPolicy, Pod, Rule
from netverify.ports import PortSet
from netverify.results import PolicyEdit, RuleEdit, SuggestedPolicy
from netverify.suggest.intent import Intent, Side, Workloads
from netverify.suggest.kept_manifest import policy_object
from netverify.suggest.pairs import joints, pair_count, portsets
from netverify.suggest.proof import expected_ports
from netverify.suggest.synthesis import Synthesis, peer_text, port_text

Pair = tuple[int, int]  # (source joint, destination joint)


@dataclass(slots=True)
class Edits:
    """The kept policies edited (whole, to apply) or deleted, and what the additions owe."""

    policies: list[SuggestedPolicy] = field(default_factory=list)
    records: list[PolicyEdit] = field(default_factory=list)
    # workloads an edit took intended ports from: the additions must serve them in full
    short: set[str] = field(default_factory=set)

    @property
    def replaced(self) -> frozenset[str]:
        """``ns/name`` of every kept policy edited or deleted."""
        return frozenset(e.key for e in self.records)


@dataclass(slots=True)
class _Pairs:
    """Every pod pair's target ports and the excess the additions leave, per joint pair."""

    joint_of: dict[str, int]
    target: dict[Pair, PortSet]
    excess: dict[Pair, PortSet]
    side: dict[Pair, Direction]  # the side whose kept rules are edited for the pair


def _pairs(ap_b: AllPairs, ap_a: AllPairs, before: Cluster, intent: Intent,
           workloads: Workloads, touched: frozenset[str]) -> _Pairs:
    js = joints(before.pods, [ap_b, ap_a])
    old = {(i, j): ps for i, j, ps in portsets(ap_b, 0, js)}
    out = _Pairs(joint_of={p.key: k for k, j in enumerate(js) for p in j.pods},
                 target={}, excess={}, side={})
    for i, j, got in portsets(ap_a, 1, js):
        if pair_count(js[i], js[j]) == 0:
            continue
        want = expected_ports(js[i].group, js[j].group, old[(i, j)], intent, workloads, touched)
        t = old[(i, j)] if want is None else want
        out.target[(i, j)] = t
        extra = got.difference(t)
        if extra.is_empty:
            continue
        src, dst = js[i].pods[0], js[j].pods[0]
        if dst.namespace in touched and not dst.host_network:
            out.side[(i, j)] = Direction.INGRESS
        elif src.namespace in touched and not src.host_network:
            out.side[(i, j)] = Direction.EGRESS
        else:
            continue
        out.excess[(i, j)] = extra
    return out


def minimal_edits(before: Cluster, known: tuple[AllPairs, AllPairs], intent: Intent,
                  workloads: Workloads, touched: frozenset[str], synth: Synthesis) -> Edits:
    """Edits of ``before``'s policies in ``touched`` so that, with them, no excess is admitted.

    ``known`` holds the all-pairs results of ``before`` and of ``before`` plus the
    additions; ``synth`` writes the new peers and ports as the additions are written.
    """
    pairs = _pairs(known[0], known[1], before, intent, workloads, touched)
    out = Edits()
    if not pairs.excess:
        return out
    ev = Evaluator(before)
    for pol in before.policies:
        if pol.namespace not in touched:
            continue
        edited = _Policy(pol, ev, pairs, workloads, synth, out.short).run()
        if edited is not None:
            out.records.append(edited[0])
            if edited[1] is not None:
                out.policies.append(edited[1])
    return out


@dataclass(slots=True)
class _Policy:
    """One kept policy's rules, each checked for excess and narrowed."""

    pol: NetworkPolicy
    ev: Evaluator
    pairs: _Pairs
    workloads: Workloads
    synth: Synthesis
    short: set[str]

    def run(self) -> tuple[PolicyEdit, SuggestedPolicy | None] | None:
        obj = policy_object(self.pol)
        spec = obj.setdefault("spec", {})
        rule_edits: list[RuleEdit] = []
        excess_seen: list[str] = []
        for d in (Direction.INGRESS, Direction.EGRESS):
            subjects = self._subjects(d)
            raw_rules = spec.get(d.field) or []
            written: list[Any] = []
            for k, raw in enumerate(raw_rules):
                rule = next((r for r in self.pol.rules(d) if r.index == k), None)
                got = None if rule is None or not subjects else \
                    self._narrow(rule, raw, subjects, excess_seen)
                if got is None:
                    written.append(raw)
                    continue
                new_rules, record = got
                written.extend(new_rules)
                rule_edits.append(record)
            if raw_rules:
                spec[d.field] = written
        if not rule_edits:
            return None
        left = any(spec.get(d.field) for d in Direction)
        reason = (f"admits what the intent does not: {', '.join(excess_seen[:3])}"
                  + (f" (+{len(excess_seen) - 3})" if len(excess_seen) > 3 else ""))
        action = "edit" if left else "delete"
        if not left:
            reason += "; no rule is left and the namespace's default deny isolates its pods"
        pe = PolicyEdit(namespace=self.pol.namespace, name=self.pol.name, action=action,
                        reason=reason, rules=tuple(rule_edits))
        if not left:
            return pe, None
        for d in Direction:
            if d.field in spec and not spec[d.field]:
                spec[d.field] = []
        return pe, SuggestedPolicy(namespace=self.pol.namespace, name=self.pol.name,
                                   purpose="edit", workload=None, selector=(), rules=(),
                                   manifest=obj, edit=pe)

    def _subjects(self, d: Direction) -> list[Pod]:
        if d not in self.pol.policy_types:
            return []
        return [p for g in self.workloads.by_namespace.get(self.pol.namespace, ())
                for p in self.workloads.pods[g]
                if not p.host_network and self.pol.pod_selector.matches(p.labels)]

    def _pair(self, d: Direction, x: Pod, y: Pod) -> tuple[Pod, Pod, Pair] | None:
        """(source, destination, joint pair) of subject ``x`` with peer ``y``."""
        s, t = (y, x) if d is Direction.INGRESS else (x, y)
        if s.key == t.key and not s.is_template:
            return None
        return s, t, (self.pairs.joint_of[s.key], self.pairs.joint_of[t.key])

    def _narrow(self, rule: Rule, raw: Any, subjects: list[Pod], seen: list[str]
                ) -> tuple[list[Any], RuleEdit] | None:
        d = rule.direction
        peers: list[Any] = list(rule.peers) if rule.peers is not None else [None]
        matched: dict[int, list[Pod]] = {}
        bad: list[int] = []
        for k, peer in enumerate(peers):
            ys = [y for y in self.ev.cluster.pods if (peer is None and not y.host_network)
                  or (peer is not None and self.ev.peer_matches(self.pol, peer, y))]
            matched[k] = ys
            if peer is not None and peer.ip_block is not None:
                continue  # not narrowed: see the module's docstring
            if self._admits_excess(rule, d, subjects, ys, seen):
                bad.append(k)
        if not bad:
            return None
        return self._rewrite(rule, raw, subjects, peers, matched, bad)

    def _admits_excess(self, rule: Rule, d: Direction, subjects: list[Pod], ys: list[Pod],
                       seen: list[str]) -> bool:
        hit = False
        for x in subjects:
            for y in ys:
                got = self._pair(d, x, y)
                if got is None:
                    continue
                s, t, jp = got
                extra = self.pairs.excess.get(jp)
                if extra is None or self.pairs.side[jp] is not d:
                    continue
                over = ports_of_rule(rule, t).intersection(extra)
                if not over.is_empty:
                    text = f"{s.group} -> {t.group} {over}"
                    if text not in seen:
                        seen.append(text)
                    hit = True
        return hit

    def _rewrite(self, rule: Rule, raw: Any, subjects: list[Pod], peers: list[Any],
                 matched: dict[int, list[Pod]], bad: list[int]
                 ) -> tuple[list[Any], RuleEdit]:
        d = rule.direction
        old_flows, new_flows = self._flows_through(rule, subjects, matched, bad)
        by_ports = self._workload_peers(rule, subjects, matched, bad, new_flows)
        out: list[Any] = []
        new_text: list[str] = []
        kept_peers = [k for k in range(len(peers)) if k not in bad and peers[k] is not None]
        if kept_peers:
            narrowed = dict(raw)
            narrowed[d.peers_field] = [raw[d.peers_field][peers[k].index] for k in kept_peers]
            out.append(narrowed)
            new_text.append(_rule_text(d, [peers[k].describe() for k in kept_peers],
                                       [p.describe() for p in rule.ports or ()]))
        for rendered, ps in sorted(by_ports.items(), key=lambda kv: repr(kv[0])):
            new: dict[str, Any] = {d.peers_field: ps}
            if rendered:
                new["ports"] = [_port_entry(p) for p in rendered]
            out.append(new)
            new_text.append(_rule_text(d, [peer_text(p) for p in ps],
                                       [port_text(p) for p in rendered]))
        self._owe(rule, subjects, matched, bad, new_flows)
        lost, kept = _flow_texts(old_flows, new_flows)
        if rule.peers is None:
            lost.append("addresses outside the cluster: all they were admitted")
        old_text = _rule_text(d, [p.describe() for p in rule.peers]
                              if rule.peers is not None else [],
                              [p.describe() for p in rule.ports or ()])
        return out, RuleEdit(direction=d, index=rule.index, old=old_text, new=tuple(new_text),
                             lost=tuple(lost), kept=tuple(kept))

    def _flows_through(self, rule: Rule, subjects: list[Pod], matched: dict[int, list[Pod]],
                       bad: list[int]) -> tuple[dict[tuple[str, str], PortSet],
                                                dict[tuple[str, str], PortSet]]:
        """Per workload pair: what the rule admits, and what its peers left as written do."""
        old: dict[tuple[str, str], PortSet] = defaultdict(PortSet.empty)
        new: dict[tuple[str, str], PortSet] = defaultdict(PortSet.empty)
        for k, ys in matched.items():
            for x in subjects:
                for y in ys:
                    got = self._pair(rule.direction, x, y)
                    if got is None:
                        continue
                    key = (got[0].group, got[1].group)
                    ps = ports_of_rule(rule, got[1])
                    old[key] = old[key].union(ps)
                    if k not in bad:
                        new[key] = new[key].union(ps)
        return old, new

    def _workload_peers(self, rule: Rule, subjects: list[Pod], matched: dict[int, list[Pod]],
                        bad: list[int], new_flows: dict[tuple[str, str], PortSet]
                        ) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
        """The peers replacing the narrowed ones: per rendered ports, one peer per workload."""
        d = rule.direction
        through = [y for k in bad for y in matched[k]]
        by_ports: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for g in sorted({y.group for y in through}):
            keep = self._keep(rule, subjects, g, through)
            if keep.is_empty:
                continue
            dst = subjects if d is Direction.INGRESS else self.workloads.pods[g]
            side = Side(text=g, kind="workload", namespace=self.workloads.namespace_of(g),
                        groups=(g,))
            group = by_ports.setdefault(self.synth.render_ports(keep, dst), [])
            for p in self.synth.peers_of(side, self.pol.namespace):
                if p not in group:
                    group.append(p)
            for x in subjects:
                for y in self.workloads.pods[g]:
                    got = self._pair(d, x, y)
                    if got is not None:
                        key = (got[0].group, got[1].group)
                        new_flows[key] = new_flows[key].union(keep)
        return by_ports

    def _keep(self, rule: Rule, subjects: list[Pod], g: str, ys: list[Pod]) -> PortSet:
        """Ports every pod pair of ``subjects`` with workload ``g`` needs and the rule admits."""
        through = {y.key for y in ys}
        keep: PortSet | None = None
        for x in subjects:
            for y in self.workloads.pods[g]:
                got = self._pair(rule.direction, x, y)
                if got is None:
                    continue
                _, t, jp = got
                admit = ports_of_rule(rule, t) if y.key in through else PortSet.empty()
                need = admit.intersection(self.pairs.target.get(jp, PortSet.empty()))
                keep = need if keep is None else keep.intersection(need)
                if keep.is_empty:
                    return keep
        return keep or PortSet.empty()

    def _owe(self, rule: Rule, subjects: list[Pod], matched: dict[int, list[Pod]],
             bad: list[int], new_flows: dict[tuple[str, str], PortSet]) -> None:
        """Note the subjects whose intended ports through this rule the edit gave up."""
        for k in bad:
            for x in subjects:
                for y in matched[k]:
                    got = self._pair(rule.direction, x, y)
                    if got is None:
                        continue
                    s, t, jp = got
                    need = ports_of_rule(rule, t).intersection(
                        self.pairs.target.get(jp, PortSet.empty()))
                    if not need.difference(new_flows[(s.group, t.group)]).is_empty:
                        self.short.add(x.group)


def _port_entry(p: tuple[str, int | str | None, int | None]) -> dict[str, Any]:
    out: dict[str, Any] = {"protocol": p[0]}
    if p[1] is not None:
        out["port"] = p[1]
    if p[2] is not None:
        out["endPort"] = p[2]
    return out


def _rule_text(d: Direction, peers: list[str], ports: list[str]) -> str:
    word = "from" if d is Direction.INGRESS else "to"
    return (f"{d.value} {word} {'; '.join(peers) if peers else 'every peer'}, "
            f"ports {', '.join(ports) if ports else 'all'}")


def _flow_texts(old: dict[tuple[str, str], PortSet], new: dict[tuple[str, str], PortSet]
                ) -> tuple[list[str], list[str]]:
    lost, kept = [], []
    for (a, b), ps in sorted(old.items()):
        now = new.get((a, b), PortSet.empty()).intersection(ps)
        gone = ps.difference(now)
        if not gone.is_empty:
            lost.append(f"{a} -> {b} {gone}")
        if not now.is_empty:
            kept.append(f"{a} -> {b} {now}")
    return lost, kept
