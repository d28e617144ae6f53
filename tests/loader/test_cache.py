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
