"""Kustomize folders and Helm charts named with ``-f`` are rendered by the real tools.

Kustomize: the real ``kubectl kustomize`` (an overlay whose base lies elsewhere, the
layout ``kustomize build`` documents).  Helm is rarely installed on CI machines: the
refusal is tested with no ``helm`` on PATH, the rendering with a fake ``helm`` that
prints fixed YAML and records the arguments it was given.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from netverify.cli import main
from netverify.errors import ManifestError
from netverify.loader import HelmOptions, load_cluster

needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None,
                                   reason="kubectl is not installed (kubectl kustomize renders)")

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, labels: {app: client}}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec: {containers: [{name: client, image: curl}]}
"""
DENY_INGRESS = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-ingress}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _kustomize_layout(root: Path) -> Path:
    """``base/`` (the app), ``overlays/prod/`` (namespace prod plus a deny-all): the overlay
    holds only its kustomization and one policy, its base lies in a sibling folder."""
    (root / "base").mkdir()
    (root / "base" / "kustomization.yaml").write_text("resources: [app.yaml]\n")
    (root / "base" / "app.yaml").write_text(DEPLOYMENT)
    overlay = root / "overlays" / "prod"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text(
        "namespace: prod\nresources: [../../base, deny.yaml]\n")
    (overlay / "deny.yaml").write_text(DENY_INGRESS)
    return overlay


@needs_kubectl
def test_kustomize_overlay_is_rendered_with_its_base(tmp_path, monkeypatch):
    overlay = _kustomize_layout(tmp_path)
    monkeypatch.setenv("PATH", str(Path(shutil.which("kubectl") or "").parent))  # no kustomize
    cluster = load_cluster([str(overlay)])
    # The base's workloads moved into the overlay's namespace, the overlay's policy with them.
    assert sorted(p.key for p in cluster.pods) == ["prod/client", "prod/web"]
    assert [(p.namespace, p.name) for p in cluster.policies] == [("prod", "deny-ingress")]
    src = cluster.policies[0].source
    assert src is not None and src.file == f"{overlay} (kustomize)" and src.document == 3
    # And the verdict follows from what was rendered: the overlay's deny-all applies.
    r = run("can-reach", "prod/client", "prod/web:80", "-f", str(overlay))
    assert r.exit_code == 1, r.output
    assert f"prod/deny-ingress ({overlay} (kustomize):" in r.stdout


@needs_kubectl
def test_kustomization_file_named_directly_renders_its_folder(tmp_path):
    overlay = _kustomize_layout(tmp_path)
    cluster = load_cluster([str(overlay / "kustomization.yaml")])
    assert sorted(p.key for p in cluster.pods) == ["prod/client", "prod/web"]


@needs_kubectl
def test_rendered_error_names_the_folder_tool_and_document(tmp_path):
    overlay = _kustomize_layout(tmp_path)
    (overlay / "deny.yaml").write_text(DENY_INGRESS.replace("policyTypes: [Ingress]",
                                                            "policyTypes: [Inbound]"))
    r = run("audit", "-f", str(overlay))
    assert r.exit_code == 2
    assert f"{overlay} (kustomize):" in r.stderr
    assert "document 3 (NetworkPolicy prod/deny-ingress): spec.policyTypes[0]" in r.stderr


@needs_kubectl
def test_kustomize_failure_is_an_input_error_with_its_message(tmp_path):
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text("resources: [../missing-base]\n")
    r = run("audit", "-f", str(overlay))
    assert r.exit_code == 2, r.output
    assert f"{overlay} (kustomize): kubectl kustomize {overlay} failed (exit 1):" in r.stderr
    assert "missing-base" in r.stderr
    assert r.exception is None or isinstance(r.exception, SystemExit)


def _script(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def test_kustomize_binary_is_preferred_when_present(tmp_path, monkeypatch):
    overlay = tmp_path / "app"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text("resources: []\n")
    bin_dir = tmp_path / "bin"
    log = tmp_path / "args"
    _script(bin_dir, "kustomize", f'echo "$@" > {log}\ncat <<"EOF"\n'
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nEOF\n")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    cluster = load_cluster([str(overlay)])
    assert log.read_text().split() == ["build", str(overlay)]
    assert [p.key for p in cluster.pods] == ["a/p"]


def _chart(root: Path) -> Path:
    chart = root / "shop"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: shop\nversion: 0.1.0\n")
    (chart / "templates" / "web.yaml").write_text("{{ .Values.web | toYaml }}\n")
    (root / "prod.yaml").write_text("web: {}\n")
    return chart


def test_helm_chart_without_helm_is_refused_naming_the_command(tmp_path, monkeypatch):
    chart = _chart(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    for target in (chart, chart / "Chart.yaml"):
        r = run("audit", "-f", str(target), "--helm-values", str(tmp_path / "prod.yaml"))
        assert r.exit_code == 2, r.output
        assert f"{chart} is a Helm chart (Chart.yaml): rendering it needs helm" in r.stderr
        assert (f"helm template shop {chart} --values {tmp_path / 'prod.yaml'} "
                "| netverify ... -f -") in r.stderr


HELM_OUTPUT = """---
# Source: shop/templates/web.yaml
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}
---
# Source: shop/templates/client.yaml
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client}}
---
# Source: shop/templates/policy.yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{podSelector: {matchLabels: {app: client}}}], ports: [{port: 80}]}]
"""


def _fake_helm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "helm-args"
    bin_dir = tmp_path / "bin"
    _script(bin_dir, "helm", f'printf "%s\\n" "$@" > {log}\ncat <<"EOF"\n{HELM_OUTPUT}EOF\n')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return log


def test_helm_chart_is_rendered_with_helm_template_and_values(tmp_path, monkeypatch):
    chart = _chart(tmp_path)
    log = _fake_helm(tmp_path, monkeypatch)
    extra = tmp_path / "extra.yaml"
    extra.write_text("{}\n")
    r = run("can-reach", "shop/client", "shop/web:80", "-f", str(chart),
            "--helm-values", str(tmp_path / "prod.yaml"), "--helm-values", str(extra))
    assert r.exit_code == 0, r.output
    assert log.read_text().splitlines() == [
        "template", "shop", str(chart), "--values", str(tmp_path / "prod.yaml"),
        "--values", str(extra)]
    assert "allowed by shop/web spec.ingress[0].from[0]" in r.stdout
    assert f"[{chart} (helm):" in r.stdout
    cluster = load_cluster([str(chart)], helm=HelmOptions(release="prod"))
    assert log.read_text().splitlines()[:3] == ["template", "prod", str(chart)]
    src = cluster.policies[0].source
    assert src is not None and src.file == f"{chart} (helm)" and src.document == 3


def test_helm_values_without_a_chart_is_an_error(tmp_path):
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n")
    r = run("audit", "-f", str(tmp_path), "--helm-values", str(tmp_path / "pod.yaml"))
    assert r.exit_code == 2
    assert "no Helm chart among the inputs" in r.stderr


def test_helm_failure_is_an_input_error(tmp_path, monkeypatch):
    chart = _chart(tmp_path)
    _script(tmp_path / "bin", "helm", 'echo "Error: parse error in web.yaml" >&2\nexit 1\n')
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(ManifestError, match=r"\(helm\): helm template shop .* failed \(exit 1\): "
                                            r"Error: parse error in web.yaml"):
        load_cluster([str(chart)])
