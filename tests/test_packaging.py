"""The package as users get it: sdist and wheel, their metadata, ``pipx install .``, and
install commands in the docs that work from a checkout (there is no release on PyPI yet).

Building runs the real ``python -m build`` (in an isolated environment, as a release
would) and ``twine check --strict``; ``pipx install`` installs a copy of the checkout into
a temporary pipx home.  Both need the package index pip is configured with.
"""

from __future__ import annotations

import email.parser
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from netverify import __version__

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BASE_DEPENDENCIES = ("z3-solver", "pyyaml", "click", "tabulate", "numpy", "jsonschema", "jinja2")
CONSOLE_SCRIPTS = ("netverify", "kubectl-netverify")


def _checkout_copy(dest: Path) -> Path:
    """The working tree without virtual environments, caches and build output."""
    out = dest / "netverify-src"
    shutil.copytree(ROOT, out, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "__pycache__", "*.egg-info", "build", "dist", ".*_cache",
        ".hypothesis", "out"))
    return out


def _run(*cmd: str | Path, timeout: float = 600, **kw: object) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=timeout, check=False, **kw)  # type: ignore[call-overload]
    assert proc.returncode == 0, f"{cmd}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc  # type: ignore[no-any-return]


@pytest.mark.slow
def test_sdist_and_wheel_build_with_complete_metadata(tmp_path: Path) -> None:
    src = _checkout_copy(tmp_path)
    dist = tmp_path / "dist"
    # Default build: the sdist first, then the wheel built from the unpacked sdist, so
    # a file missing from the sdist breaks the wheel too.
    _run(sys.executable, "-m", "build", "--outdir", dist, src)
    sdists = sorted(dist.glob("netverify-*.tar.gz"))
    wheels = sorted(dist.glob("netverify-*-py3-none-any.whl"))
    assert len(sdists) == 1 and len(wheels) == 1, sorted(p.name for p in dist.iterdir())
    _run(sys.executable, "-m", "twine", "check", "--strict", *sdists, *wheels)

    with zipfile.ZipFile(wheels[0]) as whl:
        names = set(whl.namelist())
        info = f"netverify-{__version__}.dist-info"
        meta = email.parser.Parser().parsestr(whl.read(f"{info}/METADATA").decode())
        entry_points = whl.read(f"{info}/entry_points.txt").decode()
    assert meta["Name"] == "netverify" and meta["Version"] == __version__
    assert meta["Summary"] and meta["License-Expression"] == "Apache-2.0"
    assert meta["Requires-Python"] == ">=3.11"
    assert meta["Description-Content-Type"] == "text/markdown"
    assert "## Set-up" in (meta.get_payload() or ""), "the README is the long description"
    assert meta.get_all("Classifier") and meta["Keywords"]
    required = [r.split(";")[0] for r in meta.get_all("Requires-Dist") or []
                if "extra ==" not in r]
    assert sorted(re.split(r"[<>=!~ ]", r)[0].lower() for r in required) == \
        sorted(BASE_DEPENDENCIES)
    for script in CONSOLE_SCRIPTS:
        assert re.search(rf"^{script} = netverify\.cli:\w+$", entry_points, re.M), entry_points
    # Data files the code opens at run time.
    for wanted in ("netverify/py.typed", "netverify/schemas/spec.schema.json",
                   "netverify/renderers/templates/audit.html.j2"):
        assert wanted in names, wanted
    with tarfile.open(sdists[0]) as sdist:
        members = {m.split("/", 1)[1] for m in sdist.getnames() if "/" in m}
    assert {"README.md", "pyproject.toml", "netverify/cli.py"} <= members


@pytest.mark.slow
def test_pipx_installs_the_checkout_and_answers(tmp_path: Path) -> None:
    if shutil.which("pipx") is None and not (Path(sys.executable).parent / "pipx").exists():
        pytest.skip("pipx is not installed (it is in the test extra: pip install -e '.[test]')")
    src = _checkout_copy(tmp_path)
    home, bin_dir = tmp_path / "pipx-home", tmp_path / "pipx-bin"
    env = {**os.environ, "PIPX_HOME": str(home), "PIPX_BIN_DIR": str(bin_dir),
           "PIPX_MAN_DIR": str(tmp_path / "pipx-man")}
    _run(sys.executable, "-m", "pipx", "install", src, env=env)
    for script in CONSOLE_SCRIPTS:
        assert (bin_dir / script).exists(), sorted(p.name for p in bin_dir.iterdir())
    out = _run(bin_dir / "netverify", "can-reach", "frontend/web", "backend/api:8080",
               "-f", ROOT / "fixtures" / "demo", env=env)
    assert out.stdout.startswith("ALLOWED  frontend/web -> backend/api  (TCP 8080)")


INSTALL = re.compile(r"\b(?:pip3?|pipx|python3? -m pip) install[ \t]+([^\n`]+)")


def _install_commands() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for m in INSTALL.finditer(doc.read_text(encoding="utf-8")):
            found.append((doc.name, m[0].strip()))
    assert found
    return found


def test_docs_show_install_commands() -> None:
    docs = {doc for doc, _ in _install_commands()}
    assert {"README.md", "audit.md", "ci.md"} <= docs


@pytest.mark.parametrize(("doc", "command"), _install_commands())
def test_every_install_command_in_the_docs_works_from_a_checkout(doc: str, command: str) -> None:
    """No release exists on PyPI: ``pip install netverify`` installs nothing (or someone
    else's package).  Every install command names a local path, a VCS URL or a wheel."""
    words = re.split(r"&&|\|\||[;|#]", command.split("install", 1)[1])[0]
    args = [a for a in words.split()
            if not a.startswith("-") or a in ("-e",)]
    targets = [a.strip("'\"") for a in args if a != "-e"]
    assert targets, f"{doc}: {command!r} installs nothing"
    for target in targets:
        local = target.startswith((".", "/", "$", "~")) or target.endswith(".whl")
        vcs = target.startswith("git+")
        assert local or vcs, (f"{doc}: {command!r} installs {target!r} from the package index, "
                              "where netverify has no release")
