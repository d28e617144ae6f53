"""End-to-end paths as text, Markdown and JSON: one hop per line, failures explained."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from netverify.hop_text import backend_problem, hop_detail
from netverify.ports import Protocol
from netverify.renderers.base import SCHEMA_VERSION, RenderOptions, finish, paint
from netverify.renderers.coverage import coverage_json, coverage_lines, object_json
from netverify.renderers.fit import fit_table
from netverify.renderers.markdown import md_text, table
from netverify.renderers.text import Traffic, explain_pair
from netverify.results import Hop, MirrorPath, PathsResult, Reason, RoutedPath, UrlResult
from netverify.source import SourceRef
from netverify.verdicts import Answer, HopStatus

MARK = {HopStatus.OK: "✓", HopStatus.BLOCKED: "✗", HopStatus.UNDECIDED: "?"}
WORD = {Answer.YES: ("REACHABLE", "green"), Answer.NO: ("NOT REACHABLE", "red"),
        Answer.UNDECIDED: ("UNDECIDED", "yellow")}


def _hop_lines(h: Hop, opts: RenderOptions) -> list[str]:
    loc = f"  [{h.source.location()}]" if h.source and h.source.line else ""
    out = [f"  {MARK[h.status]} {h.step}: {hop_detail(h)}{loc}"]
    if h.status is HopStatus.BLOCKED or opts.verbose:
        asked = Traffic(port=h.port, protocol=Protocol.TCP if h.port else None)
        for v in h.verdicts:
            out.extend("      " + line for line in explain_pair(v, asked, opts))
    return out


def _path_lines(p: RoutedPath, opts: RenderOptions) -> list[str]:
    word, color = WORD[p.verdict]
    route = (f"{p.route_object} {p.route_field}: host {p.host}, {p.match}" if p.route_object
             else f"none (answered before routing): host {p.host}")
    out = [f"{paint(word, color, opts)} via {p.entry}",
           f"  route: {route}"
           + (f"  [{p.source.location()}]" if p.source and p.source.line else ""),
           f"  TLS: {p.tls}"]
    if p.upstream is not None:
        out.append(f"  rewritten (URLRewrite): the backend gets Host {p.upstream[0]}, "
                   f"path {p.upstream[1]}")
    for b in p.backends:
        share = f" ({b.share:.0%} of requests, weight {b.weight})" if len(p.backends) > 1 else ""
        pods = ", ".join(b.endpoints) or "no endpoints"
        out.append(f"  backend: svc/{b.service}:{b.service_port}{share} -> "
                   f"{b.target or '?'} on {pods}")
    for h in p.hops:
        out.extend(_hop_lines(h, opts))
    for m in p.mirrors:
        b = m.backend
        out.append(f"  mirror ({m.field}, {b.share:.0%} of requests, responses ignored): "
                   f"svc/{b.service}:{b.service_port} -> {b.target or '?'} on "
                   f"{', '.join(b.endpoints) or 'no endpoints'}")
        out.extend(_hop_lines(m.hop, opts))
    out.extend(f"  note: {n}" for n in p.notes)
    return out


def render_url(r: UrlResult, opts: RenderOptions) -> str:
    """The verdict, then each entry point's route, backends and hops; then redirects followed."""
    return finish("\n".join(_url_lines(r, opts)) + "\n", opts)


def _url_lines(r: UrlResult, opts: RenderOptions) -> list[str]:
    word, color = WORD[r.verdict]
    if r.verdict is Answer.UNDECIDED and not r.coverage.complete:
        word = "INCOMPLETE"
    method = "" if r.method in ("GET", "") else f"{r.method} "
    try:
        url_host = urlsplit(r.url).hostname
    except ValueError:  # not a URL a query made (a hand-built result): show both names
        url_host = None
    said = [f"Host {r.host}"] if r.host and r.host != url_host else []
    said += [f"SNI {r.sni}"] if r.sni and r.sni != url_host else []
    asked = f" ({', '.join(said)})" if said else ""
    lines = [f"{paint(word, color, opts)}  {r.src} -> {method}{r.url}{asked}"
             + (f"  ({len(r.paths)} entry points)" if len(r.paths) > 1 else ""),
             *coverage_lines(r.coverage)]
    for p in r.paths:
        lines.append("")
        lines.extend(_path_lines(p, opts))
    if r.notes:
        lines.append("")
        lines.extend(f"note: {n}" for n in r.notes)
    if r.redirect_loop:
        lines += ["", f"redirects not followed further: {r.redirect_loop}"]
    if r.followed is not None:
        status, location, method = r.redirects[0]
        lines += ["", f"following the {status} redirect: {method} {location}",
                  *_url_lines(r.followed, opts)]
    return lines


