"""The cluster as frozen data: namespaces, pods, services, normalized policies.

The model holds no I/O and no evaluation logic; the loader builds it and the
engines read it.  NetworkPolicies are normalized here so that engines never see
raw YAML: defaults applied (``policyTypes``, protocol TCP), "missing or empty
``from``" turned into ``peers=None`` (all peers), "missing ``ports``" into
``ports=None`` (all ports).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from netverify.ipblocks import Address, IPSet, usable_families
from netverify.policy_kinds import COMPLETE, Coverage
from netverify.ports import Protocol
from netverify.selectors import LabelSelector
from netverify.source import SourceRef

if TYPE_CHECKING:  # cluster_policies imports Direction from here
    from netverify.cluster_policies import ClusterPolicy, Node

DEFAULT_NAMESPACE = "default"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"

WORKLOAD_KINDS = (
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
)


class Direction(enum.Enum):
    """A policy type: which side of a connection a policy isolates."""

    INGRESS = "Ingress"
    EGRESS = "Egress"

    @property
    def field(self) -> str:
        """The spec field holding rules of this direction."""
        return "ingress" if self is Direction.INGRESS else "egress"

    @property
    def peers_field(self) -> str:
        """The rule field holding peers of this direction."""
        return "from" if self is Direction.INGRESS else "to"


@dataclass(frozen=True, slots=True, kw_only=True)
class Namespace:
    """A namespace; ``labels`` always include ``kubernetes.io/metadata.name``."""

    name: str
    labels: Mapping[str, str]
    declared: bool = True  # False when only referenced by other objects
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerPort:
    """A ``containerPorts`` entry; ``name`` is what named policy ports resolve against."""

    port: int
    protocol: Protocol = Protocol.TCP
    name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Pod:
    """A pod, or the one representative pod of a workload's template.

    ``kind`` is ``Pod`` for a real pod and the workload kind for a template
    representative (named after the workload).  ``workload`` names the
    top-level owner a real pod belongs to, when it can be told.
    """

    namespace: str
    name: str
    labels: Mapping[str, str]
    kind: str = "Pod"
    workload: str | None = None
    workload_kind: str | None = None
    replicas: int | None = None
    ips: tuple[Address, ...] = ()
    container_ports: tuple[ContainerPort, ...] = ()
    host_network: bool = False
    containers: tuple[tuple[str, str], ...] = ()  # (name, image): how CNIs are recognised
    # (container name, command + args): how two installs of one controller are told apart
    container_args: tuple[tuple[str, tuple[str, ...]], ...] = ()
    source: SourceRef | None = None
    # The families of addresses ipBlocks may not see (a plugin that never matches pod IPs
    # hides ``ips``, but the pod still connects only over these); None: those of ``ips``.
    hidden_families: frozenset[int] | None = None

    @property
    def key(self) -> str:
        """``namespace/name``: the name used in every output."""
        return f"{self.namespace}/{self.name}"

    @property
    def families(self) -> frozenset[int]:
        """The address families this pod can connect over (both when none is known)."""
        if self.hidden_families is not None:
            return self.hidden_families
        return usable_families(self.ips)

    @property
    def is_template(self) -> bool:
        """True when this pod stands for the replicas of a workload template."""
        return self.kind != "Pod"

    @property
    def group(self) -> str:
        """The workload this pod belongs to (itself when it has no known owner)."""
        return f"{self.namespace}/{self.workload or self.name}"

    def named_port(self, name: str, protocol: Protocol) -> tuple[int, ...]:
        """Resolve a named port (name and protocol must both match) to numbers."""
        return tuple(
            sorted({cp.port for cp in self.container_ports
                    if cp.name == name and cp.protocol is protocol})
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ServicePort:
    """One ``spec.ports`` entry of a Service."""

    port: int
    target_port: int | str
    protocol: Protocol = Protocol.TCP
    name: str | None = None
    node_port: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Service:
    """A Service; its endpoints are the pods its selector matches in its namespace."""

    namespace: str
    name: str
    type: str = "ClusterIP"
    selector: Mapping[str, str] | None = None
    ports: tuple[ServicePort, ...] = ()
    cluster_ip: str | None = None
    external_name: str | None = None
    external_traffic_policy: str = "Cluster"  # Cluster or Local (NodePort/LoadBalancer)
    internal_traffic_policy: str = "Cluster"  # Local: pods reach only their node's endpoints
    session_affinity: str = "None"  # None or ClientIP
    load_balancer_source_ranges: tuple[str, ...] = ()
    # Addresses clients use from outside: spec.externalIPs (any type), and for a
    # LoadBalancer spec.loadBalancerIP and status.loadBalancer.ingress (IPs and hostnames).
    external_ips: tuple[str, ...] = ()
    load_balancer_addresses: tuple[str, ...] = ()
    source: SourceRef | None = None

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"

    @property
    def headless(self) -> bool:
        """``clusterIP: None``: DNS answers with the endpoint pods' IPs."""
        return self.cluster_ip == "None"

    @property
    def external(self) -> bool:
        """Reachable from outside the cluster: NodePort or LoadBalancer."""
        return self.type in ("NodePort", "LoadBalancer")

    def selects(self, pod: Pod) -> bool:
        """Whether ``pod`` is an endpoint: in this namespace, carrying every selector label.

        A Service without a selector selects nothing (its endpoints are managed by hand).
        """
        return self.selector is not None and pod.namespace == self.namespace and all(
            pod.labels.get(k) == v for k, v in self.selector.items())


