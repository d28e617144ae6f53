"""One pass over a pod's (or pod template's) fields when they have the common shape.

Pods and workloads are most of a large cluster's objects, and reading each field
through the checked helpers (``fields``, one ``FieldContext`` call and path list per
field) cost about half of building the model at 10,000 pods.  These readers take
the fields the builder needs in one pass and answer ``None`` as soon as anything is
not plainly valid (a wrong type, a bad label, an unknown protocol, a port out of
range, ``{}`` for a list...): the builder then reads the object again through the
checked helpers, which accept the unusual but valid forms and name file, document,
object, field, line and column of a bad one.  So a fast answer is only ever given
where the checked path would give the same one, and every error still comes from
the checked path.
"""

from __future__ import annotations

import re
from typing import Any

from netverify.ipblocks import Address, IPv4, parse_address
from netverify.model import ContainerPort
from netverify.ports import MAX_PORT, MIN_PORT, Protocol
from netverify.selectors import valid_label_key, valid_label_value

_PROTOCOLS = {p.value: p for p in Protocol}
# A dotted quad as ``ipaddress`` accepts it: decimal octets 0-255 without leading zeros.
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}")

PodSpec = tuple[tuple[ContainerPort, ...], bool, tuple[tuple[str, str], ...],
                tuple[tuple[str, tuple[str, ...]], ...]]


def _text(value: Any) -> str | bool | None:
    """A string field as ``fields.string`` reads it (None when absent or empty), else False."""
    if value is None or value == "":
        return None
    return value if type(value) is str else False


class PodFastPath:
    """The fast readers, remembering the label keys and values already found valid.

    One per model build: labels repeat across thousands of pods.  Equal specs (the
    replicas of a workload) and container ports are shared, not copied: they are
    immutable, and the model cache then stores and reads each once (at 10,000 pods,
    19,775 ContainerPort objects were 24 % of what unpickling the model rebuilt).
    """

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._values: set[str] = set()
        self._specs: dict[PodSpec, PodSpec] = {}
        self._ports: dict[ContainerPort, ContainerPort] = {}

    def labels(self, meta: Any) -> dict[str, str] | None:
        """``meta.labels`` when every key and value is a valid label string."""
        if type(meta) is not dict:
            return None
        labels = meta.get("labels")
        if labels is None:
            return {}
        if type(labels) is not dict:
            return None
        keys, values = self._keys, self._values
        for k, v in labels.items():
            if type(k) is not str or type(v) is not str:
                return None
            if k not in keys:
                if not valid_label_key(k):
                    return None
                keys.add(k)
            if v not in values:
                if not valid_label_value(v):
                    return None
                values.add(v)
        return dict(labels)

    def spec(self, spec: Any) -> PodSpec | None:
        """Container ports, hostNetwork, (name, image) and (name, command + args) of a spec."""
        if spec is None:
            return (), False, (), ()
        if type(spec) is not dict:
            return None
        ports: list[ContainerPort] = []
        images: list[tuple[str, str]] = []
        args: list[tuple[str, tuple[str, ...]]] = []
        for ckey in ("containers", "initContainers"):
            containers = spec.get(ckey)
            if containers is None:
                continue
            if type(containers) is not list:
                return None
            for c in containers:
                if not _container(c, ckey == "containers", ports, images, args):
                    return None
        host = spec.get("hostNetwork")
        if host is None:
            host = False
        elif type(host) is not bool:
            return None
        shared = self._ports
        out = (tuple(shared.setdefault(p, p) for p in ports), host, tuple(images),
               tuple(args))
        return self._specs.setdefault(out, out)

    @staticmethod
    def ips(status: Any) -> tuple[Address, ...] | None:
        """``status.podIPs`` (else ``status.podIP``), distinct, in order."""
        if status is None:
            return ()
        if type(status) is not dict:
            return None
        texts: list[str] = []
        entries = status.get("podIPs")
        if entries is not None:
            if type(entries) is not list:
                return None
            for entry in entries:
                if type(entry) is not dict:
                    return None
                ip = _text(entry.get("ip"))
                if ip is False:
                    return None
                if ip:
                    texts.append(ip)  # type: ignore[arg-type]
        if not texts:
            ip = _text(status.get("podIP"))
            if ip is False:
                return None
            if ip:
                texts.append(ip)  # type: ignore[arg-type]
        out: dict[Address, None] = {}
        for t in texts:
            quad = _IPV4.fullmatch(t)
            if quad is not None:
                a, b, c, d = map(int, quad.groups())
                out[Address(IPv4, a << 24 | b << 16 | c << 8 | d)] = None
                continue
            try:
                out[parse_address(t)] = None
            except ValueError:
                return None
        return tuple(out)

    @staticmethod
    def owner(meta: Any) -> tuple[tuple[str, str] | None] | None:
        """(the controller owner (kind, name) or None,), or None to read it the checked way."""
        if type(meta) is not dict:
            return (None,)
        refs = meta.get("ownerReferences")
        if refs is None:
            return (None,)
        if type(refs) is not list:
            return None
        for r in refs:
            if type(r) is not dict:
                return None
            controller = r.get("controller")
            if controller is None or controller is False:
                continue
            if controller is not True:
                return None
            name, kind = _text(r.get("name")), _text(r.get("kind"))
            if not name or kind is False:
                return None
            return ((kind or "", name),)  # type: ignore[return-value]
        return (None,)


def _container(c: Any, main: bool, ports: list[ContainerPort], images: list[tuple[str, str]],
               args: list[tuple[str, tuple[str, ...]]]) -> bool:
    """Add one container's ports, (name, image) and words; False when not plainly valid."""
    if type(c) is not dict:
        return False
    name, image, restart = (_text(c.get("name")), _text(c.get("image")),
                            _text(c.get("restartPolicy")))
    cports = c.get("ports")
    if name is False or image is False or restart is False or (
            cports is not None and type(cports) is not list):
        return False
    images.append((name or "", image or ""))  # type: ignore[arg-type]
    if main:
        words = _words(c)
        if words is None:
            return False
        if words:
            args.append((name or "", words))  # type: ignore[arg-type]
    elif restart != "Always":
        return True  # only sidecars (init containers that keep running) serve ports
    for p in cports or ():
        port = _port(p)
        if port is None:
            return False
        ports.append(port)
    return True


def _words(container: dict[str, Any]) -> tuple[str, ...] | None:
    """A container's command and args (non-empty strings), or None when one is not a string."""
    words: list[str] = []
    for key in ("command", "args"):
        value = container.get(key)
        if value is None:
            continue
        if type(value) is not list:
            return None
        for word in value:
            if word is None:
                continue
            if type(word) is not str:
                return None
            if word:
                words.append(word)
    return tuple(words)


def _port(p: Any) -> ContainerPort | None:
    """One ``ports[]`` entry of a container, or None when it is not plainly valid."""
    if type(p) is not dict:
        return None
    num = p.get("containerPort")
    if type(num) is not int or not MIN_PORT <= num <= MAX_PORT:
        return None
    proto = p.get("protocol")
    protocol = Protocol.TCP if proto is None or proto == "" else (
        _PROTOCOLS.get(proto) if type(proto) is str else None)
    name = _text(p.get("name"))
    if protocol is None or name is False:
        return None
    return ContainerPort(port=num, protocol=protocol, name=name)  # type: ignore[arg-type]
