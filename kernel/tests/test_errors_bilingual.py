"""The one form of an error's message in both languages (``kernel.errors.bilingual``): the Chinese
sentence first, the English in parentheses; the code never changes; the JSON on the wire carries it."""
import json

import pytest
from marshmallow import ValidationError

from kernel.errors import (MAX_ECHO, Forbidden, NotFound, RuleViolation, bilingual, from_marshmallow,
                           parse_remote_error)
from kernel.tenancy import role_names_zh
from kernel.testing import staff


class _Missing(NotFound):
    default_code = "thing_not_found"
    zh = "未找到该物品"


def test_the_chinese_sentence_comes_first_and_the_code_stays():
    assert bilingual("未找到该业户", "no household h9") == "未找到该业户 (no household h9)"
    assert bilingual("", "no household h9") == bilingual(None, "no household h9") == "no household h9"
    assert bilingual("未找到该业户", "") == "未找到该业户"
    err = _Missing("no thing t1")
    assert (err.code, err.message, err.english) == ("thing_not_found", "未找到该物品 (no thing t1)", "no thing t1")
    told = RuleViolation("2 missing", code="items_missing", zh="缺少以下材料：业主身份证复印件、委托书")
    assert told.message == "缺少以下材料：业主身份证复印件、委托书 (2 missing)" and told.code == "items_missing"
    assert RuleViolation("plain").message == "plain"              # a class without zh: as it was
    kind, code, message, _ = parse_remote_error("NotFound", str(err))
    assert (kind, code, message) == ("NotFound", "thing_not_found", "未找到该物品 (no thing t1)")
    assert json.loads(str(err))["message"] == err.message


def test_validation_errors_and_role_guards_read_in_chinese():
    invalid = from_marshmallow(ValidationError({"role": ["Must be one of: owner."], "name": ["Missing."]}))
    assert invalid.message == "以下字段填写有误：name, role (invalid fields: name, role)"
    assert invalid.code == "invalid_input"
    with pytest.raises(Forbidden) as refused:
        staff("g", ["p1"], roles=["engineering"]).require_role("cs_manager", "auditor")
    assert refused.value.code == "role_required"
    assert refused.value.message.startswith("需要以下角色之一：审计、客服部经理 (this needs one of the roles")
    assert role_names_zh("cs_manager,front_desk") == "客服部经理、总台接待"
    assert role_names_zh(["auditor", "someone_new"]) == "审计、someone_new"


def test_a_message_never_repeats_an_over_long_id():
    """TRIAL finding: ``GET /tickets/<5,000 characters>`` answered ``ticket_not_found`` with the whole id
    in its message. Every message is built by ``bilingual``: a run of more than 64 characters (an id no
    record has) is cut to its first 64 and "…"; sentences, ids of the usual length and Chinese text broken
    by its punctuation stay as they were."""
    long_id = "x" * 5000
    err = _Missing(f"no thing {long_id}")
    assert err.message == f"未找到该物品 (no thing {'x' * MAX_ECHO}…)" and err.code == "thing_not_found"
    assert len(json.loads(str(err))["message"]) < 100
    told = NotFound("no such", zh=f"未找到{'业' * 300}")
    assert told.message == f"{('未找到' + '业' * 300)[:MAX_ECHO]}… (no such)"
    uuid = "0b7f7c52-3a6e-4c59-9d1a-6c3b2f3f0e11"
    assert bilingual("未找到该业户", f"no household {uuid}") == f"未找到该业户 (no household {uuid})"
    exactly = "y" * MAX_ECHO
    assert bilingual("", f"no thing {exactly}") == f"no thing {exactly}"
    sentence = "该文件（第2版）的内容已于2026-11-24按保管期限删除，" * 4   # long, but broken by its punctuation
    assert bilingual(sentence, "") == sentence.strip()
