"""Hardship on the dunning ladder (domain/disputes.py, installments.py, legal.py), driven day by day
through the injectable clock: a disputed bill pauses the ladder and a rejected dispute resumes it; an
installment plan honoured (no notice, no late fee), then broken (the ladder resumes the next day);
a lawyer letter refused without both approvals and sent after them, by three different people."""
from datetime import date
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from kernel.errors import Forbidden, IdempotencyKeyReused
from kernel.testing import resident, staff
from services.billing.domain import dunning
from services.billing.exceptions import (ApprovalsMissing, BillNotCorrected, BillSettled, DisputeExists,
                                         DisputeTransitionNotAllowed, DunningCaseClosed, DunningCaseNotFound, FourEyes,
                                         InstallmentPlanExists, InstallmentPlanNotFound, InvalidSchedule, PlanTooLong,
                                         ProjectNotFound,
                                         LawyerLetterNotSent, LegalKindMismatch, LegalProposalExists,
                                         LegalTransitionNotAllowed, PlanTotalMismatch, ProposerOnly)
from services.billing.models import (Bill, BillDispute, DunningCase, DunningLogEntry, DunningNotice, Installment,
                                     InstallmentPlan, LegalProposal, Project)

from .support import CENTRE, DESK, FINANCE, G, PLATFORM, ZHANG, monthly_bill, service_as
from .support import as_, clock, estate, session  # noqa: F401  (fixtures)
from .test_dunning import _sweep_days, at

STEWARD = staff(G, ["p1"], roles=["steward"], user_id="steward-1")
CS = staff(G, ["p1"], roles=["cs_manager"], user_id="cs-1")
CS2 = staff(G, ["p1"], roles=["cs_manager"], user_id="cs-2")
GM = staff(G, ["p1", "p2"], roles=["general_manager"], user_id="gm-1")
#: one person with both the CS department's and the GM's role
BOSS = staff(G, ["p1"], roles=["cs_manager", "general_manager"], user_id="boss-1")
FAR_CS = staff(G, ["p2"], roles=["cs_manager", "steward", "general_manager"], user_id="cs-p2")
OTHER_GROUP = staff("group-2", ["p1"], roles=["cs_manager", "steward"], user_id="cs-g2")


def svc(session, clock, caller):
    return service_as(session, clock, caller)


def overdue_case(session, clock, as_, amount="100.00", until=date(2026, 1, 16)):
    """January's bill of ``amount`` for u1 (张伟), due 15 January, swept up to ``until``: its case."""
    at(clock, date(2026, 1, 1))
    bill = monthly_bill(as_(PLATFORM), _u1(session), amount, "2026-01")
    session.commit()
    _sweep_days(as_, clock, date(2026, 1, 15), until)
    return bill, session.scalar(select(DunningCase).where(DunningCase.status == "open"))


def _u1(session):
    from services.billing.models import FeeAccount
    return session.scalar(select(FeeAccount).where(FeeAccount.unit_id == "u1"))


def notices(session):
    return [(n.stage, n.notice_on) for n in session.scalars(select(DunningNotice).order_by(DunningNotice.notice_on))]


def log_kinds(session):
    return [e.kind for e in session.scalars(select(DunningLogEntry).order_by(DunningLogEntry.recorded_at,
                                                                             DunningLogEntry.done_on))]


def pay(session, clock, amount, day, hour=15):
    at(clock, day, hour)
    reply = svc(session, clock, DESK).record_payment("u1", {"method": "cash", "amount": amount})
    session.commit()
    return reply


# -- disputes -------------------------------------------------------------------------------------