@dataclass(frozen=True, slots=True, kw_only=True)
class BackendRef:
    """Where a route sends traffic: a Service port (or another kind, reported as such).

    ``port`` is a number or a Service port name (Ingress ``port.name``); None when
    the route gives none (HTTPRoute requires one for Services; the loader checks).
    """

    namespace: str
    name: str
    port: int | str | None
    weight: int = 1
    kind: str = "Service"  # anything else (a Resource backend, a custom kind) is reported
    group: str = ""  # the API group; "" is the core group (a Service)
    field: str = ""  # e.g. spec.rules[0].http.paths[1].backend
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PathMatch:
    """One request match: a path plus, for HTTPRoute, exact header and method conditions.

    The path type is Prefix, Exact, ImplementationSpecific or RegularExpression.
    """

    path: str = "/"
    path_type: str = "Prefix"
    headers: tuple[tuple[str, str], ...] = ()
    method: str | None = None
    query_params: tuple[tuple[str, str], ...] = ()  # HTTPRoute Exact queryParams (name, value)


@dataclass(frozen=True, slots=True, kw_only=True)
class GRPCMatch:
    """A GRPCRoute match: service and method (None: any), Exact or RegularExpression."""

    service: str | None = None
    method: str | None = None
    type: str = "Exact"
    headers: tuple[tuple[str, str], ...] = ()  # names lower-cased, Exact values


@dataclass(frozen=True, slots=True, kw_only=True)
class PathModifier:
    """HTTPPathModifier: ``ReplaceFullPath`` or ``ReplacePrefixMatch`` with its value."""

    type: str
    value: str  # "" is allowed for ReplacePrefixMatch (the prefix is removed)


@dataclass(frozen=True, slots=True, kw_only=True)
class RedirectSpec:
    """HTTPRequestRedirectFilter's fields (None: taken from the request)."""

    scheme: str | None = None
    hostname: str | None = None
    port: int | None = None
    path: PathModifier | None = None
    status_code: int = 302


