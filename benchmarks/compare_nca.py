"""Compare netverify with NCA (network-config-analyzer 2.1.0): speed and answers.

1. Installs NCA in its own virtualenv, ``benchmarks/.venv-nca`` (gitignored),
   unless it is already there.
2. Generates the 1,000-pod / 200-policy cluster with ``--no-pod-ipblocks``
   (no ipBlock covers a pod IP: NCA never matches ipBlocks against pods, see
   below) and without workload objects (NCA turns every Deployment into pods of
   its own, which would double the real pods).
3. Times, wall clock including interpreter start-up,
   ``nca --connectivity POLICIES --ns_list NAMESPACES --pod_list PODS
   -o txt_no_fw_rules --output_endpoints pods`` against ``netverify matrix`` on
   the same files (``--by namespace`` and ``--by pod``), and prints the ratios.
4. Checks the answers pair by pair: every ordered pair of distinct pods NCA
   reports on, and every (pod, external address range) pair, must have the
   same allowed (protocol, port) set in both tools.

NCA keeps at most two pods per "canonical form" (namespace, owner, labels),
since isomorphic pods have the same connectivity; its output names only
those.  The comparison covers exactly the pods NCA names (checked to be
min(2, n) of every canonical group), so every pod shape is compared.

Known semantic difference (not exercised here): NCA models pods without IP
addresses, so an ``ipBlock`` never matches a pod in NCA, whereas netverify
matches ipBlocks against ``status.podIPs`` (as the upstream e2e tests "should
allow egress access to server in CIDR block" expect).  With pod-covering
ipBlocks the tools would disagree on those pairs by design.

    python benchmarks/compare_nca.py                  # 1000/200
    python benchmarks/compare_nca.py --pods 200 --policies 40 --seed 3
"""

from __future__ import annotations

import argparse
import ipaddress
import re
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from string import hexdigits
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402
from run import netverify_cmd, run_timed  # noqa: E402

from netverify.engines.allpairs import compute_all_pairs  # noqa: E402
from netverify.engines.concrete import Evaluator, External  # noqa: E402
from netverify.loader import load_cluster  # noqa: E402
from netverify.model import Pod  # noqa: E402
from netverify.ports import MAX_PORT, MIN_PORT, PROTOCOLS, PortSet, Protocol  # noqa: E402

NCA_VERSION = "2.1.0"
VENV = HERE / ".venv-nca"
IPV4_MAX = 2**32 - 1


# -- NCA installation and run ----------------------------------------------------

def nca_exe() -> Path:
    exe = VENV / "bin" / "nca"
    if exe.exists():
        return exe
    print(f"installing network-config-analyzer=={NCA_VERSION} into {VENV} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "-q",
                    f"network-config-analyzer=={NCA_VERSION}"], check=True)
    return exe


def nca_args(data: Path, out: Path) -> list[str]:
    return ["--connectivity", str(data / "policies"), "--ns_list", str(data / "namespaces.yaml"),
            "--pod_list", str(data / "pods"), "-o", "txt_no_fw_rules",
            "--output_endpoints", "pods", "-f", str(out)]


# -- NCA output parsing -----------------------------------------------------------

_DIM = re.compile(r",(?=(?:protocols|src_ports|dst_ports|methods|paths|hosts):)")
_IPRANGE = re.compile(r"^(\d+\.\d+\.\d+\.\d+)-(\d+\.\d+\.\d+\.\d+)$")


def _intervals(text: str) -> list[tuple[int, int]]:
    out = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-")
            out.append((int(a), int(b)))
        elif part:
            out.append((int(part), int(part)))
    return out


def _complement(ps: PortSet) -> PortSet:
    m: dict[Protocol, list[tuple[int, int]]] = {}
    for p in PROTOCOLS:
        cur, ivs = MIN_PORT, []
        for lo, hi in ps.get(p):
            if lo > cur:
                ivs.append((cur, lo - 1))
            cur = hi + 1
        if cur <= MAX_PORT:
            ivs.append((cur, MAX_PORT))
        m[p] = ivs
    return PortSet.from_map(m)


