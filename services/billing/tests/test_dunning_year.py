"""A project's dunning through the first months of 2026, driven by the clock through billing's own
job runner (the bill run on the 1st, the daily ladder sweep at 08:00), every date and figure against
a hand computation.

绿湖花园, management fee 1.15 /m2: 1栋-0101 (u1) and 1栋-0102 (u2), both 89.37 m2, so each month's
bill is round(89.37 x 1.15 = 102.7755) = 102.78, due on the 15th. Both households moved in in 2025.

**u1 — January's bill unpaid, then February's and March's** (the case is anchored on 15 January):

========== =================================================================================
01-16      1st notice (催费通知书), pay by 01-23
01-24      2nd notice (二次催费通知书), pay by 01-31
01-31      final notice (最后催费通知书), pay by 02-07 (the 31st exists in January)
02-08      stage ``late``: the late fee accrues from today on January's bill
02-28      the month's last day: 21 days (02-08..02-28) x 102.78 x 0.05% = 1.07919 -> a late-fee
           bill of 1.08, due 03-15
03-20      (sweep) January's bill 20 more days (03-01..03-20): 1.0278; February's bill from its own
           fee day -- its final notice is 1 March (February has no 31st), deadline 03-08, fee from
           03-09: 12 days (03-09..03-20) x 102.78 x 0.05% = 0.61668; the 1.08 late-fee bill bears
           none (no compounding). Accrued: 1.07919 + 1.0278 + 0.61668 = 2.72367
03-20 10h  pays 3 x 102.78 + 1.08 = 309.42 at the desk: the case closes at once and the fee not yet
           billed is billed: round(2.72367) - 1.08 = 2.72 - 1.08 = 1.64, due 04-15
========== =================================================================================

**u2 — pays January, not February** (the case is anchored on 15 February): 1st notice 02-16,
2nd 02-24, final **03-01** (the short-month rule), pay by 03-08, late from 03-09.
"""
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from kernel.clock import ManualClock
from kernel.db import make_engine
from kernel.tenancy import Caller
from kernel.testing import staff
from services.billing.models import Base, Bill, DunningCase, DunningNotice, FeeAccount, OutboxMessage

from .support import G, add_project, add_unit, job_executor, move_in, service_as, work

PLATFORM = Caller.system(G, "billing")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk-1")


@pytest.fixture
def clock():
    return ManualClock("2025-12-31T12:00:00+08:00")


@pytest.fixture
def Session(tmp_path, clock):
    engine = make_engine(f"sqlite:///{tmp_path / 'billing.db'}")
    Base.metadata.create_all(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as s, s.begin():
        w = work(s, clock, PLATFORM)
        add_project(w)
        for unit, label in (("u1", "1栋-0101"), ("u2", "1栋-0102")):
            add_unit(w, unit, area="89.37", label=label)
            move_in(w, unit, moved_in_on="2025-10-01")
    yield factory
    engine.dispose()


def test_the_ladder_through_january_to_march(Session, clock):
    runner = job_executor(Session, clock)

    @contextmanager
    def as_(caller):
        with Session() as s, s.begin():
            yield service_as(s, clock, caller)

    def read(fn):
        with Session() as s:
            return fn(s)

    def until(day: str, hour: int = 10):
        end = clock.now().fromisoformat(f"{day}T{hour:02d}:00:00+08:00")
        while clock.now() < end:
            clock.advance(min(timedelta(hours=6), end - clock.now()))
            while runner.run_once():
                pass

    def notices(unit):
        return read(lambda s: [(n.stage, n.notice_on, n.pay_by) for n in s.scalars(
            select(DunningNotice).join(FeeAccount, FeeAccount.id == DunningNotice.account_id)
            .where(FeeAccount.unit_id == unit).order_by(DunningNotice.notice_on))])

    def case(unit):
        return read(lambda s: s.scalars(select(DunningCase).join(FeeAccount, FeeAccount.id == DunningCase.account_id)
                                        .where(FeeAccount.unit_id == unit).order_by(DunningCase.opened_at)).all())

    def fee_bills(unit):
        return read(lambda s: [(b.issued_on, b.total, b.due_on) for b in s.scalars(
            select(Bill).join(FeeAccount, FeeAccount.id == Bill.account_id)
            .where(FeeAccount.unit_id == unit, Bill.kind == "late_fee").order_by(Bill.issued_on))])

    until("2026-01-10")
    with as_(DESK) as svc:                               # u2 pays January
        svc.record_payment("u2", {"method": "cash", "amount": "102.78"}, idempotency_key="u2-jan")

    until("2026-01-15", 23)
    assert notices("u1") == [] and case("u1") == []      # due today: not overdue yet
    until("2026-01-16")
    assert notices("u1") == [("first", date(2026, 1, 16), date(2026, 1, 23))]
    until("2026-01-31")
    assert notices("u1")[1:] == [("second", date(2026, 1, 24), date(2026, 1, 31)),
                                 ("final", date(2026, 1, 31), date(2026, 2, 7))]
    until("2026-02-07")
    assert case("u1")[0].stage == "final"
    until("2026-02-08")
    assert case("u1")[0].stage == "late" and case("u1")[0].stage_on == date(2026, 2, 8)
    assert notices("u2") == []

    until("2026-02-28")
    assert fee_bills("u1") == [(date(2026, 2, 28), Decimal("1.08"), date(2026, 3, 15))]
    assert notices("u2") == [("first", date(2026, 2, 16), date(2026, 2, 23)),
                             ("second", date(2026, 2, 24), date(2026, 3, 3))]
    until("2026-03-01")
    assert notices("u2")[2] == ("final", date(2026, 3, 1), date(2026, 3, 8))
    until("2026-03-09")
    assert case("u2")[0].stage == "late"

    until("2026-03-20")
    u1 = case("u1")[0]
    assert u1.late_fee_accrued == Decimal("2.72367000") and u1.late_fee_through == date(2026, 3, 20)
    with as_(DESK) as svc:
        assert svc.get_balance("u1")["balance_due"] == "309.42"
        svc.record_payment("u1", {"method": "cash", "amount": "309.42"}, idempotency_key="u1-all")
    u1 = case("u1")[0]
    assert (u1.status, u1.close_reason, u1.closed_on) == ("closed", "settled", date(2026, 3, 20))
    assert fee_bills("u1")[1] == (date(2026, 3, 20), Decimal("1.64"), date(2026, 4, 15))
    with as_(DESK) as svc:
        assert svc.get_balance("u1")["balance_due"] == "1.64"
    # the notices asked notify once each: 3 for u1, 3 for u2
    sent = read(lambda s: s.scalars(select(OutboxMessage).where(
        OutboxMessage.event_type == "dunning.notice_due")).all())
    assert len(sent) == 6
