"""Renderers: result objects in, strings out; ``registry.RENDERERS`` says which writes what.

The CLI picks one by ``--format``; ``render`` is the library's entry point.
"""

from __future__ import annotations

from netverify.renderers.base import SCHEMA_VERSION, Renderer, RenderOptions
from netverify.renderers.registry import (
    RENDERERS,
    Format,
    formats_for,
    render,
    render_chunks,
    shows_connectivity,
    to_jsonable,
)

__all__ = ["RENDERERS", "SCHEMA_VERSION", "Format", "RenderOptions", "Renderer", "formats_for",
           "render", "render_chunks", "shows_connectivity", "to_jsonable"]
