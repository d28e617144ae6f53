"""NV601: hosts an Ingress or a Gateway serves over plain HTTP.

An Ingress host is judged across every Ingress of the same class, as the controller
merges them per host (``routing.tls_secret_for``, the answer ``can-reach`` gives): a
``tls`` entry for the host in any of them serves it over HTTPS.  A Gateway's HTTP
listener is covered only by an HTTPS listener (which terminates TLS) of the same
Gateway; a TLS listener passes TLS through to TLSRoutes and carries no HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from netverify import routing
from netverify.audit.ingresses import class_text, ingress_groups
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


def _uncovered(ing: Ingress, group: list[Ingress]
               ) -> Iterator[tuple[str, str, SourceRef | None]]:
    """(host, field path, source) of each host of ``ing`` no Ingress of ``group`` has TLS for."""
    # A tls entry without hosts gets the controller's default certificate for every
    # host of the Ingress: it covers them all (possibly with the wrong certificate,
    # which is a different problem).
    if any(not t.hosts for t in ing.tls):
        return
    seen: set[str] = set()
    for route in ing.routes:
        rule = _RULE.match(route.field)
        if route.hosts:
            host, path = route.hosts[0], f"{rule.group(0) if rule else route.field}.host"
            if routing.tls_secret_for(group, host) is not None:
                continue
        elif ing.tls:
            continue  # a host-less rule answers on the TLS hosts too
        else:
            host, path = "*", rule.group(0) if rule else route.field
        if host in seen:
            continue
        seen.add(host)
        yield host, path, route.source  # the rule's first path: the line nearest the host


def _plain_listeners(gw: Gateway) -> Iterator[tuple[int, str]]:
    """(index, hostname) of HTTP listeners with no HTTPS listener for the same hostname.

    Only HTTPS listeners serve HTTP over TLS: a ``TLS`` listener (Passthrough or
    Terminate) takes TLSRoutes and TCP traffic, so it does not give an HTTP host TLS.
    """
    https = [lst.hostname for lst in gw.listeners if lst.protocol == "HTTPS" and lst.tls]
    for i, lst in enumerate(gw.listeners):
        if lst.protocol != "HTTP":
            continue
        host = lst.hostname
        if not any(_listener_covers(t, host) for t in https):
            yield i, host or "*"


def _listener_covers(tls_host: str | None, host: str | None) -> bool:
    """Whether an HTTPS listener's hostname accepts every request an HTTP listener's does.

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

    An Ingress host for which no Ingress of the same class has a ``tls`` entry, or a
    Gateway HTTP listener with no HTTPS listener for its hostname::

        kind: Ingress
        spec:
          rules:
            - host: app.example.com
              http: {paths: [{path: /, pathType: Prefix, backend: ...}]}

    **Why it hurts**

    Requests, cookies and passwords cross the internet in clear text, and anyone on the
    path can read or change them. The controller serves such a host on port 80 only (or
    with its default, untrusted certificate on 443).

    Controllers such as ingress-nginx merge the Ingresses of their class per host, so a
    host is judged across all of them: a second Ingress adding ``/api`` to a host that
    another Ingress of the class serves with TLS is served over HTTPS too. A ``TLS``
    listener of a Gateway does not count: it passes TLS through to TLSRoutes and
    carries no HTTP.

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

    For a Gateway, add an HTTPS listener (``tls.mode: Terminate``) for the hostname and
    keep the HTTP listener only to redirect.
    """

    code = "NV601"
    title = "Ingress or Gateway serving a host without TLS"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        for cls, group in ingress_groups(cluster).items():
            for ing in group:
                if any(a in ing.annotations for a in CLOUD_TLS_ANNOTATIONS):
                    continue
                for host, path, source in _uncovered(ing, group):
                    yield self._ingress_finding(ing, cls, len(group), host, path, source)
        for gw in cluster.gateways:
            for i, host in _plain_listeners(gw):
                what = "every hostname" if host == "*" else f"hostname {host}"
                yield self.finding(
                    f"HTTP listener {gw.listeners[i].name} serves {what} over plain HTTP and "
                    "no HTTPS listener of the Gateway covers it",
                    f"Gateway {gw.key}", f"spec.listeners[{i}]", gw.source,
                    example=f"203.0.113.7 -> http://{'HOST' if host == '*' else host}:"
                            f"{gw.listeners[i].port}/ (clear text)")

    def _ingress_finding(self, ing: Ingress, cls: str | None, size: int, host: str,
                         path: str, source: SourceRef | None) -> Finding:
        what = "every host" if host == "*" else f"host {host}"
        if ing.tls:
            why = ("no tls entry covers it (TLS hosts: "
                   f"{', '.join(h for t in ing.tls for h in t.hosts)})")
        else:
            why = "it has no tls section"
        if host != "*" and size > 1:
            why += f", and no other Ingress {class_text(cls)} has a tls entry for it"
        return self.finding(
            f"{what} is served over plain HTTP: {why}",
            f"Ingress {ing.key}", path, source or ing.source,
            example=f"203.0.113.7 -> http://{'HOST' if host == '*' else host}/ (clear text)")
