"""Writing a finished report to the path given with ``-o`` or ``--junit``.

A regular file is replaced atomically: the text goes to a temporary file in the same
folder, which is then renamed over it, so whoever reads the report (a browser, a CI
step uploading SARIF or JUnit) sees the old file or the whole new one, never a partial
one, and a failure leaves nothing behind.

Renaming over a path replaces whatever the path names, which is wrong for anything
but a regular file: ``-o /dev/null`` run as root would turn the device into a file,
and ``-o link`` would turn a symlink into a file while its target kept the old report.
So a symlink is followed and its target replaced (the link stays), and a device, FIFO
or socket (``/dev/null``, ``/dev/stdout`` on a pipe) is opened and written to, as a
shell redirection would.  A directory is an error.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from typing import IO

from netverify.errors import NetverifyError


def write_output(path: str, text: str | Iterable[str]) -> None:
    """Write ``text`` (UTF-8; or its pieces) to ``path``: atomically for a file, else straight.

    Raises:
        NetverifyError: when the path cannot be written (missing folder, a directory,
            no permission, a full disk), naming the path and the reason.
    """
    try:
        st: os.stat_result | None = os.stat(path)  # follows symlinks
    except FileNotFoundError:
        st = None  # a new file, or a symlink to one that does not exist yet
    except OSError as e:
        raise _error(path, e) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise NetverifyError(f"cannot write {path}: it is a directory")
    target = os.path.realpath(path)
    if st is not None and (not stat.S_ISREG(st.st_mode) or not _same_file(st, target)):
        # Not a regular file; or a link the file system resolves but a name does not
        # (/proc/self/fd/N of a deleted file): write to what the path opens.
        _write_through(path, text)
    else:
        _replace(path, target, text, st)


def _same_file(st: os.stat_result, path: str) -> bool:
    try:
        other = os.stat(path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == (other.st_dev, other.st_ino)


def _write(f: IO[str], text: str | Iterable[str]) -> None:
    if isinstance(text, str):
        f.write(text)
    else:
        for piece in text:  # a large report streamed: never one string
            f.write(piece)


def _write_through(path: str, text: str | Iterable[str]) -> None:
    try:
        with open(path, "w", encoding="utf-8") as f:
            _write(f, text)
    except OSError as e:
        raise _error(path, e) from None


def _replace(path: str, target: str, text: str | Iterable[str],
             old: os.stat_result | None) -> None:
    """Write ``target`` through a temporary file in its folder, then rename it over."""
    folder, name = os.path.split(target)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    except OSError as e:
        raise _error(path, e) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            _write(f, text)
        if old is not None:
            mode = old.st_mode & 0o777
            # Root replacing a user's report keeps it the user's; others cannot chown.
            with contextlib.suppress(PermissionError):
                os.chown(tmp, old.st_uid, old.st_gid)
        else:  # what a plain open() would have given: 0666 less the umask
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise _error(path, e) from None
        raise


def _error(path: str, e: OSError) -> NetverifyError:
    return NetverifyError(f"cannot write {path}: {e.strerror or e}")