def test_a_dispute_pauses_the_ladder_and_a_rejected_one_resumes_it(session, clock, estate, as_):
    bill, case = overdue_case(session, clock, as_, until=date(2026, 1, 20))
    assert notices(session) == [("first", date(2026, 1, 16))]
    at(clock, date(2026, 1, 20), 10)
    opened = svc(session, clock, ZHANG).open_dispute(bill.id, {"reason": "面积算错了"}, idempotency_key="d1")
    session.commit()
    assert (opened["status"], opened["case_id"], opened["case_paused"]) == ("open", case.id, "dispute")
    with pytest.raises(DisputeExists):
        svc(session, clock, DESK).open_dispute(bill.id, {"reason": "再次异议"})
    session.rollback()

    _sweep_days(as_, clock, date(2026, 1, 21), date(2026, 1, 26))
    assert notices(session) == [("first", date(2026, 1, 16))]           # no 2nd notice on the 24th
    session.refresh(case)
    assert case.paused == "dispute" and case.stage == "first" and case.pause_reason.endswith("面积算错了")

    at(clock, date(2026, 1, 26), 10)
    with pytest.raises(Forbidden):                                       # the desk records, it does not decide
        svc(session, clock, DESK).resolve_dispute(opened["id"], {"outcome": "reject", "resolution": "核实无误"})
    session.rollback()
    rejected = svc(session, clock, CS).resolve_dispute(opened["id"], {"outcome": "reject",
                                                                      "resolution": "面积核实无误"})
    session.commit()
    assert (rejected["status"], rejected["resolved_by"], rejected["case_paused"]) == ("rejected", "cs-1", None)
    with pytest.raises(DisputeTransitionNotAllowed):
        svc(session, clock, CS).resolve_dispute(opened["id"], {"outcome": "uphold", "resolution": "改判"})
    session.rollback()

    _sweep_days(as_, clock, date(2026, 1, 27), date(2026, 1, 27))
    # the ladder resumes where it was: the 2nd notice the day after the rejection
    assert notices(session) == [("first", date(2026, 1, 16)), ("second", date(2026, 1, 27))]
    kinds = log_kinds(session)
    assert kinds.index("dispute_opened") < kinds.index("paused") < kinds.index("dispute_rejected") \
        < kinds.index("resumed")


def test_a_case_opened_while_a_bill_is_disputed_opens_paused(session, clock, estate, as_):
    at(clock, date(2026, 1, 1))
    bill = monthly_bill(as_(PLATFORM), _u1(session), "100.00", "2026-01")
    session.commit()
    at(clock, date(2026, 1, 10), 10)
    svc(session, clock, DESK).open_dispute(bill.id, {"reason": "户主称已在旧系统缴纳"})
    session.commit()
    _sweep_days(as_, clock, date(2026, 1, 15), date(2026, 1, 25))
    case = session.scalar(select(DunningCase))
    assert (case.status, case.paused, case.stage, case.opened_on) == ("open", "dispute", "none", date(2026, 1, 16))
    assert notices(session) == []


def test_the_row_by_row_sweep_opens_a_disputed_account_s_case_paused(session, clock, estate, as_):
    at(clock, date(2026, 1, 1))
    bill = monthly_bill(as_(PLATFORM), _u1(session), "100.00", "2026-01")
    session.commit()
    svc(session, clock, DESK).open_dispute(bill.id, {"reason": "户主称已在旧系统缴纳"})
    session.commit()
    at(clock, date(2026, 1, 16))
    w = as_(PLATFORM)
    dunning.sweep_rows(w, w.session.get(Project, "p1"))
    session.commit()
    assert session.scalar(select(DunningCase.paused)) == "dispute" and notices(session) == []


def test_a_dispute_is_upheld_after_the_bill_is_corrected(session, clock, estate, as_):
    bill, case = overdue_case(session, clock, as_, until=date(2026, 1, 20))
    at(clock, date(2026, 1, 20), 10)
    opened = svc(session, clock, STEWARD).open_dispute(bill.id, {"reason": "车位费重复计收"})
    session.commit()
    uphold = {"outcome": "uphold", "resolution": "重复计收40元, 已减免"}
    with pytest.raises(BillNotCorrected):
        svc(session, clock, FINANCE).resolve_dispute(opened["id"], uphold)
    session.rollback()
    svc(session, clock, FINANCE).discount_bill(bill.id, {"amount": "40.00", "reason": "重复计收"})
    session.commit()
    upheld = svc(session, clock, FINANCE).resolve_dispute(opened["id"], uphold)
    session.commit()
    assert (upheld["status"], upheld["bill_open"], upheld["case_paused"]) == ("upheld", "60.00", None)
    _sweep_days(as_, clock, date(2026, 1, 24), date(2026, 1, 24))
    second = session.scalar(select(DunningNotice).where(DunningNotice.stage == "second"))
    assert (second.notice_on, second.overdue) == (date(2026, 1, 24), Decimal("60.00"))
    assert "dispute_upheld" in log_kinds(session)


