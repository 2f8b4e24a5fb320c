"""notify tells households the dunning ladder's notices (billing's ``dunning.notice_due``, issue 9):
an in-app message to the unit, an SMS to each payer and the door notice's text queued for print,
once per notice however it arrives, in platform words only, never dropped by the per-number limit.
Rules without a broker, on SQLite."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from kernel.testing import domain_session
from services.notify import schemas
from services.notify.domain import bills, templates
from services.notify.models import Base, Delivery, Notification, OutboxMessage
from services.notify.tests.test_bills import RESIDENT_WORDS, texts
from services.notify.tests.test_domain import G, clock, estate, work  # noqa: F401

NOTICE = {"notice_id": "n1", "case_id": "c1", "account_id": "a1", "unit_id": "u1", "unit_label": "1栋-0101",
          "household_id": "h1", "group_id": G, "project_id": "p1", "stage": "first", "notice_on": "2027-01-16",
          "pay_by": "2027-01-23", "overdue": "268.38", "late_fee": "0.00", "oldest_due_on": "2027-01-15",
          "bills": 1, "door_notice": True}
#: the final notice of a case whose earlier arrears bear a fee: 0.27 accrued, not yet billed
FINAL = dict(NOTICE, notice_id="n3", stage="final", notice_on="2027-01-31", pay_by="2027-02-07",
             overdue="536.76", late_fee="0.27", bills=2, oldest_due_on="2026-12-15")


@pytest.fixture
def session():
    with domain_session(Base) as s:
        yield s


def published(session, event_type):
    return [json.loads(body)["data"] for body in session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.event_type == event_type))]


def tell(session, clock, data, event_id="ev-1"):
    made = bills.on_dunning_notice(work(session, clock), schemas.DunningNoticeIn().load(data), event_id=event_id,
                                   group_id=G, project_id="p1")
    session.flush()
    return made


def test_the_first_notice_reaches_the_unit_each_payer_and_the_print_queue(session, clock, estate):
    made = tell(session, clock, NOTICE)
    assert texts(made) == {
        ("unit", "u1"): {
            "inapp": (None, "【绿湖花园】1栋-0101 截至 2027-01-16 尚欠费用 268.38 元（1 笔账单，最早于 2027-01-15 到期），"
                            "请于 2027-01-23 前到服务中心或线上缴纳。如已缴纳，请忽略本通知。"),
            "print": (None, "1栋-0101 业主/住户：\n截至 2027-01-16，您户尚欠费用 268.38 元（1 笔账单，最早于 2027-01-15 "
                            "到期）。请于 2027-01-23 前到服务中心或线上缴纳。如已缴纳，请忽略本通知。")},
                # signed once: the PDF's footer (<project>物业服务中心 and the date), not the text too
        ("person", "pe1"): {"sms": ("13812345678", "【绿湖花园】1栋-0101 尚欠费用 268.38 元（最早于 2027-01-15 到期），"
                                                   "请于 2027-01-23 前缴纳。如已缴纳请忽略。")},
        ("person", "pe2"): {"sms": ("13987654321", "[绿湖花园] 1栋-0101: 268.38 yuan overdue (oldest due 2027-01-15); "
                                                   "please pay by 2027-01-23. Ignore if paid.")}}
    assert {(n.purpose, n.ref_type, n.ref_id) for n in made} == {("dunning_first", "dunning_notice", "n1")}
    unit = next(n for n in made if n.recipient_kind == "unit")
    assert unit.subject == "催费通知书：1栋-0101"
    assert {d.channel: d.status for d in unit.deliveries} == {"inapp": "delivered", "print": "queued"}
    assert [d.status for n in made for d in n.deliveries if d.channel == "sms"] == ["pending", "pending"]
    # the unit's inbox (the gateway's read model) sees the print delivery queued; nothing says it was sent
    [snapshot] = published(session, "notification.changed")
    assert [(d["channel"], d["status"]) for d in snapshot["deliveries"]] == [("inapp", "delivered"),
                                                                             ("print", "queued")]
    delivered = published(session, "notification.delivered")
    assert [d["channel"] for d in delivered] == ["inapp"]


def test_once_per_notice_however_and_whenever_it_arrives(session, clock, estate):
    assert len(tell(session, clock, NOTICE)) == 3
    assert tell(session, clock, NOTICE) == []                          # the broker delivers it again
    assert tell(session, clock, NOTICE, event_id="ev-again") == []     # the same notice under another event
    assert session.scalar(select(func.count()).select_from(Notification)) == 3
    assert session.scalar(select(func.count()).select_from(Delivery).where(Delivery.channel == "sms")) == 2
    # the next stage is another notice: told again
    second = tell(session, clock, dict(NOTICE, notice_id="n2", stage="second", notice_on="2027-01-24",
                                       pay_by="2027-01-31"), event_id="ev-2")
    assert {n.purpose for n in second} == {"dunning_second"}
    assert texts(second)[("person", "pe1")]["sms"][1] == \
        "【绿湖花园】第二次催缴：1栋-0101 仍欠费用 268.38 元，请于 2027-01-31 前缴纳。"


def test_the_final_notice_names_principal_late_fee_and_pay_by_date(session, clock, estate):
    made = texts(tell(session, clock, FINAL))
    assert made[("person", "pe1")]["sms"][1] == (
        "【绿湖花园】最后催缴：1栋-0101 欠费本金 536.76 元，滞纳金 0.27 元，合计 537.03 元，请于 2027-02-07 前缴清，"
        "逾期将按日计收滞纳金。")
    assert made[("person", "pe2")]["sms"][1] == (
        "[绿湖花园] Final notice: 1栋-0101, principal 536.76 yuan, late fee 0.27 yuan, 537.03 yuan in all; "
        "please pay by 2027-02-07, after that a late fee accrues daily.")
    assert made[("unit", "u1")]["inapp"][1] == (
        "【绿湖花园】1栋-0101 截至 2027-01-31 欠费本金 536.76 元，滞纳金 0.27 元，合计 537.03 元。请于 2027-02-07 前缴清；"
        "逾期未缴，将按规定按日计收滞纳金。")
    assert "最后催费通知书" in session.scalars(select(Notification).where(
        Notification.recipient_kind == "unit")).one().subject


def test_no_door_notice_asked_for_means_no_print_delivery(session, clock, estate):
    made = tell(session, clock, dict(NOTICE, door_notice=False))
    assert texts(made)[("unit", "u1")].keys() == {"inapp"}


def test_only_platform_values_and_never_dropped_by_the_per_number_limit(session, clock, estate):
    platform = {"project_name", "unit_label", "overdue", "late_fee", "total", "bills", "oldest_due_date",
                "notice_date", "pay_by"}
    for purpose in bills.DUNNING_PURPOSES.values():
        assert templates.PURPOSES[purpose].allowed("sms") == platform
        assert set(templates.PURPOSES[purpose].channels) == {"inapp", "sms", "print"}
        for channel in ("inapp", "sms", "print"):
            for locale in templates.LOCALES:
                assert (purpose, channel, locale) in templates.DEFAULTS
    made = []
    for n in range(7):       # seven notices within the hour (several accounts of one owner): all sent
        made += tell(session, clock, dict(NOTICE, notice_id=f"n{n}"), event_id=f"ev-{n}")
    assert [d.status for m in made if m.recipient == "pe1" for d in m.deliveries] == ["pending"] * 7
    assert not [w for n in made for d in n.deliveries for w in RESIDENT_WORDS if w in d.body + n.body]


def test_the_old_owner_s_notice_after_a_transfer_reaches_them_and_never_the_unit(session, clock, estate):
    """过户 (TRIAL11 finding 3): h1 moved out owing; billing's case goes on against h1's closed account.
    Its notice is h1's payers' (SMS) -- no in-app message to the unit, no door notice on the new
    owners' door, nothing to the new household h2."""
    from services.notify.domain import copies
    from services.notify.tests.test_domain import OWNER, household_event
    newcomer = {"person_id": "pn", "name": "孙丽", "role": "owner", "phone": "13800000188", "email": None,
                "locale": "zh-CN"}
    copies.upsert_household(work(session, clock), household_event([OWNER], status="moved_out", version=5))
    copies.upsert_household(work(session, clock), household_event([newcomer], hid="h2"))
    made = tell(session, clock, NOTICE)
    assert [(n.recipient_kind, n.recipient) for n in made] == [("person", "pe1")]
    assert [(d.channel, d.address) for n in made for d in n.deliveries] == [("sms", "13812345678")]
