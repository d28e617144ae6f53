"""Hubble flows as intent: an export made from a cluster's allowed pairs round-trips.

The records follow Cilium's observer API (``flow/flow.proto``, as ``hubble observe -o
json`` prints it, one ``{"flow": {...}}`` per line): ``verdict`` FORWARDED or DROPPED,
``is_reply`` for the answer direction, ``Type`` L3_L4 or L7, ``l4`` with one of
``TCP``/``UDP``/``SCTP``/``ICMPv4`` and a ``destination_port``, endpoints with
``namespace``, ``pod_name``, ``labels`` (``k8s:key=value``) and ``workloads``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from netverify.cli import main
from netverify.engines.concrete import Evaluator
from netverify.loader import load_cluster, load_text
from netverify.model import Cluster, Pod
from netverify.ports import PROTOCOLS
from netverify.suggest import suggest
from netverify.suggest.hubble import HubbleError, read_hubble

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "fixtures" / "demo")
TOUCHED = ("backend", "frontend")


def _endpoint(p: Pod) -> dict[str, Any]:
    labels = [f"k8s:{k}={v}" for k, v in p.labels.items()]
    labels.append(f"k8s:io.kubernetes.pod.namespace={p.namespace}")
    return {"namespace": p.namespace, "pod_name": f"{p.name}-7d9f8-x2x4q", "labels": labels,
            "workloads": [{"name": p.name, "kind": p.kind}]}


def _record(a: Pod, b: Pod, proto: str, port: int, **extra: Any) -> str:
    flow = {"verdict": "FORWARDED", "Type": "L3_L4", "traffic_direction": "EGRESS",
            "IP": {"source": "10.0.0.1", "destination": "10.0.0.2", "ipVersion": "IPv4"},
            "l4": {proto: {"source_port": 40000, "destination_port": port}},
            "source": _endpoint(a), "destination": _endpoint(b), **extra}
    return json.dumps({"flow": flow, "node_name": "node-1", "time": "2026-01-01T00:00:00Z"})


def _export(c: Cluster) -> tuple[str, dict[tuple[str, str], Any]]:
    """Records of every allowed pod pair and port with a side in TOUCHED, plus noise."""
    ev = Evaluator(c)
    lines, seen = [], {}
    for a in c.pods:
        for b in c.pods:
            if a.namespace not in TOUCHED and b.namespace not in TOUCHED:
                continue
            ps = ev.allowed_ports(a, b)
            seen[(a.key, b.key)] = ps
            for proto in PROTOCOLS:
                for lo, hi in ps.get(proto):
                    assert hi - lo < 100, "the export names ports one by one"
                    for port in range(lo, hi + 1):
                        lines.append(_record(a, b, proto.value, port))
                        # the answer, and the L7 record of the same connection: ignored
                        lines.append(_record(b, a, proto.value, 40000, is_reply=True))
                        lines.append(_record(a, b, proto.value, port, Type="L7"))
            if ps.is_empty:  # what the policies drop is no intent
                lines.append(_record(a, b, "TCP", 9999, verdict="DROPPED"))
    web = next(p for p in c.pods if p.key == "frontend/web")
    ping = json.loads(_record(web, web, "TCP", 1))
    ping["flow"]["l4"] = {"ICMPv4": {"type": 8}}
    lines.append(json.dumps(ping))
    return "\n".join(lines) + "\n", seen


def test_a_hubble_export_of_the_allowed_pairs_round_trips(tmp_path: Path) -> None:
    demo = load_cluster([DEMO])
    text, before = _export(demo)
    path = tmp_path / "flows.json"
    path.write_text(text)
    observed = read_hubble(str(path), demo)
    assert not observed.unknown
    assert observed.ignored["replies"] > 0 and observed.ignored["L7 records"] > 0
    assert observed.ignored["not FORWARDED (DROPPED)"] > 0
    assert observed.ignored["without a TCP, UDP or SCTP destination port"] == 1
    r = suggest(demo, observed=[observed], replace_existing=True, namespaces=TOUCHED)
    assert r.proved, (r.checks, r.mismatches)
    added = load_text("---\n".join(t for _, t in r.documents), "s.yaml").policies
    after = replace(demo, policies=(*[p for p in demo.policies if p.namespace not in TOUCHED],
                                    *added))
    ev = Evaluator(after)
    pods = {p.key: p for p in demo.pods}
    for (a, b), ps in before.items():
        assert ev.allowed_ports(pods[a], pods[b]) == ps, (a, b)


def test_cli_reads_a_hubble_export(tmp_path: Path) -> None:
    demo = load_cluster([DEMO])
    text, _ = _export(demo)
    path = tmp_path / "flows.json"
    path.write_text(text)
    r = CliRunner().invoke(main, ["suggest", str(path), "-f", DEMO, "--replace",
                                  "-n", "backend", "-n", "frontend", "--explain"])
    assert r.exit_code == 0, r.output
    assert "Hubble records ignored" in r.stdout


def test_a_flow_of_a_pod_not_in_the_input_makes_the_intent_unmet(tmp_path: Path) -> None:
    demo = load_cluster([DEMO])
    web = next(p for p in demo.pods if p.key == "frontend/web")
    ghost = replace(web, namespace="frontend", name="ghost", labels={"app": "ghost"})
    path = tmp_path / "flows.json"
    path.write_text(_record(ghost, web, "TCP", 8080) + "\n")
    r = suggest(demo, observed=[read_hubble(str(path), demo)])
    assert r.failed
    assert any("is no workload of the input" in u for u in r.unmet)


def test_traffic_from_outside_becomes_an_address_block(tmp_path: Path) -> None:
    demo = load_cluster([DEMO])
    web = next(p for p in demo.pods if p.key == "frontend/web")
    rec = json.loads(_record(web, web, "TCP", 8080))
    rec["flow"]["source"] = {"identity": 2, "labels": ["reserved:world"]}
    rec["flow"]["IP"]["source"] = "203.0.113.9"
    path = tmp_path / "flows.json"
    path.write_text(json.dumps(rec) + "\n")
    got = read_hubble(str(path), demo)
    assert [(f.src, f.dst) for f in got.flows] == [("cidr:203.0.113.9/32", "frontend/web")]


def test_a_line_that_is_not_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "flows.json"
    path.write_text('{"flow": {}}\nnot json\n')
    with pytest.raises(HubbleError, match=r"flows.json:2: not JSON"):
        read_hubble(str(path), load_cluster([DEMO]))
