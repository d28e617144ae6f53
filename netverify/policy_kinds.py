"""The kinds of object that restrict pod traffic, and which of them netverify evaluates.

One registry, keyed by (API group, kind): Antrea's ``ClusterNetworkPolicy``
(``crd.antrea.io``) and the network-policy-api's (``policy.networking.k8s.io``) are
different objects, and ``networking.gke.io`` also holds ``ManagedCertificate``, which
restricts nothing.  Each entry says whose object it is, whether it is namespaced,
which end of a connection its namespace's pods are on when it applies, why it is
here, and whether netverify evaluates it.  An object of a kind listed but not
evaluated makes every answer it could change *incomplete* (exit status 3), never a
confident yes or no: a CiliumNetworkPolicy may deny what the NetworkPolicies allow,
an AdminNetworkPolicy may allow what they deny.  Teaching netverify a kind (the
policy tiers) is flipping ``evaluated`` here, next to the evaluator.

Left out on purpose, because they do not restrict traffic: Calico's staged kinds
(``StagedNetworkPolicy``, ``StagedGlobalNetworkPolicy``,
``StagedKubernetesNetworkPolicy``: previews that "do not enforce network traffic",
per the Calico reference), Calico's and Antrea's tiers and groups (they order and
name, the policies decide), Istio's ``PeerAuthentication`` (only ``STRICT`` refuses
plaintext, and only from clients outside the mesh, which netverify does not model),
and mesh objects whose scope is a service-mesh name rather than a Kubernetes
namespace (Consul ``ServiceIntentions``, Kuma ``MeshTrafficPermission``).

Which answers an object can change (``PolicyObject.affects``):

- a cluster-scoped kind, or an Istio ``AuthorizationPolicy`` in the mesh's root
  namespace (``istio-system`` by default), every pair;
- a namespaced kind, the pairs with a pod of its namespace at the end ``side``
  names (both, the source for egress controls, the destination for mesh
  authorization); ``outside_only`` kinds (egress firewalls) only traffic to
  addresses outside the cluster.

This module sits beside the model: the loader records objects with it, queries,
audit rules and renderers read it.  It imports nothing above ``source`` and
``errors``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from netverify.errors import QueryError
from netverify.source import SourceRef


class Scope(enum.Enum):
    """Where an object of the kind lives."""

    NAMESPACED = "namespaced"
    CLUSTER = "cluster"


class Side(enum.Enum):
    """Which end of a connection a namespaced object's pods must be on for it to apply."""

    EITHER = "either"
    SOURCE = "source"  # egress controls: the pods it selects open the connection
    DESTINATION = "destination"  # admission controls: the pods it selects receive it


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyKind:
    """One kind of object that restricts pod traffic."""

    group: str
    kind: str
    product: str  # whose object it is: "Cilium", "Calico", "network-policy-api", ...
    scope: Scope
    why: str  # what the kind does to traffic, and where that is documented
    evaluated: bool = False
    side: Side = Side.EITHER
    outside_only: bool = False  # applies only to traffic to addresses outside the cluster
    mesh_root: str | None = None  # objects in this namespace apply to every pair

    @property
    def name(self) -> str:
        """``CiliumNetworkPolicy.cilium.io``: the form ``--ignore-kind`` accepts."""
        return f"{self.kind}.{self.group}"


def _kinds(*kinds: PolicyKind) -> dict[tuple[str, str], PolicyKind]:
    return {(k.group, k.kind): k for k in kinds}


_NS, _CLUSTER = Scope.NAMESPACED, Scope.CLUSTER

