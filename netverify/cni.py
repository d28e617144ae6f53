"""CNI profiles: what each network plugin enforces, detection, and the effective cluster.

The facts come from ``shared/reference/cni-support.md`` (sources linked there);
``None`` means the reference could not confirm the fact, and verdicts then say
"depends on the CNI" instead of guessing.  The effective answer is computed by
rewriting the cluster the way the plugin behaves (no policies, no egress
rules, ``endPort`` dropped, pod IPs invisible to ipBlock) and running the same
engines on it, so there is one semantics with the plugin's gaps applied.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from netverify.errors import QueryError
from netverify.model import Cluster, Direction, NetworkPolicy, Rule
from netverify.ports import Protocol
from netverify.verdicts import Confidence

REFERENCE = "shared/reference/cni-support.md"


@dataclass(frozen=True, slots=True, kw_only=True)
class PodSign:
    """A pod (or workload) that shows a plugin: every condition given must hold."""

    name: str | None = None  # regular expression, matching the whole pod or workload name
    image: str | None = None  # regular expression, found in one of its container images
    container: str | None = None  # one of its containers has exactly this name
    note: str = ""  # said after the object in the evidence

    def matches(self, name: str, containers: tuple[tuple[str, str], ...]) -> bool:
        """Whether a pod of this name and these (container, image) pairs shows the sign."""
        return ((self.name is None or _rx(self.name).fullmatch(name) is not None)
                and self.matches_containers(containers))

    def matches_containers(self, containers: tuple[tuple[str, str], ...]) -> bool:
        """The sign's conditions on containers and images (all of them when it has no name)."""
        return ((self.image is None
                 or any(_rx(self.image).search(image) for _, image in containers))
                and (self.container is None or any(c == self.container for c, _ in containers)))


@functools.cache
def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


class _Prefilter:
    """Whether a pod can show any of ``signs``, in one regular expression per pod.

    One match per pod and sign took 0.25 s of every query at 10,000 pods.  A pod can
    show a sign with a name only if that name matches (the alternation of all such
    names matches exactly the names one of them matches), and a sign without a name
    only through its containers, which many pods share.
    """

    def __init__(self, signs: Iterable[PodSign]) -> None:
        signs = tuple(signs)
        names = [s.name for s in signs if s.name is not None]
        self.nameless = tuple(s for s in signs if s.name is None)
        try:
            # Numbered groups would shift (a backreference would name another pattern's
            # group) and a global flag would apply to all: then no shortcut.
            if any(_rx(n).groups for n in names):
                raise re.error("a name pattern with groups")
            self.names: re.Pattern[str] | None = re.compile(
                "|".join(f"(?:{n})" for n in names)) if names else None
        except re.error:
            self.names, self.nameless = None, signs  # no shortcut: every sign is asked
        self.by_containers: dict[tuple[tuple[str, str], ...], bool] = {}

    def may_match(self, name: str, containers: tuple[tuple[str, str], ...]) -> bool:
        if self.names is not None and self.names.fullmatch(name) is not None:
            return True
        hit = self.by_containers.get(containers)
        if hit is None:
            hit = self.by_containers[containers] = any(
                s.matches_containers(containers) for s in self.nameless)
        return hit


@dataclass(frozen=True, slots=True, kw_only=True)
class Signature:
    """How a plugin shows in the manifests; each object showing a sign is one signal.

    One signal gives medium confidence, two or more high, and so does one when the sign
    is ``conclusive`` (a name no other software uses).  A plugin that ``yields_to``
    another one seen in the same input is left out: Canal bundles Calico and Flannel,
    and a policy engine filters what Flannel (``"*"``: any other plugin) only carries.
    """

    pods: tuple[PodSign, ...] = ()
    crds: tuple[str, ...] = ()  # CustomResourceDefinition names (regular expressions)
    config_maps: tuple[str, ...] = ()  # ConfigMap names
    version_image: str | None = None  # the version is the tag of the image containing this
    conclusive: bool = False
    yields_to: tuple[str, ...] = ()

    def yields(self, others: set[str]) -> bool:
        """Whether one of the ``others`` plugins seen in the same input wins over this one."""
        return any(o in others or (o == "*" and bool(others)) for o in self.yields_to)


