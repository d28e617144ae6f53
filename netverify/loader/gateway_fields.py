"""The Gateway fields routing needs besides its listeners' matching: TLS, addresses, labels.

``tls.certificateRefs`` decide whether an HTTPS listener serves at all (a Secret in
another namespace needs a ReferenceGrant); ``spec.addresses`` which addresses the
Gateway is bound to; ``spec.infrastructure.labels`` how its generated pods are labelled.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from netverify.loader.fields import list_of as _list
from netverify.loader.fields import mapping as _mapping
from netverify.loader.fields import string as _str
from netverify.loader.policies import FieldContext
from netverify.model import CertificateRef

TLS_MODES = ("Terminate", "Passthrough")


def listener_tls(ctx: FieldContext, listener: dict[str, Any], at: list[str | int],
                 protocol: str, namespace: str) -> tuple[str | None, tuple[CertificateRef, ...]]:
    """(mode, certificateRefs) of a listener; (None, ()) for one without TLS.

    Listener.TLS: "This field is required if the Protocol field is "HTTPS" or "TLS". It is
    invalid to set this field if the Protocol field is "HTTP", "TCP", or "UDP"."
    """
    raw = listener.get("tls")
    if protocol not in ("HTTPS", "TLS"):
        if raw is not None and protocol in ("HTTP", "TCP", "UDP"):
            raise ctx.error([*at, "tls"], f"must not be set for protocol {protocol}")
        return None, ()
    tls = _mapping(ctx, raw, [*at, "tls"])
    mode = tls.get("mode", "Terminate")
    if not isinstance(mode, str) or mode not in TLS_MODES:
        raise ctx.error([*at, "tls", "mode"], f"unknown TLS mode {mode!r}",
                        hint="Terminate or Passthrough")
    refs = []
    for i, entry in enumerate(_list(ctx, tls.get("certificateRefs"),
                                    [*at, "tls", "certificateRefs"])):
        rat: list[str | int] = [*at, "tls", "certificateRefs", i]
        e = _mapping(ctx, entry, rat)
        name = _str(ctx, e.get("name"), [*rat, "name"], required=True)
        assert name is not None
        refs.append(CertificateRef(
            namespace=_str(ctx, e.get("namespace"), [*rat, "namespace"]) or namespace,
            name=name, kind=_str(ctx, e.get("kind"), [*rat, "kind"]) or "Secret",
            group=_str(ctx, e.get("group"), [*rat, "group"]) or "",
            field=ctx.ref(rat).field or ""))
    return mode, tuple(refs)


def addresses(ctx: FieldContext, spec: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """``spec.addresses`` as (type, value); an IPAddress value must be an IP address.

    GatewaySpecAddress.Type defaults to IPAddress; a value may be left out ("the
    implementation assigns one"), and such entries say nothing about the address.
    """
    out = []
    for i, entry in enumerate(_list(ctx, spec.get("addresses"), ["spec", "addresses"])):
        at: list[str | int] = ["spec", "addresses", i]
        e = _mapping(ctx, entry, at)
        kind = _str(ctx, e.get("type"), [*at, "type"]) or "IPAddress"
        value = _str(ctx, e.get("value"), [*at, "value"])
        if not value:
            continue
        if kind == "IPAddress":
            try:
                value = str(ipaddress.ip_address(value))
            except ValueError:
                raise ctx.error([*at, "value"], f"{value!r} is not an IP address",
                                hint="type IPAddress takes an IPv4 or IPv6 address") from None
        out.append((kind, value))
    return tuple(out)


def infrastructure_labels(ctx: FieldContext, spec: dict[str, Any]
                          ) -> tuple[tuple[str, str], ...]:
    """``spec.infrastructure.labels`` as sorted (key, value) pairs."""
    infra = _mapping(ctx, spec.get("infrastructure"), ["spec", "infrastructure"])
    labels = _mapping(ctx, infra.get("labels"), ["spec", "infrastructure", "labels"])
    out = []
    for k, v in labels.items():
        if not isinstance(v, str):
            raise ctx.error(["spec", "infrastructure", "labels", str(k)],
                            f"label {k!r} has value {v!r}, which is not a string",
                            hint="quote label values")
        out.append((str(k), v))
    return tuple(sorted(out))
