"""The ``netverify`` command: thin click wrappers over the library.

Each command parses options, loads the cluster, calls one query, renders the result
(``renderers.render``; the ``--format`` choices come from its registry) and exits with
``exits.exit_code_for``.  ``NetverifyError`` becomes one line on stderr and exit 2;
any other exception is a bug in netverify: one line on stderr and exit 4, so that CI
never reads it as "denied" or "findings" (``--debug`` shows the traceback).
"""

from __future__ import annotations

import functools
import gc
import io
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from netverify import __version__
from netverify.deadline import DEFAULT_TIMEOUT_MS, UndecidedError
from netverify.errors import NetverifyError
from netverify.exits import NO_GATES, DiffGate, ExitCode, Gates, exit_code_for
from netverify.loader import CLUSTER_PATH, HelmOptions, LiveCluster, load_cluster
from netverify.model import Cluster
from netverify.output import write_output
from netverify.progress import for_stderr as progress_on_stderr
from netverify.renderers import (
    Format,
    RenderOptions,
    formats_for,
    render,
    render_chunks,
    shows_connectivity,
)
from netverify.renderers.base import sanitize
from netverify.results import (
    AuditReport,
    CanReachResult,
    CheckReport,
    DiffResult,
    HypotheticalResult,
    MatrixResult,
    PathsResult,
    Result,
    Severity,
    SuggestResult,
    UrlResult,
    WhoCanReachResult,
)
from netverify.terminal import color_enabled, table_width
from netverify.verdicts import GroupBy

__all__ = ["ExitCode", "exit_code_for", "main", "run"]


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            with progress_on_stderr():  # phases and bars, only when stderr is a terminal
                return super().invoke(ctx)
        except NetverifyError as e:
            if ctx.params.get("debug"):
                raise
            click.echo(f"netverify: error: {sanitize(str(e))}", err=True)
            ctx.exit(ExitCode.USAGE)
        except UndecidedError as e:
            if ctx.params.get("debug"):
                raise
            click.echo(f"netverify: undecided: {sanitize(str(e))}", err=True)
            ctx.exit(ExitCode.UNDECIDED)
        except (click.exceptions.ClickException, click.exceptions.Exit,
                click.exceptions.Abort):
            raise  # usage errors (exit 2), --help, --version, Ctrl-C: click reports them
        except BrokenPipeError:
            # The reader went away (`| head`): not a bug.  Stop quietly with the status a
            # shell gives a process killed by SIGPIPE, which no command uses for an answer.
            _silence_stdout()
            ctx.exit(128 + 13)
        except Exception as e:
            if ctx.params.get("debug"):
                raise
            click.echo(f"netverify: internal error: {type(e).__name__}: {sanitize(str(e))} "
                       "(please report it; run with --debug for the traceback)", err=True)
            ctx.exit(ExitCode.INTERNAL)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that flushing it at exit raises nothing more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # no real file descriptor (tests): nothing will be flushed to a closed pipe


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="netverify")
@click.option("--debug", is_flag=True,
              help="Show tracebacks of input errors and internal errors.")
@click.option("--no-cache", is_flag=True,
              help="Parse every file and build the model afresh (the model of unchanged "
                   "files and large files' parses are cached by default; "
                   "NETVERIFY_NO_CACHE=1 says the same).")
@click.option("--config", "config_path", metavar="PATH", type=click.Path(dir_okay=False),
              help="Settings file (default: .netverify.yaml or pyproject.toml's "
                   "[tool.netverify], from the current folder upwards).")
@click.option("--no-config", is_flag=True, help="Read no settings file.")
@click.pass_context
def main(ctx: click.Context, debug: bool, no_cache: bool, config_path: str | None,
         no_config: bool) -> None:
    """Verify Kubernetes network reachability from manifests, exactly and with reasons.

    Exit status: 0 allowed/passed, 1 denied/failed, 2 usage or input error,
    3 undecided (solver time limit, unknown hop) or incomplete (traffic policies
    netverify does not evaluate, see --ignore-kind), 4 internal error (a bug).

    Settings (inputs, CNI, rules, suppressions) may come from .netverify.yaml or
    [tool.netverify] in pyproject.toml; options on the command line win
    (netverify config show).
    """
    # numpy asks the kernel for transparent huge pages on large arrays; where THP defrag
    # is "madvise" (Debian's default) each may compact memory synchronously: 20 s of
    # system time in a 76 s matrix of 100,000 pods.  Set before numpy is imported (no
    # command has imported it yet); a user's own setting wins.
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    from netverify import config

    path = None if no_config else Path(config_path) if config_path else config.find()
    settings = config.load(path)
    ctx.meta["netverify.config"] = settings
    ctx.default_map = settings.default_map()


