"""Which files a list of ``-f`` paths means, refusing what netverify cannot read faithfully.

A folder is read recursively (``*.yaml``, ``*.yml``, ``*.json``; hidden entries and
symbolic links to folders skipped; sorted for determinism).  Silently reading
less than the user named would change verdicts, so these are errors, never
skips: a folder or file that cannot be listed or examined, a broken symbolic
link with a manifest suffix, and an empty path (which would otherwise mean the
current folder).  A Kustomize folder or Helm chart named with ``-f`` (or its
``kustomization.yaml`` / ``Chart.yaml``) is a ``RenderedSource`` for ``render``;
one found while walking another folder is refused: read as plain YAML it is one
object of an unknown kind (or templates that are not YAML), and rendering every
one found would read a base and its overlays together, each object twice.
"""

from __future__ import annotations

import os
import shlex
from collections import deque
from collections.abc import Sequence
from pathlib import Path

from netverify.errors import ManifestError, show_path
from netverify.loader.cluster_source import CLUSTER_PATH
from netverify.loader.render import (
    CHART_FILE,
    KUSTOMIZATION_FILES,
    RenderedSource,
    rendered_source,
    source_of_marker,
)

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def expand_paths(paths: Sequence[str]) -> list[str | RenderedSource]:
    """Turn files and folders into the ordered list of files (and sources to render) to read.

    Raises:
        ManifestError: when a path is empty, does not exist or cannot be read, a
            folder holds no manifests, or holds a Kustomize folder or Helm chart deeper down.
    """
    out: list[str | RenderedSource] = []
    for p in paths:
        if p in ("-", CLUSTER_PATH) or p.startswith("git:"):
            out.append(p)
            continue
        if not p:
            raise ManifestError("an empty path was given as a manifest file or folder",
                                hint="name a file or folder, or - for stdin")
        path = Path(p)
        try:
            is_dir = path.is_dir()
            is_file = not is_dir and path.is_file()
        except OSError as e:
            raise ManifestError(f"{show_path(p)}: cannot examine: {e.strerror}") from None
        rendered = (rendered_source(path) if is_dir
                    else source_of_marker(path) if is_file else None)
        if rendered is not None:
            out.append(rendered)
        elif is_dir:
            files = walk(path)
            if not files:
                raise ManifestError(f"{p}: folder holds no *.yaml, *.yml or *.json files")
            out.extend(str(f) for f in files)
        elif is_file:
            out.append(str(path))
        else:
            raise ManifestError(f"{show_path(p)}: no such file or folder")
    return out


def refuse_unrendered(name: str, folder: str) -> None:
    """Raise when ``name`` (a file in ``folder``) marks a Kustomize folder or a Helm chart.

    Raises:
        ManifestError: with the command that renders it, to pipe into netverify.
    """
    if name in KUSTOMIZATION_FILES:
        raise ManifestError(
            f"{folder} is a Kustomize folder ({name}): netverify reads the manifests it "
            "renders, not the folder",
            hint=f"kubectl kustomize {shlex.quote(folder)} | netverify ... -f -")
    if name == CHART_FILE:
        raise ManifestError(
            f"{folder} is a Helm chart ({name}): its templates are manifests only once "
            "rendered",
            hint=f"helm template RELEASE {shlex.quote(folder)} | netverify ... -f -")


def refuse_nested(name: str, folder: str, root: Path) -> None:
    """Raise when ``name`` marks ``folder``, found under ``root``, as a source to render.

    Raises:
        ManifestError: saying to name that folder with ``-f`` (netverify renders it then).
    """
    if name not in (*KUSTOMIZATION_FILES, CHART_FILE):
        return
    what = "a Helm chart" if name == CHART_FILE else "a Kustomize folder"
    raise ManifestError(
        f"{folder} is {what} ({name}) inside {show_path(str(root))}: netverify renders "
        "Kustomize folders and Helm charts named with -f, not those found in another folder "
        "(a base and its overlays read together would count every object twice)",
        hint=f"-f {shlex.quote(folder)} renders it; name each overlay or chart to check")


def walk(root: Path, suffixes: tuple[str, ...] = MANIFEST_SUFFIXES, *,
         rendered: bool = True) -> list[Path]:
    """Files under ``root`` ending in ``suffixes``, sorted (an unlistable folder is an error).

    ``rendered``: refuse Kustomize folders and Helm charts (manifests only).

    Raises:
        ManifestError: naming the folder or entry that cannot be read or examined.
    """
    found: list[Path] = []
    folders = deque([root])  # breadth first: a refusal names the outermost folder
    while folders:
        folder = folders.popleft()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            raise ManifestError(f"{show_path(str(folder))}: cannot list folder: {e.strerror}",
                                hint="netverify reads every file of a folder or none") from None
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(path)
                    continue
                if rendered:
                    refuse_nested(entry.name, str(folder), root)
                if not entry.name.lower().endswith(suffixes):
                    continue
                if entry.is_file():
                    found.append(path)
                elif entry.is_symlink() and not entry.is_dir():
                    raise ManifestError(f"{show_path(entry.path)}: broken symbolic link")
            except OSError as e:
                raise ManifestError(f"{show_path(entry.path)}: cannot examine: {e.strerror}") \
                    from None
    return sorted(found)
