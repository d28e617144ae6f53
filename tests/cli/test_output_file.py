"""``-o`` and ``--junit``: a file is replaced atomically, anything else is written, not replaced.

Renaming a temporary file over the path (how a report is written atomically) would
replace whatever the path names: a symlink would become a file and its target keep
the old report, ``/dev/null`` (as root) would become a file everyone then writes to.
So a symlink's target is replaced and the link kept; a device or FIFO is opened and
written to, as a shell's ``>`` would; a directory is an error (exit 2).
"""

from __future__ import annotations

import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from netverify.cli import main
from netverify.errors import NetverifyError
from netverify.output import write_output

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "fixtures" / "demo")
SPEC = str(ROOT / "specs" / "demo.yaml")


def run(*args: str) -> Result:
    r = CliRunner().invoke(main, list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), r.output
    return r


def matrix_to(path: Path | str) -> Result:
    return run("matrix", "-f", DEMO, "--format", "json", "-o", str(path))


def test_a_symlink_stays_a_symlink_and_its_target_gets_the_report(tmp_path: Path):
    target = tmp_path / "reports" / "matrix.json"
    target.parent.mkdir()
    target.write_text("old report")
    target.chmod(0o640)
    link = tmp_path / "latest.json"
    link.symlink_to(Path("reports") / "matrix.json")
    r = matrix_to(link)
    assert r.exit_code == 0, r.output
    assert link.is_symlink() and os.readlink(link) == os.path.join("reports", "matrix.json")
    assert '"query": "matrix"' in target.read_text()
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["matrix.json"]  # no temporary


def test_a_chain_of_symlinks_and_a_dangling_one(tmp_path: Path):
    final = tmp_path / "final.json"
    (tmp_path / "b").symlink_to(final)  # dangling: the report creates its target
    (tmp_path / "a").symlink_to(tmp_path / "b")
    assert matrix_to(tmp_path / "a").exit_code == 0
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()
    assert final.is_file() and '"query": "matrix"' in final.read_text()


def test_a_fifo_stays_a_fifo_and_its_reader_gets_the_report(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # A reader first (non-blocking), so that the writer's open does not wait for one.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        r = matrix_to(fifo)
        assert r.exit_code == 0, r.output
        data = b""
        while chunk := os.read(reader, 65536):
            data += chunk
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO was replaced by a file"
    assert b'"query": "matrix"' in data
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def _null_device(path: Path) -> None:
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # what /dev/null is
    except PermissionError:
        pytest.skip("creating a device node needs root (CAP_MKNOD)")


def test_a_device_stays_a_device(tmp_path: Path):
    # Not /dev/null itself: code that replaced it would break the machine running the test.
    null = tmp_path / "null"
    _null_device(null)
    r = matrix_to(null)
    assert r.exit_code == 0, r.output
    assert stat.S_ISCHR(os.stat(null).st_mode), "the device was replaced by a file"
    assert [p.name for p in tmp_path.iterdir()] == ["null"]


def test_junit_to_a_device_and_through_a_symlink(tmp_path: Path):
    null = tmp_path / "null"
    _null_device(null)
    r = run("check", SPEC, "--junit", str(null))
    assert r.exit_code == 0, r.output
    assert stat.S_ISCHR(os.stat(null).st_mode)
    (tmp_path / "junit.xml").symlink_to(tmp_path / "results.xml")
    assert run("check", SPEC, "--junit", str(tmp_path / "junit.xml")).exit_code == 0
    assert (tmp_path / "junit.xml").is_symlink()
    assert ET.parse(tmp_path / "results.xml").getroot().get("tests") == "8"


def test_a_failed_junit_write_keeps_the_old_file_and_no_temporary(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch):
    junit = tmp_path / "junit.xml"
    junit.write_text("previous results")

    def fail(*_a: object, **_k: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", fail)
    r = run("check", SPEC, "--junit", str(junit))
    assert r.exit_code == 2 and "No space left on device" in r.stderr
    assert junit.read_text() == "previous results"
    assert [p.name for p in tmp_path.iterdir()] == ["junit.xml"]


def test_a_directory_is_an_input_error(tmp_path: Path):
    (tmp_path / "link").symlink_to(tmp_path)
    for target in (tmp_path, tmp_path / "link"):
        r = matrix_to(target)
        assert r.exit_code == 2 and "directory" in r.stderr
        r = run("check", SPEC, "--junit", str(target))
        assert r.exit_code == 2 and "directory" in r.stderr
    with pytest.raises(NetverifyError, match="is a directory"):
        write_output(str(tmp_path), "x")


def test_write_errors_name_the_path_and_the_reason(tmp_path: Path):
    with pytest.raises(NetverifyError, match=r"cannot write .*missing/r\.txt: No such file"):
        write_output(str(tmp_path / "missing" / "r.txt"), "x")
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(NetverifyError, match=r"cannot write .*loop: Too many levels"):
        write_output(str(loop), "x")