def _files_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return _source_options(click.option(
        "-f", "--file", "files", multiple=True, metavar="PATH",
        help="Manifest file, folder (recursive *.yaml, *.yml, *.json), Kustomize folder or "
             "Helm chart (rendered), - for stdin, or cluster: (the live cluster). "
             "Repeatable.")(f))


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Keep a loading option for ``_load`` (the commands do not take it as an argument)."""
    ctx.meta[f"netverify.{param.name}"] = value
    return value


def _source_options(f: Callable[..., Any], from_cluster: bool = True) -> Callable[..., Any]:
    """Options that say how to read the inputs, on every command that loads manifests."""
    f = click.option("--kubeconfig", metavar="PATH", expose_value=False, callback=_remember,
                     type=click.Path(dir_okay=False),
                     help="kubeconfig for --from-cluster / cluster: (default: kubectl's, "
                          "KUBECONFIG).")(f)
    f = click.option("--context", metavar="NAME", expose_value=False, callback=_remember,
                     help="kubeconfig context for --from-cluster / cluster: (default: the "
                          "current one).")(f)
    if from_cluster:
        f = click.option("--from-cluster", is_flag=True, expose_value=False,
                         callback=_remember,
                         help="Read the live cluster with kubectl get (your kubeconfig and "
                              "its auth plugins) instead of, or with, -f.")(f)
    f = click.option("--helm-release", metavar="NAME", expose_value=False, callback=_remember,
                     help="Release name for helm template (default: the chart folder's "
                          "name).")(f)
    return click.option("--helm-values", metavar="FILE", multiple=True, expose_value=False,
                        callback=_remember, type=click.Path(dir_okay=False),
                        help="Values file for the Helm charts among the inputs (helm "
                             "template --values; repeatable, in order).")(f)


def _ignore_kind_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--ignore-kind", "ignore_kinds", multiple=True, metavar="KIND[.GROUP]",
        help="Ignore on purpose traffic policies netverify does not evaluate (e.g. "
             "CiliumNetworkPolicy, NetworkPolicy.projectcalico.org); without it, answers "
             "they could change are incomplete (exit 3). Repeatable; echoed in the output.")(f)


def _format_option(*kinds: type[Result], help: str = "Output format."
                   ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--format``, offering exactly what the renderer registry has for ``kinds``."""
    choices = [f.value for f in formats_for(*kinds)]
    return click.option("--format", "fmt", type=click.Choice(choices),
                        default=Format.TEXT.value, show_default=True, help=help)


def _output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--wide", is_flag=True, expose_value=False, callback=_remember,
                     help="Do not fit tables to the terminal (COLUMNS): one line per row.")(f)
    f = click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
                     default="-", help="Write the result here instead of stdout.")(f)
    return click.option("--color", type=click.Choice(["auto", "always", "never"]),
                        default="auto", show_default=True,
                        help="Colour in text output. auto: only on a terminal, and not when "
                             "NO_COLOR is set or TERM=dumb; always: even through a pipe "
                             "or into -o.")(f)


def _common(*kinds: type[Result]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        f = _ignore_kind_option(f)
        f = _output_options(f)
        f = click.option("-v", "--verbose", is_flag=True,
                         help="Explain every pair; list skipped kinds and assumptions.")(f)
        f = _format_option(*kinds)(f)
        return _files_option(f)
    return deco


NAMESPACE_HELP = ("Namespace of bare names, as kubectl's -n: web means NAMESPACE/web, "
                  "svc/web svc/NAMESPACE/web.")


def _namespace_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("-n", "--namespace", metavar="NAMESPACE", help=NAMESPACE_HELP)(f)


def _smt_timeout_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--smt-timeout", type=click.FloatRange(0.001, 86400), default=DEFAULT_TIMEOUT_MS / 1000,
        show_default=True, metavar="SECONDS",
        help="Time limit for ALL the solver work of this command together (not per check), "
             "counted from its first solver question. What is not decided by then is "
             "reported as undecided (exit 3), never guessed.")(f)


def _timeout_ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _progress(message: str) -> None:
    """A progress line on stderr, only for a person watching a terminal."""
    if sys.stderr.isatty():
        click.echo(f"netverify: {sanitize(message)}", err=True)


def _inputs(files: Sequence[str]) -> list[str]:
    """Return ``files``, plus the live cluster when asked for.

    The live cluster is read with ``--from-cluster`` (or as ``kubectl netverify`` without
    ``-f``); it is an error when that leaves nothing to read.
    """
    ctx = click.get_current_context()
    plugin = isinstance(ctx.find_root().obj, dict) and ctx.find_root().obj.get("plugin")
    live = ctx.meta.get("netverify.from_cluster") or (plugin and not files)
    out = [*files, CLUSTER_PATH] if live and CLUSTER_PATH not in files else list(files)
    if not out:
        raise click.UsageError("no input: give manifests with -f PATH (repeatable), or read "
                               "the live cluster with --from-cluster")
    return out


def _live_requested() -> bool:
    ctx = click.get_current_context()
    return bool(ctx.meta.get("netverify.from_cluster"))


def _load(files: Sequence[str], verbose: bool, ignore_kinds: Sequence[str] = ()) -> Cluster:
    files = _inputs(files)
    t0 = time.perf_counter()
    _progress(f"loading {', '.join(files)} ...")
    root = click.get_current_context().find_root()
    cache = not root.params.get("no_cache") and os.environ.get(
        "NETVERIFY_NO_CACHE", "") in ("", "0")
    meta = click.get_current_context().meta
    helm = HelmOptions(values=tuple(meta.get("netverify.helm_values") or ()),
                       release=meta.get("netverify.helm_release"))
    live = LiveCluster(context=meta.get("netverify.context"),
                       kubeconfig=meta.get("netverify.kubeconfig"))
    cluster = _load_frozen(files, use_cache=cache, ignore_kinds=ignore_kinds, helm=helm,
                           live=live)
    if verbose:
        click.echo(f"loaded {len(cluster.pods)} pods, {len(cluster.policies)} policies, "
                   f"{len(cluster.namespaces)} namespaces in {time.perf_counter() - t0:.2f}s",
                   err=True)
        for note in cluster.notes:
            click.echo(f"note: {sanitize(note)}", err=True)
    for w in cluster.warnings:  # they quote names from the manifests: no raw control characters
        click.echo(f"warning: {sanitize(w)}", err=True)
    return cluster


