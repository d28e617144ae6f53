"""YAML: the matrix document, key for key as in JSON, for tools that read YAML.

``yaml.safe_dump`` quotes every string that could read as something else and escapes
control characters, so names stay data.
"""

from __future__ import annotations

import yaml

from netverify.renderers.base import RenderOptions
from netverify.renderers.json import matrix_document
from netverify.results import MatrixResult


def render_matrix_yaml(m: MatrixResult, opts: RenderOptions) -> str:
    """The ``--format json`` document as YAML (schema: matrix.schema.json)."""
    return yaml.safe_dump(matrix_document(m), sort_keys=True, allow_unicode=False)
