"""Support code for the netpol-analyzer corpus test (``test_netpol_analyzer.py``).

Kept apart from the test module so the comparison logic (workload ids, external
IP coverage) can be read, and reused, on its own.  Nothing here copies corpus
data: every case is read from ``../shared/corpus/netpol-analyzer`` at run time.

What is compared, per case (see the corpus README, "Analyzer semantics"):

* workload -> workload rows: pods are grouped into the analyzer's workload ids
  (note 1), self-pairs dropped (note 2), and the allowed ports of a pair of
  workloads is the union over their member pods (the analyzer refuses inputs
  where members of one workload could be told apart, so the union is the
  member verdict; disagreement between members is reported separately);
* workload <-> External rows: compared by IPv4 coverage (note 4), i.e. per
  (workload, direction) a map from address interval to allowed ports, with
  adjacent equal intervals merged and empty ones dropped;
* ``{ingress-controller}`` rows are skipped: netverify does not model
  Ingress/Route (note 6).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import ipaddress
import json
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import cache
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any

from netverify.engines.allpairs import compute_all_pairs
from netverify.engines.concrete import Evaluator, External
from netverify.ipblocks import IPv4
from netverify.loader import load_cluster
from netverify.loader.build import build_cluster
from netverify.loader.documents import read_objects
from netverify.model import DEFAULT_NAMESPACE, Cluster, Pod
from netverify.ports import PortSet, parse_port_set

# <repo>/tests/corpus/this.py -> parents[2] is the repository root; the corpora
# live next to it in ../shared/corpus (absent in a user's clone).
REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS_ROOT = REPO_ROOT.parent / "shared" / "corpus"
NPA_ROOT = CORPUS_ROOT / "netpol-analyzer"

INGRESS_CONTROLLER = "{ingress-controller}"
EXTERNAL = "External"
IPV4_ALL = (0, 2**32 - 1)

# (from, to) -> allowed, only non-empty entries
PairMap = dict[tuple[str, str], PortSet]
# (workload id, "egress"|"ingress") -> merged ((lo, hi, allowed), ...), only non-empty
Coverage = dict[tuple[str, str], tuple[tuple[int, int, PortSet], ...]]


def corpus_available() -> bool:
    return (NPA_ROOT / "index.json").is_file()


@cache
def normalize_module() -> ModuleType:
    """The corpus's own ``normalize.py`` (for ``load_expected``), imported by path."""
    path = NPA_ROOT / "normalize.py"
    spec = importlib.util.spec_from_file_location("netpol_analyzer_corpus_normalize", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def plain_cases() -> list[str]:
    """Names of the plain NetworkPolicy cases (``cases/*``; the ``anp/`` ones are excluded)."""
    index = json.loads((NPA_ROOT / "index.json").read_text())
    return [c["case"] for c in index["cases"]
            if c["category"] == "np" and c["dir"] == f"cases/{c['case']}"]


def anp_cases() -> list[str]:
    """Names of the AdminNetworkPolicy / BaselineAdminNetworkPolicy cases (``anp/*``)."""
    return sorted(p.name for p in (NPA_ROOT / "anp").iterdir() if (p / "input").is_dir())


def case_dir(case: str) -> Path:
    plain = NPA_ROOT / "cases" / case
    return plain if plain.is_dir() else NPA_ROOT / "anp" / case


def load_expected(case: str) -> dict[str, Any]:
    return normalize_module().load_expected(str(case_dir(case)))  # type: ignore[no-any-return]


# -- workload ids ------------------------------------------------------------------


def pod_owners(input_dir: Path) -> dict[str, tuple[str, str]]:
    """``ns/pod`` -> (owner name, owner kind) for Pod objects with a controller owner.

    Read from the raw manifests because the analyzer's rule (note 1) uses the
    direct controller owner as written (a ReplicaSet stays a ReplicaSet, a
    missing kind is reported as ``Pod``), which is not what netverify's
    ``Pod.workload`` (the top-level workload) records.
    """
    out: dict[str, tuple[str, str]] = {}
    for raw in read_objects([str(input_dir)]):
        data = raw.data
        if data.get("kind") != "Pod":
            continue
        meta = data.get("metadata") or {}
        ns = meta.get("namespace") or DEFAULT_NAMESPACE
        for ref in meta.get("ownerReferences") or []:
            if isinstance(ref, dict) and ref.get("controller") and ref.get("kind") != "Node":
                out[f"{ns}/{meta.get('name')}"] = (str(ref["name"]), str(ref.get("kind") or "Pod"))
                break
    return out


def analyzer_ids(cluster: Cluster, input_dir: Path) -> dict[str, tuple[str, str]]:
    """netverify pod key -> (analyzer workload id, analyzer kind)."""
    owners = pod_owners(input_dir)
    out: dict[str, tuple[str, str]] = {}
    for pod in cluster.pods:
        if pod.is_template:
            out[pod.key] = (pod.key, pod.kind)
        elif pod.key in owners:
            name, kind = owners[pod.key]
            out[pod.key] = (f"{pod.namespace}/{name}", kind)
        else:
            out[pod.key] = (pod.key, "Pod")
    return out


def load(input_dir: Path) -> Cluster:
    """Load a case's input exactly as a user would."""
    return load_cluster([str(input_dir)])


def load_with_default_selectors(input_dir: Path) -> Cluster:
    """Load a case reading a ``pods`` subject or peer without ``podSelector`` or
    ``namespaceSelector`` as the analyzer does (an empty selector: everything).

    The AdminNetworkPolicy CRD requires both (v0.1.7 ``NamespacedPod``: ``required:
    [namespaceSelector, podSelector]``), so the API server, and netverify, reject them.
    """
    def fill(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "pods" and isinstance(value, dict):
                    value.setdefault("podSelector", {})
                    value.setdefault("namespaceSelector", {})
                fill(value)
        elif isinstance(node, list):
            for x in node:
                fill(x)

    objects = list(read_objects([str(input_dir)]))
    for raw in objects:
        if raw.data.get("kind") in ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy"):
            fill(raw.data.get("spec"))
    return build_cluster(objects)


def load_dropping_portless_container_ports(input_dir: Path) -> tuple[Cluster, list[str]]:
    """Load a case's input, first dropping ``ports`` entries that have no ``containerPort``.

    For manifests the API server would reject (``containerPort`` is required) but the
    analyzer reads anyway.  Returns the cluster and a description of what was dropped.
    """
    dropped: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for ckey in ("containers", "initContainers"):
                for c in node.get(ckey) or []:
                    if isinstance(c, dict) and isinstance(c.get("ports"), list):
                        keep = [p for p in c["ports"]
                                if not isinstance(p, dict) or "containerPort" in p]
                        dropped.extend(f"{where}: {p}" for p in c["ports"] if p not in keep)
                        c["ports"] = keep
            for v in node.values():
                walk(v, where)
        elif isinstance(node, list):
            for v in node:
                walk(v, where)

    objects = list(read_objects([str(input_dir)]))
    for raw in objects:
        walk(raw.data, raw.source.describe())
    return build_cluster(objects), dropped


def with_analyzer_peers(cluster: Cluster) -> Cluster:
    """The pods as the analyzer sees them (README note 3, and its hostNetwork handling).

    * pod IPs are ignored, so an ipBlock never matches a pod;
    * hostNetwork pods are ordinary pods: selected by policies, matched by selectors.
    """
    pods = tuple(dataclasses.replace(p, ips=(), host_network=False) for p in cluster.pods)
    return dataclasses.replace(cluster, pods=pods)


# -- netverify's answer ----------------------------------------------------------------


@dataclasses.dataclass
class Answer:
    """What netverify says about one case, in the analyzer's terms."""

    ids: dict[str, tuple[str, str]]  # pod key -> (workload id, kind)
    by_evaluator: PairMap
    by_allpairs: PairMap
    external: Coverage
    # workload pairs whose member pod pairs got different verdicts (should not happen
    # in this corpus: the analyzer rejects such inputs)
    member_disagreements: dict[tuple[str, str], set[PortSet]]


def _group(pairs: Iterable[tuple[str, str, PortSet]]
           ) -> tuple[PairMap, dict[tuple[str, str], set[PortSet]]]:
    seen: dict[tuple[str, str], set[PortSet]] = defaultdict(set)
    for a, b, ps in pairs:
        seen[(a, b)].add(ps)
    merged: PairMap = {}
    for k, v in seen.items():
        u = PortSet.empty()
        for ps in v:
            u = u.union(ps)
        if not u.is_empty:
            merged[k] = u
    return merged, {k: v for k, v in seen.items() if len(v) > 1}


def netverify_answer(cluster: Cluster, input_dir: Path) -> Answer:
    ids = analyzer_ids(cluster, input_dir)
    wid = {k: v[0] for k, v in ids.items()}
    pods = list(cluster.pods)
    ev = Evaluator(cluster)

    by_eval, disagree = _group(
        (wid[a.key], wid[b.key], ev.allowed_ports(a, b))
        for a in pods for b in pods if wid[a.key] != wid[b.key])

    ap = compute_all_pairs(cluster)
    cls = ap.pods.class_of
    cache_ps: dict[tuple[int, int], PortSet] = {}

    def ap_ports(a: Pod, b: Pod) -> PortSet:
        k = (cls[a.key], cls[b.key])
        if k not in cache_ps:
            cache_ps[k] = ap.portset(*k)
        return cache_ps[k]

    by_ap, _ = _group((wid[a.key], wid[b.key], ap_ports(a, b))
                      for a in pods for b in pods if wid[a.key] != wid[b.key])

    ranges = ev.split(IPv4, *IPV4_ALL)
    rows: list[tuple[str, str, int, int, PortSet]] = []
    for pod in pods:
        for lo, hi in ranges:
            ext = External(IPv4, lo, hi, f"{lo}-{hi}")
            rows.append((wid[pod.key], "egress", lo, hi, ev.allowed_ports(pod, ext)))
            rows.append((wid[pod.key], "ingress", lo, hi, ev.allowed_ports(ext, pod)))
    return Answer(ids=ids, by_evaluator=by_eval, by_allpairs=by_ap,
                  external=coverage(rows), member_disagreements=disagree)


# -- the corpus's answer ---------------------------------------------------------------


def parse_ip_ranges(text: str) -> list[tuple[int, int]]:
    """``a.b.c.d-e.f.g.h[,...]`` -> integer intervals."""
    out = []
    for part in text.split(","):
        lo, hi = part.split("-")
        out.append((int(ipaddress.IPv4Address(lo)), int(ipaddress.IPv4Address(hi))))
    return out


def coverage(rows: Iterable[tuple[str, str, int, int, PortSet]]) -> Coverage:
    """Group (workload, direction, lo, hi, allowed) rows into merged, non-empty coverage.

    Overlapping rows are unioned and adjacent equal ones merged, so the result does
    not depend on how either side split the address space.
    """
    by_key: dict[tuple[str, str], list[tuple[int, int, PortSet]]] = defaultdict(list)
    for w, d, lo, hi, ps in rows:
        by_key[(w, d)].append((lo, hi, ps))
    out: Coverage = {}
    for key, ivs in by_key.items():
        ivs.sort(key=lambda t: (t[0], t[1]))
        if any(a[1] >= b[0] for a, b in pairwise(ivs)):
            ivs = _atoms(ivs)
        merged: list[tuple[int, int, PortSet]] = []
        for lo, hi, ps in ivs:
            if ps.is_empty:
                continue
            if merged and merged[-1][1] + 1 == lo and merged[-1][2] == ps:
                merged[-1] = (merged[-1][0], hi, ps)
            else:
                merged.append((lo, hi, ps))
        if merged:
            out[key] = tuple(merged)
    return out


def _atoms(ivs: list[tuple[int, int, PortSet]]) -> list[tuple[int, int, PortSet]]:
    """Cut overlapping intervals into disjoint atoms, each with the union of its covers."""
    cuts = sorted({lo for lo, _, _ in ivs} | {hi + 1 for _, hi, _ in ivs})
    acc = [PortSet.empty() for _ in cuts[:-1]]
    for lo, hi, p in ivs:
        for i in range(bisect_left(cuts, lo), bisect_left(cuts, hi + 1)):
            acc[i] = acc[i].union(p)
    return [(cuts[i], cuts[i + 1] - 1, acc[i]) for i in range(len(acc))]


@dataclasses.dataclass
class Expected:
    kinds: dict[str, str]  # workload id -> kind
    pairs: PairMap
    external: Coverage
    skipped_ingress_rows: int


def expected_answer(doc: Mapping[str, Any]) -> Expected:
    peers: Mapping[str, str] = doc["peers"]
    pairs: PairMap = {}
    ext_rows: list[tuple[str, str, int, int, PortSet]] = []
    skipped = 0
    for row in doc["connections"]:
        a, b = row["from"], row["to"]
        ps = parse_port_set(row["allowed"])
        if INGRESS_CONTROLLER in (a, b):
            skipped += 1
            continue
        ka, kb = peers[a], peers[b]
        if ka == EXTERNAL and kb == EXTERNAL:
            raise AssertionError(f"unexpected External -> External row {row}")
        if ka == EXTERNAL:
            ext_rows += [(b, "ingress", lo, hi, ps) for lo, hi in parse_ip_ranges(a)]
        elif kb == EXTERNAL:
            ext_rows += [(a, "egress", lo, hi, ps) for lo, hi in parse_ip_ranges(b)]
        else:
            assert (a, b) not in pairs, f"duplicate row {a} -> {b}"
            pairs[(a, b)] = ps
    kinds = {k: v for k, v in peers.items() if v not in (EXTERNAL, "IngressController")}
    return Expected(kinds=kinds, pairs=pairs, external=coverage(ext_rows),
                    skipped_ingress_rows=skipped)


# -- comparison ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Problem:
    """One difference; ``workloads`` are the workload ids of the row (empty: not a row)."""

    text: str
    workloads: frozenset[str] = frozenset()

    def __str__(self) -> str:
        return self.text


def fmt_ip(v: int) -> str:
    return str(ipaddress.IPv4Address(v))


def diff_pairs(got: PairMap, want: PairMap, got_name: str, want_name: str) -> list[Problem]:
    out = []
    for k in sorted(set(got) | set(want)):
        g, w = got.get(k), want.get(k)
        if g != w:
            out.append(Problem(f"{k[0]} -> {k[1]}: {got_name}={g.to_dict() if g else None} "
                               f"{want_name}={w.to_dict() if w else None}", frozenset(k)))
    return out


def diff_coverage(got: Coverage, want: Coverage) -> list[Problem]:
    def show(c: tuple[tuple[int, int, PortSet], ...]) -> str:
        return "; ".join(f"{fmt_ip(lo)}-{fmt_ip(hi)}={ps}" for lo, hi, ps in c) or "none"

    out = []
    for k in sorted(set(got) | set(want)):
        g, w = got.get(k, ()), want.get(k, ())
        if g != w:
            out.append(Problem(f"{k[0]} {k[1]} with External:\n    netverify: {show(g)}\n"
                               f"    expected:  {show(w)}", frozenset({k[0]})))
    return out


def check_case(case: str, cluster: Cluster) -> tuple[Answer, list[Problem]]:
    """netverify's answer on ``cluster`` (loaded from ``case``) and its differences."""
    answer = netverify_answer(cluster, case_dir(case) / "input")
    return answer, compare(answer, expected_answer(load_expected(case)))


def compare(answer: Answer, expected: Expected) -> list[Problem]:
    """Every difference (empty when netverify agrees with the corpus)."""
    problems: list[Problem] = []
    if answer.by_evaluator != answer.by_allpairs:
        problems += [Problem(f"Evaluator and compute_all_pairs disagree: {p}")
                     for p in diff_pairs(answer.by_evaluator, answer.by_allpairs,
                                         "evaluator", "allpairs")]
    for k, v in sorted(answer.member_disagreements.items()):
        problems.append(Problem(f"members of {k[0]} -> {k[1]} get different verdicts: "
                                f"{sorted(str(p) for p in v)}"))
    got_ids = dict(answer.ids.values())
    for wid, kind in sorted(expected.kinds.items()):
        if wid not in got_ids:
            problems.append(Problem(f"workload {wid} [{kind}] of the corpus is unknown to "
                                    "netverify"))
        elif got_ids[wid] != kind:
            problems.append(Problem(f"workload {wid}: kind {got_ids[wid]} in netverify, {kind} "
                                    "in corpus"))
    problems += diff_pairs(answer.by_evaluator, expected.pairs, "netverify", "expected")
    problems += diff_coverage(answer.external, expected.external)
    return problems


def host_network_workloads(cluster: Cluster, answer: Answer) -> frozenset[str]:
    """Workload ids with at least one hostNetwork pod."""
    return frozenset(answer.ids[p.key][0] for p in cluster.pods if p.host_network)


def report(case: str, problems: list[Problem], limit: int = 60) -> str:
    lines = [f"{case}: netverify differs from netpol-analyzer ({len(problems)} difference(s)):"]
    lines += [f"  {p}" for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"  ... and {len(problems) - limit} more")
    return "\n".join(lines)
