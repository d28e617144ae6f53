"""Turn raw objects into the model: namespaces, pods, workloads, services, policies.

Why each choice:
- A workload (Deployment, StatefulSet, ...) becomes one representative pod named
  after it: policies select pods by labels, and every replica carries the
  template's labels, so one pod answers for all of them.
- Real pods found in a dump (``kubectl get all -o yaml``) stand for their
  workload: the template representative is then dropped so nothing is counted
  twice.  Ownership is followed through ownerReferences and, when a ReplicaSet
  is absent, through the ``pod-template-hash`` label.
- Namespaces referenced but not declared exist implicitly, labelled only with
  ``kubernetes.io/metadata.name`` as the API server would label them.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from netverify.cluster_policies import ClusterPolicy, Node
from netverify.errors import ManifestError, show
from netverify.ipblocks import Address, parse_address
from netverify.loader.cluster_policies import TIER_VERSIONS, build_cluster_policy, build_node
from netverify.loader.container_args import container_args
from netverify.loader.documents import RawObject
from netverify.loader.endpointslices import SLICE_VERSIONS, build_endpoint_slice
from netverify.loader.fields import boolean, list_of, mapping, string, type_name
from netverify.loader.grants import GRANT_VERSIONS, POLICY_VERSIONS, build_reference_grant
from netverify.loader.pod_fast_path import PodFastPath, PodSpec
from netverify.loader.policies import (
    NETWORK_POLICY_VERSIONS,
    FieldContext,
    build_network_policy,
)
from netverify.loader.routes import (
    GATEWAY_VERSIONS,
    INGRESS_VERSIONS,
    build_gateway,
    build_http_route,
    build_ingress,
    build_ingress_class,
)
from netverify.loader.service_addresses import external_ips, load_balancer_addresses
from netverify.loader.stream_routes import (
    GRPC_VERSIONS,
    TLS_VERSIONS,
    build_grpc_route,
    build_tls_route,
)
from netverify.model import (
    DEFAULT_NAMESPACE,
    NAMESPACE_NAME_LABEL,
    WORKLOAD_KINDS,
    Cluster,
    ContainerPort,
    EndpointSlice,
    Gateway,
    HTTPRoute,
    Ingress,
    IngressClass,
    Namespace,
    NetworkPolicy,
    Pod,
    ReferenceGrant,
    Service,
    ServicePort,
)
from netverify.policy_kinds import Coverage, PolicyKind, PolicyObject, Scope, lookup
from netverify.ports import MAX_PORT, MIN_PORT, Protocol
from netverify.selectors import valid_label_key, valid_label_value
from netverify.source import SourceRef

log = logging.getLogger(__name__)

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_SUBDOMAIN_PART = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _valid_subdomain(name: str) -> bool:
    return len(name) <= 253 and all(_SUBDOMAIN_PART.match(p) for p in name.split("."))

# apiVersions netverify reads for each kind it understands; older ones whose
# schema is the same for what netverify reads are accepted.
KNOWN_VERSIONS: dict[str, set[str]] = {
    "Namespace": {"v1"},
    "Pod": {"v1"},
    "Service": {"v1"},
    "ReplicationController": {"v1"},
    "Deployment": {"apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"},
    "StatefulSet": {"apps/v1", "apps/v1beta1", "apps/v1beta2"},
    "DaemonSet": {"apps/v1", "apps/v1beta2", "extensions/v1beta1"},
    "ReplicaSet": {"apps/v1", "apps/v1beta2", "extensions/v1beta1"},
    "Job": {"batch/v1"},
    "CronJob": {"batch/v1", "batch/v1beta1"},
    "NetworkPolicy": set(NETWORK_POLICY_VERSIONS),
    "Ingress": set(INGRESS_VERSIONS),
    "IngressClass": {"networking.k8s.io/v1", "networking.k8s.io/v1beta1"},
    "Gateway": GATEWAY_VERSIONS,
    "HTTPRoute": GATEWAY_VERSIONS,
    "GRPCRoute": GRPC_VERSIONS,
    "TLSRoute": TLS_VERSIONS,
    "ReferenceGrant": GRANT_VERSIONS,
    "ReferencePolicy": POLICY_VERSIONS,
    "EndpointSlice": SLICE_VERSIONS,
    **TIER_VERSIONS,
    "Node": {"v1"},
}

CLUSTER_SCOPED = frozenset({"Namespace", "IngressClass", "Node", *TIER_VERSIONS})
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
IGNORE_ANNOTATION = "netverify.io/ignore"
_IGNORE_CODE = re.compile(r"^(NV\d{3}|\*)$")


class _Builder:
    def __init__(self) -> None:
        self.namespaces: dict[str, Namespace] = {}
        self.pods: list[tuple[Pod, tuple[str, str] | None]] = []  # pod, controller owner
        self.workloads: list[tuple[Pod, tuple[str, str] | None]] = []
        # (namespace, kind, name) -> controller owner (kind, name)
        self.owners: dict[tuple[str, str, str], tuple[str, str] | None] = {}
        self.services: list[Service] = []
        self.policies: list[NetworkPolicy] = []
        self.ingresses: list[Ingress] = []
        self.ingress_classes: list[IngressClass] = []
        self.gateways: list[Gateway] = []
        self.http_routes: list[HTTPRoute] = []
        self.grpc_routes: list[HTTPRoute] = []
        self.tls_routes: list[HTTPRoute] = []
        self.reference_grants: list[ReferenceGrant] = []
        self.endpoint_slices: list[EndpointSlice] = []
        self.cluster_policies: list[ClusterPolicy] = []
        self.nodes: list[Node] = []
        self.suppressions: dict[str, frozenset[str]] = {}
        self.skipped: Counter[str] = Counter()
        self.others: list[tuple[str, str, str]] = []
        self.notes: list[str] = []
        self.warnings: list[str] = []
        self.seen: dict[tuple[str, str, str], SourceRef] = {}
        self.unevaluated: list[PolicyObject] = []
        self.fast = PodFastPath()

    def add(self, raw: RawObject) -> None:
        data = raw.data
        kind = data.get("kind")
        src = raw.source
        _type_meta(raw, src)
        if not isinstance(kind, str) or not kind:
            raise ManifestError("has no kind", source=src, hint="every object needs apiVersion "
                                "and kind")
        api = data.get("apiVersion")
        entry = lookup(api, kind)
        if entry is not None and not entry.evaluated:
            self._unevaluated(raw, entry)
            return
        if kind not in KNOWN_VERSIONS or (
                kind in ("Gateway", "HTTPRoute", "GRPCRoute", "TLSRoute", "ReferenceGrant",
                         "ReferencePolicy")
                and isinstance(api, str)
                and not api.startswith("gateway.networking.k8s.io/")):
            # Istio and others have their own kinds named Gateway: not the Gateway API's.
            self.skipped[kind if kind not in KNOWN_VERSIONS else f"{kind} ({api})"] += 1
            ns, name = _meta_names(data)
            self.others.append((kind, ns or "", name or ""))
            return
        if api not in KNOWN_VERSIONS[kind]:
            ns, name = _meta_names(data)
            if kind != "Namespace":
                ns = ns or DEFAULT_NAMESPACE
            raise ManifestError(
                f"unknown apiVersion {api!r} for {kind}",
                source=src.with_object(kind, ns, name), field="apiVersion",
                hint=f"netverify reads {', '.join(sorted(KNOWN_VERSIONS[kind]))}",
            )
        src = self._identify(raw, kind)
        self._suppression(raw, src)
        self._known(raw, src, kind, api)

    def _routing_object(self, raw: RawObject, src: SourceRef, kind: str) -> None:
        """An EndpointSlice, GRPCRoute, TLSRoute, or ReferenceGrant (or ReferencePolicy)."""
        if kind == "GRPCRoute":
            self.grpc_routes.append(build_grpc_route(raw, src))
        elif kind == "TLSRoute":
            self.tls_routes.append(build_tls_route(raw, src))
        elif kind == "EndpointSlice":
            labels = self._labels(raw, src, raw.data.get("metadata"), "metadata")
            self.endpoint_slices.append(build_endpoint_slice(raw, src, labels))
        else:
            self.reference_grants.append(build_reference_grant(raw, src))

    def _known(self, raw: RawObject, src: SourceRef, kind: str, api: object) -> None:
        """Read an object of a kind and version netverify knows into its list."""
        if kind == "Namespace":
            self._namespace(raw, src)
        elif kind == "Pod":
            self._pod(raw, src)
        elif kind in WORKLOAD_KINDS:
            self._workload(raw, src, kind)
        elif kind == "Service":
            self._service(raw, src)
        elif kind == "NetworkPolicy":
            if NETWORK_POLICY_VERSIONS.get(str(api)):
                self.notes.append(f"{src.describe()}: apiVersion {api} is deprecated; read as "
                                  "networking.k8s.io/v1")
            self.policies.append(build_network_policy(raw, src))
        elif kind == "Ingress":
            if INGRESS_VERSIONS.get(str(api)):
                self.notes.append(f"{src.describe()}: apiVersion {api} is deprecated; read as "
                                  "networking.k8s.io/v1")
            self.ingresses.append(build_ingress(raw, src))
        elif kind == "IngressClass":
            self.ingress_classes.append(build_ingress_class(raw, src))
        elif kind == "Gateway":
            self.gateways.append(build_gateway(raw, src))
        elif kind == "HTTPRoute":
            self.http_routes.append(build_http_route(raw, src))
        elif kind in ("EndpointSlice", "ReferenceGrant", "ReferencePolicy", "GRPCRoute",
                      "TLSRoute"):
            self._routing_object(raw, src, kind)
        elif kind in TIER_VERSIONS:
            self.cluster_policies.append(build_cluster_policy(raw, src, self.warnings))
        elif kind == "Node":
            labels = self._labels(raw, src, raw.data.get("metadata"), "metadata")
            self.nodes.append(build_node(raw, src, labels))

    def _unevaluated(self, raw: RawObject, entry: PolicyKind) -> None:
        """Keep a traffic policy netverify does not evaluate, so its answers say incomplete.

        For example Calico's NetworkPolicy or a CiliumNetworkPolicy: the answers it could
        change are incomplete.
        """
        ns, name = _meta_names(raw.data)
        ns = (ns or DEFAULT_NAMESPACE) if entry.scope is Scope.NAMESPACED else None
        self.unevaluated.append(PolicyObject(
            kind=entry, api_version=str(raw.data.get("apiVersion")), namespace=ns,
            name=name or "", source=raw.source.with_object(entry.kind, ns, name)))
        self.others.append((entry.kind, ns or "", name or ""))

    def _suppression(self, raw: RawObject, src: SourceRef) -> None:
        """Read ``netverify.io/ignore: "NV101, NV110"`` (``*``: every rule)."""
        meta = raw.data.get("metadata")
        ann = meta.get("annotations") if isinstance(meta, dict) else None
        if ann is None or (type(ann) is dict and IGNORE_ANNOTATION not in ann):
            return  # the common case, without a FieldContext per object
        ctx = FieldContext(raw, src)
        ann = mapping(ctx, ann, ["metadata", "annotations"])
        if IGNORE_ANNOTATION not in ann:
            return
        value = ann[IGNORE_ANNOTATION]
        if not isinstance(value, str):
            raise ctx.error(["metadata", "annotations", IGNORE_ANNOTATION],
                            f"{show(value)} is not a string",
                            hint='annotation values are strings: quote them, e.g. "NV101"')
        codes = [c.upper() for c in re.split(r"[\s,]+", value) if c]
        bad = [c for c in codes if not _IGNORE_CODE.match(c)]
        if bad or not codes:
            raise ManifestError(
                f"annotation {IGNORE_ANNOTATION} {show(value)} is not a list of rule codes",
                source=src.at(f"metadata.annotations.{IGNORE_ANNOTATION}"),
                field=f"metadata.annotations.{IGNORE_ANNOTATION}",
                hint='e.g. "NV101, NV110", or "*" for every rule')
        key = src.object_ref if src.namespace else f"{src.kind} {src.name}"
        self.suppressions[key] = frozenset(codes)

    def _identify(self, raw: RawObject, kind: str) -> SourceRef:
        meta = raw.data.get("metadata")
        if not isinstance(meta, dict):
            raise ManifestError("metadata is missing or not a mapping",
                                source=raw.source.with_object(kind, None, None),
                                field="metadata")
        name = meta.get("name")
        if not isinstance(name, str) or name == "":
            src = raw.source.with_object(kind, None, None)
            if name is None or name == "":
                raise ManifestError("metadata.name is missing", source=src,
                                    field="metadata.name")
            raise ManifestError(f"metadata.name {show(name)} is not a string", source=src,
                                field="metadata.name")
        # Namespaces are DNS labels, other names DNS subdomains.  The API server would
        # reject anything else, but a name does not change reachability, so say so
        # and go on (test data often has names like my_policy).
        if not (_DNS_LABEL.match(name) if kind == "Namespace" else _valid_subdomain(name)):
            where = raw.source.with_object(kind, None, None).describe()
            self.warnings.append(
                f"{where}: metadata.name {show(name)} is not a valid {kind} name; the "
                "API server would reject this object")
        if kind in CLUSTER_SCOPED:
            ns = None
        else:
            ns = meta.get("namespace")
            if ns is None or ns == "":
                ns = DEFAULT_NAMESPACE
            if not isinstance(ns, str):
                raise FieldContext(raw, raw.source.with_object(kind, None, name)).error(
                    ["metadata", "namespace"], f"{show(ns)} is not a namespace name")
            if not _DNS_LABEL.match(ns):
                where = raw.source.with_object(kind, None, None).describe()
                self.warnings.append(
                    f"{where}: metadata.namespace {show(ns)} is not a valid namespace "
                    "name; the API server would reject this object")
        src = raw.source.with_object(kind, ns, name)
        key = (kind, ns or "", name)
        if key in self.seen:
            raise ManifestError(
                f"duplicate object: also defined at {self.seen[key].describe()}", source=src,
                hint="each object may appear once in the input",
            )
        self.seen[key] = src
        return src

    def _labels(self, raw: RawObject, src: SourceRef, meta: Any, path: str) -> dict[str, str]:
        ctx = FieldContext(raw, src)
        at = _steps(path)
        meta = mapping(ctx, meta, at)
        return _label_map(ctx, meta.get("labels"), [*at, "labels"])

    def _namespace(self, raw: RawObject, src: SourceRef) -> None:
        name = src.name or ""
        labels = self._labels(raw, src, raw.data.get("metadata"), "metadata")
        labels[NAMESPACE_NAME_LABEL] = name
        self.namespaces[name] = Namespace(name=name, labels=labels, declared=True, source=src)

    def _pod_fields(self, raw: RawObject, src: SourceRef, spec: Any, path: str
                    ) -> tuple[tuple[ContainerPort, ...], bool, tuple[tuple[str, str], ...]]:
        ctx = FieldContext(raw, src)
        at = _steps(path)
        if spec is None:
            return (), False, ()
        spec = mapping(ctx, spec, at)
        ports: list[ContainerPort] = []
        images: list[tuple[str, str]] = []
        for ckey in ("containers", "initContainers"):
            containers = list_of(ctx, spec.get(ckey), [*at, ckey])
            for ci, c in enumerate(containers):
                cat: list[str | int] = [*at, ckey, ci]
                c = mapping(ctx, c, cat)
                images.append((string(ctx, c.get("name"), [*cat, "name"]) or "",
                               string(ctx, c.get("image"), [*cat, "image"]) or ""))
                restart = string(ctx, c.get("restartPolicy"), [*cat, "restartPolicy"])
                cports = list_of(ctx, c.get("ports"), [*cat, "ports"])
                if ckey == "initContainers" and restart != "Always":
                    # Only sidecars (init containers that keep running) serve ports.
                    continue
                for pi, p in enumerate(cports):
                    pat: list[str | int] = [*cat, "ports", pi]
                    if not isinstance(p, dict):
                        raise ctx.error(pat, f"must be a mapping, got {type_name(p)}")
                    num = p.get("containerPort")
                    if num is None:
                        near = [k for k in p if str(k).lower() == "containerport"]
                        raise ctx.error(
                            pat, "containerPort is required",
                            hint=f"field names are case-sensitive: {near[0]!r} is not "
                                 "containerPort" if near else None)
                    num = _port_number(ctx, num, [*pat, "containerPort"], "containerPort")
                    proto = _protocol(ctx, p, pat)
                    pname = string(ctx, p.get("name"), [*pat, "name"])
                    ports.append(ContainerPort(port=num, protocol=proto, name=pname))
        host_network = boolean(ctx, spec.get("hostNetwork"), [*at, "hostNetwork"])
        return tuple(ports), host_network, tuple(images)

    def _pod_spec(self, raw: RawObject, src: SourceRef, spec: Any, path: str) -> PodSpec:
        """What ``_pod_fields`` and ``container_args`` read, by the fast path when it can."""
        quick = self.fast.spec(spec)
        if quick is not None:
            return quick
        cports, host_net, images = self._pod_fields(raw, src, spec, path)
        return cports, host_net, images, container_args(FieldContext(raw, src), spec,
                                                        [*_steps(path)])

    def _pod(self, raw: RawObject, src: SourceRef) -> None:
        data = raw.data
        meta = data["metadata"]
        fast = self.fast
        labels = fast.labels(meta)
        if labels is None:
            labels = self._labels(raw, src, meta, "metadata")
        cports, host_net, images, args = self._pod_spec(raw, src, data.get("spec"), "spec")
        ips = fast.ips(data.get("status"))
        if ips is None:
            ips = _pod_ips(FieldContext(raw, src), data.get("status"))
        quick_owner = fast.owner(meta)
        owner = quick_owner[0] if quick_owner is not None else _controller_owner(
            FieldContext(raw, src), meta)
        pod = Pod(namespace=src.namespace or DEFAULT_NAMESPACE, name=src.name or "",
                  labels=labels, kind="Pod", ips=ips, container_ports=cports,
                  host_network=host_net, containers=images, source=src,
                  container_args=args)
        self.pods.append((pod, owner))

    def _workload(self, raw: RawObject, src: SourceRef, kind: str) -> None:
        data = raw.data
        ctx = FieldContext(raw, src)
        spec = data.get("spec")
        if not isinstance(spec, dict):
            raise ctx.error(["spec"], "spec is missing or not a mapping")
        path = "spec.template"
        if kind == "CronJob":
            jt = mapping(ctx, spec.get("jobTemplate"), ["spec", "jobTemplate"])
            spec = jt.get("spec")
            path = "spec.jobTemplate.spec.template"
            if not isinstance(spec, dict):
                raise ctx.error(["spec", "jobTemplate", "spec"], "is missing or not a mapping")
        template = spec.get("template")
        if not isinstance(template, dict):
            raise ctx.error(_steps(path), "pod template is missing or not a mapping")
        labels = self.fast.labels(template.get("metadata"))
        if labels is None:
            labels = self._labels(raw, src, template.get("metadata"), f"{path}.metadata")
        cports, host_net, images, args = self._pod_spec(raw, src, template.get("spec"),
                                                        f"{path}.spec")
        replicas = None
        if kind not in ("DaemonSet", "Job", "CronJob"):
            replicas = spec.get("replicas")
            if replicas is None:
                replicas = 1  # the API's default
            if isinstance(replicas, bool) or not isinstance(replicas, int):
                raise ctx.error(["spec", "replicas"], f"replicas {show(replicas)} is not a number")
        ns = src.namespace or DEFAULT_NAMESPACE
        quick_owner = self.fast.owner(data.get("metadata"))
        owner = quick_owner[0] if quick_owner is not None else _controller_owner(
            ctx, data.get("metadata"))
        self.owners[(ns, kind, src.name or "")] = owner
        pod = Pod(namespace=ns, name=src.name or "", labels=labels, kind=kind,
                  workload=src.name, workload_kind=kind, replicas=replicas,
                  container_ports=cports, host_network=host_net, containers=images,
                  source=src, container_args=args)
        self.workloads.append((pod, owner))

    def _service(self, raw: RawObject, src: SourceRef) -> None:
        ctx = FieldContext(raw, src)
        spec = mapping(ctx, raw.data.get("spec"), ["spec"])
        sel = spec.get("selector")
        if sel is not None and not isinstance(sel, dict):
            raise ctx.error(["spec", "selector"],
                            f"must be a mapping of labels, got {type_name(sel)}")
        selector = _label_map(ctx, sel, ["spec", "selector"]) if sel is not None else None
        ports = []
        raw_ports = list_of(ctx, spec.get("ports"), ["spec", "ports"])
        for i, p in enumerate(raw_ports):
            pat: list[str | int] = ["spec", "ports", i]
            if not isinstance(p, dict):
                raise ctx.error(pat, f"must be a mapping, got {type_name(p)}")
            port = _port_number(ctx, p.get("port"), [*pat, "port"], "port")
            proto = _protocol(ctx, p, pat)
            target = p.get("targetPort", port)
            if target is None:
                target = port  # the API's default
            if not isinstance(target, (int, str)) or isinstance(target, bool):
                raise ctx.error([*pat, "targetPort"], f"targetPort {show(target)} is not a port")
            node_port = p.get("nodePort")
            if node_port is not None and node_port != 0:
                node_port = _port_number(ctx, node_port, [*pat, "nodePort"], "nodePort")
            pname = p.get("name")
            if pname is not None:
                string(ctx, pname, [*pat, "name"])
            ports.append(ServicePort(port=port, target_port=target, protocol=proto,
                                     name=pname, node_port=node_port or None))
        stype = string(ctx, spec.get("type"), ["spec", "type"]) or "ClusterIP"
        if stype not in SERVICE_TYPES:
            raise ctx.error(["spec", "type"], f"unknown Service type {show(stype)}",
                            hint=f"one of {', '.join(SERVICE_TYPES)}")
        etp = string(ctx, spec.get("externalTrafficPolicy"),
                     ["spec", "externalTrafficPolicy"]) or "Cluster"
        if etp not in ("Cluster", "Local"):
            raise ctx.error(["spec", "externalTrafficPolicy"],
                            f"externalTrafficPolicy {show(etp)} is not Cluster or Local")
        itp = string(ctx, spec.get("internalTrafficPolicy"),
                     ["spec", "internalTrafficPolicy"]) or "Cluster"
        if itp not in ("Cluster", "Local"):
            raise ctx.error(["spec", "internalTrafficPolicy"],
                            f"internalTrafficPolicy {show(itp)} is not Cluster or Local")
        affinity = string(ctx, spec.get("sessionAffinity"), ["spec", "sessionAffinity"]) \
            or "None"
        if affinity not in ("None", "ClientIP"):
            raise ctx.error(["spec", "sessionAffinity"],
                            f"sessionAffinity {show(affinity)} is not None or ClientIP")
        ranges = list_of(ctx, spec.get("loadBalancerSourceRanges"),
                         ["spec", "loadBalancerSourceRanges"])
        for i, r in enumerate(ranges):
            string(ctx, r, ["spec", "loadBalancerSourceRanges", i], required=True)
        self.services.append(Service(
            namespace=src.namespace or DEFAULT_NAMESPACE, name=src.name or "",
            type=stype,
            selector=selector or None,
            ports=tuple(ports), cluster_ip=string(ctx, spec.get("clusterIP"),
                                                  ["spec", "clusterIP"]),
            external_name=string(ctx, spec.get("externalName"), ["spec", "externalName"]),
            external_traffic_policy=etp, internal_traffic_policy=itp,
            session_affinity=affinity,
            load_balancer_source_ranges=tuple(ranges), external_ips=external_ips(ctx, spec),
            load_balancer_addresses=load_balancer_addresses(ctx, spec, raw.data.get("status"))
            if stype == "LoadBalancer" else (), source=src))

    def finish(self, ignore_kinds: Iterable[str] = ()) -> Cluster:
        coverage = Coverage(unevaluated=tuple(self.unevaluated)).ignoring(ignore_kinds)
        pods = self._resolve_pods()
        referenced = {p.namespace for p in pods} | {s.namespace for s in self.services} | {
            p.namespace for p in self.policies} | {i.namespace for i in self.ingresses} | {
            r.namespace for r in (*self.http_routes, *self.grpc_routes, *self.tls_routes)} | {
            g.namespace for g in self.gateways}
        for ns in sorted(referenced - set(self.namespaces)):
            self.namespaces[ns] = Namespace(name=ns, labels={NAMESPACE_NAME_LABEL: ns},
                                            declared=False)
            self.notes.append(f"namespace {ns} is referenced but not declared; assumed to exist "
                              f"with only the label {NAMESPACE_NAME_LABEL}={ns}")
        for kind, n in sorted(self.skipped.items()):
            self.notes.append(f"skipped {n} object(s) of kind {kind} (not used for reachability)")
        host = [p.key for p in pods if p.host_network]
        if host:
            self.warnings.append(
                f"{len(host)} hostNetwork pod(s) ({', '.join(host[:5])}"
                f"{', ...' if len(host) > 5 else ''}) are not subject to NetworkPolicy; their "
                "traffic is treated as node traffic (matched only by ipBlock)")
        pods.sort(key=lambda p: (p.namespace, p.name))
        return Cluster(
            namespaces=dict(sorted(self.namespaces.items())),
            pods=tuple(pods),
            services=tuple(sorted(self.services, key=lambda s: (s.namespace, s.name))),
            policies=tuple(sorted(self.policies, key=lambda p: (p.namespace, p.name))),
            ingresses=tuple(sorted(self.ingresses, key=lambda i: (i.namespace, i.name))),
            ingress_classes=tuple(sorted(self.ingress_classes, key=lambda c: c.name)),
            gateways=tuple(sorted(self.gateways, key=lambda g: (g.namespace, g.name))),
            http_routes=tuple(sorted(self.http_routes, key=lambda r: (r.namespace, r.name))),
            grpc_routes=tuple(sorted(self.grpc_routes, key=lambda r: (r.namespace, r.name))),
            tls_routes=tuple(sorted(self.tls_routes, key=lambda r: (r.namespace, r.name))),
            endpoint_slices=tuple(sorted(self.endpoint_slices,
                                         key=lambda e: (e.namespace, e.name))),
            reference_grants=tuple(sorted(self.reference_grants,
                                          key=lambda g: (g.namespace, g.name))),
            cluster_policies=tuple(sorted(self.cluster_policies,
                                          key=lambda c: (c.tier.value, c.order))),
            nodes=tuple(sorted(self.nodes, key=lambda n: n.name)),
            suppressions=self.suppressions,
            skipped=dict(sorted(self.skipped.items())),
            others=tuple(self.others),
            notes=tuple(self.notes),
            warnings=tuple(self.warnings),
            coverage=coverage,
        )

    def _top_owner(self, ns: str, kind: str, name: str) -> tuple[str, str]:
        """Follow controller ownerReferences through the workloads in the input."""
        seen = set()
        while (ns, kind, name) in self.owners and (kind, name) not in seen:
            seen.add((kind, name))
            owner = self.owners[(ns, kind, name)]
            if owner is None or owner[0] not in WORKLOAD_KINDS:
                break
            kind, name = owner
        return kind, name

    def _resolve_pods(self) -> list[Pod]:
        names = {(p.namespace, p.name) for p, _ in self.workloads}
        deployments = {(p.namespace, p.name) for p, _ in self.workloads if p.kind == "Deployment"}
        covered: set[tuple[str, str, str]] = set()
        out: list[Pod] = []
        for pod, owner in self.pods:
            if owner is None or owner[0] not in WORKLOAD_KINDS:
                out.append(pod)
                continue
            kind, name = self._top_owner(pod.namespace, *owner)
            if kind == "ReplicaSet" and (pod.namespace, kind, name) not in self.owners:
                # ReplicaSet absent: its name is <deployment>-<pod-template-hash>.
                h = pod.labels.get("pod-template-hash")
                if h and name.endswith(f"-{h}"):
                    dep = name[: -len(h) - 1]
                    if (pod.namespace, dep) in deployments or (pod.namespace, dep) not in names:
                        kind, name = "Deployment", dep
            covered.add((pod.namespace, kind, name))
            out.append(_with_workload(pod, kind, name))
        for pod, owner in self.workloads:
            if owner is not None and owner[0] in WORKLOAD_KINDS and (
                    pod.namespace, *owner) in self.owners:
                continue  # its owner (in the input) represents it
            top = self._top_owner(pod.namespace, pod.kind, pod.name)
            if (pod.namespace, *top) in covered:
                continue  # real pods of this workload are in the input
            if pod.replicas == 0:
                self.notes.append(f"{pod.kind} {pod.key} has 0 replicas; modelled as one pod "
                                  "so that its policies can be checked")
            out.append(pod)
        seen: dict[str, Pod] = {}
        for p in out:
            if p.key in seen:
                other = seen[p.key]
                raise ManifestError(
                    f"{p.kind} {p.key} and {other.kind} {other.key} would both be the pod "
                    f"{p.key}", source=p.source,
                    hint="netverify names a workload's pod after the workload; rename one")
            seen[p.key] = p
        return out


def _port_number(ctx: FieldContext, value: Any, path: list[str | int], what: str) -> int:
    """A port number 1-65535, or a ManifestError naming the field."""
    if isinstance(value, bool) or not isinstance(value, int) or not (
            MIN_PORT <= value <= MAX_PORT):
        raise ctx.error(path, f"{what} {show(value)} is not a port 1-65535")
    return value


def _protocol(ctx: FieldContext, entry: dict[str, Any], path: list[str | int]) -> Protocol:
    """The entry's protocol (TCP when absent or empty, as the API defaults it)."""
    raw = string(ctx, entry.get("protocol"), [*path, "protocol"]) or "TCP"
    try:
        return Protocol(raw)
    except ValueError:
        raise ctx.error([*path, "protocol"], f"unsupported protocol {show(raw)}") from None


