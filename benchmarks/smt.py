"""Time the SMT questions at growing policy counts and print a table.

For each size it generates a cluster with ``generate.py`` (cached under
``--workdir``), encodes it once, then times (wall clock, in-process, best of
``--repeat``):

- a hypothetical ``can-reach`` from any pod of one namespace (``NS/*``) to a pod;
- the same from any pod of any namespace, new ones included (``*/*``);
- ``who-can-reach`` of that pod (existing sources + every possible source family).

Aim (issue 3): under 2 s per query at 2,000 policies on this machine.

    python benchmarks/smt.py                       # 100, 1000, 2000, 5000 policies
    python benchmarks/smt.py --sizes 1000/2000

Never run by the test suite; prints figures only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tabulate import tabulate

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import dataset  # noqa: E402

from netverify.loader import load_cluster  # noqa: E402
from netverify.queries.hypothetical import can_reach_hypothetical  # noqa: E402
from netverify.queries.who_can_reach import who_can_reach  # noqa: E402

DEFAULT_SIZES = ("500/100", "1000/1000", "2000/2000", "5000/5000")


def best(repeat: int, fn) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES), metavar="PODS/POLICIES")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/netverify-bench"))
    args = ap.parse_args()
    rows = []
    for size in args.sizes:
        pods, policies = (int(x) for x in size.split("/"))
        path = dataset(args.workdir, pods, policies, args.seed, True)
        print(f"{size}: loading {path}", file=sys.stderr)
        c = load_cluster([str(path)])
        dst = c.pods[len(c.pods) // 2]
        ns = sorted(c.namespaces)[0]
        t1, r1 = best(args.repeat, lambda c=c, ns=ns, dst=dst: can_reach_hypothetical(
            c, f"{ns}/*", f"{dst.key}:8080"))
        t2, r2 = best(args.repeat, lambda c=c, dst=dst: can_reach_hypothetical(
            c, "*/*", f"{dst.key}:8080", new_namespaces=True))
        t3, r3 = best(args.repeat, lambda c=c, dst=dst: who_can_reach(c, dst.key))
        rows.append([pods, len(c.policies), f"{t1:.2f} ({r1.outcome})",  # type: ignore[attr-defined]
                     f"{t2:.2f} ({r2.outcome})", f"{t3:.2f} ({len(r3.classes)} families)"])  # type: ignore[attr-defined]
    print(tabulate(rows, headers=["pods", "policies", "NS/* -> pod s", "*/* (+new ns) -> pod s",
                                  "who-can-reach s"]))


if __name__ == "__main__":
    main()
