"""Retention (保管期限), driven by a ManualClock on SQLite and PostgreSQL with archive's job runner:
repair and complaint correspondence older than 3 years is purged with a record of what went
(nothing younger, praise untouched), a moved-out household's personal data is erased 3 years
after the move-out and published again; every purge once, and its record holds no personal data."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import eventlet
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker

from kernel.clock import ManualClock
from kernel.errors import Forbidden
from kernel.jobs import JobExecutor
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, outbox_events, staff
from kernel.work import Work
from services.archive import schemas
from services.archive.domain import census, files, registry, retention
from services.archive.domain.settings import SETTINGS
from services.archive.events import CONTRACT
from services.archive.models import (Base, Correspondence, Household, HouseholdErasure, PersonConsent,
                                     ProjectCorrespondence, RetentionPurge, ScheduledJob)
from services.archive.service import JOB_HANDLERS

G = "group-1"
SYSTEM = Caller.system(G, "test")
CS = staff(G, ["p1"], roles=["cs_manager"], user_id="cs-1")
SHANGHAI = timezone(timedelta(hours=8))


@pytest.fixture
def Session(db_url):
    engine = create_engine(db_url)
    Base.metadata.create_all(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def clock():
    return ManualClock("2026-11-24T09:00:00+08:00")


def work(session, clock, caller=SYSTEM) -> Work:
    return Work.build(session, clock, caller, base=Base, contract=CONTRACT, secret=TEST_SECRET, settings=SETTINGS)


def run(Session, clock, fn, caller=SYSTEM):
    with Session() as s, s.begin():
        return fn(work(s, clock, caller))


def runner(Session, clock) -> JobExecutor:
    return JobExecutor(Session, Base, CONTRACT, TEST_SECRET, clock, JOB_HANDLERS, service="archive",
                       settings=SETTINGS, every={census.SEED_JOB: census.SEED_EVERY})


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def estate(Session, clock):
    """p1 with three units: h1 (u1) active with a file of letters; h2 (u2) moved out on 2023-11-20 --
    more than 3 years before today (2026-11-24); h3 (u3) moved out on 2023-11-24, exactly 3 years."""
    def build(w):
        registry.register_project(w, {"id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园",
                                      "kind": "residential", "timezone": "Asia/Shanghai"})
        registry.register_building(w, {"id": "b1", "project_id": "p1", "name": "1栋"})
        for n in (1, 2, 3):
            registry.register_unit(w, {"id": f"u{n}", "building_id": "b1", "number": f"0{n}01",
                                       "building_area": Decimal("89.37")})
            registry.move_in(w, {"id": f"h{n}", "unit_id": f"u{n}", "moved_in_on": date(2020, 1, 1), "people": [
                {"id": f"h{n}-owner", "name": "张伟", "role": "owner", "phone": f"1381234567{n}",
                 "email": f"zw{n}@example.com", "id_number": "110101199001011237", "employer": "某公司"},
                {"id": f"h{n}-tenant", "name": "欧阳娜娜", "role": "tenant", "phone": f"1398765432{n}"}]})
    run(Session, clock, build)
    letters = [  # (number, kind, occurred_at)
        ("BX-20231123-0001", "repair_request", local(2023, 11, 23, 23, 59)),   # older than 3 years: goes
        ("TS-20230501-0001", "complaint", local(2023, 5, 1, 10)),             # goes
        ("TS-20230501-0001", "complaint_reply", local(2023, 5, 2, 10)),       # goes
        ("BX-20231124-0001", "repair_request", local(2023, 11, 24, 0, 0)),    # exactly 3 years: stays
        ("BX-20260101-0001", "repair_request", local(2026, 1, 1, 10)),        # stays
        ("BY-20230101-0001", "praise", local(2023, 1, 1, 10)),                # not a repair or complaint: stays
    ]

    def file(w):
        for n, (number, kind, at) in enumerate(letters):
            files.file_correspondence(w, unit_id="u1", kind=kind, ref_type="ticket", ref_id=f"t{n}",
                                      ref_number=number, summary="张伟 13812345671 报修", occurred_at=at)
        files.file_project_correspondence(w, project_id="p1", unit_id=None, kind="complaint", ref_type="ticket",
                                          ref_id="pub-old", ref_number="TS-20221010-0003", summary="公共区域投诉",
                                          occurred_at=local(2022, 10, 10, 10))
        files.file_project_correspondence(w, project_id="p1", unit_id=None, kind="complaint", ref_type="ticket",
                                          ref_id="pub-new", ref_number="TS-20251010-0003", summary="公共区域投诉",
                                          occurred_at=local(2025, 10, 10, 10))
        for h, moved_out_on in (("h2", date(2023, 11, 20)), ("h3", date(2023, 11, 24))):
            household = w.session.get(Household, h)
            household.status, household.moved_out_on = "moved_out", moved_out_on
            census.record_consent(w, household.people[0], census.MARKETING, True, "move_in")
    run(Session, clock, file)


def purge_today(Session, clock, key="p1:test"):
    def go(w):
        project = w.session.get(census.Project, "p1")
        today = census.local_today(w, project)
        return (retention.purge_correspondence(w, project, today, 3, job_key=key),
                retention.erase_moved_out(w, project, today, 3, job_key=key))
    return run(Session, clock, go)


def purges(Session):
    with Session() as s:
        return list(s.scalars(select(RetentionPurge).order_by(RetentionPurge.kind)))


def test_correspondence_older_than_three_years_is_purged_with_a_record_and_nothing_younger(Session, clock, estate):
    assert purge_today(Session, clock) == (False, False)
    with Session() as s:
        kept = sorted((c.ref_number, c.kind) for c in s.scalars(select(Correspondence)))
        kept_project = [c.ref_number for c in s.scalars(select(ProjectCorrespondence))]
    assert kept == [("BX-20231124-0001", "repair_request"), ("BX-20260101-0001", "repair_request"),
                    ("BY-20230101-0001", "praise")]
    assert kept_project == ["TS-20251010-0003"]
    records = [(p.kind, p.count, json.loads(p.refs), p.oldest, p.newest, p.rule, p.keep_years)
               for p in purges(Session) if p.rule == retention.CORRESPONDENCE_KEEP_YEARS]
    assert records == [
        ("household_file:complaint", 1, ["TS-20230501-0001"], date(2023, 5, 1), date(2023, 5, 1),
         "archive.correspondence_keep_years", 3),
        ("household_file:complaint_reply", 1, ["TS-20230501-0001"], date(2023, 5, 2), date(2023, 5, 2),
         "archive.correspondence_keep_years", 3),
        ("household_file:repair_request", 1, ["BX-20231123-0001"], date(2023, 11, 23), date(2023, 11, 23),
         "archive.correspondence_keep_years", 3),
        ("project_file:complaint", 1, ["TS-20221010-0003"], date(2022, 10, 10), date(2022, 10, 10),
         "archive.correspondence_keep_years", 3)]
    record = purges(Session)[0]
    assert record.cutoff == local(2023, 11, 24) and record.purged_at == clock.now()

    before = len(purges(Session))
    assert purge_today(Session, clock) == (False, False)          # again: nothing, no new record
    assert len(purges(Session)) == before

    clock.set("2026-11-25T09:00:00+08:00")                          # a day on, the next letter goes
    purge_today(Session, clock)
    with Session() as s:
        assert "BX-20231124-0001" not in {c.ref_number for c in s.scalars(select(Correspondence))}


def test_a_moved_out_households_personal_data_is_erased_after_three_years(Session, clock, estate):
    with Session() as s:
        before = len(outbox_events(s, Base))
    purge_today(Session, clock)
    with Session() as s:
        h2, h3 = s.get(Household, "h2"), s.get(Household, "h3")
        assert [(p.name, p.phone, p.email, p.id_number, p.employer) for p in h2.people] == \
            [("张*", None, None, None, None), ("欧***", None, None, None, None)]
        assert (h2.status, h2.moved_out_on, h2.unit_id, h2.moved_in_on, h2.version) == \
            ("moved_out", date(2023, 11, 20), "u2", date(2020, 1, 1), 2)
        assert [p.phone for p in h3.people] == ["13812345673", "13987654323"]        # exactly 3 years: not yet
        assert s.scalars(select(PersonConsent.person_id)).all() == ["h3-owner"]
        assert s.scalars(select(HouseholdErasure.household_id)).all() == ["h2"]
        published = outbox_events(s, Base)[before:]
    assert [(e["type"], e["data"]["household_id"], e["data"]["version"]) for e in published] == \
        [("household.changed", "h2", 2)]
    assert [(p["name"], p["phone"], p["email"]) for p in published[0]["data"]["people"]] == \
        [("张*", None, None), ("欧***", None, None)]
    erased = [p for p in purges(Session) if p.rule == retention.MOVED_OUT_KEEP_YEARS]
    assert [(p.kind, p.count, json.loads(p.refs), p.oldest, p.newest) for p in erased] == \
        [("household_personal_data", 1, ["h2"], date(2023, 11, 20), date(2023, 11, 20))]
    # the records hold no personal data
    text = json.dumps(schemas.RetentionPurgeOut(many=True).dump(purges(Session)), ensure_ascii=False)
    for personal in ("张伟", "1381234567", "example.com", "110101", "娜娜"):
        assert personal not in text

    purge_today(Session, clock)                                     # again: erased once
    with Session() as s:
        assert s.get(Household, "h2").version == 2
    assert len([p for p in purges(Session) if p.rule == retention.MOVED_OUT_KEEP_YEARS]) == 1


def test_the_erasers_of_other_areas_run_with_it(Session, clock, estate, monkeypatch):
    seen = []
    monkeypatch.setattr(retention, "ERASERS", [lambda w, household: seen.append(household.id)])
    purge_today(Session, clock)
    assert seen == ["h2"]


def test_the_retention_job_runs_once_per_day_with_two_replicas_and_follows_the_settings(Session, clock, estate):
    run(Session, clock, lambda w: w.settings.change(G, "p1", retention.MOVED_OUT_KEEP_YEARS, 1, reason="律师意见"),
        staff(G, ["p1"], roles=["centre_manager"]))
    a, b = runner(Session, clock), runner(Session, clock)
    clock.set("2026-11-25T03:01:00+08:00")
    for _ in range(3):
        runs = [eventlet.spawn(a.run_once), eventlet.spawn(b.run_once)]
        [r.wait() for r in runs]
    with Session() as s:
        assert s.scalars(select(HouseholdErasure.household_id).order_by(HouseholdErasure.household_id)).all() == \
            ["h2", "h3"]                                           # 1 year: both
        jobs = s.execute(select(ScheduledJob.key, ScheduledJob.status, ScheduledJob.attempts)
                         .where(ScheduledJob.kind == retention.PURGE_JOB)).all()
    assert jobs == [("p1:2026-11-25", "done", 1)]
    kinds = sorted(p.kind for p in purges(Session))
    assert kinds.count("household_personal_data") == 1 and kinds.count("household_file:repair_request") == 1
    listed = run(Session, clock, lambda w: retention.list_purges(w, "p1"), CS)
    assert len(listed) == len(kinds)
    with pytest.raises(Forbidden):
        run(Session, clock, lambda w: retention.list_purges(w, "p1"), staff(G, ["p1"], roles=["steward"]))