def test_who_may_dispute_and_what(session, clock, estate, as_):
    bill, case = overdue_case(session, clock, as_, until=date(2026, 1, 16))
    at(clock, date(2026, 1, 17), 10)
    for caller, error in ((resident(G, ["u2"]), "bill_not_found"), (OTHER_GROUP, "bill_not_found"),
                          (FAR_CS, "project_out_of_scope"), (FINANCE, "role_required")):
        with pytest.raises(Exception) as refused:
            svc(session, clock, caller).open_dispute(bill.id, {"reason": "不认可"})
        assert refused.value.code == error
        session.rollback()
    with pytest.raises(ValidationError):
        svc(session, clock, DESK).open_dispute(bill.id, {"reason": " "})
    session.rollback()
    pay(session, clock, "100.00", date(2026, 1, 17))
    with pytest.raises(BillSettled):
        svc(session, clock, DESK).open_dispute(bill.id, {"reason": "不认可"})
    session.rollback()
    with pytest.raises(ProjectNotFound):                                 # a resident lists no project's
        svc(session, clock, ZHANG).list_disputes("p1")


# -- installment plans ------------------------------------------------------------------------------

PLAN = {"reason": "失业, 分三期", "instalments": [
    {"due_on": "2026-01-25", "amount": "100.00"}, {"due_on": "2026-02-25", "amount": "100.00"},
    {"due_on": "2026-03-25", "amount": "100.00"}]}


def test_a_plan_honoured_pauses_the_ladder_and_a_missed_instalment_resumes_it(session, clock, estate, as_):
    bill, case = overdue_case(session, clock, as_, amount="300.00", until=date(2026, 1, 20))
    at(clock, date(2026, 1, 20), 10)
    plan = svc(session, clock, CS).agree_installment_plan(case.id, PLAN, idempotency_key="p1")
    session.commit()
    assert (plan["status"], plan["total"], plan["agreed_on"]) == ("active", "300.00", "2026-01-20")
    assert session.get(DunningCase, case.id).paused == "plan"

    pay(session, clock, "100.00", date(2026, 1, 24))                 # the 1st instalment, a day early
    # honoured through 25 February: no notice, no late fee (without the plan: 2nd notice on 24 Jan,
    # final on 31 Jan, the fee from 8 Feb), no late-fee bill at January's end
    _sweep_days(as_, clock, date(2026, 1, 21), date(2026, 2, 25))
    assert notices(session) == [("first", date(2026, 1, 16))]
    session.refresh(case)
    assert case.paused == "plan" and case.late_fee_accrued == 0
    assert session.scalar(select(Bill).where(Bill.kind == "late_fee")) is None
    met = [i.met_on for i in session.scalars(select(Installment).order_by(Installment.seq))]
    assert met == [date(2026, 1, 24), None, None]

    # the 2nd instalment (due 25 Feb) is not paid: broken on the 26th, the ladder moves that morning
    _sweep_days(as_, clock, date(2026, 2, 26), date(2026, 2, 28))
    shown = svc(session, clock, ZHANG).get_installment_plan(plan["id"])   # the household reads its plan
    assert (shown["status"], shown["ended_on"], shown["received"]) == ("broken", "2026-02-26", "100.00")
    assert shown["ended_reason"] == "instalment 2 of 100.00 due 2026-02-25 not paid"
    assert [i["met_on"] for i in shown["instalments"]] == ["2026-01-24", None, None]
    assert notices(session) == [("first", date(2026, 1, 16)), ("final", date(2026, 2, 26))]
    session.refresh(case)
    assert case.paused is None and case.stage == "late"
    # the final notice of 26 Feb gives its 7 days (pay by 5 March): no fee before 6 March, although the
    # ladder's own dates are long past; then 6..10 March x 200.00 x 0.05% = 0.50
    assert (case.late_fee_accrued, case.late_fee_from) == (0, date(2026, 3, 6))
    assert session.scalar(select(Bill).where(Bill.kind == "late_fee")) is None
    _sweep_days(as_, clock, date(2026, 3, 1), date(2026, 3, 10))
    session.refresh(case)
    assert case.late_fee_accrued == Decimal("0.5")
    kinds = log_kinds(session)
    for earlier, later in (("plan_agreed", "instalment_met"), ("instalment_met", "plan_broken"),
                           ("plan_broken", "resumed")):
        assert kinds.index(earlier) < kinds.index(later)
    resumed = session.scalar(select(DunningLogEntry).where(DunningLogEntry.kind == "resumed"))
    assert resumed.done_on == date(2026, 2, 26) and resumed.outcome.startswith("installment plan broken")