def _steps(path: str) -> list[str | int]:
    """``spec.template.metadata`` as path steps (no list indexes in these paths)."""
    return list(path.split("."))


def _label_map(ctx: FieldContext, labels: Any, path: list[str | int]) -> dict[str, str]:
    """Labels (or a Service selector): string keys to string values, as the API demands."""
    labels = mapping(ctx, labels, path)
    out = {}
    for key, v in labels.items():
        if not isinstance(key, str):
            raise ctx.error(path, f"label key {show(key)} is not a string",
                            hint="quote keys that YAML would read as numbers or booleans")
        if not isinstance(v, str):
            # The API rejects non-strings, and YAML has already rewritten them
            # (1.10 -> 1.1, 010 -> 8, yes -> True): accepting them would change labels.
            raise ctx.error([*path, key], f"label {show(key)} has value {show(v)}, which is "
                            "not a string", hint="quote values such as \"true\", \"1.10\" or "
                            "\"010\"")
        if not valid_label_key(key):
            raise ctx.error(path, f"invalid label key {show(key)}")
        if not valid_label_value(v):
            raise ctx.error([*path, key], f"invalid label value {show(v)} for key {show(key)}")
        out[key] = v
    return out


def _with_workload(pod: Pod, kind: str, name: str) -> Pod:
    from dataclasses import replace
    return replace(pod, workload=name, workload_kind=kind)


