"""Every hop reason code has one wording, the sentence ``paths`` and ``can-reach URL`` print.

The query returns codes and facts; these are the sentences users (and the README, the
audit's NV608) have read so far, so each code is pinned to its exact words here, and a
new code without words fails ``test_every_reason_has_words``.
"""

from __future__ import annotations

import pytest

from netverify.hop_text import backend_problem, hop_detail, reason_text
from netverify.policy_kinds import Coverage, PolicyObject, lookup
from netverify.results import BackendPath, Hop, HopReason, PortSource, ProxyPort, Reason
from netverify.verdicts import HopStatus

SVC = "shop/api"
LB = "shop/web-lb"
NAMED = ProxyPort(number=8443, source=PortSource.SERVICE, service="ingress/ctl",
                  service_port=443, target_name="https")

CASES = [
    (Reason(code=HopReason.ADMITTED, via=ProxyPort(number=443, source=PortSource.CONTAINER)),
     "TCP 443 (container port 443) admitted"),
    (Reason(code=HopReason.ADMITTED, via=NAMED,
            admitted_from=("10.0.0.0-10.0.0.255", "10.0.1.0-10.0.1.255", "a", "b", "c")),
     "TCP 8443 (Service ingress/ctl 443 -> https (8443)) admitted only from "
     "10.0.0.0-10.0.0.255, 10.0.1.0-10.0.1.255, a, b, ..."),
    (Reason(code=HopReason.NO_SOURCE_ADMITTED,
            via=ProxyPort(number=80, source=PortSource.SERVICE, service="ingress/ctl",
                          service_port=80)),
     "NetworkPolicy admits no source address on TCP 80 (Service ingress/ctl 80 -> 80)"),
    (Reason(code=HopReason.NO_SERVICE_PORT,
            via=ProxyPort(number=9999, source=PortSource.REQUEST),
            exposed=(("ingress/ctl", (80, 443)), ("ingress/udp", ()))),
     "no Service port 9999 on the controller (Service ingress/ctl: 80, 443; Service "
     "ingress/udp: no TCP port): the connection is refused or times out"),
    (Reason(code=HopReason.PORT_NOT_KNOWN, via=ProxyPort(number=8080,
                                                         source=PortSource.REQUEST),
            proxy="Gateway infra/gw"),
     "no Service in the input selects Gateway infra/gw's pods and they declare no container "
     "port 8080: whether anything receives TCP 8080 is not known; NetworkPolicy: TCP 8080 "
     "(port 8080) admitted"),
    (Reason(code=HopReason.NO_PROXY_PODS),
     "the pods serving this entry point are not in the input"),
    (Reason(code=HopReason.CERTIFICATE, name="app-tls"), "certificate from Secret app-tls"),
    (Reason(code=HopReason.CERTIFICATE, name="", other="shop/app"),
     "certificate from Secret (default) (tls entry of Ingress shop/app: ingress-nginx serves "
     "one server per host for all the Ingresses of its class)"),
    (Reason(code=HopReason.REDIRECT_TO_HTTPS),
     "plain HTTP; an Ingress has TLS for this host, so controllers such as ingress-nginx "
     "redirect to https"),
    (Reason(code=HopReason.NO_TLS_ENTRY, obj="shop/app", host="www.example.com"),
     "no tls entry of shop/app or of another Ingress of its controller covers "
     "www.example.com: the controller answers with its default certificate, which clients "
     "reject"),
    (Reason(code=HopReason.TLS_NOT_KNOWN, obj="shop/app", host="www.example.com"),
     "no tls entry of shop/app covers www.example.com; the controller is not identified, and "
     "some take certificates from annotations or their own settings"),
    (Reason(code=HopReason.LISTENER_TLS, name="https"), "listener https terminates TLS"),
    (Reason(code=HopReason.CERTIFICATE_REF_NOT_PERMITTED, name="https", obj="certs/wild",
            namespace="certs", grants=(("g", "from.kind is 'HTTPRoute', not 'Gateway'"),)),
     "listener https's certificateRef to Secret certs/wild in another namespace and no "
     "ReferenceGrant in certs permits it (g: from.kind is 'HTTPRoute', not 'Gateway'): the "
     "listener's ResolvedRefs condition is False (RefNotPermitted) and it is not programmed: "
     "it completes no TLS handshake"),
    (Reason(code=HopReason.CLIENT_ADDRESS_SNAT, service="ingress/ctl", why="Weave: kube-proxy",
            via=ProxyPort(number=80, source=PortSource.SERVICE, service="ingress/ctl",
                          service_port=80), admitted_from=("203.0.113.0/24",)),
     "externalTrafficPolicy Cluster on Service ingress/ctl: the pods see a node address, not "
     "the client's (Weave: kube-proxy), and the input does not give the nodes' addresses; "
     "NetworkPolicy: TCP 80 (Service ingress/ctl 80 -> 80) admitted only from 203.0.113.0/24"),
    (Reason(code=HopReason.REDIRECT, field="spec.rules[0].filters[0]"),
     "the proxy answers the request itself (spec.rules[0].filters[0]); no backend is "
     "contacted"),
    (Reason(code=HopReason.REDIRECT, field="spec.rules[0].filters[0]", http_status=301,
            location="https://www.example.com/"),
     "the proxy answers the request itself (spec.rules[0].filters[0]): 301, Location: "
     "https://www.example.com/; no backend is contacted"),
    (Reason(code=HopReason.MISDIRECTED, name="https", other="https-b", host="b.example",
            sni="a.example", why="b.example does not match its hostname a.example",
            http_status=421),
     "misdirected request: the TLS server name a.example selected listener https, and Host "
     "b.example belongs to listener https-b (b.example does not match its hostname "
     "a.example): the Gateway answers 421 (Misdirected Request)"),
    (Reason(code=HopReason.NO_BACKENDS, http_status=500),
     "the rule has no backends (the proxy answers 500)"),
    (Reason(code=HopReason.ALL_WEIGHT_ZERO),
     "every backend has weight 0: no traffic is forwarded (implementations answer 500 or "
     "503)"),
    (Reason(code=HopReason.BACKEND_KIND, service=SVC, kind="Bucket"),
     "backend kind Bucket is not followed"),
    (Reason(code=HopReason.INVALID_KIND, service=SVC, kind="Bucket", group="example.com",
            http_status=500),
     "backend kind Bucket (group example.com) is not a Service: the route's ResolvedRefs "
     "condition is False (InvalidKind) and requests for this backend get 500; an "
     "implementation that supports this kind would forward them (declare it with "
     "--backend-kind GROUP/KIND)"),
    (Reason(code=HopReason.REF_NOT_PERMITTED, service=SVC, namespace="shop", http_status=500),
     "backendRef to Service shop/api in another namespace and no ReferenceGrant in shop: "
     "the route's ResolvedRefs condition is False (RefNotPermitted) and requests for this "
     "backend get 500"),
    (Reason(code=HopReason.REF_NOT_PERMITTED, service=SVC, namespace="shop", http_status=500,
            grants=(("g", "from.kind is 'Gateway', not 'HTTPRoute'"),)),
     "backendRef to Service shop/api in another namespace and no ReferenceGrant in shop "
     "permits it (g: from.kind is 'Gateway', not 'HTTPRoute'): the route's ResolvedRefs "
     "condition is False (RefNotPermitted) and requests for this backend get 500"),
    (Reason(code=HopReason.NO_SERVICE, service=SVC, http_status=500),
     "Service shop/api does not exist in the input: the route's ResolvedRefs condition is "
     "False (BackendNotFound) and requests for this backend get 500"),
    (Reason(code=HopReason.NO_SERVICE, service=SVC, idle=True, http_status=503),
     "Service shop/api does not exist in the input (the proxy answers 503) (weight 0: no "
     "traffic)"),
    (Reason(code=HopReason.EXTERNAL_NAME, service=SVC, name="db.example.com"),
     "Service shop/api is ExternalName: the proxy connects to db.example.com itself, outside "
     "the endpoints netverify checks"),
    (Reason(code=HopReason.EXTERNAL_NAME, service=SVC),
     "Service shop/api is ExternalName: the proxy connects to its DNS name itself, outside "
     "the endpoints netverify checks"),
    (Reason(code=HopReason.SERVICE_PORT, service=SVC, why="Service shop/api has no port 81"),
     "Service shop/api has no port 81"),
    (Reason(code=HopReason.SERVICE_PORT, service=SVC), "Service shop/api cannot be resolved"),
    (Reason(code=HopReason.NO_SELECTOR, service=SVC),
     "Service shop/api has no selector and its endpoints are not in the input: no "
     "EndpointSlice labelled kubernetes.io/service-name=api in its namespace, so "
     "NetworkPolicy to them is not checked"),
    (Reason(code=HopReason.NO_SELECTOR, service=SVC, why="db.example.net"),
     "Service shop/api has no selector and its endpoints are not in the input: its "
     "EndpointSlices name hosts (db.example.net), which the proxy resolves itself, so "
     "NetworkPolicy to them is not checked"),
    (Reason(code=HopReason.NO_ENDPOINTS, service=SVC), "Service shop/api has no endpoints"),
    (Reason(code=HopReason.NO_ENDPOINTS, service=SVC, http_status=503),
     "Service shop/api has no endpoints (the proxy answers 503)"),
    (Reason(code=HopReason.PROXY_NOT_KNOWN, service=SVC, endpoints=2),
     "2 endpoint(s); the proxy pods are unknown, so NetworkPolicy is not checked"),
    (Reason(code=HopReason.ENDPOINTS_ADMIT, service=SVC, endpoints=2, target="http -> 8080"),
     "2/2 endpoint(s) admit the proxy on TCP http -> 8080"),
    (Reason(code=HopReason.ENDPOINTS_UNREACHABLE, service=SVC, endpoints=3, reachable=1,
            blocked=("shop/a", "shop/b"), name="http", missing=("shop/c",)),
     "1/3 endpoint(s) reachable: NetworkPolicy blocks the proxy from shop/a, shop/b "
     "(requests routed there fail with 502/504); no container port named 'http' on shop/c"),
    (Reason(code=HopReason.MISSING_PORT_NAME, service=SVC, name="http",
            missing=("shop/c", "shop/d")),
     "no container port named 'http' on shop/c, shop/d"),
    # a Service reached directly from outside (queries.exposure)
    (Reason(code=HopReason.EXPOSED, service=LB, name="LoadBalancer", host="203.0.113.10",
            target="80"),
     "LoadBalancer of Service shop/web-lb accepts 203.0.113.10:80"),
    (Reason(code=HopReason.EXPOSED, service=LB, name="LoadBalancer", host="203.0.113.10",
            target="80",
            admitted_from=("198.51.100.0/24",)),
     "LoadBalancer of Service shop/web-lb accepts 203.0.113.10:80 from 198.51.100.0/24"
     " only (loadBalancerSourceRanges)"),
    (Reason(code=HopReason.SOURCE_RANGES, service=LB, admitted_from=("198.51.100.0/24",)),
     "loadBalancerSourceRanges of Service shop/web-lb admit only 198.51.100.0/24, none"
     " of the clients asked about"),
    (Reason(code=HopReason.LB_ADDRESS_NOT_KNOWN, service=LB),
     "Service shop/web-lb has no status.loadBalancer.ingress (nor loadBalancerIP): "
     "whether a load balancer was provisioned, and at which address, is not in the "
     "input (read a live cluster with --from-cluster)"),
    (Reason(code=HopReason.HOST_NOT_KNOWN, service=LB, name="LoadBalancer",
            host="shop.example.com"),
     "shop.example.com may or may not resolve to LoadBalancer of Service shop/web-lb "
     "(its address is not in the input): give the address with --resolves-to, or the "
     "URL by address"),
    (Reason(code=HopReason.HOST_NOT_KNOWN, service=LB, name="LoadBalancer",
            host="shop.example.com",
            other="203.0.113.10"),
     "shop.example.com may or may not resolve to LoadBalancer of Service shop/web-lb "
     "(203.0.113.10): give the address with --resolves-to, or the URL by address"),
    (Reason(code=HopReason.NODE_ADDRESS_NOT_KNOWN, service=LB, target="30080"),
     "nodePort 30080 of Service shop/web-lb is open on every node, but no Node in the "
     "input has an ExternalIP address: whether the nodes are reachable from outside is"
     " not known"),
    (Reason(code=HopReason.NODE_PORT_NOT_KNOWN, service=LB, target="80"),
     "Service shop/web-lb port 80 has no nodePort in the input (allocated when the "
     "Service is created): which node port serves it is not known"),
    (Reason(code=HopReason.ENDPOINTS_ADMIT_CLIENTS, service=LB, endpoints=2, target="8080"),
     "2/2 endpoint(s) of Service shop/web-lb admit the clients on TCP 8080"),
    (Reason(code=HopReason.ENDPOINTS_DENY_CLIENTS, service=LB, endpoints=2, reachable=1,
            blocked=("shop/web-b",)),
     "1/2 endpoint(s) of Service shop/web-lb reachable: NetworkPolicy denies the "
     "clients on shop/web-b"),
    (Reason(code=HopReason.CLIENT_SNAT, service=LB, endpoints=1, blocked=("shop/web-a",)),
     "externalTrafficPolicy Cluster: the endpoints shop/web-a may see a node address "
     "instead of the client's (kube-proxy masquerades traffic it forwards to another "
     "node), and NetworkPolicy admits one but not the other; externalTrafficPolicy "
     "Local keeps the client address"),
    (Reason(code=HopReason.NOT_FOLLOWED, name="nginx.ingress.kubernetes.io/auth-type",
            field="metadata.annotations", why="requires basic authentication"),
     "nginx.ingress.kubernetes.io/auth-type (metadata.annotations) requires basic "
     "authentication: not evaluated by netverify, so whether the request gets through is "
     "not known"),
    (Reason(code=HopReason.LEFT_TO_IMPLEMENTATION, service=SVC, endpoints=2, reachable=1,
            blocked=("shop/b",)),
     "cluster-wide policies leave the connection to shop/b to the implementation (policies "
     "tied at one priority, or both API versions side by side); 1 of 2 endpoint(s) admit it "
     "for sure"),
]


