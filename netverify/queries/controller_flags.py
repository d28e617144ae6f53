"""Installs of one ingress controller told apart by their flags.

ingress-nginx (cmd/nginx/flags.go): ``--controller-class`` (default
``k8s.io/ingress-nginx``): "The .spec.controller value of the IngressClass referenced in
an Ingress Object should be the same value specified here to make this object be
watched"; ``--ingress-class`` (default ``nginx``): the class named by the legacy
``kubernetes.io/ingress.class`` annotation; ``--ingress-class-by-name`` (default false):
"watch for Ingress Class by Name together with Controller Class".  Two Deployments of
the same image with different flags are two controllers, each serving its own classes,
each with its own pods (and NetworkPolicy hops).
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.model import Pod

NGINX_CONTROLLER_CLASS = "k8s.io/ingress-nginx"
NGINX_INGRESS_CLASS = "nginx"


@dataclass(frozen=True, slots=True)
class NginxFlags:
    """The class flags of one ingress-nginx install."""

    controller_class: str = NGINX_CONTROLLER_CLASS
    ingress_class: str = NGINX_INGRESS_CLASS
    by_name: bool = False


def flag(words: tuple[str, ...], name: str) -> str | None:
    """The value of ``--name=value`` or ``--name value`` (the last one given), or None.

    A boolean flag given bare (``--name``) is ``"true"``.
    """
    value = None
    for i, word in enumerate(words):
        head, eq, tail = word.lstrip("-").partition("=")
        if not word.startswith("-") or head != name:
            continue
        if eq:
            value = tail
        elif i + 1 < len(words) and not words[i + 1].startswith("-"):
            value = words[i + 1]
        else:
            value = "true"
    return value


def nginx_flags(pod: Pod, images: frozenset[str]) -> NginxFlags:
    """The class flags of the controller container (the one running an image in ``images``)."""
    mine = {name for name, image in pod.containers if image in images}
    words = tuple(w for name, args in pod.container_args if name in mine for w in args)
    by_name = (flag(words, "ingress-class-by-name") or "false").lower() == "true"
    return NginxFlags(controller_class=flag(words, "controller-class") or NGINX_CONTROLLER_CLASS,
                      ingress_class=flag(words, "ingress-class") or NGINX_INGRESS_CLASS,
                      by_name=by_name)


def split_installs(pods: tuple[Pod, ...], images: frozenset[str]
                   ) -> list[tuple[NginxFlags, tuple[Pod, ...]]]:
    """The pods grouped by their class flags, in the order first seen."""
    groups: dict[NginxFlags, list[Pod]] = {}
    for pod in pods:
        groups.setdefault(nginx_flags(pod, images), []).append(pod)
    return [(flags, tuple(group)) for flags, group in groups.items()]


def install_name(base: str, pods: tuple[Pod, ...]) -> str:
    """``ingress-nginx internal/nginx-internal-controller``: the install by its workloads."""
    owners = sorted({f"{p.namespace}/{p.workload or p.name}" for p in pods})
    return f"{base} {', '.join(owners)}"

