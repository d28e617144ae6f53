"""Hypothesis strategies for Kubernetes manifests: namespaces, pods, workloads, NetworkPolicies.

Everything is drawn as *raw manifest dicts* (what ``kubectl get -o yaml`` or a
chart would hold), never as ``netverify.model`` objects: the property tests dump
them to YAML and read them back through ``netverify.loader.load_text``, so the
loader's validation and normalisation are exercised too, and the independent
oracle in ``tests/engines/test_agreement.py`` reads the same dicts.

Alphabets are deliberately tiny (label keys ``app``/``tier``, values
``a``/``b``/``c``, ports 53/80/443/8080/8443, a few overlapping CIDRs) so that
selectors, port ranges and ipBlocks overlap often; random clusters over large
alphabets would almost never exercise the interesting cases.

Only manifests the API server accepts are drawn (the loader rejects the rest,
which ``tests/loader/`` covers): unique container-port names per pod, ``endPort``
only with a numeric ``port``, ``except`` entries strictly inside ``cidr``.
"""

from __future__ import annotations

import copy as copy_module
from typing import Any

import yaml
from hypothesis import strategies as st

Manifest = dict[str, Any]

LABEL_KEYS = ("app", "tier")
LABEL_VALUES = ("a", "b", "c")
NAMESPACE_NAMES = ("default", "alpha", "beta")
NAMESPACE_LABEL_KEYS = ("team", "app")
NAME_LABEL = "kubernetes.io/metadata.name"
PORTS = (53, 80, 443, 8080, 8443)
PROTOCOLS = ("TCP", "UDP", "SCTP")
PORT_NAMES = ("http", "dns")
# A name no container declares: a named policy port that resolves to nothing.
POLICY_PORT_NAMES = (*PORT_NAMES, "metrics")

WORKLOAD_KINDS = {
    "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "ReplicaSet": "apps/v1",
    "ReplicationController": "v1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
}

# Pod addresses: inside, at the edges of and outside the ipBlocks below, per family.
POD_IPS_V4 = (
    "10.0.0.5", "10.0.0.130", "10.0.1.5", "10.0.1.200",
    "192.168.0.7", "192.168.3.4", "172.16.0.1",
)
POD_IPS_V6 = ("fd00::5", "fd00::1:5", "fd00:0:0:1::9", "2001:db8::7")
POD_IPS = (*POD_IPS_V4, *POD_IPS_V6)
# (cidr, possible except lists); every except is a strict subset of its cidr.
IP_BLOCKS: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    ("10.0.0.0/24", ((), ("10.0.0.0/28",), ("10.0.0.128/25",))),
    ("10.0.1.0/24", ((), ("10.0.1.0/25",))),
    ("10.0.0.0/16", ((), ("10.0.1.0/24",), ("10.0.0.0/24", "10.0.1.128/25"))),
    ("192.168.0.0/16", ((), ("192.168.0.0/24",))),
    ("0.0.0.0/0", ((), ("10.0.0.0/8",), ("192.168.0.0/16", "10.0.1.0/24"))),
    ("fd00::/64", ((), ("fd00::/120",))),
    ("fd00::/48", ((), ("fd00::/64",), ("fd00::1:0/112",))),
    ("::/0", ((), ("fd00::/16",), ("2001:db8::/32",))),
)


def rarely(p: float = 0.1) -> st.SearchStrategy[bool]:
    """True with probability about ``p`` (shrinks to False)."""
    n = max(2, round(1 / p))
    return st.integers(0, n - 1).map(lambda i: i == n - 1)


# -- labels and selectors -------------------------------------------------------------------


def label_sets(keys: tuple[str, ...] = LABEL_KEYS,
               values: tuple[str, ...] = LABEL_VALUES) -> st.SearchStrategy[dict[str, str]]:
    """Label maps over a small alphabet (possibly empty)."""
    return st.dictionaries(st.sampled_from(keys), st.sampled_from(values), max_size=len(keys))


