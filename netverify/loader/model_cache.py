"""A cache of the built model: one query on an unchanged input skips parsing and building.

Building the ``Cluster`` costs about as much as parsing (1 s of CPU for 10,000 pods),
so the parse cache alone leaves a single ``can-reach`` well above a second; reading
back the pickled model takes about a quarter of that.  An entry is keyed by
everything the model is made of:

- the input files in the order read, each by the path the model cites and its
  bytes (SHA-256 of both);
- the options that change the model (``ignore_kinds``);
- the netverify version and the SHA-256 of every module of the ``netverify`` package
  (a development checkout changes without a new version; a model class or validation
  rule may change anywhere), Python's and PyYAML's versions, and what else the parse
  depends on (``cache.parse_fingerprint``).

Only plain files are cached: stdin, ``git:`` revisions, rendered Kustomize folders
and Helm charts, and the live cluster are read afresh.  An input with an error is
never stored (the error is raised again on the next run, from the parse).  A corrupt
or unreadable entry, or a folder that cannot be written, falls back to building.
Entries live beside the parse cache (``cache.cache_dir``); the least recently used
beyond ``KEEP`` are removed, since each is a few MB.  The pickle is trusted as
the parse cache's entries are: the folder is the user's own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from netverify.loader.cache import cache_dir, parse_fingerprint, write_entry
from netverify.model import Cluster

FORMAT = 1
KEEP = 8  # model entries kept (least recently used removed first)
_SUFFIX = ".model.pickle"
_package: list[str] = []  # SHA-256 of the package's modules, once per process


def _package_fingerprint() -> str | None:
    """SHA-256 of every module of the installed package; None when they cannot be read."""
    if not _package:
        import netverify

        root = Path(netverify.__file__).parent
        h = hashlib.sha256()
        try:
            for f in sorted(root.rglob("*.py")):
                h.update(str(f.relative_to(root)).encode())
                h.update(b"\0")
                h.update(f.read_bytes())
                h.update(b"\0")
        except OSError:
            return None
        _package.append(h.hexdigest())
    return _package[0]


def model_key(files: Sequence[str], ignore_kinds: Sequence[str]) -> str | None:
    """The entry's key for these input files, or None when they cannot be cached."""
    import yaml

    from netverify import __version__

    package, parser = _package_fingerprint(), parse_fingerprint()
    if package is None or parser is None:
        return None
    h = hashlib.sha256("|".join((
        str(FORMAT), __version__, package, parser, sys.version, yaml.__version__,
        str(getattr(yaml, "__with_libyaml__", False)), repr(sorted(ignore_kinds)),
    )).encode())
    for file in files:
        try:
            data = Path(file).read_bytes()
        except OSError:
            return None  # reading it again will name the problem
        h.update(f"\0{file}\0{len(data)}\0".encode("utf-8", "surrogatepass"))
        h.update(data)
    return h.hexdigest()


def cached_model(key: str, build: Callable[[], Cluster]) -> Cluster:
    """The model stored under ``key``, else ``build()``'s, stored for the next run."""
    entry = cache_dir() / f"{key}{_SUFFIX}"
    try:
        blob = entry.read_bytes()
    except OSError:
        blob = None
    if blob is not None:
        try:
            model = pickle.loads(blob)
        except Exception:  # a corrupt or stale entry (any error unpickling): build instead
            model = None
        if isinstance(model, Cluster):
            with contextlib.suppress(OSError):
                os.utime(entry)  # recently used: kept longest
            return model
    model = build()
    _store(entry, model)
    return model


_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


_REBUILDERS: dict[type, Callable[[tuple[object, ...]], object]] = {}


def _rebuild(cls: type, values: tuple[object, ...]) -> object:
    """A slotted dataclass from its field values (what unpickling an entry calls)."""
    rebuild = _REBUILDERS.get(cls)
    if rebuild is None:
        rebuild = _REBUILDERS[cls] = _rebuilder(cls)
    return rebuild(values)


def _rebuilder(cls: type) -> Callable[[tuple[object, ...]], object]:
    """A function setting ``cls``'s fields one statement each, as ``dataclasses`` writes __init__.

    Unrolled, it reads the 10,000-pod model in 0.13 s instead of 0.165 s through a
    loop over the field names.
    """
    names = _fields(cls)
    if len(set(names)) != len(names) or not all(n.isidentifier() for n in names):
        return lambda values: _set_fields(cls, names, values)
    unpack = "".join(f"v{i}, " for i in range(len(names)))
    body = "".join(f"    setattr(o, {n!r}, v{i})\n" for i, n in enumerate(names))
    source = (f"def rebuild(values):\n    o = new(cls)\n    {unpack}= values\n{body}"
              "    return o\n") if names else "def rebuild(values):\n    return new(cls)\n"
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls, "setattr": object.__setattr__}
    exec(source, scope)  # the source is made above from field names only
    rebuild: Callable[[tuple[object, ...]], object] = scope["rebuild"]
    return rebuild


def _set_fields(cls: type, names: tuple[str, ...], values: tuple[object, ...]) -> object:
    obj: object = object.__new__(cls)
    for name, value in zip(names, values, strict=True):
        object.__setattr__(obj, name, value)
    return obj


class _Pickler(pickle.Pickler):
    """Pickles slotted dataclasses as (class, field values).

    Their default state goes through ``dataclasses``' ``__setstate__``, which looks the
    fields up again for every object: 0.22 s of reading the 10,000-pod model, 0.15 s so.
    """

    def reducer_override(self, obj: object) -> Any:
        cls = type(obj)
        if dataclasses.is_dataclass(cls) and "__slots__" in cls.__dict__:
            return _rebuild, (cls, tuple(getattr(obj, n) for n in _fields(cls)))
        return NotImplemented


def _store(entry: Path, model: Cluster) -> None:
    buffer = io.BytesIO()
    try:
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(model)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return
    blob = buffer.getvalue()
    if write_entry(entry, blob):
        _prune(entry.parent)


def _prune(folder: Path) -> None:
    """Remove model entries beyond the ``KEEP`` most recently used."""
    entries = []
    for f in folder.glob(f"*{_SUFFIX}"):
        try:
            entries.append((f.stat().st_mtime_ns, f))
        except OSError:
            continue
    entries.sort(reverse=True)
    for _, f in entries[KEEP:]:
        with contextlib.suppress(OSError):
            f.unlink()
