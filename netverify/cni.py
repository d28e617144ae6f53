"""CNI profiles: what each network plugin enforces, detection, and the effective cluster.

The facts come from ``shared/reference/cni-support.md`` (sources linked there);
``None`` means the reference could not confirm the fact, and verdicts then say
"depends on the CNI" instead of guessing.  The effective answer is computed by
rewriting the cluster the way the plugin behaves (no policies, no egress
rules, ``endPort`` dropped, pod IPs invisible to ipBlock) and running the same
engines on it, so there is one semantics with the plugin's gaps applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from netverify.errors import QueryError
from netverify.model import Cluster, Direction, NetworkPolicy, Rule
from netverify.ports import Protocol
from netverify.verdicts import Confidence

REFERENCE = "shared/reference/cni-support.md"


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
    source: str = ""

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


def _v(text: str | None) -> tuple[int, ...]:
    nums = re.findall(r"\d+", text or "")
    return tuple(int(n) for n in nums[:3])


def _cilium(version: str | None, title: str = "Cilium", name: str = "cilium") -> CniProfile:
    v = _v(version)
    end_port = None if not v else v >= (1, 16)
    return CniProfile(name=name, title=title, version=version, ipblock_matches_pod_ips=False,
                      end_port=end_port, sctp=False,
                      source="cilium#28684, cilium#33463 (port ranges from 1.16); SCTP beta, "
                             "off by default; ipBlock never selects pod or node IPs")


def _kindnet(version: str | None) -> CniProfile:
    v = _v(version)
    on = None if not v else v >= (0, 24)
    return CniProfile(name="kindnet", title="kindnet (kind)", version=version,
                      enforces_ingress=on, enforces_egress=on, admin_network_policy=on,
                      cluster_network_policy=None if on else on,
                      source="kind v0.24.0 bundles kube-network-policies; kind#3705; "
                             "kube-network-policies implements AdminNetworkPolicy and "
                             "ClusterNetworkPolicy (which kind release ships the latter is "
                             "not confirmed)")


def _calico(version: str | None, name: str = "calico",
            title: str = "Calico") -> CniProfile:
    """Calico implements AdminNetworkPolicy up to 3.31 and ClusterNetworkPolicy from 3.32,
    which removed the v1alpha1 kinds."""
    v = _v(version)
    cnp = None if not v else v >= (3, 32)
    anp = None if not v else not cnp
    return CniProfile(name=name, title=title, version=version, end_port=True,
                      admin_network_policy=anp, cluster_network_policy=cnp,
                      source="network-policy-api implementations.md (ClusterNetworkPolicy "
                             "standard in Calico v3.32, which removed ANP/BANP)")


_TABLE: dict[str, CniProfile] = {p.name: p for p in (
    CniProfile(name="flannel", title="Flannel", enforces_ingress=False, enforces_egress=False,
               named_ports=False, source="flannel#558: policies are accepted and ignored"),
    CniProfile(name="weave", title="Weave Net", ipblock_matches_pod_ips=True,
               source="Weave 2.4.0 release (egress); repository archived 2024"),
    CniProfile(name="kube-router", title="kube-router", ipblock_matches_pod_ips=True,
               sctp=False, source="kube-router#1019 (no SCTP)"),
    CniProfile(name="k3s", title="k3s (flannel + kube-router policy controller)",
               ipblock_matches_pod_ips=True, sctp=False,
               source="k3s embeds kube-router's controller; kube-router#1019"),
    CniProfile(name="antrea", title="Antrea", ipblock_matches_pod_ips=True, end_port=True,
               service_hairpin_policed=False, admin_network_policy=True,
               source="network-policy-api implementations.md; antrea#5687 (a pod reaching "
                      "itself through a Service is always allowed, with AntreaProxy)"),
    CniProfile(name="aws-vpc-cni", title="AWS VPC CNI with the network policy agent",
               ipblock_matches_pod_ips=True,
               source="EKS user guide: enforcement is opt-in (enableNetworkPolicy)"),
    CniProfile(name="aws-vpc-cni-no-agent", title="AWS VPC CNI without the policy agent",
               enforces_ingress=False, enforces_egress=False,
               source="EKS user guide: without enableNetworkPolicy nothing is enforced"),
    CniProfile(name="azure-npm", title="Azure NPM", ipblock_matches_pod_ips=True, end_port=False,
               source="azure-container-networking#2313 (no endPort)"),
    CniProfile(name="gke-dataplane-v2", title="GKE Dataplane V2",
               source="GKE Dataplane V2 docs (Cilium based)"),
    CniProfile(name="gke-no-enforcement", title="GKE without Dataplane V2 or Calico",
               enforces_ingress=False, enforces_egress=False, source="camunda#6591"),
    CniProfile(name="ovn-kubernetes", title="OVN-Kubernetes", ipblock_matches_pod_ips=True,
               admin_network_policy=True, source="network-policy-api implementations.md"),
    CniProfile(name="unknown", title="an unknown CNI", enforces_ingress=None,
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
    if name == "azure-cilium":
        return _cilium(version or None, "Azure CNI powered by Cilium", "azure-cilium")
    if name == "kindnet":
        return _kindnet(version or None)
    if name == "calico":
        return _calico(version or None)
    if name == "canal":
        return _calico(version or None, "canal", "Canal (flannel + Calico)")
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

    Canal wins over Calico and Flannel when its DaemonSet is present (it bundles
    both); a policy engine (Calico, Cilium, ...) wins over a bare Flannel, since
    Flannel alone enforces nothing and the engine is what filters traffic.
    """
    found: dict[str, list[str]] = {}
    versions: dict[str, str | None] = {}

    def hit(name: str, why: str, version: str | None = None) -> None:
        found.setdefault(name, []).append(why)
        if version:
            versions[name] = version

    for pod in cluster.pods:
        names = {c for c, _ in pod.containers}
        images = [img for _, img in pod.containers]
        n = pod.name
        where = f"{pod.kind} {pod.key}"
        if n == "canal":
            hit("canal", where)
        if n.startswith("kube-flannel") or any("flannel" in i for i in images):
            hit("flannel", where)
        if n == "calico-node" or any(re.search(r"calico/node", i) for i in images):
            hit("calico", where, next((_tag(i) for i in images if "calico/node" in i), None))
        if n == "cilium" or any(re.search(r"cilium/cilium(:|@|$)", i) for i in images):
            tag = next((_tag(i) for i in images if "cilium/cilium" in i), None)
            hit("cilium", where, tag)
        if n == "anetd":
            hit("gke-dataplane-v2", where)
        if n == "weave-net" and "weave-npc" in names:
            hit("weave", where)
        if n == "kube-router" or any("kube-router" in i for i in images):
            hit("kube-router", where)
        if n == "antrea-agent":
            hit("antrea", where)
        if n == "aws-node":
            agent = "aws-network-policy-agent" in names or any(
                "network-policy-agent" in i for i in images)
            hit("aws-vpc-cni" if agent else "aws-vpc-cni-no-agent", where +
                (" with the network policy agent" if agent else " without a policy agent"))
        if n == "azure-npm":
            hit("azure-npm", where)
        if n == "ovnkube-node":
            hit("ovn-kubernetes", where)
        if n == "kindnet":
            hit("kindnet", where, None)
    for kind, ns, name in cluster.others:
        if kind == "CustomResourceDefinition" and name.endswith(".crd.projectcalico.org"):
            hit("calico", f"CRD {name}")
        elif kind == "CustomResourceDefinition" and name.endswith(".cilium.io"):
            hit("cilium", f"CRD {name}")
        elif kind == "CustomResourceDefinition" and name == "policyendpoints.networking.k8s.aws":
            hit("aws-vpc-cni", f"CRD {name}")
        elif kind == "ConfigMap" and name == "kube-flannel-cfg":
            hit("flannel", f"ConfigMap {ns}/{name}")
    if "aws-vpc-cni" in found:
        found.pop("aws-vpc-cni-no-agent", None)
    if "canal" in found:
        for other in ("calico", "flannel"):
            found.pop(other, None)
    engines = [n for n in found if n != "flannel"]
    if engines and "flannel" in found:
        found.pop("flannel")  # flannel only carries packets; the engine filters them
    if not found:
        return Detection(profile=_TABLE["unknown"], confidence=Confidence.NONE, evidence=())
    if len(found) > 1:
        listed = ", ".join(sorted(found))
        return Detection(profile=_TABLE["unknown"], confidence=Confidence.NONE,
                         evidence=(f"signals of several plugins ({listed}); name one with --cni",))
    (name, why), = found.items()
    prof = profile(f"{name}@{versions[name]}" if versions.get(name) else name)
    confidence = (Confidence.HIGH if len(why) > 1 or name in ("gke-dataplane-v2", "weave")
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
