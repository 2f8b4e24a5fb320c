"""The check that a service's errors say their Chinese (``kernel.errors.bilingual``), for its tests.

Staff and residents read an error's ``message``: it is ``中文 (English)`` when the error class has its
``zh`` or the raise passes ``zh=``, the English alone otherwise. :func:`untranslated` reads a package's
source (tests and migrations aside) and names every place that would answer in English only:

- an error class defined in the package without its own ``zh`` sentence;
- an error made there (``raise X(...)``, ``not_found=X(...)``, ``return X(...)``) that passes no ``zh=``
  while its class has no ``zh`` (the kernel's bases: ``InvalidInput``, ``Forbidden``, ...) or while it
  gives its own ``code=`` (another refusal than the class's sentence says) -- archive's rule.

An error is a :class:`~kernel.errors.WuyeError`, or any other exception class whose constructor takes
``zh=`` (the gateway's own answers, ``gateway.errors.HttpError``): such a class has no sentence of its
own, so each of its calls passes ``zh=``. (A message someone else wrote -- a service's error the
gateway passes on -- is not made there: ``HttpError.relay``, which this check does not read.)

A service's test asserts ``untranslated("services.billing") == []``, so a new English-only error
fails a test; :func:`errors_made` counts what the check read (a test can assert it read the raises it
should, so an empty answer is not an empty scan). (What ``zh=`` holds is not evaluated:
``zh=CODES.get(code)`` counts -- the service's test checks such a table covers its codes.)
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
    """A WuyeError, or another exception class whose constructor takes ``zh=`` (``HttpError``)."""
    if not inspect.isclass(obj) or not issubclass(obj, Exception):
        return False
    if issubclass(obj, WuyeError):
        return True
    try:
        return "zh" in inspect.signature(obj.__init__).parameters
    except (TypeError, ValueError):
        return False


def _made(package: str):
    """``(where, line, cls, keywords)`` for every error the package's source makes, and each WuyeError
    class it defines as ``(where, line, cls, None)``."""
    for module in _modules(package):
        path = getattr(module, "__file__", None)
        if not path or not path.endswith(".py"):
            continue
        where = Path(path).relative_to(ROOT) if Path(path).is_relative_to(ROOT) else Path(path)
        namespace = vars(module)
        for _, cls in inspect.getmembers(module, _is_error):
            if cls.__module__ == module.__name__ and issubclass(cls, WuyeError):
                yield where, inspect.getsourcelines(cls)[1], cls, None
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                cls = _resolve(node.func, namespace)
                if _is_error(cls):
                    yield where, node.lineno, cls, {keyword.arg for keyword in node.keywords}


def errors_made(package: str) -> int:
    """How many errors the package's source makes (calls of an error class, as :func:`untranslated` reads
    them) -- so a test knows the check read them."""
    return sum(1 for *_, keywords in _made(package) if keywords is not None)


def untranslated(package: str) -> list[str]:
    """``path:line: what`` for every English-only error of ``package`` (see the module doc)."""
    found: list[str] = []
    for where, line, cls, keywords in _made(package):
        if keywords is None:
            if not cls.__dict__.get("zh"):
                found.append(f"{where}:{line}: class {cls.__name__} has no zh")
            continue
        if "zh" in keywords or (getattr(cls, "zh", "") and "code" not in keywords):
            continue
        found.append(f"{where}:{line}: {cls.__name__}(...{', code=...' if 'code' in keywords else ''}) "
                     "without zh=")
    return sorted(set(found))