NO_SIGNATURE = Signature()


@dataclass(frozen=True, slots=True, kw_only=True)
class CniProfile:
    """What one plugin (at one version) does with NetworkPolicy."""

    name: str
    title: str
    version: str | None = None
    enforces_ingress: bool | None = True
    enforces_egress: bool | None = True
    ipblock_matches_pod_ips: bool | None = None
    end_port: bool | None = None
    sctp: bool | None = None
    named_ports: bool | None = True
    # A pod reaching itself through a Service (the service proxy sends the connection back
    # to it): True when the plugin judges that by the pod's policies, False when it lets it
    # through as it does a connection to the pod's own address.  NetworkPolicy leaves this
    # undefined (kubernetes#95879); None: not confirmed for this plugin.
    service_hairpin_policed: bool | None = None
    # The cluster-wide tiers (network-policy-api implementations.md, 21 April 2026):
    # AdminNetworkPolicy and BaselineAdminNetworkPolicy (v1alpha1), ClusterNetworkPolicy
    # (v1alpha2).  None: not confirmed for this plugin.
    admin_network_policy: bool | None = False
    cluster_network_policy: bool | None = False
    # Whether a pod behind a NodePort or LoadBalancer Service with externalTrafficPolicy
    # Cluster sees the client's address: False where kube-proxy is the Service proxy (it
    # SNATs such traffic to a node address), None where the plugin may replace it and the
    # manifests do not say how (``client_address_source`` says why).
    client_address_kept: bool | None = None
    client_address_source: str = ""
    source: str = ""
    signature: Signature = NO_SIGNATURE  # how ``detect`` recognises the plugin

    @property
    def enforces(self) -> bool | None:
        """Whether the plugin enforces NetworkPolicy at all."""
        if self.enforces_ingress is False and self.enforces_egress is False:
            return False
        if self.enforces_ingress is None or self.enforces_egress is None:
            return None
        return True

    @property
    def label(self) -> str:
        """``Cilium 1.14`` style name for messages."""
        return f"{self.title} {self.version}" if self.version else self.title


# Sources of ``client_address_kept`` (in the style of shared/reference/cni-support.md).
KUBE_PROXY_SNAT = ("kube-proxy is the Service proxy; Kubernetes docs, Using Source IP: "
                   "\"packets sent to Services with Type=NodePort are source NAT'd by "
                   "default\"; externalTrafficPolicy Local \"preserves the client source "
                   "IP\"")
CILIUM_SNAT = ("Cilium docs, Kubernetes without kube-proxy: the eBPF NodePort "
               "implementation \"operates in SNAT mode\" by default when the backend is on "
               "a remote node, and keeps the client address with loadBalancer.mode=dsr; "
               "with kube-proxy, kube-proxy SNATs: which applies is configuration the "
               "manifests do not carry")
CALICO_SNAT = ("the iptables data plane leaves Services to kube-proxy, which SNATs; the eBPF "
               "data plane (Calico docs, eBPF data plane) preserves the client source IP: "
               "which one runs is not in the manifests")
KUBE_ROUTER_DSR = ("kube-router's own Service proxy, when it runs one, keeps the client "
                   "address for Services annotated kube-router.io/service.dsr; otherwise "
                   "kube-proxy SNATs: not decided by the manifests")
OTHER_PROXY = ("the plugin may replace kube-proxy for NodePort Services; not confirmed")


def _v(text: str | None) -> tuple[int, ...]:
    nums = re.findall(r"\d+", text or "")
    return tuple(int(n) for n in nums[:3])


_CILIUM = Signature(pods=(PodSign(name="cilium"), PodSign(image=r"cilium/cilium(:|@|$)")),
                    crds=(r".*\.cilium\.io",), version_image="cilium/cilium")