def test_a_plan_must_sum_to_what_is_overdue(session, clock, estate, as_):
    bill, case = overdue_case(session, clock, as_, amount="300.00", until=date(2026, 1, 20))
    at(clock, date(2026, 1, 20), 10)
    short = dict(PLAN, instalments=PLAN["instalments"][:2] + [{"due_on": "2026-03-25", "amount": "50.00"}])
    with pytest.raises(PlanTotalMismatch) as refused:
        svc(session, clock, CS).agree_installment_plan(case.id, short)
    assert refused.value.message == ("各期金额合计 250.00，案件当前的逾期欠费为 300.00 "
                                     "(the instalments sum to 250.00; what the case has overdue now is 300.00)")
    session.rollback()
    for schedule in ([{"due_on": "2026-01-19", "amount": "300.00"}],                          # before today
                     [{"due_on": "2026-02-25", "amount": "150.00"}, {"due_on": "2026-02-25", "amount": "150.00"}]):
        with pytest.raises(InvalidSchedule):
            svc(session, clock, CS).agree_installment_plan(case.id, dict(PLAN, instalments=schedule))
        session.rollback()
    # the last instalment within dunning.plan_longest_months (12) of today, 20 Jan 2026: by 20 Jan 2027
    with pytest.raises(PlanTooLong) as refused:
        svc(session, clock, CS).agree_installment_plan(case.id, dict(PLAN, instalments=[
            {"due_on": "2026-02-25", "amount": "150.00"}, {"due_on": "2027-01-21", "amount": "150.00"}]))
    assert refused.value.code == "plan_too_long" and "by 2027-01-20" in refused.value.message
    session.rollback()
    with pytest.raises(PlanTooLong):
        svc(session, clock, CS).agree_installment_plan(case.id, dict(PLAN, instalments=[
            {"due_on": "2999-12-25", "amount": "300.00"}]))
    session.rollback()
    for schedule in ([], [{"due_on": f"2026-{m:02d}-25", "amount": "12.00"} for m in range(1, 13)] * 3,
                     [{"due_on": "2026-02-25", "amount": "0.00"}], [{"due_on": "2026-02-30", "amount": "300.00"}]):
        with pytest.raises(ValidationError):
            svc(session, clock, CS).agree_installment_plan(case.id, dict(PLAN, instalments=schedule))
    with pytest.raises(ValidationError):                     # a reason is one line (it reaches CSV cells)
        svc(session, clock, CS).agree_installment_plan(case.id, dict(PLAN, reason="收入困难\n=HYPERLINK(1)"))
    for caller, error in ((STEWARD, "role_required"), (ZHANG, "dunning_case_not_found"),
                          (FAR_CS, "dunning_case_not_found"), (OTHER_GROUP, "dunning_case_not_found")):
        with pytest.raises(Exception) as refused:
            svc(session, clock, caller).agree_installment_plan(case.id, PLAN)
        assert refused.value.code == error
        session.rollback()
    assert session.query(InstallmentPlan).count() == 0


