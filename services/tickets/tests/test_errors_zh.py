"""tickets' errors are read by Chinese staff and residents: every error tickets makes says its Chinese
sentence first and the English after it (``kernel.errors.bilingual``) -- a raise that gives its own
``code=`` (another refusal than its class's sentence says) or makes a kernel base (``InvalidInput``)
says its own Chinese with ``zh=``. The class sentences are checked by ``test_front_desk_errors.py``."""
from __future__ import annotations

from kernel.errors import InvalidInput
from kernel.errors_zh import untranslated
from services.tickets import exceptions


def test_every_error_tickets_raises_has_its_chinese():
    """Every error class tickets defines has its ``zh``, and every error tickets makes with its own
    ``code=`` or of a class without one passes ``zh=``: a new English-only raise fails here."""
    assert untranslated("services.tickets") == []


def test_a_raise_with_its_own_code_says_its_own_chinese_not_its_class_sentence():
    """``violations_required`` is not "withheld over the deposit": its message says what it refuses."""
    err = exceptions.WithheldOverDeposit("a deposit is withheld only for violations: name them",
                                         code="violations_required", zh="只有违规装修才能扣除押金，请注明违规事项")
    assert err.code == "violations_required" and err.to_dict()["error"] == "violations_required"
    assert err.message == ("只有违规装修才能扣除押金，请注明违规事项 "
                           "(a deposit is withheld only for violations: name them)")
    bare = InvalidInput("a pass names its holder (holder_name)", code="holder_required")
    assert bare.message == "a pass names its holder (holder_name)"       # what untranslated() names
