"""A key deposit (钥匙押金, purpose ``key``) is a borrower's money -- a contractor's, a stranger to the
household -- held on the key's unit for want of an account of its own (trial: 王五's deposit read by the
unit's resident). A resident of the unit never reads it: its deposit, payment and receipt by id answer as an
unknown id; the receipts list, the statement and the balance leave it out; the household's balance due and
credit never move for it. Staff read everything as before. And the refusals say what they refuse: a pledged
deposit's receipt is not *voided*; a forfeited deposit's refund says it was forfeited (已扣除)."""
from datetime import timedelta

import pytest

from services.billing import schemas
from services.billing.domain import deposits
from services.billing.exceptions import (AmountOverAvailable, DepositNotFound, DepositNotHeld, DepositPledged, PaymentNotFound,
                                         ReceiptNotFound)
from services.billing.models import Deposit

from .support import DESK, FINANCE, G, PLATFORM, ZHANG, service_as


def hold(session, clock, purpose, amount, payer="王五"):
    return service_as(session, clock, DESK).hold_deposit("u1", {"purpose": purpose, "method": "cash",
                                                                "amount": amount, "payer_name": payer})


def forfeit_kept(as_, deposit_id, loan_id="loan-1"):
    return deposits.on_key_forfeit_requested(as_(PLATFORM), schemas.KeyDepositForfeitRequestedIn().load({
        "loan_id": loan_id, "key_id": "k-1", "deposit_id": deposit_id, "group_id": G, "project_id": "p1",
        "unit_id": "u1", "unit_label": "1栋-0101", "key_label": "入户门钥匙", "amount": "200.00",
        "receipt_number": "SJ-1", "minutes_late": 75, "decided_by": "cs-1", "decided_by_name": "孙经理",
        "note": "第二次逾期，经理备注", "requested_at": "2026-11-24T09:00:00+00:00"}))


def period(clock):
    today = clock.now().date()
    return str(today - timedelta(days=30)), str(today + timedelta(days=30))


def test_a_resident_never_reads_a_key_deposit_held_on_his_unit(session, clock, estate, as_):
    desk, zhang = service_as(session, clock, DESK), service_as(session, clock, ZHANG)
    before = zhang.get_balance("u1")
    own = hold(session, clock, "renovation", "2000.00", payer="张伟")          # the household's own deposit
    key = hold(session, clock, "key", "200.00")                               # 王五's, a contractor's
    key_id = key["deposit"]["id"]
    desk.pledge_key_deposit(key_id, "loan-1", "u1", "200.00")
    forfeit_kept(as_, key_id)
    session.commit()

    for read, ident, error in ((zhang.get_deposit, key_id, DepositNotFound),
                               (zhang.get_payment, key["id"], PaymentNotFound),
                               (zhang.get_receipt, key["receipt"]["id"], ReceiptNotFound)):
        with pytest.raises(error) as hidden:
            read(ident)
        with pytest.raises(error) as unknown:                                  # exactly as an unknown id
            read("no-such-id")
        assert (hidden.value.code, hidden.value.kind) == (unknown.value.code, unknown.value.kind)
    # the household's own deposit, payment and receipt: read as before
    assert zhang.get_deposit(own["deposit"]["id"])["purpose"] == "renovation"
    assert zhang.get_payment(own["id"])["payer_name"] == "张伟"
    assert zhang.get_receipt(own["receipt"]["id"])["payer_name"] == "张伟"

    receipts = zhang.list_receipts("u1")
    assert [r["id"] for r in receipts["items"]] == [own["receipt"]["id"]] and receipts["total"] == 1
    date_from, date_to = period(clock)
    seen = zhang.statement("u1", date_from, date_to)
    assert not any("钥匙押金" in line["description"] or "王五" in (line["reason"] or "")
                   or line["kind"] == "deposit_forfeited" for line in seen["entries"])
    assert [line["kind"] for line in seen["entries"]] == ["deposit_held"]      # the renovation deposit only
    assert seen["closing_balance"] == seen["opening_balance"]
    balance = zhang.get_balance("u1")
    assert balance["deposits_held"] == "2000.00"
    # the household's figures never moved for it (the key deposit is in the deposit book only)
    assert (balance["balance_due"], balance["credit"], balance["receivable"]) == (
        before["balance_due"], before["credit"], before["receivable"])
    assert [a["deposits_held"] for a in zhang.list_accounts("u1")["items"]] == ["2000.00"]

    # staff: everything, as before
    assert desk.get_deposit(key_id)["history"][-1]["kind"] == "forfeited"
    assert desk.get_payment(key["id"])["payer_name"] == "王五"
    assert desk.get_receipt(key["receipt"]["id"])["payer_name"] == "王五"
    assert desk.list_receipts("u1")["total"] == 2
    staff_lines = desk.statement("u1", date_from, date_to)["entries"]
    assert [line["kind"] for line in staff_lines] == ["deposit_held", "deposit_held", "deposit_forfeited"]
    assert desk.get_balance("u1")["deposits_held"] == "2000.00"            # the key deposit forfeited: 0 held