@st.composite
def label_selectors(draw: st.DrawFn, keys: tuple[str, ...] = LABEL_KEYS,
                    values: tuple[str, ...] = LABEL_VALUES,
                    extra: dict[str, tuple[str, ...]] | None = None) -> dict[str, Any]:
    """A raw LabelSelector: ``{}``, ``matchLabels``, ``matchExpressions`` or both.

    ``extra`` adds keys with their own value alphabets (``kubernetes.io/metadata.name``
    over namespace names, for namespace selectors).
    """
    alphabet = dict.fromkeys(keys, values)
    alphabet.update(extra or {})
    key_st = st.sampled_from(sorted(alphabet))
    # Mostly simple selectors: a conjunction of several random requirements over this
    # alphabet rarely matches anything, and a selector that matches nothing tests little.
    shape = draw(st.sampled_from(("empty", "empty", "labels", "labels", "exprs", "both")))
    sel: dict[str, Any] = {}
    if shape == "empty":
        if draw(rarely(0.2)):
            # Present but empty fields: still the empty selector, matching everything.
            sel = draw(st.sampled_from(({"matchLabels": {}}, {"matchExpressions": []},
                                        {"matchLabels": {}, "matchExpressions": []})))
        return dict(sel)
    if shape in ("labels", "both"):
        ml = draw(st.dictionaries(key_st, st.just(""), min_size=1, max_size=2))
        sel["matchLabels"] = {k: draw(st.sampled_from(alphabet[k])) for k in ml}
    if shape in ("exprs", "both"):
        exprs = []
        for _ in range(draw(st.integers(1, 2))):
            key = draw(key_st)
            op = draw(st.sampled_from(("In", "NotIn", "Exists", "DoesNotExist")))
            expr: dict[str, Any] = {"key": key, "operator": op}
            if op in ("In", "NotIn"):
                expr["values"] = draw(st.lists(st.sampled_from(alphabet[key]), min_size=1,
                                               max_size=2, unique=True))
            elif draw(rarely(0.3)):
                expr["values"] = []  # allowed (and meaningless) for Exists/DoesNotExist
            exprs.append(expr)
        sel["matchExpressions"] = exprs
    return sel


def namespace_selectors(names: tuple[str, ...] = NAMESPACE_NAMES
                        ) -> st.SearchStrategy[dict[str, Any]]:
    """Selectors over namespace labels, including the automatic name label."""
    return label_selectors(keys=NAMESPACE_LABEL_KEYS, extra={NAME_LABEL: names})


# -- namespaces and pods --------------------------------------------------------------------


@st.composite
def namespaces(draw: st.DrawFn, max_namespaces: int = 3) -> list[Manifest]:
    """1-3 ``Namespace`` objects; an undeclared one is marked ``declared: False``.

    Undeclared namespaces are not emitted as manifests by ``clusters``; pods still
    live in them, so the loader's implicit-namespace path (name label only) runs.
    """
    names = draw(st.lists(st.sampled_from(NAMESPACE_NAMES), min_size=1,
                          max_size=max_namespaces, unique=True))
    out = []
    for name in names:
        labels = draw(label_sets(NAMESPACE_LABEL_KEYS))
        if draw(rarely(0.1)):
            # A wrong name label: the API server overwrites it with the real name.
            labels[NAME_LABEL] = "bogus"
        meta: dict[str, Any] = {"name": name}
        if labels:
            meta["labels"] = labels
        out.append({"apiVersion": "v1", "kind": "Namespace", "metadata": meta,
                    "declared": not draw(rarely(0.15))})
    return out


@st.composite
def container_ports(draw: st.DrawFn) -> list[dict[str, Any]]:
    """``ports`` of one container; names unique (the API server requires it)."""
    out = []
    names = list(PORT_NAMES)
    for _ in range(draw(st.integers(0, 3))):
        cp: dict[str, Any] = {"containerPort": draw(st.sampled_from(PORTS))}
        if len(names) > 0 and draw(st.booleans()):
            name = draw(st.sampled_from(names))
            names.remove(name)
            cp["name"] = name
        proto = draw(st.sampled_from((None, "TCP", "UDP", "UDP", "SCTP")))
        if proto is not None:
            cp["protocol"] = proto
        out.append(cp)
    return out