REGISTRY: Mapping[tuple[str, str], PolicyKind] = _kinds(
    PolicyKind(group="networking.k8s.io", kind="NetworkPolicy", product="Kubernetes",
               scope=_NS, evaluated=True,
               why="the Kubernetes NetworkPolicy API; netverify's engines evaluate it"),
    PolicyKind(group="extensions", kind="NetworkPolicy", product="Kubernetes", scope=_NS,
               evaluated=True,
               why="the same NetworkPolicy under its deprecated group, read as "
                   "networking.k8s.io/v1"),
    PolicyKind(group="policy.networking.k8s.io", kind="AdminNetworkPolicy",
               product="network-policy-api", scope=_CLUSTER, evaluated=True,
               why="cluster-scoped Allow/Deny/Pass rules evaluated before NetworkPolicy "
                   "(v1alpha1)"),
    PolicyKind(group="policy.networking.k8s.io", kind="BaselineAdminNetworkPolicy",
               product="network-policy-api", scope=_CLUSTER, evaluated=True,
               why="cluster-scoped default rules for traffic NetworkPolicy leaves undecided "
                   "(v1alpha1)"),
    PolicyKind(group="policy.networking.k8s.io", kind="ClusterNetworkPolicy",
               product="network-policy-api", scope=_CLUSTER, evaluated=True,
               why="v1alpha2 successor of AdminNetworkPolicy and BaselineAdminNetworkPolicy "
                   "(tier Admin or Baseline)"),
    PolicyKind(group="cilium.io", kind="CiliumNetworkPolicy", product="Cilium", scope=_NS,
               why="L3-L7 allow and deny rules on the endpoints of its namespace, enforced "
                   "alongside NetworkPolicy"),
    PolicyKind(group="cilium.io", kind="CiliumClusterwideNetworkPolicy", product="Cilium",
               scope=_CLUSTER, why="CiliumNetworkPolicy rules for endpoints of every "
                                   "namespace (and nodes)"),
    PolicyKind(group="projectcalico.org", kind="NetworkPolicy", product="Calico", scope=_NS,
               why="Calico's namespaced policy (v3 API server): ordered Allow/Deny/Pass rules "
                   "in tiers"),
    PolicyKind(group="crd.projectcalico.org", kind="NetworkPolicy", product="Calico",
               scope=_NS, why="Calico's namespaced policy as stored in its CRDs (v1)"),
    PolicyKind(group="projectcalico.org", kind="GlobalNetworkPolicy", product="Calico",
               scope=_CLUSTER, why="Calico's cluster-wide policy (v3 API server)"),
    PolicyKind(group="crd.projectcalico.org", kind="GlobalNetworkPolicy", product="Calico",
               scope=_CLUSTER, why="Calico's cluster-wide policy as stored in its CRDs (v1)"),
    PolicyKind(group="crd.antrea.io", kind="NetworkPolicy", product="Antrea", scope=_NS,
               why="Antrea-native namespaced policy: prioritised Allow/Drop/Reject/Pass "
                   "rules in tiers before NetworkPolicy"),
    PolicyKind(group="crd.antrea.io", kind="ClusterNetworkPolicy", product="Antrea",
               scope=_CLUSTER, why="Antrea-native cluster-wide policy (ACNP)"),
    PolicyKind(group="security.antrea.tanzu.vmware.com", kind="NetworkPolicy",
               product="Antrea", scope=_NS,
               why="Antrea-native namespaced policy under its pre-1.0 API group"),
    PolicyKind(group="security.antrea.tanzu.vmware.com", kind="ClusterNetworkPolicy",
               product="Antrea", scope=_CLUSTER,
               why="Antrea-native cluster-wide policy under its pre-1.0 API group"),
    PolicyKind(group="security.istio.io", kind="AuthorizationPolicy", product="Istio",
               scope=_NS, side=Side.DESTINATION, mesh_root="istio-system",
               why="the sidecar or waypoint of a selected workload denies requests no "
                   "ALLOW policy admits (or a DENY policy matches); in the mesh's root "
                   "namespace it applies mesh-wide"),
    PolicyKind(group="policy.linkerd.io", kind="Server", product="Linkerd", scope=_NS,
               side=Side.DESTINATION,
               why="once a Server selects a pod's port, the proxy denies traffic to it that "
                   "no authorization admits"),
    PolicyKind(group="policy.linkerd.io", kind="ServerAuthorization", product="Linkerd",
               scope=_NS, side=Side.DESTINATION,
               why="decides which clients a Server admits (the older authorization API)"),
    PolicyKind(group="policy.linkerd.io", kind="AuthorizationPolicy", product="Linkerd",
               scope=_NS, side=Side.DESTINATION,
               why="decides which clients a Server, route or namespace admits"),
    PolicyKind(group="k8s.ovn.org", kind="EgressFirewall", product="OVN-Kubernetes",
               scope=_NS, side=Side.SOURCE, outside_only=True,
               why="ordered Allow/Deny rules for traffic from the namespace's pods to "
                   "addresses outside the cluster"),
    PolicyKind(group="network.openshift.io", kind="EgressNetworkPolicy",
               product="OpenShift SDN", scope=_NS, side=Side.SOURCE, outside_only=True,
               why="the OpenShift SDN egress firewall for a namespace's pods"),
    PolicyKind(group="networking.gke.io", kind="FQDNNetworkPolicy", product="GKE",
               scope=_NS, side=Side.SOURCE,
               why="egress rules by domain name for the pods it selects (GKE Dataplane V2)"),
    PolicyKind(group="vpcresources.k8s.aws", kind="SecurityGroupPolicy", product="Amazon EKS",
               scope=_NS,
               why="gives the pods it selects EC2 security groups, which filter their "
                   "inbound and outbound traffic"),
)

