"""The desk's shared identity guard (身份核验, domain/identity.py): fail closed, one answer for every no --
as the goods release and the keys use it (their own tests drive it through their steps)."""
from __future__ import annotations

import pytest

from services.tickets.domain import goods_release, identity, keys
from services.tickets.exceptions import ArchiveUnavailable, IdentityNotMatched, IdNumberNotOnFile

ONE = ("the person does not match", "核查对象不符")


def answering(answer):
    asked = []

    def ask(unit_id, name, number, id_type):
        asked.append((unit_id, name, number, id_type))
        return answer
    return ask, asked


def test_nobody_to_ask_is_archive_unavailable_and_nothing_else_is_tried():
    with pytest.raises(ArchiveUnavailable) as down:
        identity.require(None, "u1", "张伟", "110101199003071233", "resident_id", ("owner",), ONE)
    assert down.value.code == "archive_unavailable"


@pytest.mark.parametrize("answer", [{"matched": False}, {"matched": True, "role": "family"},
                                    {"matched": True, "role": "tenant"}, {"matched": True},
                                    {"matched": "yes", "role": "owner"}, {}, None, ["owner"]])
def test_every_no_and_every_answer_that_is_not_a_plain_yes_is_the_one_refusal(answer):
    ask, asked = answering(answer)
    with pytest.raises(IdentityNotMatched) as refused:
        identity.require(ask, "u1", "张伟", "110101199003071233", "resident_id", ("owner",), ONE)
    assert refused.value.code == "identity_not_matched" and refused.value.details is None
    assert refused.value.message == "核查对象不符 (the person does not match)"
    assert asked == [("u1", "张伟", "110101199003071233", "resident_id")]


def test_a_plain_yes_in_a_role_asked_for_answers_the_role():
    ask, _ = answering({"matched": True, "role": "family", "phone": "13900000000"})
    assert identity.require(ask, "u1", "李娜", None, None, ("owner", "family"), ONE) == "family"
    assert identity.ask(ask, "u1", "李娜", None, None) == {"matched": True, "role": "family"}


def test_the_goods_release_and_the_keys_share_the_guard_and_its_type():
    assert goods_release.AskIdentity is identity.AskIdentity is keys.AskIdentity
    assert goods_release.NOT_MATCHED == (goods_release.NOT_MATCHED_EN, goods_release.NOT_MATCHED_ZH)
    assert keys.NOT_MATCHED == (keys.NOT_MATCHED_EN, keys.NOT_MATCHED_ZH)


def no_number_on_file(unit_id, name, number, id_type):
    """archive's answer for a person of the file with no ID number in it (422, counted there)."""
    raise IdNumberNotOnFile("the household file holds no ID number for the person named")


def test_no_number_on_file_is_the_one_refusal_unless_the_caller_asks_for_it():
    """The identity trial: id_number_not_on_file told a name is in the file (before the role was checked)
    -- the guard answers it with the caller's one sentence; only a caller that has checked the person's
    role (the goods release's attested path) gets archive's answer as it is."""
    with pytest.raises(IdentityNotMatched) as refused:
        identity.require(no_number_on_file, "u1", "路人甲", "110101199003071233", "resident_id", ("owner",), ONE)
    assert refused.value.code == "identity_not_matched" and refused.value.details is None
    assert refused.value.message == "核查对象不符 (the person does not match)"
    with pytest.raises(IdNumberNotOnFile):
        identity.require(no_number_on_file, "u1", "刘洋", "110101199003071233", "resident_id", ("owner", "family"),
                         ONE, no_number_answer=True)
