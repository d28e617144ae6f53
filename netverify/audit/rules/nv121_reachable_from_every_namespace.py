"""NV121: namespaces that every other namespace may connect to, beyond DNS and the internet.

Computed for all pod classes at once with the all-pairs engine: a namespace is reported
when every policy-governed pod of every other namespace reaches some pod of it on a
port that is neither DNS nor already open to the internet (``audit/exposure.py``,
which NV120 reports).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from netverify.audit.exposure import DNS_PORTS, InternetIngress, example_port
from netverify.audit.registry import Finding, Related, Rule, Severity, register
from netverify.audit.text import first_few
from netverify.engines.allpairs import AllPairs, PortMask, compute_all_pairs
from netverify.engines.classes import pod_classes
from netverify.engines.concrete import Evaluator
from netverify.model import Cluster, Direction
from netverify.ports import PortSet

# With fewer other namespaces, "every other namespace" is one or two pairs, not a pattern.
MIN_OTHER_NAMESPACES = 2


@register
class ReachableFromEveryNamespace(Rule):
    """Namespace that every other namespace may connect to

    **Anti-pattern**

    The namespace's ingress policies admit the whole cluster, typically with an empty
    ``namespaceSelector``::

        kind: NetworkPolicy
        metadata: {name: api, namespace: payments}
        spec:
          podSelector: {matchLabels: {app: api}}
          ingress:
            - from: [{namespaceSelector: {}}]      # every pod of every namespace
              ports: [{port: 8080}]

    **Why it hurts**

    A compromise of any pod anywhere in the cluster (a test namespace, a forgotten
    debug pod) reaches the namespace's pods: isolation between teams and environments is
    gone for this traffic, and the policies look as if it were there.

    How it is decided: the rule fires when *every* policy-governed pod of *every* other
    namespace may open a connection to *some* pod of the namespace on *some* port, with
    the sources' egress policies taken into account (computed over pod classes with the
    all-pairs engine). What does not count, so that reports stay about real exposure:

    - DNS (UDP and TCP 53): every pod must reach the cluster DNS, so kube-system is not
      reported for serving it;
    - ports a pod also accepts from the internet (NV120 reports those, once);
    - pods no ingress policy isolates (NV101 reports their namespace);
    - inputs with fewer than two other namespaces holding pods, and hostNetwork pods,
      as sources or destinations (NetworkPolicy does not apply to them).

    **Fix**

    Admit the namespaces that are clients, by label, instead of all of them::

        ingress:
          - from:
              - namespaceSelector: {matchLabels: {team: checkout}}
                podSelector: {matchLabels: {app: web}}
            ports: [{port: 8080}]
    """

    code = "NV121"
    title = "Namespace that every other namespace may connect to"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        ev = Evaluator(cluster)
        classes = pod_classes(cluster)
        reps = classes.reps
        governed = [c for c, r in enumerate(reps) if not r.host_network]
        spaces = {reps[c].namespace for c in governed}
        if len(spaces) <= MIN_OTHER_NAMESPACES:
            return
        targets: dict[str, list[int]] = {}
        for c in governed:
            if ev.selecting(reps[c], Direction.INGRESS):
                targets.setdefault(reps[c].namespace, []).append(c)
        if not targets:
            return
        ap = compute_all_pairs(cluster, classes=classes)
        internet = InternetIngress(ev)
        # keep[t]: the port classes that count towards the target class t.
        keep: dict[int, PortMask] = {}
        by_ignore: dict[PortSet, PortMask] = {}
        for cs in targets.values():
            for t in cs:
                exp = internet.exposure(reps[t])
                ignore = DNS_PORTS if exp is None else DNS_PORTS.union(exp.ports)
                mask = by_ignore.get(ignore)
                if mask is None:
                    mask = by_ignore[ignore] = ap.mask_outside(ignore)
                keep[t] = mask
        for ns in sorted(targets):
            tcols = targets[ns]
            srows = [c for c in governed if reps[c].namespace != ns]
            hit = ap.reach(srows, tcols, [keep[t] for t in tcols])
            if not hit.any(axis=1).all():
                continue
            # The example's source is one that reaches the fewest pod classes: the rules
            # admitting it are the sweeping ones, not a rule written for that client.
            row = int(np.argmin(hit.sum(axis=1)))
            t = tcols[int(np.flatnonzero(hit[row])[0])]
            yield self._finding(cluster, ev, ap, keep[t], ns, srows[row], t, len(spaces) - 1)

    def _finding(self, cluster: Cluster, ev: Evaluator, ap: AllPairs, keep: PortMask,
                 ns: str, s: int, t: int, others: int) -> Finding:
        """The finding for ``ns``, with source class ``s`` -> target class ``t`` as example."""
        src, dst = ap.pods.members[s][0], ap.pods.members[t][0]
        ports = ap.allowed_ports([s], t, keep).difference(DNS_PORTS)
        proto, port = example_port(ports, dst)
        verdict = ev.pair(src, dst, protocol=proto, port=port)
        refs = [r for r in verdict.ingress.rules if r.ports.contains(proto, port)]
        rules = first_few([f"{r.policy} {r.field} ({r.peer})" for r in refs], 3, sep="; ")
        target_ns = cluster.namespaces.get(ns)
        return self.finding(
            f"every pod of the {others} other namespaces may connect to some pod of namespace "
            f"{ns} on a port other than DNS, for example {dst.key} on {proto.value} {port}, "
            f"admitted by {rules}", f"Namespace {ns}",
            source=target_ns.source if target_ns else None,
            example=f"{src.key} -> {dst.key} {proto.value} {port}",
            related=tuple(Related(object=f"NetworkPolicy {r.policy}",
                                  role=f"admits the example ({r.field})", source=r.source)
                          for r in refs))