OUTSIDE = None  # an endpoint outside the cluster, for PolicyObject.affects
ANY = "*"  # an endpoint that may be any pod of any namespace, or outside the cluster


def lookup(api_version: object, kind: object) -> PolicyKind | None:
    """The registry entry of an object's ``apiVersion`` and ``kind`` (None: not listed).

    The group is what precedes the last ``/`` (none for the core group, ``v1``).
    """
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    group = api_version.rpartition("/")[0]
    return REGISTRY.get((group, kind))


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyObject:
    """An object of a registry kind in the input, as the loader found it."""

    kind: PolicyKind
    api_version: str
    namespace: str | None  # None for cluster-scoped kinds
    name: str
    source: SourceRef | None = None
    # Not one object but all of a kind the cluster refused to list (--from-cluster): they
    # may be anywhere, so they apply to every pair, as a cluster-scoped object does.
    unreadable: bool = False

    @property
    def ref(self) -> str:
        """``CiliumNetworkPolicy shop/deny`` (``Kind name`` when cluster-scoped)."""
        where = f"{self.namespace}/{self.name}" if self.namespace is not None else self.name
        return f"{self.kind.kind} {where}"

    @property
    def everywhere(self) -> bool:
        """True when the object can apply to any pair (cluster-scoped, or a mesh root's)."""
        k = self.kind
        return self.unreadable or k.scope is Scope.CLUSTER or (
            k.mesh_root is not None and self.namespace == k.mesh_root)

    def affects(self, src: str | None, dst: str | None) -> bool:
        """Whether the object could change the verdict of traffic from ``src`` to ``dst``.

        Each end is a namespace (a pod of it), ``OUTSIDE`` or ``ANY``.
        """
        k = self.kind
        if k.outside_only and dst is not OUTSIDE and dst != ANY:
            return False
        if self.everywhere:
            return True

        def here(x: str | None) -> bool:
            return x == ANY or (x is not None and x == self.namespace)

        if k.side is Side.SOURCE:
            return here(src)
        if k.side is Side.DESTINATION:
            return here(dst)
        return here(src) or here(dst)


def _sorted(objects: Iterable[PolicyObject]) -> tuple[PolicyObject, ...]:
    def key(o: PolicyObject) -> tuple[str, str, str, str, int]:
        src = o.source
        return (o.kind.kind, o.namespace or "", o.name, src.file if src else "",
                src.document if src else 0)

    return tuple(sorted(dict.fromkeys(objects), key=key))