def _cilium(version: str | None, title: str = "Cilium", name: str = "cilium",
            signature: Signature = _CILIUM) -> CniProfile:
    v = _v(version)
    end_port = None if not v else v >= (1, 16)
    return CniProfile(name=name, title=title, version=version, ipblock_matches_pod_ips=False,
                      end_port=end_port, sctp=False, signature=signature,
                      client_address_source=CILIUM_SNAT,
                      source="cilium#28684, cilium#33463 (port ranges from 1.16); SCTP beta, "
                             "off by default; ipBlock never selects pod or node IPs")


def _kindnet(version: str | None) -> CniProfile:
    v = _v(version)
    on = None if not v else v >= (0, 24)
    return CniProfile(name="kindnet", title="kindnet (kind)", version=version,
                      client_address_kept=False, client_address_source=KUBE_PROXY_SNAT,
                      enforces_ingress=on, enforces_egress=on, admin_network_policy=on,
                      cluster_network_policy=None if on else on,
                      signature=Signature(pods=(PodSign(name="kindnet"),)),
                      source="kind v0.24.0 bundles kube-network-policies; kind#3705; "
                             "kube-network-policies implements AdminNetworkPolicy and "
                             "ClusterNetworkPolicy (which kind release ships the latter is "
                             "not confirmed)")


_CALICO = Signature(pods=(PodSign(name="calico-node"), PodSign(image="calico/node")),
                    crds=(r".*\.crd\.projectcalico\.org",), version_image="calico/node",
                    yields_to=("canal",))
_CANAL = Signature(pods=(PodSign(name="canal"),))


def _calico(version: str | None, name: str = "calico",
            title: str = "Calico", signature: Signature = _CALICO) -> CniProfile:
    """Calico implements AdminNetworkPolicy up to 3.31 and ClusterNetworkPolicy from 3.32.

    3.32 removed the v1alpha1 kinds.
    """
    v = _v(version)
    cnp = None if not v else v >= (3, 32)
    anp = None if not v else not cnp
    return CniProfile(name=name, title=title, version=version, end_port=True,
                      client_address_source=CALICO_SNAT,
                      admin_network_policy=anp, cluster_network_policy=cnp, signature=signature,
                      source="network-policy-api implementations.md (ClusterNetworkPolicy "
                             "standard in Calico v3.32, which removed ANP/BANP)")