def _load_frozen(files: Sequence[str], **options: Any) -> Cluster:
    """``load_cluster``, its model then kept out of the garbage collector's sight.

    The model lives until the process ends and holds no cycles to find; left in the
    young generations, the collector would traverse all of it (84,000 objects at
    10,000 pods: 0.1 s of a 0.6 s question) as soon as it runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        cluster = load_cluster(files, **options)
        gc.freeze()
        if not _whole_process:
            # In-process callers (tests, scripts) go on after the command: hand the objects
            # back to the collector then.  The program itself exits, and a model unfrozen at
            # exit would be traversed once more (0.04 s at 10,000 pods).
            click.get_current_context().call_on_close(gc.unfreeze)
        return cluster
    finally:
        if enabled:
            gc.enable()


def _emit(result: Result, fmt: str, color: str, verbose: bool, output: str,
          gates: Gates = NO_GATES) -> NoReturn:
    """Render, write to stdout or ``output`` (only once the query succeeded), and exit."""
    to_stdout = output == "-"
    tty = to_stdout and sys.stdout.isatty()
    wide = bool(click.get_current_context().meta.get("netverify.wide"))
    text = render_chunks(result, fmt, RenderOptions(color=color_enabled(color, tty=tty),
                                                    verbose=verbose,
                                                    width=table_width(tty=tty, wide=wide)))
    if to_stdout:
        # color= stops click from stripping the colour we chose (it strips on a pipe).
        for piece in text:
            click.echo(piece, nl=False, color=color_enabled(color, tty=tty))
    else:
        write_output(output, text)
    raise SystemExit(int(exit_code_for(result, gates)))


def _backend_kinds(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``--backend-kind GROUP/KIND`` values as (group, kind); ``/KIND`` is the core group."""
    out = []
    for v in values:
        group, sep, kind = v.rpartition("/")
        if not sep or not kind:
            raise click.BadParameter(f"{v!r} is not GROUP/KIND (e.g. "
                                     "multicluster.x-k8s.io/ServiceImport)",
                                     param_hint="--backend-kind")
        out.append((group, kind))
    return tuple(out)


_method_option = click.option(
    "-X", "--method", metavar="METHOD",
    help="With a URL (and for paths): the HTTP method (default GET) HTTPRoute rules match; "
         "Ingress does not match methods.")

_backend_kind_option = click.option(
    "--backend-kind", "backend_kinds", multiple=True, metavar="GROUP/KIND",
    help="A backendRef kind the Gateway implementation supports besides Service "
         "(repeatable); other kinds are invalid (InvalidKind, 500).")


_URL_ONLY = ("--method and --backend-kind ask about a URL (can-reach internet "
             "https://host/path; --backend-kind also the ways into a workload from the "
             "internet), and so do --header, --sni and --follow-redirects")


@main.command("can-reach")
@click.argument("src")
@click.argument("dst")
@click.option("--port", help="Destination port (number or name); same as DST:PORT.")
@click.option("--protocol", help="TCP (default with a port), UDP or SCTP.")
@click.option("--hypothetical", is_flag=True,
              help="Range over every pod that could exist (SMT); endpoints may be NS/*, "
                   "NS/key=value, */* or */key=value.")
@click.option("--new-namespaces", is_flag=True,
              help="With --hypothetical: */... also admits namespaces that do not exist yet.")
@click.option("--engine", type=click.Choice(["concrete", "smt"]), default="concrete",
              show_default=True, help="Engine deciding existing pairs (for cross-checking).")
@_namespace_option
@_smt_timeout_option
@click.option("--cni", metavar="NAME[@VERSION]",
              help="The cluster's network plugin (default: detected from the manifests), "
                   "e.g. flannel, calico, cilium@1.14.")
@click.option("--policy-only", is_flag=True,
              help="Answer what the policies say, ignoring what the CNI enforces.")
@click.option("--resolves-to", metavar="ADDRESS",
              help="With a DNS name outside the cluster as SRC or DST: the address (or CIDR) "
                   "it resolves to; without it, every address is considered.")
@click.option("-H", "--header", "headers", multiple=True, metavar="'NAME: VALUE'",
              help="With a URL: a request header HTTPRoute rules may match (repeatable); "
                   "'Host: NAME[:PORT]' is the Host that routes.")
@click.option("--follow-redirects", is_flag=True,
              help="With a URL: follow the redirects it is answered with (RequestRedirect "
                   "filters), asking each Location in turn; a loop is a no.")
@click.option("--sni", metavar="NAME",
              help="With an https URL: the TLS server name (default: the URL's host); it "
                   "picks the certificate and the Gateway listener.")
