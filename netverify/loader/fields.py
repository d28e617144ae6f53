"""Typed reads of an object's fields, checked the way the API server's decoder checks them.

YAML gives any field any type, and Python's truthiness would read many of them
as something else (``hostNetwork: "false"`` is true, ``except: ""`` is no
except).  The API server rejects a value of the wrong type, so netverify does
too, naming the field, its line and column.  An explicit ``null`` is the field
left out, as in the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netverify.errors import show

if TYPE_CHECKING:
    from netverify.loader.policies import FieldContext


def type_name(value: Any) -> str:
    """``a mapping``, ``a list``, ``a string``... for a message."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__)


def mapping(ctx: FieldContext, value: Any, path: list[str | int]) -> dict[str, Any]:
    """``value`` as a mapping (``{}`` when absent)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ctx.error(path, f"must be a mapping, got {type_name(value)}")
    return value


def list_of(ctx: FieldContext, value: Any, path: list[str | int]) -> list[Any]:
    """``value`` as a list (``[]`` when absent).

    An empty mapping ``{}`` is read as the empty list: some tools write it for an empty
    list (the NCA corpus's pod dumps hold ``ports: {}``), and it holds nothing that
    could be misread.  A mapping with content is an error, as in the API.
    """
    if value is None or value == {}:
        return []
    if not isinstance(value, list):
        raise ctx.error(path, f"must be a list, got {type_name(value)}")
    return value


def string(ctx: FieldContext, value: Any, path: list[str | int], *, required: bool = False
           ) -> str | None:
    """``value`` as a string; ``None`` when absent or empty (an error when ``required``)."""
    if value is None or value == "":
        if required:
            raise ctx.error(path, "is required")
        return None
    if not isinstance(value, str):
        raise ctx.error(path, f"{show(value)} is not a string",
                        hint="quote values that YAML would read as numbers or booleans")
    return value


def boolean(ctx: FieldContext, value: Any, path: list[str | int], default: bool = False) -> bool:
    """``value`` as a boolean (``default`` when absent); ``"false"`` is a string, not false."""
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ctx.error(path, f"{show(value)} is not a boolean (true or false)",
                        hint="write true or false without quotes" if isinstance(value, str)
                        else None)
    return value
