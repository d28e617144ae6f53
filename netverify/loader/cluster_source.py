"""Read a live cluster through ``kubectl get -o json``: the path ``cluster:`` (``--from-cluster``).

kubectl does the talking, with the user's kubeconfig (``--kubeconfig``, ``KUBECONFIG``),
context (``--context``) and whatever auth plugin it names (``gke-gcloud-auth-plugin``,
``aws eks get-token``, OIDC), so netverify holds no credentials and speaks no API itself.

Which kinds: ``kubectl api-resources`` (discovery) says what the server knows; each kind
netverify uses that the server knows is listed in every namespace.  A kind the server
does not know (a CRD that is not installed, Gateway API on a bare cluster) has no objects:
not an error.  A kind the server refuses to list (RBAC, ``Forbidden``) is handled by what
it could change:

- a traffic policy kind (``policy_kinds.REGISTRY``: NetworkPolicy, the tiers, Cilium's,
  Calico's, ...): objects netverify cannot see could allow or deny anything, so every
  answer becomes *incomplete* (exit 3), naming the kind, as for objects it does not
  evaluate;
- a workload kind (Deployment, ReplicaSet, ...): the pods stand for their workloads
  (the loader prefers real pods anyway), so a warning names the kind;
- any other kind (Namespace, Pod, Service, Node, Ingress, Gateway, ...): verdicts depend
  on it, so it is an input error (exit 2) naming the kind and kubectl's message.

An API group that does not answer discovery (an aggregated API server that is down, such
as Calico's) is judged the same way for the kinds it may hold; other groups are left out
quietly (a broken metrics-server changes no verdict).  A missing ``kubectl`` and a
cluster kubectl cannot reach or authenticate to are input errors.
CustomResourceDefinitions are not listed (their schemas are megabytes): CNI detection only
needs their names, ``plural.group``, which discovery gives.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field

from netverify.errors import ManifestError
from netverify.loader.render import tool_message
from netverify.policy_kinds import REGISTRY, PolicyKind, PolicyObject

CLUSTER_PATH = "cluster:"

# (group, kind) netverify builds its model from; refusing any of them is an error.
REQUIRED = (("", "Namespace"), ("", "Pod"), ("", "Service"), ("", "Node"),
            ("discovery.k8s.io", "EndpointSlice"),
            ("networking.k8s.io", "Ingress"), ("networking.k8s.io", "IngressClass"),
            ("gateway.networking.k8s.io", "Gateway"),
            ("gateway.networking.k8s.io", "HTTPRoute"),
            ("gateway.networking.k8s.io", "GRPCRoute"),
            ("gateway.networking.k8s.io", "TLSRoute"),
            ("gateway.networking.k8s.io", "ReferenceGrant"),
            ("gateway.networking.k8s.io", "ReferencePolicy"))
# Pods stand for these when they cannot be listed (names of workloads are lost).
WORKLOADS = (("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet"),
             ("apps", "ReplicaSet"), ("", "ReplicationController"), ("batch", "Job"),
             ("batch", "CronJob"))
# The same NetworkPolicies as networking.k8s.io, on clusters older than 1.16: never twice.
_ALIASES = {("extensions", "NetworkPolicy")}


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveCluster:
    """Which cluster ``cluster:`` means: kubectl's current context unless named."""

    context: str | None = None
    kubeconfig: str | None = None

    def flags(self) -> list[str]:
        """Return kubectl's own flags for this cluster."""
        out = []
        if self.kubeconfig:
            out += ["--kubeconfig", self.kubeconfig]
        if self.context:
            out += ["--context", self.context]
        return out

    @property
    def label(self) -> str:
        """``cluster (context prod)``: the file name live objects' locations carry."""
        return f"cluster (context {self.context})" if self.context else "cluster"


