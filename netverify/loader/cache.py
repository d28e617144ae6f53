"""A parse cache for large manifest files: YAML parsing is most of a query's time.

PyYAML needs about 5 s of CPU for a 10,000-pod dump; reading back the parsed
objects with ``marshal`` takes a tenth of that.  Entries are keyed by the file's
content (SHA-256 of its text) and by everything else the parse depends on: the
netverify version, the source of the parsing modules (a development checkout
changes without a new version), the kinds that keep line tables, Python's and
PyYAML's versions.  Path, size and mtime are not enough: an edit within one clock
tick, or a file replaced by one carrying the same mtime (``cp -p``, ``rsync -t``),
would be answered from the old parse.  Only files of at least
``MIN_SIZE`` bytes are cached; anything unusual (a value marshal cannot hold, a
cache folder that cannot be written, a corrupt entry) silently falls back to
parsing.  The CLI turns the cache on (``--no-cache`` or ``NETVERIFY_NO_CACHE=1``
turn it off); library calls do not use it unless asked.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from netverify.source import SourceRef

if TYPE_CHECKING:
    from netverify.loader.documents import RawObject

FORMAT = 2  # bumped when RawObject rows change (2: line tables for routes and Services)
MIN_SIZE = 2 * 1024  # below this, parsing is about as cheap as reading an entry


def cache_dir() -> Path:
    """``$NETVERIFY_CACHE_DIR``, else ``$XDG_CACHE_HOME/netverify``, else ``~/.cache/netverify``."""
    explicit = os.environ.get("NETVERIFY_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "netverify"


# Modules whose code decides what a parse returns; their source is part of every key.
_PARSER_MODULES = ("netverify.loader.cache", "netverify.loader.documents",
                   "netverify.loader.jsondata", "netverify.loader.json_line_tables",
                   "netverify.loader.yamldata", "netverify.source")
_sources: list[str] = []  # the hash of those sources, once per process


def reset_fingerprint() -> None:
    """Forget the parser's fingerprint (tests that change what it covers)."""
    _sources.clear()


def parse_fingerprint() -> str | None:
    """What besides the text decides the parse result; None when it cannot be known."""
    import yaml

    from netverify import __version__
    from netverify.loader import documents

    if not _sources:
        h = hashlib.sha256()
        for name in _PARSER_MODULES:
            file = getattr(sys.modules.get(name), "__file__", None)
            try:
                h.update(Path(file).read_bytes() if file else b"")
            except OSError:
                return None  # no source to read (a frozen build): never cache
            if not file:
                return None
        _sources.append(h.hexdigest())
    return "|".join((str(FORMAT), __version__, _sources[0], sys.version,
                     yaml.__version__, str(getattr(yaml, "__with_libyaml__", False)),
                     ",".join(sorted(documents.LINE_KINDS))))


def _key(text: str) -> str | None:
    if len(text) < MIN_SIZE:
        return None
    fingerprint = parse_fingerprint()
    if fingerprint is None:
        return None
    h = hashlib.sha256(fingerprint.encode())
    h.update(b"\0")
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def cached_parse(path: str, text: str,
                 parse: Callable[[str, str], Iterable[RawObject]]) -> Iterator[RawObject]:
    """Yield the objects of one file, from the cache when a fresh entry exists."""
    from netverify.loader.documents import RawObject

    key = _key(text)
    if key is None:
        yield from parse(text, path)
        return
    entry = cache_dir() / f"{key}.marshal"
    try:
        rows = marshal.loads(entry.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        rows = None
    if rows is not None:
        for data, document, item, line, lines in rows:
            yield RawObject(data=data, source=SourceRef(file=path, document=document, item=item,
                                                        line=line), lines=lines, text=text)
        return
    objects = []
    for o in parse(text, path):
        # All objects are held until the file is stored: their YAML nodes (4x the data
        # of a large multi-document file) are dropped; an error finds them in the text.
        o.node, o.text = None, text
        objects.append(o)
    _store(entry, [(o.data, o.source.document, o.source.item, o.source.line, o.lines)
                   for o in objects])
    yield from objects


def _store(entry: Path, rows: list[tuple[object, ...]]) -> None:
    try:
        blob = marshal.dumps(rows)
    except ValueError:
        return  # a value marshal cannot hold (a YAML timestamp, say): parse next time too
    write_entry(entry, blob)


def write_entry(entry: Path, blob: bytes) -> bool:
    """Write a cache entry whole or not at all (a temporary file renamed over it).

    Readers never see half an entry; a folder that cannot be written is no error (the
    cache is only a shortcut), it returns False.
    """
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, entry)
    except OSError:
        return False
    return True