def _route_rows(r: PathsResult) -> list[list[str]]:
    rows = []
    for p in r.routes:
        redirect = next((h.step for h in p.hops if h.step.startswith("redirect (")), None)
        backends = "; ".join(
            f"{b.service}:{b.service_port}" + (f" {b.share:.0%}" if len(p.backends) > 1 else "")
            for b in p.backends) or redirect or "-"
        pods = sum(len(b.endpoints) for b in p.backends)
        ok = sum(len(b.reachable) for b in p.backends)
        blocked = [h.step for h in p.hops if h.status is HopStatus.BLOCKED]
        verdict = {Answer.YES: "reachable", Answer.NO: "BLOCKED",
                   Answer.UNDECIDED: "undecided"}[p.verdict]
        if blocked:
            verdict += f" ({blocked[0].split(' (')[0]})"
        rows.append([p.host, p.match, p.entry, p.tls, backends, f"{ok}/{pods}", verdict])
    return rows


def _exposed_rows(r: PathsResult) -> list[list[str]]:
    return [[e.service, e.type, "; ".join(e.ports), e.external_traffic_policy,
             f"{len(e.reachable)}/{len(e.endpoints)}"] for e in r.exposed]


ROUTE_HEADERS = ["host", "path", "entry", "TLS", "service", "pods reachable", "verdict"]
EXPOSED_HEADERS = ["service", "type", "ports", "externalTrafficPolicy", "pods reachable"]


def render_paths(r: PathsResult, opts: RenderOptions, *, table_format: str = "simple") -> str:
    """Two tables: routes from outside, and Services exposed without a route."""
    out = []
    width = opts.width if table_format == "simple" else None  # Markdown tables do not wrap
    cov = coverage_lines(r.coverage)
    if cov:
        head = [f"{paint('INCOMPLETE', 'yellow', opts)}: some verdicts below are not "
                "decided"] if not r.coverage.complete else []
        out.append("\n".join([*head, *cov]))
    if r.routes:
        out.append(fit_table(_route_rows(r), ROUTE_HEADERS, width, tablefmt=table_format))
    else:
        out.append("no Ingress or HTTPRoute routes in the input")
    if r.exposed:
        out.append(fit_table(_exposed_rows(r), EXPOSED_HEADERS, width, tablefmt=table_format))
    failing = [p for p in r.routes if p.verdict is Answer.NO]
    if failing and table_format == "simple":
        blocks = []
        for p in failing:
            blocks.append("\n".join([f"blocked: {p.host} {p.match} ({p.route_object}):",
                                     *_path_lines(p, opts)[1:]]))
        out.append("\n\n".join(blocks))
    notes = list(r.notes) + sorted({n for p in r.routes for n in p.notes})
    if notes:
        out.append("\n".join(f"note: {n}" for n in notes))
    return finish("\n\n".join(out) + "\n", opts)


def render_paths_markdown(r: PathsResult, opts: RenderOptions) -> str:
    """GitHub-flavoured Markdown tables; everything from the manifests is escaped."""
    out = []
    cov = coverage_lines(r.coverage)
    if cov:
        if not r.coverage.complete:
            out += ["**INCOMPLETE**: some verdicts below are not decided.", ""]
        out += [*[f"- {md_text(line.strip())}" for line in cov], ""]
    out += ["## Routes from outside the cluster", ""]
    out.append(table(ROUTE_HEADERS, _route_rows(r)) if r.routes else "_none_")
    out += ["", "## Services exposed directly (NodePort, LoadBalancer)", ""]
    out.append(table(EXPOSED_HEADERS, _exposed_rows(r)) if r.exposed else "_none_")
    notes = list(r.notes) + sorted({n for p in r.routes for n in p.notes})
    if notes:
        out += ["", *[f"- {md_text(n)}" for n in notes]]
    return "\n".join(out) + "\n"


# -- JSON -----------------------------------------------------------------------------------

def _src(s: SourceRef | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"file": s.file, "document": s.document, "item": s.item, "line": s.line}