def parse_conns(text: str) -> PortSet:
    """NCA's connection text -> the (TCP/UDP/SCTP, port) set it denotes.

    Forms: ``All connections``, ``All but <cubes>``, ``<cube>,<cube>`` with
    ``{protocols:TCP, UDP,dst_ports:53,80-90}`` (a missing dimension is
    unrestricted).  Other protocols NCA knows (ICMP, numbers) are outside
    netverify's model and dropped.
    """
    text = text.strip()
    if text == "All connections":
        return PortSet.all()
    if text == "No connections":
        return PortSet.empty()
    if text.startswith("All but "):
        return _complement(parse_conns(text[len("All but "):]))
    out = PortSet.empty()
    for cube in re.findall(r"\{([^}]*)\}", text):
        dims: dict[str, str] = {}
        for part in _DIM.split(cube):
            k, _, v = part.partition(":")
            dims[k.strip()] = v
        unknown = set(dims) - {"protocols", "dst_ports"}
        if unknown:
            raise ValueError(f"cannot compare NCA cube {cube!r} (dimensions {unknown})")
        protos = list(PROTOCOLS)
        if "protocols" in dims:
            names = [p.strip() for p in dims["protocols"].split(",")]
            if names and names[0].startswith("all but "):
                excl = {names[0][len("all but "):], *names[1:]}
                protos = [p for p in PROTOCOLS if p.value not in excl]
            else:
                protos = [Protocol(n) for n in names if n in {p.value for p in PROTOCOLS}]
        ports = _intervals(dims["dst_ports"]) if "dst_ports" in dims else [(MIN_PORT, MAX_PORT)]
        out = out.union(PortSet.from_map(dict.fromkeys(protos, ports)))
    return out


def ip_range(name: str) -> tuple[int, int] | None:
    m = _IPRANGE.match(name)
    if m:
        return int(ipaddress.IPv4Address(m[1])), int(ipaddress.IPv4Address(m[2]))
    if "/" in name and name.split("/")[0].replace(".", "").isdigit():
        n = ipaddress.ip_network(name, strict=False)
        return int(n.network_address), int(n.broadcast_address)
    return None


def parse_output(path: Path) -> list[tuple[str, str, PortSet]]:
    rows = []
    for line in path.read_text().splitlines():
        if " => " not in line:
            continue
        src, rest = line.split(" => ", 1)
        dst, conns = rest.split(" : ", 1)
        rows.append((src.strip(), dst.strip(), parse_conns(conns)))
    return rows


# -- NCA's pod de-duplication (to check coverage) --------------------------------

def nca_canonical(pod: Pod, raw_owner: tuple[str, str] | None) -> str:
    """NCA's Pod.canonical_form: namespace, workload name, sorted labels."""
    ns, name = pod.namespace, pod.name
    if raw_owner is None:
        wl = f"{ns}/{name}(Pod)"
    elif raw_owner[0] == "ReplicaSet":
        o = raw_owner[1]
        suffix = o[o.rfind("-") + 1:]
        wl = (f"{ns}/{o[:o.rfind('-')]}(Deployment-StatefulSet)"
              if all(c in hexdigits for c in suffix) else f"{ns}/{o}(ReplicaSet)")
    else:
        wl = f"{ns}/{raw_owner[1]}({raw_owner[0]})"
    return ns + "_" + wl + "_" + "".join(f",({k},{v})" for k, v in sorted(pod.labels.items()))


def raw_owners(data: Path) -> dict[str, tuple[str, str] | None]:
    import yaml

    out: dict[str, tuple[str, str] | None] = {}
    for f in sorted((data / "pods").glob("*.yaml")):
        for d in yaml.load_all(f.read_text(), Loader=yaml.CSafeLoader):
            meta = d["metadata"]
            refs = meta.get("ownerReferences") or []
            out[f"{meta['namespace']}/{meta['name']}"] = (
                (refs[0]["kind"], refs[0]["name"]) if refs else None)
    return out


# -- comparison --------------------------------------------------------------------