@click.option("--controller", metavar="NS/NAME",
              help="With a URL: the ingress controller or gateway pods, when they are not "
                   "recognised in the manifests.")
@_backend_kind_option
@_method_option
@_common(CanReachResult, HypotheticalResult, UrlResult)
def can_reach_cmd(src: str, dst: str, port: str | None, protocol: str | None,
                  hypothetical: bool, new_namespaces: bool, engine: str, namespace: str | None,
                  smt_timeout: float,
                  cni: str | None, policy_only: bool, resolves_to: str | None,
                  headers: tuple[str, ...], sni: str | None, follow_redirects: bool,
                  controller: str | None, backend_kinds: tuple[str, ...],
                  method: str | None, files: tuple[str, ...], fmt: str,
                  verbose: bool, color: str, output: str, ignore_kinds: tuple[str, ...]) -> None:
    """Say whether SRC may open connections to DST, and which rules decide it.

    \b
    SRC and DST are NAMESPACE/NAME (a pod, workload or app label value),
    NAMESPACE/key=value[,key=value] (a label selector), or an IP address or
    CIDR outside the cluster, or a DNS name outside it (api.example.com:443:
    cluster-wide domainNames rules match the name, other rules the address,
    given by --resolves-to or else any).  DST may end in :PORT[/PROTOCOL], for
    example backend/db:5432, kube-system/kube-dns:53/UDP or backend/db:postgres.
    Without a port, the allowed ports and protocols are listed.

    DST may also be a Service: svc/NAMESPACE/NAME[:PORT] or a DNS name
    (api-service.backend:80); each endpoint pod gets its own verdict.  From
    outside, SRC internet (or an IP) and DST a URL follows the request
    through Ingress or Gateway API routes, or to the LoadBalancer, NodePort or
    externalIP Service whose address is the URL's host (or --resolves-to):
    netverify can-reach internet https://app.example.com/api
    (grpc://HOST/pkg.Service/Method follows GRPCRoutes, tls://HOST:PORT TLSRoutes.)
    From internet, DST NAMESPACE/NAME[:PORT] asks whether any way in (such a
    Service, an Ingress or HTTPRoute rule) reaches the workload.

    With --hypothetical the question is whether ANY pod matching SRC (existing or
    not) may reach DST: yes comes with a witness pod, no is a proof.

    Exit status: 0 allowed (for every pair) / yes, 1 denied / no, 2 input error,
    3 undecided (solver time limit, or a URL hop netverify cannot check) or
    incomplete (traffic policies netverify does not evaluate apply).
    """
    from netverify.queries.can_reach import can_reach
    from netverify.queries.endpoints import asks_url, qualify

    src, dst = qualify(src, namespace), qualify(dst, namespace)
    controller = qualify(controller, namespace) if controller else None
    cluster = _load(files, verbose, ignore_kinds)
    if asks_url(src, dst):
        from netverify.queries.paths import can_reach_url

        pairs = []
        for h in headers:
            name, sep, value = h.partition(":")
            if not sep or not name.strip():
                raise click.BadParameter(f"{h!r} is not 'NAME: VALUE'", param_hint="--header")
            pairs.append((name.strip(), value.strip()))
        if hypothetical or port or protocol:
            raise click.UsageError("a URL destination takes no --hypothetical, --port or "
                                   "--protocol (the URL names the port)")
        ask = can_reach_url
        if follow_redirects:
            from netverify.queries.redirects import follow_redirects as ask
        _emit(ask(cluster, src, dst, headers=pairs, controller=controller, cni=cni,
                  policy_only=policy_only, method=method, sni=sni,
                  backend_kinds=_backend_kinds(backend_kinds), resolves_to=resolves_to),
              fmt, color, verbose, output)
    if method or sni or headers or follow_redirects:
        raise click.UsageError(_URL_ONLY)
    if src.lower() in ("internet", "external") and not hypothetical:
        from netverify.queries.exposed_workload import can_reach_workload

        _emit(can_reach_workload(cluster, src, dst, port=port, controller=controller, cni=cni,
                                 policy_only=policy_only,
                                 backend_kinds=_backend_kinds(backend_kinds)),
              fmt, color, verbose, output)
    if backend_kinds:
        raise click.UsageError(_URL_ONLY)
    if new_namespaces and not hypothetical:
        raise click.UsageError("--new-namespaces needs --hypothetical")
    result: Result
    if hypothetical:
        from netverify.queries.hypothetical import can_reach_hypothetical  # loads Z3

        result = can_reach_hypothetical(cluster, src, dst, port=port, protocol=protocol,
                                        new_namespaces=new_namespaces,
                                        timeout_ms=_timeout_ms(smt_timeout))
    else:
        result = can_reach(cluster, src, dst, port=port, protocol=protocol, engine=engine,
                           cni=cni, policy_only=policy_only, timeout_ms=_timeout_ms(smt_timeout),
                           resolves_to=resolves_to)
    _emit(result, fmt, color, verbose, output)


@main.command("paths")
@click.option("--controller", metavar="NS/NAME",
              help="The ingress controller or gateway pods, when not recognised by image.")
@click.option("--cni", metavar="NAME[@VERSION]",
              help="The cluster's network plugin (default: detected from the manifests).")