@st.composite
def pods(draw: st.DrawFn, namespace_names: tuple[str, ...], index: int,
         label_pool: tuple[dict[str, str], ...] = ()) -> Manifest:
    """One bare ``Pod`` (maybe with IPs) or one workload (represented by its template).

    Labels come from ``label_pool`` most of the time, so that several pods look alike to
    every selector and differ only in what else they carry (IPs, named ports,
    hostNetwork, kind): exactly what the all-pairs engine's pod classes must keep apart.
    """
    # Half the pods share the first namespace: pods that only meet across namespaces
    # exercise namespaceSelectors but hardly anything else.
    ns = namespace_names[0] if draw(st.booleans()) else draw(st.sampled_from(namespace_names))
    kind = draw(st.sampled_from(("Pod",) * len(WORKLOAD_KINDS) + tuple(WORKLOAD_KINDS)))
    if label_pool and not draw(rarely(0.3)):
        labels = dict(draw(st.sampled_from(label_pool)))
    else:
        labels = draw(label_sets())
    name = f"p{index}" if kind == "Pod" else f"w{index}"
    meta: dict[str, Any] = {"name": name}
    if ns != "default" or draw(st.booleans()):
        meta["namespace"] = ns
    ports = draw(container_ports())
    containers = [{"name": "main", "image": "img", "ports": ports}]
    if len(ports) > 1 and draw(rarely(0.2)):
        # Split the ports over two containers: named ports are looked up pod-wide.
        containers = [{"name": "main", "image": "img", "ports": ports[:1]},
                      {"name": "side", "image": "img", "ports": ports[1:]}]
    spec: dict[str, Any] = {"containers": containers}
    if draw(rarely(0.15)):
        spec["hostNetwork"] = True
    if kind == "Pod":
        if labels:
            meta["labels"] = labels
        doc: Manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
        ips = draw(pod_ips())
        if ips:
            if len(ips) == 1 and draw(st.booleans()):
                doc["status"] = {"podIP": ips[0]}
            else:
                doc["status"] = {"podIP": ips[0], "podIPs": [{"ip": ip} for ip in ips]}
        return doc
    template: dict[str, Any] = {"metadata": {"labels": labels} if labels else {}, "spec": spec}
    wspec: dict[str, Any] = {"template": template}
    if labels and kind not in ("Job", "CronJob"):
        wspec["selector"] = ({"matchLabels": labels} if kind != "ReplicationController"
                             else labels)
    if kind in ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"):
        wspec["replicas"] = draw(st.sampled_from((1, 2, 3)))
    if kind == "CronJob":
        wspec = {"schedule": "* * * * *", "jobTemplate": {"spec": wspec}}
    return {"apiVersion": WORKLOAD_KINDS[kind], "kind": kind, "metadata": meta, "spec": wspec}


@st.composite
def pod_ips(draw: st.DrawFn) -> list[str]:
    """``status.podIPs`` as the API server allows them: none known, one address, or a
    dual-stack pair (one per family, either family first)."""
    shape = draw(st.sampled_from(("none", "v4", "v4", "v6", "dual", "dual")))
    if shape == "none":
        return []
    v4, v6 = draw(st.sampled_from(POD_IPS_V4)), draw(st.sampled_from(POD_IPS_V6))
    if shape == "v4":
        return [v4]
    if shape == "v6":
        return [v6]
    return [v4, v6] if draw(st.booleans()) else [v6, v4]


# -- network policies -----------------------------------------------------------------------


