"""Time ``diff`` of two 2,000-policy sets (issue 8) and print the figures.

The new side is the generated cluster with one policy's first port widened to
a range, so both the existing-pod part and the SMT part have work to do.

    python benchmarks/diff.py                   # 2000 pods / 2000 policies
    python benchmarks/diff.py --size 5000/2000

Never run by the test suite; prints figures only.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import dataset  # noqa: E402

from netverify.loader import load_cluster  # noqa: E402
from netverify.queries.diff import diff  # noqa: E402


def widen_one_port(src: Path, dst: Path) -> str:
    """Copy the cluster and turn the first ``port: N`` of a policy file into a range."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    for f in sorted(dst.rglob("*.yaml")):
        lines = f.read_text().splitlines(keepends=True)
        for i, line in enumerate(lines[:-1]):
            if line.strip() == "port: 8080" and "endPort" not in lines[i + 1]:
                indent = line[: len(line) - len(line.lstrip())]
                lines.insert(i + 1, f"{indent}endPort: 8090\n")
                f.write_text("".join(lines))
                return f"{f.relative_to(dst)}:{i + 1}"
    raise SystemExit("no policy with port 8080 to change")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="2000/2000", metavar="PODS/POLICIES")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/netverify-bench"))
    args = ap.parse_args()
    pods, policies = (int(x) for x in args.size.split("/"))
    old_dir = dataset(args.workdir, pods, policies, 1, True)
    new_dir = args.workdir / f"{old_dir.name}-widened"
    changed = widen_one_port(old_dir, new_dir)
    t = time.perf_counter()
    old, new = load_cluster([str(old_dir)]), load_cluster([str(new_dir)])
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    r = diff(old, new)
    diff_s = time.perf_counter() - t
    print(f"{pods} pods, {len(old.policies)} policies per side; changed {changed}")
    print(f"load both sides: {load_s:.2f} s   diff: {diff_s:.2f} s")
    print(f"existing-pod rows: {len(r.rows)}   newly allowed (any pod): {r.any_allowed}   "
          f"newly denied (any pod): {r.any_denied}")


if __name__ == "__main__":
    main()
