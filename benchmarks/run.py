"""Time netverify on synthetic clusters of growing size and print a table.

For each size (pods/policies) this generates a cluster with ``generate.py``
(cached under ``--workdir``, default /tmp/netverify-bench), then measures:

- in a fresh Python process: load time, pod classes, port classes, the
  all-pairs engine, and the whole ``matrix(by="namespace")`` query (all pairs
  decided, then aggregated), then its JSON written to /dev/null, each phase with wall
  and CPU seconds and the peak memory reached by then;
- the CLI as a user runs it, wall clock and CPU including interpreter start-up:
  ``netverify matrix --by namespace --format json`` and one
  ``netverify can-reach SRC DST:8080``, cold (``--no-cache``) and with the parse
  cache warm (each with its own peak memory).

Each size is measured from the YAML folder and from the same objects as one
``kubectl get -o json`` List (``--inputs yaml json``, both by default); the
in-process run prints each phase's time and the peak memory reached by then.

Aims (issue 16): 100,000 pods / 10,000 policies (4,001 namespaces), matrix by
namespace from JSON < 60 s and < 8 GB, from YAML < 90 s; 10,000 / 2,000 matrix
< 5 s CPU, one cold can-reach < 1 s CPU (< 0.5 s with the cache).

    python benchmarks/run.py                      # 100/20 1000/200 5000/1000 10000/2000
    python benchmarks/run.py --sizes 100000/10000 # 4,001 namespaces at 100,000 pods
    python benchmarks/run.py --sizes 1000/200 --repeat 3 --inputs json
    python benchmarks/run.py --no-pod-ipblocks    # no ipBlock covers pod IPs

Never run by the test suite; prints figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

DEFAULT_SIZES = ("100/20", "1000/200", "5000/1000", "10000/2000")


def namespaces_for(pods: int) -> int | None:
    """4,001 namespaces at 100,000 pods (the issue's cluster); the generator's default below."""
    return 4001 if pods >= 100_000 else None


def dataset(workdir: Path, pods: int, policies: int, seed: int, pod_ipblocks: bool) -> Path:
    """Generate (or reuse) the cluster for one size: a YAML folder and, beside it, the
    same objects as one JSON List (``<folder>.json``)."""
    name = f"{pods}-{policies}-s{seed}{'' if pod_ipblocks else '-noip'}"
    out = workdir / name
    stamp = out / ".params.json"
    params = {"pods": pods, "policies": policies, "seed": seed, "pod_ipblocks": pod_ipblocks,
              "generator": (HERE / "generate.py").stat().st_mtime_ns}
    if stamp.exists() and json.loads(stamp.read_text()) == params and \
            Path(f"{out}.json").exists():
        return out
    generate(out, pods=pods, policies=policies, seed=seed, pod_ipblocks=pod_ipblocks,
             namespaces=namespaces_for(pods), json_list=f"{out}.json")
    stamp.write_text(json.dumps(params))
    return out


def child(path: str) -> None:
    """Measure in this (fresh) process; print one JSON line."""
    import importlib
    import resource

    from netverify.engines.classes import pod_classes
    from netverify.loader import load_cluster

    def peak() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    res: dict[str, Any] = {}
    t0, c0 = time.perf_counter(), cpu()
    cluster = load_cluster([path])
    res["load_s"] = time.perf_counter() - t0
    res["load_cpu_s"] = cpu() - c0
    res["load_peak_mb"] = peak()
    res["pods"] = len(cluster.pods)
    res["policies"] = len(cluster.policies)
    res["namespaces"] = len(cluster.namespaces)
    t0 = time.perf_counter()
    res["pod_classes"] = len(pod_classes(cluster).members)
    res["classes_s"] = time.perf_counter() - t0
    res["classes_peak_mb"] = peak()

    # Instrument the query from outside: time the engine call it makes.  (The
    # package re-exports the function ``matrix``, which shadows the module.)
    mq = importlib.import_module("netverify.queries.matrix")
    real = mq.compute_all_pairs
    seen: dict[str, Any] = {}

    def timed(*a: Any, **k: Any) -> Any:
        t, c = time.perf_counter(), cpu()
        ap = real(*a, **k)
        seen["allpairs_s"] = time.perf_counter() - t
        seen["allpairs_cpu_s"] = cpu() - c
        seen["allpairs_peak_mb"] = peak()
        seen["port_classes"] = len(ap.ports)
        seen["roles"] = f"{ap.n_src_roles}/{ap.n_dst_roles}"
        return ap

    setattr(mq, "compute_all_pairs", timed)  # noqa: B010
    t0, c0 = time.perf_counter(), cpu()
    m = mq.matrix(cluster, by="namespace")
    res["matrix_s"] = time.perf_counter() - t0
    res["matrix_cpu_s"] = cpu() - c0
    setattr(mq, "compute_all_pairs", real)  # noqa: B010
    res.update(seen)
    res["aggregate_s"] = res["matrix_s"] - res["allpairs_s"]
    res["aggregate_cpu_s"] = res["matrix_cpu_s"] - res["allpairs_cpu_s"]
    res["cells"] = len(m.cells)
    res["matrix_peak_mb"] = peak()
    # The JSON the CLI writes, streamed to /dev/null (the group cells are arrays).
    from netverify.renderers import render_chunks

    t0, c0 = time.perf_counter(), cpu()
    with open(os.devnull, "w", encoding="utf-8") as sink:
        for piece in render_chunks(m, "json"):
            sink.write(piece)
    res["render_s"] = time.perf_counter() - t0
    res["render_cpu_s"] = cpu() - c0
    res["peak_mb"] = peak()
    print(json.dumps(res))


def run_timed(cmd: list[str]) -> tuple[float, float, int, float]:
    """Run ``cmd``; return (wall s, peak RSS MB, exit code, CPU s) of that process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode() if p.stderr else ""
    if p.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {err[-2000:]}")
    return wall, ru.ru_maxrss / 1024, p.returncode, ru.ru_utime + ru.ru_stime


def endpoints(path: Path) -> tuple[str, str]:
    """A web -> api pair in the first app namespace (both exist in every size)."""
    import yaml

    for f in sorted((path / "workloads").glob("*.yaml")):
        names = [d["metadata"]["name"] for d in yaml.load_all(f.read_text(),
                                                               Loader=yaml.CSafeLoader)]
        if "web-0" in names and "api-0" in names:
            return f"{f.stem}/web-0", f"{f.stem}/api-0:8080"
    raise SystemExit(f"{path}: no namespace with web-0 and api-0")


def netverify_cmd() -> list[str]:
    exe = shutil.which("netverify")
    return [exe] if exe else [sys.executable, "-m", "netverify"]


def measure(path: Path, repeat: int, cli: bool) -> dict[str, Any]:
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, __file__, "--child", str(path)],
                             capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    res = dict(runs[0])
    for k in ("load_s", "classes_s", "allpairs_s", "aggregate_s", "matrix_s", "peak_mb",
              "load_peak_mb", "classes_peak_mb", "allpairs_peak_mb", "load_cpu_s",
              "allpairs_cpu_s", "aggregate_cpu_s", "matrix_cpu_s", "matrix_peak_mb",
              "render_s", "render_cpu_s"):
        res[k] = min(r[k] for r in runs)
    if cli:
        nv = netverify_cmd()
        src, dst = endpoints(Path(str(path).removesuffix(".json")))
        for key, cmd in (
            ("cli_matrix", [*nv, "--no-cache", "matrix", "--by", "namespace", "--format",
                            "json", "-f", str(path)]),
            ("cli_can_reach", [*nv, "--no-cache", "can-reach", src, dst, "-f", str(path)]),
            ("cli_can_reach_cached", [*nv, "can-reach", src, dst, "-f", str(path)]),
        ):
            if key == "cli_can_reach_cached":
                run_timed(cmd)  # fills the cache
            runs = [run_timed(cmd) for _ in range(repeat)]
            res[f"{key}_s"] = min(r[0] for r in runs)
            res[f"{key}_mb"] = min(r[1] for r in runs)
            res[f"{key}_cpu_s"] = min(r[3] for r in runs)
            if key == "cli_can_reach_cached":
                code = runs[0][2]
                res["can_reach"] = f"{src} -> {dst}: {'allowed' if code == 0 else 'denied'}"
    return res


