"""Every rule module (``nvNNN_*.py``), imported in code order so that each registers itself.

Adding a rule is adding a module here and a case file in ``tests/audit/cases/``; the
registry tests check that codes, module names, docstrings and cases agree.
"""

import importlib
import pkgutil

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name.startswith("nv"):
        importlib.import_module(f"{__name__}.{_info.name}")