_TABLE: dict[str, CniProfile] = {p.name: p for p in (
    CniProfile(name="flannel",
               client_address_kept=False, client_address_source=KUBE_PROXY_SNAT,
               title="Flannel", enforces_ingress=False, enforces_egress=False,
               named_ports=False, source="flannel#558: policies are accepted and ignored",
               signature=Signature(pods=(PodSign(name="kube-flannel.*"), PodSign(image="flannel")),
                                   config_maps=("kube-flannel-cfg",), yields_to=("*",))),
    CniProfile(name="weave",
               client_address_kept=False, client_address_source=KUBE_PROXY_SNAT,
               title="Weave Net", ipblock_matches_pod_ips=True,
               source="Weave 2.4.0 release (egress); repository archived 2024",
               signature=Signature(pods=(PodSign(name="weave-net", container="weave-npc"),),
                                   conclusive=True)),
    CniProfile(name="kube-router", client_address_source=KUBE_ROUTER_DSR,
               title="kube-router", ipblock_matches_pod_ips=True,
               sctp=False, source="kube-router#1019 (no SCTP)",
               signature=Signature(pods=(PodSign(name="kube-router"),
                                         PodSign(image="kube-router")))),
    CniProfile(name="k3s",
               client_address_kept=False, client_address_source=KUBE_PROXY_SNAT,
               title="k3s (flannel + kube-router policy controller)",
               ipblock_matches_pod_ips=True, sctp=False,
               source="k3s embeds kube-router's controller; kube-router#1019"),
    CniProfile(name="antrea", client_address_source=OTHER_PROXY,
               title="Antrea", ipblock_matches_pod_ips=True, end_port=True,
               service_hairpin_policed=False, admin_network_policy=True,
               source="network-policy-api implementations.md; antrea#5687 (a pod reaching "
                      "itself through a Service is always allowed, with AntreaProxy)",
               signature=Signature(pods=(PodSign(name="antrea-agent"),))),
    CniProfile(name="aws-vpc-cni",
               client_address_kept=False, client_address_source=KUBE_PROXY_SNAT,
               title="AWS VPC CNI with the network policy agent",
               ipblock_matches_pod_ips=True,
               source="EKS user guide: enforcement is opt-in (enableNetworkPolicy)",
               signature=Signature(
                   pods=(PodSign(name="aws-node", container="aws-network-policy-agent",
                                 note="with the network policy agent"),
                         PodSign(name="aws-node", image="network-policy-agent",
                                 note="with the network policy agent")),
                   crds=(r"policyendpoints\.networking\.k8s\.aws",))),
    CniProfile(name="aws-vpc-cni-no-agent",
               client_address_kept=False, client_address_source=KUBE_PROXY_SNAT,
               title="AWS VPC CNI without the policy agent",
               enforces_ingress=False, enforces_egress=False,
               source="EKS user guide: without enableNetworkPolicy nothing is enforced",
               signature=Signature(pods=(PodSign(name="aws-node", note="without a policy agent"),),
                                   yields_to=("aws-vpc-cni",))),
    CniProfile(name="azure-npm",
               client_address_kept=False, client_address_source=KUBE_PROXY_SNAT,
               title="Azure NPM", ipblock_matches_pod_ips=True, end_port=False,
               source="azure-container-networking#2313 (no endPort)",
               signature=Signature(pods=(PodSign(name="azure-npm"),))),
    CniProfile(name="gke-dataplane-v2", client_address_source=OTHER_PROXY,
               title="GKE Dataplane V2",
               source="GKE Dataplane V2 docs (Cilium based)",
               signature=Signature(pods=(PodSign(name="anetd"),), conclusive=True)),
    CniProfile(name="gke-no-enforcement",
               client_address_kept=False, client_address_source=KUBE_PROXY_SNAT,
               title="GKE without Dataplane V2 or Calico",
               enforces_ingress=False, enforces_egress=False, source="camunda#6591"),
    CniProfile(name="ovn-kubernetes", client_address_source=OTHER_PROXY,
               title="OVN-Kubernetes", ipblock_matches_pod_ips=True,
               admin_network_policy=True, source="network-policy-api implementations.md",
               signature=Signature(pods=(PodSign(name="ovnkube-node"),))),
    CniProfile(name="unknown", client_address_source="nothing detected or named",
               title="an unknown CNI", enforces_ingress=None,
               enforces_egress=None, named_ports=None, admin_network_policy=None,
               cluster_network_policy=None, source="nothing detected or named"),
)}

NAMES = (*sorted(_TABLE), "azure-cilium", "calico", "canal", "cilium", "kindnet")


