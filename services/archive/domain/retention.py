"""Retention (保管期限): what the household files keep, and for how long.

- **Repair and complaint correspondence** (repair requests, complaints, warranty-quality complaints
  and the replies to them -- in household files and in the project's own file) is kept
  ``archive.correspondence_keep_years`` (3) years from when it happened (``occurred_at``), then
  deleted. Praise and suggestions are not touched by this rule.
- **A household that moved out**: ``archive.moved_out_keep_years`` (3) years after its move-out date
  its people's personal data is erased -- phones, e-mails, ID numbers and employers emptied, names
  reduced to the first character (张伟 -> 张*), consents deleted, and the other areas' erasers
  (:data:`ERASERS`) run: the contact-change history's values blanked (``people.erase_history``, the
  one UPDATE the table's triggers let through) and every document version marked erased, its bytes
  deleted from the store by the ``document-erase`` job once that has committed
  (``documents.erase_content``); the household row, its unit, dates, ownership facts and the
  documents' records stay. The household is published again (``household.changed``, a new
  version), so the copies in tickets, billing, notify and the gateway's read model lose the
  contacts too.

The daily ``retention-purge`` job of each project (03:00 local; seeded with the census sweep, see
``census.seed_daily_jobs``) applies both rules. The cut-off is the project's local midnight the
given number of years before today: anything that happened before it goes, nothing after.

Each purge writes a :class:`~services.archive.models.RetentionPurge` record -- the rule (setting and
years), the kind, the cut-off, how many, the reference numbers (ticket numbers; household ids for
erasures), the date range, when and by which job, and for an erasure how many history rows and
document versions it erased -- and never personal data. Purges are idempotent
and safe with two replicas: the job runs once per project and day (a kernel job), a deleted row is
not there to be deleted again, the record counts what its own ``DELETE ... RETURNING`` removed, and
an erased household is marked (:class:`HouseholdErasure`, its primary key) so it is never erased or
counted twice. At most :data:`BATCH` rows (or :data:`ERASE_BATCH` households) per run; the rest in a
chained job at once.
"""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time
from typing import Callable
from zoneinfo import ZoneInfo

from marshmallow import fields, validate
from sqlalchemy import delete, select

from kernel.settings import Setting
from kernel.tenancy import Role
from kernel.work import Work

from .. import events
from ..models import (Correspondence, Household, HouseholdErasure, PersonConsent, Project, ProjectCorrespondence,
                      RetentionPurge)
from . import documents, people, registry
from .privacy import mask_name

CORRESPONDENCE_KEEP_YEARS = "archive.correspondence_keep_years"
MOVED_OUT_KEEP_YEARS = "archive.moved_out_keep_years"

SETTINGS = [
    Setting(CORRESPONDENCE_KEEP_YEARS, fields.Integer(strict=True, validate=validate.Range(min=1, max=30)), default=3,
            unit="years", doc="repair and complaint correspondence (requests, complaints, replies) is kept N years "
                              "from when it happened, then purged by the daily retention job (with a purge record)"),
    Setting(MOVED_OUT_KEEP_YEARS, fields.Integer(strict=True, validate=validate.Range(min=1, max=30)), default=3,
            unit="years", doc="N years after a household moved out its people's phones, e-mails and ID numbers are "
                              "erased and names reduced to the first character (the household row stays)"),
]

PURGE_JOB = "retention-purge"
#: the correspondence kinds the rule covers (repairs and complaints, and the replies)
PURGED_KINDS = ("repair_request", "complaint", "quality_complaint", "complaint_reply")
BATCH = 1000
ERASE_BATCH = 200
ERASED_KIND = "household_personal_data"
#: who read the purge records
READER_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER, Role.GENERAL_MANAGER, Role.GROUP_ADMIN)

#: other areas' personal data of an erased household -- ``fn(work, household)`` each, run in the
#: erasure's transaction, returning counts for the purge record (``{"changes_erased": n}``, or None):
#: the people area blanks the contact-change history (the one UPDATE its triggers allow, revision
#: 0037); the documents area marks every version erased and schedules the job that deletes the
#: content from the store once that has committed (``documents.ERASE_JOB``)
ERASERS: list[Callable[[Work, Household], dict | None]] = [people.erase_history, documents.erase_content]
#: the counts an erasure's purge record keeps (RetentionPurge columns)
ERASED_COUNTS = ("changes_erased", "documents_erased")


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:                       # 29 February
        return day.replace(year=day.year - years, day=28)


def run_purge(work: Work, job) -> None:
    """The ``retention-purge`` job of a project and day."""
    from .census import chain, local_today, setting   # census seeds this job (and imports us)
    project = work.session.get(Project, job.project_id)
    if project is None:
        return
    today = local_today(work, project)
    more = purge_correspondence(work, project, today, setting(work, project.id, CORRESPONDENCE_KEEP_YEARS),
                                job_key=job.key)
    more = erase_moved_out(work, project, today, setting(work, project.id, MOVED_OUT_KEEP_YEARS),
                           job_key=job.key) or more
    if more:
        chain(work, job, PURGE_JOB)


def _cutoff(project: Project, today: date, years: int) -> datetime:
    zone = ZoneInfo(project.timezone or "Asia/Shanghai")
    return datetime.combine(years_before(today, years), time(0), tzinfo=zone)


