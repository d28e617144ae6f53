"""How a hop of an end-to-end path reads: the one wording of every ``HopReason``.

``queries/paths.py`` returns each hop as a status and a ``Reason`` (a code and its facts:
the Service, the ports, the pods, the Ingress); the paths renderers (text, Markdown,
JSON) and the audit's NV608 finding word it here, so they say the same thing.  It sits
beside ``results`` and imports nothing above it.
"""

from __future__ import annotations

from collections.abc import Callable

from netverify.policy_kinds import objects_text
from netverify.results import BackendPath, Hop, HopReason, PortSource, ProxyPort, Reason

IDLE = " (weight 0: no traffic)"


def port_text(p: ProxyPort) -> str:
    """``Service shop/web 443 -> https (8443)``: how the proxy receives the request."""
    if p.source is PortSource.SERVICE:
        if p.target_name is None:
            return f"Service {p.service} {p.service_port} -> {p.number}"
        return f"Service {p.service} {p.service_port} -> {p.target_name} ({p.number})"
    if p.source is PortSource.CONTAINER:
        return f"container port {p.number}"
    if p.source is PortSource.LISTENER:
        return f"listener port {p.number}"
    return f"port {p.number}"


def _via(r: Reason) -> ProxyPort:
    if r.via is None:
        raise ValueError(f"{r.code} needs the port the proxy receives")
    return r.via


def _admitted(r: Reason) -> str:
    via = _via(r)
    head = f"TCP {via.number} ({port_text(via)}) admitted"
    if not r.admitted_from:
        return head
    more = ", ..." if len(r.admitted_from) > 4 else ""
    return f"{head} only from {', '.join(r.admitted_from[:4])}{more}"


def _port_not_known(r: Reason) -> str:
    n = _via(r).number
    return (f"no Service in the input selects {r.proxy}'s pods and they declare no container "
            f"port {n}: whether anything receives TCP {n} is not known; NetworkPolicy: "
            f"{_admitted(r)}")


def _no_service_port(r: Reason) -> str:
    listed = "; ".join(f"Service {svc}: " + (", ".join(map(str, ports)) or "no TCP port")
                       for svc, ports in r.exposed)
    return (f"no Service port {_via(r).number} on the controller ({listed}): the connection "
            "is refused or times out")


def _other(r: Reason) -> str:
    if not r.other:
        return ""
    return (f" (tls entry of Ingress {r.other}: ingress-nginx serves one server per host for "
            "all the Ingresses of its class)")


def _missing(r: Reason) -> str:
    return f"no container port named {r.name!r} on {', '.join(r.missing)}"


def _unreachable(r: Reason) -> str:
    why = []
    if r.blocked:
        why.append(f"NetworkPolicy blocks the proxy from {', '.join(r.blocked)} (requests "
                   "routed there fail with 502/504)")
    if r.missing:
        why.append(_missing(r))
    return f"{r.reachable}/{r.endpoints} endpoint(s) reachable: " + "; ".join(why)


def _group(group: str) -> str:
    return f"group {group}" if group else "the core group"


def _ref_not_permitted(r: Reason) -> str:
    head = f"backendRef to {r.kind or 'Service'} {r.service} in another namespace and "
    if r.grants:
        refused = "; ".join(f"{name}: {why}" for name, why in r.grants)
        head += f"no ReferenceGrant in {r.namespace} permits it ({refused})"
    else:
        head += f"no ReferenceGrant in {r.namespace}"
    return (f"{head}: the route's ResolvedRefs condition is False (RefNotPermitted) and "
            f"requests for this backend get {r.http_status}")


def _certificate_refused(r: Reason) -> str:
    refused = "; ".join(f"{name}: {why}" for name, why in r.grants)
    grants = f" ({refused})" if refused else ""
    head = (f"listener {r.name}'s certificateRef to Secret {r.obj} in another namespace and "
            f"no ReferenceGrant in {r.namespace} permits it{grants}: the listener's "
            "ResolvedRefs condition is False (RefNotPermitted)")
    if r.blocked:
        return (f"{head}; its other certificateRefs ({', '.join(r.blocked)}) are permitted, "
                "and whether it serves with them is up to the implementation")
    return f"{head} and it is not programmed: it completes no TLS handshake"


