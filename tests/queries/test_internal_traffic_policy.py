"""internalTrafficPolicy Local: a pod reaches only the endpoints on its own node.

Kubernetes API reference, ServiceSpec: "internalTrafficPolicy describes how nodes
distribute service traffic they receive on the ClusterIP. If set to "Local", the proxy
will assume that pods only want to talk to endpoints of the service on the same node as
the pod, dropping the traffic if there are no local endpoints. The default value,
"Cluster", uses the standard behavior of routing to all endpoints evenly".

The manifests do not say which node runs which pod, so an endpoint admitting the client
does not make the connection certain (undecided, exit 3); it is denied only when every
endpoint denies it.  With "Cluster", each endpoint must admit the client, as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from netverify.cli import main

BASE = """\
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: app, labels: {app: client}}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: cache-a, namespace: app, labels: {app: cache, zone: a}}
spec: {containers: [{name: c, image: redis, ports: [{containerPort: 6379}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: cache-b, namespace: app, labels: {app: cache, zone: b}}
spec: {containers: [{name: c, image: redis, ports: [{containerPort: 6379}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: cache, namespace: app}
spec:
  selector: {app: cache}
  {policy}
  ports: [{port: 6379}]
"""
DENY_B = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-b, namespace: app}
spec:
  podSelector: {matchLabels: {zone: b}}
  policyTypes: [Ingress]
"""
DENY_ALL = DENY_B.replace("{matchLabels: {zone: b}}", "{}")


def ask(tmp_path: Path, policy: str, extra: str = "", src: str = "app/client") -> int:
    f = tmp_path / "m.yaml"
    f.write_text(BASE.replace("{policy}", policy) + extra)
    r = CliRunner().invoke(main, ["can-reach", src, "svc/app/cache:6379", "-f", str(f)])
    assert "Traceback" not in r.output
    return r.exit_code


@pytest.mark.parametrize("extra, cluster, local", [
    ("", 0, 3),  # every endpoint admits: Local is still not certain
    (DENY_B, 1, 3),  # one denies: Cluster sends some connections there; Local may not
    (DENY_ALL, 1, 1),  # every endpoint denies: no either way
])
def test_local_is_decided_only_when_every_endpoint_agrees_to_deny(tmp_path, extra, cluster,
                                                                  local):
    assert ask(tmp_path, "internalTrafficPolicy: Cluster", extra) == cluster
    assert ask(tmp_path, "", extra) == cluster  # the default is Cluster
    assert ask(tmp_path, "internalTrafficPolicy: Local", extra) == local


def test_local_names_the_reason(tmp_path):
    f = tmp_path / "m.yaml"
    f.write_text(BASE.replace("{policy}", "internalTrafficPolicy: Local"))
    r = CliRunner().invoke(main, ["can-reach", "app/client", "svc/app/cache:6379", "-f", str(f)])
    assert r.exit_code == 3 and "internalTrafficPolicy Local" in r.output


def test_an_invalid_value_is_an_input_error(tmp_path):
    f = tmp_path / "m.yaml"
    f.write_text(BASE.replace("{policy}", "internalTrafficPolicy: local"))
    r = CliRunner().invoke(main, ["can-reach", "app/client", "svc/app/cache:6379", "-f", str(f)])
    assert r.exit_code == 2
    assert "spec.internalTrafficPolicy" in r.output and "Service app/cache" in r.output
