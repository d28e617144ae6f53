"""A parse cache for large manifest files: YAML parsing is most of a query's time.

PyYAML needs about 5 s of CPU for a 10,000-pod dump; reading back the parsed
objects with ``marshal`` takes a tenth of that.  Entries are keyed by the
file's absolute path, size, modification time and the netverify version, so an
edited file or a new release is parsed afresh.  Only files of at least
``MIN_SIZE`` bytes are cached; anything unusual (a value marshal cannot hold, a
cache folder that cannot be written, a corrupt entry) silently falls back to
parsing.  The CLI turns the cache on (``--no-cache`` or ``NETVERIFY_NO_CACHE=1``
turn it off); library calls do not use it unless asked.
"""

from __future__ import annotations

import hashlib
import marshal
import os
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


def _key(path: str) -> str | None:
    from netverify import __version__

    try:
        st = os.stat(path)
    except OSError:
        return None
    if st.st_size < MIN_SIZE:
        return None
    raw = f"{FORMAT}|{__version__}|{os.path.abspath(path)}|{st.st_size}|{st.st_mtime_ns}"
    return hashlib.sha256(raw.encode()).hexdigest()


def cached_parse(path: str, text: str,
                 parse: Callable[[str, str], Iterable[RawObject]]) -> Iterator[RawObject]:
    """Yield the objects of one file, from the cache when a fresh entry exists."""
    from netverify.loader.documents import RawObject

    key = _key(path)
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
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, entry)
    except OSError:
        return
