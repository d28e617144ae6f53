"""Parse and resolve the endpoints users type: ``ns/name``, ``ns/k=v``, IPs and CIDRs.

Resolution order for ``NAMESPACE/NAME`` (documented in the README): a pod name,
else a workload name (the pods standing for it), else a value of the ``app``,
``app.kubernetes.io/name`` or ``k8s-app`` label.  Anything ambiguous or unknown is an error
listing close candidates, never a guess.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from dataclasses import dataclass

from netverify.engines.concrete import Evaluator, External
from netverify.errors import QueryError, SelectorError
from netverify.ipblocks import format_range
from netverify.model import Cluster, Pod
from netverify.ports import MAX_PORT, MIN_PORT, Protocol
from netverify.selectors import LabelSelector, parse_selector_string
from netverify.specs import URL_SCHEMES

# ``k8s-app`` too: cluster add-ons (kube-dns, metrics-server) are labelled with it.
APP_LABELS = ("app", "app.kubernetes.io/name", "k8s-app")

OUTSIDE = ("internet", "external")  # sources that stand for every address outside

_PORT_RE = re.compile(r"^(?P<port>[0-9]+|[a-z0-9]([-a-z0-9]*[a-z0-9])?)(/(?P<proto>[A-Za-z]+))?$")


@dataclass(frozen=True, slots=True)
class PortQuery:
    """A port as typed: a number or a name, with an optional protocol."""

    number: int | None
    name: str | None
    protocol: Protocol | None


@dataclass(frozen=True, slots=True)
class Resolved:
    """An endpoint resolved to pods or to external ranges (exactly one is non-empty)."""

    text: str
    pods: tuple[Pod, ...] = ()
    external: tuple[External, ...] = ()


def is_url(text: str) -> bool:
    """Whether a destination is a URL.

    ``can-reach`` then follows the request through Ingress and Gateway API routes instead
    of asking about pods.
    """
    return text.lower().startswith(URL_SCHEMES)


def asks_url(src: str, dst: str) -> bool:
    """Whether ``can-reach SRC DST`` is a question about a URL (``can_reach_url``).

    From ``internet`` (or ``external``) only a URL makes sense: a host name or a bare
    path there is a URL missing its scheme, never a pod.

    Raises:
        QueryError: from outside, for a destination that is not a URL.
    """
    if is_url(dst):
        return True
    if src.lower() in OUTSIDE and ("." in dst.split("/", 1)[0] or "/" not in dst):
        raise QueryError(f"{dst!r}: from {src}, the destination is a URL, e.g. "
                         f"https://{dst.removeprefix('//')}")
    return False


def parse_protocol(text: str) -> Protocol:
    """``tcp``/``TCP`` -> Protocol.TCP.

    Raises:
        QueryError: for anything but TCP, UDP or SCTP.
    """
    try:
        return Protocol(text.upper())
    except ValueError:
        raise QueryError(f"unknown protocol {text!r}", hint="TCP, UDP or SCTP") from None


def parse_port(text: str, protocol: str | None = None) -> PortQuery:
    """Parse ``5432``, ``5432/UDP`` or ``postgres``.

    Raises:
        QueryError: on a malformed or out-of-range port.
    """
    m = _PORT_RE.match(text)
    if not m:
        raise QueryError(f"{text!r} is not a port", hint="a number 1-65535 or a port name, "
                         "optionally followed by /TCP, /UDP or /SCTP")
    proto = parse_protocol(m.group("proto")) if m.group("proto") else None
    if protocol is not None:
        p2 = parse_protocol(protocol)
        if proto is not None and p2 is not proto:
            raise QueryError(f"protocol {p2.value} contradicts {text!r}")
        proto = p2
    p = m.group("port")
    if p.isdigit():
        n = int(p)
        if not MIN_PORT <= n <= MAX_PORT:
            raise QueryError(f"port {n} is out of range 1-65535")
        return PortQuery(n, None, proto)
    return PortQuery(None, p, proto)


def split_port(text: str) -> tuple[str, str | None]:
    """Split ``ns/name:port/proto`` (and ``[v6]:port``) into endpoint and port text."""
    if text.startswith("["):
        end = text.find("]")
        if end == -1:
            raise QueryError(f"{text!r}: missing ']' after an IPv6 address")
        rest = text[end + 1:]
        if rest and not rest.startswith(":"):
            raise QueryError(f"{text!r}: expected ':PORT' after ']'")
        return text[1:end], (rest[1:] or None) if rest else None
    if _is_ip_or_cidr(text):
        return text, None
    if ":" in text:
        head, _, tail = text.rpartition(":")
        if _is_ip_or_cidr(head) or "/" in head or re.fullmatch(r"[a-z0-9][-a-z0-9._]*", head,
                                                                 re.IGNORECASE):
            return head, tail
    return text, None


# A DNS name as the API types define DomainName (no wildcard here: the question names one
# host).  At least two labels: a bare word is a typo for NAMESPACE/NAME, not a host.
_HOST_RE = re.compile(r"^(?=.{1,253}\.?$)([a-z0-9]([-a-z0-9_]*[a-z0-9])?\.)+"
                      r"[a-z0-9]([-a-z0-9_]*[a-z0-9])?\.?$", re.IGNORECASE)
_CLUSTER_SUFFIXES = (".svc", ".svc.cluster.local", ".cluster.local")


def outside_host(cluster: Cluster, text: str) -> str | None:
    """The DNS name ``text`` names outside the cluster (lower case, no root dot), or None.

    Call it after ``find_service``: a name of the cluster's own DNS that named no Service
    is an error, never a host on the internet.

    Raises:
        QueryError: for a cluster DNS name (``db.backend``, ``*.svc.cluster.local``) that
            matches no Service of the manifests.
    """
    if "/" in text or _is_ip_or_cidr(text) or not _HOST_RE.match(text):
        return None
    host = text.lower().rstrip(".")
    parts = host.split(".")
    if host.endswith(_CLUSTER_SUFFIXES) or (len(parts) == 2 and parts[1] in cluster.namespaces):
        raise QueryError(f"{text!r} is a name of the cluster's DNS, but the manifests have no "
                         f"Service {parts[0]} in namespace {parts[1]}",
                         hint=f"name a pod as {parts[1]}/NAME, or a Service as "
                              f"svc/NAMESPACE/NAME")
    return host


def resolve_host(ev: Evaluator, host: str, addresses: str | None = None) -> Resolved:
    """A host outside the cluster as the addresses it may have.

    With ``addresses`` (an IP or CIDR the user says the name resolves to) only those;
    otherwise every address of both families, split where the policies draw lines, so that
    each range has one verdict: the name's own rules (``domainNames``) see the host, the
    rest of the policies the address.

    Raises:
        QueryError: when ``addresses`` is not an IP address or CIDR.
    """
    if addresses is not None:
        if not _is_ip_or_cidr(addresses):
            raise QueryError(f"{addresses!r} is not an IP address or CIDR",
                             hint="e.g. --resolves-to 203.0.113.7")
        net = ipaddress.ip_network(addresses, strict=False)
        spans = [(net.version, int(net.network_address), int(net.broadcast_address))]
    else:
        spans = [(4, 0, (1 << 32) - 1), (6, 0, (1 << 128) - 1)]
    return Resolved(host, external=tuple(
        External(f, a, b, f"{host} at {format_range(f, a, b)}", host=host)
        for f, lo, hi in spans for a, b in ev.split(f, lo, hi)))


def qualify(text: str, namespace: str | None) -> str:
    """``text`` with ``namespace`` put before a bare name (``web:80`` -> ``NS/web:80``).

    Like kubectl's ``-n``: a name without a namespace means one in ``namespace``;
    ``svc/NAME`` means ``svc/NAMESPACE/NAME``.  Everything else is left as it is: names
    with a namespace, addresses and CIDRs, ``internet``, URLs and DNS names (they hold
    a dot, and say their own namespace: ``api.backend``).
    """
    if namespace is None or "://" in text or text in OUTSIDE or _is_ip_or_cidr(text):
        return text
    if text.startswith("svc/") and text.count("/") == 1:
        return f"svc/{namespace}/{text[4:]}"
    head = text.split(":", 1)[0]
    if not head or "/" in head or "." in head or _is_ip_or_cidr(head):
        return text
    return f"{namespace}/{text}"


def _is_ip_or_cidr(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
        return True
    except ValueError:
        return False


def resolve(cluster: Cluster, ev: Evaluator, text: str) -> Resolved:
    """Resolve one endpoint (without port) to pods or external ranges.

    Raises:
        QueryError: for unknown, ambiguous or malformed endpoints.
    """
    if _is_ip_or_cidr(text):
        net = ipaddress.ip_network(text, strict=False)
        lo, hi = int(net.network_address), int(net.broadcast_address)
        ranges = ev.split(net.version, lo, hi)
        return Resolved(text, external=tuple(
            External(net.version, a, b, format_range(net.version, a, b)) for a, b in ranges))
    if "/" not in text:
        hint = "write NAMESPACE/NAME, NAMESPACE/key=value or an IP address or CIDR"
        cands = sorted({p.namespace for p in cluster.pods if _simple_match(text, p)})
        if cands:
            hint = f"did you mean {', '.join(f'{ns}/{text}' for ns in cands[:5])}?"
        raise QueryError(f"endpoint {text!r} has no namespace", hint=hint)
    ns, _, name = text.partition("/")
    if ns not in cluster.namespaces:
        close = difflib.get_close_matches(ns, list(cluster.namespaces), n=5)
        known = close or list(cluster.namespaces)[:10]
        raise QueryError(f"unknown namespace {ns!r} in {text!r}",
                         hint=f"known namespaces: {', '.join(known)}" if known else None)
    in_ns = [p for p in cluster.pods if p.namespace == ns]
    if not name:
        raise QueryError(f"endpoint {text!r} names no pod",
                         hint="use NAMESPACE/NAME or NAMESPACE/key=value")
    if "=" in name or name.startswith("!"):
        try:
            sel = parse_selector_string(name)
        except SelectorError as e:
            raise QueryError(e.message) from None
        pods = tuple(p for p in in_ns if sel.matches(p.labels))
        if not pods:
            raise QueryError(f"selector {name!r} matches no pod in namespace {ns}",
                             hint=_label_hint(in_ns, sel))
        return Resolved(text, pods=pods)
    exact = [p for p in in_ns if p.name == name]
    if exact:
        return Resolved(text, pods=tuple(exact))
    by_workload = [p for p in in_ns if p.workload == name]
    if by_workload:
        return Resolved(text, pods=tuple(by_workload))
    by_app = [p for p in in_ns if any(p.labels.get(k) == name for k in APP_LABELS)]
    groups = sorted({p.group for p in by_app})
    if len(groups) == 1:
        return Resolved(text, pods=tuple(by_app))
    if len(groups) > 1:
        raise QueryError(
            f"{text!r} is ambiguous: the app label {name!r} is on {len(groups)} workloads "
            f"({', '.join(groups[:6])})",
            hint=f"name one of them, or use {ns}/app={name} for all of them")
    raise _no_such_pod(cluster, ns, name, in_ns)


def _no_such_pod(cluster: Cluster, ns: str, name: str, in_ns: list[Pod]) -> QueryError:
    """The error for a name no pod, workload or app label of ``ns`` has, with near misses."""
    names = sorted({p.name for p in in_ns} | {p.workload for p in in_ns if p.workload} | {
        p.labels[k] for p in in_ns for k in APP_LABELS if k in p.labels})
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
    elsewhere = sorted({p.namespace for p in cluster.pods if _simple_match(name, p)})
    hint_parts = []
    if close:
        hint_parts.append(f"close matches in {ns}: {', '.join(close)}")
    if elsewhere:
        hint_parts.append(f"{name!r} exists in {', '.join(f'{n}/{name}' for n in elsewhere[:5])}")
    if not hint_parts and names:
        hint_parts.append(f"pods in {ns}: {', '.join(names[:10])}")
    if not names:
        hint_parts.append(f"namespace {ns} has no pods")
    return QueryError(f"no pod, workload or app label named {name!r} in namespace {ns}",
                      hint="; ".join(hint_parts) or None)


def _simple_match(name: str, p: Pod) -> bool:
    return p.name == name or p.workload == name or any(p.labels.get(k) == name
                                                       for k in APP_LABELS)


def _label_hint(pods: list[Pod], sel: LabelSelector) -> str | None:
    keys = sel.keys()
    vals = sorted({f"{k}={p.labels[k]}" for p in pods for k in keys if k in p.labels})
    if vals:
        return f"values present: {', '.join(vals[:10])}"
    return None