@st.composite
def ip_blocks(draw: st.DrawFn) -> dict[str, Any]:
    """A raw ``ipBlock`` with an optional ``except``."""
    cidr, excepts = draw(st.sampled_from(IP_BLOCKS))
    ex = draw(st.sampled_from(excepts[1:] or excepts)) if draw(st.booleans()) else ()
    block: dict[str, Any] = {"cidr": cidr}
    if len(ex) > 0 or draw(rarely(0.2)):
        block["except"] = list(ex)
    return block


@st.composite
def peers(draw: st.DrawFn, namespace_names: tuple[str, ...] = NAMESPACE_NAMES) -> dict[str, Any]:
    """One ``from``/``to`` element: podSelector, namespaceSelector, both, or ipBlock."""
    shape = draw(st.sampled_from(("pod", "ns", "both", "ip", "ip")))
    if shape == "ip":
        return {"ipBlock": draw(ip_blocks())}
    peer: dict[str, Any] = {}
    if shape in ("pod", "both"):
        peer["podSelector"] = draw(label_selectors())
    elif draw(rarely(0.1)):
        peer["podSelector"] = None  # explicit null: the API server reads it as absent
    if shape in ("ns", "both"):
        peer["namespaceSelector"] = draw(namespace_selectors(namespace_names))
    elif draw(rarely(0.1)):
        peer["namespaceSelector"] = None  # absent: the policy's namespace, not all of them
    return peer


@st.composite
def ports(draw: st.DrawFn) -> dict[str, Any]:
    """One ``ports`` entry: all ports of a protocol, a number, a range or a name."""
    shape = draw(st.sampled_from(("all", "num", "num", "range", "range", "name", "name")))
    entry: dict[str, Any] = {}
    proto = draw(st.sampled_from((None, *PROTOCOLS)))
    if proto is not None:
        entry["protocol"] = proto
    if shape == "num":
        entry["port"] = draw(st.sampled_from(PORTS))
    elif shape == "range":
        lo = draw(st.sampled_from(PORTS))
        entry["port"] = lo
        entry["endPort"] = draw(st.sampled_from([p for p in PORTS if p >= lo]))
    elif shape == "name":
        entry["port"] = draw(st.sampled_from(POLICY_PORT_NAMES))
    return entry


@st.composite
def rules(draw: st.DrawFn, peers_field: str, namespace_names: tuple[str, ...]
          ) -> dict[str, Any] | None:
    """One ingress/egress rule; ``from``/``to`` and ``ports`` missing, null, empty or listed.

    Rarely the whole rule is null (read as ``{}``: every peer, every port).
    """
    if draw(rarely(0.05)):
        return None
    rule: dict[str, Any] = {}
    how = draw(st.sampled_from(("missing", "missing", "empty", "list", "list", "list", "null")))
    if how in ("empty", "null"):
        rule[peers_field] = [] if how == "empty" else None
    elif how == "list":
        rule[peers_field] = draw(st.lists(peers(namespace_names), min_size=1, max_size=3))
    how = draw(st.sampled_from(("missing", "empty", "list", "list", "list", "list", "null")))
    if how in ("empty", "null"):
        rule["ports"] = [] if how == "empty" else None
    elif how == "list":
        rule["ports"] = draw(st.lists(ports(), min_size=1, max_size=3))
    return rule


@st.composite
def network_policies(draw: st.DrawFn, namespace_names: tuple[str, ...], index: int) -> Manifest:
    """One ``NetworkPolicy`` in one of ``namespace_names`` using every spec feature."""
    ns = draw(st.sampled_from(namespace_names))
    spec: dict[str, Any] = {"podSelector": draw(label_selectors())}
    types = draw(st.sampled_from((None, None, [], ["Ingress"], ["Egress"],
                                  ["Ingress", "Egress"], ["Egress", "Ingress"])))
    if types is not None:
        spec["policyTypes"] = types
    for field, pf in (("ingress", "from"), ("egress", "to")):
        how = draw(st.sampled_from(("missing", "empty", "list", "list", "list", "list", "null")))
        if how in ("empty", "null"):
            spec[field] = [] if how == "empty" else None
        elif how == "list":
            spec[field] = draw(st.lists(rules(pf, namespace_names), min_size=1, max_size=3))
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": f"np{index}", "namespace": ns}, "spec": spec}


