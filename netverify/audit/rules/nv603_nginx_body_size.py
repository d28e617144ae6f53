"""NV603: Ingresses for ingress-nginx (or NGINX Inc's controller) without a body size limit."""

from __future__ import annotations

from collections.abc import Iterator

from netverify import routing
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.model import Cluster, Ingress

COMMUNITY_PREFIX = "nginx.ingress.kubernetes.io/"  # kubernetes/ingress-nginx
COMMUNITY_BODY_SIZE = COMMUNITY_PREFIX + "proxy-body-size"
NGINX_INC_PREFIX = "nginx.org/"  # NGINX Inc's controller: same class name, other annotations
NGINX_INC_BODY_SIZE = NGINX_INC_PREFIX + "client-max-body-size"


def _body_size_annotation(cluster: Cluster, ing: Ingress) -> str | None:
    """The annotation that sets the body limit for this Ingress's nginx, or None if not nginx.

    The class is the effective one: an Ingress without ``ingressClassName`` gets the
    default IngressClass, and an IngressClass naming ingress-nginx's controller counts.
    """
    keys = list(ing.annotations)
    if any(k.startswith(NGINX_INC_PREFIX) for k in keys):
        return NGINX_INC_BODY_SIZE
    cls = routing.effective_ingress_class(cluster, ing)
    controller = next((c.controller for c in cluster.ingress_classes if c.name == cls), None)
    if cls == "nginx" or controller == "k8s.io/ingress-nginx" or any(
            k.startswith(COMMUNITY_PREFIX) for k in keys):
        return COMMUNITY_BODY_SIZE
    return None


@register
class NginxBodySize(Rule):
    """ingress-nginx Ingress without a request body size limit

    **Anti-pattern**

    An Ingress for ingress-nginx without ``proxy-body-size``::

        kind: Ingress
        spec:
          ingressClassName: nginx
          rules: [...]

    **Why it hurts**

    nginx accepts request bodies up to 1 MB by default (``client_max_body_size``).
    Uploads, large JSON requests and form posts above that are refused by the controller
    with "413 Request Entity Too Large" before they reach the application, typically
    found in production on the first large upload.

    **Fix**

    Set the limit the application needs (``0`` disables the check), per Ingress::

        metadata:
          annotations:
            nginx.ingress.kubernetes.io/proxy-body-size: 50m

    (NGINX Inc's controller, recognised by its ``nginx.org/`` annotations, uses
    ``nginx.org/client-max-body-size``.) If the controller's ConfigMap sets
    ``proxy-body-size`` for every Ingress, silence this rule with the annotation
    ``netverify.io/ignore: NV603`` on the namespace.
    """

    code = "NV603"
    title = "ingress-nginx Ingress without a request body size limit"
    severity = Severity.INFO

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        for ing in cluster.ingresses:
            wanted = _body_size_annotation(cluster, ing)
            if wanted is None or wanted in ing.annotations:
                continue
            host = next((r.hosts[0] for r in ing.routes if r.hosts), "HOST")
            yield self.finding(
                f"no {wanted} annotation: nginx refuses request bodies over 1 MB with 413",
                f"Ingress {ing.key}", "metadata.annotations", ing.source,
                example=f"POST http://{host}/ with a 2 MB body -> 413 Request Entity Too Large")
