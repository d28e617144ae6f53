"""Renderers: result objects in, strings out.  The CLI picks one by ``--format``."""

from __future__ import annotations

from netverify.renderers.base import RenderOptions, unsupported
from netverify.renderers.json import render_json, to_jsonable
from netverify.renderers.junit import render_junit
from netverify.renderers.paths import render_paths, render_paths_markdown, render_url
from netverify.renderers.tables import (
    render_diff_markdown,
    render_matrix_csv,
    render_matrix_markdown,
)
from netverify.renderers.text import (
    render_can_reach,
    render_check,
    render_diff,
    render_hypothetical,
    render_lint,
    render_matrix,
    render_who_can_reach,
)
from netverify.results import (
    AuditReport,
    CanReachResult,
    CheckReport,
    DiffResult,
    HypotheticalResult,
    LintResult,
    MatrixResult,
    PathsResult,
    UrlResult,
    WhoCanReachResult,
)

FORMATS: dict[type, tuple[str, ...]] = {
    CanReachResult: ("text", "json"),
    MatrixResult: ("text", "json", "csv", "md"),
    HypotheticalResult: ("text", "json"),
    WhoCanReachResult: ("text", "json"),
    LintResult: ("text", "json"),
    CheckReport: ("text", "json", "junit"),
    DiffResult: ("text", "json", "md"),
    UrlResult: ("text", "json"),
    PathsResult: ("text", "json", "md"),
    AuditReport: ("text", "md", "html", "json", "sarif"),
}


def render(result: object, fmt: str, options: RenderOptions) -> str:
    """Render ``result`` in format ``fmt``.

    Raises:
        UnsupportedFormat: when ``fmt`` cannot render this kind of result.
    """
    supported = list(FORMATS.get(type(result), ()))
    if fmt not in supported:
        raise unsupported(fmt, result, supported)
    if isinstance(result, AuditReport):
        return _render_audit(result, fmt, options)
    if fmt == "json":
        return render_json(result)
    if fmt == "junit" and isinstance(result, CheckReport):
        return render_junit(result)
    if isinstance(result, CanReachResult):
        return render_can_reach(result, options)
    if isinstance(result, HypotheticalResult):
        return render_hypothetical(result, options)
    if isinstance(result, WhoCanReachResult):
        return render_who_can_reach(result, options)
    if isinstance(result, LintResult):
        return render_lint(result, options)
    if isinstance(result, CheckReport):
        return render_check(result, options)
    if isinstance(result, DiffResult):
        if fmt == "md":
            return render_diff_markdown(result, options)
        return render_diff(result, options)
    if isinstance(result, UrlResult):
        return render_url(result, options)
    if isinstance(result, PathsResult):
        if fmt == "md":
            return render_paths_markdown(result, options)
        return render_paths(result, options)
    if isinstance(result, MatrixResult):
        if fmt == "csv":
            return render_matrix_csv(result)
        if fmt == "md":
            return render_matrix_markdown(result, options)
        return render_matrix(result, options)
    raise unsupported(fmt, result, supported)


def _render_audit(report: AuditReport, fmt: str, options: RenderOptions) -> str:
    """Audit formats load lazily: Jinja2 is imported only for HTML."""
    if fmt == "md":
        from netverify.renderers.audit_md import render_audit_markdown

        return render_audit_markdown(report)
    if fmt == "html":
        from netverify.renderers.audit_html import render_audit_html

        return render_audit_html(report)
    if fmt == "sarif":
        from netverify.renderers.audit_sarif import render_audit_sarif

        return render_audit_sarif(report)
    from netverify.renderers.audit import render_audit, render_audit_json

    return render_audit_json(report) if fmt == "json" else render_audit(report, options)


__all__ = ["FORMATS", "RenderOptions", "render", "to_jsonable"]