def deny_all(namespace: str, name: str = "zz-deny-all") -> Manifest:
    """A policy selecting every pod of ``namespace`` for both directions, with no rules."""
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}


# -- whole clusters -------------------------------------------------------------------------


@st.composite
def clusters(draw: st.DrawFn, max_pods: int = 6, max_policies: int = 4,
             max_namespaces: int = 3) -> list[Manifest]:
    """A list of manifests: namespaces, 1..max_pods pods/workloads, 0..max_policies policies.

    The manifests come in a drawn order (the loader must not depend on it), and a prefix
    of them is sometimes wrapped in a ``kind: List`` (see ``flatten``).
    """
    ns_docs = draw(namespaces(max_namespaces))
    names = tuple(d["metadata"]["name"] for d in ns_docs)
    # sampled_from, not integers(): uniform sizes (integers() favours the smallest), while
    # still shrinking towards the small end.
    n_pods = draw(st.sampled_from(range(1, max_pods + 1)))
    pool = tuple(draw(st.lists(label_sets(), min_size=1, max_size=3)))
    pod_docs = [draw(pods(names, i, pool)) for i in range(n_pods)]
    _add_owners(draw, pod_docs)
    n_pol = 0 if draw(rarely(0.1)) else draw(st.sampled_from(range(1, max_policies + 1)))
    pol_docs = [draw(network_policies(names, i)) for i in range(n_pol)]
    docs = [_emit_namespace(d) for d in ns_docs if d["declared"]] + pod_docs + pol_docs
    docs = draw(st.permutations(docs))
    if len(docs) > 1 and draw(rarely(0.2)):
        # Part of the input as ``kubectl get -o yaml`` prints it: one ``kind: List``.
        cut = draw(st.integers(1, len(docs)))
        docs = [{"apiVersion": "v1", "kind": "List", "items": docs[:cut]}, *docs[cut:]]
    return docs


@st.composite
def clusters_with_overlaps(draw: st.DrawFn, max_pods: int = 4,
                           max_policies: int = 3) -> list[Manifest]:
    """``clusters`` plus, often, policies that overlap: a copy of a policy (as is, without
    its ``policyTypes``, or with a rule repeated) and allow-all egress rules without
    ``policyTypes``, so that ``lint`` has redundant rules and policies to report."""
    docs = draw(clusters(max_pods, max_policies))
    policies = [d for d in flatten(docs) if d["kind"] == "NetworkPolicy"]
    if policies and draw(st.booleans()):
        original = draw(st.sampled_from(policies))
        copy = copy_module.deepcopy(original)
        copy["metadata"]["name"] = original["metadata"]["name"] + "-copy"
        spec = copy["spec"]
        how = draw(st.sampled_from(("same", "no-types", "repeat-rule")))
        if how == "no-types":
            spec.pop("policyTypes", None)
        elif how == "repeat-rule":
            fields = [f for f in ("ingress", "egress") if spec.get(f)]
            if fields:
                field = draw(st.sampled_from(fields))
                spec[field].append(copy_module.deepcopy(draw(st.sampled_from(spec[field]))))
        docs = [*docs, copy]
    if draw(rarely(0.3)):
        ns = draw(st.sampled_from(sorted({d["metadata"].get("namespace") or "default"
                                          for d in flatten(docs) if d["kind"] != "Namespace"})))
        spec = {"podSelector": draw(label_selectors()), "egress": [{}]}
        if draw(st.booleans()):
            spec["ingress"] = [{"from": [{"podSelector": {}}]}]
        docs = [*docs, {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                        "metadata": {"name": "open-egress", "namespace": ns}, "spec": spec}]
    return docs


def flatten(manifests: list[Manifest]) -> list[Manifest]:
    """The objects of ``manifests`` with ``kind: List`` wrappers opened."""
    out = []
    for doc in manifests:
        if doc.get("kind") == "List":
            out.extend(flatten(doc.get("items") or []))
        else:
            out.append(doc)
    return out


