"""Time ``netverify audit`` on a generated cluster: each rule, the whole report, each format.

Generates (or reuses, under ``--workdir``) a synthetic cluster with ``generate.py``,
then in this process:

- loads it;
- runs every rule registered at that moment on its own (seconds and findings per rule);
- runs the whole ``audit()`` with the connectivity the Markdown, HTML and JSON reports
  show (namespace matrix, and the workload matrix when there are at most 40 workloads);
- renders each format the registry has for audit reports from that report;

and, unless ``--no-cli``, runs ``netverify audit --format F -o FILE`` per format as a
whole process, start-up and loading included: what a CI job pays.

Aim (issue 6): the whole report on 5,000 pods in under a minute.

    python benchmarks/audit.py                        # 5000 pods / 1000 policies
    python benchmarks/audit.py --pods 1000 --policies 200 --no-cli

Never run by the test suite; prints figures only.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import dataset, netverify_cmd, run_timed  # noqa: E402

AIM_S = 60.0


def audit_formats() -> list[str]:
    """Every format the renderer registry has for audit reports."""
    from netverify.renderers import formats_for
    from netverify.results import AuditReport

    return [f.value for f in formats_for(AuditReport)]


def in_process(path: Path) -> list[tuple[str, str, float]]:
    """Rows of (what, detail, seconds), measured in this process."""
    from netverify.audit.registry import all_rules
    from netverify.audit.run import audit
    from netverify.loader import load_cluster
    from netverify.renderers import RenderOptions, render

    rows: list[tuple[str, str, float]] = []
    t0 = time.perf_counter()
    cluster = load_cluster([str(path)])
    rows.append(("load", f"{len(cluster.pods)} pods, {len(cluster.policies)} policies, "
                         f"{len(cluster.namespaces)} namespaces", time.perf_counter() - t0))
    for rule in all_rules():
        t0 = time.perf_counter()
        found = list(rule().check(cluster))
        rows.append((f"rule {rule.code}", f"{len(found)} findings", time.perf_counter() - t0))
    t0 = time.perf_counter()
    report = audit(cluster, inputs=[str(path)])
    rows.append(("audit()", f"{len(report.findings)} findings, "
                            f"{len(report.suppressed)} suppressed, workload matrix "
                            f"{'yes' if report.workload_connectivity else 'no'}",
                 time.perf_counter() - t0))
    for fmt in audit_formats():
        t0 = time.perf_counter()
        text = render(report, fmt, RenderOptions())
        rows.append((f"render {fmt}", f"{len(text.encode()) / 1024:.0f} KiB",
                     time.perf_counter() - t0))
    return rows


def cli(path: Path) -> list[tuple[str, str, float]]:
    """One whole ``netverify audit`` process per format."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in audit_formats():
            out = Path(tmp) / f"report.{fmt}"
            wall, mb, code, cpu = run_timed([*netverify_cmd(), "--no-cache", "audit", "-f",
                                             str(path), "--format", fmt, "-o", str(out)])
            rows.append((f"CLI --format {fmt}", f"exit {code}, {mb:.0f} MB peak, "
                                                f"{cpu:.1f} s CPU", wall))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pods", type=int, default=5000)
    ap.add_argument("--policies", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", default="/tmp/netverify-bench")
    ap.add_argument("--no-cli", action="store_true", help="skip the whole-process runs")
    a = ap.parse_args(argv)
    workdir = Path(a.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    path = dataset(workdir, a.pods, a.policies, a.seed, True)
    rows = in_process(path)
    if not a.no_cli:
        rows += cli(path)
    width = max(len(r[0]) for r in rows)
    print(f"| {'step'.ljust(width)} |     s | detail |")
    print(f"|{'-' * (width + 2)}|------:|--------|")
    for what, detail, secs in rows:
        print(f"| {what.ljust(width)} | {secs:5.2f} | {detail} |")
    whole = sum(s for w, _, s in rows if w in ("load", "audit()") or w.startswith("render"))
    print(f"\nload + audit() + every format, in-process: {whole:.1f}s "
          f"(aim < {AIM_S:.0f}s): {'met' if whole < AIM_S else 'NOT met'}")
    slowest = max((r for r in rows if r[0].startswith("CLI")), key=lambda r: r[2], default=None)
    if slowest is not None:
        print(f"slowest whole process: {slowest[0]} {slowest[2]:.1f}s "
              f"(aim < {AIM_S:.0f}s): {'met' if slowest[2] < AIM_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