@dataclass(frozen=True, slots=True, kw_only=True)
class RewriteSpec:
    """HTTPURLRewriteFilter's fields: the Host and path the backend gets."""

    hostname: str | None = None
    path: PathModifier | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MirrorSpec:
    """HTTPRequestMirrorFilter: where copies go, and which share of requests (0-1)."""

    backend: BackendRef
    fraction: float = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class RouteFilter:
    """An HTTPRoute filter, kept so that what netverify does not follow stays visible.

    ``terminal`` filters answer the request themselves (``RequestRedirect``): the rule
    then contacts no backend.  ``detail`` is a short human summary (``301 to https``).
    RequestRedirect, URLRewrite and RequestMirror keep their settings
    (``routing_filters`` applies them).
    """

    type: str  # RequestRedirect, URLRewrite, RequestHeaderModifier, ExtensionRef, ...
    detail: str = ""
    terminal: bool = False
    field: str = ""  # e.g. spec.rules[0].filters[1]
    redirect: RedirectSpec | None = None
    rewrite: RewriteSpec | None = None
    mirror: MirrorSpec | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """One routing rule, the common shape of an Ingress path and an HTTPRoute rule.

    ``hosts`` empty means any host.  ``matches`` empty means every request (an
    Ingress default backend or an HTTPRoute rule without matches).  Backends share
    traffic by ``weight`` (Ingress backends have one backend of weight 1).
    """

    hosts: tuple[str, ...]
    matches: tuple[PathMatch, ...]
    backends: tuple[BackendRef, ...]
    field: str  # e.g. spec.rules[0].http.paths[1]
    is_default: bool = False  # Ingress spec.defaultBackend
    source: SourceRef | None = None
    filters: tuple[RouteFilter, ...] = ()  # HTTPRoute rule filters, in order
    grpc_matches: tuple[GRPCMatch, ...] = ()  # a GRPCRoute rule's (empty: every request)


