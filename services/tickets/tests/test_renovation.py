"""Renovation (装修, domain/renovation.py) driven through its months on the injectable clock: the
document checklist, the review clock and its breach, the fees that block the start until billing
reports them paid, numbered permit and passes, patrols and the waste breach, the acceptance a
working day ahead, the re-inspection job 3 months after occupancy, the refund and its breach."""
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kernel.errors import Forbidden, InvalidInput, NotFound
from kernel.tenancy import Caller
from kernel.testing import outbox_events, resident, staff
from services.tickets.domain import alerts, copies, renovation, repairs
from services.tickets.exceptions import (AcceptanceTooSoon, ArchiveUnavailable, DocumentAttachedAlready,
                                         DocumentNotFound, DocumentsMissing, DocumentTypeMismatch, FeesUnpaid,
                                         NotYourStep, ReinspectionNotDue, RenovationDateOutOfRange,
                                         RenovationOpen, TransitionNotAllowed,
                                         WithheldOverDeposit)
from services.tickets.models import Base, Renovation, ScheduledJob
from services.tickets.tests.support import work

G = "group-1"
SH = ZoneInfo("Asia/Shanghai")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk")
CS = staff(G, ["p1"], roles=["cs_manager"], user_id="cs.mgr")
GUARD = staff(G, ["p1"], roles=["security"], user_id="guard")
ME = resident(G, ["u1"], user_id="r-zhang")
NEIGHBOUR = resident(G, ["u2"], user_id="r-li")
SYSTEM = Caller.system(G, "tickets")
DOCS = [{"doc_type": t, "document_id": f"doc-{t}"} for t in renovation.REQUIRED_DOCUMENTS]
#: archive's household files, as archive's ``unit_document`` answers: {document_id: (unit_id, doc_type)}
FILED = {**{d["document_id"]: ("u1", d["doc_type"]) for d in DOCS}, "doc-v2": ("u1", "renovation_drawings"),
         "doc-of-u2": ("u2", "renovation_drawings")}


def archive_file(unit_id, document_id):
    """archive's answer: the document's record if it is in the file of the unit's current household."""
    if FILED.get(document_id, (None,))[0] != unit_id:
        raise DocumentNotFound(f"no document {document_id} in the household file of unit {unit_id}")
    return {"id": document_id, "doc_type": FILED[document_id][1]}


def archive_down(unit_id, document_id):
    raise ArchiveUnavailable("archive did not answer within 5 s")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def registry(session, clock):
    w = work(session, clock, SYSTEM)
    copies.apply_project(w, {"project_id": "p1", "group_id": G, "name": "绿湖花园",
                             "timezone": "Asia/Shanghai", "version": 1})
    for uid, label in (("u1", "1栋-0101"), ("u2", "1栋-0102")):
        copies.apply_unit(w, {"unit_id": uid, "group_id": G, "project_id": "p1", "label": label, "version": 1})
    session.flush()


def apply(session, clock, caller=ME, ask=archive_file, **data):
    body = {"unit_id": "u1", "content": "厨卫改造、铺地板", "contractor": "某装饰公司", "documents": [], **data}
    return renovation.apply(work(session, clock, caller), body, ask)


def do(session, clock, ticket, action, caller=DESK, ask=archive_file, **data):
    body = {"note": None, "violations": [], "waste_seen": False, **data}
    return renovation.step(work(session, clock, caller), ticket.id, action, body, ask)


def events_of(session, type_):
    return [e["data"] for e in outbox_events(session, Base) if e["type"] == type_]


def clock_of(ticket, kind):
    return next(d for d in ticket.deadlines if d.kind == kind)


def sweep(session, clock):
    return alerts.sweep(work(session, clock, SYSTEM))


def breaches(session, kind):
    return [e for e in events_of(session, "ticket.sla_breached") if e["deadline_kind"] == kind]


def approved(session, clock):
    ticket = apply(session, clock, documents=DOCS)
    do(session, clock, ticket, "submit", ME)
    return do(session, clock, ticket, "approve", CS)


def paid(session, clock, ticket):
    do(session, clock, ticket, "sign_agreement")
    renovation.on_fees_paid(work(session, clock, SYSTEM), {
        "renovation_id": ticket.id, "deposit_id": "dep-1", "garbage_fee": Decimal("360.00"),
        "paid_at": clock.now()})
    return ticket


def started(session, clock):
    ticket = paid(session, clock, approved(session, clock))
    return do(session, clock, ticket, "issue_permit")


# -- the application and its documents -----------------------------------------------------------

