"""The parse cache returns exactly what parsing returns, and notices edits."""

from __future__ import annotations

import os

import pytest

from netverify.errors import ManifestError
from netverify.loader import cache, load_cluster


@pytest.fixture
def big_file(tmp_path, monkeypatch):
    monkeypatch.setenv("NETVERIFY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "MIN_SIZE", 0)
    f = tmp_path / "m.yaml"
    f.write_text("""apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector: {}
  ingress:
    - from: [{podSelector: {matchLabels: {app: a}}}]
      ports: [{port: 80}]
""")
    return f


def test_cached_load_equals_parsed_load(big_file, tmp_path):
    fresh = load_cluster([str(big_file)])
    first = load_cluster([str(big_file)], use_cache=True)
    assert list((tmp_path / "cache").glob("*.marshal"))
    second = load_cluster([str(big_file)], use_cache=True)  # from the cache
    assert fresh == first == second
    assert second.policies[0].ingress[0].source.line == 11  # lines survive the cache


def test_edited_file_is_parsed_again(big_file):
    load_cluster([str(big_file)], use_cache=True)
    big_file.write_text(big_file.read_text().replace("port: 80", "port: 81"))
    st = big_file.stat()
    os.utime(big_file, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    c = load_cluster([str(big_file)], use_cache=True)
    assert c.policies[0].ingress[0].ports[0].port == 81


def test_corrupt_entry_falls_back_to_parsing(big_file, tmp_path):
    load_cluster([str(big_file)], use_cache=True)
    for entry in (tmp_path / "cache").glob("*.marshal"):
        entry.write_bytes(b"garbage")
    assert load_cluster([str(big_file)], use_cache=True).pods[0].key == "x/a"


def test_an_error_names_the_same_line_and_column_from_the_cache(big_file):
    # A field error in a cached file is found again in its text: the same message either way.
    big_file.write_text(big_file.read_text().replace(
        "metadata: {name: a, namespace: x, labels: {app: a}}",
        "metadata: {name: a, namespace: x, labels: {app: a}}\nspec:\n  hostNetwork: 'yes'"))
    messages = []
    for _ in range(2):  # parsed (and cached), then read from the cache
        with pytest.raises(ManifestError) as e:
            load_cluster([str(big_file)], use_cache=True)
        messages.append(str(e.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith(f"{big_file}:5:16: document 1 (Pod x/a): spec.hostNetwork:")


def _same_size_edit(big_file, old: str, new: str) -> None:
    """Edit the file in place keeping its size and its modification time to the nanosecond.

    What an editor saving twice within a clock tick, ``cp -p`` or ``rsync -t`` of another
    version, or a checkout restoring timestamps does.
    """
    assert len(old) == len(new)
    st = big_file.stat()
    big_file.write_text(big_file.read_text().replace(old, new))
    os.utime(big_file, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert big_file.stat().st_size == st.st_size
    assert big_file.stat().st_mtime_ns == st.st_mtime_ns


def test_an_edit_keeping_size_and_mtime_is_parsed_again(big_file):
    # The cache is keyed by content: same size and mtime must not give the old answer.
    load_cluster([str(big_file)], use_cache=True)
    _same_size_edit(big_file, "port: 80", "port: 81")
    c = load_cluster([str(big_file)], use_cache=True)
    assert c.policies[0].ingress[0].ports[0].port == 81


def test_a_file_replaced_by_one_with_the_same_mtime_is_parsed_again(big_file, tmp_path):
    load_cluster([str(big_file)], use_cache=True)
    st = big_file.stat()
    other = tmp_path / "other.yaml"
    other.write_text(big_file.read_text().replace("{app: a}}", "{app: b}}"))
    os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(other, big_file)  # what `cp -p` or an atomic save does
    c = load_cluster([str(big_file)], use_cache=True)
    assert c.pods[0].labels["app"] == "b"


def test_the_same_content_elsewhere_reads_the_same_entry(big_file, tmp_path):
    # Keyed by content, not path: a copy gets the same objects, each naming its own file.
    first = load_cluster([str(big_file)], use_cache=True)
    copy = tmp_path / "copy.yaml"
    copy.write_bytes(big_file.read_bytes())
    second = load_cluster([str(copy)], use_cache=True)
    assert len(list((tmp_path / "cache").glob("*.marshal"))) == 1
    assert second.pods[0].source.file == str(copy)
    assert first.pods[0].source.file == str(big_file)


def test_a_change_in_what_the_parser_keeps_is_not_read_from_an_old_entry(big_file, monkeypatch):
    # The parse result depends on more than the text (here: which kinds keep a line
    # table); an entry written under other settings must not be read back.
    from netverify.loader import documents

    load_cluster([str(big_file)], use_cache=True)
    monkeypatch.setattr(documents, "LINE_KINDS", frozenset())
    fresh = load_cluster([str(big_file)])
    cached = load_cluster([str(big_file)], use_cache=True)
    assert fresh.policies[0].ingress[0].source.line != 11  # no line table: object's line
    assert cached == fresh


def test_another_netverify_version_does_not_read_the_entry(big_file, monkeypatch):
    import netverify

    load_cluster([str(big_file)], use_cache=True)
    entries = set((big_file.parent / "cache").glob("*.marshal"))
    monkeypatch.setattr(netverify, "__version__", "99.0.0")
    cache.reset_fingerprint()
    load_cluster([str(big_file)], use_cache=True)
    assert len(set((big_file.parent / "cache").glob("*.marshal")) - entries) == 1


def test_an_edit_to_the_json_line_tables_is_not_read_from_an_old_entry(tmp_path, monkeypatch):
    # The line tables of the JSON fast path are part of what a parse returns; an entry
    # written by other line-table code must not be read back.
    import sys

    import netverify.loader.jsondata  # noqa: F401  (imports json_line_tables)

    cache.reset_fingerprint()
    before = cache.parse_fingerprint()
    edited = tmp_path / "json_line_tables.py"
    edited.write_text("# another version of the line-table reader\n")
    monkeypatch.setattr(sys.modules["netverify.loader.json_line_tables"], "__file__",
                        str(edited))
    cache.reset_fingerprint()
    try:
        assert cache.parse_fingerprint() != before
    finally:
        monkeypatch.undo()
        cache.reset_fingerprint()
