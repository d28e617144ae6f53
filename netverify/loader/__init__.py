"""Read manifests into a ``Cluster``: the only layer that touches files."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from typing import TextIO

from netverify.errors import ManifestError
from netverify.loader.build import build_cluster
from netverify.loader.cluster_source import CLUSTER_PATH, LiveCluster, LiveReport
from netverify.loader.documents import RawObject, expand_paths, parse_text, read_objects
from netverify.loader.model_cache import cached_model, model_key
from netverify.loader.render import HelmOptions
from netverify.model import Cluster
from netverify.progress import current


def load_cluster(paths: Sequence[str], stdin: TextIO | None = None, *,
                 use_cache: bool = False, ignore_kinds: Sequence[str] = (),
                 helm: HelmOptions | None = None, live: LiveCluster | None = None) -> Cluster:
    """Load files, folders or ``-`` (stdin) into a Cluster.

    ``use_cache`` reuses the model built from the same files (``model_cache``) and the
    parse of large unchanged files (``netverify.loader.cache``).
    ``ignore_kinds`` (``CiliumNetworkPolicy``, ``NetworkPolicy.projectcalico.org``, ...)
    ignores on purpose traffic policies netverify does not evaluate; otherwise answers
    they could change are incomplete (``Cluster.coverage``).  A Kustomize folder or Helm
    chart is rendered with ``kubectl kustomize`` / ``helm template`` (``helm``: values
    files and release name).  The path ``cluster:`` reads the live cluster ``live`` names
    through kubectl (default: kubectl's current context).

    >>> cluster = load_cluster(["fixtures/demo"])  # doctest: +SKIP

    Reading no object at all is an error, not an empty cluster: an empty file or a
    folder of non-manifests would otherwise answer "no pods, no findings".

    Raises:
        ManifestError: naming file, document, object and field of the first problem.
    """
    # Parsing allocates millions of small objects and frees almost none: the cyclic
    # garbage collector would rescan them over and over (2-3x the load time on a
    # 10,000-pod dump), and there are no cycles to find here.
    enabled = gc.isenabled()
    gc.disable()
    report = LiveReport()  # filled while the objects are read, before the model is finished
    try:
        with current().phase("loading manifests"):
            def build() -> Cluster:
                return build_cluster(_some(read_objects(paths, stdin, use_cache=use_cache,
                                                        helm=helm, live=live, report=report),
                                           paths),
                                     ignore_kinds=ignore_kinds, unreadable=report.unreadable,
                                     warnings=report.warnings)

            # Helm values with no chart to use them are an error read_objects raises.
            key = _model_key(paths, ignore_kinds) if use_cache and not (
                helm and helm.values) else None
            return build() if key is None else cached_model(key, build)
    finally:
        if enabled:
            gc.enable()


def _model_key(paths: Sequence[str], ignore_kinds: Sequence[str]) -> str | None:
    """The model cache's key when every input is a plain file, else None."""
    files = expand_paths(paths)
    if not all(isinstance(f, str) and f not in ("-", CLUSTER_PATH) and not f.startswith("git:")
               for f in files):
        return None  # stdin, the live cluster, git revisions, rendered sources: read afresh
    return model_key([str(f) for f in files], ignore_kinds)


def _some(objects: Iterable[RawObject], paths: Sequence[str]) -> Iterator[RawObject]:
    """``objects``, raising at their end when there were none."""
    empty = True
    for raw in objects:
        empty = False
        yield raw
    if empty:
        named = ", ".join("<stdin>" if p == "-" else p for p in paths)
        raise ManifestError(f"{named or 'no path'}: no Kubernetes objects found",
                            hint="an empty file or an empty list has nothing to check; "
                                 "give the manifests (kubectl get ... -o yaml, rendered charts)")


def load_text(text: str, label: str = "<string>", *,
              ignore_kinds: Sequence[str] = ()) -> Cluster:
    """Load manifests from a string (tests, library use)."""
    return build_cluster(parse_text(text, label), ignore_kinds=ignore_kinds)


__all__ = ["CLUSTER_PATH", "HelmOptions", "LiveCluster", "load_cluster", "load_text"]
