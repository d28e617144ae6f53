"""Time the shapes that used to hang: a policy with many peers, a rule with many ports.

Two shapes, each written next to a synthetic cluster from ``generate.py``:

- **many peers**: namespace ``wide`` with pod ``target`` whose ingress policy has
  ``--peers`` peers (namespaceSelector + podSelector over the generated
  namespaces' labels, podSelector alone, matchExpressions, ipBlocks), loaded with
  the ``--base`` cluster so that every source family meets its egress policies.
  Timed: ``who-can-reach wide/target``, and the same with ``--smt-timeout`` set
  below what it needs (it must stop there, exit 3).
- **many ports**: namespace ``ports`` with ``client`` and ``server`` whose ingress
  and egress rules list ``--ports`` entries (single ports, alternating TCP and
  UDP) or as many ``endPort`` ranges.  Timed: ``can-reach`` (concrete),
  ``can-reach --engine smt``, ``can-reach --hypothetical ports/* ports/server``,
  ``who-can-reach ports/server``, ``matrix -n ports`` and ``lint``.

Each command is a whole process (start-up and loading included; parse cache
off), best of ``--repeat``, with CPU seconds and peak memory.  Never run by the
test suite; prints figures only.

    python benchmarks/bounds.py                        # 1000 and 3000 peers, 10,000 ports
    python benchmarks/bounds.py --peers 1000 --ports 2000 --repeat 1
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from tabulate import tabulate

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import dataset, netverify_cmd  # noqa: E402

Obj = dict[str, Any]


def _policy(namespace: str, name: str, spec: Obj) -> Obj:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def _pod(namespace: str, name: str, labels: dict[str, str], ip: str) -> Obj:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"containers": [{"name": "c", "image": "registry.example.com/x:1",
                                     "ports": [{"containerPort": 8080, "name": "http"}]}]},
            "status": {"podIP": ip}}


def wide_peers(base: Path, n: int) -> list[Obj]:
    """``wide/target`` admitting ``n`` peers on TCP 8080 (and a named port)."""
    spaces = [d for d in yaml.safe_load_all((base / "namespaces.yaml").read_text())
              if d and d["metadata"].get("labels", {}).get("env")]
    peers: list[Obj] = []
    for i in range(n):
        ns = spaces[i % len(spaces)]["metadata"]["labels"]
        kind = i % 4
        if kind == 0:
            peers.append({"namespaceSelector": {"matchLabels": {"team": ns["team"]}},
                          "podSelector": {"matchLabels": {"tier": ("frontend", "backend")[i % 2],
                                                          "client": f"c{i}"}}})
        elif kind == 1:
            peers.append({"podSelector": {"matchLabels": {"app": f"client-{i}"}}})
        elif kind == 2:
            peers.append({"namespaceSelector": {"matchLabels": {"env": ns["env"]}},
                          "podSelector": {"matchExpressions": [
                              {"key": "version", "operator": "In", "values": [f"v{i}"]}]}})
        else:
            peers.append({"ipBlock": {"cidr": f"198.{18 + i // 65536 % 2}.{i // 256 % 256}."
                                              f"{i % 256}/32"}})
    return [
        {"apiVersion": "v1", "kind": "Namespace",
         "metadata": {"name": "wide", "labels": {"team": "wide", "env": "prod"}}},
        _pod("wide", "target", {"app": "target"}, "10.250.0.10"),
        _policy("wide", "many-peers", {
            "podSelector": {"matchLabels": {"app": "target"}}, "policyTypes": ["Ingress"],
            "ingress": [{"from": peers, "ports": [{"port": 8080}, {"port": "http"}]}]}),
    ]


def many_ports(n: int, ranges: bool) -> list[Obj]:
    """``ports/client`` -> ``ports/server`` on ``n`` entries, on both sides."""
    if ranges:
        entries: list[Obj] = [{"port": 1 + 6 * i, "endPort": 4 + 6 * i} for i in range(n)]
    else:
        entries = [{"port": 1 + 2 * i, "protocol": ("TCP", "UDP")[i % 2]} for i in range(n)]
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ports"}},
        _pod("ports", "client", {"app": "client"}, "10.250.1.10"),
        _pod("ports", "server", {"app": "server"}, "10.250.1.11"),
        _policy("ports", "in", {
            "podSelector": {"matchLabels": {"app": "server"}}, "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "client"}}}],
                         "ports": entries}]}),
        _policy("ports", "out", {
            "podSelector": {"matchLabels": {"app": "client"}}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "server"}}}],
                        "ports": entries}]}),
    ]


def write(path: Path, docs: list[Obj]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.dump_all(docs, Dumper=yaml.CSafeDumper, sort_keys=False))
    return path


def timed(cmd: list[str], repeat: int) -> tuple[float, float, float, int]:
    """Best wall s of ``repeat`` runs, with that run's CPU s, peak MB and exit status."""
    best: tuple[float, float, float, int] | None = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1, 3):
            err = p.stderr.read().decode() if p.stderr else ""
            raise RuntimeError(f"{' '.join(cmd)} failed ({code}): {err[-2000:]}")
        run = (wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, code)
        if best is None or run[0] < best[0]:
            best = run
    assert best is not None
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", default="1000/200", metavar="PODS/POLICIES",
                    help="the generated cluster the many-peers policy is added to")
    ap.add_argument("--peers", type=int, nargs="+", default=[1000, 3000])
    ap.add_argument("--ports", type=int, nargs="+", default=[10_000])
    ap.add_argument("--bound", type=float, default=5.0,
                    help="--smt-timeout for the bounded who-can-reach run (seconds)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/netverify-bench"))
    a = ap.parse_args(argv)
    nv = [*netverify_cmd(), "--no-cache"]
    pods, policies = (int(x) for x in a.base.split("/"))
    base = dataset(a.workdir, pods, policies, 1, True)
    rows = []
    for n in a.peers:
        extra = write(a.workdir / "bounds" / f"peers-{n}.yaml", wide_peers(base, n))
        files = ["-f", str(base), "-f", str(extra)]
        for label, more in (("who-can-reach wide/target", []),
                            (f"who-can-reach wide/target --smt-timeout {a.bound:g}",
                             ["--smt-timeout", f"{a.bound:g}"])):
            print(f"{n} peers: {label}", file=sys.stderr)
            wall, cpu, mb, code = timed([*nv, "who-can-reach", "wide/target", *files, *more,
                                         "--format", "json"], a.repeat)
            rows.append([f"{n:,} peers + {a.base}", label, f"{wall:.2f}", f"{cpu:.2f}",
                         f"{mb:.0f}", code])
    for n in a.ports:
        for ranges in (False, True):
            shape = f"{n:,} {'endPort ranges' if ranges else 'ports'}"
            path = write(a.workdir / "bounds" / f"ports-{n}{'-ranges' if ranges else ''}.yaml",
                         many_ports(n, ranges))
            for label, args in (
                    ("can-reach", ["can-reach", "ports/client", "ports/server"]),
                    ("can-reach :8081", ["can-reach", "ports/client", "ports/server:8081"]),
                    ("can-reach --engine smt", ["can-reach", "--engine", "smt",
                                                "ports/client", "ports/server"]),
                    ("can-reach --hypothetical", ["can-reach", "--hypothetical", "ports/*",
                                                  "ports/server"]),
                    ("who-can-reach", ["who-can-reach", "ports/server"]),
                    ("matrix", ["matrix", "-n", "ports"]),
                    ("lint", ["lint"])):
                print(f"{shape}: {label}", file=sys.stderr)
                wall, cpu, mb, code = timed([*nv, *args, "-f", str(path)], a.repeat)
                rows.append([shape, label, f"{wall:.2f}", f"{cpu:.2f}", f"{mb:.0f}", code])
    print(tabulate(rows, headers=["shape", "command", "wall s", "CPU s", "peak MB", "exit"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
