"""``can-reach internet URL --follow-redirects``: the redirected requests, in turn.

Each redirect's ``Location`` is asked as a new request from the same source, with the
method a client follows it with (``routing_filters.follow_method``) and the same headers
but Host (the Location names the host; its TLS server name too).  A Location seen before
(method and URL) is a loop, and more than ``MAX_REDIRECTS`` redirects stop the chain as
browsers and curl do: the client then gets no answer, which is a "no".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from netverify.model import Cluster
from netverify.queries.paths import can_reach_url
from netverify.results import UrlResult

MAX_REDIRECTS = 10


def follow_redirects(cluster: Cluster, src: str, url: str, *,
                     headers: Iterable[tuple[str, str]] = (), method: str | None = None,
                     limit: int = MAX_REDIRECTS, **options: Any) -> UrlResult:
    """``can_reach_url``, with each redirect answered followed (``UrlResult.followed``).

    ``options`` are ``can_reach_url``'s (controller, cni, policy_only, backend_kinds, sni;
    the TLS server name applies to the first request only).
    """
    headers = tuple(headers)
    kept = tuple((k, v) for k, v in headers if k.lower() != "host")
    chain = [can_reach_url(cluster, src, url, headers=headers, method=method, **options)]
    options.pop("sni", None)
    seen = {(chain[0].method, chain[0].url)}
    while chain[-1].redirects:
        last = chain[-1]
        status, location, next_method = last.redirects[0]
        stop = ""
        if (next_method, location) in seen:
            stop = f"redirect loop: {status} to {next_method} {location}, which was asked before"
        elif len(chain) > limit:
            stop = f"more than {limit} redirects: clients give up"
        if stop:
            chain[-1] = replace(last, redirect_loop=stop)
            break
        seen.add((next_method, location))
        chain.append(can_reach_url(cluster, src, location, headers=kept, method=next_method,
                                   **options))
    result = chain.pop()
    while chain:
        result = replace(chain.pop(), followed=result)
    return result