def table(rows: list[dict[str, Any]], cli: bool) -> str:
    cols = [("input", "input", "s"), ("pods", "pods", "d"), ("policies", "policies", "d"),
            ("ns", "namespaces", "d"), ("pod classes", "pod_classes", "d"),
            ("roles src/dst", "roles", "s"), ("port classes", "port_classes", "d"),
            ("load s", "load_s", ".2f"), ("(CPU)", "load_cpu_s", ".2f"),
            ("(MB)", "load_peak_mb", ".0f"),
            ("classes s", "classes_s", ".2f"),
            ("all-pairs s", "allpairs_s", ".2f"), ("(CPU) ", "allpairs_cpu_s", ".2f"),
            ("(MB) ", "allpairs_peak_mb", ".0f"),
            ("aggregate s", "aggregate_s", ".2f"), ("(CPU)  ", "aggregate_cpu_s", ".2f"),
            ("matrix s", "matrix_s", ".2f"), ("(MB)  ", "matrix_peak_mb", ".0f"),
            ("JSON out s", "render_s", ".2f"), ("(CPU)   ", "render_cpu_s", ".2f"),
            ("peak MB", "peak_mb", ".0f")]
    if cli:
        cols += [("CLI matrix s", "cli_matrix_s", ".2f"),
                 ("(CPU s)", "cli_matrix_cpu_s", ".2f"),
                 ("CLI matrix MB", "cli_matrix_mb", ".0f"),
                 ("can-reach cold s", "cli_can_reach_s", ".2f"),
                 ("(CPU s) ", "cli_can_reach_cpu_s", ".2f"),
                 ("cached (CPU s)", "cli_can_reach_cached_cpu_s", ".2f")]
    head = [c[0] for c in cols]
    body = [[format(r[k], f) if k in r else "-" for _, k, f in cols] for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    lines = ["| " + " | ".join(h.rjust(w) for h, w in zip(head, widths, strict=True)) + " |",
             "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|"]
    lines += ["| " + " | ".join(c.rjust(w) for c, w in zip(b, widths, strict=True)) + " |"
              for b in body]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES), metavar="PODS/POLICIES")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement (min is kept)")
    ap.add_argument("--workdir", default="/tmp/netverify-bench")
    ap.add_argument("--no-pod-ipblocks", action="store_true")
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI wall-clock runs")
    ap.add_argument("--inputs", nargs="+", choices=("yaml", "json"), default=["yaml", "json"],
                    help="measure from the YAML folder, the JSON List, or both")
    ap.add_argument("--json", help="also write the rows to this file")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        child(a.child)
        return 0
    workdir = Path(a.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in a.sizes:
        pods, policies = (int(x) for x in size.split("/"))
        t0 = time.perf_counter()
        path = dataset(workdir, pods, policies, a.seed, not a.no_pod_ipblocks)
        print(f"[{size}] data {path} ({time.perf_counter() - t0:.1f}s); measuring...",
              file=sys.stderr, flush=True)
        for kind in a.inputs:
            src = path if kind == "yaml" else Path(f"{path}.json")
            r = measure(src, a.repeat, not a.no_cli)
            r["size"] = size
            r["input"] = kind
            rows.append(r)
            print(f"[{size} {kind}] {json.dumps(r)}", file=sys.stderr, flush=True)
    print(table(rows, not a.no_cli))
    for r in rows:
        if r["pods"] < 10000:
            continue
        print(f"\n{r['input']}, {r['pods']} pods / {r['policies']} policies:")
        m = r.get("cli_matrix_s", r["load_s"] + r["matrix_s"])
        what = "CLI wall clock" if "cli_matrix_s" in r else "load + query, in-process"
        print(f"  matrix --by namespace {m:.1f}s, {what}; CPU "
              f"{r.get('cli_matrix_cpu_s', float('nan')):.1f}s, peak "
              f"{r.get('cli_matrix_mb', r['peak_mb']):.0f} MB")
        if "cli_can_reach_s" in r:
            print(f"  can-reach cold {r['cli_can_reach_cpu_s']:.2f}s CPU, cached "
                  f"{r['cli_can_reach_cached_cpu_s']:.2f}s CPU")
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
