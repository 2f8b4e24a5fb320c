"""Bank collection (银行托收) and payment reminders, without a broker: mandates, the rounds' batches,
the file for the bank, the bank's result file, and ``bill.reminder_due`` once per bill and kind."""
from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from kernel import csvfile
from kernel.clock import ManualClock
from kernel.errors import Forbidden, InvalidInput
from kernel.tenancy import Caller
from kernel.testing import domain_session, outbox_events, resident, staff
from services.billing import schemas
from services.billing.domain import accounts, bank, journal, reminders
from services.billing.exceptions import (BankFileRefused, ImportInProgress, MandateCancelled, MandateExists,
                                         NoHousehold, PeriodNotOpen)
from services.billing.models import (BankBatch, BankBatchItem, Base, BillReminder, LedgerEntry, OutboxMessage, Payment,
                                     Project, Receipt)

from .support import G, add_project, add_unit, issue, job_executor, move_in, work

PLATFORM = Caller.system(G, "billing")
FINANCE = staff(G, ["p1"], roles=["finance"], user_id="fin-1")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk-1")
CARD = "6222021234567890123"


@pytest.fixture
def session():
    with domain_session(Base) as s:
        yield s


@pytest.fixture
def clock():
    return ManualClock("2026-12-01T09:00:00+08:00")


def december(w, account):
    """The account's bill of December: 100.00, due on the 15th."""
    return issue(w, account, "100.00", kind="monthly", period="2026-12", source_id="2026-12",
                 issued_on=date(2026, 12, 1), due_on=date(2026, 12, 15))


@pytest.fixture
def estate(session, clock):
    """绿湖花园 with four occupied units, each with December's bill of 100.00 due on the 15th."""
    w = work(session, clock, PLATFORM)
    add_project(w)
    accounts = {}
    for uid in ("u1", "u2", "u3", "u4"):
        accounts[uid] = add_unit(w, uid, label=f"1栋-0{uid[1]}01")
        move_in(w, uid)
        december(w, accounts[uid])
    add_unit(w, "u9", label="1栋-0901")                       # vacant
    session.query(OutboxMessage).delete()
    session.commit()
    return accounts


def mandate(session, clock, unit_id="u1", caller=DESK, **over):
    data = schemas.DebitMandateIn().load(dict({"unit_id": unit_id, "bank_name": "中国工商银行",
                                               "holder_name": "张伟", "bank_account": CARD}, **over))
    return bank.register_mandate(work(session, clock, caller), data)


def events_of(session, event_type):
    return [e["data"] for e in outbox_events(session, Base) if e["type"] == event_type]


# -- mandates ---------------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["6222 0212 345", "6222021234a5678", "6222-0212-3456-7890", "62220212345678901\n",
                                    "６２２２０２１２３４５６７８９０", "1" * 31, ""])
def test_an_account_number_is_12_to_30_digits(number):
    with pytest.raises(ValidationError):
        schemas.DebitMandateIn().load({"unit_id": "u1", "bank_name": "工行", "holder_name": "张伟",
                                       "bank_account": number})


def test_a_mandate_is_registered_masked_and_one_is_active_per_account(session, clock, estate):
    view = mandate(session, clock, bank_account="6222 0212 3456 7890 123")
    assert view["bank_account"] == "6222 **** **** 0123" and view["active"] and view["collects"]
    assert view["household_id"] == "h-u1" and view["signed_on"] == date(2026, 12, 1)
    with pytest.raises(MandateExists):
        mandate(session, clock)
    listed = bank.list_mandates(work(session, clock, resident(G, ["u1"])), "u1")
    assert [m["bank_account"] for m in listed] == ["6222 **** **** 0123"]
    with pytest.raises(NoHousehold):
        mandate(session, clock, "u9")
    for caller in (resident(G, ["u2"]), staff(G, ["p1"], roles=["engineering"])):
        with pytest.raises(Forbidden):
            mandate(session, clock, "u2", caller=caller)
    with pytest.raises(InvalidInput):
        mandate(session, clock, "u2", signed_on="2026-12-02")


def test_the_whole_number_is_finance_s_logged_read(session, clock, estate, caplog):
    view = mandate(session, clock)
    with pytest.raises(Forbidden):
        bank.read_mandate_account(work(session, clock, DESK), "u1", view["id"], "核对账号")
    caplog.set_level(logging.INFO, logger="wuye.audit")
    whole = bank.read_mandate_account(work(session, clock, FINANCE), "u1", view["id"], "核对 银行退回")
    assert whole["bank_account"] == CARD
    [line] = [r.getMessage() for r in caplog.records if r.name == "wuye.audit"]
    assert "user=fin-1" in line and view["id"] in line and "purpose=核对 银行退回" in line and CARD not in line


