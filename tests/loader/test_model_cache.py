"""The model cache: a load of unchanged files skips parsing and building, and nothing else."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import netverify.loader as loader
from netverify.errors import ManifestError, QueryError
from netverify.loader import HelmOptions, load_cluster, model_cache
from tests import strategies as S

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: a}}\n"
POLICY = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector: {}
  ingress:
    - from: [{podSelector: {matchLabels: {app: a}}}]
      ports: [{port: 80}]
"""
CALICO = """apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: c, namespace: x}
spec: {}
"""


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("NETVERIFY_CACHE_DIR", str(tmp_path / "cache"))
    d = tmp_path / "in"
    d.mkdir()
    (d / "pod.yaml").write_text(POD)
    (d / "policy.yaml").write_text(POLICY)
    return d


def _no_build(monkeypatch):
    def fail(*a, **k):
        raise AssertionError("built although the model was cached")

    monkeypatch.setattr(loader, "build_cluster", fail)


def _entries(tmp_path):
    return list((tmp_path / "cache").glob("*.model.pickle"))


def test_a_second_load_reads_the_model_without_building(folder, tmp_path, monkeypatch):
    fresh = load_cluster([str(folder)])
    first = load_cluster([str(folder)], use_cache=True)
    assert len(_entries(tmp_path)) == 1
    _no_build(monkeypatch)
    second = load_cluster([str(folder)], use_cache=True)
    assert fresh == first == second
    assert second.policies[0].ingress[0].source.line == 7  # lines survive
    assert second.pods[0].source.file == str(folder / "pod.yaml")


def test_an_edit_keeping_size_and_mtime_builds_again(folder):
    load_cluster([str(folder)], use_cache=True)
    f = folder / "policy.yaml"
    st = f.stat()
    f.write_text(POLICY.replace("port: 80", "port: 81"))
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert load_cluster([str(folder)], use_cache=True).policies[0].ingress[0].ports[0].port == 81


def test_a_file_added_to_the_folder_builds_again(folder):
    load_cluster([str(folder)], use_cache=True)
    (folder / "more.yaml").write_text(POD.replace("name: a", "name: b"))
    assert len(load_cluster([str(folder)], use_cache=True).pods) == 2


def test_the_same_files_named_otherwise_build_again(folder, tmp_path):
    # The model cites each file by the path given: another spelling is another model.
    load_cluster([str(folder)], use_cache=True)
    other = tmp_path / "in2"
    folder.rename(other)
    c = load_cluster([str(other)], use_cache=True)
    assert c.pods[0].source.file == str(other / "pod.yaml")


def test_other_ignored_kinds_build_again(folder):
    (folder / "calico.yaml").write_text(CALICO)
    assert not load_cluster([str(folder)], use_cache=True).coverage.complete
    c = load_cluster([str(folder)], use_cache=True,
                     ignore_kinds=["NetworkPolicy.projectcalico.org"])
    assert c.coverage.complete
    assert not load_cluster([str(folder)], use_cache=True).coverage.complete


def test_an_input_error_is_raised_every_time(folder, tmp_path):
    (folder / "bad.yaml").write_text(POD.replace("name: a", "name: b")
                                     + "spec: {hostNetwork: 'yes'}\n")
    messages = []
    for _ in range(2):
        with pytest.raises(ManifestError) as e:
            load_cluster([str(folder)], use_cache=True)
        messages.append(str(e.value))
    assert messages[0] == messages[1] and "hostNetwork" in messages[0]
    assert _entries(tmp_path) == []


def test_a_corrupt_entry_builds_again(folder, tmp_path):
    load_cluster([str(folder)], use_cache=True)
    for entry in _entries(tmp_path):
        entry.write_bytes(b"garbage")
    assert load_cluster([str(folder)], use_cache=True).pods[0].key == "x/a"


def test_stdin_is_never_read_from_the_cache(folder, tmp_path):
    load_cluster(["-"], io.StringIO(POD), use_cache=True)
    c = load_cluster(["-"], io.StringIO(POD.replace("app: a", "app: b")), use_cache=True)
    assert c.pods[0].labels["app"] == "b"
    assert _entries(tmp_path) == []


def test_helm_values_without_a_chart_stay_an_error(folder):
    load_cluster([str(folder)], use_cache=True)
    with pytest.raises(ManifestError, match="no Helm chart among the inputs"):
        load_cluster([str(folder)], use_cache=True,
                     helm=HelmOptions(values=(str(folder / "pod.yaml"),)))


def test_only_the_most_recent_entries_are_kept(folder, tmp_path, monkeypatch):
    monkeypatch.setattr(model_cache, "KEEP", 2)
    for port in (81, 82, 83):
        (folder / "policy.yaml").write_text(POLICY.replace("port: 80", f"port: {port}"))
        load_cluster([str(folder)], use_cache=True)
    assert len(_entries(tmp_path)) == 2


FIXTURES = sorted(p for p in (Path(__file__).parents[2] / "fixtures").rglob("*")
                  if p.is_dir() and any(p.glob("*.yaml")))


def _same_through_the_cache(paths: list[str]) -> None:
    try:
        fresh = load_cluster(paths)
    except (ManifestError, QueryError):
        return  # fixtures of bad input: nothing is stored for them (tested above)
    stored = load_cluster(paths, use_cache=True)
    read = load_cluster(paths, use_cache=True)
    assert fresh == stored == read
    assert [p.source for p in fresh.policies] == [p.source for p in read.policies]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_fixture_model_reads_back_equal(path, tmp_path, monkeypatch):
    monkeypatch.setenv("NETVERIFY_CACHE_DIR", str(tmp_path / "cache"))
    _same_through_the_cache([str(path)])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(manifests=S.clusters())
def test_random_cluster_models_read_back_equal(manifests, tmp_path_factory, monkeypatch):
    d = tmp_path_factory.mktemp("c")
    monkeypatch.setenv("NETVERIFY_CACHE_DIR", str(d / "cache"))
    (d / "c.yaml").write_text(S.to_yaml(S.flatten(manifests)))
    _same_through_the_cache([str(d / "c.yaml")])


def test_an_entry_whose_objects_have_other_fields_builds_again(folder, tmp_path):
    # An entry written when a model class had other fields (a stale entry under a key
    # that did not change, or a tampered one) must not give objects with fields unset
    # or misplaced: reading it fails and the model is built again.
    import pickle

    from netverify.model import ContainerPort, Pod

    load_cluster([str(folder)], use_cache=True)
    for entry in _entries(tmp_path):
        entry.write_bytes(pickle.dumps((model_cache._rebuild, (Pod, ("x", "a")))))
    assert load_cluster([str(folder)], use_cache=True).pods[0].key == "x/a"
    with pytest.raises(ValueError):
        model_cache._rebuild(ContainerPort, (80, None))  # one value short
