"""Who proxies requests from outside: ingress controllers and Gateway data-plane pods.

netverify cannot see a running cluster, so it recognises controllers by their image and
matches them to Ingress classes (IngressClass ``spec.controller`` or the controllers'
default class names), and finds a Gateway's pods by the labels the implementations put on
them.  When that fails the answer is "unknown", never a guess: ``--controller`` names them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from netverify.model import Cluster, Gateway, Pod
from netverify.queries.controller_flags import install_name, split_installs


@dataclass(frozen=True, slots=True)
class KnownController:
    """An ingress controller netverify recognises by image."""

    name: str
    images: tuple[str, ...]  # image repository fragments
    classes: frozenset[str]  # class names it serves by default
    controller_id: str  # what its IngressClass objects put in spec.controller
    by_name: bool = False  # also serves the IngressClass named like one of ``classes``


# ``--controller`` names any other.
CONTROLLERS = (
    KnownController("ingress-nginx", ("ingress-nginx/controller", "nginx-ingress-controller"),
                    frozenset({"nginx"}), "k8s.io/ingress-nginx"),
    KnownController("NGINX Ingress Controller", ("nginx/nginx-ingress",), frozenset({"nginx"}),
                    "nginx.org/ingress-controller"),
    KnownController("Traefik", ("traefik",), frozenset({"traefik"}),
                    "traefik.io/ingress-controller"),
    KnownController("HAProxy", ("haproxytech/kubernetes-ingress", "haproxy-ingress"),
                    frozenset({"haproxy"}), "haproxy.org/ingress-controller/haproxy"),
    KnownController("Kong", ("kong/kong-gateway", "library/kong", "kong"), frozenset({"kong"}),
                    "ingress-controllers.konghq.com/kong"),
)
# Labels implementations put on a Gateway's data-plane pods.  The first two hold the
# Gateway's name only, so they count in the Gateway's namespace; Envoy Gateway puts its
# proxies in its own namespace and names the Gateway's namespace in a second label.
NAMESPACED_GATEWAY_LABELS = ("gateway.networking.k8s.io/gateway-name", "istio.io/gateway-name")
ENVOY_GATEWAY_NAME = "gateway.envoyproxy.io/owning-gateway-name"
ENVOY_GATEWAY_NAMESPACE = "gateway.envoyproxy.io/owning-gateway-namespace"
GATEWAY_LABELS = (*NAMESPACED_GATEWAY_LABELS, ENVOY_GATEWAY_NAME)


@dataclass(frozen=True, slots=True)
class Proxy:
    """The pods that receive external requests for an entry point and forward them."""

    label: str
    pods: tuple[Pod, ...]
    how: str  # how they were found, for the notes

    @property
    def key(self) -> tuple[str, ...]:
        """Identity for caches: the label and the pods."""
        return (self.label, *(p.key for p in self.pods))


@dataclass(frozen=True, slots=True)
class IngressEntry:
    """Who serves Ingresses of one (effective) class.

    ``group`` is the same for every class one controller serves: ingress-nginx builds
    a single configuration out of all of them (one server per host), so their
    Ingresses are routed together.
    """

    ingress_class: str | None
    group: tuple[str, ...]
    proxy: Proxy | None
    notes: tuple[str, ...]


def _repo(image: str) -> str:
    repo = image.split("@", 1)[0]
    last = repo.rsplit("/", 1)[-1]
    if ":" in last:
        repo = repo[: len(repo) - len(last)] + last.split(":", 1)[0]
    return repo


def _image_matches(image: str, fragment: str) -> bool:
    repo = _repo(image)
    if "/" in fragment:
        return repo.endswith(fragment) or f"{fragment}" in repo
    return repo.rsplit("/", 1)[-1] == fragment


def ingress_controllers(cluster: Cluster) -> list[tuple[KnownController, tuple[Pod, ...]]]:
    """Recognised ingress controllers in the input, with their pods."""
    images = {img for p in cluster.pods for _, img in p.containers}
    out = []
    for known in CONTROLLERS:
        hits = {img for img in images if any(_image_matches(img, f) for f in known.images)}
        if not hits:
            continue
        pods = tuple(p for p in cluster.pods if any(img in hits for _, img in p.containers))
        if known.name != "ingress-nginx":
            out.append((known, pods))
            continue
        installs = split_installs(pods, frozenset(hits))
        for flags, group in installs:
            out.append((replace(
                known, name=install_name(known.name, group) if len(installs) > 1
                else known.name, classes=frozenset({flags.ingress_class}),
                controller_id=flags.controller_class, by_name=flags.by_name), group))
    return out


def _pods_group(known: KnownController, pods: tuple[Pod, ...]) -> tuple[str, ...]:
    return ("pods", known.name, *(p.key for p in pods))


def ingress_entry(cluster: Cluster, ingress_class: str | None,
                  override: tuple[Pod, ...] = (),
                  found: list[tuple[KnownController, tuple[Pod, ...]]] | None = None
                  ) -> IngressEntry:
    """The controller serving Ingresses of the *effective* class ``ingress_class``.

    An IngressClass object in the input decides (its ``spec.controller``); otherwise
    the class name is matched to the recognised controllers' default class names.
    A class no detected controller serves is not "assumed" to be theirs: ingress-nginx
    serves only the classes whose IngressClass names its controller (``nginx`` by
    default), so such an Ingress may belong to a controller that is not in the input,
    and its hops are unknown.  An Ingress with no class at all (and no default
    IngressClass) is ignored by ingress-nginx unless it runs with
    ``--watch-ingress-without-class=true``; netverify follows that default.
    ``override`` (``--controller``) supplies the pods but not the grouping.
    """
    if found is None:
        found = ingress_controllers(cluster)
    group, proxy, notes = _resolve_controller(cluster, ingress_class, found)
    if override:
        proxy = Proxy("controller (--controller)", override, "named with --controller")
        notes = tuple(n for n in notes if "--controller" not in n)
    return IngressEntry(ingress_class=ingress_class, group=group, proxy=proxy, notes=notes)


def _resolve_controller(cluster: Cluster, ingress_class: str | None,
                        found: list[tuple[KnownController, tuple[Pod, ...]]]
                        ) -> tuple[tuple[str, ...], Proxy | None, tuple[str, ...]]:
    name_it = "name its pods with --controller NS/NAME to check the NetworkPolicy hops"
    if ingress_class is None:
        return ("no class",), None, (
            "the Ingress has no ingressClassName and the input has no default IngressClass "
            "(annotation ingressclass.kubernetes.io/is-default-class: \"true\"): "
            "ingress-nginx serves such Ingresses only when started with "
            "--watch-ingress-without-class=true (default false), and other controllers "
            f"differ; if one serves it, {name_it}",)
    cls_obj = next((c for c in cluster.ingress_classes if c.name == ingress_class), None)
    if cls_obj is not None:
        serving = [c for c in found if c[0].controller_id == cls_obj.controller
                   or (c[0].by_name and cls_obj.name in c[0].classes)]
        if not serving:
            return ("controller", cls_obj.controller), None, (
                f"IngressClass {cls_obj.name} is served by {cls_obj.controller}, whose pods "
                f"are not recognised in the input; {name_it}",)
        group_key: tuple[str, ...] = ("controller", cls_obj.controller)
    else:
        serving = [c for c in found if ingress_class in c[0].classes]
        group_key = ("class", ingress_class)
    if len(serving) == 1:
        known, pods = serving[0]
        return _pods_group(known, pods), Proxy(known.name, pods, "recognised by image"), ()
    if serving:
        names = ", ".join(c[0].name for c in serving)
        return group_key, None, (f"several ingress controllers could serve class "
                                 f"{ingress_class}: {names}; name one with --controller "
                                 "NS/NAME",)
    if not found:
        return group_key, None, ("no ingress controller pods in the input (ingress-nginx, "
                                 "Traefik, HAProxy, Kong are recognised by image); name "
                                 "them with --controller NS/NAME to check the NetworkPolicy "
                                 "hops",)
    served = "; ".join(f"{k.name} serves {', '.join(sorted(k.classes))}" for k, _ in found)
    return group_key, None, (
        f"no IngressClass {ingress_class} in the input, and no detected controller serves "
        f"class {ingress_class} ({served}; ingress-nginx serves only the classes whose "
        "IngressClass names its controller): the Ingress may belong to a controller that is "
        f"not in the input, such as a cloud load balancer controller; {name_it}",)


def _gateway_pod(pod: Pod, gw: Gateway) -> bool:
    # gateway-name labels hold the name only: the pods live in the Gateway's namespace
    # (Istio, and the GEP-1762 convention for in-cluster deployments).
    if pod.namespace == gw.namespace and any(
            pod.labels.get(k) == gw.name for k in NAMESPACED_GATEWAY_LABELS):
        return True
    # Envoy Gateway runs the proxies in its own namespace and labels both.
    return pod.labels.get(ENVOY_GATEWAY_NAME) == gw.name and pod.labels.get(
        ENVOY_GATEWAY_NAMESPACE, pod.namespace) == gw.namespace


def _infrastructure_pods(cluster: Cluster, gw: Gateway) -> tuple[Pod, ...]:
    """Pods of the Gateway's namespace carrying all its ``spec.infrastructure.labels``.

    GatewayInfrastructure.Labels: "Labels that SHOULD be applied to any resources created
    in response to this Gateway".  None when another Gateway's labels match them as well.
    """
    want = dict(gw.infrastructure_labels)
    if not want:
        return ()
    pods = tuple(p for p in cluster.pods if p.namespace == gw.namespace
                 and all(p.labels.get(k) == v for k, v in want.items()))
    others = [g for g in cluster.gateways if g.key != gw.key and g.infrastructure_labels]
    if any(all(p.labels.get(k) == v for k, v in g.infrastructure_labels)
           for g in others for p in pods):
        return ()
    return pods


def gateway_proxy(cluster: Cluster, gw: Gateway, override: tuple[Pod, ...] = ()
                  ) -> tuple[Proxy | None, tuple[str, ...]]:
    """The data-plane pods of a Gateway (by the implementations' gateway-name labels)."""
    if override:
        return Proxy("gateway (--controller)", override, "named with --controller"), ()
    pods = tuple(p for p in cluster.pods if _gateway_pod(p, gw))
    if pods:
        return Proxy(f"Gateway {gw.key}", pods, "gateway-name label"), ()
    pods = _infrastructure_pods(cluster, gw)
    if pods:
        labels = ", ".join(f"{k}={v}" for k, v in gw.infrastructure_labels)
        return Proxy(f"Gateway {gw.key}", pods, "infrastructure labels"), (
            f"the pods of Gateway {gw.key} are the pods of its namespace labelled with its "
            f"spec.infrastructure.labels ({labels}), which implementations put on the "
            "resources they create for it; name them with --controller NS/NAME if other "
            "pods carry these labels too",)
    return None, (f"no pods of Gateway {gw.key} in the input (implementations create them at "
                  f"run time; labels looked for: {', '.join(GATEWAY_LABELS)}); name them with "
                  "--controller NS/NAME to check the NetworkPolicy hops",)