@click.option("--policy-only", is_flag=True,
              help="What the policies say, ignoring what the CNI enforces.")
@click.option("--fail-on-blocked", is_flag=True,
              help="Exit 1 when some route is blocked (for CI).")
@_backend_kind_option
@_method_option
@_namespace_option
@_common(PathsResult)
def paths_cmd(controller: str | None, cni: str | None, policy_only: bool, fail_on_blocked: bool,
              backend_kinds: tuple[str, ...], method: str | None, namespace: str | None,
              files: tuple[str, ...], fmt: str, verbose: bool, color: str,
              output: str, ignore_kinds: tuple[str, ...]) -> None:
    """List every way in from outside, and whether NetworkPolicy lets traffic through.

    Ingress and HTTPRoute routes, NodePort and LoadBalancer Services, with TLS, backends,
    endpoint pods and whether NetworkPolicy lets the controller (or the outside) reach
    them.

    Exit status: 0, or 1 with --fail-on-blocked when a route is blocked; 2 input error;
    3 incomplete (traffic policies netverify does not evaluate leave hops undecided).
    """
    from netverify.queries.endpoints import qualify
    from netverify.queries.paths import paths

    controller = qualify(controller, namespace) if controller else None
    cluster = _load(files, verbose, ignore_kinds)
    _emit(paths(cluster, controller=controller, cni=cni, policy_only=policy_only,
                backend_kinds=_backend_kinds(backend_kinds), method=method), fmt, color,
          verbose, output, Gates(fail_on_blocked=fail_on_blocked))


@main.command("matrix")
@click.option("--port", type=click.IntRange(1, 65535), help="Ask about one port.")
@click.option("--protocol", help="TCP (default with --port), UDP or SCTP.")
@click.option("-n", "--namespace", "namespaces", multiple=True,
              help="Only pods of this namespace (repeatable); given once, also the namespace "
                   "of a bare --focus name, as kubectl's -n.")
@click.option("--focus", metavar="NS/NAME",
              help="Show only the workload (pod, label selector) NS/NAME and what it "
                   "connects to or from; dot and list draw only the pairs touching it.")
@click.option("--by", type=click.Choice([g.value for g in GroupBy]), default=GroupBy.POD.value,
              show_default=True, help="Aggregate cells; group cells count allowed pod pairs.")
@click.option("--engine", type=click.Choice(["concrete", "smt"]), default="concrete",
              show_default=True, help="smt: decide every pair with Z3 (cross-checking, slow).")
@click.option("--cni", metavar="NAME[@VERSION]",
              help="The cluster's network plugin (default: detected from the manifests).")
@click.option("--policy-only", is_flag=True,
              help="What the policies say, ignoring what the CNI enforces.")
@click.option("--force", is_flag=True,
              help="Print the pod-level matrix, or a group matrix as a table, even above "
                   "its size limit (see --by).")
@_smt_timeout_option
@_common(MatrixResult)
def matrix_cmd(port: int | None, protocol: str | None, namespaces: tuple[str, ...],
               focus: str | None, by: str,
               engine: str, cni: str | None, policy_only: bool, force: bool,
               smt_timeout: float,
               files: tuple[str, ...], fmt: str, verbose: bool, color: str, output: str,
               ignore_kinds: tuple[str, ...]) -> None:
    """Print the connectivity matrix of all pods (or workloads, or namespaces).

    Each cell holds the allowed ports (or ✓/✗ with --port); with --by workload
    or namespace it counts allowed pod pairs out of all pod pairs.  --format dot
    draws a Graphviz graph (dot -Tsvg), --format list one line per allowed pair.

    -n here limits the pods, as kubectl get -n; the other commands take -n as the
    namespace of bare names, and so does --focus when -n is given once.

    The pod level (every pair of pods) is refused above 2,500 pods unless --force:
    use --by workload or --by namespace there.  A group matrix above 500 rows is
    refused as a text or Markdown table unless --force: use json, csv or list.

    Exit status: 0, 2 input error (or a pod-level matrix too large), 3 incomplete
    (cells marked ? depend on traffic policies netverify does not evaluate).
    """
    from netverify.queries.matrix import matrix, refuse_wide_table

    cluster = _load(files, verbose, ignore_kinds)
    if fmt in (Format.TEXT.value, Format.MD.value) and not force and not focus:
        refuse_wide_table(cluster, by, namespaces)
    t0 = time.perf_counter()
    _progress(f"deciding {len(cluster.pods) ** 2:,} pod pairs ...")
    result = matrix(cluster, by=GroupBy(by), port=port, protocol=protocol, namespaces=namespaces,
                    engine=engine, cni=cni, policy_only=policy_only,
                    timeout_ms=_timeout_ms(smt_timeout), force=force)
    if verbose:
        click.echo(f"matrix computed in {time.perf_counter() - t0:.2f}s", err=True)
    if focus:
        from netverify.queries.endpoints import qualify
        from netverify.queries.focus import focus_matrix

        default_ns = namespaces[0] if len(namespaces) == 1 else None
        result = focus_matrix(cluster, result, qualify(focus, default_ns))
    _emit(result, fmt, color, verbose, output)