def _record(work: Work, project: Project, *, rule: str, years: int, kind: str, cutoff: datetime, refs: list,
            days: list[date], job_key: str, record_id: str | None = None, erased: dict | None = None) -> RetentionPurge:
    record = RetentionPurge(id=record_id or str(uuid.uuid4()), group_id=project.group_id, project_id=project.id, rule=rule,
                            keep_years=years, kind=kind, cutoff=cutoff, count=len(days),
                            refs=json.dumps(sorted(set(r for r in refs if r)), ensure_ascii=False),
                            oldest=min(days), newest=max(days), purged_at=work.clock.now(), job_key=job_key,
                            **{k: (erased or {}).get(k, 0) for k in ERASED_COUNTS})
    work.session.add(record)
    return record


def purge_correspondence(work: Work, project: Project, today: date, years: int, *, job_key: str,
                         limit: int = BATCH) -> bool:
    """Delete the project's repair and complaint correspondence older than the cut-off; one purge
    record per file and kind. True when more is left than this run took."""
    cutoff = _cutoff(project, today, years)
    zone = ZoneInfo(project.timezone or "Asia/Shanghai")
    more = False
    for model, file in ((Correspondence, "household_file"), (ProjectCorrespondence, "project_file")):
        ids = list(work.session.scalars(
            select(model.id).where(model.project_id == project.id, model.kind.in_(PURGED_KINDS),
                                   model.occurred_at < cutoff)
            .order_by(model.occurred_at, model.id).limit(limit + 1)))
        more = more or len(ids) > limit
        if not ids:
            continue
        # what this transaction itself deleted (a row deleted by someone else is not counted)
        gone = work.session.execute(
            delete(model).where(model.id.in_(ids[:limit]), model.occurred_at < cutoff)
            .returning(model.kind, model.ref_number, model.occurred_at)
            .execution_options(synchronize_session=False)).all()
        by_kind: dict[str, tuple[list, list]] = {}
        for kind, ref_number, occurred_at in gone:
            refs, days = by_kind.setdefault(kind, ([], []))
            refs.append(ref_number)
            days.append(occurred_at.astimezone(zone).date())
        for kind, (refs, days) in sorted(by_kind.items()):
            _record(work, project, rule=CORRESPONDENCE_KEEP_YEARS, years=years, kind=f"{file}:{kind}",
                    cutoff=cutoff, refs=refs, days=days, job_key=job_key)
    return more


def erase_household(work: Work, household: Household) -> dict[str, int]:
    """Erase the personal data of one household (see the module doc); publishes it again. Returns
    what the erasers counted (``{"changes_erased": n, "documents_erased": m}``)."""
    for person in household.people:
        person.phone = person.email = person.id_number = person.employer = None
        person.name = mask_name(person.name)
    work.session.execute(delete(PersonConsent).where(PersonConsent.household_id == household.id)
                         .execution_options(synchronize_session=False))
    counts = dict.fromkeys(ERASED_COUNTS, 0)
    for eraser in ERASERS:
        for key, n in (eraser(work, household) or {}).items():
            counts[key] = counts.get(key, 0) + n
    household.version += 1
    work.session.flush()
    work.events.record(events.HOUSEHOLD_CHANGED, registry.household_snapshot(household),
                       group_id=household.group_id, project_id=household.project_id)
    return counts


def erase_moved_out(work: Work, project: Project, today: date, years: int, *, job_key: str,
                    limit: int = ERASE_BATCH) -> bool:
    """Erase the personal data of the project's households that moved out more than ``years`` ago
    (before the cut-off day; a household without a move-out date is left alone). One purge record
    per run; True when more is left than this run took."""
    cutoff = _cutoff(project, today, years)
    erased = select(HouseholdErasure.household_id).where(HouseholdErasure.project_id == project.id)
    households = list(work.session.scalars(
        select(Household).where(Household.project_id == project.id, Household.status == "moved_out",
                                Household.moved_out_on.is_not(None), Household.moved_out_on < cutoff.date(),
                                Household.id.not_in(erased))
        .order_by(Household.moved_out_on, Household.id).limit(limit + 1)))
    more, households = len(households) > limit, households[:limit]
    if not households:
        return False
    purge_id = str(uuid.uuid4())
    now = work.clock.now()
    for household in households:
        # the mark first: a second eraser of the same household (another transaction) fails on its key
        work.session.add(HouseholdErasure(household_id=household.id, project_id=project.id, erased_at=now,
                                          purge_id=purge_id))
    work.session.flush()
    erased = dict.fromkeys(ERASED_COUNTS, 0)
    for household in households:
        for key, n in erase_household(work, household).items():
            erased[key] = erased.get(key, 0) + n
    _record(work, project, rule=MOVED_OUT_KEEP_YEARS, years=years, kind=ERASED_KIND, cutoff=cutoff,
            refs=[h.id for h in households], days=[h.moved_out_on for h in households], job_key=job_key,
            record_id=purge_id, erased=erased)
    return more


def list_purges(work: Work, project_id: str, limit: int = 50, offset: int = 0) -> list[RetentionPurge]:
    """The project's purge records, newest first (CS manager, centre manager, GM, group admin)."""
    from .census import _project
    project = _project(work, project_id)
    work.caller.require_role(*READER_ROLES)
    return list(work.session.scalars(select(RetentionPurge).where(RetentionPurge.project_id == project.id)
                                     .order_by(RetentionPurge.purged_at.desc(), RetentionPurge.id)
                                     .limit(limit).offset(offset)))
