"""YAML parsers for the loader, measured: speed on a large cluster, agreement everywhere.

netverify reads YAML with PyYAML's libyaml parser (``CSafeLoader``) and builds the data
from its node tree itself (``loader/yamldata.py``: repeated keys refused, limits, merge
keys, YAML 1.1 scalars, positions kept for the line tables).  This script times the
candidates on the YAML files of a cluster folder and compares the data each one gives,
document by document, with netverify's reader on every fixture and corpus manifest:

- ``netverify``: ``yamldata.iter_documents`` (what the loader does today);
- ``pyyaml-c``: ``yaml.load_all(Loader=CSafeLoader)`` (libyaml and PyYAML's constructor,
  no node tree kept);
- ``yaml-rs``: ``yaml_rs.loads`` (Rust, YAML 1.2 core schema), if installed;
- ``ryml``: ``ryml.parse_in_arena`` (rapidyaml, C++; a tree of offsets only: turning it
  into Python data is left out of its time, so it is a lower bound), if installed.

Install the candidates in a venv of their own (they are not netverify dependencies)::

    python -m venv /tmp/yv && /tmp/yv/bin/pip install pyyaml rapidyaml yaml-rs
    PYTHONPATH=. /tmp/yv/bin/python benchmarks/yaml_parsers.py /tmp/netverify-bench/100000-10000-s1

Prints CPU seconds per parser and, per parser, the documents whose data differ from
netverify's (with the first few paths) and the texts it refuses or accepts unlike
netverify.
"""

from __future__ import annotations

import argparse
import resource
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from netverify.loader.yamldata import YamlProblem, iter_documents

REPO = Path(__file__).resolve().parents[1]
CORPORA = (REPO / "fixtures", REPO / "tests", REPO / "examples", Path("/work/shared/corpus"))


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _netverify(text: str) -> list[Any]:
    return [data for _, _, data in iter_documents(text) if data is not None]


def _pyyaml(text: str) -> list[Any]:
    return [d for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if d is not None]


def _parsers() -> dict[str, Callable[[str], Any]]:
    out: dict[str, Callable[[str], Any]] = {"netverify": _netverify, "pyyaml-c": _pyyaml}
    try:
        import yaml_rs

        def rs(text: str) -> list[Any]:
            got = yaml_rs.loads(text, parse_datetime=False)
            docs = got if isinstance(got, list) and text.count("\n---") else [got]
            return [d for d in docs if d is not None]

        out["yaml-rs"] = rs
    except ImportError:
        print("yaml-rs not installed: skipped", file=sys.stderr)
    try:
        import ryml

        def rapid(text: str) -> Any:
            return ryml.parse_in_arena(text.encode())

        out["ryml (tree only)"] = rapid
    except ImportError:
        print("rapidyaml not installed: skipped", file=sys.stderr)
    return out


def _diff(a: Any, b: Any, path: str = "") -> Iterator[str]:
    if type(a) is not type(b):
        yield f"{path or '/'}: {a!r} vs {b!r}"
    elif isinstance(a, dict):
        for k in a.keys() | b.keys():
            if k not in a or k not in b:
                yield f"{path}/{k}: only in one"
            else:
                yield from _diff(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list):
        if len(a) != len(b):
            yield f"{path}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            yield from _diff(x, y, f"{path}/{i}")
    elif a != b:
        yield f"{path or '/'}: {a!r} vs {b!r}"


def speed(folder: Path, parsers: dict[str, Callable[[str], Any]]) -> None:
    texts = [p.read_text() for p in sorted(folder.rglob("*.yaml"))]
    size = sum(len(t) for t in texts) / 1e6
    print(f"{len(texts)} files, {size:.0f} MB of YAML under {folder}")
    for name, parse in parsers.items():
        t = _cpu()
        for text in texts:
            parse(text)
        print(f"  {name:18} {_cpu() - t:7.1f} s CPU")


def agreement(parsers: dict[str, Callable[[str], Any]]) -> None:
    files = [p for root in CORPORA if root.exists() for p in sorted(root.rglob("*.y*ml"))]
    print(f"{len(files)} fixture and corpus files")
    for name, parse in parsers.items():
        if name in ("netverify",) or name.startswith("ryml"):
            continue
        differ, refused, accepted = [], [], []
        for f in files:
            text = f.read_text(errors="replace")
            try:
                want = _netverify(text)
            except YamlProblem:
                want = None
            try:
                got = parse(text)
            except Exception:  # each library has its own errors
                got = None
            if want is None and got is not None:
                accepted.append(f)
            elif want is not None and got is None:
                refused.append(f)
            elif want is not None and got != want:
                differ.append((f, list(_diff(want, got))[:3]))
        print(f"  {name}: {len(differ)} files give other data, {len(refused)} refused that "
              f"netverify reads, {len(accepted)} read that netverify refuses")
        for f, paths in differ[:8]:
            print(f"    {f.relative_to(f.parents[2])}: {'; '.join(paths)}")
        for f in refused[:4]:
            print(f"    refused: {f.relative_to(f.parents[2])}")
        for f in accepted[:4]:
            print(f"    accepted: {f.relative_to(f.parents[2])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", nargs="?", help="a generated cluster folder to time")
    args = ap.parse_args()
    parsers = _parsers()
    if args.folder:
        speed(Path(args.folder), parsers)
    agreement(parsers)


if __name__ == "__main__":
    main()