@main.command("who-can-reach")
@click.argument("dst")
@click.option("--port", help="Destination port (number or name); same as DST:PORT.")
@click.option("--protocol", help="TCP (default with a port), UDP or SCTP.")
@_namespace_option
@_smt_timeout_option
@_common(WhoCanReachResult)
def who_can_reach_cmd(dst: str, port: str | None, protocol: str | None,
                      namespace: str | None, smt_timeout: float,
                      files: tuple[str, ...], fmt: str, verbose: bool, color: str,
                      output: str, ignore_kinds: tuple[str, ...]) -> None:
    """List the existing pods that can reach DST, and describe every possible source.

    Possible sources (pods that do not exist yet, new namespaces, address ranges)
    are described as label and CIDR constraints, each checked by the solver
    against the sources' own egress policies.

    Exit status: 0 something can reach DST, 1 nothing can, 2 input error,
    3 incomplete, or nothing is known to reach DST and some family was not decided
    in time.
    """
    from netverify.queries.endpoints import qualify
    from netverify.queries.who_can_reach import who_can_reach

    dst = qualify(dst, namespace)
    cluster = _load(files, verbose, ignore_kinds)
    result = who_can_reach(cluster, dst, port=port, protocol=protocol,
                           timeout_ms=_timeout_ms(smt_timeout))
    _emit(result, fmt, color, verbose, output)


@main.command("lint")
@click.option("--fail-on", type=click.Choice([s.value for s in Severity]), default="info",
              show_default=True,
              help="Exit 1 when a finding at or above this severity exists (hidden ones too).")
@click.option("--min-severity", type=click.Choice([s.value for s in Severity]),
              help="Show only findings at or above this severity; the report counts the rest.")
@click.option("--rule", "rules", multiple=True, metavar="NVxxx",
              help="Only these rules (default: NV102, NV134-NV136, NV150-NV152).")
@_smt_timeout_option
@_common(AuditReport)
def lint_cmd(fail_on: str, min_severity: str | None, rules: tuple[str, ...], smt_timeout: float,
             files: tuple[str, ...], fmt: str, verbose: bool, color: str, output: str,
             ignore_kinds: tuple[str, ...]) -> None:
    """Report policies that select nothing, and rules or policies that change nothing.

    Runs the audit rules NV102 (selects no existing pod), NV150 (selects no possible
    pod), NV151/NV152 (redundant rule/policy, naming the policies that shadow it) and
    the tier rules NV134-NV136, with audit's formats, suppressions
    (netverify.io/ignore) and gates.  Redundancy is decided over every pod that could
    exist (SMT), not only the existing ones.

    Exit status: 0 nothing at or above --fail-on, 1 otherwise, 2 input error, 3 nothing
    at or above --fail-on but incomplete (other kinds of policy may make more rules
    redundant) or some rules or policies were not decided in time.
    """
    from netverify.audit.run import lint

    cluster = _load(files, verbose, ignore_kinds)
    report = lint(cluster, only=rules or None, inputs=files,
                  min_severity=Severity(min_severity) if min_severity else None,
                  fail_on=Severity(fail_on), timeout_ms=_timeout_ms(smt_timeout))
    _emit(report, fmt, color, verbose, output)


@main.command("check")
@click.argument("specs", nargs=-1, metavar="[SPEC_OR_DIR]...")
@click.option("-f", "--file", "files", multiple=True, metavar="PATH",
              help="Manifests to check instead of each spec's manifests: (repeatable).")
@click.option("--junit", "junit", type=click.Path(dir_okay=False),
              help="Also write JUnit XML here (one test case per assertion).")
@_format_option(CheckReport, help="Output format on stdout.")
@_output_options
@click.option("-v", "--verbose", is_flag=True, help="Show the message of passing assertions.")
@_smt_timeout_option
@_ignore_kind_option
@_source_options
def check_cmd(specs: tuple[str, ...], files: tuple[str, ...], junit: str | None, fmt: str,
              output: str, color: str, verbose: bool, smt_timeout: float,
              ignore_kinds: tuple[str, ...]) -> None:
    """Run the assertion specs (default: specs/) and report counterexamples.

    Exit status: 0 every assertion passed, 1 some failed, 2 invalid spec or
    manifests, 3 none failed but some are undecided (solver time limit) or
    incomplete.
    """
    from netverify.queries.check import check
    from netverify.specs import find_specs

    paths = find_specs(list(specs) or ["specs"])
    result = check(paths, load=lambda p: _load(p, verbose, ignore_kinds),
                   manifests=_inputs(files) if files or _live_requested() else None,
                   timeout_ms=_timeout_ms(smt_timeout))
    if junit:
        write_output(junit, render(result, Format.JUNIT))
    _emit(result, fmt, color, verbose, output)


@main.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--fail-on", type=click.Choice([g.value for g in DiffGate]),
              help="Exit 1 when traffic is newly allowed (allow), newly denied (deny) or either, "
                   "for existing pods or any pod that could exist.")