def test_a_paid_case_completes_its_plan_and_a_cancelled_plan_resumes_the_ladder(session, clock, estate, as_):
    bill, case = overdue_case(session, clock, as_, amount="300.00", until=date(2026, 1, 20))
    at(clock, date(2026, 1, 20), 10)
    plan = svc(session, clock, CENTRE).agree_installment_plan(case.id, PLAN)
    session.commit()
    with pytest.raises(InstallmentPlanExists):
        svc(session, clock, CS).agree_installment_plan(case.id, PLAN)
    session.rollback()
    with pytest.raises(InstallmentPlanNotFound):
        svc(session, clock, resident(G, ["u2"])).get_installment_plan(plan["id"])
    with pytest.raises(InstallmentPlanNotFound):
        svc(session, clock, ZHANG).cancel_installment_plan(plan["id"], {"reason": "不想分期"})
    session.rollback()
    cancelled = svc(session, clock, CS).cancel_installment_plan(plan["id"], {"reason": "户主要求一次结清"})
    session.commit()
    assert (cancelled["status"], cancelled["ended_reason"]) == ("cancelled", "户主要求一次结清")
    assert session.get(DunningCase, case.id).paused is None

    again = svc(session, clock, CS).agree_installment_plan(case.id, PLAN)
    session.commit()
    pay(session, clock, "300.00", date(2026, 1, 22))                   # all at once: the case closes
    done = svc(session, clock, CS).get_installment_plan(again["id"])
    assert (done["status"], done["ended_on"], done["ended_reason"]) == ("completed", "2026-01-22",
                                                                        "the case closed (settled)")
    assert [i["met_on"] for i in done["instalments"]] == ["2026-01-22"] * 3
    assert svc(session, clock, CS).list_installment_plans("p1", status="completed")[0]["id"] == again["id"]
    with pytest.raises(DunningCaseClosed):
        svc(session, clock, CS).agree_installment_plan(case.id, PLAN)


# -- legal proposals --------------------------------------------------------------------------------