def _controller_owner(ctx: FieldContext, meta: Any) -> tuple[str, str] | None:
    if not isinstance(meta, dict):
        return None
    path: list[str | int] = ["metadata", "ownerReferences"]
    for i, r in enumerate(list_of(ctx, meta.get("ownerReferences"), path)):
        r = mapping(ctx, r, [*path, i])
        if boolean(ctx, r.get("controller"), [*path, i, "controller"]):
            name = string(ctx, r.get("name"), [*path, i, "name"], required=True) or ""
            return string(ctx, r.get("kind"), [*path, i, "kind"]) or "", name
    return None


def _type_meta(raw: RawObject, src: SourceRef) -> None:
    """``kind`` and ``apiVersion``, when present, are strings (the API's TypeMeta)."""
    for key in ("apiVersion", "kind"):
        value = raw.data.get(key)
        if value is not None and not isinstance(value, str):
            raise FieldContext(raw, src).error([key], f"{show(value)} is not a string",
                                               hint=f"{key} names the object's type, e.g. "
                                               + ("networking.k8s.io/v1" if key == "apiVersion"
                                                  else "NetworkPolicy"))


def _meta_names(data: dict[str, Any]) -> tuple[str | None, str | None]:
    meta = data.get("metadata")
    if not isinstance(meta, dict):
        return None, None
    ns = meta.get("namespace")
    name = meta.get("name")
    return (str(ns) if ns else None), (str(name) if name else None)