@_format_option(DiffResult, help="Output format (md for a pull-request comment).")
@_output_options
@click.option("-v", "--verbose", is_flag=True, help="List skipped kinds and assumptions.")
@_smt_timeout_option
@_ignore_kind_option
@functools.partial(_source_options, from_cluster=False)
def diff_cmd(old: str, new: str, fail_on: str | None, fmt: str, output: str, color: str,
             verbose: bool, smt_timeout: float, ignore_kinds: tuple[str, ...]) -> None:
    """Show what changing OLD into NEW newly allows and newly blocks.

    OLD and NEW are files, folders or git:REF:PATH (read from the current git
    repository), e.g. netverify diff git:main:k8s k8s.

    Exit status: 0, or 1 with --fail-on when such a change exists; 2 input error;
    3 incomplete (policies netverify does not evaluate, on either side), or with
    --fail-on when the solver did not decide it in time and no such change is known.
    """
    from netverify.queries.diff import diff

    before, after = _load([old], verbose, ignore_kinds), _load([new], verbose, ignore_kinds)
    result = diff(before, after, old_label=old, new_label=new,
                  timeout_ms=_timeout_ms(smt_timeout))
    _emit(result, fmt, color, verbose, output,
          Gates(diff_fail_on=DiffGate(fail_on) if fail_on else None))


@main.command("suggest")
@click.argument("intents", nargs=-1, metavar="[FLOWS...]")
@click.option("--lock-current", is_flag=True,
              help="Intent: the connections allowed today among existing workloads.")
@click.option("--replace", "replace_existing", is_flag=True,
              help="Drop the touched namespaces' existing NetworkPolicies (default: keep them "
                   "and suggest additions).")
@click.option("-n", "--namespace", "namespaces", multiple=True,
              help="Put this namespace under default deny (repeatable; default: the namespaces "
                   "of the flows, or every namespace with pods for --lock-current).")
@click.option("--cni", metavar="NAME[@VERSION]",
              help="The cluster's network plugin (default: detected from the manifests).")
@click.option("--format", "fmt", type=click.Choice([f.value for f in formats_for(SuggestResult)]),
              default=Format.YAML.value, show_default=True,
              help="yaml: the policies (only when proved); text: the explanation; json.")
@click.option("--explain", is_flag=True, help="Same as --format text.")
@click.option("--engine", type=click.Choice(["concrete", "smt"]), default="concrete",
              show_default=True,
              help="smt: also prove with Z3 that new replicas get exactly the intent and no "
                   "pod of another namespace gets in.")
@_smt_timeout_option
@click.option("-o", "--output-dir", metavar="DIR", type=click.Path(file_okay=False),
              help="Write the policies to DIR, one NAMESPACE.yaml per namespace (only when "
                   "proved); stdout then gets the proof.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour in text output.")
@click.option("-v", "--verbose", is_flag=True, help="List skipped kinds and assumptions.")
@_ignore_kind_option
@_files_option
def suggest_cmd(intents: tuple[str, ...], lock_current: bool, replace_existing: bool,
                namespaces: tuple[str, ...], cni: str | None, fmt: str, explain: bool,
                engine: str, smt_timeout: float, output_dir: str | None, color: str,
                verbose: bool, files: tuple[str, ...], ignore_kinds: tuple[str, ...]) -> None:
    """Propose least-privilege NetworkPolicies for an intent, proved before they are shown.

    \b
    The intent is --lock-current (today's connections among workloads) and/or flows
    files: CSV lines "source, destination, ports" (or a YAML list of
    {source, destination, ports}) with endpoints NS/NAME, NS/*, internet or a CIDR
    and ports such as TCP/8080, 53/UDP, 8000-8100, any (docs: README, suggest);
    *.json / *.jsonl files are Hubble exports (hubble observe -o json): their
    forwarded L3/L4 flows between pods (and from outside) are the intent; assertion
    specs (YAML with assertions:) keep today's connections, add every expect: allow
    and take out every expect: deny, and are run on the result.

    Each touched namespace gets a default deny in both directions, each workload one
    allow policy (its stable labels; named ports; DNS egress to kube-system). The
    YAML is read back and checked with the all-pairs engine on every pod pair.

    Exit status: 0 proved, 1 the intent is not met or cannot be (why is printed, no
    policy is), 2 input error, 3 incomplete (objects netverify does not evaluate).
    """
    from netverify.suggest import suggest
    from netverify.suggest.flows_file import intent_kind, read_flows
    from netverify.suggest.hubble import read_hubble

    if not intents and not lock_current:
        raise click.UsageError("no intent: give --lock-current and/or flows files")
    kinds = {p: intent_kind(p) for p in intents}
    flows = [f for path in intents if kinds[path] == "flows" for f in read_flows(path)]
    cluster = _load(files, verbose, ignore_kinds)
    result = suggest(cluster, flows, lock_current=lock_current,
                     replace_existing=replace_existing, namespaces=namespaces, cni=cni,
                     intent_name=f"flows {', '.join(intents)}" if intents else "flows",
                     observed=[read_hubble(p, cluster) for p in intents
                               if kinds[p] == "hubble"],
                     specs=[p for p in intents if kinds[p] == "spec"], engine=engine,
                     timeout_ms=_timeout_ms(smt_timeout))
    fmt = Format.TEXT.value if explain else fmt
    if output_dir and not result.failed:
        os.makedirs(output_dir, exist_ok=True)
        for ns, text in result.documents:
            write_output(os.path.join(output_dir, f"{_file_name(ns)}.yaml"), text)
    if output_dir and fmt == Format.YAML.value:  # the policies went to files: show the proof
        fmt = Format.TEXT.value
    _emit(result, fmt, color, verbose, "-")


