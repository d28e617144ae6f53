"""EndpointSlice (discovery.k8s.io/v1): the endpoints of Services without a selector.

Read field by field as the API validates them: ``addressType`` and each endpoint's
``addresses`` are required; ``conditions.ready`` left out means ready ("nil should be
interpreted as true"); a port's protocol defaults to TCP.
"""

from __future__ import annotations

from netverify.errors import show
from netverify.ipblocks import parse_address
from netverify.loader.documents import RawObject
from netverify.loader.fields import boolean, list_of, mapping, string
from netverify.loader.policies import FieldContext
from netverify.model import EndpointSlice, SliceEndpoint
from netverify.ports import MAX_PORT, MIN_PORT, Protocol
from netverify.source import SourceRef

SLICE_VERSIONS = {"discovery.k8s.io/v1", "discovery.k8s.io/v1beta1"}
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
ADDRESS_TYPES = ("IPv4", "IPv6", "FQDN")


def build_endpoint_slice(raw: RawObject, src: SourceRef, labels: dict[str, str]
                         ) -> EndpointSlice:
    """Validate an EndpointSlice and keep its ready endpoints' addresses and its ports."""
    ctx = FieldContext(raw, src)
    data = raw.data
    atype = data.get("addressType")
    if atype not in ADDRESS_TYPES:
        raise ctx.error(["addressType"], f"{show(atype)} is not an address type",
                        hint=f"one of {', '.join(ADDRESS_TYPES)}")
    endpoints = []
    for i, e in enumerate(list_of(ctx, data.get("endpoints"), ["endpoints"])):
        em = mapping(ctx, e, ["endpoints", i])
        addrs = list_of(ctx, em.get("addresses"), ["endpoints", i, "addresses"])
        if not addrs:
            raise ctx.error(["endpoints", i, "addresses"], "needs at least one address")
        texts = []
        for k, a in enumerate(addrs):
            text = string(ctx, a, ["endpoints", i, "addresses", k], required=True)
            assert text is not None
            if atype != "FQDN":
                try:
                    addr = parse_address(text)
                except ValueError:
                    addr = None
                if addr is None or addr.family != (4 if atype == "IPv4" else 6):
                    raise ctx.error(["endpoints", i, "addresses", k],
                                    f"{text!r} is not an {atype} address")
            texts.append(text)
        cond = mapping(ctx, em.get("conditions"), ["endpoints", i, "conditions"])
        ready = boolean(ctx, cond.get("ready"), ["endpoints", i, "conditions", "ready"],
                        default=True)
        endpoints.append(SliceEndpoint(addresses=tuple(texts), ready=ready))
    ports = []
    for i, p in enumerate(list_of(ctx, data.get("ports"), ["ports"])):
        pm = mapping(ctx, p, ["ports", i])
        number = pm.get("port")
        if number is not None and (isinstance(number, bool) or not isinstance(number, int)
                                   or not MIN_PORT <= number <= MAX_PORT):
            raise ctx.error(["ports", i, "port"], f"port {show(number)} is not a port 1-65535")
        proto = pm.get("protocol", "TCP")
        if proto not in [p.value for p in Protocol]:
            raise ctx.error(["ports", i, "protocol"], f"{show(proto)} is not a protocol",
                            hint="TCP, UDP or SCTP")
        ports.append((string(ctx, pm.get("name"), ["ports", i, "name"]) or "", number,
                      Protocol(proto)))
    return EndpointSlice(namespace=src.namespace or "default", name=src.name or "",
                         service=labels.get(SERVICE_NAME_LABEL), address_type=atype,
                         endpoints=tuple(endpoints), ports=tuple(ports), source=src)