@pytest.mark.parametrize(("reason", "words"), CASES, ids=lambda x: getattr(x, "code", None)
                         and x.code.value)
def test_each_reason_reads_as_before(reason: Reason, words: str) -> None:
    assert reason_text(reason) == words


def test_every_reason_has_words() -> None:
    assert {r.code for r, _ in CASES} == set(HopReason)


def test_a_hop_an_unevaluated_object_left_open_names_it() -> None:
    kind = lookup("cilium.io/v2", "CiliumNetworkPolicy")
    assert kind is not None
    cnp = PolicyObject(kind=kind, api_version="cilium.io/v2", namespace="shop", name="deny")
    hop = Hop(step="internet -> proxy", status=HopStatus.UNDECIDED,
              reason=Reason(code=HopReason.NO_PROXY_PODS),
              coverage=Coverage(unevaluated=(cnp,)))
    assert hop_detail(hop) == ("the pods serving this entry point are not in the input; not "
                               "decided: CiliumNetworkPolicy shop/deny not evaluated")


def test_a_backend_problem_is_worded_without_the_weight_remark_of_its_hop() -> None:
    problem = Reason(code=HopReason.NO_SERVICE, service=SVC, http_status=503)
    b = BackendPath(service=SVC, service_port="80", target="", weight=0, share=0.0,
                    endpoints=(), reachable=(), problem=problem)
    assert backend_problem(b) == ("Service shop/api does not exist in the input (the proxy "
                                  "answers 503)")
    ok = BackendPath(service=SVC, service_port="80", target="8080", weight=1, share=1.0,
                     endpoints=("shop/a",), reachable=("shop/a",))
    assert backend_problem(ok) is None
