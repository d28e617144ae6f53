"""The library API: what ``netverify`` exports, its types, its cost, and the README's examples.

``tests/typed_api.py`` uses every export with its type spelled out; ``test_style.py``
type-checks it with ``mypy --strict`` and this module runs it.  The README's ``pycon``
blocks are run as one doctest session, in order, from the repository root.
"""

from __future__ import annotations

import ast
import doctest
import re
import subprocess
import sys
from pathlib import Path

import pytest

import netverify
from tests import typed_api

ROOT = Path(__file__).resolve().parent.parent
_PYCON = re.compile(r"^```pycon\n(.*?)^```", re.S | re.M)


def _type_checking_imports() -> dict[str, str]:
    """Name -> ``module`` (or ``module:attribute``) of the root's ``if TYPE_CHECKING:`` imports."""
    tree = ast.parse((ROOT / "netverify" / "__init__.py").read_text())
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for imp in ast.walk(node):
                if isinstance(imp, ast.ImportFrom) and imp.module:
                    out.update({a.asname or a.name: imp.module + (
                        f":{a.name}" if a.asname and a.asname != a.name else "")
                        for a in imp.names})
    return out


def test_exports_agree_for_the_type_checker_and_at_run_time() -> None:
    exports = netverify._EXPORTS
    assert _type_checking_imports() == exports
    assert sorted(netverify.__all__) == sorted([*exports, "__version__"])


@pytest.mark.parametrize("name", sorted(netverify._EXPORTS))
def test_every_export_is_the_defining_modules_object(name: str) -> None:
    import importlib

    module, _, attribute = netverify._EXPORTS[name].partition(":")
    assert getattr(netverify, name) is getattr(importlib.import_module(module), attribute or name)


def test_every_question_is_exported() -> None:
    questions = {"can_reach", "can_reach_hypothetical", "can_reach_url", "who_can_reach",
                 "matrix", "lint", "diff", "check", "audit_cluster", "paths"}
    assert questions <= set(netverify.__all__)
    assert {"load_cluster", "render", "NetverifyError"} <= set(netverify.__all__)


def _fresh(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=False)


def test_the_audit_package_keeps_its_name() -> None:
    # The audit is exported as audit_cluster: ``netverify.audit`` stays the package of the
    # rules, so ``import netverify.audit.registry as r`` and patching by dotted path work.
    done = _fresh("from netverify import audit_cluster\n"
                  "import netverify.audit.run as run\n"
                  "import netverify\n"
                  "assert audit_cluster is run.audit is netverify.audit.run.audit\n")
    assert done.returncode == 0, done.stderr


def test_can_reach_starts_without_numpy_or_z3() -> None:
    # What ``python -X importtime -m netverify can-reach ...`` shows, as a test: the
    # pair question needs neither the all-pairs engine nor the solver.
    done = _fresh(
        "import sys\n"
        "from netverify import can_reach, load_cluster\n"
        "from netverify.cli import main\n"
        "try:\n"
        "    main(['can-reach', 'frontend/web', 'backend/api:8080', '-f', 'fixtures/demo'])\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'z3', 'jinja2'})\n"
        "assert not heavy, heavy\n")
    assert done.returncode == 0, done.stderr


def test_the_typed_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    typed_api.main()


def test_readme_library_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = list(_PYCON.finditer(text))
    assert blocks, "README.md shows the library in ```pycon blocks"
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    globs: dict[str, object] = {}
    for block in blocks:
        line = text.count("\n", 0, block.start(1))
        test = parser.get_doctest(block[1], globs, "README.md", "README.md", line)
        runner.run(test, clear_globs=False)
        globs = test.globs  # the next block goes on from this one
    failed, attempted = runner.summarize(verbose=False)
    assert attempted and not failed, "README.md examples: see the doctest report above"
