"""NV601."""

from __future__ import annotations

import re
from collections.abc import Iterator

from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.model import Cluster, Gateway, Ingress
from netverify.source import SourceRef

# Annotations with which a cloud load balancer terminates TLS without ``spec.tls``.
CLOUD_TLS_ANNOTATIONS = (
    "alb.ingress.kubernetes.io/certificate-arn",  # AWS Load Balancer Controller
    "ingress.gcp.kubernetes.io/pre-shared-cert",  # GKE
    "networking.gke.io/managed-certificates",  # GKE
    "appgw.ingress.kubernetes.io/appgw-ssl-certificate",  # Azure Application Gateway
)
_RULE = re.compile(r"^spec\.rules\[\d+\]")


def certificate_covers(cert_host: str, host: str) -> bool:
    """Whether a certificate for ``cert_host`` serves ``host``.

    A wildcard covers exactly one label (RFC 6125 6.4.3, as TLS clients check it):
    ``*.example.com`` covers ``app.example.com``, not ``example.com`` nor
    ``a.b.example.com``.  A wildcard rule host is covered only by the same wildcard.
    """
    if cert_host == host:
        return True
    if not cert_host.startswith("*.") or host.startswith("*."):
        return False
    head, _, rest = host.partition(".")
    return bool(head) and rest == cert_host[2:]


def _uncovered(ing: Ingress) -> Iterator[tuple[str, str, SourceRef | None]]:
    """(host, field path, source) of each host the Ingress serves without TLS for it."""
    # A tls entry without hosts gets the controller's default certificate for every
    # host of the Ingress: it covers them all (possibly with the wrong certificate,
    # which is a different problem).
    if any(not t.hosts for t in ing.tls):
        return
    tls_hosts = [h for t in ing.tls for h in t.hosts]
    seen: set[str] = set()
    for route in ing.routes:
        rule = _RULE.match(route.field)
        if route.hosts:
            host, path = route.hosts[0], f"{rule.group(0) if rule else route.field}.host"
        elif ing.tls:
            continue  # a host-less rule answers on the TLS hosts too
        else:
            host, path = "*", rule.group(0) if rule else route.field
        if host in seen:
            continue
        seen.add(host)
        if not any(certificate_covers(t, host) for t in tls_hosts):
            yield host, path, route.source  # the rule's first path: the line nearest the host


def _plain_listeners(gw: Gateway) -> Iterator[tuple[int, str]]:
    """(index, hostname) of HTTP listeners with no TLS listener for the same hostname."""
    tls = [lst.hostname for lst in gw.listeners if lst.tls]
    for i, lst in enumerate(gw.listeners):
        if lst.protocol != "HTTP":
            continue
        host = lst.hostname
        if not any(_listener_covers(t, host) for t in tls):
            yield i, host or "*"


def _listener_covers(tls_host: str | None, host: str | None) -> bool:
    """Whether a TLS listener's hostname accepts every request an HTTP listener's does.

    Gateway API listener wildcards match one or more labels (a suffix match).
    """
    if tls_host is None or tls_host == host:
        return True
    if host is None or not tls_host.startswith("*."):
        return False
    return host.endswith(tls_host[1:])


@register
class PlainHttpIngress(Rule):
    """Ingress or Gateway serving a host without TLS

    **Anti-pattern**

    An Ingress with hosts and no ``tls`` section (or one that covers only some hosts),
    or a Gateway with only an HTTP listener::

        kind: Ingress
        spec:
          rules:
            - host: app.example.com
              http: {paths: [{path: /, pathType: Prefix, backend: ...}]}

    **Why it hurts**

    Requests, cookies and passwords cross the internet in clear text, and anyone on the
    path can read or change them. The controller serves such a host on port 80 only (or
    with its default, untrusted certificate on 443).

    **Fix**

    Add a ``tls`` entry whose hosts cover every rule host (a wildcard covers one label:
    ``*.example.com`` covers ``app.example.com`` but not ``example.com``), with a
    certificate from cert-manager, for example::

        metadata:
          annotations: {cert-manager.io/cluster-issuer: letsencrypt-prod}
        spec:
          tls:
            - hosts: [app.example.com]
              secretName: app-tls

    For a Gateway, add an HTTPS listener for the hostname and keep the HTTP listener only
    to redirect.
    """

    code = "NV601"
    title = "Ingress or Gateway serving a host without TLS"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        for ing in cluster.ingresses:
            if any(a in ing.annotations for a in CLOUD_TLS_ANNOTATIONS):
                continue
            for host, path, source in _uncovered(ing):
                what = "every host" if host == "*" else f"host {host}"
                why = ("it has no tls section" if not ing.tls else
                       "no tls entry covers it (TLS hosts: "
                       f"{', '.join(h for t in ing.tls for h in t.hosts)})")
                yield self.finding(
                    f"{what} is served over plain HTTP: {why}",
                    f"Ingress {ing.key}", path, source or ing.source,
                    example=f"203.0.113.7 -> http://{'HOST' if host == '*' else host}/ "
                            "(clear text)")
        for gw in cluster.gateways:
            for i, host in _plain_listeners(gw):
                what = "every hostname" if host == "*" else f"hostname {host}"
                yield self.finding(
                    f"HTTP listener {gw.listeners[i].name} serves {what} over plain HTTP and "
                    "no HTTPS or TLS listener covers it",
                    f"Gateway {gw.key}", f"spec.listeners[{i}]", gw.source,
                    example=f"203.0.113.7 -> http://{'HOST' if host == '*' else host}:"
                            f"{gw.listeners[i].port}/ (clear text)")
