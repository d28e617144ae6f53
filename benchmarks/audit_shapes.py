"""Time audit rules on the adversarial cluster shapes the test suite builds.

The suite keeps these shapes (``tests/audit/test_exposure.py``,
``tests/audit/test_rules_exposure.py``) to check the rules' findings; how long the rules
take on them is measured here instead, because a timed unit test fails on a loaded machine
and proves nothing on an idle one.  The shapes are ones that were once slow:

- ``allowlist``: 900 namespaces with the same 200-range office allowlist (NV106, NV120,
  NV121 took 90 s before equal allowlists shared their work);
- ``dns``: 5,000 pods, a default deny per namespace and a kube-system deny (NV102, NV110,
  NV501);
- ``services``: 5,000 pods, 1,000 Services, 1,000 policies (the NV5xx-NV7xx rules).

    python benchmarks/audit_shapes.py            # all three
    python benchmarks/audit_shapes.py allowlist

Never run by the test suite; prints seconds and finding counts per shape.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netverify.audit.registry import all_rules, get_rule  # noqa: E402
from netverify.model import Cluster  # noqa: E402
from tests.audit.test_exposure import _allowlist_cluster, _many_pods  # noqa: E402
from tests.audit.test_rules_exposure import _big  # noqa: E402

# What each shape ran in before the fixes, and the bound the old timed tests held them to.
SHAPES: dict[str, tuple[Callable[[], Cluster], Callable[[], list[str]], float]] = {
    "allowlist": (_allowlist_cluster, lambda: ["NV106", "NV120", "NV121"], 10.0),
    "dns": (_many_pods, lambda: ["NV102", "NV110", "NV501"], 10.0),
    "services": (_big, lambda: [r.code for r in all_rules() if r.code[2] in "567"], 15.0),
}


def main() -> None:
    """Build each chosen shape, run its rules, print seconds against the aim."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shapes", nargs="*", metavar="SHAPE",
                        help=f"any of {', '.join(SHAPES)} (default: all)")
    args = parser.parse_args()
    unknown = [s for s in args.shapes if s not in SHAPES]
    if unknown:
        parser.error(f"unknown shape {unknown[0]!r}: choose from {', '.join(SHAPES)}")
    for name in args.shapes or SHAPES:
        build, codes, aim = SHAPES[name]
        cluster = build()
        start = time.process_time()
        counts = {c: len(list(get_rule(c)().check(cluster))) for c in codes()}
        cpu = time.process_time() - start
        verdict = "ok" if cpu < aim else "OVER"
        print(f"{name:10} {cpu:6.1f} s CPU (aim < {aim:.0f} s: {verdict})  findings {counts}")


if __name__ == "__main__":
    main()