def test_a_resident_applies_for_their_own_unit_with_the_checklist(session, clock, registry):
    ticket = apply(session, clock, documents=DOCS[:2])
    assert ticket.kind == "renovation" and ticket.status == "applied"
    assert ticket.number == "ZX-20261124-0001" and ticket.channel == "portal"
    row = session.get(Renovation, ticket.id)
    assert row.deposit_amount == Decimal("2000.00")               # the documented default
    view = renovation.view(work(session, clock, ME), ticket, row)
    assert [(c["doc_type"], c["present"]) for c in view["checklist"]] == [
        ("renovation_application", True), ("renovation_drawings", True),
        ("contractor_licence", False), ("worker_id_copies", False)]
    assert view["may_start"] is False
    with pytest.raises(NotFound):
        apply(session, clock, NEIGHBOUR)                           # another household's unit


def test_documents_are_checked_against_the_units_household_file_in_archive(session, clock, registry):
    with pytest.raises(DocumentNotFound):
        apply(session, clock, documents=[{"doc_type": "renovation_drawings", "document_id": "doc-of-u2"}])
    ticket = apply(session, clock, documents=DOCS[:1])
    # another household's document, or an id archive does not know: not in this unit's file
    for document_id in ("doc-of-u2", "8c0f6c1e-0000-4000-8000-000000000000"):
        with pytest.raises(DocumentNotFound):
            do(session, clock, ticket, "attach_document", ME, doc_type="renovation_drawings", document_id=document_id)
    # filed in archive as the drawings: not the contractor's licence
    with pytest.raises(DocumentTypeMismatch) as mismatch:
        do(session, clock, ticket, "attach_document", ME, doc_type="contractor_licence", document_id="doc-v2")
    assert mismatch.value.details == {"archive_doc_type": "renovation_drawings"}
    # archive cannot answer: nothing attached (fail closed)
    with pytest.raises(ArchiveUnavailable):
        do(session, clock, ticket, "attach_document", ME, ask=archive_down, **DOCS[1])
    # the same document again under its type: nothing; under another type: refused, saying so
    do(session, clock, ticket, "attach_document", ME, **DOCS[0])
    with pytest.raises(DocumentAttachedAlready) as twice:
        do(session, clock, ticket, "attach_document", ME, doc_type="renovation_drawings",
           document_id=DOCS[0]["document_id"])
    assert "already attached as renovation_application" in str(twice.value)
    view = renovation.view(work(session, clock, ME), ticket, session.get(Renovation, ticket.id))
    assert [c["doc_type"] for c in view["checklist"] if c["present"]] == ["renovation_application"]
    assert len(view["documents"]) == 1


def test_another_project_s_staff_read_a_renovation_like_missing(session, clock, registry):
    ticket = apply(session, clock, documents=DOCS)
    far = staff(G, ["p2"], roles=["front_desk", "cs_manager"], user_id="desk.p2")
    with pytest.raises(NotFound):
        renovation.get(work(session, clock, far), ticket.id)
    with pytest.raises(NotFound):
        do(session, clock, ticket, "submit", far)
    with pytest.raises(NotFound):
        apply(session, clock, caller=far, unit_id="u2")


def test_one_open_renovation_per_unit(session, clock, registry):
    first = apply(session, clock)
    for caller in (ME, DESK):
        with pytest.raises(RenovationOpen) as refused:
            apply(session, clock, caller)
        assert first.number in str(refused.value) and refused.value.details["number"] == first.number
    assert apply(session, clock, NEIGHBOUR, unit_id="u2").status == "applied"     # another unit: its own
    do(session, clock, first, "cancel", ME, reason="改期")
    assert apply(session, clock).number != first.number                          # cancelled: a new one


def test_review_waits_for_complete_documents_then_runs_3_days_and_breaches(session, clock, registry):
    ticket = apply(session, clock, documents=DOCS[:3])
    with pytest.raises(DocumentsMissing) as refused:
        do(session, clock, ticket, "submit", ME)
    assert refused.value.details == {"missing": ["worker_id_copies"]}
    do(session, clock, ticket, "attach_document", ME, **DOCS[3])
    do(session, clock, ticket, "submit", ME)
    review = clock_of(ticket, "renovation_review")
    assert ticket.status == "under_review" and review.due_at == local(2026, 11, 27, 9, 0)
    assert review.responsible_role == "cs_manager"
    clock.advance(days=3, minutes=1)
    sweep(session, clock)
    [breach] = breaches(session, "renovation_review")
    assert breach["number"] == ticket.number


def test_reject_rework_and_re_review(session, clock, registry):
    ticket = apply(session, clock, documents=DOCS)
    do(session, clock, ticket, "submit", ME)
    with pytest.raises(InvalidInput):
        do(session, clock, ticket, "reject", CS)                   # says what to rework
    with pytest.raises(Forbidden):
        do(session, clock, ticket, "approve", DESK)                 # the CS manager reviews
    do(session, clock, ticket, "reject", CS, note="图纸缺少水电走向")
    assert ticket.status == "rework" and clock_of(ticket, "renovation_review").met_at == clock.now()
    clock.advance(days=2)
    do(session, clock, ticket, "attach_document", ME, doc_type="renovation_drawings", document_id="doc-v2")
    do(session, clock, ticket, "submit", ME)
    review = clock_of(ticket, "renovation_review")
    assert review.met_at is None and review.due_at == local(2026, 11, 29, 9, 0)   # a new 3 days
    do(session, clock, ticket, "approve", CS)
    assert ticket.status == "approved" and session.get(Renovation, ticket.id).review_rounds == 2


