"""notify tells households about billing's bills and receipts (``bill.notice_due``,
``bill.reminder_due``, ``receipt.issued``): an in-app message to the unit and an SMS to each payer,
one per event and recipient, in platform words only. Rules without a broker, on SQLite."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from kernel.errors import RetryableError
from kernel.testing import domain_session
from services.notify import schemas
from services.notify.domain import bills, copies, templates
from services.notify.models import Base, Notification
from services.notify.tests.test_domain import (G, OWNER, TENANT, clock, estate, household_event,  # noqa: F401
                                               work)

NOTICE = {"bill_id": "b1", "number": "ZD00000012", "account_id": "a1", "unit_id": "u1", "unit_label": "1栋-0101",
          "household_id": "h1", "group_id": G, "project_id": "p1", "period": "2026-12", "total": "268.38",
          "outstanding": "268.38", "due_on": "2026-12-15", "pays_by": "cash", "collect_on": None}
RECEIPT = {"receipt_id": "r1", "number": "SJ00000007", "account_id": "a1", "unit_id": "u1", "unit_label": "1栋-0101",
           "household_id": "h1", "group_id": G, "project_id": "p1", "amount": "268.38", "method": "bank_debit",
           "issued_at": "2026-12-11T02:00:00+00:00"}
#: what a resident typed (names) never reaches a bill's text
RESIDENT_WORDS = ("张伟", "John Smith")


@pytest.fixture
def session():
    with domain_session(Base) as s:
        yield s


def tell(session, clock, rule, schema, data, event_id="ev-1"):
    made = rule(work(session, clock), schema.load(data), event_id=event_id, group_id=G, project_id="p1")
    session.flush()
    return made


def texts(made):
    return {(n.recipient_kind, n.recipient): {d.channel: (d.address, d.body) for d in n.deliveries} for n in made}


def test_a_bill_notice_reaches_the_unit_in_app_and_each_payer_by_sms_once(session, clock, estate):
    made = tell(session, clock, bills.on_bill_notice, schemas.BillNoticeIn(), NOTICE)
    assert texts(made) == {
        ("unit", "u1"): {"inapp": (None, "【绿湖花园】1栋-0101 2026-12 账单 ZD00000012：应缴 268.38 元，缴费截止日 2026-12-15。")},
        ("person", "pe1"): {"sms": ("13812345678",
                                    "【绿湖花园】1栋-0101 2026-12 账单 ZD00000012 应缴 268.38 元，请于 2026-12-15 前缴纳。")},
        ("person", "pe2"): {"sms": ("13987654321",
                                    "[绿湖花园] 1栋-0101: bill ZD00000012 for 2026-12, 268.38 yuan, due 2026-12-15."),
                            # the tenant gave an e-mail address: the bill goes there too (HTML, escaped)
                            "email": ("john@example.com",
                                      "<p>To the household of 1栋-0101:</p><p>Bill ZD00000012 for 2026-12: "
                                      "<strong>268.38 yuan</strong> to pay by 2026-12-15.</p>"
                                      "<p>绿湖花园 service centre</p>")}}
    assert {n.purpose for n in made} == {"bill_notice"} and {n.ref_id for n in made} == {"b1"}
    assert [d.status for n in made for d in n.deliveries if d.channel == "sms"] == ["pending", "pending"]
    # the broker delivers it again: nothing more
    assert tell(session, clock, bills.on_bill_notice, schemas.BillNoticeIn(), NOTICE) == []
    assert len(session.scalars(select(Notification)).all()) == 3
    # a bank-debit household is told when the bank collects
    debit = tell(session, clock, bills.on_bill_notice, schemas.BillNoticeIn(),
                 dict(NOTICE, pays_by="bank_debit", collect_on="2026-12-10"), event_id="ev-2")
    assert texts(debit)[("person", "pe1")]["sms"][1].endswith("银行托收户将于 2026-12-10 自动扣款。")


def test_reminders_and_receipts_use_their_own_purposes(session, clock, estate):
    cash = tell(session, clock, bills.on_bill_reminder, schemas.BillReminderIn(),
                dict(NOTICE, kind="before_due", days_before=10))
    debit = tell(session, clock, bills.on_bill_reminder, schemas.BillReminderIn(),
                 dict(NOTICE, kind="before_debit", days_before=3, pays_by="bank_debit", collect_on="2026-12-10"),
                 event_id="ev-2")
    receipt = tell(session, clock, bills.on_receipt_issued, schemas.ReceiptIssuedIn(), RECEIPT, event_id="ev-3")
    assert ({n.purpose for n in cash}, {n.purpose for n in debit}, {n.purpose for n in receipt}) == (
        {"payment_reminder"}, {"debit_reminder"}, {"receipt"})
    owner = {n.purpose: n.deliveries[0].body for n in cash + debit + receipt if n.recipient == "pe1"}
    assert owner == {
        "payment_reminder": "【绿湖花园】温馨提示：1栋-0101 2026-12 账单 ZD00000012 尚有 268.38 元未缴，请于 2026-12-15 前缴纳。",
        "debit_reminder": "【绿湖花园】温馨提示：1栋-0101 账单 ZD00000012 的 268.38 元将于 2026-12-10 银行托收扣款，"
                          "请保证账户余额充足。",
        "receipt": "【绿湖花园】1栋-0101 已收到您缴纳的 268.38 元，收据号 SJ00000007。"}
    assert receipt[0].ref_type == "receipt" and receipt[0].ref_id == "r1"


def test_only_platform_values_reach_a_bill_s_sms(session, clock, estate):
    platform = {"project_name", "unit_label", "bill_number", "period", "amount", "due_date", "collect_date",
                "collect_note", "receipt_number"}
    for purpose in (bills.BILL_NOTICE, bills.PAYMENT_REMINDER, bills.DEBIT_REMINDER, bills.RECEIPT):
        assert templates.PURPOSES[purpose].allowed("sms") <= platform
    made = tell(session, clock, bills.on_bill_notice, schemas.BillNoticeIn(), NOTICE)
    assert not [w for n in made for d in n.deliveries for w in RESIDENT_WORDS if w in d.body + n.body]


def test_who_is_texted_follows_notify_s_copy_of_the_household(session, clock, estate):
    family = {"person_id": "pe3", "name": "张小", "role": "family", "phone": "13700000000", "email": None,
              "locale": "zh-CN"}
    twin = dict(TENANT, person_id="pe4", name="同号")                # the tenant's number again
    copies.upsert_household(work(session, clock), household_event([OWNER, TENANT, family, twin], version=2))
    made = tell(session, clock, bills.on_bill_notice, schemas.BillNoticeIn(), NOTICE)
    # payers only, one message per number and address (the twin shares the tenant's number and e-mail)
    assert sorted(n.recipient for n in made) == ["pe1", "pe2", "u1"]
    copies.upsert_household(work(session, clock), household_event([OWNER], status="moved_out", version=3))
    # a message about a household that moved out is about its own account (its debt after a transfer,
    # 过户): to its payers, never to the unit -- the household living there now must not see it
    moved = tell(session, clock, bills.on_bill_notice, schemas.BillNoticeIn(), NOTICE, event_id="ev-2")
    assert [n.recipient for n in moved] == ["pe1"]
    with pytest.raises(RetryableError):                                      # not copied yet: wait for it
        tell(session, clock, bills.on_bill_notice, schemas.BillNoticeIn(), dict(NOTICE, household_id="h9"),
             event_id="ev-3")


def test_a_one_off_bill_is_named_so_and_money_messages_are_never_dropped_by_the_per_number_limit(
        session, clock, estate):
    """A move-in: the prepayment, the deposit and the fee's receipts, the garbage fee's notice and more
    within the hour -- over the per-number limit of five, every one is sent (the platform's own
    messages, one per receipt or bill)."""
    one_off = tell(session, clock, bills.on_bill_notice, schemas.BillNoticeIn(), dict(NOTICE, period=None))
    assert texts(one_off)[("person", "pe1")]["sms"][1] == \
        "【绿湖花园】1栋-0101 一次性收费 账单 ZD00000012 应缴 268.38 元，请于 2026-12-15 前缴纳。"
    made = []
    for n in range(7):
        made += tell(session, clock, bills.on_receipt_issued, schemas.ReceiptIssuedIn(),
                     dict(RECEIPT, receipt_id=f"r{n}", number=f"SJ0000001{n}"), event_id=f"ev-r{n}")
    owner_sms = [d.status for m in made if m.recipient == "pe1" for d in m.deliveries]
    assert owner_sms == ["pending"] * 7
