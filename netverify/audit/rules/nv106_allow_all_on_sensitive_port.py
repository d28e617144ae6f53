"""NV106: ingress rules open to every source that cover a sensitive port (SSH, databases, ...).

"Every source" is decided from the rule's text (no ``from``, ``namespaceSelector: {}``,
an ipBlock of a whole address family); the ports from its ``ports`` and the selected
pods' declared container ports.  ``SENSITIVE_PORTS`` is the list, and the docstring
repeats it for ``docs/rules.md`` (a test keeps the two equal).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from netverify.audit.exposure import example_address_in
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.audit.text import first_few
from netverify.engines.concrete import Evaluator
from netverify.ipblocks import IPv4, IPv6, parse_network
from netverify.model import Cluster, Direction, Pod
from netverify.model import Rule as PolicyRule
from netverify.ports import MAX_PORT, MIN_PORT, Protocol
from netverify.source import SourceRef

# Ports whose service must never face every client: remote shells, datastores, brokers and
# control planes that trust the network or are routinely deployed without authentication.
SENSITIVE_PORTS: Mapping[tuple[Protocol, int], str] = {
    (Protocol.TCP, 22): "SSH",
    (Protocol.TCP, 23): "Telnet",
    (Protocol.TCP, 1433): "SQL Server",
    (Protocol.TCP, 1521): "Oracle Database",
    (Protocol.TCP, 2181): "ZooKeeper",
    (Protocol.TCP, 2375): "Docker API (plain text)",
    (Protocol.TCP, 2376): "Docker API",
    (Protocol.TCP, 2379): "etcd client API",
    (Protocol.TCP, 2380): "etcd peer API",
    (Protocol.TCP, 3306): "MySQL",
    (Protocol.TCP, 3389): "Remote Desktop",
    (Protocol.TCP, 5432): "PostgreSQL",
    (Protocol.TCP, 5672): "RabbitMQ (AMQP)",
    (Protocol.TCP, 5900): "VNC",
    (Protocol.TCP, 5984): "CouchDB",
    (Protocol.TCP, 6379): "Redis",
    (Protocol.TCP, 9042): "Cassandra (CQL)",
    (Protocol.TCP, 9092): "Kafka",
    (Protocol.TCP, 9200): "Elasticsearch (HTTP)",
    (Protocol.TCP, 9300): "Elasticsearch (transport)",
    (Protocol.TCP, 10250): "kubelet API",
    (Protocol.TCP, 10255): "kubelet read-only API",
    (Protocol.TCP, 11211): "Memcached",
    (Protocol.UDP, 11211): "Memcached (UDP)",
    (Protocol.TCP, 15672): "RabbitMQ management",
    (Protocol.TCP, 26257): "CockroachDB",
    (Protocol.TCP, 27017): "MongoDB",
}

_WHOLE = {IPv4: (0, 2**32 - 1), IPv6: (0, 2**128 - 1)}


@dataclass(frozen=True, slots=True)
class _Everyone:
    """How a rule admits every source: where it says so and a source to show."""

    path: str
    source: SourceRef | None
    who: str
    example_src: str | None  # None: an existing pod is looked for


@register
class AllowAllOnSensitivePort(Rule):
    """Ingress rule open to every source on a sensitive port

    **Anti-pattern**

    An ingress rule admits every source and covers a port like SSH, a database or a
    control plane::

        spec:
          podSelector: {matchLabels: {app: db}}
          ingress:
            - from:
                - namespaceSelector: {}          # every pod of every namespace
              ports: [{port: 5432}]

    "Every source" is a rule without ``from`` (every pod and every address), a peer
    ``namespaceSelector: {}`` with no or an empty ``podSelector`` (every pod), or an
    ``ipBlock`` whose ``cidr`` is ``0.0.0.0/0`` or ``::/0`` (whatever its ``except``).
    The rule covers a sensitive port when it lists it (its number, or a name resolving to
    it on a selected pod), or when a selected pod declares it as a ``containerPort`` and
    the rule has no ``ports``, a protocol without a port, or an ``endPort`` range holding
    it. Ranges count only through declared ports: ``1-65535`` means "every port", not
    "SSH and every database", while a range written for etcd still matches the etcd pods.

    The sensitive ports (TCP unless said otherwise; ``SENSITIVE_PORTS`` in the rule's
    module): SSH 22, Telnet 23, SQL Server 1433, Oracle Database 1521, ZooKeeper 2181,
    Docker API 2375 and 2376, etcd 2379 (client) and 2380 (peer), MySQL 3306, Remote
    Desktop 3389, PostgreSQL 5432, RabbitMQ 5672 (AMQP) and 15672 (management), VNC 5900,
    CouchDB 5984, Redis 6379, Cassandra 9042, Kafka 9092, Elasticsearch 9200 (HTTP) and
    9300 (transport), kubelet 10250 and 10255 (read-only), Memcached 11211 (TCP and UDP),
    CockroachDB 26257, MongoDB 27017.

    **Why it hurts**

    Datastores, brokers and remote shells often trust the network: any compromised pod in
    the cluster (or, for a rule without ``from`` or an ipBlock of the whole internet, any
    host that can reach the node) can log in, read or wipe the data.

    **Fix**

    Admit only the clients of the service, by namespace and pod labels::

        ingress:
          - from:
              - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}
                podSelector: {matchLabels: {app: api}}
            ports: [{port: 5432}]
    """

    code = "NV106"
    title = "Ingress rule open to every source on a sensitive port"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        ev: Evaluator | None = None
        by_ns: dict[str, list[Pod]] = {}
        for pod in cluster.pods:
            if not pod.host_network:  # not subject to policy
                by_ns.setdefault(pod.namespace, []).append(pod)
        for pol in cluster.policies:
            if Direction.INGRESS not in pol.policy_types:
                continue  # ingress rules of a policy that does not isolate ingress do nothing
            selected: list[Pod] | None = None
            for rule in pol.ingress:
                everyone = _everyone(rule)
                if everyone is None:
                    continue
                if selected is None:
                    selected = [p for p in by_ns.get(pol.namespace, ())
                                if pol.pod_selector.matches(p.labels)]
                hits = _sensitive(rule, selected)
                if not hits:
                    continue
                names = [f"{SENSITIVE_PORTS[k]} ({k[0].value} {k[1]})"
                         for k in sorted(hits, key=lambda k: (k[1], k[0].value))]
                services = first_few(names)
                (proto, port), dst = min(hits.items(), key=lambda kv: (kv[1] is None, kv[0][1]))
                if dst is None:
                    targets = f"the pods of podSelector {{{pol.pod_selector}}} (none today)"
                    example = ""
                else:
                    targets = first_few([p.key for p in selected], 3)
                    if ev is None:
                        ev = Evaluator(cluster)
                    src = everyone.example_src or _pod_source(cluster, ev, dst, proto, port)
                    example = f"{src} -> {dst.key} {proto.value} {port}"
                yield self.finding(
                    f"{pol.key} {everyone.path} admits {everyone.who} to {targets} on "
                    f"{services}", f"NetworkPolicy {pol.key}", everyone.path, everyone.source,
                    example=example)


def _everyone(rule: PolicyRule) -> _Everyone | None:
    """How ``rule`` admits every source, or None when it names particular sources."""
    base = f"spec.ingress[{rule.index}]"
    if rule.peers is None:
        return _Everyone(base, rule.source, "every source (the rule has no from)", "0.0.0.0/0")
    for peer in rule.peers:
        path = f"{base}.from[{peer.index}]"
        src = peer.source or rule.source
        if peer.ip_block is not None:
            if not peer.ip_block.cidr.strip().endswith("/0"):
                continue  # only a /0 is a whole family (parsing every allowlist entry is slow)
            family, (lo, hi) = parse_network(peer.ip_block.cidr)
            if (lo, hi) != _WHOLE[family]:
                continue
            # With except holes, show one address the block still holds.
            shown = (example_address_in(peer.ip_block.addresses) if peer.ip_block.excepts
                     else peer.ip_block.cidr)
            return _Everyone(path, src, f"every address ({peer.describe()})", shown)
        ns, ps = peer.namespace_selector, peer.pod_selector
        if ns is not None and ns.is_empty and (ps is None or ps.is_empty):
            return _Everyone(path, src, "every pod in every namespace (namespaceSelector {})",
                             None)
    return None


def _sensitive(rule: PolicyRule, selected: list[Pod]) -> dict[tuple[Protocol, int], Pod | None]:
    """Sensitive (protocol, port)s the rule opens, each with a selected pod that has it."""
    hits: dict[tuple[Protocol, int], Pod | None] = {}

    def declared(protocol: Protocol | None, lo: int = MIN_PORT, hi: int = MAX_PORT) -> None:
        for pod in selected:
            for cp in pod.container_ports:
                key = (cp.protocol, cp.port)
                if (key in SENSITIVE_PORTS and protocol in (None, cp.protocol)
                        and lo <= cp.port <= hi and hits.get(key) is None):
                    hits[key] = pod

    if rule.ports is None:
        declared(None)
        return hits
    for spec in rule.ports:
        if spec.port is None:
            declared(spec.protocol)
        elif isinstance(spec.port, int) and spec.end_port is not None:
            declared(spec.protocol, spec.port, spec.end_port)
        elif isinstance(spec.port, int):
            key = (spec.protocol, spec.port)
            if key in SENSITIVE_PORTS and hits.get(key) is None:
                # Prefer a pod that declares the port for the example.
                hits[key] = next((p for p in selected if any(
                    (cp.protocol, cp.port) == key for cp in p.container_ports)),
                    selected[0] if selected else None)
        else:
            for pod in selected:
                for n in pod.named_port(spec.port, spec.protocol):
                    key = (spec.protocol, n)
                    if key in SENSITIVE_PORTS and hits.get(key) is None:
                        hits[key] = pod
    return hits


def _pod_source(cluster: Cluster, ev: Evaluator, dst: Pod, proto: Protocol, port: int) -> str:
    """An existing pod whose own egress lets it open the connection (another namespace first).

    Falls back to ``*/*``, the hypothetical-pod syntax of ``can-reach --hypothetical``.
    """
    candidates = sorted((p for p in cluster.pods if not p.host_network and p.key != dst.key),
                        key=lambda p: p.namespace == dst.namespace)
    for src in candidates[:200]:
        if ev.allowed_ports(src, dst).contains(proto, port):
            return src.key
    return "*/*"
