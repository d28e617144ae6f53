"""The project's settings: ``.netverify.yaml``, or ``[tool.netverify]`` in pyproject.toml.

Found from the current folder upwards (the first folder holding either wins; a YAML file
before a pyproject.toml in the same folder), so that CI lines stay short.  The settings
become click's defaults (``default_map``): an option given on the command line wins.
Paths are relative to the file's folder.  A bad file is an input error (exit 2) naming
the file, the line and the key.

Keys: ``files`` (inputs, like -f), ``cni``, ``ignore_kinds``, ``rules`` (audit: only
these), ``fail_on`` (audit), ``suppressions`` (audit: ``rule``, ``object``, ``reason``,
optional ``expires: YYYY-MM-DD``; an expired one silences nothing and is reported).
"""

from __future__ import annotations

import datetime
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from netverify.errors import NetverifyError

NAMES = (".netverify.yaml", ".netverify.yml")
LIST_KEYS = ("files", "ignore_kinds", "rules")
STRING_KEYS = ("cni", "fail_on")
KEYS = (*LIST_KEYS, *STRING_KEYS, "suppressions")
SUPPRESSION_KEYS = ("rule", "object", "reason", "expires")
# Which commands take which setting (the click parameter names).
COMMANDS = {
    "files": ("can-reach", "who-can-reach", "matrix", "paths", "lint", "audit"),
    "ignore_kinds": ("can-reach", "who-can-reach", "matrix", "paths", "lint", "audit",
                     "check", "diff"),
    "cni": ("can-reach", "matrix", "paths"),
    "rules": ("audit",),
    "fail_on": ("audit",),
}


@dataclass(frozen=True, slots=True)
class Suppression:
    """Silence ``rule`` (or ``*``) on ``object`` ("Kind ns/name", "Namespace ns")."""

    rule: str
    object: str
    reason: str
    expires: datetime.date | None
    where: str  # file:line, for messages

    def expired(self, today: datetime.date) -> bool:
        """True once the expiry date has passed (the date itself still counts)."""
        return self.expires is not None and today > self.expires


@dataclass(frozen=True, slots=True)
class Config:
    """The settings read, and where from (None: no file found)."""

    path: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    suppressions: tuple[Suppression, ...] = ()

    def default_map(self) -> dict[str, dict[str, Any]]:
        """Click defaults per command: the command line overrides each."""
        out: dict[str, dict[str, Any]] = {}
        for key, value in self.settings.items():
            for command in COMMANDS.get(key, ()):
                out.setdefault(command, {})[key] = value
        return out


def find(start: str | None = None) -> Path | None:
    """The settings file for ``start`` (default: the current folder), searching upwards."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        for name in NAMES:
            if (folder / name).is_file():
                return folder / name
        py = folder / "pyproject.toml"
        if py.is_file() and _has_tool_section(py):
            return py
    return None


def _has_tool_section(path: Path) -> bool:
    try:
        return "netverify" in tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False  # someone else's broken file is not ours to report


def load(path: Path | None) -> Config:
    """Read and check the settings file.

    Raises:
        NetverifyError: naming file, line and key of the first problem.
    """
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise NetverifyError(f"{path}: cannot read the settings file: {e}") from None
    if path.name == "pyproject.toml":
        data = tomllib.loads(text)["tool"]["netverify"]
        return _check(path, data, lambda *keys: f"{path}: [tool.netverify] {'.'.join(keys)}")
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise NetverifyError(f"{path}{line}: not valid YAML: "
                             f"{getattr(e, 'problem', None) or e}") from None
    lines = _key_lines(node)
    return _check(path, data or {},
                  lambda *keys: f"{path}:{lines.get(keys, lines.get(keys[:1], 1))}: "
                                f"{'.'.join(keys)}")


def _key_lines(node: yaml.Node | None) -> dict[tuple[str, ...], int]:
    """The line of each key (``("suppressions", "0", "rule")``) in the YAML document."""
    out: dict[tuple[str, ...], int] = {}

    def walk(n: yaml.Node, prefix: tuple[str, ...]) -> None:
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = (*prefix, str(k.value))
                out[key] = k.start_mark.line + 1
                walk(v, key)
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                out[(*prefix, str(i))] = v.start_mark.line + 1
                walk(v, (*prefix, str(i)))

    if node is not None:
        walk(node, ())
    return out


def _check(path: Path, data: Any, where: Any) -> Config:
    if not isinstance(data, dict):
        raise NetverifyError(f"{path}:1: the settings must be a mapping of keys "
                             f"({', '.join(KEYS)})")
    settings: dict[str, Any] = {}
    for key, value in data.items():
        if key not in KEYS:
            raise NetverifyError(f"{where(str(key))}: unknown key (known: {', '.join(KEYS)})")
        if key in LIST_KEYS:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                raise NetverifyError(f"{where(key)}: must be a list of strings")
            if key == "files":
                value = [x if x == "-" or x.startswith("cluster:") or os.path.isabs(x)
                         else str(path.parent / x) for x in value]
            settings[key] = tuple(value)
        elif key in STRING_KEYS:
            if not isinstance(value, str):
                raise NetverifyError(f"{where(key)}: must be a string")
            settings[key] = value
    return Config(str(path), settings, _suppressions(data.get("suppressions"), where))


def _suppressions(value: Any, where: Any) -> tuple[Suppression, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise NetverifyError(f"{where('suppressions')}: must be a list of mappings")
    out = []
    for i, item in enumerate(value):
        at = ("suppressions", str(i))
        if not isinstance(item, dict):
            raise NetverifyError(f"{where(*at)}: must be a mapping with rule, object, reason")
        for k in item:
            if k not in SUPPRESSION_KEYS:
                raise NetverifyError(f"{where(*at, str(k))}: unknown key (known: "
                                     f"{', '.join(SUPPRESSION_KEYS)})")
        for k in ("rule", "object", "reason"):
            if not isinstance(item.get(k), str) or not item[k].strip():
                raise NetverifyError(f"{where(*at, k) if k in item else where(*at)}: "
                                     f"{k} is required (a non-empty string)")
        expires = item.get("expires")
        if isinstance(expires, str):
            try:
                expires = datetime.date.fromisoformat(expires)
            except ValueError:
                expires = False
        if expires is not None and not isinstance(expires, datetime.date):
            raise NetverifyError(f"{where(*at, 'expires')}: must be a date, YYYY-MM-DD")
        out.append(Suppression(item["rule"], item["object"], item["reason"], expires,
                               where(*at).rsplit(":", 1)[0]))
    return tuple(out)