def test_a_cancelled_mandate_stops_collecting_and_a_new_household_replaces_the_old_one(session, clock, estate):
    first = mandate(session, clock)
    cancel = schemas.MandateCancelIn().load({"unit_id": "u1", "mandate_id": first["id"], "reason": "业户改为现金缴费",
                                             "cancelled_on": "2026-11-30"})
    with pytest.raises(InvalidInput):                     # before it was signed
        bank.cancel_mandate(work(session, clock, FINANCE), cancel)
    cancel["cancelled_on"] = date(2026, 12, 1)
    done = bank.cancel_mandate(work(session, clock, FINANCE), cancel)
    assert (done["active"], done["cancelled_by"], done["cancel_reason"]) == (False, "fin-1", "业户改为现金缴费")
    with pytest.raises(MandateCancelled):
        bank.cancel_mandate(work(session, clock, FINANCE), cancel)
    # u2's household signs, moves out: its account (with December's bill) stays its own, the mandate
    # with it -- it collects the old household's bill, never the next household's (一户一账)
    old = mandate(session, clock, "u2")
    w = work(session, clock, PLATFORM)
    move_in(w, "u2", household_id="h-u2b", owner="李娜", moved_in_on="2026-12-01")
    closed, account = estate["u2"], accounts.find_account(session, "u2")
    assert closed.closed_on is not None and account.id != closed.id
    assert bank.active_mandates(session, [account.id]) == {}           # the new household's: none yet
    assert bank.active_mandates(session, [closed.id])[closed.id].id == old["id"]
    new = mandate(session, clock, "u2", holder_name="李娜")
    views = {m["id"]: m for m in bank.list_mandates(work(session, clock, FINANCE), "u2")}
    assert set(views) == {new["id"]}                                   # the unit's account: the new one's
    assert bank.active_mandates(session, [account.id])[account.id].id == new["id"]


# -- collection rounds ------------------------------------------------------------------------

def make(session, clock, round_=1, period="2026-12", caller=FINANCE):
    return bank.create_round(work(session, clock, caller), "p1", {"period": period, "round": round_})


def test_a_round_collects_what_is_open_from_mandate_households_once(session, clock, estate):
    for uid in ("u1", "u2", "u3"):
        mandate(session, clock, uid)
    w = work(session, clock, PLATFORM)
    journal.receive(w, estate["u2"], amount=Decimal("100.00"), book="cash", occurred_on=date(2026, 12, 1),
                    description="现金", ref_type="test", ref_id="paid-u2")                 # nothing left
    issue(w, estate["u3"], "35.50", kind="monthly", period="2026-11", source_id="2026-11",
          issued_on=date(2026, 11, 1), due_on=date(2026, 11, 15))
    issue(w, estate["u1"], "20.00", issued_on=date(2026, 12, 1), due_on=date(2027, 1, 15),
             source_id="next-month")                               # due next month: waits
    batch = make(session, clock)
    assert (batch["number"], batch["round"], batch["collect_on"], batch["created"]) == (
        "TS00000001", 1, date(2026, 12, 10), True)
    assert (batch["item_count"], batch["total"], batch["status"], batch["sent"]) == (2, Decimal("235.50"), "open", 2)
    items = bank.get_batch(work(session, clock, FINANCE), batch["id"])["items"]
    assert [(i["line_no"], i["unit_label"], i["amount"], i["bank_account"]) for i in items] == [
        (1, "1栋-0101", Decimal("100.00"), "6222 **** **** 0123"),
        (2, "1栋-0301", Decimal("135.50"), "6222 **** **** 0123")]
    again = make(session, clock)
    assert (again["id"], again["created"]) == (batch["id"], False)
    assert session.scalar(select(func.count()).select_from(BankBatch)) == 1
    assert [b["number"] for b in bank.list_batches(work(session, clock, FINANCE), "p1")] == ["TS00000001"]
    with pytest.raises(PeriodNotOpen):
        make(session, clock, period="2027-01")
    with pytest.raises(PeriodNotOpen):                   # over: a round is made in its month or the next
        make(session, clock, period="1900-01")
    with pytest.raises(Forbidden):
        make(session, clock, caller=DESK)