# -- the fees: billing's, and nothing starts before they are paid --------------------------------------

def test_the_fees_are_requested_and_block_the_start_until_billing_reports_them_paid(session, clock, registry):
    ticket = approved(session, clock)
    do(session, clock, ticket, "sign_agreement")
    [requested] = events_of(session, "renovation.fees_requested")
    assert requested["renovation_id"] == ticket.id and requested["deposit_amount"] == "2000.00"
    assert requested["unit_id"] == "u1"
    for action, extra in (("issue_permit", {}), ("issue_pass", {"pass_kind": "worker", "holder_name": "王师傅"})):
        with pytest.raises(FeesUnpaid):
            do(session, clock, ticket, action, **extra)
    with pytest.raises(NotYourStep):
        do(session, clock, ticket, "fees_paid")                    # only billing's report says so
    report = {"renovation_id": ticket.id, "deposit_id": "dep-1", "garbage_fee": Decimal("360.00"),
              "paid_at": clock.now()}
    renovation.on_fees_paid(work(session, clock, SYSTEM), report)
    assert renovation.on_fees_paid(work(session, clock, SYSTEM), report) is None   # redelivered: nothing
    assert ticket.status == "fees_paid"
    do(session, clock, ticket, "issue_permit")
    row = session.get(Renovation, ticket.id)
    assert ticket.status == "in_progress" and row.permit_number == "ZXXK-20261124-0001"
    assert row.garbage_fee == Decimal("360.00") and row.deposit_id == "dep-1"


def test_numbered_passes_patrols_and_the_waste_breach(session, clock, registry):
    ticket = started(session, clock)
    do(session, clock, ticket, "issue_pass", pass_kind="worker", holder_name="王师傅")
    clock.advance(minutes=5)
    do(session, clock, ticket, "issue_pass", pass_kind="material", holder_name="李师傅", detail="瓷砖 20 箱")
    passes = renovation.passes_of(session, ticket.id)
    assert [(p.kind, p.number) for p in passes] == [("worker", "ZXRY-20261124-0001"),
                                                     ("material", "ZXCL-20261124-0001")]
    do(session, clock, ticket, "void_pass", GUARD, pass_id=passes[0].id, reason="人员离场")
    assert passes[0].voided_at == clock.now()
    do(session, clock, ticket, "record_patrol", GUARD, violations=["拆改承重墙"], waste_seen=True)
    waste = clock_of(ticket, "renovation_waste")
    assert waste.due_at == local(2026, 11, 27, 9, 5) and waste.responsible_role == "steward"
    with pytest.raises(NotYourStep):
        do(session, clock, ticket, "record_patrol", ME)
    clock.advance(days=3, hours=1)
    sweep(session, clock)
    assert len(breaches(session, "renovation_waste")) == 1
    do(session, clock, ticket, "clear_waste", GUARD)
    assert clock_of(ticket, "renovation_waste").met_at == clock.now()


# -- acceptance, occupancy, re-inspection, refund -------------------------------------------------------

def test_acceptance_is_asked_a_working_day_ahead(session, clock, registry):
    ticket = started(session, clock)
    clock.set("2026-11-27T10:00:00+08:00")                          # a Friday
    with pytest.raises(AcceptanceTooSoon) as refused:
        do(session, clock, ticket, "request_acceptance", ME, acceptance_on=date(2026, 11, 28))   # Saturday
    assert refused.value.details == {"earliest": "2026-11-30"}        # Monday: the next working day
    do(session, clock, ticket, "request_acceptance", ME, acceptance_on=date(2026, 11, 30))
    assert ticket.status == "acceptance_requested"
    do(session, clock, ticket, "fail_acceptance", note="阳台防水未做闭水试验")
    assert ticket.status == "in_progress"


def walk_to_occupied(session, clock):
    ticket = started(session, clock)
    do(session, clock, ticket, "record_patrol", GUARD, violations=["擅自改动燃气管道"])
    do(session, clock, ticket, "request_acceptance", ME, acceptance_on=date(2026, 11, 25))
    clock.set("2026-11-25T10:00:00+08:00")
    do(session, clock, ticket, "accept")
    clock.set("2026-12-01T10:00:00+08:00")
    do(session, clock, ticket, "occupy", occupied_on=date(2026, 11, 30))
    return ticket