def profile(spec: str) -> CniProfile:
    """``cilium@1.14``, ``flannel``, ... -> the profile.

    Raises:
        QueryError: for an unknown name, listing the known ones.
    """
    name, _, version = spec.partition("@")
    name = name.strip().lower()
    if name == "cilium":
        return _cilium(version or None)
    if name == "azure-cilium":  # recognised as Cilium; only a name tells the two apart
        return _cilium(version or None, "Azure CNI powered by Cilium", "azure-cilium",
                       NO_SIGNATURE)
    if name == "kindnet":
        return _kindnet(version or None)
    if name == "calico":
        return _calico(version or None)
    if name == "canal":
        return _calico(version or None, "canal", "Canal (flannel + Calico)", _CANAL)
    if name not in _TABLE:
        raise QueryError(f"unknown CNI {spec!r}", hint=f"one of {', '.join(NAMES)}")
    p = _TABLE[name]
    return replace(p, version=version or None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Detection:
    """What the manifests say about the plugin, and how sure that is."""

    profile: CniProfile
    confidence: Confidence
    evidence: tuple[str, ...]


def _tag(image: str) -> str | None:
    tail = image.rsplit("/", 1)[-1]
    return tail.split(":", 1)[1].split("@")[0] if ":" in tail else None


def detect(cluster: Cluster) -> Detection:
    """Recognise the plugin from its DaemonSets, Deployments, ConfigMaps and CRDs.

    Each profile's ``signature`` says what shows it; an object counts once per plugin,
    however many of its signs it shows.  Canal wins over Calico and Flannel when its
    DaemonSet is present (it bundles both); a policy engine (Calico, Cilium, ...) wins
    over a bare Flannel, since Flannel alone enforces nothing and the engine is what
    filters traffic; two engines at once are not guessed between.
    """
    signatures = {name: prof.signature for name in NAMES
                  if (prof := profile(name)).signature != NO_SIGNATURE}
    found: dict[str, list[str]] = {}
    versions: dict[str, str | None] = {}
    prefilter = _Prefilter(s for sig in signatures.values() for s in sig.pods)
    for pod in cluster.pods:
        if not prefilter.may_match(pod.name, pod.containers):
            continue
        for name, sig in signatures.items():
            sign = next((s for s in sig.pods if s.matches(pod.name, pod.containers)), None)
            if sign is None:
                continue
            found.setdefault(name, []).append(
                f"{pod.kind} {pod.key}" + (f" {sign.note}" if sign.note else ""))
            tag = next((_tag(image) for _, image in pod.containers
                        if sig.version_image and sig.version_image in image), None)
            if tag:
                versions[name] = tag
    for kind, ns, obj in cluster.others:
        for name, sig in signatures.items():
            if kind == "CustomResourceDefinition" and any(re.fullmatch(c, obj)
                                                          for c in sig.crds):
                found.setdefault(name, []).append(f"CRD {obj}")
            elif kind == "ConfigMap" and obj in sig.config_maps:
                found.setdefault(name, []).append(f"ConfigMap {ns}/{obj}")
    found = {name: why for name, why in found.items()
             if not signatures[name].yields(set(found) - {name})}
    if not found:
        return Detection(profile=_TABLE["unknown"], confidence=Confidence.NONE, evidence=())
    if len(found) > 1:
        listed = ", ".join(sorted(found))
        return Detection(profile=_TABLE["unknown"], confidence=Confidence.NONE,
                         evidence=(f"signals of several plugins ({listed}); name one with --cni",))
    (name, why), = found.items()
    prof = profile(f"{name}@{versions[name]}" if versions.get(name) else name)
    confidence = (Confidence.HIGH if len(why) > 1 or signatures[name].conclusive
                  else Confidence.MEDIUM)
    return Detection(profile=prof, confidence=confidence, evidence=tuple(why))


def _uses(cluster: Cluster) -> dict[str, bool]:
    end_port = sctp = ipblock = False
    for pol in cluster.policies:
        for d in Direction:
            for rule in pol.rules(d):
                for spec in rule.ports or ():
                    end_port |= spec.end_port is not None and spec.end_port != spec.port
                    sctp |= spec.protocol is Protocol.SCTP
                for peer in rule.peers or ():
                    ipblock |= peer.ip_block is not None
    return {"endPort": end_port, "SCTP": sctp, "ipBlock": ipblock}


def effective(cluster: Cluster, prof: CniProfile) -> tuple[Cluster, tuple[str, ...]]:
    """The cluster as this plugin enforces it, and what the user must know about that."""
    notes: list[str] = []
    uses = _uses(cluster)
    if prof.enforces is False:
        notes.append(f"{prof.label} does not enforce NetworkPolicy: every policy is ignored and "
                     f"all traffic flows ({prof.source})")
        return replace(cluster, policies=(), cluster_policies=()), tuple(notes)
    cluster = _tiers_enforced(cluster, prof, notes)
    if prof.enforces is None:
        if prof.name == "unknown":
            return cluster, ()  # the caller already said that nothing was detected
        notes.append(f"{prof.label}: enforcement is assumed; the answer is what the policies "
                     "say (name the plugin with --cni to check what it enforces)")
        return cluster, tuple(notes)
    policies = list(cluster.policies)
    if prof.enforces_egress is False:
        notes.append(f"{prof.label} does not enforce egress policies")
        policies = [replace(p, policy_types=p.policy_types - {Direction.EGRESS}, egress=())
                    for p in policies]
    if uses["endPort"]:
        if prof.end_port is False:
            notes.append(f"{prof.label} ignores endPort and enforces only `port` "
                         f"({prof.source})")
            policies = [_map_ports(p, drop_end_port=True) for p in policies]
        elif prof.end_port is None:
            notes.append(f"endPort support of {prof.label} is not confirmed: port ranges depend "
                         "on the CNI")
    if uses["SCTP"] and prof.sctp is not True:
        how = "does not support" if prof.sctp is False else "may not support"
        notes.append(f"{prof.label} {how} SCTP in NetworkPolicy: rules naming SCTP ports are "
                     "left out of the effective answer; whether SCTP traffic itself then flows "
                     "or is dropped depends on the CNI")
        if prof.sctp is False:
            policies = [_map_ports(p, drop_sctp=True) for p in policies]
    pods = cluster.pods
    if uses["ipBlock"] and prof.ipblock_matches_pod_ips is False:
        notes.append(f"{prof.label} never matches pod IPs with ipBlock: ipBlock rules only admit "
                     "addresses outside the cluster")
        # ipBlocks no longer see the addresses, but the pod still has them: it connects
        # over their families only.
        pods = tuple(replace(p, ips=(), hidden_families=p.families)
                     if not p.host_network and p.ips else p for p in pods)
    elif uses["ipBlock"] and prof.ipblock_matches_pod_ips is None:
        notes.append(f"whether {prof.label} matches pod IPs with ipBlock is not confirmed; the "
                     "answer assumes it does")
    return replace(cluster, policies=tuple(policies), pods=pods), tuple(notes)


def _tiers_enforced(cluster: Cluster, prof: CniProfile, notes: list[str]) -> Cluster:
    """Drop the cluster-wide policies of kinds this plugin does not implement, and say so."""
    kept = []
    for kinds, support, what in (
            (("AdminNetworkPolicy", "BaselineAdminNetworkPolicy"), prof.admin_network_policy,
             "AdminNetworkPolicy and BaselineAdminNetworkPolicy"),
            (("ClusterNetworkPolicy",), prof.cluster_network_policy, "ClusterNetworkPolicy")):
        mine = [p for p in cluster.cluster_policies if p.kind in kinds]
        if not mine:
            continue
        if support is False:
            notes.append(f"{prof.label} does not implement {what}: the {len(mine)} such "
                         f"object(s) are ignored ({prof.source})")
            continue
        if support is None and prof.name != "unknown":
            notes.append(f"whether {prof.label} implements {what} is not confirmed; the answer "
                         "assumes it does")
        kept += mine
    if len(kept) == len(cluster.cluster_policies):
        return cluster
    return replace(cluster, cluster_policies=tuple(kept))


def _map_ports(pol: NetworkPolicy, *, drop_end_port: bool = False,
               drop_sctp: bool = False) -> NetworkPolicy:
    def fix(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        out = []
        for r in rules:
            if r.ports is None:
                out.append(r)
                continue
            specs = [replace(s, end_port=None) if drop_end_port else s for s in r.ports
                     if not (drop_sctp and s.protocol is Protocol.SCTP)]
            if specs:  # a rule whose every port is dropped admits nothing (not everything)
                out.append(replace(r, ports=tuple(specs)))
        return tuple(out)

    return replace(pol, ingress=fix(pol.ingress), egress=fix(pol.egress))
