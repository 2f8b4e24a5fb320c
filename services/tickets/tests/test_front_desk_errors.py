"""The front desk's errors (goods release, keys, vacant units, inspections, renovation) are read by
Chinese staff: each says its Chinese sentence first and the English after it (``kernel.errors.bilingual``,
as archive's do), the code unchanged -- and the gateway answers the message as tickets wrote it."""
from __future__ import annotations

import inspect

from nameko.exceptions import RemoteError

from gateway.errors import classify
from kernel.errors import WuyeError
from services.tickets import exceptions

FRONT_DESK = (
    # goods release
    "GoodsReleaseNotFound", "ArrearsOutstanding", "BillingUnavailable", "NoFeeAccount", "OwnerConsentRequired",
    "IdentityNotMatched", "TooManyItems", "MoveTimeRefused", "ArchiveUnavailable",
    # keys and vacant units
    "KeyNotFound", "KeyStepNotAllowed", "KeyPapersRequired", "DuplicateKey", "UnknownKeys", "VacantCheckNotFound",
    "FindingNotFound", "VacantStepNotAllowed", "NotVacant", "UnitOccupied",
    # inspections
    "AreaNotFound", "RoundNotFound", "AreaNameTaken", "UnknownChecklistItem", "ResultsIncomplete", "PatrolMissed",
    "BadChecklist", "BuildingNotFound",
    # renovation
    "DocumentsMissing", "FeesUnpaid", "AcceptanceTooSoon", "ReinspectionNotDue", "PassNotFound",
    "WithheldOverDeposit", "DocumentNotFound", "DocumentTypeMismatch", "DocumentAttachedAlready", "RenovationOpen",
)


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_every_front_desk_error_says_chinese_then_english_and_keeps_its_code():
    for name in FRONT_DESK:
        cls = getattr(exceptions, name)
        assert inspect.isclass(cls) and issubclass(cls, WuyeError), name
        assert _has_cjk(cls.zh), name
        err = cls("no key k9")
        assert err.message == f"{cls.zh} (no key k9)" and err.english == "no key k9", name
        assert err.code == cls.default_code and err.to_dict()["error"] == cls.default_code, name


def test_a_raise_that_knows_more_says_it_in_chinese():
    err = exceptions.MoveTimeRefused("the moving time is past", zh="搬离时间已过")
    assert err.message == "搬离时间已过 (the moving time is past)" and err.code == "move_at_past"


def test_the_gateway_answers_the_message_as_tickets_wrote_it():
    err = exceptions.KeyStepNotAllowed("a lent key comes back before the next loan", code="no_sub_lending")
    answered = classify(RemoteError(type(err).__name__, str(err)))
    assert answered.status == 409 and answered.code == "no_sub_lending"
    assert answered.message == "钥匙当前状态下不能办理此操作 (a lent key comes back before the next loan)"


def test_every_tickets_error_class_has_its_chinese_sentence():
    """Not the front desk's only: every error class tickets defines (repairs, complaints, feedback,
    revisits, the price list, the on-duty list, SLA settings) says its Chinese sentence first, the
    English after it, the code unchanged."""
    classes = [cls for _, cls in inspect.getmembers(exceptions, inspect.isclass)
               if issubclass(cls, WuyeError) and cls.__module__ == exceptions.__name__]
    assert len(classes) > len(FRONT_DESK)
    missing = [cls.__name__ for cls in classes if not _has_cjk(cls.__dict__.get("zh", ""))]
    assert missing == []
    for cls in classes:
        err = cls("the English facts")
        assert err.message == f"{cls.zh} (the English facts)" and err.english == "the English facts"
        assert err.to_dict()["error"] == cls.default_code