def test_a_lawyer_letter_is_sent_only_after_both_approvals(session, clock, estate, as_):
    bill, case = overdue_case(session, clock, as_, until=date(2026, 3, 1))
    at(clock, date(2026, 3, 2), 9)
    proposal = svc(session, clock, STEWARD).propose_legal(case.id, {"kind": "lawyer_letter", "reason": "拒缴三月"},
                                                          idempotency_key="l1")
    session.commit()
    # the amount is what is overdue now: the bill and February's late fee (8..28 Feb: 21 x 0.05 = 1.05),
    # billed on 28 Feb and due 15 March -- not overdue yet
    assert (proposal["status"], proposal["amount"], proposal["proposed_by"]) == ("proposed", "100.00", "steward-1")
    retry = svc(session, clock, STEWARD).propose_legal(case.id, {"kind": "lawyer_letter", "reason": "拒缴三月"},
                                                       idempotency_key="l1")
    assert retry == proposal
    with pytest.raises(IdempotencyKeyReused):
        svc(session, clock, STEWARD).propose_legal(case.id, {"kind": "lawyer_letter", "reason": "别的理由"},
                                                   idempotency_key="l1")
    session.rollback()
    with pytest.raises(LegalProposalExists):
        svc(session, clock, CS).propose_legal(case.id, {"kind": "lawyer_letter", "reason": "再提一次"})
    session.rollback()
    send = {"document_ref": "律函〔2026〕第012号"}
    pid = proposal["id"]

    with pytest.raises(ApprovalsMissing) as refused:                      # no approval at all
        svc(session, clock, STEWARD).send_lawyer_letter(pid, send)
    assert "review" in str(refused.value) and "approval" in str(refused.value)
    session.rollback()
    with pytest.raises(Forbidden):                                        # the steward does not review
        svc(session, clock, STEWARD).review_legal_proposal(pid)
    session.rollback()
    with pytest.raises(Forbidden):                                        # no job or sweep takes a step
        svc(session, clock, PLATFORM).review_legal_proposal(pid)
    session.rollback()
    at(clock, date(2026, 3, 2), 14)
    reviewed = svc(session, clock, BOSS).review_legal_proposal(pid, {"note": "同意发函"})
    session.commit()
    assert (reviewed["status"], reviewed["reviewed_by"]) == ("reviewed", "boss-1")

    with pytest.raises(ApprovalsMissing) as refused:                      # only the review
        svc(session, clock, STEWARD).send_lawyer_letter(pid, send)
    assert "review" not in str(refused.value) and "general manager's approval" in str(refused.value)
    session.rollback()
    with pytest.raises(FourEyes):                                          # the reviewer does not approve
        svc(session, clock, BOSS).approve_legal_proposal(pid)
    session.rollback()
    with pytest.raises(Forbidden):                                         # the CS department does not approve
        svc(session, clock, CS).approve_legal_proposal(pid)
    session.rollback()
    at(clock, date(2026, 3, 3), 11)
    approved = svc(session, clock, GM).approve_legal_proposal(pid)
    session.commit()
    assert (approved["status"], approved["approved_by"]) == ("approved", "gm-1")

    with pytest.raises(LegalKindMismatch):
        svc(session, clock, STEWARD).file_litigation(pid, send)
    session.rollback()
    with pytest.raises(ValidationError):
        svc(session, clock, STEWARD).send_lawyer_letter(pid, {"document_ref": " "})
    at(clock, date(2026, 3, 4), 10)
    sent = svc(session, clock, STEWARD).send_lawyer_letter(pid, send)
    session.commit()
    assert (sent["status"], sent["done_by"], sent["document_ref"]) == ("sent", "steward-1", "律函〔2026〕第012号")
    assert [(s["kind"], s["by"], s["at"]) for s in sent["steps"]] == [
        ("legal_proposed", "steward-1", "2026-03-02T01:00:00+00:00"),
        ("legal_reviewed", "boss-1", "2026-03-02T06:00:00+00:00"),
        ("legal_approved", "gm-1", "2026-03-03T03:00:00+00:00"),
        ("legal_sent", "steward-1", "2026-03-04T02:00:00+00:00")]
    with pytest.raises(LegalTransitionNotAllowed):
        svc(session, clock, STEWARD).send_lawyer_letter(pid, send)
    session.rollback()
    listed = svc(session, clock, GM).list_legal_proposals("p1", status="sent", kind="lawyer_letter")
    assert [p["id"] for p in listed] == [pid]


def test_one_person_never_takes_two_of_propose_review_approve(session, clock, estate, as_):
    bill, case = overdue_case(session, clock, as_, until=date(2026, 2, 10))
    proposal = svc(session, clock, BOSS).propose_legal(case.id, {"kind": "lawyer_letter", "reason": "拒缴"})
    session.commit()
    for step in ("review_legal_proposal", "reject_legal_proposal"):
        with pytest.raises(FourEyes):
            getattr(svc(session, clock, BOSS), step)(proposal["id"], {"note": "自己审"})
        session.rollback()
    svc(session, clock, CS).review_legal_proposal(proposal["id"])
    session.commit()
    with pytest.raises(FourEyes):                                          # the proposer does not approve
        svc(session, clock, BOSS).approve_legal_proposal(proposal["id"])
    session.rollback()
    with pytest.raises(Exception) as refused:                              # a rejection says why
        svc(session, clock, GM).reject_legal_proposal(proposal["id"])
    assert refused.value.code == "note_required"
    session.rollback()
    rejected = svc(session, clock, GM).reject_legal_proposal(proposal["id"], {"note": "金额太小, 继续催缴"})
    session.commit()
    assert (rejected["status"], rejected["rejected_by"], rejected["decided_note"]) == (
        "rejected", "gm-1", "金额太小, 继续催缴")