# Kinds whose controller owns pods directly (a Deployment owns ReplicaSets, a CronJob Jobs).
DIRECT_OWNER_KINDS = ("StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job")


def _add_owners(draw: st.DrawFn, docs: list[Manifest]) -> None:
    """Give some bare pods a controller ownerReference, as in a ``kubectl get all`` dump.

    Each namespace gets one owner: a drawn workload of that namespace (whose template
    representative its real pods then replace) or a ReplicaSet absent from the input.
    About half the bare pods of the namespace belong to it, so real pods of one workload
    often differ in labels from each other and share labels with unowned pods, which is what
    ``matrix(by="workload")`` has to get right.
    """
    def ns_of(d: Manifest) -> str:
        return str(d["metadata"].get("namespace") or "default")

    owner_of: dict[str, tuple[str, str]] = {}
    for doc in docs:
        if doc["kind"] != "Pod" or not draw(st.booleans()):
            continue
        ns = ns_of(doc)
        if ns not in owner_of:
            owners = [(d["kind"], d["metadata"]["name"]) for d in docs
                      if d["kind"] in DIRECT_OWNER_KINDS and ns_of(d) == ns]
            owner_of[ns] = draw(st.sampled_from([("ReplicaSet", "gone"), *owners]))
        kind, name = owner_of[ns]
        doc["metadata"]["ownerReferences"] = [{
            "apiVersion": WORKLOAD_KINDS[kind], "kind": kind, "name": name, "uid": f"uid-{name}",
            "controller": True, "blockOwnerDeletion": True}]


def _emit_namespace(doc: Manifest) -> Manifest:
    return {k: v for k, v in doc.items() if k != "declared"}


def to_yaml(manifests: list[Manifest]) -> str:
    """Multi-document YAML, as a user would write it."""
    return yaml.safe_dump_all(manifests, sort_keys=False)


# --- Malformed input -------------------------------------------------------------
# The one exception to "only manifests the API server accepts": mutations of valid
# files (the fixtures, the demo spec) for tests/loader/test_malformed.py, which
# requires netverify to answer or refuse them, never to crash or run unbounded.

