"""billing's errors are read by Chinese staff and residents: each says its Chinese sentence first and the
English after it (``kernel.errors.bilingual``, as tickets' and archive's do), the code unchanged -- and
the gateway answers the message as billing wrote it."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

from nameko.exceptions import RemoteError

from gateway.errors import classify
from kernel.errors import WuyeError
from kernel.errors_zh import untranslated
from services.billing import exceptions
from services.billing.domain import journal, meters


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text or "")


def _classes():
    found = []
    for module in (exceptions, journal, meters):
        found += [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                  if issubclass(cls, WuyeError) and cls.__module__ == module.__name__]
    return found


def test_every_error_billing_raises_has_its_chinese():
    """Every error class billing defines has its ``zh``, and every error billing makes of a class without
    one (the kernel's ``InvalidInput``, ``Forbidden``, ...) passes ``zh=``: a new English-only raise fails here."""
    assert untranslated("services.billing") == []


def test_every_billing_error_class_says_chinese_then_english_and_keeps_its_code():
    classes = _classes()
    assert len(classes) > 70
    for cls in classes:
        assert _has_cjk(cls.__dict__.get("zh", "")), cls.__name__
        err = cls("the English facts")
        assert err.message == f"{cls.zh} (the English facts)" and err.english == "the English facts", cls.__name__
        assert err.code == cls.default_code and err.to_dict()["error"] == cls.default_code, cls.__name__


def test_the_codes_clients_decide_on_are_unchanged():
    codes = {cls.__name__: cls.default_code for cls in _classes()}
    assert codes["AccountNotFound"] == "account_not_found" and codes["FourEyes"] == "four_eyes_required"
    assert codes["RefundTransitionNotAllowed"] == codes["DisputeTransitionNotAllowed"] == "transition_not_allowed"
    assert codes["ReportRangeTooLong"] == "invalid_month_range" and codes["ReadingRefused"] == "reading_refused"


def test_every_refused_reading_has_its_chinese():
    """A refused reading's code (``meters.Problems.add``) picks its Chinese from ``READING_ZH``."""
    tree = ast.parse(Path(meters.__file__).read_text(encoding="utf-8"))
    codes = {node.args[2].value for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add"
             and len(node.args) >= 4 and isinstance(node.args[2], ast.Constant)}
    assert len(codes) >= 10 and codes <= set(meters.READING_ZH)
    assert all(_has_cjk(text) for text in meters.READING_ZH.values())


def test_a_raise_that_knows_more_says_it_in_chinese():
    err = exceptions.AmountOverCeiling("60000.00 is above the project's ceiling of 50000.00 per payment",
                                       zh="60000.00 超过本项目单笔缴费上限 50000.00")
    assert err.message == ("60000.00 超过本项目单笔缴费上限 50000.00 "
                           "(60000.00 is above the project's ceiling of 50000.00 per payment)")
    assert err.code == "amount_over_ceiling"


def test_the_gateway_answers_the_message_as_billing_wrote_it():
    err = exceptions.BillSettled("bill ZD-1 is settled; nothing is open on it", zh="账单 ZD-1 已结清，没有未缴金额")
    answered = classify(RemoteError(type(err).__name__, str(err)))
    assert answered.status == 409 and answered.code == "bill_settled"
    assert answered.message == "账单 ZD-1 已结清，没有未缴金额 (bill ZD-1 is settled; nothing is open on it)"
