"""The path values the Ingress API server rejects for pathType Exact and Prefix.

kubernetes pkg/apis/networking/validation ``validateHTTPIngressPath``: such a path "must
not contain" any of ``//``, ``/./``, ``/../``, ``%2f``, ``%2F`` and "cannot end with"
``/..`` or ``/.``.  For ``ImplementationSpecific`` the API server only asks for an
absolute path.  Used by the loader (an input error) and the audit (NV609).
"""

from __future__ import annotations

INVALID_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
INVALID_SUFFIXES = ("/..", "/.")


def unnormalised(path: str) -> str | None:
    """What the API server would reject in an Exact or Prefix ``path``, or None."""
    for seq in INVALID_SEQUENCES:
        if seq in path:
            return f"must not contain {seq!r}"
    for suffix in INVALID_SUFFIXES:
        if path.endswith(suffix):
            return f"cannot end with {suffix!r}"
    return None
