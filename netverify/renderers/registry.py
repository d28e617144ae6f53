"""Which renderer writes which result in which format: one table, ``RENDERERS``.

Everything that depends on the set of formats reads it: ``render``, each command's
``--format`` choices (``formats_for``), the goldens (one per entry) and the JSON
Schemas (one per JSON entry).  A new format for one result is one module plus one
line here (and a ``Format`` member when the format is new to netverify).

The shape is semgrep's ``FORMATTERS`` keyed by pip-audit's closed format enum; the key
adds the result type, since each result has its own forms.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final, assert_never

from netverify.renderers import audit as audit_text
from netverify.renderers import (
    audit_html,
    audit_md,
    audit_sarif,
    graph,
    json,
    junit,
    paths,
    tables,
    text,
)
from netverify.renderers.base import (
    DEFAULT_OPTIONS,
    JsonRenderer,
    Renderer,
    RenderOptions,
    unsupported,
)
from netverify.renderers.matrix_json import MatrixJsonRenderer
from netverify.results import (
    AuditReport,
    CanReachResult,
    CheckReport,
    DiffResult,
    HypotheticalResult,
    MatrixResult,
    PathsResult,
    Result,
    UrlResult,
    WhoCanReachResult,
)


class Format(enum.Enum):
    """Every output format netverify has (``--format`` values)."""

    TEXT = "text"
    JSON = "json"
    CSV = "csv"
    MD = "md"
    HTML = "html"
    SARIF = "sarif"
    JUNIT = "junit"
    DOT = "dot"
    LIST = "list"

    @property
    def suffix(self) -> str:
        """The usual file name extension of this format (goldens, ``-o`` examples)."""
        match self:
            case Format.TEXT:
                return "txt"
            case Format.JSON | Format.CSV | Format.MD | Format.HTML | Format.SARIF:
                return str(self.value)
            case Format.JUNIT:
                return "xml"
            case Format.DOT:
                return "dot"
            case Format.LIST:
                return "list.txt"
            case _:
                assert_never(self)


RENDERERS: Final[Mapping[tuple[type[Result], Format], Renderer[Any]]] = MappingProxyType({
    (CanReachResult, Format.TEXT): text.render_can_reach,
    (CanReachResult, Format.JSON): JsonRenderer(json.can_reach_document, "can-reach"),
    (HypotheticalResult, Format.TEXT): text.render_hypothetical,
    (HypotheticalResult, Format.JSON): JsonRenderer(json.hypothetical_document,
                                                    "can-reach-hypothetical"),
    (UrlResult, Format.TEXT): paths.render_url,
    (UrlResult, Format.JSON): JsonRenderer(paths.url_document, "can-reach-url"),
    (WhoCanReachResult, Format.TEXT): text.render_who_can_reach,
    (WhoCanReachResult, Format.JSON): JsonRenderer(json.who_can_reach_document,
                                                   "who-can-reach"),
    (MatrixResult, Format.TEXT): text.render_matrix,
    (MatrixResult, Format.JSON): MatrixJsonRenderer(json.matrix_document, "matrix"),
    (MatrixResult, Format.CSV): tables.render_matrix_csv,
    (MatrixResult, Format.MD): tables.render_matrix_markdown,
    (MatrixResult, Format.DOT): graph.render_matrix_dot,
    (MatrixResult, Format.LIST): graph.render_matrix_list,
    (CheckReport, Format.TEXT): text.render_check,
    (CheckReport, Format.JSON): JsonRenderer(json.check_document, "check"),
    (CheckReport, Format.JUNIT): junit.render_junit,
    (DiffResult, Format.TEXT): text.render_diff,
    (DiffResult, Format.JSON): JsonRenderer(json.diff_document, "diff"),
    (DiffResult, Format.MD): tables.render_diff_markdown,
    (PathsResult, Format.TEXT): paths.render_paths,
    (PathsResult, Format.JSON): JsonRenderer(paths.paths_document, "paths"),
    (PathsResult, Format.MD): paths.render_paths_markdown,
    (AuditReport, Format.TEXT): audit_text.render_audit,
    (AuditReport, Format.MD): audit_md.render_audit_markdown,
    (AuditReport, Format.HTML): audit_html.render_audit_html,
    (AuditReport, Format.JSON): JsonRenderer(audit_text.audit_document, "audit"),
    (AuditReport, Format.SARIF): audit_sarif.render_audit_sarif,
})

# Audit formats that show the connectivity matrices: the audit computes them only for
# these (the all-pairs work is wasted on the others).
SHOWS_CONNECTIVITY: Final = frozenset({Format.MD, Format.HTML, Format.JSON})


def formats_for(*kinds: type[Result]) -> tuple[Format, ...]:
    """The formats some of ``kinds`` can be written in, in ``Format`` order."""
    return tuple(f for f in Format if any((k, f) in RENDERERS for k in kinds))


def shows_connectivity(fmt: Format | str) -> bool:
    """Whether an audit report in ``fmt`` shows the connectivity matrices."""
    return Format(fmt) in SHOWS_CONNECTIVITY


def render(result: Result, fmt: Format | str, options: RenderOptions = DEFAULT_OPTIONS) -> str:
    """Write ``result`` in format ``fmt``.

    Raises:
        UnsupportedFormat: when ``fmt`` cannot render this kind of result.
    """
    try:
        key = (type(result), Format(fmt))
    except ValueError:
        key = None
    renderer = RENDERERS.get(key) if key is not None else None
    if renderer is None:
        supported = [f.value for f in formats_for(type(result))]
        raise unsupported(str(getattr(fmt, "value", fmt)), result, supported)
    return renderer(result, options)


def json_renderer(kind: type[Result]) -> JsonRenderer[Any]:
    """The JSON renderer of a result type (each has one)."""
    renderer = RENDERERS[(kind, Format.JSON)]
    assert isinstance(renderer, JsonRenderer)
    return renderer


def to_jsonable(result: Result) -> dict[str, Any]:
    """The JSON document of a result as a dict (what ``--format json`` writes)."""
    return dict(json_renderer(type(result)).document(result))
