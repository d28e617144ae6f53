"""NV609: an ImplementationSpecific Ingress path the API server would reject as Exact/Prefix.

The API server accepts ``//``, ``/./``, ``/../``, ``%2f`` and a trailing ``/.`` or
``/..`` only under ``pathType: ImplementationSpecific`` (``netverify.path_rules``); the
loader rejects them for Exact and Prefix, as the API server does.
"""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.model import Cluster
from netverify.path_rules import unnormalised


@register
class UnnormalisedIngressPath(Rule):
    """ImplementationSpecific Ingress path with // or dot segments

    **Anti-pattern**

    A path with an empty or a dot segment, accepted only because its type is
    ImplementationSpecific::

        paths:
          - path: /static//assets
            pathType: ImplementationSpecific
            backend: {service: {name: cdn, port: {number: 80}}}

    **Why it hurts**

    The API server rejects these paths for ``Exact`` and ``Prefix`` ("must not contain
    '//'"), but not for ``ImplementationSpecific``, whose meaning is the controller's.
    Proxies normalise the request path before they match it (dot segments removed,
    ingress-nginx merges repeated slashes), so a request never carries ``//`` or ``/./``
    and the rule matches nothing, or something else on another controller.

    **Fix**

    Write the normalised path, and say how it matches::

        paths:
          - path: /static/assets
            pathType: Prefix
            backend: {service: {name: cdn, port: {number: 80}}}
    """

    code = "NV609"
    title = "ImplementationSpecific Ingress path with // or dot segments"
    severity = Severity.WARNING

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        for ing in cluster.ingresses:
            for route in ing.routes:
                for m in route.matches:
                    problem = unnormalised(m.path)
                    if m.path_type != "ImplementationSpecific" or problem is None:
                        continue
                    host = route.hosts[0] if route.hosts else "HOST"
                    yield self.finding(
                        f"path {m.path!r} {problem} for pathType Exact or Prefix and is "
                        "accepted only as ImplementationSpecific: proxies normalise request "
                        "paths (dot segments removed, ingress-nginx merges repeated slashes) "
                        "and differ on encoded slashes, so requests may never match it as "
                        "written",
                        f"Ingress {ing.key}", f"{route.field}.path", route.source,
                        example=f"GET http://{host}{m.path} -> routed as "
                                f"{_normal(m.path)}")


def _normal(path: str) -> str:
    """``path`` with repeated slashes merged and dot segments removed, as proxies see it."""
    out: list[str] = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    tail = "/" if path.endswith(("/", "/.", "/..")) and out else ""
    return "/" + "/".join(out) + tail
