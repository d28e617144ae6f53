"""ReadAhead hands files over in order, as plain reads would, errors included."""

from __future__ import annotations

from pathlib import Path

import pytest

from netverify.errors import ManifestError
from netverify.loader import load_cluster, readahead
from netverify.loader.readahead import ReadAhead


def test_bytes_come_in_order_past_the_window(tmp_path, monkeypatch):
    monkeypatch.setattr(readahead, "WINDOW", 3)
    files = []
    for i in range(10):
        f = tmp_path / f"{i:02}.yaml"
        f.write_bytes(f"n: {i}\n".encode())
        files.append(str(f))
    ahead = ReadAhead(files)
    try:
        assert [ahead.read(f) for f in files] == [Path(f).read_bytes() for f in files]
        # a file out of turn is read directly
        assert ahead.read(files[4]) == b"n: 4\n"
    finally:
        ahead.close()


def test_an_unreadable_file_fails_at_its_turn_with_its_name(tmp_path):
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")
    bad = tmp_path / "b.yaml"
    bad.mkdir()  # a folder named like a manifest: read_bytes raises IsADirectoryError
    (bad / "c.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: c}\n")
    ahead = ReadAhead([str(tmp_path / "a.yaml"), str(bad)])
    try:
        assert b"Namespace" in ahead.read(str(tmp_path / "a.yaml"))
        with pytest.raises(IsADirectoryError):
            ahead.read(str(bad))
    finally:
        ahead.close()


def test_a_folder_of_many_files_loads_the_same_objects(tmp_path, monkeypatch):
    monkeypatch.setattr(readahead, "WINDOW", 4)
    for i in range(25):
        (tmp_path / f"ns{i:02}.yaml").write_text(
            f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: ns{i:02}}}\n")
    (tmp_path / "ns07.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: [\n")
    with pytest.raises(ManifestError, match=r"ns07\.yaml"):
        load_cluster([str(tmp_path)])
    (tmp_path / "ns07.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")
    c = load_cluster([str(tmp_path)])
    assert sorted(c.namespaces)[:3] == ["ns00", "ns01", "ns02"]
    assert len(c.namespaces) == 25 and "x" in c.namespaces
