"""The flows file: ``source, destination, ports`` per line (CSV) or per entry (YAML).

CSV (``.csv`` or any other name)::

    # source, destination, ports   (a header line with these words is skipped)
    frontend/web, backend/api, TCP/8080
    internet, frontend/web, 8080
    backend/api, backend/db, TCP/5432 TCP/5433
    monitoring/*, backend/api, any

YAML (``.yaml``/``.yml``): a list of ``{source, destination, ports}`` maps (``ports``
a string or a list), or a map with such a list under ``flows``.

Endpoints: ``NS/NAME`` (a workload, or a pod without one), ``NS/*`` (every pod of the
namespace), ``internet`` or a CIDR.  Ports: ``PORT``, ``PORT-END``, ``PROTO/PORT``,
``PORT/PROTO``, ``PROTO`` (every port of it) or ``any``; several separated by spaces
or ``;``.  The protocol defaults to TCP.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import yaml

from netverify.errors import NetverifyError, show
from netverify.ports import MAX_PORT, MIN_PORT, PortSet, Protocol
from netverify.results import IntentFlow


class FlowsError(NetverifyError):
    """A flows file that cannot be read: names the file, line or entry, and the field."""


_PORT = re.compile(r"^(?:(?P<p1>tcp|udp|sctp)[/:])?(?P<lo>\d+)(?:-(?P<hi>\d+))?"
                   r"(?:/(?P<p2>tcp|udp|sctp))?$", re.IGNORECASE)


def parse_ports(text: str, where: str) -> PortSet:
    """``TCP/80 443 UDP/53`` as a PortSet.

    Raises:
        FlowsError: naming ``where`` for anything else.
    """
    out = PortSet.empty()
    parts = [p for p in re.split(r"[\s;]+", text.strip()) if p]
    if not parts:
        raise FlowsError(f"{where}: no ports (write 'any' for every port)")
    for part in parts:
        low = part.lower()
        if low in ("any", "*", "all"):
            return PortSet.all()
        if low in ("tcp", "udp", "sctp"):
            out = out.union(PortSet.of(Protocol(low.upper()), MIN_PORT, MAX_PORT))
            continue
        m = _PORT.match(part)
        if m is None or (m["p1"] and m["p2"]):
            raise FlowsError(f"{where}: ports {show(part)} is not PORT, PORT-END, PROTO/PORT, "
                             "PORT/PROTO, PROTO or any")
        proto = Protocol((m["p1"] or m["p2"] or "tcp").upper())
        lo, hi = int(m["lo"]), int(m["hi"] or m["lo"])
        if not MIN_PORT <= lo <= hi <= MAX_PORT:
            raise FlowsError(f"{where}: ports {show(part)} is outside 1-65535 or reversed")
        out = out.union(PortSet.of(proto, lo, hi))
    return out


def intent_kind(path: str) -> str:
    """``hubble`` (``*.json``, ``*.jsonl``), ``spec`` (YAML with ``assertions:``) or ``flows``."""
    if path.endswith((".json", ".jsonl")):
        return "hubble"
    if path.endswith((".yaml", ".yml")):
        try:
            doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            return "flows"  # read_flows says what is wrong with it
        if isinstance(doc, dict) and "assertions" in doc:
            return "spec"
    return "flows"


def read_flows(path: str) -> list[IntentFlow]:
    """The flows of a CSV or YAML flows file.

    Raises:
        FlowsError: for an unreadable file or a malformed line or entry.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise FlowsError(f"{path}: cannot read the flows file ({e})") from None
    if path.endswith((".yaml", ".yml")):
        return _yaml_flows(path, text)
    return _csv_flows(path, text)


def _csv_flows(path: str, text: str) -> list[IntentFlow]:
    out = []
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1)
             if line.strip() and not line.lstrip().startswith("#")]
    for n, line in lines:
        row = [c.strip() for c in next(csv.reader(io.StringIO(line)))]
        if [c.lower() for c in row[:2]] == ["source", "destination"]:
            continue  # the header
        where = f"{path}:{n}"
        if len(row) != 3 or not row[0] or not row[1]:
            raise FlowsError(f"{where}: expected 3 fields (source, destination, ports), got "
                             f"{len(row)}")
        out.append(IntentFlow(src=row[0], dst=row[1], ports=parse_ports(row[2], where),
                              origin=f"{Path(path).name}:{n}"))
    if not out:
        raise FlowsError(f"{path}: no flows")
    return out


def _yaml_flows(path: str, text: str) -> list[IntentFlow]:
    try:
        doc: Any = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise FlowsError(f"{path}: not YAML ({str(e).splitlines()[0]})") from None
    if isinstance(doc, dict):
        doc = doc.get("flows")
    if not isinstance(doc, list) or not doc:
        raise FlowsError(f"{path}: expected a list of flows (or a map with a 'flows' list)")
    out = []
    for i, entry in enumerate(doc):
        where = f"{path}: flows[{i}]"
        if not isinstance(entry, dict):
            raise FlowsError(f"{where}: expected a map with source, destination, ports")
        src, dst = entry.get("source"), entry.get("destination")
        for name, value in (("source", src), ("destination", dst)):
            if not isinstance(value, str) or not value.strip():
                raise FlowsError(f"{where}.{name}: expected a non-empty string, got "
                                 f"{show(value)}")
        ports = entry.get("ports", "any")
        if isinstance(ports, list):
            ports = " ".join(str(p) for p in ports)
        if not isinstance(ports, str | int):
            raise FlowsError(f"{where}.ports: expected a string or a list, got {show(ports)}")
        assert isinstance(src, str) and isinstance(dst, str)
        out.append(IntentFlow(src=src.strip(), dst=dst.strip(),
                              ports=parse_ports(str(ports), f"{where}.ports"),
                              origin=f"{Path(path).name}: flows[{i}]"))
    return out
