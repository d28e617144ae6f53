"""``--from-cluster``: the real kubectl against a local API server serving recorded answers.

The server (``apiserver.py``) holds the demo shop's manifests; kubectl reads them with a
kubeconfig pointing at it, as it would read a real cluster, so the verdicts must be those
of ``-f fixtures/demo``.  RBAC refusals are 403 answers to chosen lists.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from netverify.cli import main
from netverify.loader import CLUSTER_PATH, LiveCluster, load_cluster
from tests.loader.apiserver import FakeCluster, serve

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "demo"
KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
QUESTION = ["can-reach", "frontend/web", "backend/api:8080"]


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeCluster:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # kubectl's discovery cache
    monkeypatch.delenv("KUBECONFIG", raising=False)
    cluster = FakeCluster()
    cluster.add_manifests(p.read_text(encoding="utf-8") for p in sorted(DEMO.glob("*.yaml")))
    return cluster


@pytest.fixture
def kubeconfig(fake: FakeCluster, tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "kubeconfig"
    with serve(fake, path):
        yield path


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _verdict(out: str) -> list[str]:
    """The answer without locations (they name files in one run, the cluster in the other)."""
    return [line.split("(", 1)[0].rstrip() for line in out.splitlines() if line.strip()]


def test_from_cluster_reads_what_kubectl_lists_and_answers_as_the_manifests(
        fake: FakeCluster, kubeconfig: Path) -> None:
    live = run(*QUESTION, "--from-cluster", "--kubeconfig", kubeconfig, "--context", "fake",
               "--cni", "cilium")
    files = run(*QUESTION, "-f", DEMO, "--cni", "cilium")
    assert live.exit_code == files.exit_code == 0, live.output
    assert _verdict(live.stdout) == _verdict(files.stdout)
    assert "[cluster (context fake) networkpolicies.networking.k8s.io:" in live.stdout
    listed = {p for p in fake.requests if p.count("/") >= 3 and "/v1beta1" not in p}
    assert listed >= {"/api/v1/namespaces", "/api/v1/pods", "/api/v1/services",
                      "/api/v1/nodes", "/apis/networking.k8s.io/v1/networkpolicies",
                      "/apis/networking.k8s.io/v1/ingresses", "/apis/apps/v1/deployments",
                      "/apis/apps/v1/replicasets", "/apis/batch/v1/cronjobs",
                      "/apis/cilium.io/v2/ciliumnetworkpolicies"}
    # Nothing netverify does not use: no secrets, no config maps.
    assert not {p for p in fake.requests if p.endswith(("/secrets", "/configmaps"))}


def test_library_reads_the_cluster_path(fake: FakeCluster, kubeconfig: Path) -> None:
    cluster = load_cluster([CLUSTER_PATH], live=LiveCluster(kubeconfig=str(kubeconfig)))
    expected = load_cluster([str(DEMO)])
    assert [p.key for p in cluster.pods] == [p.key for p in expected.pods]
    assert [(p.namespace, p.name) for p in cluster.policies] == \
        [(p.namespace, p.name) for p in expected.policies]
    assert cluster.namespaces.keys() == expected.namespaces.keys()
    # Detection sees the CRDs the server knows (discovery), as in a dump holding them.
    assert any(kind == "CustomResourceDefinition" and name == "ciliumnetworkpolicies.cilium.io"
               for kind, _, name in cluster.others)


@pytest.mark.parametrize("refused", [("cilium.io", "ciliumnetworkpolicies"),
                                     ("networking.k8s.io", "networkpolicies")])
def test_refused_policy_kind_makes_the_answer_incomplete(
        fake: FakeCluster, kubeconfig: Path, refused: tuple[str, str]) -> None:
    fake.forbidden.add(refused)
    r = run(*QUESTION, "--from-cluster", "--kubeconfig", kubeconfig)
    assert r.exit_code == 3, r.output
    assert r.stdout.startswith("INCOMPLETE  frontend/web -> backend/api")
    assert "refused to list" in r.stderr and f"{refused[1]}.{refused[0]}" in r.stderr
    assert "the cluster refused to list them" in r.stdout


def test_refused_kind_left_out_on_purpose_is_said(fake: FakeCluster, kubeconfig: Path) -> None:
    fake.forbidden.add(("cilium.io", "ciliumnetworkpolicies"))
    r = run(*QUESTION, "--from-cluster", "--kubeconfig", kubeconfig,
            "--ignore-kind", "CiliumNetworkPolicy")
    assert r.exit_code == 0, r.output
    assert "ignored on request (--ignore-kind CiliumNetworkPolicy)" in r.stdout


@pytest.mark.parametrize(("group", "plural", "kind"), [("", "pods", "Pod"),
                                                       ("", "namespaces", "Namespace"),
                                                       ("networking.k8s.io", "ingresses",
                                                        "Ingress")])
def test_refused_kind_every_answer_depends_on_is_an_input_error(
        fake: FakeCluster, kubeconfig: Path, group: str, plural: str, kind: str) -> None:
    fake.forbidden.add((group, plural))
    r = run(*QUESTION, "--from-cluster", "--kubeconfig", kubeconfig)
    assert r.exit_code == 2, r.output
    qualified = f"{plural}.{group}" if group else plural
    assert f"cluster refused to list {kind} ({qualified}): {qualified} is forbidden" in r.stderr
    assert f"kubectl auth can-i list {qualified} --all-namespaces" in r.stderr
    assert r.stdout == ""


def test_refused_workload_kind_warns_and_answers(fake: FakeCluster, kubeconfig: Path) -> None:
    fake.forbidden.add(("apps", "replicasets"))
    r = run(*QUESTION, "--from-cluster", "--kubeconfig", kubeconfig)
    assert r.exit_code == 0, r.output
    assert "warning: cluster refused to list ReplicaSet (replicasets.apps)" in r.stderr


def test_kind_the_server_does_not_know_is_not_an_error(fake: FakeCluster, tmp_path: Path) -> None:
    fake.discovery["/apis"]["groups"] = [g for g in fake.discovery["/apis"]["groups"]
                                         if g["name"] != "cilium.io"]
    del fake.discovery["/apis/cilium.io/v2"]
    with serve(fake, tmp_path / "kc"):
        r = run(*QUESTION, "--from-cluster", "--kubeconfig", tmp_path / "kc")
    assert r.exit_code == 0, r.output
    assert not [p for p in fake.requests if "cilium" in p]
    assert "CNI: none detected" in r.stdout


def test_check_and_audit_read_the_cluster(fake: FakeCluster, kubeconfig: Path) -> None:
    r = run("check", ROOT / "specs" / "demo.yaml", "--from-cluster", "--kubeconfig", kubeconfig)
    assert r.exit_code == 0, r.output
    fake.forbidden.add(("cilium.io", "ciliumnetworkpolicies"))
    audit = run("audit", "--from-cluster", "--kubeconfig", kubeconfig, "--fail-on", "error")
    assert audit.exit_code == 3, audit.output  # incomplete: rule NV704
    assert "NV704" in audit.stdout


def test_unknown_context_is_an_input_error(fake: FakeCluster, kubeconfig: Path) -> None:
    r = run(*QUESTION, "--from-cluster", "--kubeconfig", kubeconfig, "--context", "nope")
    assert r.exit_code == 2, r.output
    assert 'context "nope" does not exist' in r.stderr


def test_unreachable_cluster_is_an_input_error(tmp_path: Path, fake: FakeCluster) -> None:
    with serve(fake, tmp_path / "kc"):
        pass  # the port is closed again
    r = run(*QUESTION, "--from-cluster", "--kubeconfig", tmp_path / "kc")
    assert r.exit_code == 2, r.output
    assert "netverify: error: cluster: kubectl --kubeconfig" in r.stderr
    assert "connection refused" in r.stderr.lower()


def test_missing_kubectl_is_an_input_error(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    r = run(*QUESTION, "--from-cluster")
    assert r.exit_code == 2, r.output
    assert "kubectl is not installed (or not on PATH)" in r.stderr


def test_no_input_at_all_is_a_usage_error() -> None:
    r = run(*QUESTION)
    assert r.exit_code == 2
    assert "no input: give manifests with -f PATH" in r.stderr


def _plugin_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    venv_bin = Path(sys.executable).parent
    if not (venv_bin / "kubectl-netverify").exists():
        pytest.skip("kubectl-netverify is not installed: pip install -e '.[test]' installs it")
    path = os.pathsep.join([str(venv_bin), str(Path(KUBECTL or "").parent)])
    return {**os.environ, "PATH": path, "HOME": str(tmp_path / "home"), **extra}


def test_kubectl_plugin_list_finds_netverify(tmp_path: Path) -> None:
    env = _plugin_env(tmp_path)
    out = subprocess.run(["kubectl", "plugin", "list"], capture_output=True, text=True,
                         env=env, check=False)
    assert str(Path(sys.executable).parent / "kubectl-netverify") in out.stdout, out


def test_kubectl_netverify_answers_through_kubectl(tmp_path: Path, fake: FakeCluster) -> None:
    kc = tmp_path / "kubeconfig"
    with serve(fake, kc):
        env = _plugin_env(tmp_path, KUBECONFIG=str(kc))
        files = subprocess.run(["kubectl", "netverify", *QUESTION, "-f", str(DEMO)],
                               capture_output=True, text=True, env=env, check=False)
        # As a plugin without -f, the cluster kubectl points at (KUBECONFIG) is the input.
        live = subprocess.run(["kubectl", "netverify", *QUESTION], capture_output=True,
                              text=True, env=env, check=False)
        usage = subprocess.run(["kubectl", "netverify", "can-reach"], capture_output=True,
                               text=True, env=env, check=False)
    assert files.returncode == 0, files
    assert files.stdout.startswith("ALLOWED  frontend/web -> backend/api  (TCP 8080)")
    assert live.returncode == 0, live
    assert _verdict(live.stdout)[:6] == _verdict(files.stdout)[:6]
    assert "[cluster networkpolicies.networking.k8s.io:" in live.stdout
    assert usage.returncode == 2 and "Usage: kubectl netverify can-reach" in usage.stderr


def test_diff_compares_the_cluster_with_manifests(fake: FakeCluster, kubeconfig: Path,
                                                  tmp_path: Path) -> None:
    same = run("diff", "cluster:", DEMO, "--kubeconfig", kubeconfig, "--fail-on", "any")
    assert same.exit_code == 0, same.output
    changed = tmp_path / "changed"
    shutil.copytree(DEMO, changed)
    (changed / "backend.yaml").write_text(
        (DEMO / "backend.yaml").read_text(encoding="utf-8").replace("port: 5432", "port: 5433"),
        encoding="utf-8")
    r = run("diff", "cluster:", changed, "--kubeconfig", kubeconfig, "--fail-on", "any")
    assert r.exit_code == 1, r.output


def test_policy_group_that_fails_discovery_makes_the_answer_incomplete(
        fake: FakeCluster, kubeconfig: Path) -> None:
    fake.unavailable.add("/apis/metrics.k8s.io/v1beta1")  # changes no verdict: quiet
    ok = run(*QUESTION, "--from-cluster", "--kubeconfig", kubeconfig)
    assert ok.exit_code == 0, ok.output
    fake.unavailable.add("/apis/cilium.io/v2")  # Cilium's policies might be there
    r = run(*QUESTION, "--from-cluster", "--kubeconfig", kubeconfig)
    assert r.exit_code == 3, r.output
    assert ("could not list CiliumNetworkPolicy (ciliumnetworkpolicy.cilium.io): "
            "cilium.io/v2 did not answer discovery") in r.stderr
    assert "CiliumClusterwideNetworkPolicy" in r.stdout


def test_every_kind_the_model_reads_is_listed_from_a_live_cluster() -> None:
    # GRPCRoute, TLSRoute, ReferenceGrant and EndpointSlice were read from files but not
    # asked of the cluster: a cross-namespace backendRef then lacked its grant (500).
    from netverify.loader.build import KNOWN_VERSIONS
    from netverify.loader.cluster_source import REQUIRED, WORKLOADS
    from netverify.policy_kinds import REGISTRY

    listed = {kind for _, kind in (*REQUIRED, *WORKLOADS, *REGISTRY)}
    assert set(KNOWN_VERSIONS) - listed == set()