@dataclass(slots=True)
class LiveReport:
    """What reading the cluster left out, for the cluster model (filled while reading)."""

    unreadable: list[PolicyObject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Resource:
    name: str  # plural: networkpolicies
    group: str
    version: str
    kind: str

    @property
    def qualified(self) -> str:
        """``networkpolicies.networking.k8s.io`` (``pods`` for the core group)."""
        return f"{self.name}.{self.group}" if self.group else self.name


def _kubectl(live: LiveCluster, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = ["kubectl", *live.flags(), *args]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise ManifestError("kubectl is not installed (or not on PATH): --from-cluster reads "
                            "the cluster through it",
                            hint="install kubectl, or give manifests with -f "
                                 "(kubectl get ... -o yaml > dump.yaml)") from None
    except OSError as e:
        raise ManifestError(f"cannot run kubectl: {e.strerror}") from None


# kubectl's words for an API group whose discovery failed (an aggregated API server down):
# 'couldn't get resource list for cilium.io/v2: ...' and '... server APIs: cilium.io/v2: ...'.
_FAILED_GROUP = re.compile(r"(?:resource list for |server APIs: |, )([a-z0-9.-]+)/(v[a-z0-9]+):")


def _discover(live: LiveCluster) -> tuple[dict[tuple[str, str], _Resource],
                                          dict[str, tuple[str, str]]]:
    """Ask the server which kinds it lists.

    Returns (group, kind) -> resource for every listable kind the server knows, and the
    API groups whose discovery failed, with the version and kubectl's message.

    Raises:
        ManifestError: when kubectl cannot reach or authenticate to the cluster.
    """
    proc = _kubectl(live, "api-resources", "--verbs=list", "--no-headers")
    found: dict[tuple[str, str], _Resource] = {}
    for line in proc.stdout.splitlines():
        words = line.split()
        if len(words) < 4:
            continue
        # NAME [SHORTNAMES] APIVERSION NAMESPACED KIND: short names may be absent.
        name, api_version, kind = words[0], words[-3], words[-1]
        group, _, version = api_version.rpartition("/")
        found.setdefault((group, kind), _Resource(name, group, version, kind))
    if proc.returncode != 0 and not found:
        raise ManifestError(f"{live.label}: kubectl {shlex.join(live.flags())} api-resources "
                            f"failed (exit {proc.returncode}): {tool_message(proc.stderr)}",
                            hint="check that kubectl get pods works with the same "
                                 "--context and --kubeconfig")
    # Some API groups failed discovery (an unavailable aggregated API such as
    # metrics.k8s.io, or Calico's API server) while the rest answered: only those groups
    # are unknown, and what they hold is judged as a refused kind would be.
    failed: dict[str, tuple[str, str]] = {}
    if proc.returncode != 0:
        for m in _FAILED_GROUP.finditer(proc.stderr):
            failed.setdefault(m[1], (m[2], f"{m[1]}/{m[2]} did not answer discovery "
                                           f"({tool_message(proc.stderr)})"))
    return found, failed


def read_cluster(live: LiveCluster, report: LiveReport) -> Iterator[tuple[str, str]]:
    """A label and the JSON text of every list netverify needs, one ``kubectl get`` each.

    The label, ``cluster (context prod) pods``, is the file name of the objects' locations.

    Kinds the cluster refuses to list go to ``report`` (see the module docstring).

    Raises:
        ManifestError: when kubectl is missing, the cluster cannot be reached, or it
            refuses a kind every answer depends on.
    """
    known, failed = _discover(live)
    wanted: list[tuple[str, str]] = [*REQUIRED, *WORKLOADS,
                                     *(k for k in REGISTRY if k not in _ALIASES)]
    for key in dict.fromkeys(wanted):
        resource = known.get(key)
        if resource is None and key[0] in failed:
            # The server may know the kind: its group did not answer discovery.
            version, message = failed[key[0]]
            _refused(_Resource(key[1].lower(), key[0], version, key[1]), message, live,
                     report, "could not list")
            continue
        if resource is None:
            continue  # the server does not know the kind: there are none
        proc = _kubectl(live, "get", resource.qualified, "--all-namespaces", "-o", "json")
        if proc.returncode == 0:
            yield f"{live.label} {resource.qualified}", proc.stdout
            continue
        message = tool_message(proc.stderr)
        if "(NotFound)" in message or "doesn't have a resource type" in message:
            continue  # removed between discovery and listing (a CRD being uninstalled)
        if "(Forbidden)" not in message:
            raise ManifestError(f"{live.label}: kubectl get {resource.qualified} failed "
                                f"(exit {proc.returncode}): {message}")
        _refused(resource, message.removeprefix("Error from server (Forbidden): "), live,
                 report)
    yield f"{live.label} api-resources", _crd_names(known)


def _refused(resource: _Resource, message: str, live: LiveCluster,
             report: LiveReport, failure: str = "refused to list") -> None:
    """Record or raise for a kind the cluster refused to list (or could not).

    Raises:
        ManifestError: for a kind every answer depends on.
    """
    key = (resource.group, resource.kind)
    what = f"{resource.kind} ({resource.qualified})"
    policy: PolicyKind | None = REGISTRY.get(key)
    if policy is not None:
        report.unreadable.append(PolicyObject(
            kind=policy, api_version=f"{resource.group}/{resource.version}".lstrip("/"),
            namespace=None, name=f"every object (the cluster {failure} them: {message})",
            unreadable=True))
        report.warnings.append(
            f"{live.label} {failure} {what}: {message}; answers such objects could "
            "change are incomplete")
    elif key in WORKLOADS:
        report.warnings.append(
            f"{live.label} {failure} {what}: {message}; its pods stand for it, named "
            "by themselves rather than by their workload")
    else:
        raise ManifestError(
            f"{live.label} {failure} {what}: {message}",
            hint=f"netverify needs to list {resource.qualified} in every namespace "
                 "(kubectl auth can-i list " f"{resource.qualified} --all-namespaces)")


def _crd_names(known: dict[tuple[str, str], _Resource]) -> str:
    """A List of CustomResourceDefinitions named as the API names them (``plural.group``).

    Built from discovery: every resource of a group that is not built into Kubernetes.
    Only names are read from them (CNI detection).
    """
    import json

    builtin = {"", "apps", "batch", "autoscaling", "policy", "extensions"}
    items = [{"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
              "metadata": {"name": r.qualified}}
             for (group, _), r in sorted(known.items())
             if group not in builtin and not group.endswith(".k8s.io")]
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
