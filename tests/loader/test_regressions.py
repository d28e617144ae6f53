"""Inputs a mutation campaign turned into exit 4 ("a bug in netverify"): each is the input's fault.

One file per site in ``regressions/``.  Its header says where netverify crashed
(``# site:``) and how the CLI is run on it (``# run:``), with ``{input}`` the
file, ``{demo}`` the demo manifests, ``{long}`` a 300-byte suffix making a path
component too long, ``{folder}`` a folder holding the file next to an entry that
cannot be stat-ed, and ``< {input}`` the file on stdin.  Every one must be exit 2
with one line naming the file (and the line, when the problem is in the text),
never a traceback.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from netverify.cli import main

HERE = Path(__file__).parent / "regressions"
DEMO = str(Path(__file__).resolve().parents[2] / "fixtures" / "demo")
CASES = sorted(HERE.iterdir())


def _header(path: Path, key: str) -> str:
    for line in path.read_bytes().decode("ascii", "replace").splitlines():
        if line.startswith(f"# {key}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"{path.name} has no '# {key}:' line")


class _Unstatable:
    """A directory entry whose stat fails, as /proc/1/cwd's does for a non-owner."""

    def __init__(self, folder: str) -> None:
        self.name = "locked.yaml"
        self.path = os.path.join(folder, self.name)

    def _denied(self, *_a: Any, **_k: Any) -> bool:
        raise PermissionError(13, "Permission denied", self.path)

    is_dir = is_file = is_symlink = stat = _denied


@pytest.fixture
def unstatable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A folder whose listing holds one entry that cannot be stat-ed."""
    folder = tmp_path / "manifests"
    folder.mkdir()
    real = os.scandir

    class _Listing:
        def __init__(self, path: Any) -> None:
            self.inner = real(path)
            self.extra = [_Unstatable(str(path))] if Path(path) == folder else []

        def __enter__(self) -> _Listing:
            return self

        def __exit__(self, *_a: object) -> None:
            self.inner.close()

        def __iter__(self) -> Iterator[Any]:
            yield from self.inner
            yield from self.extra

        def close(self) -> None:
            self.inner.close()

    monkeypatch.setattr(os, "scandir", _Listing)
    yield folder


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_input_fault_is_exit_2_with_file_and_line(case: Path, tmp_path: Path,
                                                  request: pytest.FixtureRequest) -> None:
    run = _header(case, "run")
    stdin = None
    if "< {input}" in run:
        run = run.replace("< {input}", "")
        stdin = case.read_bytes()
    folder = ""
    if "{folder}" in run:
        folder_path = request.getfixturevalue("unstatable")
        shutil.copy(case, folder_path / case.name)
        folder = str(folder_path)
    args = [a.format(input=str(case), demo=DEMO, long="x" * 300, folder=folder)
            for a in shlex.split(run)]
    r = CliRunner().invoke(main, args, input=stdin)
    err = r.stderr
    assert r.exit_code == 2, (r.exit_code, err, r.stdout)
    assert err.startswith("netverify: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and "internal error" not in err
    assert r.exception is None or isinstance(r.exception, SystemExit)
    if stdin is not None:
        assert re.search(r"<stdin>:\d+:\d+: ", err), err
    elif "{long}" in run or "{folder}" in run:
        assert "cannot examine" in err, err  # a path, not a text: there is no line
    else:
        assert re.search(rf"{re.escape(case.name)}:\d+:\d+: ", err), err