@dataclass(frozen=True, slots=True, kw_only=True)
class Coverage:
    """What an answer leaves out: objects it could not evaluate, and kinds ignored on request.

    ``unevaluated`` lists the objects that could change the answer (for a cluster: every
    such object of the input); an answer is complete when there are none.
    ``ignored_kinds`` holds the ``--ignore-kind`` requests as given and ``ignored`` the
    objects they matched: left out on purpose, and said so in every output.
    """

    unevaluated: tuple[PolicyObject, ...] = ()
    ignored: tuple[PolicyObject, ...] = ()
    ignored_kinds: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """True when no object that could change the answer was left unevaluated."""
        return not self.unevaluated

    def affects(self, src: str | None, dst: str | None) -> bool:
        """Whether some unevaluated object could change traffic from ``src`` to ``dst``."""
        return any(o.affects(src, dst) for o in self.unevaluated)

    def affecting(self, pairs: Iterable[tuple[str | None, str | None]]) -> Coverage:
        """The coverage of an answer about ``pairs`` (namespace, ``OUTSIDE`` or ``ANY``)."""
        if not self.unevaluated:
            return self
        wanted = set(pairs)
        kept = [o for o in self.unevaluated if any(o.affects(s, d) for s, d in wanted)]
        return Coverage(unevaluated=tuple(kept), ignored=self.ignored,
                        ignored_kinds=self.ignored_kinds)

    def merged(self, other: Coverage) -> Coverage:
        """Both coverages at once (``diff`` compares two inputs)."""
        return Coverage(unevaluated=_sorted((*self.unevaluated, *other.unevaluated)),
                        ignored=_sorted((*self.ignored, *other.ignored)),
                        ignored_kinds=tuple(dict.fromkeys(
                            (*self.ignored_kinds, *other.ignored_kinds))))

    def ignoring(self, requests: Iterable[str]) -> Coverage:
        """Move the objects of the requested kinds (``Kind`` or ``Kind.group``) to ``ignored``.

        ``Kind`` names every unevaluated kind of that name (``NetworkPolicy``: Calico's and
        Antrea's, never the Kubernetes one netverify evaluates).

        Raises:
            QueryError: for a kind the registry does not list, or one netverify evaluates.
        """
        requests = tuple(dict.fromkeys(r.strip() for r in requests if r.strip()))
        if not requests:
            return self
        chosen: set[tuple[str, str]] = set()
        for req in requests:
            chosen |= _matching(req)
        kept = [o for o in self.unevaluated if (o.kind.group, o.kind.kind) not in chosen]
        gone = [o for o in self.unevaluated if (o.kind.group, o.kind.kind) in chosen]
        return Coverage(unevaluated=tuple(kept), ignored=_sorted((*self.ignored, *gone)),
                        ignored_kinds=tuple(dict.fromkeys((*self.ignored_kinds, *requests))))


def objects_text(coverage: Coverage, limit: int = 3) -> str:
    """``CiliumNetworkPolicy shop/deny (cnp.yaml:1), ...``: the objects, for a one-line message."""
    objs = coverage.unevaluated
    named = [o.ref + (f" ({o.source.location()})" if o.source else "") for o in objs[:limit]]
    more = f" and {len(objs) - limit} more" if len(objs) > limit else ""
    return ", ".join(named) + more


def _matching(request: str) -> set[tuple[str, str]]:
    """The registry keys an ``--ignore-kind`` value names.

    Raises:
        QueryError: when it names no unevaluated kind.
    """
    kind, _, group = request.partition(".")
    found = [k for k in REGISTRY.values() if k.kind.lower() == kind.lower()
             and (not group or k.group.lower() == group.lower())]
    open_ = [k for k in found if not k.evaluated]
    if open_:
        return {(k.group, k.kind) for k in open_}
    if found:
        raise QueryError(f"--ignore-kind {request}: netverify evaluates {found[0].name}; "
                         "only kinds it does not evaluate can be ignored",
                         hint=f"e.g. {kind}.projectcalico.org" if kind == "NetworkPolicy"
                         else None)
    known = sorted({k.kind for k in REGISTRY.values() if not k.evaluated})
    raise QueryError(f"--ignore-kind {request}: not a kind of traffic policy netverify knows",
                     hint=f"one of {', '.join(known)}, optionally as Kind.group")


COMPLETE = Coverage()