def test_litigation_follows_a_sent_lawyer_letter(session, clock, estate, as_):
    bill, case = overdue_case(session, clock, as_, until=date(2026, 2, 10))
    suit = {"kind": "litigation", "reason": "律师函无效"}
    with pytest.raises(LawyerLetterNotSent):
        svc(session, clock, STEWARD).propose_legal(case.id, suit)
    session.rollback()
    letter = svc(session, clock, STEWARD).propose_legal(case.id, {"kind": "lawyer_letter", "reason": "拒缴"})
    svc(session, clock, CS).review_legal_proposal(letter["id"])
    svc(session, clock, GM).approve_legal_proposal(letter["id"])
    session.commit()
    with pytest.raises(LawyerLetterNotSent):                               # approved is not sent
        svc(session, clock, STEWARD).propose_legal(case.id, suit)
    session.rollback()
    svc(session, clock, CENTRE).send_lawyer_letter(letter["id"], {"document_ref": "律函-001"})
    proposed = svc(session, clock, STEWARD).propose_legal(case.id, suit)
    session.commit()
    with pytest.raises(ApprovalsMissing):
        svc(session, clock, STEWARD).file_litigation(proposed["id"], {"document_ref": "(2026)沪0115民初1号"})
    session.rollback()
    svc(session, clock, CS).review_legal_proposal(proposed["id"])
    svc(session, clock, GM).approve_legal_proposal(proposed["id"])
    filed = svc(session, clock, CS2).file_litigation(proposed["id"], {"document_ref": "(2026)沪0115民初1号"})
    session.commit()
    assert (filed["status"], filed["done_by"], filed["amount"]) == ("filed", "cs-2", "100.00")


def test_a_closed_case_withdraws_its_pending_proposals(session, clock, estate, as_):
    bill, case = overdue_case(session, clock, as_, until=date(2026, 2, 10))
    letter = svc(session, clock, STEWARD).propose_legal(case.id, {"kind": "lawyer_letter", "reason": "拒缴"})
    svc(session, clock, CS).review_legal_proposal(letter["id"])
    session.commit()
    # the household pays all it owes (the bill and the late fee accrued 8..10 Feb, 0.15, billed at close)
    pay(session, clock, "100.00", date(2026, 2, 10))
    assert session.get(DunningCase, case.id).status == "closed"
    shown = svc(session, clock, CS).get_legal_proposal(letter["id"])
    assert (shown["status"], shown["decided_note"]) == ("withdrawn", "the case closed (settled)")
    assert [s["kind"] for s in shown["steps"]] == ["legal_proposed", "legal_reviewed", "legal_withdrawn"]
    with pytest.raises(LegalTransitionNotAllowed):
        svc(session, clock, GM).approve_legal_proposal(letter["id"])
    session.rollback()
    with pytest.raises(DunningCaseClosed):
        svc(session, clock, STEWARD).propose_legal(case.id, {"kind": "lawyer_letter", "reason": "拒缴"})


def test_only_the_proposer_withdraws_before_approval(session, clock, estate, as_):
    bill, case = overdue_case(session, clock, as_, until=date(2026, 2, 10))
    letter = svc(session, clock, STEWARD).propose_legal(case.id, {"kind": "lawyer_letter", "reason": "拒缴"})
    session.commit()
    with pytest.raises(ProposerOnly):
        svc(session, clock, CS).withdraw_legal_proposal(letter["id"])
    session.rollback()
    withdrawn = svc(session, clock, STEWARD).withdraw_legal_proposal(letter["id"], {"note": "户主已承诺缴费"})
    session.commit()
    assert withdrawn["status"] == "withdrawn"
    other = svc(session, clock, STEWARD).propose_legal(case.id, {"kind": "lawyer_letter", "reason": "仍未缴"})
    svc(session, clock, CS).review_legal_proposal(other["id"])
    svc(session, clock, GM).approve_legal_proposal(other["id"])
    session.commit()
    with pytest.raises(LegalTransitionNotAllowed):                        # approved: too late to withdraw
        svc(session, clock, STEWARD).withdraw_legal_proposal(other["id"])


