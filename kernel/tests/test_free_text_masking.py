"""The one free-text masking rule (``kernel.privacy.mask_free_text``) in both directions: a mobile or an ID
number typed with the usual separators or full-width digits is masked; ordinary numbers are left alone."""
from datetime import date

from hypothesis import given, settings, strategies as st

from kernel.privacy import free_text_masked, mask_free_text, mask_id_number, mask_phone

FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
SEPARATORS = st.sampled_from(["", " ", "-", "\u3000", "\uff0d"])
#: text around a number: Chinese, punctuation, letters -- no digits
AROUND = st.text(alphabet=st.sampled_from(list("电话身份证号工人：，。（） 张伟\n")), max_size=12)


def widen(value: str, which: list[bool]) -> str:
    """``value`` with the characters ``which`` marks typed full-width."""
    return "".join(c.translate(FULL) if w else c for c, w in zip(value, which))


mobiles = st.from_regex(r"\A1[3-9][0-9]{9}\Z")
id_numbers = st.from_regex(r"\A[1-9][0-9]{16}[0-9X]\Z")


def test_the_trial_s_examples_are_masked():
    assert mask_free_text("卧室 139 1234 5678") == "卧室 139****5678"
    assert mask_free_text("电话139-1234-5678。") == "电话139****5678。"
    assert mask_free_text("139\u30001234\u30005678") == "139****5678"
    assert mask_free_text("手机１３９１２３４５６７８") == "手机139****5678"
    assert mask_free_text("身份证 11010119900307777８") == "身份证 1101**********7778"
    assert mask_free_text("身份证 110101 19900307 7774") == "身份证 1101**********7774"
    assert mask_free_text("+86 139-1234-5678") == "+86 139****5678"
    assert free_text_masked(mask_free_text("139 1234 5678"))


@settings(max_examples=200, deadline=None)
@given(mobiles, st.lists(SEPARATORS, min_size=2, max_size=2), st.lists(st.booleans(), min_size=11, max_size=11),
       AROUND, AROUND)
def test_a_mobile_typed_any_usual_way_is_masked(phone, seps, wide, before, after):
    typed = widen(phone[:3], wide[:3]) + seps[0] + widen(phone[3:7], wide[3:7]) + seps[1] + widen(phone[7:], wide[7:])
    masked = mask_free_text(before + typed + after)
    assert masked == before + mask_phone(phone) + after
    assert mask_free_text(masked) == masked


@settings(max_examples=200, deadline=None)
@given(id_numbers, st.lists(SEPARATORS, min_size=3, max_size=3), st.lists(st.booleans(), min_size=18, max_size=18),
       AROUND, AROUND)
def test_an_id_number_typed_any_usual_way_is_masked(number, seps, wide, before, after):
    groups = [number[:6], number[6:10], number[10:14], number[14:]]
    typed, at = "", 0
    for i, group in enumerate(groups):
        typed += widen(group, wide[at:at + len(group)]) + (seps[i] if i < 3 else "")
        at += len(group)
    masked = mask_free_text(before + typed + after)
    assert masked == before + mask_id_number(number) + after
    assert mask_free_text(masked) == masked


dates = st.dates(date(1950, 1, 1), date(2099, 12, 31)).flatmap(lambda d: st.sampled_from(
    [d.isoformat(), f"{d.year}年{d.month}月{d.day}日", d.strftime("%Y/%m/%d"), d.strftime("%Y%m%d")]))
amounts = st.decimals(min_value=0, max_value=99_999_999, places=2).flatmap(
    lambda a: st.sampled_from([f"{a}", f"{a:,}", f"¥{a}", f"{a}元"]))
units = st.tuples(st.integers(1, 99), st.integers(1, 40), st.integers(1, 12)).map(
    lambda t: f"{t[0]}栋-{t[1]:02d}{t[2]:02d}")
tickets = st.tuples(st.dates(date(2000, 1, 1), date(2099, 12, 31)), st.integers(1, 9999)).map(
    lambda t: f"WO-{t[0]:%Y%m%d}-{t[1]:04d}")
times = st.times().map(lambda t: t.strftime("%H:%M"))
ordinary = st.one_of(dates, amounts, units, tickets, times, st.integers(0, 9_999_999).map(str))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(ordinary, st.sampled_from([" ", "，", "、", "；", " - ", "\u3000"])), min_size=1, max_size=6),
       AROUND)
def test_ordinary_numbers_are_left_alone(items, lead):
    text = lead + "".join(number + sep for number, sep in items)
    assert mask_free_text(text) == text
    assert not free_text_masked(mask_free_text(text))


def test_ordinary_examples_are_left_alone():
    for text in ("2026-11-27 13:45 1栋-0101 维修", "金额 1,234.50 元，工单 WO-20261127-0001", "12345678901234567890",
                 "电话区号 010-12345678", "房号 3-1-1502，面积 139.25㎡", "138.00 1234.00 5678.00"):
        assert mask_free_text(text) == text
