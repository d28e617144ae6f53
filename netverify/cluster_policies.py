"""The cluster-wide policy tiers as frozen data, normalised to one shape.

AdminNetworkPolicy, BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) and
ClusterNetworkPolicy (v1alpha2).

Both API versions say the same thing with different words, so the engines see one
``ClusterPolicy``: v1alpha1 ``Allow`` and v1alpha2 ``Accept`` are ``Action.ACCEPT``
(the object's own word is kept for explanations); an AdminNetworkPolicy is the
``Admin`` tier, the BaselineAdminNetworkPolicy singleton the ``Baseline`` tier with
no priority.  v1alpha1 ``ports`` and v1alpha2 ``protocols`` both become ``TierPort``
entries.  Like the model, this module holds no I/O and no evaluation.

Semantics (kubernetes-sigs/network-policy-api, ``apis/v1alpha1``, ``apis/v1alpha2``):
each direction of a connection walks Admin policies by priority (lower first), rules
in order; ``Accept``/``Allow`` and ``Deny`` are final, ``Pass`` skips the rest of the
tier.  Then NetworkPolicy, then the Baseline tier, then allow.  There is no implicit
isolation: a policy's rules mean exactly what they say.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from netverify.ipblocks import Address, IPSet
from netverify.model import Direction
from netverify.ports import Protocol
from netverify.selectors import LabelSelector
from netverify.source import SourceRef


class Tier(enum.Enum):
    """Where a cluster-wide policy sits relative to NetworkPolicy: before it, or after."""

    ADMIN = "Admin"
    BASELINE = "Baseline"


class Action(enum.Enum):
    """What a matching rule does (v1alpha1 ``Allow`` is ``ACCEPT``)."""

    ACCEPT = "Accept"
    DENY = "Deny"
    PASS = "Pass"


class PeerKind(enum.Enum):
    """The one field a peer sets."""

    NAMESPACES = "namespaces"
    PODS = "pods"
    NETWORKS = "networks"
    NODES = "nodes"
    DOMAIN_NAMES = "domainNames"
    # A peer with no field this API version knows (written for a newer CRD): the spec
    # asks implementations to fail closed, so Accept rules match nothing with it and
    # Deny and Pass rules match everything.
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class TierPeer:
    """One ``from``/``to`` entry.

    ``namespace_selector`` is None for a ``pods`` peer of v1alpha2 that leaves it out
    (every namespace); it is always set for ``namespaces`` peers.
    """

    index: int
    kind: PeerKind
    namespace_selector: LabelSelector | None = None
    pod_selector: LabelSelector | None = None
    networks: tuple[str, ...] = ()  # as written
    addresses: tuple[IPSet, ...] = ()  # one per network
    node_selector: LabelSelector | None = None
    domain_names: tuple[str, ...] = ()
    unknown_fields: tuple[str, ...] = ()  # for UNKNOWN peers: what the object held
    source: SourceRef | None = None

    def describe(self) -> str:
        """A short human description, as explanations quote it."""
        def namespaces() -> str:
            sel = self.namespace_selector
            return "every namespace" if sel is None or sel.is_empty else f"namespaces {sel}"

        if self.kind is PeerKind.NAMESPACES:
            return f"pods in {namespaces()}"
        if self.kind is PeerKind.PODS:
            pods = "every pod" if self.pod_selector is None or self.pod_selector.is_empty \
                else f"pods {self.pod_selector}"
            return f"{pods} in {namespaces()}"
        if self.kind is PeerKind.NETWORKS:
            return f"networks {', '.join(self.networks)}"
        if self.kind is PeerKind.NODES:
            return f"nodes {self.node_selector}"
        if self.kind is PeerKind.DOMAIN_NAMES:
            return f"domain names {', '.join(self.domain_names)}"
        return f"a peer of an unknown type ({', '.join(self.unknown_fields) or 'no field'})"


@dataclass(frozen=True, slots=True, kw_only=True)
class TierPort:
    """One port match: a number or an inclusive range of one protocol, or a named port.

    A named port resolves on the destination pod; v1alpha1 ``namedPort`` and v1alpha2
    ``destinationNamedPort`` carry no protocol, so the container port's own protocol
    is matched (``protocol`` None).
    """

    index: int
    protocol: Protocol | None
    start: int | None = None
    end: int | None = None
    name: str | None = None
    field: str = ""  # e.g. ports[0].portRange or protocols[1].tcp


@dataclass(frozen=True, slots=True, kw_only=True)
class TierRule:
    """One ingress or egress rule of a cluster-wide policy, in the policy's order.

    ``ports`` None means every port and protocol.
    """

    direction: Direction
    index: int
    name: str
    action: Action
    written_action: str  # "Allow" or "Accept", as the object spells it
    peers: tuple[TierPeer, ...]
    ports: tuple[TierPort, ...] | None
    source: SourceRef | None = None

    @property
    def field(self) -> str:
        """``spec.ingress[0]``."""
        return f"spec.{self.direction.field}[{self.index}]"

    @property
    def label(self) -> str:
        """``spec.ingress[0] "deny-monitoring"`` (the name only when the rule has one)."""
        return f'{self.field} "{self.name}"' if self.name else self.field


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterPolicy:
    """An AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy.

    ``subject_pods`` None means the ``namespaces`` subject: every pod of the
    namespaces ``subject_namespaces`` selects.  ``priority`` is None only for the
    BaselineAdminNetworkPolicy, which has none.
    """

    kind: str
    api_version: str
    name: str
    tier: Tier
    priority: int | None
    subject_namespaces: LabelSelector
    subject_pods: LabelSelector | None
    ingress: tuple[TierRule, ...] = ()
    egress: tuple[TierRule, ...] = ()
    source: SourceRef | None = None

    @property
    def key(self) -> str:
        """``AdminNetworkPolicy deny-monitoring``: unique across kinds."""
        return f"{self.kind} {self.name}"

    @property
    def v2(self) -> bool:
        """A ClusterNetworkPolicy (v1alpha2), not an AdminNetworkPolicy or BANP (v1alpha1)."""
        return self.kind == "ClusterNetworkPolicy"

    @property
    def order(self) -> tuple[int, int, str]:
        """Sort key inside a tier: priority (lower first), then kind and name for output."""
        return (self.priority if self.priority is not None else -1,
                1 if self.v2 else 0, self.name)

    def rules(self, direction: Direction) -> tuple[TierRule, ...]:
        """The rules of one direction, in order."""
        return self.ingress if direction is Direction.INGRESS else self.egress

    def describe(self) -> str:
        """``AdminNetworkPolicy deny-monitoring (Admin tier, priority 10)``."""
        prio = f", priority {self.priority}" if self.priority is not None else ""
        return f"{self.key} ({self.tier.value} tier{prio})"


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    """A Node: ``nodes`` peers select it by labels and match its ``status.addresses``."""

    name: str
    labels: Mapping[str, str]
    addresses: tuple[Address, ...] = ()
    external: tuple[Address, ...] = ()  # those of type ExternalIP (reachable from outside)
    source: SourceRef | None = None


def domain_matches(pattern: str, host: str) -> bool:
    """Whether ``host`` is a name the ``domainNames`` entry ``pattern`` stands for.

    As the API types define DomainName: an exact name matches only itself; ``*.`` as a
    prefix matches one or more whole labels (``*.kubernetes.io`` matches
    ``blog.kubernetes.io`` and ``latest.blog.kubernetes.io``, not ``kubernetes.io``).
    DNS names compare without case, and a trailing dot (the root) changes nothing.
    """
    p = pattern.lower().rstrip(".")
    h = host.lower().rstrip(".")
    if p.startswith("*."):
        return h.endswith(p[1:])
    return p == h
