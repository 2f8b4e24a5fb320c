"""What billing's rule tests share: the unit of work the service hands its rules, and a small
estate (project 绿湖花园, units, households) built through the same event rules archive feeds."""
from __future__ import annotations

from decimal import Decimal

from kernel.testing import TEST_SECRET
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


def job_executor(Session, clock, handlers=None):
    """billing's job runner as the service builds it (kernel.jobs, its settings catalogue)."""
    from kernel.jobs import JobExecutor
    from services.billing.service import JOB_HANDLERS, PERIODIC
    handlers = dict(handlers or JOB_HANDLERS)
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
