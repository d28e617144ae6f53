"""Read manifests into a ``Cluster``: the only layer that touches files."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from typing import TextIO

from netverify.loader.build import build_cluster
from netverify.loader.documents import parse_text, read_objects
from netverify.model import Cluster


def load_cluster(paths: Sequence[str], stdin: TextIO | None = None, *,
                 use_cache: bool = False, ignore_kinds: Sequence[str] = ()) -> Cluster:
    """Load files, folders or ``-`` (stdin) into a Cluster.

    ``use_cache`` reuses the parse of large unchanged files (``netverify.loader.cache``).
    ``ignore_kinds`` (``CiliumNetworkPolicy``, ``NetworkPolicy.projectcalico.org``, ...)
    ignores on purpose traffic policies netverify does not evaluate; otherwise answers
    they could change are incomplete (``Cluster.coverage``).

    >>> cluster = load_cluster(["fixtures/demo"])  # doctest: +SKIP

    Raises:
        ManifestError: naming file, document, object and field of the first problem.
    """
    # Parsing allocates millions of small objects and frees almost none: the cyclic
    # garbage collector would rescan them over and over (2-3x the load time on a
    # 10,000-pod dump), and there are no cycles to find here.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return build_cluster(read_objects(paths, stdin, use_cache=use_cache),
                             ignore_kinds=ignore_kinds)
    finally:
        if enabled:
            gc.enable()


def load_text(text: str, label: str = "<string>", *,
              ignore_kinds: Sequence[str] = ()) -> Cluster:
    """Load manifests from a string (tests, library use)."""
    return build_cluster(parse_text(text, label), ignore_kinds=ignore_kinds)


__all__ = ["load_cluster", "load_text"]
