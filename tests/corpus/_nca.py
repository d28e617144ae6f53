"""Support code for ``test_nca.py``: the NCA corpus, read at run time, never copied.

The corpus (``../shared/corpus/nca``, see its README) holds IBM Network Config
Analyzer (NCA) scheme files.  A scheme names a topology (``namespaceList``,
``podList``, ``resourceList``; paths relative to the scheme file), network
configs (``networkConfigList``: sets of policy files) and queries with expected
outputs.  This module:

* finds the queries the suite compares (``connectivity_cases``,
  ``semantic_diff_cases``, ``equivalence_cases``) and loads their configs with
  netverify's public loader;
* maps netverify's pods to NCA's view of them (``Endpoint``): NCA reports a pod
  under its first ownerReference (workload id ``ns/owner[Kind]``; the owner name
  in fw-rules pod lists), a workload's generated replicas as ``<workload>-1`` and
  ``<workload>-2``, and keeps at most two pods of one namespace, workload and label
  set (``TopologyObjectsFinder.PodsFinder._add_peer``);
* expands NCA's rules into a ``Relation`` (pod pair -> ports; per pod and
  direction, external IP coverage) over those endpoints, computes the same
  relation with netverify (``compute_all_pairs`` or the pair-by-pair
  ``Evaluator`` for pods; the ``Evaluator`` on ranges split at ipBlock boundaries
  for external addresses) and lists the differences.

What is not compared, and why:

* pairs of pods of one NCA workload, including a pod and itself: NCA never
  reports an edge from a workload to itself, even between two replicas (the
  equivalence test, which needs no NCA output, does compare them);
* external -> external; IPv6 unless the expected output mentions it (NCA's
  ``excludeIPv6Range`` defaults to true);
* pods NCA invents: its "live simulation" pods (``kube-dns-livesim``) stand for
  cluster components NCA adds from its own manifests; they are not in the input;
* with ``fwRulesFilterSystemNs``, pairs inside ``*-system`` namespaces and their
  pods' external connections (NCA drops such rules from its output).

NCA models ``hostNetwork`` pods as ordinary pods; netverify does not.
``nca_model`` applies NCA's choice to a loaded model (never to netverify's code)
so that the policy semantics can be compared exactly.  NCA's ipBlocks never match
pods, while netverify matches the pod IPs it knows; no compared result depends on
that, so it needs no emulation.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

from netverify.engines.allpairs import compute_all_pairs
from netverify.engines.concrete import Evaluator, External
from netverify.ipblocks import IPv4, IPv6, format_range
from netverify.loader import load_cluster
from netverify.loader.documents import RawObject, read_objects
from netverify.model import DEFAULT_NAMESPACE, WORKLOAD_KINDS, Cluster, Direction, Pod
from netverify.ports import PortSet

from ._nca_format import (
    DiffBlock,
    IPsSide,
    NcaFormatError,
    PodsSide,
    Rule,
    WorkloadSide,
    parse_fw_rules_output,
    parse_no_fw_rules_output,
    parse_semantic_diff_output,
    portset_minus,
)

# <repo>/tests/corpus/_nca.py -> parents[2] is the repository root.
REPO_ROOT = Path(__file__).resolve().parents[2]
NCA_ROOT = REPO_ROOT.parent / "shared" / "corpus" / "nca"
NCA_TESTS = NCA_ROOT / "tests"
BAD_PATH_DIR = NCA_TESTS / "k8s_testcases" / "network-policy-checks-bad-path"
BAD_PATH_SCHEME = BAD_PATH_DIR / "network-policy-check-bad-path-scheme.yaml"

FULL_RANGE = {IPv4: (0, 2**32 - 1), IPv6: (0, 2**128 - 1)}

Engine = Literal["allpairs", "concrete"]


def corpus_available() -> bool:
    return BAD_PATH_SCHEME.is_file() and (NCA_TESTS / "fw_rules_tests").is_dir()


def rel(path: Path) -> str:
    """A corpus path relative to ``nca/tests`` (for ids and messages)."""
    try:
        return path.resolve().relative_to(NCA_TESTS.resolve()).as_posix()
    except ValueError:
        return str(path)


# -- schemes and configs ---------------------------------------------------------------


@cache
def read_scheme(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path}: scheme is not a mapping"
    return data


def _as_list(v: Any) -> list[str]:
    if v is None:
        return []
    return [v] if isinstance(v, str) else [str(x) for x in v]


def _holds_no_objects(path: Path) -> bool:
    """A file that is just ``[]`` (``poc_ns_list.json``), which NCA reads as holding nothing.

    netverify rejects a top-level list that is not a ``kind: List`` ("is a list, not a
    Kubernetes object"); such a file is left out of the inputs instead.
    """
    if not path.is_file() or path.stat().st_size > 64:
        return False
    try:
        return bool(yaml.safe_load(path.read_text(encoding="utf-8")) == [])
    except yaml.YAMLError:
        return False


def _config_entry(scheme_path: Path, config: str) -> dict[str, Any]:
    for entry in read_scheme(scheme_path).get("networkConfigList") or []:
        if entry.get("name") == config:
            return dict(entry)
    raise KeyError(f"{rel(scheme_path)}: no network config {config!r}")


def _topology_names(scheme_path: Path, config: str) -> tuple[tuple[str, ...], ...]:
    scheme, entry = read_scheme(scheme_path), _config_entry(scheme_path, config)
    return (
        *(tuple(_as_list(entry[k] if k in entry else scheme.get(k)))
          for k in ("namespaceList", "podList")),
        tuple(_as_list(scheme.get("resourceList"))),
        tuple(_as_list(entry.get("resourceList"))),
    )


def config_paths(scheme_path: Path, config: str) -> list[Path]:
    """Topology and policy files of one network config, as NCA reads them.

    A config's own ``namespaceList``/``podList`` replace the scheme's; its
    ``networkPolicyList``/``resourceList`` add to the topology.
    """
    ns_files, pod_files, scheme_res, config_res = _topology_names(scheme_path, config)
    policies = _as_list(_config_entry(scheme_path, config).get("networkPolicyList"))
    out: list[Path] = []
    for name in (*ns_files, *pod_files, *scheme_res, *policies, *config_res):
        p = (scheme_path.parent / name).resolve()
        if p not in out and not _holds_no_objects(p):
            out.append(p)
    return out


@cache
def load_config(scheme_path: Path, config: str) -> Cluster:
    return load_cluster([str(p) for p in config_paths(scheme_path, config)])


def same_topology(scheme_path: Path, configs: Iterable[str]) -> bool:
    """Whether the configs read the same namespace, pod and resource files."""
    return len({_topology_names(scheme_path, c) for c in configs}) == 1


def select_policy(cluster: Cluster, ns: str, name: str) -> Cluster:
    """The cluster with only one of its policies."""
    pols = tuple(p for p in cluster.policies if p.namespace == ns and p.name == name)
    assert pols, f"no policy {ns}/{name}"
    return dataclasses.replace(cluster, policies=pols)


def config_set(scheme_path: Path, ref: str) -> tuple[str, Cluster]:
    """A query's config set: ``<config>``, or one policy ``<config>/<ns>/<policy>``
    (``<config>/K8sNetworkPolicy/<ns>/<policy>``).  Returns the config name and cluster."""
    parts = ref.split("/")
    cluster = load_config(scheme_path, parts[0])
    if len(parts) == 1:
        return parts[0], cluster
    if len(parts) == 4:
        assert parts[1] == "K8sNetworkPolicy", f"{ref}: only K8s NetworkPolicies are modelled"
        parts = [parts[0], parts[2], parts[3]]
    assert len(parts) == 3, f"unrecognised config set {ref!r}"
    return parts[0], select_policy(cluster, parts[1], parts[2])


def nca_model(cluster: Cluster) -> Cluster:
    """The loaded model with NCA's choice for hostNetwork pods: ordinary pods."""
    pods = tuple(dataclasses.replace(p, host_network=False) for p in cluster.pods)
    return dataclasses.replace(cluster, pods=pods)


def host_network_pods(cluster: Cluster) -> set[str]:
    return {p.key for p in cluster.pods if p.host_network}


# -- NCA's view of the pods --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A netverify pod and what NCA calls it."""

    key: str  # netverify pod key, ns/name
    namespace: str
    names: frozenset[str]  # the names NCA may print for it in a pod list
    workload: str  # NCA's id: ns/owner[Kind], ns/name[Pod] or ns/workload[Deployment] ...
    labels: Mapping[str, str] = field(compare=False)
    template: bool = False  # netverify's representative of a workload's replicas


def _first_owner(meta: Any) -> tuple[str, str] | None:
    refs = meta.get("ownerReferences") if isinstance(meta, dict) else None
    if isinstance(refs, list) and refs and isinstance(refs[0], dict) and refs[0].get("name"):
        return str(refs[0].get("kind") or ""), str(refs[0]["name"])
    return None


@cache
def _raw_objects(path: Path) -> tuple[RawObject, ...]:
    return tuple(read_objects([str(path)]))


@cache
def endpoints(scheme_path: Path, config: str) -> tuple[Endpoint, ...]:
    """The pods NCA knows for a config, in input order, with NCA's names and workload ids."""
    cluster = load_config(scheme_path, config)
    by_key = {p.key: p for p in cluster.pods}
    out: list[Endpoint] = []
    seen_forms: dict[tuple[object, ...], int] = defaultdict(int)
    for raw in (r for p in config_paths(scheme_path, config) for r in _raw_objects(p)):
        kind = raw.data.get("kind")
        meta = raw.data.get("metadata") or {}
        ns = meta.get("namespace") or DEFAULT_NAMESPACE
        pod = by_key.get(f"{ns}/{meta.get('name')}")
        if pod is None or kind not in ("Pod", *WORKLOAD_KINDS) or pod.kind != kind:
            continue  # not a pod netverify models (a policy, a service, a replaced template)
        if kind == "Pod":
            owner = _first_owner(meta)
            if owner is None:
                workload, names = f"{ns}/{pod.name}[Pod]", {pod.name}
            else:
                workload, names = f"{ns}/{owner[1]}[{owner[0] or 'Pod'}]", {pod.name, owner[1]}
        else:
            workload = f"{ns}/{pod.name}[{kind}]"
            names = {pod.name, f"{pod.name}-1", f"{pod.name}-2"}
        form = (ns, workload, tuple(sorted(pod.labels.items())))
        seen_forms[form] += 1
        if seen_forms[form] > 2:
            continue  # NCA keeps two pods per (namespace, workload, labels)
        out.append(Endpoint(key=pod.key, namespace=ns, names=frozenset(names),
                            workload=workload, labels=pod.labels, template=pod.is_template))
    kept = {e.key for e in out}
    lost = [k for k in by_key if k not in kept and not _isomorphic(by_key[k], out)]
    assert not lost, f"pods netverify models that the endpoint mapping lost: {lost}"
    return tuple(out)


def _isomorphic(pod: Pod, kept: Sequence[Endpoint]) -> bool:
    return any(e.namespace == pod.namespace and dict(e.labels) == dict(pod.labels)
               for e in kept)


def is_livesim(name: str) -> bool:
    """NCA's "live simulation" pods (``kube-dns-livesim`` ...): stand-ins NCA adds from its
    own ``LiveSim`` manifests when policies refer to cluster DNS, an ingress controller or an
    Istio gateway.  They are not in the input, so netverify cannot know them."""
    return "-livesim" in name


def is_system_ns(ns: str) -> bool:
    """NCA's ``fwRulesFilterSystemNs`` drops rules within, or between an IP block and, one
    namespace named ``*-system`` (``FWRule.should_rule_be_filtered_out``)."""
    return ns.endswith("-system")


# -- relations --------------------------------------------------------------------------

Pieces = tuple[tuple[int, int, PortSet], ...]  # disjoint sorted (lo, hi, ports), non-empty only
PairKey = tuple[str, str]
ExternalKey = tuple[str, Direction, int]  # (pod key, direction, address family)


def normalize_pieces(pieces: Iterable[tuple[int, int, PortSet]]) -> Pieces:
    """Union overlapping pieces, merge adjacent equal ones, drop empty ones."""
    items = [(lo, hi, ps) for lo, hi, ps in pieces if not ps.is_empty]
    if not items:
        return ()
    cuts = sorted({lo for lo, _, _ in items} | {hi + 1 for _, hi, _ in items})
    out: list[tuple[int, int, PortSet]] = []
    for a, b in itertools.pairwise(cuts):
        ps = PortSet.empty()
        for lo, hi, p in items:
            if lo <= a and b - 1 <= hi:
                ps = ps.union(p)
        if ps.is_empty:
            continue
        if out and out[-1][1] == a - 1 and out[-1][2] == ps:
            out[-1] = (out[-1][0], b - 1, ps)
        else:
            out.append((a, b - 1, ps))
    return tuple(out)


def _minus_pieces(a: Pieces, b: Pieces) -> Pieces:
    cuts = sorted({x for lo, hi, _ in (*a, *b) for x in (lo, hi + 1)})
    out = []
    for lo, end in itertools.pairwise(cuts):
        pa = next((p for l2, h2, p in a if l2 <= lo and end - 1 <= h2), PortSet.empty())
        pb = next((p for l2, h2, p in b if l2 <= lo and end - 1 <= h2), PortSet.empty())
        out.append((lo, end - 1, portset_minus(pa, pb)))
    return normalize_pieces(out)


@dataclass
class Relation:
    """Allowed connections: pod pairs, and per (pod, direction, family) external coverage.

    ``Direction.INGRESS`` holds connections from external addresses to the pod,
    ``Direction.EGRESS`` from the pod to external addresses.  Only non-empty entries.
    """

    pairs: dict[PairKey, PortSet] = field(default_factory=dict)
    external: dict[ExternalKey, Pieces] = field(default_factory=dict)

    def minus(self, other: Relation) -> Relation:
        out = Relation()
        for k, ps in self.pairs.items():
            d = portset_minus(ps, other.pairs.get(k, PortSet.empty()))
            if not d.is_empty:
                out.pairs[k] = d
        for ek, pieces in self.external.items():
            dp = _minus_pieces(pieces, other.external.get(ek, ()))
            if dp:
                out.external[ek] = dp
        return out


def families_of(rules: Iterable[Rule]) -> list[int]:
    """IPv4, plus IPv6 when some rule names an IPv6 range."""
    fams = {IPv4}
    for r in rules:
        for side in (r.src, r.dst):
            if isinstance(side, IPsSide):
                fams |= {x.family for x in side.ranges}
    return sorted(fams)


class Topology:
    """The endpoints of one config: expands NCA's rules and computes netverify's relation."""

    def __init__(self, eps: Sequence[Endpoint]) -> None:
        self.endpoints = tuple(eps)
        self.by_key = {e.key: e for e in eps}

    def pods_of(self, side: PodsSide | WorkloadSide, line: str) -> list[Endpoint]:
        """The endpoints one side of a rule names (``NcaFormatError`` for unknown names)."""
        if isinstance(side, WorkloadSide):
            if is_livesim(side.id):
                return []
            got = [e for e in self.endpoints if e.workload == side.id]
            if not got:
                raise NcaFormatError(f"workload {side.id} of {line!r} is not in the topology")
            return got
        out: list[Endpoint] = []
        in_ns = [e for e in self.endpoints if e.namespace in side.namespaces]
        for el in side.pods:
            if el.kind == "all":
                got = in_ns
            elif el.kind == "name":
                got = [e for e in in_ns if el.text in e.names]
                if not got and not is_livesim(el.text):
                    raise NcaFormatError(f"name {el.text!r} of {line!r} matches no pod in "
                                         f"{list(side.namespaces)}")
            else:
                assert el.predicate is not None
                got = [e for e in in_ns if el.predicate(e.labels)]
            out += [e for e in got if e not in out]
        return out

    def expand(self, rules: Iterable[Rule]) -> Relation:
        """The union of what NCA's rules allow, on this topology."""
        pairs: dict[PairKey, PortSet] = {}
        ext: dict[ExternalKey, list[tuple[int, int, PortSet]]] = defaultdict(list)
        for r in rules:
            if isinstance(r.src, IPsSide):
                assert not isinstance(r.dst, IPsSide)
                for e in self.pods_of(r.dst, r.line):
                    for x in r.src.ranges:
                        ext[(e.key, Direction.INGRESS, x.family)].append((x.lo, x.hi, r.conn))
            elif isinstance(r.dst, IPsSide):
                for e in self.pods_of(r.src, r.line):
                    for x in r.dst.ranges:
                        ext[(e.key, Direction.EGRESS, x.family)].append((x.lo, x.hi, r.conn))
            else:
                for s in self.pods_of(r.src, r.line):
                    for d in self.pods_of(r.dst, r.line):
                        pairs[(s.key, d.key)] = pairs.get((s.key, d.key),
                                                          PortSet.empty()).union(r.conn)
        out = Relation(pairs={k: v for k, v in pairs.items() if not v.is_empty})
        for ek, pieces in ext.items():
            norm = normalize_pieces(pieces)
            if norm:
                out.external[ek] = norm
        return out

    def actual(self, cluster: Cluster, families: Iterable[int] = (IPv4,), *,
               engine: Engine = "allpairs", same_workload: bool = False) -> Relation:
        """netverify's relation on this topology's endpoints.

        Pairs inside one NCA workload are left out unless ``same_workload``; then
        the pair of a workload template with itself (two of its replicas) is in too.
        A real pod's pair with itself (loopback) is never included.
        """
        ev = Evaluator(cluster)
        pods = {p.key: p for p in cluster.pods}
        ap = compute_all_pairs(cluster) if engine == "allpairs" else None
        out = Relation()
        for s in self.endpoints:
            for d in self.endpoints:
                if s.workload == d.workload and not same_workload:
                    continue
                if s.key == d.key and not s.template:
                    continue
                if ap is not None:
                    ps = ap.portset(ap.pods.class_of[s.key], ap.pods.class_of[d.key])
                else:
                    ps = ev.allowed_ports(pods[s.key], pods[d.key])
                if not ps.is_empty:
                    out.pairs[(s.key, d.key)] = ps
        for fam in families:
            lo, hi = FULL_RANGE[fam]
            ranges = [External(fam, a, b, format_range(fam, a, b))
                      for a, b in ev.split(fam, lo, hi)]
            for e in self.endpoints:
                pod = pods[e.key]
                ing = normalize_pieces((x.lo, x.hi, ev.allowed_ports(x, pod)) for x in ranges)
                egr = normalize_pieces((x.lo, x.hi, ev.allowed_ports(pod, x)) for x in ranges)
                if ing:
                    out.external[(e.key, Direction.INGRESS, fam)] = ing
                if egr:
                    out.external[(e.key, Direction.EGRESS, fam)] = egr
        return out


@dataclass(frozen=True)
class Mismatch:
    text: str
    endpoints: frozenset[str]  # pod keys involved
    pair: PairKey | None = None  # for pod-pair differences


def _fmt_pieces(fam: int, pieces: Pieces) -> str:
    if not pieces:
        return "nothing"
    return "; ".join(f"{format_range(fam, lo, hi)}: {ps}" for lo, hi, ps in pieces)


def compare(topo: Topology, expected: Relation, actual: Relation,
            families: Iterable[int] = (IPv4,), *, filter_system_ns: bool = False,
            same_workload: bool = False, names: tuple[str, str] = ("NCA", "netverify"),
            ) -> list[Mismatch]:
    """Every difference between two relations on ``topo``, within the compared scope.

    ``same_workload`` also compares pairs of distinct pods of one workload, and the
    pair of a workload template with itself.  With ``filter_system_ns`` (the query's
    ``fwRulesFilterSystemNs``), pairs within ``*-system`` namespaces and the external
    connections of their pods are skipped: NCA may have filtered them from its output.
    """
    exp_name, act_name = names
    out: list[Mismatch] = []
    for s in topo.endpoints:
        for d in topo.endpoints:
            if s.workload == d.workload and not (
                    same_workload and (s.key != d.key or s.template)):
                continue
            if filter_system_ns and is_system_ns(s.namespace) and is_system_ns(d.namespace):
                continue
            k = (s.key, d.key)
            e, a = expected.pairs.get(k, PortSet.empty()), actual.pairs.get(k, PortSet.empty())
            if e != a:
                out.append(Mismatch(f"{s.key} -> {d.key}: {exp_name} {e}, {act_name} {a}",
                                    frozenset(k), pair=k))
    for fam in families:
        for ep in topo.endpoints:
            if filter_system_ns and is_system_ns(ep.namespace):
                continue
            for direction in Direction:
                ek = (ep.key, direction, fam)
                pe, pa = expected.external.get(ek, ()), actual.external.get(ek, ())
                if pe != pa:
                    arrow = (f"external -> {ep.key}" if direction is Direction.INGRESS
                             else f"{ep.key} -> external")
                    out.append(Mismatch(
                        f"{arrow} (IPv{fam}): {exp_name} {_fmt_pieces(fam, pe)}; "
                        f"{act_name} {_fmt_pieces(fam, pa)}", frozenset({ep.key})))
    return out


def describe(mismatches: Sequence[Mismatch], limit: int = 25) -> str:
    lines = [m.text for m in mismatches[:limit]]
    if len(mismatches) > limit:
        lines.append(f"... and {len(mismatches) - limit} more")
    return "\n".join(lines)


# -- cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectivityCase:
    """One (scheme, query, config) whose expected connectivity map is NCA text."""

    id: str
    scheme: Path
    query: str
    config: str
    expected_path: Path
    fmt: str  # "txt" (fw-rules) or "txt_no_fw_rules"
    filter_system_ns: bool = False  # outputConfiguration.fwRulesFilterSystemNs
    subset: bool = False  # outputConfiguration.subset restricts the output (not modelled)

    def expected_rules(self) -> list[Rule]:
        text = self.expected_path.read_text(encoding="utf-8")
        if self.fmt == "txt_no_fw_rules":
            return parse_no_fw_rules_output(text)
        sections = parse_fw_rules_output(text)
        if self.config not in sections:
            raise NcaFormatError(f"{rel(self.expected_path)} has no section for config "
                                 f"{self.config!r} (has {sorted(sections)})")
        return sections[self.config]


@dataclass(frozen=True)
class SemanticDiffCase:
    """One semanticDiff query whose expected output is fw-rules text."""

    id: str
    scheme: Path
    query: str
    configs: tuple[str, ...]
    expected_path: Path

    def blocks(self) -> list[DiffBlock]:
        return parse_semantic_diff_output(self.expected_path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class EquivalenceCase:
    """An ``equivalence`` query: ``expected`` counts the non-equivalent pairs of config
    sets (each against each later one)."""

    id: str
    scheme: Path
    query: str
    configs: tuple[str, ...]
    expected: int


def _scheme_files() -> list[Path]:
    return sorted(NCA_TESTS.rglob("*-scheme.yaml"))


def _short(scheme: Path) -> str:
    return scheme.name.removesuffix("-scheme.yaml")


def _unique(ids: list[str], cid: str) -> str:
    n, out = 2, cid
    while out in ids:
        out = f"{cid}#{n}"
        n += 1
    ids.append(out)
    return out


def _queries(kind: str) -> Iterable[tuple[Path, dict[str, Any]]]:
    for scheme_path in _scheme_files():
        for q in read_scheme(scheme_path).get("queries") or []:
            if kind in q:
                yield scheme_path, q


@cache
def connectivity_cases() -> tuple[ConnectivityCase, ...]:
    """Every connectivityMap query whose expected output is NCA text (fw-rules or plain)."""
    out: list[ConnectivityCase] = []
    ids: list[str] = []
    for scheme_path, q in _queries("connectivityMap"):
        oc = q.get("outputConfiguration") or {}
        fmt = oc.get("outputFormat") or "txt"
        if not q.get("expectedOutput") or fmt not in ("txt", "txt_no_fw_rules"):
            continue
        configs = [str(c) for c in q["connectivityMap"]]
        for config in configs:
            cid = f"{_short(scheme_path)}/{q['name']}" + (f"/{config}" if len(configs) > 1
                                                          else "")
            out.append(ConnectivityCase(
                id=_unique(ids, cid), scheme=scheme_path, query=q["name"], config=config,
                expected_path=(scheme_path.parent / q["expectedOutput"]).resolve(), fmt=fmt,
                filter_system_ns=bool(oc.get("fwRulesFilterSystemNs")),
                subset=bool(oc.get("subset")),
            ))
    return tuple(out)


@cache
def semantic_diff_cases() -> tuple[SemanticDiffCase, ...]:
    """semanticDiff queries whose expected output is fw-rules text (``txt``)."""
    out: list[SemanticDiffCase] = []
    ids: list[str] = []
    for scheme_path, q in _queries("semanticDiff"):
        oc = q.get("outputConfiguration") or {}
        if not q.get("expectedOutput") or (oc.get("outputFormat") or "txt") != "txt":
            continue
        out.append(SemanticDiffCase(
            id=_unique(ids, f"{_short(scheme_path)}/{q['name']}"), scheme=scheme_path,
            query=q["name"], configs=tuple(str(c) for c in q["semanticDiff"]),
            expected_path=(scheme_path.parent / q["expectedOutput"]).resolve(),
        ))
    return tuple(out)


@cache
def equivalence_cases() -> tuple[EquivalenceCase, ...]:
    """equivalence queries with an ``expected`` count."""
    out: list[EquivalenceCase] = []
    ids: list[str] = []
    for scheme_path, q in _queries("equivalence"):
        if q.get("expected") is None:
            continue
        out.append(EquivalenceCase(
            id=_unique(ids, f"{_short(scheme_path)}/{q['name']}"), scheme=scheme_path,
            query=q["name"], configs=tuple(str(c) for c in q["equivalence"]),
            expected=int(q["expected"])))
    return tuple(out)