def test_the_cycle_makes_both_rounds_on_their_days(session, clock, estate):
    mandate(session, clock)
    session.commit()
    clock.set("2026-12-09T23:00:00+08:00")
    executor = job_executor(sessionmaker(session.get_bind(), expire_on_commit=False), clock)
    executor.ensure_periodic()
    executor.run_once()                          # the cycle's sweep schedules the month's steps
    assert session.scalar(select(func.count()).select_from(BankBatch)) == 0
    clock.set("2026-12-10T00:01:00+08:00")
    executor.run_once()
    clock.set("2026-12-21T00:01:00+08:00")
    executor.run_once()
    session.expire_all()
    rounds = {b.round: b for b in session.scalars(select(BankBatch))}
    assert {r: (b.collect_on, b.item_count) for r, b in rounds.items()} == {
        1: (date(2026, 12, 10), 1), 2: (date(2026, 12, 21), 0)}   # round 1's item is not answered yet


# -- the files ------------------------------------------------------------------------------------

def collected(session, clock, *uids):
    for uid in uids:
        mandate(session, clock, uid)
    batch = make(session, clock)
    return batch, bank.get_batch(work(session, clock, FINANCE), batch["id"])["items"]


def test_the_collection_file_is_csv_for_the_bank_and_its_read_is_logged(session, clock, estate, caplog):
    mandate(session, clock, "u2", holder_name="=李娜", bank_name="招商银行, 深圳分行")
    batch, [item] = collected(session, clock)
    caplog.set_level(logging.INFO, logger="wuye.audit")
    with pytest.raises(Forbidden):
        bank.batch_file(work(session, clock, staff(G, ["p1"], roles=["centre_manager"])), batch["id"])
    out = bank.batch_file(work(session, clock, FINANCE), batch["id"])
    assert out["filename"] == "bank-collection-TS00000001.csv"
    assert out["content"] == (
        "batch_number,line_no,item_id,unit_label,holder_name,bank_name,account_number,amount\r\n"
        f"TS00000001,1,{item['id']},1栋-0201,'=李娜,\"招商银行, 深圳分行\",{CARD},100.00\r\n"
        "TOTAL,1,100.00\r\n")
    assert csvfile.encode(out["content"]).startswith(b"\xef\xbb\xbf")
    assert any("bank collection file read: user=fin-1" in r.getMessage() and "rows=1" in r.getMessage()
               for r in caplog.records if r.name == "wuye.audit")


def result_file(*rows, total=None, header="item_id,status,amount,bank_reference,reason"):
    lines = [header, *(",".join(r) for r in rows)]
    if total:
        lines.append(total)
    return "\ufeff" + "\r\n".join(lines) + "\r\n"


def upload(session, clock, batch, content, caller=FINANCE):
    return bank.import_results(work(session, clock, caller), batch["id"], content)


def test_the_result_file_records_each_paid_item_once(session, clock, estate):
    batch, items = collected(session, clock, "u1", "u2", "u3")
    one, two, three = items
    clock.set("2026-12-11T10:00:00+08:00")
    session.query(OutboxMessage).delete()
    content = result_file((one["id"], "paid", "100.00", "B20261210-01", ""),
                          (two["id"], "failed", "0.00", "", "余额不足"),
                          (three["id"], "paid", "100.00", "B20261210-03", ""), total="TOTAL,3,200.00")
    answer = upload(session, clock, batch, content)
    assert (answer["rows"], answer["paid"], answer["failed"], answer["unchanged"], answer["repeated"],
            answer["status"]) == (3, 2, 1, 0, False, "done")
    payments = session.scalars(select(Payment).order_by(Payment.reference)).all()
    assert [(p.method, p.amount, p.reference, p.status) for p in payments] == [
        ("bank_debit", Decimal("100.00"), "TS00000001-00001", "received"),
        ("bank_debit", Decimal("100.00"), "TS00000001-00003", "received")]
    assert session.scalar(select(func.count()).select_from(Receipt)) == 2
    # dated the day the answer came (11 December), not the collection day: no day already closed changes
    assert {e.occurred_on.isoformat() for e in session.scalars(select(LedgerEntry).where(
        LedgerEntry.kind == "payment"))} == {"2026-12-11"}
    assert [e["method"] for e in events_of(session, "receipt.issued")] == ["bank_debit", "bank_debit"]
    assert journal.balances(session, estate["u1"].id)["balance_due"] == Decimal("0.00")
    assert journal.balances(session, estate["u2"].id)["balance_due"] == Decimal("100.00")
    view = bank.get_batch(work(session, clock, FINANCE), batch["id"])
    assert [(i["status"], i["reason"], i["bank_reference"]) for i in view["items"]] == [
        ("paid", None, "B20261210-01"), ("failed", "余额不足", None), ("paid", None, "B20261210-03")]
    assert (view["status"], view["paid"], view["failed"], view["paid_total"]) == ("settled", 2, 1, Decimal("200.00"))

    # the same file again -- even saved with LF line ends -- records nothing and answers the first import
    for same in (content, content.replace("\r\n", "\n").lstrip("\ufeff")):
        again = upload(session, clock, batch, same)
        assert (again["id"], again["paid"], again["repeated"]) == (answer["id"], 2, True)
    # another file repeating a paid item records nothing for it; a failed one collected after all is paid
    later = upload(session, clock, batch, result_file((one["id"], "paid", "100.00", "B20261210-01", ""),
                                                      (two["id"], "paid", "100.00", "B20261212-02", "")))
    assert (later["paid"], later["failed"], later["unchanged"], later["repeated"]) == (1, 0, 1, False)
    assert session.scalar(select(func.count()).select_from(Payment)) == 3
    assert session.scalar(select(func.count()).select_from(Receipt)) == 3


