"""Ingress path values, validated as the API server validates them.

kubernetes pkg/apis/networking/validation ``validateHTTPIngressPath``: a path "must be
an absolute path", and for pathType ``Exact`` and ``Prefix`` free of the sequences
``path_rules`` lists; for ``ImplementationSpecific`` the API server accepts those
(the audit's NV609 reports them).
"""

from __future__ import annotations

from netverify.loader.policies import FieldContext
from netverify.path_rules import unnormalised


def check_ingress_path(ctx: FieldContext, path: str, ptype: str, at: list[str | int]) -> None:
    """Raise the field error the API server gives for this Ingress path, if any."""
    if not path.startswith("/"):
        raise ctx.error([*at, "path"], f"path {path!r} must start with / (an absolute path)")
    if ptype == "ImplementationSpecific":
        return
    problem = unnormalised(path)
    if problem:
        raise ctx.error([*at, "path"], f"path {path!r} {problem} (pathType {ptype})",
                        hint="the API server rejects it; ImplementationSpecific accepts it")