def _facts(r: Reason) -> dict[str, Any]:
    """The facts of a hop's reason, every key always present (which count: ``HopReason``)."""
    via = None if r.via is None else {
        "number": r.via.number, "source": r.via.source.value, "service": r.via.service,
        "service_port": r.via.service_port, "target_name": r.via.target_name}
    return {
        "service": r.service, "kind": r.kind, "group": r.group, "namespace": r.namespace,
        "name": r.name,
        "object": r.obj, "other": r.other, "host": r.host, "field": r.field, "proxy": r.proxy,
        "via": via, "admitted_from": list(r.admitted_from),
        "exposed": [{"service": s, "ports": list(ports)} for s, ports in r.exposed],
        "endpoints": r.endpoints, "reachable": r.reachable, "target": r.target,
        "blocked": list(r.blocked), "missing": list(r.missing), "why": r.why, "idle": r.idle,
        "http_status": r.http_status,
        "grants": [{"name": name, "why": why} for name, why in r.grants], "sni": r.sni,
        "location": r.location}


def _hop_json(h: Hop) -> dict[str, Any]:
    return {"step": h.step, "status": h.status.value, "detail": hop_detail(h),
            "reason": h.reason.code.value, "http_status": h.reason.http_status,
            "facts": _facts(h.reason), "port": h.port,
            "source": _src(h.source),
            "blocked_pairs": [{"from": v.src.name, "to": v.dst.name} for v in h.verdicts],
            "unevaluated": [object_json(o) for o in h.coverage.unevaluated]}


def _mirror_json(m: MirrorPath) -> dict[str, Any]:
    b = m.backend
    return {"field": m.field, "service": b.service, "port": b.service_port,
            "target": b.target, "fraction": round(b.share, 4),
            "endpoints": list(b.endpoints), "reachable": list(b.reachable),
            "hop": _hop_json(m.hop)}


def _path_json(p: RoutedPath) -> dict[str, Any]:
    return {
        "entry": p.entry, "route": p.route_object, "field": p.route_field, "host": p.host,
        "match": p.match, "tls": p.tls, "proxy_pods": list(p.controller),
        "verdict": p.verdict.value, "source": _src(p.source), "notes": list(p.notes),
        "statuses": list(p.statuses),
        "rewritten": None if p.upstream is None else {"host": p.upstream[0],
                                                        "path": p.upstream[1]},
        "backends": [{"service": b.service, "port": b.service_port, "target": b.target,
                      "weight": b.weight, "share": round(b.share, 4),
                      "endpoints": list(b.endpoints), "reachable": list(b.reachable),
                      "problem": backend_problem(b),
                      "problem_reason": b.problem.code.value if b.problem else None,
                      "http_status": b.problem.http_status if b.problem else None}
                     for b in p.backends],
        "hops": [_hop_json(h) for h in p.hops],
        "mirrors": [_mirror_json(m) for m in p.mirrors],
    }


def url_document(r: UrlResult) -> dict[str, Any]:
    """JSON form of ``can-reach SRC URL``."""
    return {"schema_version": SCHEMA_VERSION, "query": "can-reach-url", "src": r.src,
            "url": r.url, "method": r.method, "mode": r.mode, "host": r.host, "sni": r.sni,
            "verdict": r.verdict.value,
            "statuses": list(r.statuses),
            "paths": [_path_json(p) for p in r.paths],
            "redirects": [{"status": st, "location": loc, "method": m}
                          for st, loc, m in r.redirects],
            "followed": None if r.followed is None else url_document(r.followed),
            "redirect_loop": r.redirect_loop or None,
            "notes": list(r.notes), **coverage_json(r.coverage)}


def paths_document(r: PathsResult) -> dict[str, Any]:
    """JSON form of ``paths``."""
    return {"schema_version": SCHEMA_VERSION, "query": "paths", "method": r.method,
            "routes": [_path_json(p) for p in r.routes],
            "exposed": [{"service": e.service, "type": e.type, "ports": list(e.ports),
                         "external_traffic_policy": e.external_traffic_policy,
                         "endpoints": list(e.endpoints), "reachable": list(e.reachable),
                         "notes": list(e.notes), "source": _src(e.source)}
                        for e in r.exposed],
            "notes": list(r.notes), **coverage_json(r.coverage)}