def test_the_re_inspection_job_comes_3_months_after_occupancy(session, clock, registry):
    ticket = walk_to_occupied(session, clock)
    job = session.scalars(select(ScheduledJob).where(ScheduledJob.kind == "renovation-reinspection")).one()
    assert job.key == ticket.id and job.due_at == local(2027, 2, 28, 9, 0)   # Feb has no 30th
    with pytest.raises(ReinspectionNotDue) as refused:
        do(session, clock, ticket, "reinspect", CS)
    assert refused.value.details == {"due_on": "2027-02-28"}
    clock.set("2027-02-28T09:00:00+08:00")
    job = the_job(session, clock)
    renovation.on_reinspection_job(work(session, clock, SYSTEM), job)
    assert renovation.on_reinspection_job(work(session, clock, SYSTEM), job) is None     # once
    [due] = events_of(session, "renovation.reinspection_due")
    assert due["renovation_id"] == ticket.id and due["occupied_on"] == "2026-11-30"


def test_the_household_is_told_a_week_before_the_re_inspection_once(session, clock, registry):
    """renovation.reinspection_upcoming, ``renovation.reinspection_notice_days`` (7) days before the
    re-inspection is due (notify tells the household to be home for it) -- once, and not a step."""
    ticket = walk_to_occupied(session, clock)
    row = session.scalars(select(ScheduledJob).where(ScheduledJob.kind == "renovation-reinspection-notice")).one()
    assert row.key == ticket.id and row.due_at == local(2027, 2, 21, 9, 0)      # 7 days before 2027-02-28 09:00
    clock.set("2027-02-21T09:00:00+08:00")
    job = the_job(session, clock, "renovation-reinspection-notice")
    steps = len(ticket.history)
    assert renovation.on_reinspection_notice_job(work(session, clock, SYSTEM), job) is True
    [upcoming] = events_of(session, "renovation.reinspection_upcoming")
    assert (upcoming["renovation_id"], upcoming["number"], upcoming["unit_id"], upcoming["household_id"]) == (
        ticket.id, ticket.number, "u1", ticket.household_id)
    assert upcoming["occupied_on"] == "2026-11-30"
    assert datetime.fromisoformat(upcoming["due_at"]) == local(2027, 2, 28, 9, 0)
    assert len(ticket.history) == steps and ticket.status == "occupied"          # not a step
    # the re-inspection due (or done) already: nothing more
    clock.set("2027-02-28T09:00:00+08:00")
    renovation.on_reinspection_job(work(session, clock, SYSTEM), the_job(session, clock))
    assert renovation.on_reinspection_notice_job(work(session, clock, SYSTEM), job) is False
    assert len(events_of(session, "renovation.reinspection_upcoming")) == 1


def test_an_occupancy_recorded_late_tells_the_household_at_once_and_never_after_the_due_time(
        session, clock, registry):
    ticket = started(session, clock)
    do(session, clock, ticket, "request_acceptance", ME, acceptance_on=date(2026, 11, 25))
    clock.set("2026-11-25T10:00:00+08:00")
    do(session, clock, ticket, "accept")
    clock.set("2027-02-25T10:00:00+08:00")               # recorded three days before the re-inspection
    do(session, clock, ticket, "occupy", occupied_on=date(2026, 11, 30))
    row = session.scalars(select(ScheduledJob).where(ScheduledJob.kind == "renovation-reinspection-notice")).one()
    assert row.due_at == local(2027, 2, 25, 10, 0)       # the notice's day has passed: due at once
    job = the_job(session, clock, "renovation-reinspection-notice")
    clock.set("2027-02-28T09:00:01+08:00")               # ... but run only after the due time: nothing
    assert renovation.on_reinspection_notice_job(work(session, clock, SYSTEM), job) is False
    assert events_of(session, "renovation.reinspection_upcoming") == []
    clock.set("2027-02-25T10:00:05+08:00")               # run in time: told
    assert renovation.on_reinspection_notice_job(work(session, clock, SYSTEM), job) is True
    assert len(events_of(session, "renovation.reinspection_upcoming")) == 1


def the_job(session, clock, kind="renovation-reinspection"):
    """The scheduled re-inspection job as kernel.jobs hands it to its handler."""
    import json
    from kernel.jobs import Job
    row = session.scalars(select(ScheduledJob).where(ScheduledJob.kind == kind)).one()
    payload = row.payload if isinstance(row.payload, dict) else json.loads(row.payload)
    return Job(id=row.id, kind=row.kind, key=row.key, group_id=G, project_id="p1", payload=payload,
               due_at=row.due_at, attempt=1, max_attempts=5, claim="test")


def reinspected(session, clock, **data):
    ticket = walk_to_occupied(session, clock)
    clock.set("2027-02-28T09:00:00+08:00")
    job = the_job(session, clock)
    renovation.on_reinspection_job(work(session, clock, SYSTEM), job)
    clock.set("2027-03-01T10:00:00+08:00")
    return do(session, clock, ticket, "reinspect", CS, **data)


