"""The four archive areas as one file (issue 11): the census corrects contacts through the people
area's history and publishes the household once; a move-in records each person's marketing consent;
a move-out cancels the household's open census task at once; every read of people, their history,
the checklist, the ownership history, a census task, the household summary and a user's contacts
read goes through THE access check (``access.require_read``) and its log; the contact history is
append-only in the database (revision 0035). SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from kernel.clock import ManualClock
from kernel.config import migrations_dir
from kernel.db import make_engine, upgrade
from kernel.rpc import RpcPool
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, outbox_events, resident, staff
from kernel.work import Work, rollback_keeping
from services.archive import schemas
from services.archive.domain import access, census, people, registry
from services.archive.domain.settings import SETTINGS
from services.archive.events import CONTRACT
from services.archive.exceptions import FileAccessDenied, HouseholdNotFound
from services.archive.models import Base, CensusTask, FileAccessLog, PersonChange, PersonConsent

G = "group-1"
SYSTEM = Caller.system(G, "test")
CSM = staff(G, ["p1"], roles=["cs_manager"], user_id="csm-1")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk-1")
STEWARD = staff(G, ["p1"], roles=["steward"], user_id="st-1")
ENGINEER = staff(G, ["p1"], roles=["engineering"], user_id="eng-1")
OWNER = resident(G, ["u1"], user_id="owner-u1")
HANDOVER = {"keys_returned": True, "fees_settled": True, "fees_confirmed_by": "财务", "meter_readings_recorded": True,
            "deposit_handling": "none"}


def settled(unit_id):
    """billing's answer: nothing unpaid on the unit (a move-out asks it; test_people.py the refusals)."""
    return {"unit_id": unit_id, "balance_due": "0.00", "overdue": "0.00", "as_of": "2026-11-24"}


@pytest.fixture
def session(db_url):
    upgrade(migrations_dir("archive"), db_url)
    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as s:
        yield s
    engine.dispose()


@pytest.fixture
def clock():
    return ManualClock("2026-11-24T09:00:00+08:00")


@pytest.fixture
def estate(session, clock):
    """p1: u1 with h1 (an owner who said yes to marketing, a family member who said no, a contact
    never asked), moved in on 2026-03-01 -- its census falls due; u2 vacant."""
    w = work(session, clock, SYSTEM)
    registry.register_project(w, {"id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园",
                                  "kind": "residential", "timezone": "Asia/Shanghai"})
    registry.register_building(w, {"id": "b1", "project_id": "p1", "name": "1栋"})
    for u in ("u1", "u2"):
        registry.register_unit(w, {"id": u, "building_id": "b1", "number": u, "building_area": Decimal("90")})
    move_in = schemas.MoveIn().load({"id": "h1", "unit_id": "u1", "moved_in_on": "2026-03-01", "people": [
        {"id": "pe-owner", "name": "张伟", "role": "owner", "phone": "13812345678", "marketing_consent": True},
        {"id": "pe-family", "name": "李娜", "role": "family", "phone": "13987654321", "marketing_consent": False},
        {"id": "pe-contact", "name": "王五", "role": "emergency_contact", "phone": "13700000000"}]})
    registry.move_in(work(session, clock, DESK), move_in)
    session.commit()
    return session


def work(session, clock, caller) -> Work:
    return Work.build(session, clock, caller, base=Base, contract=CONTRACT, secret=TEST_SECRET, settings=SETTINGS)


def open_task(session, clock) -> CensusTask:
    census.sweep(work(session, clock, SYSTEM), session.get(census.Project, "p1"))
    session.commit()
    return session.scalars(select(CensusTask).where(CensusTask.household_id == "h1",
                                                    CensusTask.status == "open")).one()


def log(session) -> list[tuple]:
    return [tuple(r) for r in session.execute(select(
        FileAccessLog.reader_id, FileAccessLog.what, FileAccessLog.purpose, FileAccessLog.outcome,
        FileAccessLog.refusal).order_by(FileAccessLog.read_at, FileAccessLog.reader_id, FileAccessLog.what))]


