"""kernel.validators, kernel.privacy, the tenancy guards' not-found answers, money limits."""
from datetime import datetime
from decimal import Decimal

import pytest
from marshmallow import Schema, ValidationError

from kernel import privacy, validators as v
from kernel.errors import Forbidden, NotFound
from kernel.money import Money
from kernel.tenancy import Caller, Role

G, P1 = "g1", "p1"


@pytest.mark.parametrize("phone,ok", [
    ("13800138000", True), ("+8613800138000", True), ("+86-13800138000", True),
    ("+86 138 0013 8000", True), ("010-12345678", True), ("0755-1234567", True),
    ("13800138000\n", False), ("13800138000\r\n", False), ("\n13800138000", False),
    ("1380013800０", False), ("١٣٨٠٠١٣٨٠٠٠", False), ("12800138000", False), ("1380013800", False),
    ("", False), ("13800138000;rm", False),
])
def test_phones_match_in_full(phone, ok):
    assert v.is_phone(phone) is ok
    assert _passes(v.PHONE, phone) is ok


@pytest.mark.parametrize("value,ok", [
    ("110101199001011237", True), ("11010519491231002X", True), ("11010519491231002x", True),
    ("110101199001011234", False),            # wrong check digit
    ("110101199013011230", False),            # no 13th month
    ("110101199001011237\n", False), ("E12345678", True), ("H1234567", True),
    ("12345", False), ("ABC-123456", False),
])
def test_id_numbers_carry_the_gb_11643_check_digit(value, ok):
    assert v.is_id_number(value) is ok


def _passes(validator, value):
    try:
        validator(value)
        return True
    except ValidationError:
        return False


class When(Schema):
    at = v.AwareDateTime()
    on = v.Date()


@pytest.mark.parametrize("raw", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59",
                                 "0001-01-01T00:00:00-23:59", "9999-12-31T00:00:00+00:00",
                                 "2026-11-24T09:00:00"])
def test_date_times_that_would_overflow_are_refused(raw):
    with pytest.raises(ValidationError):
        When().load({"at": raw})


def test_sane_dates_load():
    loaded = When().load({"at": "2026-11-24T09:00:00+08:00", "on": "2026-11-24"})
    assert loaded["at"].utcoffset().total_seconds() == 8 * 3600
    with pytest.raises(ValidationError):
        When().load({"on": "9999-12-31"})


class Amounts(Schema):
    any = Money(exact=True)
    positive = Money(positive=True)


def test_money_exact_and_positive():
    assert Amounts().load({"any": "12.5"})["any"] == Decimal("12.50")
    assert Amounts().load({"any": "12.340"})["any"] == Decimal("12.34")
    for bad in ("12.345", "0.001", 12.5, "NaN", "1e400"):
        with pytest.raises(ValidationError):
            Amounts().load({"any": bad})
    assert Amounts().load({"positive": "0.01"})["positive"] == Decimal("0.01")
    for bad in ("0", "0.00", "-1.00", "0.004"):
        with pytest.raises(ValidationError):
            Amounts().load({"positive": bad})
    # without exact, half-up at the fen as kernel.money does
    assert Money().deserialize("0.125") == Decimal("0.13")


def staff(*roles, projects=(P1,)):
    return Caller(user_id="s", kind="staff", group_id=G, roles=frozenset(roles), project_ids=frozenset(projects))


def test_one_masking_rule():
    resident = Caller(user_id="r", kind="resident", group_id=G, roles=frozenset({Role.RESIDENT}),
                      unit_ids=frozenset({"u1"}))
    phone = "13812345678"
    assert privacy.phone_for(staff(Role.FRONT_DESK), phone) == phone
    assert privacy.phone_for(staff(Role.STEWARD), phone) == phone
    assert privacy.phone_for(staff(Role.ENGINEERING), phone) == "138****5678"
    assert privacy.phone_for(staff(Role.FINANCE), phone) == "138****5678"
    assert privacy.phone_for(resident, phone, own_household=True) == phone
    assert privacy.phone_for(resident, phone) == "138****5678"
    assert privacy.phone_for(staff(Role.ENGINEERING), phone, own_household=True) == "138****5678"
    assert privacy.phone_for(Caller.system(G), phone) == phone
    assert privacy.sees_id_numbers(staff(Role.CS_MANAGER)) and not privacy.sees_id_numbers(staff(Role.FRONT_DESK))
    assert privacy.email_for(staff(Role.ENGINEERING), "a@b.cn") == "***@b.cn"