def _file_name(namespace: str) -> str:
    """A namespace as a file name: only ASCII letters, digits, '-' and '_' (never a path)."""
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_"
                      for c in namespace)
    return cleaned.lstrip(".") or "_"


@main.command("audit")
@click.option("--fail-on", type=click.Choice([s.value for s in Severity]), default="error",
              show_default=True,
              help="Exit 1 when a finding at or above this severity exists (hidden ones too).")
@click.option("--min-severity", type=click.Choice([s.value for s in Severity]),
              help="Show only findings at or above this severity; the report counts the rest.")
@click.option("--rule", "rules", multiple=True, metavar="NVxxx", help="Only these rules.")
@_smt_timeout_option
@click.option("--list-rules", is_flag=True, is_eager=True, expose_value=False,
              callback=lambda ctx, _p, v: _list_rules(ctx) if v else None,
              help="List every rule (code, severity, title) and exit.")
@_common(AuditReport)
def audit_cmd(fail_on: str, min_severity: str | None, rules: tuple[str, ...], smt_timeout: float,
              files: tuple[str, ...], fmt: str, verbose: bool, color: str, output: str,
              ignore_kinds: tuple[str, ...]) -> None:
    """Report risks and anti-patterns in the manifests (rules NVxxx).

    \b
    Formats: text (terminal), md (GitHub: Mermaid graph), html (one
    self-contained file), json (docs/json-schema.md), sarif (code scanning).
    Silence a rule on an object or a whole namespace with the annotation
    netverify.io/ignore: "NV101,NV110" (or "*"); suppressed findings are counted.
    The solver-heavy lint rules (NV150-NV152) run only when named with --rule;
    netverify lint runs them.

    Exit status: 0 nothing at or above --fail-on, 1 otherwise, 2 input error,
    3 nothing at or above --fail-on but the report is incomplete (traffic policies
    netverify does not evaluate, rule NV704), 4 internal error.
    """
    from netverify.audit.run import audit

    cluster = _with_config_suppressions(_load(files, verbose, ignore_kinds))
    report = audit(cluster, only=rules or None, inputs=files,
                   min_severity=Severity(min_severity) if min_severity else None,
                   connectivity=shows_connectivity(fmt), fail_on=Severity(fail_on),
                   timeout_ms=_timeout_ms(smt_timeout))
    _emit(report, fmt, color, verbose, output)


def _list_rules(ctx: click.Context) -> None:
    from netverify.audit.docs import rule_info
    from netverify.audit.registry import all_rules

    for rule in all_rules():
        info = rule_info(rule)
        click.echo(f"{info.code}  {info.severity.value:<8} {sanitize(info.title)}")
    ctx.exit(0)


def _with_config_suppressions(cluster: Cluster) -> Cluster:
    """``cluster`` with the settings file's live suppressions added to its annotations'.

    An expired suppression silences nothing and is reported on stderr, so that a
    silenced risk comes back into view on its date.
    """
    import dataclasses
    import datetime

    settings = click.get_current_context().find_root().meta.get("netverify.config")
    if settings is None or not settings.suppressions:
        return cluster
    merged = dict(cluster.suppressions)
    today = datetime.date.today()
    for s in settings.suppressions:
        if s.expired(today):
            click.echo(f"warning: {s.where}: suppression of {s.rule} on {sanitize(s.object)} "
                       f"expired on {s.expires} (reason was: {sanitize(s.reason)}); its "
                       "findings are reported again", err=True)
            continue
        merged[s.object] = merged.get(s.object, frozenset()) | {s.rule}
    return dataclasses.replace(cluster, suppressions=merged)


@main.group("config")
def config_group() -> None:
    """Show the settings netverify reads (.netverify.yaml or [tool.netverify])."""


@config_group.command("show")
@click.pass_context
def config_show_cmd(ctx: click.Context) -> None:
    """Print the settings file found and what it sets, as YAML."""
    import yaml

    settings = ctx.find_root().meta["netverify.config"]
    if settings.path is None:
        click.echo("# no settings file (.netverify.yaml or [tool.netverify] in "
                   "pyproject.toml) in this folder or above")
        return
    doc: dict[str, Any] = {k: list(v) if isinstance(v, tuple) else v
                           for k, v in settings.settings.items()}
    if settings.suppressions:
        doc["suppressions"] = [
            {"rule": s.rule, "object": s.object, "reason": s.reason,
             **({"expires": s.expires.isoformat()} if s.expires else {})}
            for s in settings.suppressions]
    click.echo(f"# {sanitize(settings.path)}")
    click.echo(sanitize(yaml.safe_dump(doc, sort_keys=False)), nl=False)


_whole_process: list[bool] = []  # set when netverify is the program, not called in-process


def run() -> None:
    """Run as the ``netverify`` program (``main`` is the command, for in-process callers)."""
    _whole_process.append(True)
    main()


def kubectl_main() -> None:
    """Run as the kubectl plugin ``kubectl netverify``.

    Usage lines name it so, and without ``-f`` it reads the cluster kubectl points at.
    """
    _whole_process.append(True)
    main(prog_name="kubectl netverify", obj={"plugin": True})
