"""TRIAL11 finding 9: every error archive raises reads in Chinese for its staff. An archive error class
says its Chinese sentence (``zh``); a raise that overrides the code, or raises one of the kernel's
bases, says its own (``zh=``) -- checked here over archive's source, so a new raise without Chinese
fails the suite (``kernel.errors.bilingual``: the message is ``中文 (English)``, the code unchanged)."""
from __future__ import annotations

import ast
import importlib
import pathlib

from kernel.config import ROOT
from kernel.errors import WuyeError


def _error_class(module, func):
    if isinstance(func, ast.Name):
        found = getattr(module, func.id, None)
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        found = getattr(getattr(module, func.value.id, None), func.attr, None)
    else:
        return None
    return found if isinstance(found, type) and issubclass(found, WuyeError) else None


def test_every_error_archive_makes_carries_chinese():
    without, seen = [], 0
    for path in sorted((ROOT / "services" / "archive").rglob("*.py")):
        relative = path.relative_to(ROOT)
        if {"tests", "migrations"} & set(relative.parts):
            continue
        module = importlib.import_module(".".join(relative.with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text())):
            cls = _error_class(module, node.func) if isinstance(node, ast.Call) else None
            if cls is None:
                continue
            seen += 1
            keywords = {k.arg for k in node.keywords}
            if "zh" in keywords or (cls.zh and "code" not in keywords):
                continue
            without.append(f"{relative}:{node.lineno} {cls.__name__}")
    assert seen > 60                              # the scan finds archive's raises
    assert not without, "errors without a Chinese sentence (zh=):\n" + "\n".join(without)


def test_the_archive_error_classes_each_have_their_sentence():
    from services.archive import exceptions
    from services.archive.domain import access, documents
    classes = [c for m in (exceptions, documents, access) for c in vars(m).values()
               if isinstance(c, type) and issubclass(c, WuyeError) and c.__module__ == m.__name__]
    assert len(classes) > 25
    for cls in classes:
        assert cls.zh and any("\u4e00" <= ch <= "\u9fff" for ch in cls.zh), cls.__name__
        said = cls("english words")
        assert said.message == f"{cls.zh} (english words)" and said.code == cls.default_code