def test_withheld_in_part_with_the_violations_then_refunded_within_7_days(session, clock, registry):
    ticket = reinspected(session, clock, withheld_amount=Decimal("500.00"), violations=["阳台外墙打孔"])
    assert ticket.status == "refund_requested"
    [asked] = events_of(session, "renovation.refund_requested")
    assert (asked["refund_amount"], asked["withheld_amount"], asked["deposit_id"]) == ("1500.00", "500.00", "dep-1")
    assert asked["violations"] == ["擅自改动燃气管道", "阳台外墙打孔"]           # the patrols' and the re-inspection's
    # who re-inspected and decided what is withheld: billing names them in the forfeiture (押金扣除)
    assert asked["reinspected_by"] == {"user_id": "cs.mgr", "name": CS.name or ""}
    refund = clock_of(ticket, "renovation_refund")
    assert refund.due_at == local(2027, 3, 8, 10, 0) and refund.responsible_role == "finance"
    clock.advance(days=5)
    data = {"renovation_id": ticket.id, "amount": Decimal("1500.00"), "paid_at": clock.now()}
    renovation.on_deposit_refunded(work(session, clock, SYSTEM), data)
    assert renovation.on_deposit_refunded(work(session, clock, SYSTEM), data) is None
    assert ticket.status == "closed" and clock_of(ticket, "renovation_refund").met_at == clock.now()
    [closed] = events_of(session, "renovation.closed")
    assert {d["doc_type"] for d in closed["documents"]} == set(renovation.REQUIRED_DOCUMENTS)
    assert session.get(Renovation, ticket.id).archived_at == clock.now()
    clock.advance(days=5)
    sweep(session, clock)
    assert breaches(session, "renovation_refund") == []


def test_a_refund_not_paid_within_7_days_is_a_breach(session, clock, registry):
    ticket = reinspected(session, clock)
    [asked] = events_of(session, "renovation.refund_requested")
    assert asked["refund_amount"] == "2000.00" and asked["withheld_amount"] == "0.00"
    clock.advance(days=7, minutes=1)
    sweep(session, clock)
    [breach] = breaches(session, "renovation_refund")
    assert breach["ticket_id"] == ticket.id


def test_withholding_needs_violations_and_stays_within_the_deposit(session, clock, registry):
    ticket = walk_to_occupied(session, clock)
    clock.set("2027-02-28T09:00:00+08:00")
    job = the_job(session, clock)
    renovation.on_reinspection_job(work(session, clock, SYSTEM), job)
    with pytest.raises(WithheldOverDeposit):
        do(session, clock, ticket, "reinspect", CS, withheld_amount=Decimal("2000.01"))
    ticket = do(session, clock, ticket, "reinspect", CS, withheld_amount=Decimal("2000.00"))
    assert ticket.status == "closed"                                 # nothing to refund
    steps = [(e["action"], e["to"]) for e in events_of(session, "ticket.status_changed")][-2:]
    assert steps == [("reinspect", "refund_requested"), ("refund_paid", "closed")]   # both rows of the table
    assert all(d.kind != "renovation_refund" for d in ticket.deadlines)
    assert events_of(session, "renovation.refund_requested")[0]["refund_amount"] == "0.00"


def test_every_state_change_is_an_event_and_steps_off_the_table_are_refused(session, clock, registry):
    ticket = started(session, clock)
    steps = [e["action"] for e in events_of(session, "ticket.status_changed") if e["ticket_id"] == ticket.id]
    assert steps == ["submit", "approve", "sign_agreement", "fees_paid", "issue_permit"]
    with pytest.raises(TransitionNotAllowed):
        do(session, clock, ticket, "approve", CS)
    with pytest.raises(TransitionNotAllowed):
        do(session, clock, ticket, "cancel", DESK, reason="x")       # after the agreement: no cancel


# -- the ticket's renovation part (ticket.changed, export_snapshots, the ticket reply) ------------------

def changed(session, ticket):
    return [e for e in events_of(session, "ticket.changed") if e["ticket_id"] == ticket.id]


