"""Assertion spec files: schema, loading and validation.

A spec file lists reachability promises (``expect: allow``) and prohibitions
(``expect: deny``) kept next to the manifests; ``netverify check`` runs them.
The JSON Schema in ``netverify/schemas/spec.schema.json`` is the format's one
definition: the loader validates against it (unknown keys are errors) and
editors can use the same file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from netverify.errors import NetverifyError, show, show_path
from netverify.loader.files import walk
from netverify.loader.yamldata import YamlProblem, decode, iter_documents, node_at, position
from netverify.verdicts import AssertionScope, Basis, Expect


class SpecError(NetverifyError):
    """A spec file cannot be read or does not follow the schema."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Assertion:
    """One promise or prohibition."""

    index: int  # 0-based position in the file's assertions
    name: str
    src: str | dict[str, Any]
    dst: str | dict[str, Any]
    expect: Expect
    scope: AssertionScope
    answer: Basis = Basis.EFFECTIVE
    port: int | str | None = None
    protocol: str | None = None
    decided_by: DecidedBy | None = None
    # A URL in ``dst`` (``is_url``): the request asked about, and the status it must get.
    request: HttpRequest | None = None
    status: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpRequest:
    """An assertion's ``request``: what routes match besides the URL."""

    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()  # as written, in order
    sni: str | None = None  # https: the TLS server name (default: the URL's host)


# What ``to`` may be to follow a request through routes: HTTP(S) through Ingress and
# HTTPRoute, gRPC through GRPCRoute, TLS through TLSRoute (``queries.endpoints`` too).
URL_SCHEMES = ("http://", "https://", "grpc://", "grpcs://", "tls://")


def is_url(text: object) -> bool:
    """Whether an assertion's ``to`` is a URL (the request is followed through routes)."""
    return isinstance(text, str) and text.lower().startswith(URL_SCHEMES)


@dataclass(frozen=True, slots=True, kw_only=True)
class DecidedBy:
    """An assertion's ``decided-by``: the layer (and policy, rule) that must decide it."""

    layer: str  # admin | baseline | networkpolicy | default (results.Layer values)
    policy: str | None = None  # name, "Kind name", or NAMESPACE/NAME of a NetworkPolicy
    rule: str | None = None  # a cluster-wide rule's name


@dataclass(frozen=True, slots=True, kw_only=True)
class SpecFile:
    """A parsed spec file; ``manifests`` are resolved against the file's folder."""

    path: str
    manifests: tuple[str, ...]
    cni: str | None
    assertions: tuple[Assertion, ...]


@cache
def schema() -> dict[str, Any]:
    """The spec JSON Schema shipped in the package."""
    text = resources.files("netverify").joinpath("schemas/spec.schema.json").read_text()
    return json.loads(text)  # type: ignore[no-any-return]


def _where(path: Any) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _at(path: str, node: Any, steps: list[Any]) -> str:
    """``path:line:column`` of the value at ``steps`` (just ``path`` when not found)."""
    found = node_at(node, tuple(steps)) if node is not None else None
    return "{}:{}:{}".format(path, *position(found)) if found is not None else path


def load_spec(path: str) -> SpecFile:
    """Read and validate one spec file.

    Raises:
        SpecError: naming the file, the assertion and the field.
    """
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise SpecError(f"{path}: cannot read: {e.strerror}") from None
    # Read like manifests: UTF-8, no repeated keys (a second ``expect:`` would silently
    # win), bounded nesting and aliases (the schema check below recurses into the data).
    try:
        documents = list(iter_documents(decode(raw)))
    except YamlProblem as problem:
        raise SpecError(f"{problem.where(path)}: {problem.message}") from None
    if len(documents) > 1:
        line, column = position(documents[1][1])
        raise SpecError(f"{path}:{line}:{column}: a spec file holds one YAML document",
                        hint="split the documents into files, or merge their assertions")
    if not documents:
        raise SpecError(f"{path}:1:1: the file is empty",
                        hint="a spec is a mapping with assertions: (and manifests:)")
    node: Any = documents[0][1] if documents else None
    data: Any = documents[0][2] if documents else None
    validator = Draft202012Validator(schema())
    try:
        err = best_match(validator.iter_errors(data))
    except RecursionError:  # iter_documents bounds nesting; this is the last line of defence
        raise SpecError(f"{path}: nested too deeply to check against the schema") from None
    if err is not None:
        where = _where(err.absolute_path) or "(top level)"
        name = ""
        p = list(err.absolute_path)
        if len(p) >= 2 and p[0] == "assertions" and isinstance(p[1], int):
            a = data["assertions"][p[1]]
            if isinstance(a, dict) and isinstance(a.get("name"), str):
                name = f" ({show(a['name'])})"
        raise SpecError(f"{_at(path, node, p)}: {where}{name}: {err.message}",
                        hint="the format is described by netverify/schemas/spec.schema.json")
    if data.get("cni") is not None:
        from netverify.cni import profile

        try:
            profile(data["cni"])  # checked here, where the spec's line is known
        except NetverifyError as e:
            raise SpecError(f"{_at(path, node, ['cni'])}: cni: {e.message}",
                            hint=e.hint) from None
    base = Path(path).parent
    raw_manifests = data.get("manifests") or []
    if isinstance(raw_manifests, str):
        raw_manifests = [raw_manifests]
    manifests = tuple(str(base / m) for m in raw_manifests)
    assertions = []
    for i, a in enumerate(data["assertions"]):
        decided = _decided_by(path, node, i, a)
        assertions.append(Assertion(
            index=i, name=a["name"], src=a["from"], dst=a["to"], expect=Expect(a["expect"]),
            scope=AssertionScope(a.get("scope", "existing")),
            answer=Basis(a.get("answer", "effective")),
            port=a.get("port"), protocol=a.get("protocol"), decided_by=decided,
            request=_request(path, node, i, a), status=a.get("status")))
    return SpecFile(path=path, manifests=manifests, cni=data.get("cni"),
                    assertions=tuple(assertions))