@dataclass(frozen=True, slots=True, kw_only=True)
class TLSConfig:
    """An Ingress ``tls`` entry or a TLS Gateway listener: hosts served over HTTPS."""

    hosts: tuple[str, ...]  # empty: every host of the object (Ingress default certificate)
    secret_name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Ingress:
    """A networking.k8s.io/v1 Ingress, flattened into routes."""

    namespace: str
    name: str
    ingress_class: str | None  # spec.ingressClassName or the kubernetes.io/ingress.class annotation
    routes: tuple[Route, ...]
    tls: tuple[TLSConfig, ...] = ()
    annotations: Mapping[str, str] = field(default_factory=dict)
    source: SourceRef | None = None
    created: str | None = None  # metadata.creationTimestamp (RFC 3339), when given

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class IngressClass:
    """An IngressClass: which controller (``spec.controller``) serves Ingresses of this class."""

    name: str
    controller: str
    default: bool = False  # ingressclass.kubernetes.io/is-default-class: "true"
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateRef:
    """A listener's ``tls.certificateRefs`` entry (a Secret by default)."""

    namespace: str  # the Gateway's when omitted
    name: str
    kind: str = "Secret"
    group: str = ""  # "" is the core group
    field: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Listener:
    """A Gateway listener: the port, protocol and hostname it accepts."""

    name: str
    port: int
    protocol: str  # HTTP, HTTPS, TLS, TCP, UDP
    hostname: str | None = None
    tls: bool = False
    # allowedRoutes.namespaces: Same (the default), All, or Selector (with ``route_selector``)
    routes_from: str = "Same"
    route_selector: LabelSelector | None = None
    # allowedRoutes.kinds as (group, kind); empty: the kinds the protocol supports
    route_kinds: tuple[tuple[str, str], ...] = ()
    tls_mode: str | None = None  # Terminate or Passthrough (None: no TLS)
    certificate_refs: tuple[CertificateRef, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Gateway:
    """A gateway.networking.k8s.io Gateway."""

    namespace: str
    name: str
    gateway_class: str
    listeners: tuple[Listener, ...]
    source: SourceRef | None = None
    # spec.addresses as (type, value): IPAddress, Hostname or an implementation's type
    addresses: tuple[tuple[str, str], ...] = ()
    # spec.infrastructure.labels, which implementations put on the objects they create
    infrastructure_labels: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferenceGrant:
    """A gateway.networking.k8s.io ReferenceGrant.

    Which objects of other namespaces may refer to which objects of its own (``from``
    and ``to`` entries are each ORed).
    """

    namespace: str
    name: str
    sources: tuple[tuple[str, str, str], ...]  # from: (group, kind, namespace)
    targets: tuple[tuple[str, str, str | None], ...]  # to: (group, kind, name or None: all)
    source: SourceRef | None = None

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ParentRef:
    """An HTTPRoute ``parentRefs`` entry (a Gateway, optionally one listener)."""

    namespace: str
    name: str
    section_name: str | None = None
    port: int | None = None
    kind: str = "Gateway"


@dataclass(frozen=True, slots=True, kw_only=True)
class HTTPRoute:
    """A gateway.networking.k8s.io HTTPRoute, flattened into routes.

    GRPCRoute and TLSRoute take the same shape (``kind`` says which): a GRPCRoute rule
    matches with ``Route.grpc_matches``, a TLSRoute rule by the SNI hostnames only.
    """

    namespace: str
    name: str
    parents: tuple[ParentRef, ...]
    routes: tuple[Route, ...]
    created: str | None = None  # metadata.creationTimestamp (RFC 3339): the oldest wins ties
    source: SourceRef | None = None
    kind: str = "HTTPRoute"  # or GRPCRoute, TLSRoute

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class IPBlock:
    """An ``ipBlock`` peer: ``cidr`` minus ``except``, kept as text and as an IPSet."""

    cidr: str
    excepts: tuple[str, ...]
    addresses: IPSet


@dataclass(frozen=True, slots=True, kw_only=True)
class Peer:
    """One element of a rule's ``from``/``to``.

    Exactly one of these shapes holds: ``ip_block`` alone, or any combination of
    ``pod_selector`` and ``namespace_selector`` (both present: AND'd).  A missing
    ``namespace_selector`` means "the policy's own namespace".
    """

    index: int
    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None
    source: SourceRef | None = None

    def describe(self) -> str:
        """Human form: ``pods {app=web} in namespaces {team=a}`` or ``ipBlock 10.0.0.0/8``."""
        if self.ip_block is not None:
            ex = f" except {','.join(self.ip_block.excepts)}" if self.ip_block.excepts else ""
            return f"ipBlock {self.ip_block.cidr}{ex}"
        ns = self.namespace_selector
        if ns is None:
            where = "this namespace"
        elif ns.is_empty:
            where = "all namespaces"
        else:
            where = f"namespaces {{{ns}}}"
        ps = self.pod_selector
        pods = "all pods" if ps is None or ps.is_empty else f"pods {{{ps}}}"
        return f"{pods} in {where}"


@dataclass(frozen=True, slots=True, kw_only=True)
class PortSpec:
    """One ``ports`` entry: a number (with optional ``end_port``), a name, or all ports."""

    index: int
    protocol: Protocol = Protocol.TCP
    port: int | str | None = None  # None: every port of the protocol
    end_port: int | None = None
    source: SourceRef | None = None

    def describe(self) -> str:
        """``TCP 80``, ``TCP 8000-8080``, ``UDP dns`` or ``SCTP (all ports)``."""
        if self.port is None:
            return f"{self.protocol.value} (all ports)"
        if self.end_port is not None:
            return f"{self.protocol.value} {self.port}-{self.end_port}"
        return f"{self.protocol.value} {self.port}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """One ingress or egress rule.

    ``peers`` is None when ``from``/``to`` is missing or empty (every peer,
    in-cluster or not); ``ports`` is None when ``ports`` is missing or empty
    (every port and protocol).
    """

    direction: Direction
    index: int
    peers: tuple[Peer, ...] | None
    ports: tuple[PortSpec, ...] | None
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkPolicy:
    """A normalized networking.k8s.io/v1 NetworkPolicy.

    ``types_given`` is False when ``policyTypes`` was missing or empty and
    ``policy_types`` is the API default (Ingress, plus Egress when there is an
    egress rule): deleting the last egress rule of such a policy then drops Egress.
    """

    namespace: str
    name: str
    pod_selector: LabelSelector
    policy_types: frozenset[Direction]
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()
    types_given: bool = True
    source: SourceRef | None = None

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"

    def rules(self, direction: Direction) -> tuple[Rule, ...]:
        """The rules of one direction."""
        return self.ingress if direction is Direction.INGRESS else self.egress

    def without_rule(self, direction: Direction, index: int) -> NetworkPolicy:
        """This policy as it reads once the rule ``spec.<direction>[index]`` is deleted.

        The edit a user makes in the YAML, defaults included: without ``policyTypes``,
        deleting the last egress rule leaves ``egress`` empty, so the policy is no longer
        of type Egress (https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/).
        """
        kept = tuple(r for r in self.rules(direction) if r.index != index)
        ingress, egress = (kept, self.egress) if direction is Direction.INGRESS \
            else (self.ingress, kept)
        types = self.policy_types
        if not self.types_given:
            types = frozenset({Direction.INGRESS, *([Direction.EGRESS] if egress else [])})
        return replace(self, ingress=ingress, egress=egress, policy_types=types)


@dataclass(frozen=True, slots=True, kw_only=True)
class Cluster:
    """Everything netverify knows, plus notes about what it skipped or assumed."""

    namespaces: Mapping[str, Namespace]
    pods: tuple[Pod, ...]
    services: tuple[Service, ...] = ()
    policies: tuple[NetworkPolicy, ...] = ()
    ingresses: tuple[Ingress, ...] = ()
    ingress_classes: tuple[IngressClass, ...] = ()
    gateways: tuple[Gateway, ...] = ()
    http_routes: tuple[HTTPRoute, ...] = ()
    grpc_routes: tuple[HTTPRoute, ...] = ()  # kind GRPCRoute
    tls_routes: tuple[HTTPRoute, ...] = ()  # kind TLSRoute
    reference_grants: tuple[ReferenceGrant, ...] = ()
    endpoint_slices: tuple[EndpointSlice, ...] = ()  # discovery.k8s.io/v1
    # AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy: by tier, then
    # priority (netverify.cluster_policies); Nodes, which their ``nodes`` peers select
    cluster_policies: tuple[ClusterPolicy, ...] = ()
    nodes: tuple[Node, ...] = ()
    # "Kind ns/name" -> audit rule codes silenced by its netverify.io/ignore annotation
    suppressions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    skipped: Mapping[str, int] = field(default_factory=dict)  # kind -> count
    # (kind, namespace, name) of the skipped objects: CNI detection reads ConfigMaps and CRDs
    others: tuple[tuple[str, str, str], ...] = ()
    notes: tuple[str, ...] = ()  # informational (shown with -v)
    warnings: tuple[str, ...] = ()  # semantics the user should know about
    # Objects of kinds that restrict traffic which netverify does not evaluate
    # (policy_kinds.REGISTRY), and those ignored on request (--ignore-kind).
    coverage: Coverage = COMPLETE

    def pods_by_namespace(self) -> dict[str, tuple[Pod, ...]]:
        """The pods of each namespace, in order: an index for per-namespace scans."""
        out: dict[str, list[Pod]] = {}
        for pod in self.pods:
            out.setdefault(pod.namespace, []).append(pod)
        return {ns: tuple(pods) for ns, pods in out.items()}

    def namespace_labels(self, name: str) -> Mapping[str, str]:
        """Labels of a namespace (implicit namespaces carry only the name label)."""
        ns = self.namespaces.get(name)
        if ns is None:
            return {NAMESPACE_NAME_LABEL: name}
        return ns.labels


@dataclass(frozen=True, slots=True, kw_only=True)
class SliceEndpoint:
    """One endpoint of an EndpointSlice: its addresses and whether it is ready."""

    addresses: tuple[str, ...]
    ready: bool = True  # conditions.ready; "nil should be interpreted as true"


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointSlice:
    """A discovery.k8s.io EndpointSlice.

    The endpoints of the Service it is labelled with (``kubernetes.io/service-name``), as
    hand-managed Services have them.
    """

    namespace: str
    name: str
    service: str | None  # the kubernetes.io/service-name label
    address_type: str  # IPv4, IPv6 or FQDN
    endpoints: tuple[SliceEndpoint, ...]
    ports: tuple[tuple[str, int | None, Protocol], ...]  # (name, port, protocol)
    source: SourceRef | None = None
