"""NV105: policy peers (``from``/``to`` elements) whose selectors match no pod of the input.

Selectors are matched against the distinct label sets of each namespace's pods, with
caches, so that a cluster with many policies stays linear in its peers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.audit.text import first_few
from netverify.model import Cluster, Direction, NetworkPolicy, Peer
from netverify.selectors import LabelSelector


@register
class PeerMatchesNothing(Rule):
    """Rule peer whose selectors match no existing pod

    **Anti-pattern**

    A ``from``/``to`` element names labels no pod (or no namespace) carries, often a typo
    or a peer written as two elements where one was meant::

        ingress:
          - from:
              - namespaceSelector: {matchLabels: {team: frontend}}
                podSelector: {matchLabels: {app: web}}   # AND: web pods *in* team=frontend
                                                         # namespaces; web runs elsewhere

    **Why it hurts**

    The peer admits nothing today: the traffic it was written for is denied, usually
    discovered as an outage after the policy is applied, while reviewers believe the
    rule allows it. Selector semantics decide what "matches" means: a peer with only a
    ``podSelector`` looks in the policy's own namespace; one with only a
    ``namespaceSelector`` matches every pod of the matching namespaces; one with both
    matches pods satisfying the pod selector *inside* namespaces satisfying the namespace
    selector. ``ipBlock`` peers are not judged (they name addresses, not pods), and
    hostNetwork pods do not count (selectors never match them). Pods and namespaces are
    those of the input: audit the whole application (or a cluster dump) so that peers in
    other namespaces can be matched.

    **Fix**

    Make the selectors match the labels the pods and namespaces really carry (namespaces
    always have ``kubernetes.io/metadata.name``); to admit either set of pods, write two
    peers, each starting with ``-``::

        - from:
            - namespaceSelector: {matchLabels: {team: frontend}}
            - podSelector: {matchLabels: {app: web}}
    """

    code = "NV105"
    title = "Rule peer whose selectors match no existing pod"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        index = _PodIndex(cluster)
        for pol in cluster.policies:
            for direction in Direction:
                for rule in pol.rules(direction):
                    for peer in rule.peers or ():
                        if peer.ip_block is not None:
                            continue
                        problem = index.problem(pol, peer)
                        if problem is None:
                            continue
                        path = (f"spec.{direction.field}[{rule.index}]."
                                f"{direction.peers_field}[{peer.index}]")
                        yield self.finding(
                            f"{pol.key} {path} ({peer.describe()}) {problem}, so it admits no "
                            "existing pod", f"NetworkPolicy {pol.key}", path,
                            peer.source or rule.source or pol.source)


class _PodIndex:
    """The distinct label sets of the policy-governed pods of each namespace, with caches."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.labels: dict[str, list[Mapping[str, str]]] = {ns: [] for ns in cluster.namespaces}
        seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        for pod in cluster.pods:
            if pod.host_network:  # selectors never match hostNetwork pods
                continue
            key = (pod.namespace, tuple(sorted(pod.labels.items())))
            if key not in seen:
                seen.add(key)
                self.labels.setdefault(pod.namespace, []).append(pod.labels)
        self._ns: dict[LabelSelector, list[str]] = {}
        self._hit: dict[tuple[tuple[str, ...], LabelSelector | None], bool] = {}

    def namespaces(self, sel: LabelSelector) -> list[str]:
        """Existing namespaces whose labels ``sel`` matches, by name."""
        got = self._ns.get(sel)
        if got is None:
            got = [n for n in sorted(self.labels)
                   if sel.matches(self.cluster.namespace_labels(n))]
            self._ns[sel] = got
        return got

    def any_pod(self, nss: list[str], sel: LabelSelector | None) -> bool:
        """Whether some pod of ``nss`` matches ``sel`` (None: any pod)."""
        key = (tuple(nss), sel)
        got = self._hit.get(key)
        if got is None:
            got = any(sel is None or sel.matches(labels)
                      for ns in nss for labels in self.labels.get(ns, ()))
            self._hit[key] = got
        return got

    def problem(self, pol: NetworkPolicy, peer: Peer) -> str | None:
        """Why ``peer`` matches no pod, or None when it matches one.

        No ``namespaceSelector``: the policy's own namespace; both selectors: AND.
        """
        if peer.namespace_selector is None:
            nss = [pol.namespace]
            shown = pol.namespace
            where = f"in the policy's namespace {pol.namespace}"
        else:
            nss = self.namespaces(peer.namespace_selector)
            if not nss:
                return (f"has a namespaceSelector {{{peer.namespace_selector}}} that matches "
                        "no namespace")
            shown = first_few(nss)
            where = f"in the namespaces its namespaceSelector matches ({shown})"
        if self.any_pod(nss, peer.pod_selector):
            return None
        if peer.pod_selector is None:
            return f"matches only namespaces without pods a selector can match ({shown})"
        return f"matches no pod {where}"