def test_a_move_in_records_each_person_s_marketing_consent(estate):
    rows = {r.person_id: (r.allowed, r.source) for r in estate.scalars(select(PersonConsent))}
    assert rows == {"pe-owner": (True, "move_in"), "pe-family": (False, "move_in")}     # the contact: not asked
    contacts = census.contacts_for_notify(work(estate, ManualClock("2026-11-24T09:00:00+08:00"), SYSTEM), "u1", None)
    assert {p["person_id"]: p["consents"]["marketing"] for p in contacts["people"]} == {
        "pe-owner": True, "pe-family": False, "pe-contact": None}


def test_a_census_correction_goes_into_the_contact_history_and_publishes_the_household_once(estate, clock):
    task = open_task(estate, clock)
    before = len(outbox_events(estate, Base))
    census.correct(work(estate, clock, STEWARD), task.id, schemas.CensusCorrectIn().load({"people": [
        {"person_id": "pe-owner", "phone": "13900001111", "name": "张伟"},
        {"person_id": "pe-contact", "phone": "13700000009", "marketing_consent": True}]}))
    estate.commit()
    changes = estate.scalars(select(PersonChange).where(PersonChange.action == "changed")
                             .order_by(PersonChange.person_id)).all()
    assert [(c.person_id, c.field, c.old_value, c.new_value, c.reason, c.changed_by) for c in changes] == [
        ("pe-contact", "phone", "13700000000", "13700000009", f"census: {task.id}", "st-1"),
        ("pe-owner", "phone", "13812345678", "13900001111", f"census: {task.id}", "st-1")]
    published = outbox_events(estate, Base)[before:]
    assert [e["type"] for e in published] == ["household.changed"]         # two people, one event
    assert published[0]["data"]["version"] == 2
    history = people.person_history(work(estate, clock, DESK), "h1")
    assert history[0]["reason"] == f"census: {task.id}"


def test_a_move_out_cancels_the_open_census_task_at_once(estate, clock):
    task = open_task(estate, clock)
    people.move_out(work(estate, clock, DESK), "h1", {"moved_out_on": date(2026, 11, 24), "reason": "relocated",
                                                      **HANDOVER}, ask_fees=settled)
    estate.commit()
    estate.refresh(task)
    assert (task.status, task.note) == ("cancelled", "the household moved out")


def test_a_transfer_cancels_the_old_household_s_census_task(estate, clock):
    task = open_task(estate, clock)
    people.transfer(work(estate, clock, DESK), "u1", {
        "transferred_on": date(2026, 11, 24), "acquired_by": "transfer", "handover": HANDOVER,
        "household": {"people": [{"name": "赵六", "role": "owner", "marketing_consent": True}]}},
        ask_fees=lambda unit_id: {"balance_due": "0.00", "overdue": "0.00", "as_of": "2026-11-24"})
    estate.commit()
    estate.refresh(task)
    assert task.status == "cancelled"


