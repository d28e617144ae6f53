"""A pod template's containers' command and args, kept to read controllers' flags.

Two installs of one ingress controller run the same image and differ only in flags
(ingress-nginx's ``--controller-class`` and ``--ingress-class``), so the flags are
what tells them apart.
"""

from __future__ import annotations

from typing import Any

from netverify.loader.fields import list_of, mapping, string
from netverify.loader.policies import FieldContext


def container_args(ctx: FieldContext, spec: Any, at: list[str | int]
                   ) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(container name, command + args) of each container of a pod spec (strings only)."""
    if not isinstance(spec, dict):
        return ()
    out = []
    for ci, c in enumerate(list_of(ctx, spec.get("containers"), [*at, "containers"])):
        cat: list[str | int] = [*at, "containers", ci]
        cm = mapping(ctx, c, cat)
        words: list[str] = []
        for key in ("command", "args"):
            for k, word in enumerate(list_of(ctx, cm.get(key), [*cat, key])):
                text = string(ctx, word, [*cat, key, k])
                if text:
                    words.append(text)
        if words:
            out.append((string(ctx, cm.get("name"), [*cat, "name"]) or "", tuple(words)))
    return tuple(out)