def _decided_by(path: str, node: Any, i: int, a: dict[str, Any]) -> DecidedBy | None:
    """The assertion's ``decided-by``, or None.

    Raises:
        SpecError: when the assertion cannot be judged so: over pods that could exist
            (the solver answers yes or no, not who decides), or without a port.
    """
    raw = a.get("decided-by")
    if raw is None:
        return None
    where = f"{_at(path, node, ['assertions', i, 'decided-by'])}: assertions[{i}]"
    if a.get("scope", "existing") != "existing":
        raise SpecError(f"{where}.decided-by is checked on existing pods only",
                        hint="drop scope: any, or decided-by")
    to = a["to"]
    named_port = "port" in a or to == "dns" or (
        isinstance(to, str) and ":" in to.rsplit("/", 1)[-1])
    if not named_port:
        raise SpecError(f"{where}.decided-by needs a port: who decides can differ port by port",
                        hint="add port: N, or end 'to' in :PORT")
    if isinstance(raw, str):
        return DecidedBy(layer=raw)
    return DecidedBy(layer=raw["layer"], policy=raw.get("policy"), rule=raw.get("rule"))


# Keys that ask about pods, not about a request to a URL.
_POD_KEYS = ("port", "protocol", "decided-by", "scope")


def _request(path: str, node: Any, i: int, a: dict[str, Any]) -> HttpRequest | None:
    """The request of an assertion whose ``to`` is a URL (None for pod assertions).

    Raises:
        SpecError: ``request`` or ``status`` without a URL, a URL with pod keys, or a URL
            from a source that is not outside the cluster.
    """
    at = f"{_at(path, node, ['assertions', i])}: assertions[{i}]"
    if not is_url(a["to"]):
        for key in ("request", "status"):
            if key in a:
                raise SpecError(f"{at}.{key} asks about a URL, and 'to' is not one",
                                hint="to: https://host/path")
        return None
    for key in _POD_KEYS:
        if key in a:
            raise SpecError(f"{at}.{key} does not apply to a URL (the URL names the port; "
                            "the request is checked hop by hop)", hint=f"drop {key}")
    if not isinstance(a["from"], str):
        raise SpecError(f"{at}.from: a request to a URL comes from outside the cluster",
                        hint="from: internet, or an IP address or CIDR")
    raw = a.get("request") or {}
    headers = tuple((str(k), v) for k, v in (raw.get("headers") or {}).items())
    return HttpRequest(method=raw.get("method", "GET").upper(), headers=headers,
                       sni=raw.get("sni"))


def find_specs(paths: list[str]) -> list[str]:
    """Spec files named directly or found (``*.yaml``, ``*.yml``) in folders, sorted.

    Raises:
        SpecError: when a path does not exist or a folder holds no spec.
    """
    out: list[str] = []
    for p in paths:
        path = Path(p)
        try:
            is_dir, is_file = path.is_dir(), path.is_file()
        except OSError as e:
            raise SpecError(f"{show_path(p)}: cannot examine: {e.strerror}") from None
        if is_dir:
            try:
                found = [str(f) for f in walk(path, (".yaml", ".yml"), rendered=False)]
            except NetverifyError as e:
                raise SpecError(e.message, hint=e.hint) from None
            if not found:
                raise SpecError(f"{p}: folder holds no *.yaml spec files")
            out.extend(found)
        elif is_file:
            out.append(p)
        else:
            raise SpecError(f"{show_path(p)}: no such spec file or folder")
    return out