def test_the_garbage_fee_shows_as_soon_as_billing_charged_it_with_its_paid_status_apart(session, clock, registry):
    ticket = approved(session, clock)
    row = session.get(Renovation, ticket.id)
    assert (renovation.facts(session, ticket, row)["garbage_fee"],
            renovation.facts(session, ticket, row)["garbage_fee_status"]) == (None, "not_requested")
    do(session, clock, ticket, "sign_agreement")
    assert renovation.facts(session, ticket, row)["garbage_fee_status"] == "requested"
    version = ticket.version
    charged = {"renovation_id": ticket.id, "garbage_fee": Decimal("268.11"), "charged_at": clock.now()}
    renovation.on_fees_charged(work(session, clock, SYSTEM), charged)      # billing: 89.37 m2 x 3.00
    assert renovation.on_fees_charged(work(session, clock, SYSTEM), charged) is None   # redelivered: nothing
    seen = renovation.facts(session, ticket, row)
    assert (seen["garbage_fee"], seen["garbage_fee_status"], seen["may_start"]) == (Decimal("268.11"), "charged", False)
    assert ticket.status == "fees_requested" and ticket.version == version + 1
    assert changed(session, ticket)[-1]["renovation"]["garbage_fee"] == "268.11"      # the snapshot carries it
    renovation.on_fees_paid(work(session, clock, SYSTEM), {
        "renovation_id": ticket.id, "deposit_id": "dep-1", "garbage_fee": Decimal("268.11"), "paid_at": clock.now()})
    seen = renovation.facts(session, ticket, row)
    assert (seen["garbage_fee"], seen["garbage_fee_status"], seen["may_start"]) == (Decimal("268.11"), "paid", True)


def test_the_ticket_snapshot_carries_the_renovation_part_after_every_step(session, clock, registry):
    from services.tickets import schemas
    from services.tickets.domain import repairs
    ticket = apply(session, clock, documents=DOCS[:2])
    [first] = changed(session, ticket)
    assert first["version"] == 1 and first["renovation"]["missing"] == ["contractor_licence", "worker_id_copies"]
    assert [c["present"] for c in first["renovation"]["checklist"]] == [True, True, False, False]
    for doc in DOCS[2:]:
        do(session, clock, ticket, "attach_document", ME, **doc)
    do(session, clock, ticket, "submit", ME)
    do(session, clock, ticket, "approve", CS)
    paid(session, clock, ticket)                                   # billing's report: the platform's step
    snapshots = changed(session, ticket)
    assert [s["version"] for s in snapshots] == list(range(1, 8))   # every step bumps and republishes
    last = snapshots[-1]["renovation"]
    assert snapshots[-1]["status"] == "fees_paid" and last["missing"] == []
    assert last["may_start"] is True and last["deposit_amount"] == "2000.00" and last["garbage_fee"] == "360.00"
    assert last["fees_requested_at"] and last["fees_paid_at"] and last["review_rounds"] == 1
    assert last["garbage_fee_status"] == "paid"
    do(session, clock, ticket, "issue_permit")
    do(session, clock, ticket, "issue_pass", pass_kind="worker", holder_name="王师傅", detail="13900001234")
    last = changed(session, ticket)[-1]
    assert last["version"] == 9 and last["renovation"]["permit_number"] == "ZXXK-20261124-0001"
    [issued] = last["renovation"]["passes"]
    assert (issued["number"], issued["holder_name"]) == ("ZXRY-20261124-0001", "王**")   # a worker's name masked
    # the same part in the platform's export (read models rebuild from it) and the ticket's reply
    [exported] = [s for s in repairs.export_snapshots(work(session, clock, SYSTEM), None, 10)
                  if s["ticket_id"] == ticket.id]
    assert exported["renovation"]["passes"][0]["holder_name"] == "王**" and exported["version"] == 9
    reply = schemas.TicketOut().dump({**exported, "id": ticket.id})
    assert reply["renovation"]["permit_number"] == "ZXXK-20261124-0001"
    assert reply["renovation"]["deposit_amount"] == "2000.00"
    # staff read the holder's name in full from tickets; the resident as the snapshot has it
    row = session.get(Renovation, ticket.id)
    assert renovation.view(work(session, clock, DESK), ticket, row)["passes"][0]["holder_name"] == "王师傅"
    assert renovation.view(work(session, clock, ME), ticket, row)["passes"][0]["holder_name"] == "王**"
    # the desk's free text on a pass (a phone typed in) is staff's; the log names the pass, not its holder
    assert renovation.view(work(session, clock, DESK), ticket, row)["passes"][0]["detail"] == "13900001234"
    assert renovation.view(work(session, clock, ME), ticket, row)["passes"][0]["detail"] is None
    assert issued["detail"] is None
    notes = " ".join(h["note"] or "" for h in last["history"])
    assert "王师傅" not in notes and "ZXRY-20261124-0001" in notes
    # other kinds carry none
    assert all(e["renovation"] is None for e in events_of(session, "ticket.changed") if e["kind"] != "renovation")


def test_the_re_inspection_job_republishes_the_ticket_with_its_due_time(session, clock, registry):
    ticket = walk_to_occupied(session, clock)
    before = changed(session, ticket)[-1]
    assert before["renovation"]["occupied_on"] == "2026-11-30" and before["renovation"]["reinspection_due_at"] is None
    clock.set("2027-02-28T09:00:00+08:00")
    renovation.on_reinspection_job(work(session, clock, SYSTEM), the_job(session, clock))
    after = changed(session, ticket)[-1]
    assert after["version"] == before["version"] + 1
    assert datetime.fromisoformat(after["renovation"]["reinspection_due_at"]) == local(2027, 2, 28, 9, 0)



