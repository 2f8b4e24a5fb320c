"""kernel.work.keep_on_failure: a row a unit of work keeps (the log of a refused read) is written
even though the unit fails and everything else it wrote is rolled back -- by hand
(``rollback_keeping``) and through ``Database.finish``, the path of every RPC and event worker."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from kernel.clock import ManualClock
from kernel.db import Database, new_base
from kernel.errors import Forbidden
from kernel.messaging import EventContract, kernel_tables
from kernel.testing import TEST_SECRET, domain_session, staff
from kernel.work import Work, rollback_keeping

Base = new_base()
kernel_tables(Base)
CONTRACT = EventContract("things", {})


class Thing(Base):
    __tablename__ = "things"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    text: Mapped[str] = mapped_column(String(40))
    extra: Mapped[str] = mapped_column(String(40), default="(none)")


@pytest.fixture
def session():
    with domain_session(Base) as s:
        yield s


def work(session):
    return Work.build(session, ManualClock("2026-11-24T09:00:00+08:00"), staff("g1", ["p1"]), base=Base,
                      contract=CONTRACT, secret=TEST_SECRET)


def refuse(w: Work) -> None:
    w.session.add(Thing(id="t1", name="half-written"))
    w.keep_on_failure(Note(id=str(uuid.uuid4()), text="refused"))
    w.session.flush()
    raise Forbidden("no")


def test_a_kept_row_outlives_the_rollback_and_nothing_else_does(session):
    with pytest.raises(Forbidden):
        refuse(work(session))
    assert rollback_keeping(session) == 1
    assert session.scalars(select(Thing)).all() == []
    [note] = session.scalars(select(Note)).all()
    assert (note.text, note.extra) == ("refused", "(none)")     # column defaults apply to the copy


def test_a_committed_unit_forgets_what_it_kept(session):
    w = work(session)
    w.keep_on_failure(Note(id="n1", text="allowed"))
    session.commit()
    assert rollback_keeping(session) == 0                       # not written twice
    assert [n.id for n in session.scalars(select(Note))] == ["n1"]


def test_the_worker_s_finish_commits_the_kept_row_of_a_failed_call(tmp_path):
    from sqlalchemy import create_engine
    engine = create_engine(f"sqlite:///{tmp_path / 'k.db'}")
    Base.metadata.create_all(engine)
    database = Database(Base, relay=False)
    database.Session = sessionmaker(engine, expire_on_commit=False)
    worker = object.__new__(type("Ctx", (), {}))
    session = database.get_dependency(worker)
    try:
        refuse(work(session))
    except Forbidden as exc:
        database.finish(worker, (type(exc), exc, None))
    with database.Session() as fresh:
        assert [n.text for n in fresh.scalars(select(Note))] == ["refused"]
        assert fresh.scalars(select(Thing)).all() == []
    engine.dispose()


def test_an_event_recorded_kept_on_failure_is_in_the_outbox_after_the_rollback_the_others_not(session):
    """``work.events.record(..., kept_on_failure=True)``: the alert a refusal raises (archive's
    identity_match.locked reached by a refused match) is published although the call fails."""
    from marshmallow import Schema, fields

    class N(Schema):
        n = fields.Integer()
    contract = EventContract("things", {"thing.alert": N, "thing.done": N})
    w = Work.build(session, ManualClock("2026-11-24T09:00:00+08:00"), staff("g1", ["p1"]), base=Base,
                   contract=contract, secret=TEST_SECRET)
    w.events.record("thing.done", {"n": 1}, group_id="g1", project_id="p1")
    w.events.record("thing.alert", {"n": 2}, group_id="g1", project_id="p1", kept_on_failure=True)
    session.flush()
    assert rollback_keeping(session) == 1
    OutboxMessage, _ = kernel_tables(Base)
    assert [(m.event_type, m.status) for m in session.scalars(select(OutboxMessage))] == [("thing.alert", "pending")]