def test_a_resident_s_balance_and_statement_leave_out_a_key_deposit_held_and_refunded(session, clock, estate):
    desk, zhang = service_as(session, clock, DESK), service_as(session, clock, ZHANG)
    own = hold(session, clock, "other", "1000.00", payer="张伟")
    key = hold(session, clock, "key", "200.00")
    session.commit()
    assert desk.get_balance("u1")["deposits_held"] == "1200.00"
    assert zhang.get_balance("u1")["deposits_held"] == "1000.00"
    assert (desk.get_account("u1")["deposits_held"], zhang.get_account("u1")["deposits_held"]) == (
        "1200.00", "1000.00")
    assert (desk.get_payment(own["id"])["account"]["deposits_held"],
            zhang.get_payment(own["id"])["account"]["deposits_held"]) == ("1200.00", "1000.00")
    refund = desk.request_refund("u1", {"kind": "deposit", "deposit_id": key["deposit"]["id"], "amount": "200.00",
                                        "method": "cash", "reason": "钥匙押金退还 王五"})
    service_as(session, clock, FINANCE).approve_refund(refund["id"], {})
    service_as(session, clock, FINANCE).pay_refund(refund["id"])
    session.commit()
    date_from, date_to = period(clock)
    assert [line["kind"] for line in zhang.statement("u1", date_from, date_to)["entries"]] == ["deposit_held"]
    assert [line["kind"] for line in desk.statement("u1", date_from, date_to)["entries"]] == [
        "deposit_held", "deposit_held", "deposit_refunded"]


def test_a_pledged_deposit_s_receipt_is_refused_as_a_void_not_a_refund(session, clock, estate):
    key = hold(session, clock, "key", "200.00")
    service_as(session, clock, DESK).pledge_key_deposit(key["deposit"]["id"], "loan-1", "u1", "200.00")
    session.commit()
    with pytest.raises(DepositPledged) as refused:
        service_as(session, clock, FINANCE).void_receipt(key["receipt"]["id"], {"reason": "收错了"})
    assert refused.value.code == "deposit_pledged"
    assert "作废" in refused.value.message and "退款" not in refused.value.message
    assert "voided" in refused.value.message and "refunded" not in refused.value.message


def test_a_forfeited_deposit_s_refund_says_it_was_forfeited(session, clock, estate, as_):
    key = hold(session, clock, "key", "200.00")
    deposit_id = key["deposit"]["id"]
    service_as(session, clock, DESK).pledge_key_deposit(deposit_id, "loan-1", "u1", "200.00")
    forfeit_kept(as_, deposit_id)
    session.commit()
    assert session.get(Deposit, deposit_id).status == "forfeited"
    with pytest.raises(AmountOverAvailable) as refused:
        service_as(session, clock, DESK).request_refund("u1", {
            "kind": "deposit", "deposit_id": deposit_id, "amount": "200.00", "method": "cash", "reason": "退还"})
    assert refused.value.code == "amount_over_available"
    assert "已扣除 200.00" in refused.value.message and "已退还或已作废" not in refused.value.message
    assert "forfeited" in refused.value.message
    with pytest.raises(DepositNotHeld) as void:
        service_as(session, clock, FINANCE).void_receipt(key["receipt"]["id"], {"reason": "收错了"})
    assert "已扣除 200.00" in void.value.message and "不能作废" in void.value.message
