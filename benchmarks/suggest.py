"""Time ``netverify suggest --lock-current`` on synthetic clusters (issue 18) and print figures.

For each size (pods/policies) this generates a cluster with ``generate.py`` (cached
under ``--workdir``) and runs ``netverify suggest --lock-current --format json`` as a whole
process, reporting user+sys CPU seconds of that process (other jobs sharing the cores do
not count), wall clock, the exit status, the number of policies suggested, the pod pairs
the proof checked and whether it proved.  Aim: 1,000 pods / 200 policies < 30 s.
For timings with peak memory use ``farm-bench`` on the printed command.

    python benchmarks/suggest.py                       # 1000/200
    python benchmarks/suggest.py --sizes 1000/200 5000/1000 --replace

Never run by the test suite; prints figures only.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

DEFAULT_SIZES = ("1000/200",)


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> int:
    """Print one row per size."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES))
    ap.add_argument("--workdir", default="/tmp/netverify-bench")
    ap.add_argument("--replace", action="store_true", help="suggest --replace")
    args = ap.parse_args()
    print("| pods | policies | CPU s (user+sys) | wall s | exit | suggested | pod pairs | proved |")
    print("|---:|---:|---:|---:|---:|---:|---:|:---|")
    for size in args.sizes:
        pods, policies = (int(x) for x in size.split("/"))
        out = Path(args.workdir) / f"suggest-{pods}-{policies}"
        if not out.exists():
            generate(pods=pods, policies=policies, out=out)
        cmd = [sys.executable, "-m", "netverify", "--no-cache", "suggest", "--lock-current",
               "-f", str(out), "--format", "json", *(["--replace"] if args.replace else [])]
        print(f"<!-- {' '.join(cmd)} -->", file=sys.stderr)
        before, t0 = _cpu(), time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall, cpu = time.perf_counter() - t0, _cpu() - before
        doc = json.loads(r.stdout) if r.stdout.strip() else None
        n = len(doc["policies"]) if doc else "-"
        pairs = f"{doc['proof']['pod_pairs']:,}" if doc else "-"
        proved = doc["proved"] if doc else r.stderr.strip()[:80]
        print(f"| {pods} | {policies} | {cpu:.1f} | {wall:.1f} | {r.returncode} | {n} | "
              f"{pairs} | {proved} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
