"""NV606: route backends of a kind other than Service, which netverify cannot follow."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.audit.ingresses import backends
from netverify.audit.registry import Finding, Rule, Severity, register
from netverify.model import Cluster


@register
class UncheckedBackendKind(Rule):
    """Route backend of a kind other than Service, which netverify does not check

    **Anti-pattern**

    A backend that is not a Service: an Ingress ``resource`` backend (a storage bucket)
    or an HTTPRoute ``backendRef`` of another kind::

        backendRefs:
          - {group: example.io, kind: Bucket, name: assets}

    **Why it hurts**

    Nothing is wrong in itself, but netverify cannot tell whether the object exists,
    whether the controller supports that kind, or where the traffic goes: requests sent
    there are outside the report, and an unsupported kind makes the controller answer
    500 for them.

    **Fix**

    Check the backend by hand against the controller's documentation. When the kind is
    intended and supported, silence this rule on the object with the annotation
    ``netverify.io/ignore: NV606``.
    """

    code = "NV606"
    title = "Route backend of a kind other than Service, which netverify does not check"
    severity = Severity.INFO

    def check(self, cluster: Cluster) -> Iterator[Finding]:
        for obj, _, b in backends(cluster):
            if b.kind == "Service":
                continue
            yield self.finding(
                f"backend {b.kind} {b.namespace}/{b.name} is not a Service: not checked",
                obj, b.field, b.source)