def test_a_long_file_is_recorded_by_jobs_after_its_first_rows(session, clock, estate, monkeypatch):
    monkeypatch.setattr(bank, "APPLY_NOW", 1)
    monkeypatch.setattr(bank, "APPLY_PER_JOB", 1)
    batch, items = collected(session, clock, "u1", "u2", "u3")
    content = result_file(*((i["id"], "paid", "100.00", f"B{n}", "") for n, i in enumerate(items)))
    first = upload(session, clock, batch, content)
    assert (first["status"], first["rows"], first["applied"], first["paid"], first["batch_status"]) == (
        "applying", 3, 1, 1, "open")
    with pytest.raises(ImportInProgress):                  # another file waits for this one
        upload(session, clock, batch, result_file((items[1]["id"], "failed", "", "", "余额不足")))
    assert upload(session, clock, batch, content)["repeated"] is True
    session.commit()
    executor = job_executor(sessionmaker(session.get_bind(), expire_on_commit=False), clock)
    while executor.run_once():                             # one job per row here, each naming the next
        pass
    session.expire_all()
    [done] = bank.get_batch(work(session, clock, FINANCE), batch["id"])["imports"]
    assert (done["id"], done["status"], done["applied"], done["paid"], done["batch_status"]) == (
        first["id"], "done", 3, 3, "settled")
    assert session.scalar(select(func.count()).select_from(Payment)) == 3


def test_a_bad_file_is_refused_whole_with_its_errors_per_line(session, clock, estate):
    batch, (one, two) = collected(session, clock, "u1", "u2")
    content = result_file((one["id"], "paid", "100.00", "B1", ""),
                          (one["id"], "paid", "100.00", "B1", ""),             # twice
                          (two["id"], "paid", "99.00", "B2", ""),             # not the item's amount
                          ("no-such-item", "paid", "100.00", "B3", ""),
                          (two["id"], "refunded", "", "", ""))
    with pytest.raises(BankFileRefused) as refused:
        upload(session, clock, batch, content)
    assert [(e["line"], e["error"]) for e in refused.value.details["errors"]] == [
        (3, "duplicate_item"), (4, "amount_mismatch"), (5, "unknown_item"), (6, "duplicate_item")]
    for bad, error in [(result_file((one["id"], "paid", "100.00", "", ""), total="TOTAL,1,99.00"), "total_mismatch"),
                       (result_file((one["id"], "failed", "100.00", "", "")), "amount_mismatch"),
                       (result_file((one["id"], "paid", "1e2", "", "")), "bad_amount"),
                       (result_file((one["id"], "paid", "100.00"), header="item_id,state,amount"), "missing_columns"),
                       ('"unterminated\r\n', "not_csv"), ("\ufeff\r\n", "empty_file")]:
        with pytest.raises(BankFileRefused) as refused:
            upload(session, clock, batch, bad)
        assert refused.value.details["errors"][0]["error"] == error
    # nothing was recorded
    assert session.scalar(select(func.count()).select_from(Payment)) == 0
    assert {i.status for i in session.scalars(select(BankBatchItem))} == {"sent"}
    # batch number and line number identify an item too
    ok = upload(session, clock, batch, result_file(("TS00000001", "2", "failed", "", "账户冻结"),
                                                   header="batch_number,line_no,status,amount,reason"))
    assert (ok["failed"], ok["batch_status"]) == (1, "open")
    with pytest.raises(BankFileRefused):
        upload(session, clock, batch, result_file(("TS00000009", "1", "paid", "100.00"),
                                                  header="batch_number,line_no,status,amount"))