def _pod_ips(ctx: FieldContext, status: Any) -> tuple[Address, ...]:
    status = mapping(ctx, status, ["status"])
    texts: list[tuple[str, list[str | int]]] = []
    for i, entry in enumerate(list_of(ctx, status.get("podIPs"), ["status", "podIPs"])):
        at: list[str | int] = ["status", "podIPs", i]
        if not isinstance(entry, dict):
            raise ctx.error(at, f"must be a mapping with ip, got {type_name(entry)}")
        ip = string(ctx, entry.get("ip"), [*at, "ip"])
        if ip:
            texts.append((ip, [*at, "ip"]))
    if not texts:
        ip = string(ctx, status.get("podIP"), ["status", "podIP"])
        if ip:
            texts.append((ip, ["status", "podIP"]))
    out: dict[Address, None] = {}
    for t, at in texts:
        try:
            out[parse_address(t)] = None
        except ValueError:
            raise ctx.error(at, f"{show(t)} is not an IP address") from None
    return tuple(out)


def build_cluster(objects: Iterable[RawObject], *, ignore_kinds: Iterable[str] = (),
                  unreadable: Sequence[PolicyObject] = (),
                  warnings: Sequence[str] = ()) -> Cluster:
    """Build the model from raw objects.

    ``ignore_kinds`` (``Kind`` or ``Kind.group``) names traffic policies netverify does not
    evaluate that the caller wants ignored on purpose (``Cluster.coverage.ignored``).
    ``unreadable`` (kinds a live cluster refused to list) and ``warnings`` come from
    reading ``objects``: they are read once every object has been.

    Raises:
        ManifestError: for the first invalid object, naming file, document and field.
        QueryError: for an ``ignore_kinds`` entry that names no such kind.
    """
    b = _Builder()
    for raw in objects:
        b.add(raw)
    b.unevaluated.extend(unreadable)
    b.warnings.extend(warnings)
    return b.finish(ignore_kinds)