def test_a_probe_hears_exactly_what_a_missing_id_hears():
    missing = NotFound("no unit u9", code="unit_not_found")
    resident = Caller(user_id="r", kind="resident", group_id=G, roles=frozenset({Role.RESIDENT}),
                      unit_ids=frozenset({"u1"}))
    other_group = Caller(user_id="x", kind="staff", group_id="g2", roles=frozenset({Role.CS_MANAGER}),
                         all_projects=True)
    for caller, guard in ((resident, lambda c: c.require_unit(G, P1, "u2", not_found=missing)),
                          (other_group, lambda c: c.require_unit(G, P1, "u1", not_found=missing)),
                          (resident, lambda c: c.require_project(G, P1, not_found=missing)),
                          (other_group, lambda c: c.require_project(G, P1, not_found=missing))):
        with pytest.raises(NotFound) as exc:
            guard(caller)
        assert exc.value is missing
    with pytest.raises(Forbidden):                    # staff of the group: their scope, not existence
        staff(Role.FRONT_DESK, projects=("p2",)).require_project(G, P1, not_found=missing)
    with pytest.raises(NotFound) as concealed:        # ... unless the area conceals it (archive: one rule)
        staff(Role.FRONT_DESK, projects=("p2",)).require_unit(G, P1, "u1", not_found=missing, conceal=True)
    assert concealed.value is missing


def test_a_purpose_must_say_something():
    from marshmallow import ValidationError

    from kernel.validators import PURPOSE

    assert PURPOSE("核对报修记录") == "核对报修记录"
    for blank in ("  ", " \t\n ", "x ", "\u3000\u3000"):          # ideographic spaces too
        with pytest.raises(ValidationError):
            PURPOSE(blank)
    with pytest.raises(ValidationError):
        PURPOSE("x" * 401)


@pytest.mark.parametrize("text", ["1e3", "1E4", "1_000", "٣", 1.5, True, "", " 2", "0.001", "0", "-1", "10001"])
def test_a_quantity_is_plain_decimal_text_in_range(text):
    from marshmallow import Schema, ValidationError
    from kernel.validators import Quantity

    class Line(Schema):
        quantity = Quantity(required=True)

    with pytest.raises(ValidationError):
        Line().load({"quantity": text})
    assert Line().load({"quantity": "1.5"}) == {"quantity": Decimal("1.5")}
    assert Line().load({"quantity": 2}) == {"quantity": Decimal("2")}


def test_a_bank_account_is_masked_to_its_bank_and_last_four_and_read_whole_by_finance_only():
    assert privacy.mask_bank_account("6222021234567890123") == "6222 **** **** 0123"
    assert privacy.mask_bank_account("6222 0212 3456") == "6222 **** **** 3456"     # the length is not told
    assert privacy.mask_bank_account("12345678") == "********" and privacy.mask_bank_account(None) is None
    assert privacy.sees_bank_accounts(staff(Role.FINANCE)) and privacy.sees_bank_accounts(Caller.system(G))
    assert not privacy.sees_bank_accounts(staff(Role.FRONT_DESK, Role.CENTRE_MANAGER))


@pytest.mark.parametrize("number,ok", [
    ("6222021234567890123", True), ("6222 0212 3456 7890 123", True), ("1" * 12, True), ("1" * 30, True),
    ("1" * 11, False), ("1" * 31, False), ("6222-0212-3456-7890", False), ("6222021234567890\n", False),
    ("６２２２０２１２３４５６", False), ("", False), (None, False)])
def test_bank_account_numbers_are_12_to_30_ascii_digits(number, ok):
    assert v.is_bank_account(number) is ok