def test_every_read_of_the_file_s_parts_goes_through_the_access_check(estate, clock):
    desk, owner, engineer = (work(estate, clock, c) for c in (DESK, OWNER, ENGINEER))
    people.list_people(desk, "h1")
    people.person_history(desk, "h1")
    people.checklist(desk, "h1")
    people.ownership_history(desk, "u1")
    people.list_people(owner, "h1")
    census.household_summary(engineer, "u1")              # any staff of the project
    census.contacts_for_notify(work(estate, clock, SYSTEM), "u1", None)     # the platform's: not logged
    estate.commit()
    for read in (lambda: people.list_people(engineer, "h1"), lambda: people.person_history(owner, "h1"),
                 lambda: people.ownership_history(engineer, "u1")):
        with pytest.raises(FileAccessDenied):
            read()
        rollback_keeping(estate)
    with pytest.raises(HouseholdNotFound):
        people.list_people(work(estate, clock, resident(G, ["u2"], user_id="neighbour-u2")), "h1")
    rollback_keeping(estate)
    assert log(estate) == [
        ("desk-1", "checklist", access.UNSTATED_PURPOSE, "allowed", None),
        ("desk-1", "ownerships", access.UNSTATED_PURPOSE, "allowed", None),
        ("desk-1", "people", access.UNSTATED_PURPOSE, "allowed", None),
        ("desk-1", "people_history", access.UNSTATED_PURPOSE, "allowed", None),
        ("eng-1", "ownerships", access.UNSTATED_PURPOSE, "refused", "no_grant"),
        ("eng-1", "people", access.UNSTATED_PURPOSE, "refused", "no_grant"),
        ("eng-1", "summary", access.UNSTATED_PURPOSE, "allowed", None),
        ("neighbour-u2", "people", access.UNSTATED_PURPOSE, "refused", "not_own_household"),
        ("owner-u1", "people", access.OWN_PURPOSE, "allowed", None),
        ("owner-u1", "people_history", access.OWN_PURPOSE, "refused", "not_for_residents"),
    ]

    # under the CS head's grant the engineer reads the people (and the read names the grant)
    access.create_grant(work(estate, clock, CSM), {
        "project_id": "p1", "grantee_id": "eng-1", "scope": "unit", "unit_id": "u1", "purpose": "漏水联系业主",
        "valid_until": clock.now() + timedelta(hours=2)})
    estate.commit()
    assert len(people.list_people(engineer, "h1")["people"]) == 3


def test_the_contact_history_is_append_only_in_the_database(estate):
    assert estate.scalar(text("SELECT count(*) FROM person_changes")) == 3
    for statement in ("UPDATE person_changes SET new_value = 'x'", "DELETE FROM person_changes"):
        with pytest.raises(DatabaseError, match="append-only"):
            estate.execute(text(statement))
        estate.rollback()
    assert estate.scalar(text("SELECT count(*) FROM person_changes")) == 3


# -- the transfer's and the move-out's question to billing (rpcs/people.py ``_ask_fees``, kernel.fees) --

class _Billing(RpcPool):
    """A pool whose calls are answered by ``reply`` (a value, or an exception to raise)."""

    def __init__(self, reply):
        super().__init__({}, size=1, timeout=5.0)
        self.reply, self.calls = reply, []

    def call(self, caller, service, method, *args, **kwargs):
        self.calls.append((caller, service, method, args))
        if isinstance(self.reply, BaseException):
            raise self.reply
        return self.reply


def test_the_transfer_asks_billing_has_arrears_as_the_caller_and_fails_closed():
    from types import SimpleNamespace
    from nameko.exceptions import RemoteError, RpcTimeout
    from services.archive.exceptions import BillingUnavailable, NoFeeAccount
    from services.archive.rpcs.people import PeopleRpcs

    rpcs, work_ = PeopleRpcs(), SimpleNamespace(caller=DESK)
    rpcs.billing = _Billing({"balance_due": "0.00", "overdue": "0.00"})
    assert rpcs._ask_fees(work_)("u1") == {"balance_due": "0.00", "overdue": "0.00"}
    assert rpcs.billing.calls == [(DESK, "billing", "has_arrears", ("u1",))]
    rpcs.billing = _Billing(RpcTimeout())
    with pytest.raises(BillingUnavailable) as silent:
        rpcs._ask_fees(work_)("u1")
    assert silent.value.code == "billing_unavailable"
    rpcs.billing = _Billing(RemoteError("NotFound", '{"kind": "NotFound", "error": "account_not_found", '
                                                    '"message": "no account"}'))
    with pytest.raises(NoFeeAccount):
        rpcs._ask_fees(work_)("u1")
