"""Time ``netverify lint`` on synthetic clusters (issue 16) and print CPU seconds.

For each size (pods/policies) this generates a cluster with ``generate.py`` (cached
under ``--workdir``) and runs ``netverify lint`` as a whole process, reporting user+sys
CPU seconds of that process (other jobs sharing the cores do not count), wall clock,
the exit status and the number of findings.  Aim: 5,000 pods / 1,000 policies < 60 s.

    python benchmarks/lint.py                       # 500/100 1000/200 5000/1000
    python benchmarks/lint.py --sizes 500/100 --timeout 600

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

DEFAULT_SIZES = ("500/100", "1000/200", "5000/1000")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> int:
    """Print one row per size."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES))
    ap.add_argument("--workdir", default="/tmp/netverify-bench")
    ap.add_argument("--timeout", type=float, default=3000, help="--smt-timeout, seconds")
    args = ap.parse_args()
    print("| pods | policies | CPU s (user+sys) | wall s | exit | findings |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        pods, policies = (int(x) for x in size.split("/"))
        out = Path(args.workdir) / f"lint-{pods}-{policies}"
        if not out.exists():
            generate(pods=pods, policies=policies, out=out)
        before, t0 = _cpu(), time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "netverify", "lint", "-f", str(out),
                            "--format", "json", "--smt-timeout", str(args.timeout)],
                           capture_output=True, text=True, check=False)
        wall, cpu = time.perf_counter() - t0, _cpu() - before
        found = len(json.loads(r.stdout)["findings"]) if r.stdout.strip() else "-"
        print(f"| {pods} | {policies} | {cpu:.1f} | {wall:.1f} | {r.returncode} | {found} |",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