def test_one_line_refuses_invisible_and_breaking_characters():
    """What a CSV cell or a log line would show wrongly: C0/C1 controls, Unicode line and paragraph
    separators, zero-width characters and bidirectional overrides; ordinary Chinese text, typographic
    punctuation and emoji pass."""
    from marshmallow import ValidationError

    from kernel.validators import ONE_LINE
    for ok in ("张伟 1栋-0101", "已张贴《催费通知单》—“月底前”", "🙂 ok", ""):
        assert ONE_LINE(ok) == ok
    for bad in ("a\nb", "a\tb", "a\x00b", "a\x85b", "a\u2028b", "a\u2029b", "x\u202ey", "x\u200by", "\ufeffx",
                "x\u2066y"):
        with pytest.raises(ValidationError):
            ONE_LINE(bad)


def test_free_text_keeps_its_lines_and_refuses_invisible_and_control_characters():
    """One rule for free text of several lines (a repair's content, a template's body): line breaks and tabs
    pass, controls, zero-width characters and direction controls do not -- the refusal names the character."""
    from marshmallow import ValidationError

    from kernel.validators import FREE_TEXT, free_text_error
    for ok in ("楼道灯不亮\r\n\t三楼", "已张贴《催费通知单》—“月底前”", "🙂 ok", "", "{{ amount }} 元"):
        assert FREE_TEXT(ok) == ok and free_text_error(ok) is None
    for bad, code in (("a\u202eb", "U+202E"), ("a\u202ab", "U+202A"), ("x\u2066y", "U+2066"), ("x\u2069y", "U+2069"),
                      ("x\u200by", "U+200B"), ("x\u200dy", "U+200D"), ("x\u2060y", "U+2060"), ("\ufeffx", "U+FEFF"),
                      ("a\x00b", "U+0000"), ("a\x1bb", "U+001B"), ("a\x85b", "U+0085"), ("a\u2028b", "U+2028")):
        with pytest.raises(ValidationError) as exc:
            FREE_TEXT(bad)
        assert code in str(exc.value.messages), bad
    # text of only spaces (the ideographic one too), tabs or line breaks says nothing (trial finding)
    for blank in (" ", "   ", "\u3000\u3000\u3000", "\n\t \r\n"):
        with pytest.raises(ValidationError, match="Not blank"):
            FREE_TEXT(blank)
@pytest.mark.parametrize("number,masked", [
    ("110101199001011237", "1101**********1237"),        # 居民身份证: region and check, 8 of 18
    ("810000199001011234", "8100**********1234"),        # 港澳台居民居住证
    ("C12345678", "C1*****78"), ("E12345678", "E1*****78"),   # passports: 4 of 9
    ("H12345678", "H1*****78"), ("H1234567801", "H1*******01"),   # 港澳通行证
    ("12345678", "12****78"),                            # 台湾通行证
    ("AB1234", "A***34"), ("12345", "*****"), ("", ""), (None, None),
])
def test_identity_numbers_show_only_a_few_characters(number, masked):
    """TRIAL11 finding 6: a passport or a permit number is never shown nearly whole."""
    assert privacy.mask_id_number(number) == masked
    if number and len(number) < 15:
        assert sum(c != "*" for c in masked) <= 4


def test_text_names_notes_and_titles_one_rule():
    from marshmallow import ValidationError
    for ok in ("张三", "欧阳 娜娜", "O'Brien", "🙂"):
        assert v.NAME(ok) == ok
    assert v.NOTE("第一行\n第二行\t完") and v.NOTE("") == ""
    for bad in ("", "   ", "\u3000", "\u200b", "张\u202e三", "\u2066x\u2069", "\ufeff王", "a\nb", "a\x00", "x" * 101):
        with pytest.raises(ValidationError):
            v.NAME(bad)
    for bad in ("a\x00b", "a\u202eb", "a\u2028b"):
        with pytest.raises(ValidationError):
            v.NOTE(bad)


