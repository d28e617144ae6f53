"""Read manifests from a git revision: ``git:REF:PATH`` (a file or a folder).

So ``netverify diff git:main:k8s k8s`` compares a pull request with its base
without checking anything out.  Uses the ``git`` command in the current
repository.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

from netverify.errors import ManifestError
from netverify.loader.documents import MANIFEST_SUFFIXES, RawObject, parse_text
from netverify.loader.files import refuse_unrendered


def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise ManifestError("git is not installed; git:REF:PATH needs it") from None
    if out.returncode != 0:
        raise ManifestError(f"git {' '.join(args)}: {out.stderr.strip() or 'failed'}")
    return out.stdout


def read_git(spec: str) -> Iterator[RawObject]:
    """Objects of ``git:REF:PATH``.

    Raises:
        ManifestError: for a malformed spec, an unknown revision or path, or bad YAML.
    """
    _, _, rest = spec.partition(":")
    ref, sep, path = rest.partition(":")
    if not sep or not ref:
        raise ManifestError(f"{spec}: expected git:REF:PATH, e.g. git:main:k8s")
    path = path.strip("/") or "."
    kind = _git("cat-file", "-t", f"{ref}:{path}" if path != "." else f"{ref}^{{tree}}").strip()
    if kind == "blob":
        files = [path]
    else:
        listing = _git("ls-tree", "-r", "--name-only", ref, "--", "" if path == "." else path)
        files = sorted(listing.splitlines())
    for f in files:  # as for folders on disk: render Kustomize and Helm sources first
        folder, _, name = f.rpartition("/")
        refuse_unrendered(name, f"git:{ref}:{folder or '.'}")
    if kind != "blob":
        files = [f for f in files if f.lower().endswith(MANIFEST_SUFFIXES)]
        if not files:
            raise ManifestError(f"{spec}: no *.yaml, *.yml or *.json files at {ref}:{path}")
    for f in files:
        yield from parse_text(_git("show", f"{ref}:{f}"), f"git:{ref}:{f}")