def compare(data: Path, nca_out: Path, show: int, *, drop_pod_ips: bool = False
            ) -> dict[str, Any]:
    cluster = load_cluster([str(data)])
    if drop_pod_ips:  # NCA's model: pods have no addresses, so no ipBlock matches a pod
        cluster = replace(cluster, pods=tuple(replace(p, ips=()) for p in cluster.pods))
    pods = {p.key: p for p in cluster.pods}
    rows = parse_output(nca_out)
    pod_pairs: dict[tuple[str, str], PortSet] = {}
    to_ext: dict[str, list[tuple[int, int, PortSet]]] = defaultdict(list)
    from_ext: dict[str, list[tuple[int, int, PortSet]]] = defaultdict(list)
    named: set[str] = set()
    unknown: set[str] = set()
    for src, dst, ps in rows:
        sr, dr = ip_range(src), ip_range(dst)
        for n, r in ((src, sr), (dst, dr)):
            if r is None:
                (named if n in pods else unknown).add(n)
        if sr is None and dr is None:
            pod_pairs[(src, dst)] = pod_pairs.get((src, dst), PortSet.empty()).union(ps)
        elif sr is None and dr is not None:
            to_ext[src].append((*dr, ps))
        elif dr is None and sr is not None:
            from_ext[dst].append((*sr, ps))
    if unknown:
        raise SystemExit(f"NCA names endpoints netverify does not know: {sorted(unknown)[:5]}")

    # Coverage: NCA keeps min(2, n) pods of each canonical group.
    owners = raw_owners(data)
    groups: dict[str, list[str]] = defaultdict(list)
    for key, p in pods.items():
        groups[nca_canonical(p, owners.get(key))].append(key)
    coverage_bad = [g for g, ks in groups.items()
                    if sum(k in named for k in ks) != min(2, len(ks))]

    # Pod pairs: every ordered pair of distinct pods NCA names.
    ap = compute_all_pairs(cluster)
    cls = ap.pods.class_of
    universe = sorted(named)
    diffs: list[tuple[str, str, PortSet, PortSet]] = []
    allowed_pairs = 0
    n_pairs = 0
    for a in universe:
        for b in universe:
            if a == b:
                continue
            n_pairs += 1
            nv = ap.portset(cls[a], cls[b])
            nc = pod_pairs.get((a, b), PortSet.empty())
            allowed_pairs += not nv.is_empty
            if nv != nc:
                diffs.append((a, b, nv, nc))

    # Pod <-> external IPv4 ranges, on netverify's split of the address space.
    ev = Evaluator(cluster)
    atoms = ev.split(4, 0, IPV4_MAX)
    ext_diffs: list[tuple[str, str, PortSet, PortSet]] = []
    n_ext = 0

    def nca_at(entries: list[tuple[int, int, PortSet]], lo: int, hi: int) -> PortSet:
        got = PortSet.empty()
        for a, b, ps in entries:
            if a <= lo and hi <= b:
                got = got.union(ps)
            elif not (b < lo or hi < a):
                raise SystemExit(f"NCA range {a}-{b} cuts netverify's atom {lo}-{hi}")
        return got

    for key in universe:
        p = pods[key]
        for lo, hi in atoms:
            ext = External(4, lo, hi, f"{ipaddress.IPv4Address(lo)}-{ipaddress.IPv4Address(hi)}")
            n_ext += 2
            for direction, nv, nc in (
                ("egress", ev.allowed_ports(p, ext), nca_at(to_ext[key], lo, hi)),
                ("ingress", ev.allowed_ports(ext, p), nca_at(from_ext[key], lo, hi)),
            ):
                if nv != nc:
                    a, b = (key, ext.label) if direction == "egress" else (ext.label, key)
                    ext_diffs.append((a, b, nv, nc))

    print(f"\ncompared {n_pairs} ordered pod pairs over the {len(universe)} pods NCA names "
          f"(of {len(pods)}; {len(groups)} NCA canonical groups; "
          f"{allowed_pairs} pairs allowed by netverify): {len(diffs)} differ")
    print(f"compared {n_ext} (pod, external range) pairs over {len(atoms)} IPv4 ranges: "
          f"{len(ext_diffs)} differ")
    if coverage_bad:
        print(f"coverage: {len(coverage_bad)} canonical groups not covered as expected, "
              f"e.g. {coverage_bad[:3]}")
    for a, b, nv, nc in (diffs + ext_diffs)[:show]:
        print(f"  DIFF {a} -> {b}: netverify {nv} | NCA {nc}")
    return {"pairs": n_pairs, "diffs": len(diffs), "ext_pairs": n_ext,
            "ext_diffs": len(ext_diffs), "coverage_bad": len(coverage_bad),
            "universe": len(universe)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("--policies", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="timed runs per tool (min is kept)")
    ap.add_argument("--workdir", default="/tmp/netverify-bench")
    ap.add_argument("--show", type=int, default=10, help="differences to print")
    ap.add_argument("--no-by-pod", action="store_true", help="skip timing matrix --by pod")
    ap.add_argument("--pod-ipblocks", action="store_true",
                    help="keep the ipBlock that covers pod IPs: shows the documented semantic "
                         "difference, then compares again with pod IPs hidden from netverify")
    a = ap.parse_args(argv)

    exe = nca_exe()
    data = Path(a.workdir) / f"nca-{a.pods}-{a.policies}-s{a.seed}"
    t0 = time.perf_counter()
    if a.pod_ipblocks:
        data = data.with_name(data.name + "-podip")
    generate(data, pods=a.pods, policies=a.policies, seed=a.seed, pod_ipblocks=a.pod_ipblocks,
             with_workloads=False)
    print(f"generated {data} in {time.perf_counter() - t0:.1f}s (no workloads; "
          f"{'an' if a.pod_ipblocks else 'no'} ipBlock covering pod IPs)")
    files = ["-f", str(data / "namespaces.yaml"), "-f", str(data / "pods"),
             "-f", str(data / "policies")]
    out = data.parent / f"{data.name}.nca.txt"
    env_cmd = [str(exe), *nca_args(data, out)]

    def best(cmd: list[str]) -> tuple[float, float, float]:
        runs = [run_timed(cmd) for _ in range(a.repeat)]
        return (min(r[0] for r in runs), min(r[3] for r in runs), min(r[1] for r in runs))

    nca_s, nca_cpu, nca_mb = best(env_cmd)
    nv = netverify_cmd()
    timings = [("nca --connectivity (txt_no_fw_rules, pods)", nca_s, nca_cpu, nca_mb)]
    for by in ("namespace", "workload") + (() if a.no_by_pod else ("pod",)):
        s, cpu, mb = best([*nv, "matrix", "--by", by, "--format", "json", *files])
        timings.append((f"netverify matrix --by {by} --format json", s, cpu, mb))
    print(f"\non {a.pods} pods / {a.policies} policies, whole process incl. start-up, "
          f"best of {a.repeat}:")
    print(f"  {'command':46s} {'wall':>8s} {'CPU':>8s} {'peak':>9s}   NCA/netverify (wall, CPU)")
    for name, s, cpu, mb in timings:
        ratio = "" if name.startswith("nca") else f"   {nca_s / s:5.1f}x {nca_cpu / cpu:5.1f}x"
        print(f"  {name:46s} {s:7.2f}s {cpu:7.2f}s {mb:6.0f} MB{ratio}")
    res = compare(data, out, a.show)
    ok = res["diffs"] == 0 and res["ext_diffs"] == 0 and res["coverage_bad"] == 0
    print("\nanswers identical" if ok else "\nanswers DIFFER")
    if a.pod_ipblocks:
        print("\nagain, with pod IPs hidden from netverify (NCA's model of ipBlocks):")
        res2 = compare(data, out, a.show, drop_pod_ips=True)
        ok2 = res2["diffs"] == 0 and res2["ext_diffs"] == 0 and res2["coverage_bad"] == 0
        print("answers identical: every difference above is the ipBlock-vs-pod-IP semantics"
              if ok2 else "answers still DIFFER")
        return 0 if ok2 else 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