# -- dates within bounds (trial 4: H2, M1, M2) -------------------------------------------------------

def test_a_backdated_occupancy_is_refused_and_the_re_inspection_stays_3_months_ahead(session, clock, registry):
    ticket = started(session, clock)
    do(session, clock, ticket, "request_acceptance", ME, acceptance_on=date(2026, 11, 25))
    clock.set("2026-11-25T10:00:00+08:00")
    do(session, clock, ticket, "accept")
    for day, code in ((date(1999, 1, 1), "occupied_before_acceptance"), (date(2026, 11, 24), "occupied_before_acceptance"),
                      (date(2026, 11, 26), "date_in_future")):
        with pytest.raises(RenovationDateOutOfRange) as refused:
            do(session, clock, ticket, "occupy", occupied_on=day)
        assert refused.value.code == code
        assert refused.value.message.startswith("入住日期") and refused.value.english in refused.value.message
    assert ticket.status == "accepted"
    do(session, clock, ticket, "occupy", occupied_on=date(2026, 11, 25))    # the acceptance day itself
    job = session.scalars(select(ScheduledJob).where(ScheduledJob.kind == "renovation-reinspection")).one()
    assert job.due_at == local(2027, 2, 25, 9, 0)
    # the same day as the acceptance: the re-inspection is not due, nothing refunded
    with pytest.raises(ReinspectionNotDue):
        do(session, clock, ticket, "reinspect", CS, withheld_amount=Decimal("300.00"), violations=["拆改承重墙"])
    assert events_of(session, "renovation.refund_requested") == []


def test_the_planned_period_is_bounded(session, clock, registry):
    today = date(2026, 11, 24)
    for start, end, code in ((date(1900, 1, 1), date(2999, 12, 31), "planned_start_past"),
                             (date(1950, 1, 1), date(2990, 12, 1), "planned_start_past"),
                             (date(2026, 11, 22), None, "planned_start_past"),
                             (date(2027, 6, 1), None, "planned_start_too_far"),
                             (today, date(2027, 12, 1), "planned_end_too_far"),
                             (date(2026, 12, 10), date(2026, 12, 1), "bad_period"),
                             (None, date(2026, 11, 1), "bad_period")):
        with pytest.raises(RenovationDateOutOfRange) as refused:
            apply(session, clock, planned_start=start, planned_end=end)
        assert refused.value.code == code
    assert session.scalars(select(Renovation)).all() == []
    ticket = apply(session, clock, planned_start=date(2026, 11, 23), planned_end=date(2027, 3, 1))  # a day's tolerance
    assert session.get(Renovation, ticket.id).planned_end == date(2027, 3, 1)


def test_the_acceptance_is_booked_within_30_days_and_held_not_before_its_day(session, clock, registry):
    ticket = started(session, clock)
    with pytest.raises(RenovationDateOutOfRange) as refused:
        do(session, clock, ticket, "request_acceptance", ME, acceptance_on=date(9999, 12, 31))
    assert refused.value.code == "acceptance_too_far" and refused.value.details == {"latest": "2026-12-24"}
    do(session, clock, ticket, "request_acceptance", ME, acceptance_on=date(2026, 11, 26))
    with pytest.raises(RenovationDateOutOfRange) as refused:
        do(session, clock, ticket, "accept")                          # the same minute: before the booked day
    assert refused.value.code == "acceptance_not_yet" and ticket.status == "acceptance_requested"
    clock.set("2026-11-26T09:30:00+08:00")
    do(session, clock, ticket, "accept")
    assert ticket.status == "accepted"


def test_a_pass_is_valid_from_today_to_the_planned_end(session, clock, registry):
    ticket = paid(session, clock, approved_with(session, clock, planned_start=date(2026, 11, 25),
                                                planned_end=date(2026, 12, 20)))
    do(session, clock, ticket, "issue_permit")
    for until, code in ((date(2020, 1, 1), "valid_until_past"), (date(2026, 12, 28), "valid_until_too_far")):
        with pytest.raises(RenovationDateOutOfRange) as refused:
            do(session, clock, ticket, "issue_pass", pass_kind="material", holder_name="钱七", valid_until=until)
        assert refused.value.code == code
    assert renovation.passes_of(session, ticket.id) == []
    do(session, clock, ticket, "issue_pass", pass_kind="material", holder_name="钱七", valid_until=date(2026, 12, 27))
    do(session, clock, ticket, "issue_pass", pass_kind="worker", holder_name="赵六", valid_until=date(2026, 11, 24))


