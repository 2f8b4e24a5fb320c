"""What billing's rule tests share: the unit of work the service hands its rules, and a small
estate (project 绿湖花园, units, households) built through the same event rules archive feeds."""
from __future__ import annotations

from decimal import Decimal

import pytest

from kernel.clock import ManualClock
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, domain_session, resident, staff
from kernel.work import Work
from services.billing import schemas
from services.billing.domain import accounts, copies, settings
from services.billing.events import CONTRACT
from services.billing.models import Base, FeeAccount

G = "group-1"


def work(session, clock, caller) -> Work:
    """The unit of work the service would hand its rules, as ``caller`` (billing's settings)."""
    return Work.build(session, clock, caller, base=Base, contract=CONTRACT, secret=TEST_SECRET,
                      settings=settings.SETTINGS)


def run_ledger_machine(machine, url: str | None, examples: int, steps: int) -> None:
    """Run a hypothesis state machine of billing's ledger (``machine.engine`` is where it writes) on a
    fresh schema: in-memory SQLite with foreign keys on (``url`` None) or the PostgreSQL at ``url``."""
    from hypothesis import HealthCheck, settings as given
    from hypothesis.stateful import run_state_machine_as_test
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import StaticPool
    if url is None:
        engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA foreign_keys=ON"))
    else:
        engine = create_engine(url)
    Base.metadata.create_all(engine)
    machine.engine = engine
    try:
        run_state_machine_as_test(machine, settings=given(
            max_examples=examples, stateful_step_count=steps, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    finally:
        engine.dispose()


def job_executor(Session, clock, handlers=None):
    """billing's job runner as the service builds it (kernel.jobs, its settings catalogue)."""
    from functools import partial

    from kernel.jobs import JobExecutor
    from services.billing.domain import online
    from services.billing.service import JOB_HANDLERS, PERIODIC
    # the service binds the payment providers of its config to the query job (BillingJobs): none here
    handlers = dict(handlers or dict(JOB_HANDLERS, **{online.QUERY: partial(online.run_query, providers={})}))
    return JobExecutor(Session, Base, CONTRACT, TEST_SECRET, clock, handlers, service="billing",
                       settings=settings.SETTINGS, every={k: v for k, v in PERIODIC.items() if k in handlers})


def add_project(w: Work, project_id="p1", *, code="LH", name="绿湖花园", timezone="Asia/Shanghai", version=1,
                group_id=G):
    return copies.apply_project(w, schemas.ProjectChangedIn().load({
        "project_id": project_id, "group_id": group_id, "code": code, "name": name, "timezone": timezone,
        "version": version}))[0]


def add_unit(w: Work, unit_id="u1", *, area="89.37", label=None, usage="residential", project_id="p1",
             version=1, group_id=G) -> FeeAccount:
    account, _ = accounts.apply_unit(w, schemas.UnitChangedIn().load({
        "unit_id": unit_id, "group_id": group_id, "project_id": project_id, "label": label or f"1栋-{unit_id}",
        "building_area": str(area), "usage": usage, "version": version}))
    w.session.flush()
    return account


def move_in(w: Work, unit_id="u1", *, household_id=None, owner="张伟", moved_in_on="2026-01-01", project_id="p1",
            version=1, group_id=G):
    household, _ = copies.apply_household(w, schemas.HouseholdChangedIn().load({
        "household_id": household_id or f"h-{unit_id}", "group_id": group_id, "project_id": project_id,
        "unit_id": unit_id, "status": "active", "moved_in_on": moved_in_on,
        "people": [{"name": owner, "role": "owner"}], "version": version}))
    w.session.flush()
    return household


def amounts(*values) -> list[Decimal]:
    return [Decimal(v) for v in values]


# -- queries: a bill of one management-fee line, as a bill run or a one-off charge makes it ----

def issue(w: Work, account: FeeAccount, amount, *, issued_on, due_on, source_id: str, kind: str = "one_off",
          period: str | None = None, item_code: str = "management", item_name: str = "物业管理费"):
    """``journal.issue_bill`` with one line (quantity 1 month at ``amount``, priced from 2026-01-01)."""
    from datetime import date

    from services.billing.domain import journal
    return journal.issue_bill(
        w, account, kind=kind, entry_kind="charge", period=period, issued_on=issued_on, due_on=due_on,
        source_type="month" if kind == "monthly" else "test", source_id=source_id, description=item_name,
        lines=[{"item_code": item_code, "item_name": item_name, "quantity": Decimal("1"), "quantity_unit": "month",
                "unit_price": Decimal(amount), "amount": Decimal(amount), "price_id": "price-1",
                "price_from": date(2026, 1, 1), "detail": ""}])


# -- payments helper -------------------------------------------------------------------------

def monthly_bill(w: Work, account: FeeAccount, amount: str, period: str, *, due_day: int = 15):
    """A month's management-fee bill of ``amount``, issued on the 1st and due on ``due_day``
    (as the bill run would; through ``journal.issue_bill``, prepaid credit applied)."""
    from datetime import date

    from services.billing.domain import journal
    year, month = int(period[:4]), int(period[5:7])
    value = Decimal(amount)
    return journal.issue_bill(w, account, kind="monthly", entry_kind="charge", period=period,
                              lines=[{"item_code": "management", "item_name": "物业管理费", "quantity": Decimal("1"),
                                      "quantity_unit": "month", "unit_price": value, "amount": value}],
                              issued_on=date(year, month, 1), due_on=date(year, month, due_day),
                              source_type="month", source_id=period, description=f"{period} 物业管理费")


def service_as(session, clock, caller, providers=None):
    """``BillingService`` with its real RPC methods -- schemas, idempotency, dumping -- on this session
    as ``caller``, without a broker (nameko's worker_factory; ``providers``: the payment providers)."""
    from nameko.testing.services import worker_factory

    from services.billing.service import BillingService
    return worker_factory(BillingService, work=lambda who=None: work(session, clock, who or caller),
                          providers=providers if providers is not None else {})


def books_balance(session, account_id: str) -> None:
    """The journal's invariants for one account: every entry sums to zero; the receivable book
    is what the bills still ask for."""
    from sqlalchemy import func, select

    from services.billing.models import Bill, Posting
    assert not session.execute(select(Posting.entry_id).where(Posting.account_id == account_id)
                               .group_by(Posting.entry_id).having(func.sum(Posting.amount) != 0)).all()
    receivable = session.scalar(select(func.sum(Posting.amount)).where(
        Posting.account_id == account_id, Posting.book == "receivable")) or Decimal("0.00")
    open_amount = sum((b.total - b.allocated for b in session.scalars(select(Bill).where(
        Bill.account_id == account_id))), Decimal("0.00"))
    assert Decimal(receivable) == open_amount


# fixtures of the payments helper's rule tests (import them: ``from .support import estate, ...``):
# a session, a clock and the estate -- project 绿湖花园 (p1) with unit u1 (张伟's household) and vacant
# u2, project 星河湾 (p2) with u9 -- and the people who work on it
PLATFORM = Caller.system(G, "billing")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk-1")
DESK2 = staff(G, ["p1"], roles=["front_desk"], user_id="desk-2")
FINANCE = staff(G, ["p1"], roles=["finance"], user_id="fin-1")
FINANCE2 = staff(G, ["p1"], roles=["finance"], user_id="fin-2")
CENTRE = staff(G, ["p1"], roles=["centre_manager"], user_id="centre-1")
FAR_STAFF = staff(G, ["p2"], roles=["front_desk", "finance"], user_id="staff-p2")
ZHANG = resident(G, ["u1"], user_id="zhangwei")


@pytest.fixture
def session():
    with domain_session(Base) as s:
        yield s


@pytest.fixture
def clock():
    return ManualClock("2026-11-24T09:00:00+08:00")


@pytest.fixture
def estate(session, clock):
    """The fee accounts by unit id; the estate's own events are cleared (they are not the tests')."""
    from services.billing.models import OutboxMessage
    w = work(session, clock, PLATFORM)
    add_project(w)
    add_project(w, "p2", code="XH", name="星河湾")
    accounts = {"u1": add_unit(w, "u1"), "u2": add_unit(w, "u2", area="120.00"),
                "u9": add_unit(w, "u9", project_id="p2")}
    move_in(w, "u1")
    session.query(OutboxMessage).delete()
    session.commit()
    return accounts


@pytest.fixture
def as_(session, clock):
    """``as_(caller)``: ``caller``'s unit of work on the test's session."""
    return lambda caller: work(session, clock, caller)