# Values of every YAML type, including the ones truthiness misreads ("false", "", 0)
# and one large enough to show in a message.
WRONG_VALUES: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(["false", "true", "", "0", "null", "x", "10.0.0.0/8", "*", "v" * 100_000]),
    st.integers(-2, 70_000), st.booleans(), st.none(), st.floats(allow_nan=False),
    st.lists(st.sampled_from(["a", "", "10.0.0.1"]), max_size=2),
    st.dictionaries(st.sampled_from(["ip", "name", "a"]), st.sampled_from(["a", "1"]),
                    max_size=2),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8),
)
# Bytes a text mutation inserts: control characters, bytes that are not UTF-8, a
# byte-order mark mid-file, a cut multi-byte sequence.
BAD_BYTES = (b"\x00", b"\x07", b"\x1b[2J", b"\x7f", b"\xff", b"\xc3", b"\xef\xbb\xbf",
             b"\xed\xa0\x80", b"\t", b"\r")


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indexes) inside ``data``, the root excluded."""
    out = []
    if isinstance(data, dict):
        items: list[tuple[Any, Any]] = list(data.items())
    elif isinstance(data, list):
        items = list(enumerate(data))
    else:
        return []
    for k, v in items:
        out.append((*prefix, k))
        out.extend(_paths(v, (*prefix, k)))
    return out


def _mutate_data(draw: st.DrawFn, docs: list[Any]) -> None:
    """Give a random field a wrong value, or delete or duplicate it, in place."""
    paths = [(i, p) for i, d in enumerate(docs) for p in _paths(d)]
    if not paths:
        return
    i, path = draw(st.sampled_from(paths), label="path")
    parent = docs[i]
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    action = draw(st.sampled_from(["wrong type", "delete", "copy elsewhere"]), label="action")
    if action == "wrong type":
        parent[last] = draw(WRONG_VALUES, label="value")
    elif action == "delete" and isinstance(parent, dict):
        del parent[last]
    elif action == "delete":
        parent.pop(last)
    else:  # a valid value in the wrong place
        j, other = draw(st.sampled_from(paths), label="source")
        value = docs[j]
        for step in other:
            value = value[step]
        parent[last] = copy_module.deepcopy(value)  # a copy: sharing could make a cycle


def _mutate_text(draw: st.DrawFn, text: bytes) -> bytes:
    """Break the text itself: repeated lines (keys), bytes, nesting, aliases, truncation."""
    lines = text.split(b"\n")
    n = draw(st.integers(0, max(len(lines) - 1, 0)), label="line")
    action = draw(st.sampled_from(["repeat line", "bytes", "deep", "anchor", "bomb",
                                   "recursive alias", "truncate", "tag"]), label="text action")
    if action == "repeat line":
        lines.insert(n, lines[n])
    elif action == "bytes":
        at = draw(st.integers(0, len(lines[n])), label="column")
        lines[n] = lines[n][:at] + draw(st.sampled_from(BAD_BYTES)) + lines[n][at:]
    elif action == "deep" and b": " in lines[n]:
        depth = draw(st.integers(1, 1200), label="depth")
        key = lines[n].split(b": ", 1)[0]
        lines[n] = key + b": " + b"[" * depth + b"]" * depth
    elif action == "anchor" and b": " in lines[n] and n + 1 < len(lines):
        # Name a value and reuse it further down (an alias to a valid part).
        key, value = lines[n].split(b": ", 1)
        lines[n] = key + b": &a " + value
        m = draw(st.integers(n + 1, len(lines) - 1), label="alias line")
        if b": " in lines[m]:
            lines[m] = lines[m].split(b": ", 1)[0] + b": *a"
    elif action == "bomb":
        width = draw(st.integers(2, 10), label="width")
        levels = draw(st.integers(1, 12), label="levels")
        bomb = [b"---", b"apiVersion: v1", b"kind: ConfigMap", b"metadata: {name: lol}",
                b"data:", b"  l0: &l0 [" + b", ".join([b"lol"] * width) + b"]"]
        bomb += [f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]".encode()
                 for i in range(1, levels + 1)]
        lines += bomb
    elif action == "recursive alias":
        lines += [b"---", b"apiVersion: v1", b"kind: ConfigMap",
                  b"metadata: &m {name: loop, labels: {self: *m}}"]
    elif action == "tag" and b": " in lines[n]:
        # An explicit tag, or a plain value PyYAML resolves to a type it does not fit.
        key, value = lines[n].split(b": ", 1)
        tag = draw(st.sampled_from([b"!!int ", b"!!float ", b"!!bool ", b"!!timestamp ",
                                    b"!!binary ", b"!!null ", b"!!str ", b"!!set ", b"!!map ",
                                    b"!!seq ", b"!custom ", b"2024-13-01 #"]), label="tag")
        lines[n] = key + b": " + tag + value
    elif action == "truncate":
        return b"\n".join(lines)[: draw(st.integers(0, len(text)), label="cut")]
    return b"\n".join(lines)


@st.composite
def malformed_yaml(draw: st.DrawFn, texts: tuple[str, ...]) -> bytes:
    """One of ``texts`` (valid YAML) with 0-3 data mutations and maybe a text mutation."""
    source = draw(st.sampled_from(texts), label="file")
    docs = [d for d in yaml.load_all(source, Loader=yaml.CSafeLoader) if d is not None]
    for _ in range(draw(st.integers(0, 3), label="data mutations")):
        _mutate_data(draw, docs)
    text = yaml.dump_all(docs, Dumper=yaml.CSafeDumper, sort_keys=False,
                         allow_unicode=True).encode()
    if draw(st.booleans(), label="text mutation"):
        text = _mutate_text(draw, text)
    return text