def approved_with(session, clock, **data):
    ticket = apply(session, clock, documents=DOCS, **data)
    do(session, clock, ticket, "submit", ME)
    return do(session, clock, ticket, "approve", CS)


# -- free text with personal data (trial 4: M4) --------------------------------------------------------

ENG = staff(G, ["p1"], roles=["engineering"], user_id="eng")
FINANCE = staff(G, ["p1"], roles=["finance"], user_id="finance")


def test_a_pass_detail_is_the_desks_and_free_text_is_masked_for_everyone_else(session, clock, registry):
    ticket = started(session, clock)
    do(session, clock, ticket, "issue_pass", pass_kind="worker", holder_name="赵六",
       detail="身份证 110101199003077774 电话 13912345678")
    do(session, clock, ticket, "record_patrol", GUARD, note="工人 13812345678 未戴安全帽")
    issued = renovation.passes_of(session, ticket.id)[0]
    do(session, clock, ticket, "void_pass", pass_id=issued.id, reason="住户电话 13812345678 取消")

    def seen(caller):
        t, row = renovation.get(work(session, clock, caller), ticket.id)
        return renovation.view(work(session, clock, caller), t, row)

    desk = seen(DESK)
    assert desk["passes"][0]["detail"] == "身份证 110101199003077774 电话 13912345678"
    assert desk["patrols"][0]["note"] == "工人 13812345678 未戴安全帽"
    for caller in (ENG, GUARD, FINANCE, ME):
        got = seen(caller)
        assert got["passes"][0]["detail"] is None
        assert got["patrols"][0]["note"] == "工人 138****5678 未戴安全帽"
        assert got["passes"][0]["void_reason"] == "住户电话 138****5678 取消"
    part = renovation.renovation_part(ticket)                          # the snapshot (residents' read model)
    assert part["passes"][0]["detail"] is None and "13812345678" not in str(part)


def test_the_step_log_s_free_text_is_masked_for_the_household_and_read_whole_by_the_desk(session, clock, registry):
    """A phone (or an ID number) the desk typed into a step's note: the resident reading his renovation
    (its ticket's history, as the RPC answers it) sees it masked, as do engineering, security and finance;
    the desk reads it as written. The snapshot keeps it as written: the read model masks when read."""
    ticket = approved(session, clock)
    note = "业主电话 13912345678 已签协议，身份证 110101199003077774"
    do(session, clock, ticket, "sign_agreement", note=note)
    do(session, clock, ticket, "cancel", reason="业主来电 13812345678 撤销")

    def log(caller):
        t, _ = renovation.get(work(session, clock, caller), ticket.id)
        return [h["note"] for h in repairs.ticket_view(t, clock.now(), caller)["history"]]

    for desk in (DESK, CS, SYSTEM):
        assert log(desk)[-2:] == [note, "业主来电 13812345678 撤销"]
    for caller in (ME, ENG, GUARD, FINANCE):
        assert log(caller)[-2:] == ["业主电话 139****5678 已签协议，身份证 1101**********7774", "业主来电 138****5678 撤销"]
        assert "13912345678" not in str(log(caller)) and "110101199003077774" not in str(log(caller))
    assert log(ME)[0] == log(DESK)[0] == "厨卫改造、铺地板"                 # nothing else changed
    assert [h["note"] for h in repairs.snapshot(ticket)["history"]][-2:] == [note, "业主来电 13812345678 撤销"]


def test_the_desk_may_cancel_once_the_fees_are_asked_and_billing_is_told_to_reverse_them(session, clock, registry):
    """A transfer is refused while the garbage fee is unpaid: the desk cancels the renovation first
    (fees_requested -> cancelled), and ``renovation.cancelled`` has billing reverse the charge."""
    early = approved(session, clock)
    do(session, clock, early, "cancel", reason="业主改期")
    assert early.status == "cancelled" and events_of(session, "renovation.cancelled") == []   # billing never asked
    ticket = approved(session, clock)
    do(session, clock, ticket, "sign_agreement")
    renovation.on_fees_charged(work(session, clock, SYSTEM), {
        "renovation_id": ticket.id, "garbage_fee": Decimal("268.11"), "charged_at": clock.now()})
    with pytest.raises(NotYourStep):
        do(session, clock, ticket, "cancel", ME, reason="不装了")          # the desk's step once agreed
    with pytest.raises(InvalidInput):
        do(session, clock, ticket, "cancel")                                 # a cancellation says why
    do(session, clock, ticket, "cancel", reason="业主过户前撤销装修")
    [cancelled] = events_of(session, "renovation.cancelled")
    assert (cancelled["renovation_id"], cancelled["reason"], cancelled["deposit_amount"]) == (
        ticket.id, "业主过户前撤销装修", "2000.00")
    row = session.get(Renovation, ticket.id)
    assert ticket.status == "cancelled" and renovation.facts(session, ticket, row)["garbage_fee_status"] == "cancelled"
