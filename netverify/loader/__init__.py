"""Read manifests into a ``Cluster``: the only layer that touches files."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from netverify.loader.build import build_cluster
from netverify.loader.documents import parse_text, read_objects
from netverify.model import Cluster


def load_cluster(paths: Sequence[str], stdin: TextIO | None = None) -> Cluster:
    """Load files, folders or ``-`` (stdin) into a Cluster.

    >>> cluster = load_cluster(["fixtures/demo"])  # doctest: +SKIP

    Raises:
        ManifestError: naming file, document, object and field of the first problem.
    """
    return build_cluster(read_objects(paths, stdin))


def load_text(text: str, label: str = "<string>") -> Cluster:
    """Load manifests from a string (tests, library use)."""
    return build_cluster(parse_text(text, label))


__all__ = ["load_cluster", "load_text"]
