"""What HTTPRoute filters do to a request: a redirect's ``Location``, a rewrite's request.

Gateway API, ``apis/v1/httproute_types.go``:

- HTTPRequestRedirectFilter.  Scheme: "When empty, the scheme of the request is used."
  Hostname: "When empty, the hostname in the ``Host`` header of the request is used."
  Path: "When empty, the request path is used as-is."  Port: "If no port is specified,
  the redirect port MUST be derived using the following rules: If redirect scheme is
  not-empty, the redirect port MUST be the well-known port associated with the redirect
  scheme. Specifically "http" to port 80 and "https" to port 443. ... If redirect scheme
  is empty, the redirect port MUST be the Gateway Listener port."  "Implementations
  SHOULD NOT add the port number in the 'Location' header in the following cases: A
  Location header that will use HTTP ... and use port 80.  A Location header that will
  use HTTPS ... and use port 443."  StatusCode: 302 by default.
- HTTPURLRewriteFilter.  Hostname: "the value to be used to replace the Host header value
  during forwarding"; Path: "a path rewrite".
- HTTPPathModifier.  ``ReplaceFullPath`` replaces the whole path; ``ReplacePrefixMatch``
  the matched prefix, by whole path elements with a trailing ``/`` ignored (the table of
  the field's documentation: ``/foo/bar`` with prefix ``/foo`` and ``/xyz/`` is
  ``/xyz/bar``; ``/foo`` with ``""`` or ``/`` is ``/``; ``/foo/`` with ``/xyz`` is ``/xyz/``).

The query string is kept as the request had it (the API says nothing of it; proxies keep
it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from netverify.model import PathMatch, PathModifier, RedirectSpec, RewriteSpec
from netverify.routing import Request

WELL_KNOWN = {"http": 80, "https": 443}


def modify_path(mod: PathModifier, match: PathMatch | None, path: str) -> str:
    """The path after ``mod``, ``match`` being the rule's (PathPrefix) match for prefixes."""
    if mod.type == "ReplaceFullPath":
        return mod.value
    prefix = (match.path if match is not None else "/").rstrip("/")
    rest = path[len(prefix):] if path.startswith(prefix) else path
    return (mod.value.rstrip("/") + rest) or "/"


@dataclass(frozen=True, slots=True, kw_only=True)
class Redirect:
    """A redirect response: its status and the ``Location`` it carries."""

    status: int
    location: str
    request: Request  # the request a client following it sends (GET for 301/302/303)


def redirect(spec: RedirectSpec, req: Request, match: PathMatch | None,
             listener_port: int) -> Redirect:
    """The redirect ``spec`` answers ``req`` with (``listener_port``: where it came in)."""
    scheme = spec.scheme or req.scheme
    if spec.port is not None:
        port = spec.port
    elif spec.scheme is not None:
        port = WELL_KNOWN[spec.scheme]
    else:
        port = listener_port
    host = spec.hostname or req.host
    path = req.path if spec.path is None else modify_path(spec.path, match, req.path)
    shown = "" if WELL_KNOWN.get(scheme) == port else f":{port}"
    query = "?" + "&".join(f"{k}={v}" for k, v in req.query) if req.query else ""
    method = follow_method(spec.status_code, req.method)
    headers = tuple((k, v) for k, v in req.headers if k != "host")
    follow = Request(scheme=scheme, host=host, port=port, path=path, query=req.query,
                     method=method, headers=headers,
                     sni=host if scheme == "https" else None)
    return Redirect(status=spec.status_code,
                    location=f"{scheme}://{host}{shown}{path}{query}", request=follow)


def follow_method(status: int, method: str) -> str:
    """The method a client follows a redirect with.

    RFC 9110 15.4: after 301 and 302 clients (historically) and after 303 they send GET
    (HEAD stays HEAD); 307 and 308 keep the method.
    """
    if status in (307, 308) or method == "HEAD":
        return method
    return "GET"


def rewrite(spec: RewriteSpec, req: Request, match: PathMatch | None) -> Request:
    """The request the backend sees after a URLRewrite filter."""
    host = spec.hostname or req.host
    path = req.path if spec.path is None else modify_path(spec.path, match, req.path)
    return replace(req, host=host, path=path, url_host=None)
