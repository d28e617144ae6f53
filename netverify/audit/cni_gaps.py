"""Which NetworkPolicy fields the detected CNI ignores, for the CNI rules (NV701-NV703).

``detected`` names the plugin the manifests show (``netverify.cni.detect``) and
``evidence`` the objects it was recognised from.  ``gaps`` walks every policy field
whose meaning depends on the plugin (a direction it does not enforce, ``endPort``,
SCTP, named ports, ipBlocks covering pod addresses) and pairs it with the profile's
answer: not supported, or not confirmed.  ``gap_findings`` turns the gaps of one answer
into one rule's findings, so NV702 and NV703 differ only in the answer they report.
The facts about plugins live in ``netverify.cni``; this module only finds the fields
they apply to.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from netverify.audit.registry import Finding, Related, Rule
from netverify.cni import REFERENCE, CniProfile, Detection, detect
from netverify.ipblocks import IPSet
from netverify.model import Cluster, Direction, NetworkPolicy, Pod
from netverify.ports import Protocol
from netverify.source import SourceRef
from netverify.verdicts import Confidence


def detected(cluster: Cluster) -> Detection | None:
    """The plugin the manifests show, or None when nothing (or several) was recognised.

    Three rules ask about the same (immutable) cluster and ``detect`` reads every pod:
    the last answer is kept for that cluster object.
    """
    if _LAST and _LAST[0][0] is cluster:
        return _LAST[0][1]
    found = detect(cluster)
    out = None if found.confidence is Confidence.NONE else found
    _LAST[:] = [(cluster, out)]
    return out


_LAST: list[tuple[Cluster, Detection | None]] = []


def evidence(cluster: Cluster, found: Detection) -> tuple[Related, ...]:
    """The objects the plugin was recognised from, with their sources when they are pods."""
    sources = {f"{p.kind} {p.key}": p.source for p in cluster.pods}
    out = []
    for why in found.evidence:
        obj = " ".join(why.split(" ")[:2])  # "DaemonSet ns/name with the ..." -> the object
        out.append(Related(object=obj, role=f"{found.profile.title} detected here",
                           source=sources.get(obj)))
    return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class Gap:
    """One policy field whose effect depends on what the plugin supports."""

    policy: NetworkPolicy
    path: str
    source: SourceRef | None
    supported: bool | None  # the profile's answer: False (not supported) or None (unconfirmed)
    feature: str  # "endPort", "SCTP", ...
    effect: str  # what happens when the plugin lacks it
    example: str = ""


def _direction_support(prof: CniProfile, d: Direction) -> bool | None:
    return prof.enforces_ingress if d is Direction.INGRESS else prof.enforces_egress


def gaps(cluster: Cluster, prof: CniProfile) -> Iterator[Gap]:
    """Every policy field the profile does not (or not surely) support, in policy order.

    The facts are the profile's (``netverify.cni``); this only finds the fields they
    apply to.  A direction the plugin does not enforce is reported once, and its rules'
    fields are not.  An ipBlock counts only when it covers the address of a pod in the
    input: a pod CIDR that is not written down cannot be guessed.
    """
    pod_ips = [(p, ip) for p in cluster.pods if not p.host_network for ip in p.ips]
    covered: dict[IPSet, Pod | None] = {}

    def covered_pod(addresses: IPSet) -> Pod | None:
        if addresses not in covered:
            covered[addresses] = next((p for p, ip in pod_ips if addresses.contains(ip)), None)
        return covered[addresses]

    for pol in cluster.policies:
        for d in (Direction.INGRESS, Direction.EGRESS):
            if d not in pol.policy_types:
                continue
            enforced = _direction_support(prof, d)
            if enforced is not True:
                yield Gap(policy=pol, path="spec.policyTypes", source=pol.source,
                          supported=enforced, feature=f"{d.value} policies",
                          effect=f"the {d.field} isolation and rules of this policy are "
                                 f"ignored: {d.field} traffic of its pods flows freely")
                continue
            for rule in pol.rules(d):
                at = f"spec.{d.field}[{rule.index}]"
                for spec in rule.ports or ():
                    pat = f"{at}.ports[{spec.index}]"
                    if spec.end_port is not None and spec.end_port != spec.port and (
                            prof.end_port is not True):
                        yield Gap(policy=pol, path=f"{pat}.endPort", source=spec.source,
                                  supported=prof.end_port, feature="endPort",
                                  effect=f"only port {spec.port} is enforced, not the range "
                                         f"{spec.port}-{spec.end_port}",
                                  example=f"{spec.protocol.value} {spec.end_port} is then "
                                          "not admitted by this rule")
                    if spec.protocol is Protocol.SCTP and prof.sctp is not True:
                        yield Gap(policy=pol, path=f"{pat}.protocol", source=spec.source,
                                  supported=prof.sctp, feature="SCTP",
                                  effect="this SCTP port is left out of the rule, and "
                                         "whether SCTP traffic then flows or is dropped "
                                         "depends on the plugin")
                    if isinstance(spec.port, str) and prof.named_ports is not True:
                        yield Gap(policy=pol, path=f"{pat}.port", source=spec.source,
                                  supported=prof.named_ports, feature="named ports",
                                  effect=f"the port name {spec.port!r} is not resolved "
                                         "against the pods' container ports")
                for peer in rule.peers or ():
                    if peer.ip_block is None or prof.ipblock_matches_pod_ips is True:
                        continue
                    pod = covered_pod(peer.ip_block.addresses)
                    if pod is None:
                        continue
                    ip = next(ip for ip in pod.ips if peer.ip_block.addresses.contains(ip))
                    yield Gap(policy=pol, path=f"{at}.{d.peers_field}[{peer.index}].ipBlock",
                              source=peer.source, supported=prof.ipblock_matches_pod_ips,
                              feature="ipBlock matching pod IPs",
                              effect=f"pods whose IPs ipBlock {peer.ip_block.cidr} covers "
                                     f"(e.g. {pod.key} at {ip}) are not matched by it; "
                                     "select them by label instead",
                              example=f"{pod.key} ({ip}) is then not matched by ipBlock "
                                      f"{peer.ip_block.cidr}")


def gap_findings(rule: Rule, cluster: Cluster, supported: bool | None) -> Iterator[Finding]:
    """The findings of one CNI feature rule: the gaps whose support is ``supported``."""
    if not cluster.policies:
        return
    found = detected(cluster)
    # A plugin that enforces nothing is NV701's; one whose enforcement itself is
    # unconfirmed (kindnet without a version) makes every feature question moot.
    if found is None or found.profile.enforces is not True:
        return
    prof = found.profile
    related = evidence(cluster, found)
    for gap in gaps(cluster, prof):
        if gap.supported is not supported:
            continue
        if supported is False:
            message = f"{prof.label} does not support {gap.feature}: {gap.effect} ({prof.source})"
        else:
            message = (f"{prof.label} is not confirmed to support {gap.feature} (no source in "
                       f"{REFERENCE}); without it, {gap.effect}")
        yield rule.finding(
            message,
            f"NetworkPolicy {gap.policy.key}", gap.path, gap.source, example=gap.example,
            related=related)
