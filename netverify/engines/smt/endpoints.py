"""Symbolic and concrete endpoints of a connection, as Z3 terms.

An endpoint is what a policy can observe about one side of a connection:

- ``is_pod``: a pod (subject to NetworkPolicy) or an address outside the cluster;
- ``ns``: an Int, the index of an existing namespace in ``Universe.namespaces``,
  or ``len(namespaces)`` for a namespace that does not exist yet;
- labels of the pod and of its namespace: for each key of the universe a Bool
  "present" and an Int value index (``Universe.other(key)`` = any unmentioned
  value).  An existing namespace's labels are constants, chosen by an If-chain
  on ``ns``; a new namespace's labels are free variables, except that its
  ``kubernetes.io/metadata.name`` is present and names no existing namespace;
- addresses: an optional IPv4 (32-bit bit-vector) and an optional IPv6
  (128-bit); a pod without a known address is matched by no ipBlock, as in the
  concrete engine.  ``can_use`` says which families an endpoint can connect
  over: those it has an address of, or both when it has none known;
- named container ports: for each (name, protocol) any policy uses, a Bool
  "declared" and a 16-bit port.  A concrete pod has constants; a hypothetical
  pod may declare any port under any name.

Concrete pods become the same shape with constant terms, so one formula
builder serves existing and hypothetical pods alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import z3

from netverify.engines.smt.universe import Universe
from netverify.ipblocks import IPv4, IPv6
from netverify.model import NAMESPACE_NAME_LABEL, Cluster, Pod
from netverify.ports import Protocol

PROTOCOL_CODE = {Protocol.TCP: 0, Protocol.UDP: 1, Protocol.SCTP: 2}
CODE_PROTOCOL = {v: k for k, v in PROTOCOL_CODE.items()}


@dataclass
class Labels:
    """Per key: presence and value index (terms)."""

    present: dict[str, z3.BoolRef]
    value: dict[str, z3.ArithRef]


@dataclass
class SymEndpoint:
    """One side of a connection as Z3 terms plus the constraints that keep it well formed."""

    name: str
    is_pod: z3.BoolRef
    host_network: z3.BoolRef
    ns: z3.ArithRef
    labels: Labels
    ns_labels: Labels
    ip4: list[tuple[z3.BoolRef, z3.BitVecRef]]  # (has address, address)
    ip6: list[tuple[z3.BoolRef, z3.BitVecRef]]
    named: dict[tuple[str, Protocol], list[tuple[z3.BoolRef, z3.BitVecRef]]]
    domain: list[z3.BoolRef] = field(default_factory=list)
    pod: Pod | None = None  # set for an existing pod
    families: frozenset[int] | None = None  # an existing pod's, when its addresses are hidden
    fixed_ns: str | None = None  # set when the namespace is known in Python
    host: str = ""  # an outside address the question named by DNS name (domainNames peers)
    # Set when the endpoint's domain keeps it to these existing namespaces (or none: an
    # address outside): only their policies can select it, so only theirs are encoded.
    ns_choices: frozenset[str] | None = None

    def ips(self, family: int) -> list[tuple[z3.BoolRef, z3.BitVecRef]]:
        """The (has, address) terms of one family."""
        return self.ip4 if family == IPv4 else self.ip6


def can_use(ep: SymEndpoint, family: int) -> z3.BoolRef:
    """``ep`` can take part in a connection over ``family``.

    It has an address of that family, or no known address at all (then it may
    have either, as ``ipblocks.usable_families`` says for concrete pods).
    """
    if ep.families is not None:
        return z3.BoolVal(family in ep.families)
    mine = [has for has, _ in ep.ips(family)]
    every = [has for has, _ in (*ep.ip4, *ep.ip6)]
    return z3.Or(*mine, z3.Not(z3.Or(*every)))


def fresh_addresses(ep: SymEndpoint, cluster: Cluster) -> list[z3.BoolRef]:
    """Constraints keeping ``ep``'s known addresses off every existing pod's address.

    A pod that does not exist yet gets a fresh address; a witness that needs an
    existing pod's address (a /32 ipBlock) is only that pod, or one that takes its
    address after it is gone, and callers say so instead.
    """
    out: list[z3.BoolRef] = []
    for family, width in ((IPv4, 32), (IPv6, 128)):
        taken = sorted({ip.value for p in cluster.pods for ip in p.ips if ip.family == family})
        for has, addr in ep.ips(family):
            if taken:
                out.append(z3.Implies(has, z3.And(*[addr != z3.BitVecVal(v, width)
                                                    for v in taken])))
    return out


def _ns_label_terms(u: Universe, cluster: Cluster, ns: z3.ArithRef, prefix: str,
                    allow_new: bool, indices: list[int] | None = None
                    ) -> tuple[Labels, list[z3.BoolRef]]:
    """Namespace label terms; ``indices``: the only existing namespaces ``ns`` may take."""
    present: dict[str, z3.BoolRef] = {}
    value: dict[str, z3.ArithRef] = {}
    domain: list[z3.BoolRef] = []
    n = len(u.namespaces)
    chain = list(range(n)) if indices is None else sorted(indices)
    for key in u.keys:
        new_p = z3.Bool(f"{prefix}.nslabel[{key}].present")
        new_v = z3.Int(f"{prefix}.nslabel[{key}]")
        p_term: z3.BoolRef = new_p if allow_new else z3.BoolVal(False)
        v_term: z3.ArithRef = new_v if allow_new else z3.IntVal(u.other(key))
        for i in reversed(chain):
            labels = cluster.namespace_labels(u.namespaces[i])
            has = key in labels
            p_term = z3.If(ns == i, z3.BoolVal(has), p_term)
            v_term = z3.If(ns == i, z3.IntVal(u.value_index(key, labels[key]) if has
                                              else u.other(key)), v_term)
        present[key] = p_term
        value[key] = v_term
        if allow_new:
            domain.append(z3.And(new_v >= 0, new_v <= u.other(key)))
            if key == NAMESPACE_NAME_LABEL:
                existing = [u.value_index(key, name) for name in u.namespaces]
                domain.append(z3.Implies(ns == n, z3.And(new_p, *[new_v != i for i in existing])))
    return Labels(present, value), domain


def symbolic_pod(u: Universe, cluster: Cluster, prefix: str, *,
                 namespaces: list[str] | None = None, allow_new_namespace: bool = False,
                 narrow: bool = False) -> SymEndpoint:
    """A pod that could exist: any labels, any addresses, any named ports.

    ``namespaces`` limits it to some existing namespaces (all when None);
    ``allow_new_namespace`` also admits a namespace that does not exist yet.
    ``narrow`` (callers that always assert the domain) builds terms only for those
    namespaces: their labels, their policies (``namespaces`` may then be empty).
    """
    ns = z3.Int(f"{prefix}.namespace")
    n = len(u.namespaces)
    narrowed = narrow and namespaces is not None
    wanted = namespaces if narrowed else (namespaces or u.namespaces)
    allowed = [u.namespaces.index(x) for x in wanted or () if x in u.namespaces]
    choices = [ns == i for i in allowed]
    if allow_new_namespace:
        choices.append(ns == n)
    domain: list[z3.BoolRef] = [z3.Or(*choices) if choices else z3.BoolVal(False)]
    ns_labels, ns_dom = _ns_label_terms(u, cluster, ns, prefix, allow_new_namespace,
                                        allowed if narrowed else None)
    domain += ns_dom
    fixed = namespaces[0] if namespaces and len(namespaces) == 1 and not allow_new_namespace \
        else None
    return _free_pod(u, prefix, ns, ns_labels, domain, fixed,
                     frozenset(u.namespaces[i] for i in allowed) if narrowed else None)


def _free_pod(u: Universe, prefix: str, ns: z3.ArithRef, ns_labels: Labels,
              domain: list[z3.BoolRef], fixed: str | None,
              ns_choices: frozenset[str] | None) -> SymEndpoint:
    """A pod with free labels, addresses and named ports in the namespace ``ns`` says."""
    present = {k: z3.Bool(f"{prefix}.label[{k}].present") for k in u.keys}
    value = {k: z3.Int(f"{prefix}.label[{k}]") for k in u.keys}
    domain += [z3.And(value[k] >= 0, value[k] <= u.other(k)) for k in u.keys]
    named = {}
    for name, proto in u.port_names:
        has = z3.Bool(f"{prefix}.port[{name}/{proto.value}].declared")
        num = z3.BitVec(f"{prefix}.port[{name}/{proto.value}]", 16)
        domain.append(z3.Implies(has, num != 0))
        named[(name, proto)] = [(has, num)]
    return SymEndpoint(
        name=prefix, is_pod=z3.BoolVal(True), host_network=z3.BoolVal(False), ns=ns,
        labels=Labels(present, value), ns_labels=ns_labels,
        ip4=[(z3.Bool(f"{prefix}.ipv4.known"), z3.BitVec(f"{prefix}.ipv4", 32))],
        ip6=[(z3.Bool(f"{prefix}.ipv6.known"), z3.BitVec(f"{prefix}.ipv6", 128))],
        named=named, domain=domain, fixed_ns=fixed, ns_choices=ns_choices,
    )


def concrete_pod(u: Universe, cluster: Cluster, pod: Pod) -> SymEndpoint:
    """An existing pod as constant terms."""
    ns_index = u.namespaces.index(pod.namespace)
    ns = z3.IntVal(ns_index)
    ns_labels, _ = _ns_label_terms(u, cluster, ns, pod.key, allow_new=False)
    present = {k: z3.BoolVal(k in pod.labels) for k in u.keys}
    value = {k: z3.IntVal(u.value_index(k, pod.labels[k]) if k in pod.labels else u.other(k))
             for k in u.keys}
    ip4 = [(z3.BoolVal(True), z3.BitVecVal(ip.value, 32)) for ip in pod.ips if ip.family == IPv4]
    ip6 = [(z3.BoolVal(True), z3.BitVecVal(ip.value, 128)) for ip in pod.ips
           if ip.family == IPv6]
    named = {}
    for name, proto in u.port_names:
        named[(name, proto)] = [(z3.BoolVal(True), z3.BitVecVal(n, 16))
                                for n in pod.named_port(name, proto)]
    return SymEndpoint(
        name=pod.key, is_pod=z3.BoolVal(True), host_network=z3.BoolVal(pod.host_network),
        ns=ns, labels=Labels(present, value), ns_labels=ns_labels, ip4=ip4, ip6=ip6,
        named=named, pod=pod, fixed_ns=pod.namespace, families=pod.hidden_families,
    )


def external(u: Universe, prefix: str, family: int, lo: int | None = None,
             hi: int | None = None, host: str = "") -> SymEndpoint:
    """An address outside the cluster, anywhere in ``lo..hi`` (any address when None).

    ``host`` is the DNS name the question gave for it, if any.
    """
    width = 32 if family == IPv4 else 128
    addr = z3.BitVec(f"{prefix}.ip", width)
    domain: list[z3.BoolRef] = []
    if lo is not None:
        domain.append(z3.UGE(addr, z3.BitVecVal(lo, width)))
    if hi is not None:
        domain.append(z3.ULE(addr, z3.BitVecVal(hi, width)))
    false = z3.BoolVal(False)
    labels = Labels(dict.fromkeys(u.keys, false), {k: z3.IntVal(u.other(k)) for k in u.keys})
    entry = [(z3.BoolVal(True), addr)]
    return SymEndpoint(
        name=prefix, is_pod=false, host_network=false, ns=z3.IntVal(-1), labels=labels,
        ns_labels=labels, ip4=entry if family == IPv4 else [],
        ip6=entry if family == IPv6 else [], named={k: [] for k in u.port_names},
        domain=domain, host=host,
    )


def pinned_pod(u: Universe, cluster: Cluster, prefix: str, namespace: str) -> SymEndpoint:
    """``symbolic_pod(..., namespaces=[namespace])`` with the namespace's labels as constants.

    The same terms under its domain, without an If-chain over every namespace per label
    key: a query asking about many single namespaces (``diff``) built those chains for
    most of its time.
    """
    labels = cluster.namespace_labels(namespace)
    ns = z3.Int(f"{prefix}.namespace")
    ns_labels = Labels({k: z3.BoolVal(k in labels) for k in u.keys},
                       {k: z3.IntVal(u.value_index(k, labels[k]) if k in labels
                                     else u.other(k)) for k in u.keys})
    return _free_pod(u, prefix, ns, ns_labels, [ns == u.namespaces.index(namespace)],
                     namespace, None)
