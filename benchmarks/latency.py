"""Time single interactive questions as whole processes (issue 16) and print a table.

For one generated cluster (``generate.py``, cached under ``--workdir``), read from the
YAML folder and from the same objects as one ``kubectl get -o json`` List, this runs
``netverify can-reach SRC DST:8080`` and ``netverify who-can-reach DST`` as a user
does, start-up included:

- cold: ``--no-cache`` (every file parsed, the model built);
- warm: the caches filled by a first run (the model cache, ``loader/model_cache.py``,
  and the parse cache), in a cache folder of this script's own.

The package's modules are byte-compiled first (``compileall``), as an installed
wheel has them: an editable checkout under ``PYTHONDONTWRITEBYTECODE=1`` (this
machine's setting) otherwise compiles about 80 modules on every run, 0.12-0.15 s
of CPU that no installed netverify spends.

It prints the median CPU seconds (user + system of the child) and wall seconds of
``--repeat`` runs, and each command's exit status.  Aims (issue 16) at 10,000 pods /
2,000 policies: a cold can-reach < 1 s CPU, < 0.5 s with the cache.

    python benchmarks/latency.py                         # 10000/2000
    python benchmarks/latency.py --size 1000/200 --repeat 5

Never run by the test suite; prints figures only.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import dataset, endpoints, netverify_cmd  # noqa: E402


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(CPU s, wall s, exit status) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.returncode


def _compile_package(nv: list[str]) -> None:
    """Byte-compile the netverify that ``nv`` runs (what installing a wheel does)."""
    python = nv[0] if nv[0].endswith(("python", "python3")) or len(nv) > 1 else None
    if python is None:  # the console script: its first line names the interpreter
        python = Path(nv[0]).read_text().splitlines()[0].removeprefix("#!").strip()
    subprocess.run([python, "-c", "import compileall, os, netverify; compileall.compile_dir("
                    "os.path.dirname(netverify.__file__), quiet=1)"], check=True)


def one_pod(folder: Path, workload: str) -> str:
    """A pod of ``ns/workload`` (who-can-reach takes one pod)."""
    import yaml

    ns, name = workload.split("/")
    for doc in yaml.load_all((folder / "pods" / f"{ns}.yaml").read_text(),
                             Loader=yaml.CSafeLoader):
        if doc and doc["metadata"]["name"].startswith(f"{name}-"):
            return f"{ns}/{doc['metadata']['name']}"
    raise SystemExit(f"{folder}: no pod of {workload}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="10000/2000", metavar="PODS/POLICIES")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/netverify-bench"))
    args = ap.parse_args()
    pods, policies = (int(x) for x in args.size.split("/"))
    folder = dataset(args.workdir, pods, policies, args.seed, True)
    src, dst = endpoints(folder)
    target = one_pod(folder, dst.split(":")[0])
    nv = netverify_cmd()
    _compile_package(nv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="netverify-latency-cache-") as cache:
        env = {**os.environ, "NETVERIFY_CACHE_DIR": cache}
        env.pop("NETVERIFY_NO_CACHE", None)
        for label, path in (("YAML folder", str(folder)), ("JSON List", f"{folder}.json")):
            for what, query in (("can-reach", ["can-reach", src, dst]),
                                ("who-can-reach", ["who-can-reach", target])):
                for state in ("cold", "warm"):
                    cmd = [*nv, *(["--no-cache"] if state == "cold" else []), *query,
                           "-f", path]
                    if state == "warm":
                        timed(cmd, env)  # fills the caches
                    runs = [timed(cmd, env) for _ in range(args.repeat)]
                    rows.append([label, what, state,
                                 f"{statistics.median(r[0] for r in runs):.2f}",
                                 f"{statistics.median(r[1] for r in runs):.2f}",
                                 ",".join(sorted({str(r[2]) for r in runs}))])
                    print(" ".join(map(str, rows[-1])), file=sys.stderr, flush=True)
    print(f"{pods} pods / {policies} policies; can-reach {src} {dst}; who-can-reach {target}; "
          f"median of {args.repeat}")
    print(tabulate(rows, headers=["input", "command", "caches", "CPU s", "wall s", "exit"]))


if __name__ == "__main__":
    main()
