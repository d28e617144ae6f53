"""Time ``diff`` of two generated policy sets (issues 8 and 16) and print the figures.

The new side is the generated cluster with one policy's first port widened to
a range, so both the existing-pod part and the SMT part have work to do.
Figures are CPU seconds of this process per phase: loading both sides, the
existing-pod part, and the solver part (every pod that could exist) per
direction; ``--whole`` also times the whole-cluster solver question (the
reference ``localised=False``), which can take many minutes at 10,000 pods.

    python benchmarks/diff.py                   # 2000 pods / 2000 policies
    python benchmarks/diff.py --size 10000/2000
    python benchmarks/diff.py --size 2000/2000 --whole

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
from netverify.queries import diff_symbolic  # noqa: E402
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


class _Phases:
    """CPU seconds of each solver check, by direction (wraps ``diff_symbolic.check``)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.direction = ""
        self._check = diff_symbolic.check
        self._change = diff_symbolic._Asker.ask

    def __enter__(self) -> _Phases:
        phases = self
        real_ask = self._change

        def ask(asker: object, q: object) -> object:
            t = time.process_time()
            try:
                return real_ask(asker, q)  # type: ignore[arg-type]
            finally:
                key = phases.direction
                phases.seconds[key] = phases.seconds.get(key, 0.0) + time.process_time() - t

        real_whole, real_local = diff_symbolic._Asker.whole, diff_symbolic._Asker.local

        def whole(asker: object, change: object, *args: object) -> object:
            phases.direction = f"newly {change.value}"  # type: ignore[attr-defined]
            return real_whole(asker, change, *args)  # type: ignore[arg-type]

        def local(asker: object, change: object, *args: object) -> object:
            phases.direction = f"newly {change.value}"  # type: ignore[attr-defined]
            return real_local(asker, change, *args)  # type: ignore[arg-type]

        diff_symbolic._Asker.ask = ask  # type: ignore[assignment,method-assign]
        diff_symbolic._Asker.whole = whole  # type: ignore[assignment,method-assign]
        diff_symbolic._Asker.local = local  # type: ignore[assignment,method-assign]
        self._restore = (real_ask, real_whole, real_local)
        return self

    def __exit__(self, *exc: object) -> None:
        (diff_symbolic._Asker.ask, diff_symbolic._Asker.whole,  # type: ignore[method-assign]
         diff_symbolic._Asker.local) = self._restore  # type: ignore[method-assign]


def _cpu(f):  # type: ignore[no-untyped-def]
    t = time.process_time()
    out = f()
    return out, time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="2000/2000", metavar="PODS/POLICIES")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/netverify-bench"))
    ap.add_argument("--whole", action="store_true",
                    help="also time the whole-cluster solver question (the reference)")
    args = ap.parse_args()
    pods, policies = (int(x) for x in args.size.split("/"))
    old_dir = dataset(args.workdir, pods, policies, 1, True)
    new_dir = args.workdir / f"{old_dir.name}-widened"
    changed = widen_one_port(old_dir, new_dir)
    (old, new), load_s = _cpu(lambda: (load_cluster([str(old_dir)]),
                                       load_cluster([str(new_dir)])))
    from netverify.queries.diff_pods import changed_pairs
    pairs, pods_s = _cpu(lambda: changed_pairs(old, new))
    print(f"{pods} pods, {len(old.policies)} policies per side; changed {changed}")
    print(f"CPU s: load both sides {load_s:.2f}   existing-pod pairs {pods_s:.2f} "
          f"({len(pairs)} changed)")
    for localised in (True, False) if args.whole else (True,):
        with _Phases() as ph:
            (allowed, denied, _, caveats), sym_s = _cpu(
                lambda loc=localised: diff_symbolic.symbolic_diff(  # type: ignore[misc]
                    old, new, 600_000, localised=loc))
        per = "   ".join(f"{k} {v:.2f}" for k, v in sorted(ph.seconds.items()))
        print(f"solver part ({'localised' if localised else 'whole cluster'}): {sym_s:.2f} "
              f"(checks: {per})   newly allowed {allowed.value}, newly denied {denied.value}"
              + (f"   caveats: {caveats}" if caveats else ""))
    r, diff_s = _cpu(lambda: diff(old, new))
    print(f"diff() as a whole: {diff_s:.2f}   rows: {len(r.rows)}   newly allowed (any pod): "
          f"{r.any_allowed.value}   newly denied (any pod): {r.any_denied.value}")


if __name__ == "__main__":
    main()