def test_round_two_collects_what_round_one_did_not(session, clock, estate):
    batch, (one, two) = collected(session, clock, "u1", "u2")
    upload(session, clock, batch, result_file((one["id"], "paid", "100.00", "B1", ""),
                                              (two["id"], "failed", "", "", "余额不足")))
    clock.set("2026-12-21T08:00:00+08:00")
    second = make(session, clock, round_=2)
    items = bank.get_batch(work(session, clock, FINANCE), second["id"])["items"]
    assert (second["number"], second["collect_on"]) == ("TS00000002", date(2026, 12, 21))
    assert [(i["unit_label"], i["amount"]) for i in items] == [("1栋-0201", Decimal("100.00"))]


# -- reminders --------------------------------------------------------------------------------------

def remind(session, clock, when):
    clock.set(when)
    project = session.get(Project, "p1")
    count = reminders.remind(work(session, clock, PLATFORM), project)
    session.commit()
    return count


def test_reminders_come_once_per_bill_and_kind_on_their_days(session, clock, estate):
    mandate(session, clock, "u1")                          # pays by bank debit: the 10th's round
    w = work(session, clock, PLATFORM)
    journal.receive(w, estate["u2"], amount=Decimal("100.00"), book="cash", occurred_on=date(2026, 12, 1),
                    description="现金", ref_type="test", ref_id="paid-u2")          # settled: nothing
    session.query(OutboxMessage).delete()
    session.commit()
    assert remind(session, clock, "2026-12-04T09:00:00+08:00") == 0      # 11 days before the 15th
    assert remind(session, clock, "2026-12-05T09:00:00+08:00") == 2      # u3, u4: cash payers
    assert remind(session, clock, "2026-12-06T09:00:00+08:00") == 0
    assert remind(session, clock, "2026-12-07T09:00:00+08:00") == 1      # u1: 3 days before the 10th
    assert remind(session, clock, "2026-12-08T09:00:00+08:00") == 0
    sent = events_of(session, "bill.reminder_due")
    assert [(e["unit_label"], e["kind"], e["days_before"], e["pays_by"], e["collect_on"], e["due_on"],
             e["outstanding"]) for e in sent] == [
        ("1栋-0301", "before_due", 10, "cash", None, "2026-12-15", "100.00"),
        ("1栋-0401", "before_due", 10, "cash", None, "2026-12-15", "100.00"),
        ("1栋-0101", "before_debit", 3, "bank_debit", "2026-12-10", "2026-12-15", "100.00")]
    assert {e["household_id"] for e in sent} == {"h-u1", "h-u3", "h-u4"}


def test_a_bill_settled_before_its_day_and_a_late_day_job_do_the_right_thing(session, clock, estate):
    w = work(session, clock, PLATFORM)
    journal.receive(w, estate["u3"], amount=Decimal("100.00"), book="cash", occurred_on=date(2026, 12, 4),
                    description="现金", ref_type="test", ref_id="paid-u3")
    session.query(OutboxMessage).delete()
    session.commit()
    # billing was down from the 4th to the 9th: the day job of the 9th still reminds (due the 15th)
    assert remind(session, clock, "2026-12-09T11:00:00+08:00") == 3
    assert {e["days_before"] for e in events_of(session, "bill.reminder_due")} == {6}
    # after the due date nothing more: dunning's business
    issue(work(session, clock, PLATFORM), estate["u1"], "10.00", source_id="late", issued_on=date(2026, 12, 1),
          due_on=date(2026, 12, 8))
    assert remind(session, clock, "2026-12-10T09:00:00+08:00") == 0


def test_two_job_executors_sweeping_the_same_day_record_one_reminder_per_bill(session, clock, estate):
    clock.set("2026-12-05T08:30:00+08:00")
    Session = sessionmaker(session.get_bind(), expire_on_commit=False)
    first, second = job_executor(Session, clock), job_executor(Session, clock)
    for executor in (first, second):
        executor.ensure_periodic()
        executor.run_once()                        # the sweeps schedule the day jobs (09:00)
    clock.set("2026-12-05T09:00:01+08:00")
    for executor in (first, second, first):
        executor.run_once()
    session.expire_all()
    assert len(events_of(session, "bill.reminder_due")) == 4
    assert session.scalar(select(func.count()).select_from(BillReminder)) == 4
    # and the day job asked again directly (a redelivery, another replica) adds nothing
    assert remind(session, clock, "2026-12-05T10:00:00+08:00") == 0
