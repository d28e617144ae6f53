"""What ``-f`` reads: everything named, or an error; never less, never an unrendered source.

A folder that silently loses a subfolder, a Kustomize folder read as one object
of an unknown kind, or an empty input answered with "no pods" each give a
confident answer about manifests netverify did not read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from netverify.cli import main
from netverify.errors import ManifestError
from netverify.loader import load_cluster

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop, labels: {app: web}}\n"
DENY = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin)


@pytest.mark.parametrize("name", ["kustomization.yml", "Kustomization"])
def test_kustomize_folder_inside_a_folder_is_refused(tmp_path, name):
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "pod.yaml").write_text(POD)
    overlay = tmp_path / "overlays" / "prod"
    overlay.mkdir(parents=True)
    (overlay / name).write_text("resources: [../../base]\n")
    with pytest.raises(ManifestError) as e:
        load_cluster([str(tmp_path)])
    assert f"{overlay} is a Kustomize folder ({name})" in str(e.value)


def test_helm_chart_inside_a_folder_is_refused_and_named(tmp_path):
    chart = tmp_path / "web"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (chart / "templates" / "pod.yaml").write_text("{{ .Values.pod | toYaml }}\n")
    r = run("audit", "-f", str(tmp_path))
    assert r.exit_code == 2, r.stderr
    assert f"{chart} is a Helm chart (Chart.yaml) inside {tmp_path}" in r.stderr
    assert f"-f {chart} renders it" in r.stderr


def test_only_visible_folders_are_refused(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "kustomization.yaml").write_text("resources: []\n")
    (tmp_path / "pod.yaml").write_text(POD)
    (tmp_path / "kustomization.yaml.orig").write_text("x")  # not a manifest suffix
    assert [p.name for p in load_cluster([str(tmp_path)]).pods] == ["web"]  # hidden: skipped
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "kustomization.yaml").write_text("resources: []\n")
    with pytest.raises(ManifestError, match="is a Kustomize folder"):
        load_cluster([str(tmp_path)])


@pytest.mark.parametrize(("text", "label"), [
    ("", "empty file"),
    ("# nothing here\n---\n...\n", "comments and empty documents"),
    ("apiVersion: v1\nkind: List\nitems: []\n", "an empty list"),
], ids=["empty", "comments", "empty-list"])
def test_no_objects_is_an_error_not_an_empty_cluster(tmp_path, text, label):
    f = tmp_path / "m.yaml"
    f.write_text(text)
    r = run("audit", "-f", str(f))
    assert r.exit_code == 2, label
    assert f"{f}: no Kubernetes objects found" in r.stderr
    other = tmp_path / "pod.yaml"  # with objects elsewhere, an empty file is no error
    other.write_text(POD)
    assert len(load_cluster([str(f), str(other)]).pods) == 1


def test_no_objects_on_stdin_is_an_error():
    r = run("matrix", "-f", "-", stdin="")
    assert r.exit_code == 2
    assert "<stdin>: no Kubernetes objects found" in r.stderr


def test_empty_path_is_an_error_not_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "pod.yaml").write_text(POD)
    monkeypatch.chdir(tmp_path)
    r = run("audit", "-f", "")
    assert r.exit_code == 2
    assert "an empty path was given" in r.stderr


def test_unreadable_subfolder_is_an_error_naming_it(tmp_path, monkeypatch):
    # The policy in the unreadable folder would deny all ingress: skipping it flips verdicts.
    (tmp_path / "pods.yaml").write_text(POD)
    locked = tmp_path / "policies"
    locked.mkdir()
    (locked / "deny.yaml").write_text(DENY)
    real = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path) == locked:  # chmod 000 does not stop root, who runs CI containers
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    r = run("can-reach", "shop/web", "shop/web:80", "-f", str(tmp_path))
    assert r.exit_code == 2, r.stdout
    assert f"{locked}: cannot list folder: Permission denied" in r.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their mode")
def test_unreadable_subfolder_by_mode(tmp_path):  # pragma: no cover - not run as root
    (tmp_path / "pods.yaml").write_text(POD)
    locked = tmp_path / "policies"
    locked.mkdir()
    (locked / "deny.yaml").write_text(DENY)
    locked.chmod(0)
    try:
        with pytest.raises(ManifestError, match="cannot list folder"):
            load_cluster([str(tmp_path)])
    finally:
        locked.chmod(0o755)


def test_broken_symlink_with_a_manifest_name_is_an_error(tmp_path):
    (tmp_path / "pods.yaml").write_text(POD)
    (tmp_path / "policies.yaml").symlink_to(tmp_path / "moved-away.yaml")
    with pytest.raises(ManifestError, match=r"policies\.yaml: broken symbolic link"):
        load_cluster([str(tmp_path)])


def test_path_that_cannot_be_examined_is_exit_2(tmp_path):
    r = run("audit", "-f", str(tmp_path / ("x" * 300)))
    assert r.exit_code == 2
    assert "cannot examine: File name too long" in r.stderr


def test_kustomize_folder_in_a_git_revision_is_refused(tmp_path, monkeypatch):
    import subprocess

    repo = tmp_path / "repo"
    (repo / "k8s" / "base").mkdir(parents=True)
    (repo / "k8s" / "base" / "pod.yaml").write_text(POD)
    (repo / "k8s" / "Kustomization").write_text("resources: [base]\n")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t",
                    "commit", "-qm", "base"], check=True)
    monkeypatch.chdir(repo)
    with pytest.raises(ManifestError) as e:
        load_cluster(["git:HEAD:k8s"])
    assert "git:HEAD:k8s is a Kustomize folder (Kustomization)" in str(e.value)
    assert [p.name for p in load_cluster(["git:HEAD:k8s/base"]).pods] == ["web"]