def _no_service(r: Reason) -> str:
    if r.http_status == 500:
        return (f"Service {r.service} does not exist in the input: the route's ResolvedRefs "
                "condition is False (BackendNotFound) and requests for this backend get 500")
    return f"Service {r.service} does not exist in the input (the proxy answers {r.http_status})"


_WORDS: dict[HopReason, Callable[[Reason], str]] = {
    HopReason.ADMITTED: _admitted,
    HopReason.NO_SOURCE_ADMITTED: lambda r: (
        f"NetworkPolicy admits no source address on TCP {_via(r).number} "
        f"({port_text(_via(r))})"),
    HopReason.NO_SERVICE_PORT: _no_service_port,
    HopReason.PORT_NOT_KNOWN: _port_not_known,
    HopReason.NO_PROXY_PODS: lambda r: "the pods serving this entry point are not in the input",
    HopReason.CLIENT_ADDRESS_SNAT: lambda r: (
        f"externalTrafficPolicy Cluster on Service {r.service}: the pods see a node address, "
        f"not the client's ({r.why}), and the input does not give the nodes' addresses; "
        f"NetworkPolicy: {_admitted(r)}"),
    HopReason.CERTIFICATE: lambda r: (
        f"certificate from Secret {r.name or '(default)'}{_other(r)}"),
    HopReason.REDIRECT_TO_HTTPS: lambda r: (
        "plain HTTP; an Ingress has TLS for this host, so controllers such as ingress-nginx "
        f"redirect to https{_other(r)}"),
    HopReason.NO_TLS_ENTRY: lambda r: (
        f"no tls entry of {r.obj} or of another Ingress of its controller covers {r.host}: "
        "the controller answers with its default certificate, which clients reject"),
    HopReason.TLS_NOT_KNOWN: lambda r: (
        f"no tls entry of {r.obj} covers {r.host}; the controller is not identified, and "
        "some take certificates from annotations or their own settings"),
    HopReason.LISTENER_TLS: lambda r: f"listener {r.name} terminates TLS",
    HopReason.CERTIFICATE_REF_NOT_PERMITTED: _certificate_refused,
    HopReason.MISDIRECTED: lambda r: (
        f"misdirected request: the TLS server name {r.sni} selected listener {r.name}, and "
        f"Host {r.host} belongs to listener {r.other} ({r.why}): the Gateway answers "
        f"{r.http_status} (Misdirected Request)"),
    HopReason.REDIRECT: lambda r: (
        f"the proxy answers the request itself ({r.field})"
        + (f": {r.http_status}, Location: {r.location}" if r.location else "")
        + "; no backend is contacted"),
    HopReason.NO_BACKENDS: lambda r: (
        f"the rule has no backends (the proxy answers {r.http_status})"),
    HopReason.ALL_WEIGHT_ZERO: lambda r: (
        "every backend has weight 0: no traffic is forwarded (implementations answer 500 or "
        "503)"),
    HopReason.BACKEND_KIND: lambda r: f"backend kind {r.kind} is not followed",
    HopReason.INVALID_KIND: lambda r: (
        f"backend kind {r.kind} ({_group(r.group)}) is not a Service: the route's "
        f"ResolvedRefs condition is False (InvalidKind) and requests for this backend get "
        f"{r.http_status}; an implementation that supports this kind would forward them "
        "(declare it with --backend-kind GROUP/KIND)"),
    HopReason.REF_NOT_PERMITTED: _ref_not_permitted,
    HopReason.NO_SERVICE: _no_service,
    HopReason.EXTERNAL_NAME: lambda r: (
        f"Service {r.service} is ExternalName: the proxy connects to "
        f"{r.name or 'its DNS name'} itself, outside the endpoints netverify checks"),
    HopReason.SERVICE_PORT: lambda r: r.why or f"Service {r.service} cannot be resolved",
    HopReason.NO_SELECTOR: lambda r: (
        f"Service {r.service} has no selector and its endpoints are not in the input: "
        + (f"its EndpointSlices name hosts ({r.why}), which the proxy resolves itself"
           if r.why else f"no EndpointSlice labelled kubernetes.io/service-name="
           f"{r.service.partition('/')[2]} in its namespace")
        + ", so NetworkPolicy to them is not checked"),
    HopReason.NO_ENDPOINTS: lambda r: (
        (r.why or f"Service {r.service} has no endpoints")
        + (f" (the proxy answers {r.http_status})" if r.http_status else "")),
    HopReason.PROXY_NOT_KNOWN: lambda r: (
        f"{r.endpoints} endpoint(s); the proxy pods are unknown, so NetworkPolicy is not "
        "checked"),
    HopReason.ENDPOINTS_ADMIT: lambda r: (
        f"{r.endpoints}/{r.endpoints} endpoint(s) admit the proxy on TCP {r.target}"),
    HopReason.ENDPOINTS_UNREACHABLE: _unreachable,
    HopReason.LEFT_TO_IMPLEMENTATION: lambda r: (
        f"cluster-wide policies leave the connection to {', '.join(r.blocked)} to the "
        "implementation (policies tied at one priority, or both API versions side by side)"
        + (f"; {r.reachable} of {r.endpoints} endpoint(s) admit it for sure"
           if r.endpoints else "")),
    HopReason.MISSING_PORT_NAME: _missing,
    HopReason.EXPOSED: lambda r: (
        f"{r.name} of Service {r.service} accepts {r.host}:{r.target}"
        + (f" from {_ranges(r)} only (loadBalancerSourceRanges)" if r.admitted_from else "")),
    HopReason.SOURCE_RANGES: lambda r: (
        f"loadBalancerSourceRanges of Service {r.service} admit only {_ranges(r)}, none of "
        "the clients asked about"),
    HopReason.LB_ADDRESS_NOT_KNOWN: lambda r: (
        f"Service {r.service} has no status.loadBalancer.ingress (nor loadBalancerIP): "
        "whether a load balancer was provisioned, and at which address, is not in the "
        "input (read a live cluster with --from-cluster)"),
    HopReason.HOST_NOT_KNOWN: lambda r: (
        f"{r.host} may or may not resolve to {r.name} of Service {r.service} "
        + (f"({r.other})" if r.other else "(its address is not in the input)")
        + ": give the address with --resolves-to, or the URL by address"),
    HopReason.NODE_ADDRESS_NOT_KNOWN: lambda r: (
        f"nodePort {r.target} of Service {r.service} is open on every node, but no Node in "
        "the input has an ExternalIP address: whether the nodes are reachable from outside "
        "is not known"),
    HopReason.NODE_PORT_NOT_KNOWN: lambda r: (
        f"Service {r.service} port {r.target} has no nodePort in the input (allocated when "
        "the Service is created): which node port serves it is not known"),
    HopReason.ENDPOINTS_ADMIT_CLIENTS: lambda r: (
        f"{r.endpoints}/{r.endpoints} endpoint(s) of Service {r.service} admit the clients "
        f"on TCP {r.target}"
        + (f" (from {_ranges(r)} only)" if r.admitted_from else "")),
    HopReason.ENDPOINTS_DENY_CLIENTS: lambda r: (
        f"{r.reachable}/{r.endpoints} endpoint(s) of Service {r.service} reachable: "
        f"NetworkPolicy denies the clients on {', '.join(r.blocked)}"
        + (f"; {_missing(r)}" if r.missing else "")),
    HopReason.NOT_FOLLOWED: lambda r: (
        f"{r.name} ({r.field}) {r.why}: not evaluated by netverify, so whether the request "
        "gets through is not known"),
    HopReason.CLIENT_SNAT: lambda r: (
        f"externalTrafficPolicy Cluster: the endpoints {', '.join(r.blocked)} may see a node "
        "address instead of the client's (kube-proxy masquerades traffic it forwards to "
        "another node), and NetworkPolicy admits one but not the other; "
        "externalTrafficPolicy Local keeps the client address"),
}


def _ranges(r: Reason) -> str:
    more = ", ..." if len(r.admitted_from) > 4 else ""
    return ", ".join(r.admitted_from[:4]) + more


def reason_text(r: Reason) -> str:
    """The reason in words, with the weight-0 remark of an idle backend."""
    return _WORDS[r.code](r) + (IDLE if r.idle else "")


def hop_detail(h: Hop) -> str:
    """What the hop's line says after its step; the objects not evaluated when they count."""
    text = reason_text(h.reason)
    if h.coverage.complete:
        return text
    return f"{text}; not decided: {objects_text(h.coverage)} not evaluated"


def backend_problem(b: BackendPath) -> str | None:
    """Why a backend does not deliver (missing Service, port, endpoints, ...), if it does not."""
    return None if b.problem is None else reason_text(b.problem)
