"""The check that a service's errors say their Chinese (``kernel.errors.bilingual``), for its tests.

Staff and residents read an error's ``message``: it is ``中文 (English)`` when the error class has its
``zh`` or the raise passes ``zh=``, the English alone otherwise. :func:`untranslated` reads a package's
source (tests and migrations aside) and names every place that would answer in English only:

- an error class defined in the package without its own ``zh`` sentence;
- an error made there (``raise X(...)``, ``not_found=X(...)``, ``return X(...)``) that passes no ``zh=``
  while its class has no ``zh`` (the kernel's bases: ``InvalidInput``, ``Forbidden``, ...) or while it
  gives its own ``code=`` (another refusal than the class's sentence says) -- archive's rule
  (``services/archive/tests/test_wording.py``).

A service's test asserts ``untranslated("services.billing") == []``, so a new English-only error
fails a test. (What ``zh=`` holds is not evaluated: ``zh=CODES.get(code)`` counts -- the service's
test checks such a table covers its codes.)
"""
from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

from .config import ROOT
from .errors import WuyeError

_SKIPPED = ("tests", "migrations")


def _modules(package: str):
    pkg = importlib.import_module(package)
    yield pkg
    for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{package}."):
        if any(part in _SKIPPED for part in info.name.split(".")):
            continue
        yield importlib.import_module(info.name)


def _resolve(node: ast.expr, namespace: dict):
    """The object a call's ``func`` names in the module (``X`` or ``exceptions.X``), or None."""
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, namespace)
        return getattr(owner, node.attr, None) if owner is not None else None
    return None


def _is_error(obj) -> bool:
    return inspect.isclass(obj) and issubclass(obj, WuyeError)


def untranslated(package: str) -> list[str]:
    """``path:line: what`` for every English-only error of ``package`` (see the module doc)."""
    found: list[str] = []
    for module in _modules(package):
        path = getattr(module, "__file__", None)
        if not path or not path.endswith(".py"):
            continue
        where = Path(path).relative_to(ROOT) if Path(path).is_relative_to(ROOT) else Path(path)
        namespace = vars(module)
        for name, cls in inspect.getmembers(module, _is_error):
            if cls.__module__ == module.__name__ and not cls.__dict__.get("zh"):
                line = inspect.getsourcelines(cls)[1]
                found.append(f"{where}:{line}: class {name} has no zh")
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            cls = _resolve(node.func, namespace)
            if not _is_error(cls):
                continue
            keywords = {keyword.arg for keyword in node.keywords}
            if "zh" in keywords or (cls.zh and "code" not in keywords):
                continue
            found.append(f"{where}:{node.lineno}: {cls.__name__}(...{', code=...' if 'code' in keywords else ''}) "
                         "without zh=")
    return sorted(set(found))
