"""notify's errors are read by Chinese staff and residents: each says its Chinese sentence first and the
English after it (``kernel.errors.bilingual``, as tickets' and archive's do), the code unchanged -- and
the gateway answers the message as notify wrote it."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

from nameko.exceptions import RemoteError

from gateway.errors import classify
from kernel.errors import WuyeError
from kernel.errors_zh import untranslated
from services.notify import exceptions
from services.notify.domain import receipts, templates


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text or "")


def _classes():
    found = []
    for module in (exceptions, receipts):
        found += [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                  if issubclass(cls, WuyeError) and cls.__module__ == module.__name__]
    return found


def test_every_error_notify_raises_has_its_chinese():
    """Every error class notify defines has its ``zh``, and every error notify makes of a class without
    one (the kernel's ``InvalidInput``, ``Forbidden``, ...) passes ``zh=``: a new English-only raise fails here."""
    assert untranslated("services.notify") == []


def test_every_notify_error_class_says_chinese_then_english_and_keeps_its_code():
    classes = _classes() + [exceptions.CjkFontMissing]       # the kernel's, notify's on its routes
    assert len(classes) > 20
    for cls in classes:
        assert _has_cjk(cls.__dict__.get("zh", "")), cls.__name__
        err = cls("the English facts")
        assert err.message == f"{cls.zh} (the English facts)" and err.english == "the English facts", cls.__name__
        assert err.code == cls.default_code and err.to_dict()["error"] == cls.default_code, cls.__name__
    assert exceptions.NoUnits.default_code == "broadcast_without_units"


def test_every_refused_template_has_its_chinese():
    """Every code a template is refused with (``templates._refused``) has its Chinese in ``_REFUSED_ZH``."""
    tree = ast.parse(Path(templates.__file__).read_text(encoding="utf-8"))
    codes = {node.args[1].value for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_refused"
             and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)}
    assert len(codes) >= 8 and codes <= set(templates._REFUSED_ZH)
    refused = templates._refused("template syntax error on line 2: unexpected '}'", "template_syntax", line=2)
    assert refused.message == "模板语法有误 (template syntax error on line 2: unexpected '}')"
    assert refused.code == "template_syntax" and refused.details == {"line": 2}


def test_the_gateway_answers_the_message_as_notify_wrote_it():
    err = exceptions.NothingToPrint("no queued notice to print in 1栋", zh="1栋 没有待打印的通知")
    answered = classify(RemoteError(type(err).__name__, str(err)))
    assert answered.status == 422 and answered.code == "nothing_to_print"
    assert answered.message == "1栋 没有待打印的通知 (no queued notice to print in 1栋)"
