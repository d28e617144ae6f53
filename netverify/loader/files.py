"""Which files a list of ``-f`` paths means, refusing what netverify cannot read faithfully.

A folder is read recursively (``*.yaml``, ``*.yml``, ``*.json``; hidden entries and
symbolic links to folders skipped; sorted for determinism).  Silently reading
less than the user named would change verdicts, so these are errors, never
skips: a folder or file that cannot be listed or examined, a broken symbolic
link with a manifest suffix, an empty path (which would otherwise mean the
current folder), and sources that must be rendered first: a Kustomize folder
(``kustomization.yaml``) read as plain YAML is one object of an unknown kind and
misses its bases; a Helm chart's templates are not YAML until ``helm template``.
"""

from __future__ import annotations

import os
import shlex
from collections import deque
from collections.abc import Sequence
from pathlib import Path

from netverify.errors import ManifestError, show_path

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
CHART_FILE = "Chart.yaml"


def expand_paths(paths: Sequence[str]) -> list[str]:
    """Turn files and folders into the ordered list of files to read.

    Raises:
        ManifestError: when a path is empty, does not exist or cannot be read, a
            folder holds no manifests, or a path is a Kustomize folder or Helm chart.
    """
    out: list[str] = []
    for p in paths:
        if p == "-" or p.startswith("git:"):
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
        if is_dir:
            files = walk(path)
            if not files:
                raise ManifestError(f"{p}: folder holds no *.yaml, *.yml or *.json files")
            out.extend(str(f) for f in files)
        elif is_file:
            refuse_unrendered(path.name, str(path.parent))
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
                    refuse_unrendered(entry.name, str(folder))
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