def test_a_resident_id_says_what_is_wrong_with_it():
    """TRIAL11 finding 11: a wrong check digit and a day that does not exist are told apart, at the
    field (``ID_NUMBER``) as in the schema's check of the document."""
    from marshmallow import ValidationError
    from stdnum.cn import ric
    good = "11010119850307123" + ric.calc_check_digit("110101198503071230")
    wrong_digit = good[:-1] + ("1" if good[-1] != "1" else "2")
    bad_day = "11010119851307123" + ric.calc_check_digit("110101198513071230")
    for number, says in ((wrong_digit, "wrong GB 11643 check digit"), (bad_day, "no such birth date (19851307)")):
        assert says in v.id_document_error("resident_id", number)
        with pytest.raises(ValidationError) as refused:
            v.ID_NUMBER(number)
        assert says in str(refused.value.messages)
    assert v.id_document_error("resident_id", good) is None


def test_an_id_number_compared_with_the_file_is_checked_by_one_rule_with_a_422():
    assert v.require_id_number("110101199003071233") == "110101199003071233"
    assert v.require_id_number("h12345678", "hk_macau_permit") == "H12345678"
    for number, id_type, says in (("110101199003071234", None, "check digit"),
                                  ("110101199002301236", "resident_id", "birth date"),
                                  ("110101199003071233", "taiwan_permit", "8 digits"),
                                  (None, None, "Not an identity document number")):
        with pytest.raises(v.IdNumberInvalid) as refused:
            v.require_id_number(number, id_type)
        assert refused.value.code == "id_number_invalid" and refused.value.kind == "RuleViolation"
        assert says in refused.value.message and refused.value.message.startswith("证件号码无效")
    assert v.ID_NUMBER_TEXT("110101199003071234") == "110101199003071234"      # the shape only: 400 otherwise
    with pytest.raises(ValidationError):
        v.ID_NUMBER_TEXT("1101-01")


def test_free_text_masks_id_numbers_and_mobiles_and_nothing_else():
    from kernel.privacy import mask_free_text
    text = "身份证 110101199003077774 电话 13912345678，+8613812345678；工号 12345，订单 12345678901234567890"
    masked = mask_free_text(text)
    assert masked == ("身份证 1101**********7774 电话 139****5678，+86138****5678；工号 12345，"
                      "订单 12345678901234567890")
    assert mask_free_text(masked) == masked                              # idempotent
    assert mask_free_text("11010119900307777X") == "1101**********777X"
    assert mask_free_text(None) is None and mask_free_text("") == ""


def test_free_text_is_read_as_written_by_the_desk_and_masked_for_everyone_else():
    from kernel.testing import resident
    note = "工人电话 13912345678，身份证 110101199003077774"
    masked = "工人电话 139****5678，身份证 1101**********7774"
    for desk in (staff(Role.FRONT_DESK), staff(Role.STEWARD), staff(Role.CS_MANAGER), staff(Role.CENTRE_MANAGER),
                 staff(Role.ENGINEERING, Role.FRONT_DESK), Caller.system(G)):
        assert privacy.sees_free_text(desk) and privacy.free_text_for(desk, note) == note
    home = resident(G, ["u1"], households={"u1": "h1"})
    for other in (staff(Role.ENGINEERING), staff(Role.FINANCE), staff(Role.SECURITY), staff(Role.GENERAL_MANAGER),
                  staff(Role.GROUP_ADMIN), home):
        assert not privacy.sees_free_text(other) and privacy.free_text_for(other, note) == masked
    assert privacy.free_text_for(home, None) is None
    # what masking leaves is told apart from text it changed nothing in (a read masked for its reader)
    assert privacy.free_text_masked(masked) and privacy.free_text_masked("+86138****5678")
    assert privacy.free_text_masked("1101**********777X")
    assert not privacy.free_text_masked(note) and not privacy.free_text_masked("修好了 ****")
    assert not privacy.free_text_masked(None) and not privacy.free_text_masked("")


def test_a_name_key_folds_full_width_case_and_every_blank():
    from kernel.validators import name_key
    assert name_key("张 伟") == name_key("张　伟") == name_key(" 张伟 ") == name_key("张伟") == "张伟"
    assert name_key("ＺＨＡＮＧ　Wei") == name_key("zhang wei") == "zhangwei"
    assert name_key("张伟") != name_key("张玮") and name_key(None) == name_key("") == ""
