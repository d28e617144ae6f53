"""Which HTTPS listener takes a connection, and when its request is misdirected.

Gateway API, ``Listener.Hostname``: "HTTPS: The Listener Hostname SHOULD match both the
SNI and Host header.  Note that this does not require the SNI and Host header to be the
same."  The TLS server name picks the listener during the handshake; the Host then
routes.  "To detect misdirected requests, Gateways SHOULD match the authority of the
requests with all the SNI hostname(s) configured across all the Gateway Listeners on the
same port and protocol:

* If another Listener has an exact match or more specific wildcard entry, the Gateway
  SHOULD return a 421.
* If the current Listener (selected by SNI matching during ClientHello) does not match
  the Host: If another Listener does match the Host, the Gateway SHOULD return a 421.  If
  no other Listener matches the Host, the Gateway MUST return a 404."

So: the listener the Host would pick is compared with the one the SNI picked; another
one is a 421, none that the SNI's listener does not match either is left to routing
(which answers 404).
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.model import Gateway, Listener
from netverify.routing import Request, host_matches, host_rank


@dataclass(frozen=True, slots=True, kw_only=True)
class Misdirected:
    """An HTTPS request whose Host belongs to another listener than its SNI's (421)."""

    taken_by: Listener  # the listener the TLS server name selected
    belongs_to: Listener  # the listener the Host matches most specifically
    sni: str
    host: str

    @property
    def why(self) -> str:
        """Why the Host is not the connection's listener's."""
        mine = self.taken_by.hostname
        if mine is not None and not host_matches(mine, self.host, gateway_api=True):
            return f"{self.host} does not match its hostname {mine}"
        theirs = self.belongs_to.hostname or "(none: every host)"
        ours = f"its hostname {mine}" if mine else "it, which has no hostname"
        return (f"listener {self.belongs_to.name}'s hostname {theirs} matches {self.host} "
                f"more specifically than {ours}")


def best_listener(listeners: list[Listener], name: str) -> Listener | None:
    """The listener whose hostname matches ``name`` most specifically (exact, longest)."""
    hits = [li for li in listeners
            if li.hostname is None or host_matches(li.hostname, name, gateway_api=True)]
    if not hits:
        return None
    return max(hits, key=lambda li: (host_rank(li.hostname), len(li.hostname or "")))


def misdirected(gw: Gateway, req: Request) -> Misdirected | None:
    """The misdirection of an https request on ``gw``, or None (not https, or not one)."""
    if req.scheme != "https" or req.sni is None:
        return None
    same = [li for li in gw.listeners if li.port == req.port and li.protocol == "HTTPS"]
    taken = best_listener(same, req.sni)
    owner = best_listener(same, req.host)
    if taken is None or owner is None or owner is taken:
        return None
    return Misdirected(taken_by=taken, belongs_to=owner, sni=req.sni, host=req.host)
