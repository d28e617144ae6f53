"""Render Kustomize folders and Helm charts with the user's own tools, then read the output.

A Kustomize folder read as plain YAML is one object of an unknown kind and misses its
bases; a chart's templates are not YAML at all.  So a folder (or the
``kustomization.yaml`` / ``Chart.yaml`` in it) named with ``-f`` is rendered by the
program the user would run: ``kustomize build DIR`` when ``kustomize`` is on PATH, else
``kubectl kustomize DIR`` (the same Kustomize, built into kubectl); ``helm template
RELEASE DIR`` for a chart.  When the program is missing, the error names the command to
run by hand and pipe in.  Rendered objects keep a location naming the folder and the
tool, ``overlays/prod (kustomize)``, with the document index (and line) in the rendered
output, which ``kubectl kustomize overlays/prod`` prints again.

Only this module runs the renderers; it never renders sources found while walking
another folder (``files`` refuses those: a base and its overlays read together would
count every object twice).
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from netverify.errors import ManifestError

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
CHART_FILE = "Chart.yaml"
_SHOWN_ERROR_LINES = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedSource:
    """A folder whose manifests exist only once a tool renders them."""

    folder: str
    tool: str  # "kustomize" or "helm"
    marker: str  # the file that makes it one: kustomization.yaml, Chart.yaml, ...

    @property
    def label(self) -> str:
        """``overlays/prod (kustomize)``: the file name rendered objects' locations carry."""
        return f"{self.folder} ({self.tool})"


@dataclass(frozen=True, slots=True, kw_only=True)
class HelmOptions:
    """How to render Helm charts: values files (``--values``), in order, and release name."""

    values: tuple[str, ...] = ()
    release: str | None = None  # default: the chart folder's name


def rendered_source(folder: Path) -> RenderedSource | None:
    """The source ``folder`` is when it holds a kustomization or a ``Chart.yaml``, else None.

    A kustomization wins over a chart: Kustomize can inflate charts itself.
    """
    for name in (*KUSTOMIZATION_FILES, CHART_FILE):
        if (folder / name).is_file():
            tool = "helm" if name == CHART_FILE else "kustomize"
            return RenderedSource(folder=str(folder), tool=tool, marker=name)
    return None


def source_of_marker(file: Path) -> RenderedSource | None:
    """The source a ``kustomization.yaml`` or ``Chart.yaml`` named with ``-f`` stands for."""
    if file.name in KUSTOMIZATION_FILES:
        return RenderedSource(folder=str(file.parent), tool="kustomize", marker=file.name)
    if file.name == CHART_FILE:
        return RenderedSource(folder=str(file.parent), tool="helm", marker=file.name)
    return None


def render_command(source: RenderedSource, helm: HelmOptions) -> list[str]:
    """The command that renders ``source`` with the tools on PATH.

    Raises:
        ManifestError: when the tool is not installed, naming the command to run instead.
    """
    folder = source.folder
    if source.tool == "kustomize":
        if shutil.which("kustomize"):
            return ["kustomize", "build", folder]
        if shutil.which("kubectl"):
            return ["kubectl", "kustomize", folder]
        raise ManifestError(
            f"{folder} is a Kustomize folder ({source.marker}): rendering it needs kubectl "
            "or kustomize, and neither is on PATH",
            hint=f"install kubectl, or run: kustomize build {shlex.quote(folder)} "
                 "| netverify ... -f -")
    release = helm.release or Path(folder).resolve().name
    cmd = ["helm", "template", release, folder]
    for values in helm.values:
        cmd += ["--values", values]
    if not shutil.which("helm"):
        raise ManifestError(
            f"{folder} is a Helm chart ({source.marker}): rendering it needs helm, which is "
            "not on PATH",
            hint=f"install helm, or run: {shlex.join(cmd)} | netverify ... -f -")
    return cmd


def render(source: RenderedSource, helm: HelmOptions) -> str:
    """The manifests ``source`` renders to (multi-document YAML).

    Raises:
        ManifestError: when the tool is missing or fails, with its own error message.
    """
    cmd = render_command(source, helm)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except OSError as e:
        raise ManifestError(f"{source.label}: cannot run {cmd[0]}: {e.strerror}") from None
    if proc.returncode != 0:
        raise ManifestError(f"{source.label}: {shlex.join(cmd)} failed (exit "
                            f"{proc.returncode}): {tool_message(proc.stderr)}")
    return proc.stdout


# kubectl logs its errors through klog: E1203 09:33:09.595556  11520 run.go:72] "command
# failed" err="accumulating resources: ..." (the message quoted, quotes escaped inside).
_KLOG = re.compile(r'^[EWIF]\d{4} [\d:.]+\s+\d+ [\w.-]+:\d+\] "(?P<msg>(?:[^"\\]|\\.)*)"'
                   r'(?: err="(?P<err>(?:[^"\\]|\\.)*)")?')


def tool_message(stderr: str) -> str:
    """The last lines a tool wrote on stderr, as one line (klog lines unwrapped)."""
    lines = []
    for line in stderr.strip().splitlines():
        m = _KLOG.match(line.strip())
        if m:
            msg, err = m["msg"], m["err"]
            line = f"{_unescape(msg)}: {_unescape(err)}" if err is not None else _unescape(msg)
        if line.strip():
            lines.append(line.strip())
    return "; ".join(lines[-_SHOWN_ERROR_LINES:]) or "no message"


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)
