"""The addresses a Service is reached on from outside: externalIPs and its load balancer's.

``can-reach internet http://HOST`` matches HOST against them (``queries.exposure``), so
a malformed one is an input error naming its field, never an address silently dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netverify.errors import show
from netverify.ipblocks import parse_address
from netverify.loader.fields import list_of, mapping, string

if TYPE_CHECKING:
    from netverify.loader.policies import FieldContext


def _ip(ctx: FieldContext, value: Any, path: list[str | int]) -> str:
    text = string(ctx, value, path, required=True) or ""
    try:
        return str(parse_address(text))
    except ValueError:
        raise ctx.error(path, f"{show(text)} is not an IP address") from None


def external_ips(ctx: FieldContext, spec: dict[str, Any]) -> tuple[str, ...]:
    """``spec.externalIPs``, addresses nodes "will also accept traffic" on (any type)."""
    raw = list_of(ctx, spec.get("externalIPs"), ["spec", "externalIPs"])
    return tuple(_ip(ctx, v, ["spec", "externalIPs", i]) for i, v in enumerate(raw))


def load_balancer_addresses(ctx: FieldContext, spec: dict[str, Any], status: Any
                            ) -> tuple[str, ...]:
    """``spec.loadBalancerIP`` and every ``status.loadBalancer.ingress[].ip``/``hostname``.

    Host names are kept in lower case (DNS names compare without case).

    Raises:
        ManifestError: for an entry that is not a mapping or an ``ip`` that is no address.
    """
    out: list[str] = []
    requested = string(ctx, spec.get("loadBalancerIP"), ["spec", "loadBalancerIP"])
    if requested:
        out.append(_ip(ctx, requested, ["spec", "loadBalancerIP"]))
    st = mapping(ctx, status, ["status"])
    lb = mapping(ctx, st.get("loadBalancer"), ["status", "loadBalancer"])
    for i, entry in enumerate(list_of(ctx, lb.get("ingress"),
                                      ["status", "loadBalancer", "ingress"])):
        at: list[str | int] = ["status", "loadBalancer", "ingress", i]
        if not isinstance(entry, dict):
            raise ctx.error(at, "must be a mapping with ip or hostname")
        if entry.get("ip") is not None:
            out.append(_ip(ctx, entry["ip"], [*at, "ip"]))
        host = string(ctx, entry.get("hostname"), [*at, "hostname"])
        if host:
            out.append(host.lower().rstrip("."))
    return tuple(dict.fromkeys(out))