def test_legal_scope(session, clock, estate, as_):
    bill, case = overdue_case(session, clock, as_, until=date(2026, 2, 10))
    body = {"kind": "lawyer_letter", "reason": "拒缴"}
    for caller, code in ((ZHANG, "dunning_case_not_found"), (OTHER_GROUP, "dunning_case_not_found"),
                         (FAR_CS, "dunning_case_not_found"), (DESK, "role_required"), (FINANCE, "role_required"),
                         (PLATFORM, "staff_only")):
        with pytest.raises(Exception) as refused:
            svc(session, clock, caller).propose_legal(case.id, body)
        assert refused.value.code == code, caller
        session.rollback()
    letter = svc(session, clock, STEWARD).propose_legal(case.id, body)
    session.commit()
    for caller, code in ((ZHANG, "legal_proposal_not_found"), (OTHER_GROUP, "legal_proposal_not_found"),
                         (FAR_CS, "legal_proposal_not_found")):
        with pytest.raises(Exception) as refused:
            svc(session, clock, caller).review_legal_proposal(letter["id"])
        assert refused.value.code == code
        session.rollback()
        with pytest.raises(Exception) as refused:
            svc(session, clock, caller).get_legal_proposal(letter["id"])
        assert refused.value.code == code
    with pytest.raises(Forbidden):
        svc(session, clock, FAR_CS).list_legal_proposals("p1")
    assert svc(session, clock, FAR_CS).list_legal_proposals("p2") == []
    assert session.query(LegalProposal).count() == 1
    assert session.query(BillDispute).count() == 0


# -- trial findings: a household cannot hold the ladder with disputes, nor a letter go out over one ----

def test_a_dispute_of_a_bill_not_yet_due_does_not_hold_the_overdue_case_until_it_falls_due(
        session, clock, estate, as_):
    bill, case = overdue_case(session, clock, as_, until=date(2026, 2, 5))
    at(clock, date(2026, 2, 5), 10)
    february = monthly_bill(as_(PLATFORM), _u1(session), "100.00", "2026-02")    # due 15 February
    session.commit()
    svc(session, clock, ZHANG).open_dispute(february.id, {"reason": "二月账单有误"}, idempotency_key="d-feb")
    session.commit()
    session.refresh(case)
    assert case.paused is None                      # January's arrears go on
    _sweep_days(as_, clock, date(2026, 2, 6), date(2026, 2, 16))
    session.refresh(case)
    assert case.paused == "dispute"                 # the disputed bill is overdue from the 16th: it holds


def test_a_rejected_dispute_is_not_raised_again_by_the_household(session, clock, estate, as_):
    bill, case = overdue_case(session, clock, as_, until=date(2026, 1, 20))
    at(clock, date(2026, 1, 20), 10)
    opened = svc(session, clock, ZHANG).open_dispute(bill.id, {"reason": "面积算错了"})
    svc(session, clock, CS).resolve_dispute(opened["id"], {"outcome": "reject", "resolution": "面积核实无误"})
    session.commit()
    with pytest.raises(DisputeExists):
        svc(session, clock, ZHANG).open_dispute(bill.id, {"reason": "再次异议"})
    session.rollback()
    # the service centre may record a new one when there is something new
    assert svc(session, clock, CS).open_dispute(bill.id, {"reason": "业主提供新的测绘报告"})["status"] == "open"


def test_no_legal_step_while_a_dispute_holds_the_case(session, clock, estate, as_):
    from services.billing.exceptions import CaseUnderDispute
    bill, case = overdue_case(session, clock, as_, until=date(2026, 3, 1))
    at(clock, date(2026, 3, 2), 9)
    proposal = svc(session, clock, STEWARD).propose_legal(case.id, {"kind": "lawyer_letter", "reason": "拒缴"})
    svc(session, clock, CS).review_legal_proposal(proposal["id"], {})
    svc(session, clock, GM).approve_legal_proposal(proposal["id"], {})
    session.commit()
    svc(session, clock, ZHANG).open_dispute(bill.id, {"reason": "面积算错了"})
    session.commit()
    with pytest.raises(CaseUnderDispute):
        svc(session, clock, STEWARD).send_lawyer_letter(proposal["id"], {"document_ref": "律函001"})
    session.rollback()
    with pytest.raises(CaseUnderDispute):
        svc(session, clock, CS).propose_legal(case.id, {"kind": "litigation", "reason": "拒缴"})
    session.rollback()
