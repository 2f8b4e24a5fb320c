"""A previous household's closed account (原业主账户) is read by id: its bills, statement and receipts.

After a transfer (过户) 张伟's account is closed and stays his (``test_transfer``). Staff of the
project list the unit's accounts -- the open one and the closed ones, with household, dates and
figures -- and read a closed one by ``account_id``; another project's staff hear it does not exist.
张伟's resident account lost the unit at the transfer, but the gateway still signs the household
he belonged to (``Caller.former_households``): he reads his own closed account and nothing else of
the unit. 孙丽, the new owner, never reads his; a resident of another household never does."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from kernel.errors import Forbidden
from kernel.testing import resident, staff
from services.billing.domain import accounts, billrun, copies, payments, queries
from services.billing.exceptions import AccountNotFound, BillNotFound, ReceiptNotFound
from services.billing.models import Bill, FeeAccount

from .support import DESK, FAR_STAFF, FINANCE, G, PLATFORM, work
from .test_transfer import NEW_ARRIVES, OLD_LEAVES, _owing, at, household

ZHANG_BEFORE = resident(G, ["u1"], user_id="zhangwei", households={"u1": "h-u1"})
#: 张伟 after the transfer: no unit any more, his household of u1 a former one
ZHANG_AFTER = resident(G, [], user_id="zhangwei", former_households=[("u1", "h-u1")])
SUN = resident(G, ["u1"], user_id="sunli", households={"u1": "h-new"})


@pytest.fixture
def transferred(session, clock, estate, as_):
    """张伟 owes 345.00 (September), pays 100.00 at the desk, and the unit passes to 孙丽."""
    old = _owing(session, clock, as_)
    at(clock, date(2026, 11, 22))
    payment = payments.record_received(as_(DESK), old, method="cash", amount=Decimal("100.00"),
                                       occurred_on=date(2026, 11, 22))
    session.commit()
    at(clock, date(2026, 11, 24))
    for snapshot in (OLD_LEAVES, NEW_ARRIVES):
        copies.apply_household(as_(PLATFORM), snapshot)
    session.commit()
    at(clock, date(2026, 11, 26), 10)
    bill = session.scalar(select(Bill).where(Bill.account_id == old.id))
    return {"old": old.id, "new": accounts.find_account(session, "u1").id, "bill": bill.id,
            "receipt": payment.receipt_id}


def test_staff_list_the_unit_s_accounts_and_read_the_closed_one(session, clock, transferred):
    w = work(session, clock, FINANCE)
    listed = queries.list_accounts(w, "u1")
    assert [(a["account_id"], a["status"], a["household_id"], a["payer_name"]) for a in listed["items"]] == [
        (transferred["new"], "open", "h-new", "孙丽"), (transferred["old"], "closed", "h-u1", "张伟")]
    closed = listed["items"][1]
    assert (closed["closed_on"], closed["succeeded_by"]) == (date(2026, 11, 24), transferred["new"])
    assert (closed["balance_due"], closed["overdue"], closed["open_bills"]) == (
        Decimal("245.00"), Decimal("245.00"), 1)
    assert listed["items"][0]["balance_due"] == Decimal("0.00") and listed["items"][0]["closed_on"] is None
    assert closed["opened_at"] is not None

    old = transferred["old"]
    [bill] = queries.list_bills(w, "u1", account_id=old)["items"]
    assert (bill["id"], bill["account_id"], bill["outstanding"], bill["status"]) == (
        transferred["bill"], old, Decimal("245.00"), "overdue")
    assert queries.list_bills(w, "u1")["items"] == []              # the unit's routes: the open account
    statement = queries.statement(w, "u1", date(2026, 9, 1), date(2026, 11, 30), old)
    assert (statement["account_id"], statement["payer_name"], statement["closing_balance"]) == (
        old, "张伟", Decimal("245.00"))
    assert [(e["kind"], e["amount"]) for e in statement["entries"]] == [
        ("charge", Decimal("345.00")), ("payment", Decimal("-100.00"))]
    [receipt] = queries.list_receipts(w, "u1", account_id=old)["items"]
    assert receipt["id"] == transferred["receipt"] and receipt["amount"] == Decimal("100.00")
    assert queries.list_receipts(w, "u1")["total"] == 0


def test_another_project_s_staff_hear_403_with_or_without_account_id(session, clock, transferred):
    """Another project's desk of the group: 403 ``project_out_of_scope`` on the unit's accounts, bills,
    statement, receipts and a bill by id -- with ``account_id`` too, whichever id it names (the unit is
    asked first), as every unit route of billing answers it. Another unit's id, an unknown one, another
    group: 404, as a missing id."""
    old = transferred["old"]
    far = work(session, clock, FAR_STAFF)
    for read in (lambda: queries.list_bills(far, "u1", account_id=old),
                 lambda: queries.list_bills(far, "u1"),
                 lambda: queries.list_bills(far, "u1", account_id="no-such-account"),
                 lambda: queries.list_bills(far, "u1", account_id=transferred["new"]),
                 lambda: queries.statement(far, "u1", date(2026, 9, 1), date(2026, 11, 30), old),
                 lambda: queries.list_receipts(far, "u1", account_id=old),
                 lambda: queries.list_accounts(far, "u1"),
                 lambda: queries.get_bill(far, transferred["bill"]),
                 lambda: accounts.get_account(far, "u1", old)):            # a payment naming it
        with pytest.raises(Forbidden) as refused:
            read()
        assert refused.value.code == "project_out_of_scope"
    for read in (lambda: queries.list_bills(work(session, clock, FINANCE), "u2", account_id=old),
                 lambda: queries.list_bills(work(session, clock, FINANCE), "u1", account_id="no-such-account"),
                 lambda: queries.list_bills(work(session, clock, staff("other-group", ["p1"])), "u1",
                                            account_id=old),
                 lambda: queries.list_bills(work(session, clock, staff("other-group", ["p1"])), "u1",
                                            account_id="no-such-account")):
        with pytest.raises(AccountNotFound):
            read()
    with pytest.raises(AccountNotFound):
        queries.list_accounts(work(session, clock, FINANCE), "no-such-unit")


def test_the_old_owner_reads_his_closed_account_and_nothing_else_of_the_unit(session, clock, transferred):
    old, new = transferred["old"], transferred["new"]
    w = work(session, clock, ZHANG_AFTER)
    listed = queries.list_accounts(w, "u1")
    assert [(a["account_id"], a["status"]) for a in listed["items"]] == [(old, "closed")]
    [bill] = queries.list_bills(w, "u1", account_id=old)["items"]
    assert bill["outstanding"] == Decimal("245.00")
    assert queries.get_bill(w, transferred["bill"])["id"] == transferred["bill"]
    assert queries.statement(w, "u1", date(2026, 9, 1), date(2026, 11, 30), old)["closing_balance"] == \
        Decimal("245.00")
    [receipt] = queries.list_receipts(w, "u1", account_id=old)["items"]
    assert queries.get_receipt(w, transferred["receipt"]) == receipt
    # the unit and the new household's account are not his
    for read in (lambda: queries.list_bills(w, "u1"), lambda: queries.list_bills(w, "u1", account_id=new),
                 lambda: queries.list_receipts(w, "u1", account_id=new), lambda: queries.balance(w, "u1")):
        with pytest.raises(AccountNotFound):
            read()
    # reading is all: a write naming his closed account is the desk's (404, as before)
    with pytest.raises(AccountNotFound):
        accounts.get_account(w, "u1", old)
    # the same pair of the resident token before the transfer (the scope still bound) reads it too
    assert queries.list_bills(work(session, clock, ZHANG_BEFORE), "u1", account_id=old)["total"] == 1


@pytest.mark.parametrize("caller", [
    SUN,                                                                  # the new owner of the unit
    resident(G, ["u1"], user_id="unbound"),                              # the unit's resident, household unknown
    resident(G, [], user_id="other-former", former_households=[("u1", "h-someone-else")]),
    resident(G, [], user_id="wrong-unit", former_households=[("u2", "h-u1")]),
    resident("other-group", [], user_id="other-group", former_households=[("u1", "h-u1")]),
    resident(G, ["u2"], user_id="neighbour", households={"u2": "h-u1"}),
], ids=["new-owner", "unbound-scope", "another-former-household", "same-household-other-unit", "other-group",
        "neighbour"])
def test_no_other_resident_reads_the_old_owner_s_account(session, clock, transferred, caller):
    """The old owner's bills, statement, receipts -- by the unit and account id, or a bill's or
    receipt's own id -- read exactly like missing ones to anyone but his household."""
    old = transferred["old"]
    w = work(session, clock, caller)
    for read, error in ((lambda: queries.list_bills(w, "u1", account_id=old), AccountNotFound),
                        (lambda: queries.statement(w, "u1", date(2026, 9, 1), date(2026, 11, 30), old),
                         AccountNotFound),
                        (lambda: queries.list_receipts(w, "u1", account_id=old), AccountNotFound),
                        (lambda: queries.get_bill(w, transferred["bill"]), BillNotFound),
                        (lambda: queries.get_receipt(w, transferred["receipt"]), ReceiptNotFound)):
        with pytest.raises(error):
            read()
    if caller is SUN:            # her own account, and only hers, in the unit's list
        assert [a["account_id"] for a in queries.list_accounts(w, "u1")["items"]] == [transferred["new"]]
        assert queries.list_bills(w, "u1")["total"] == 0
    elif caller.unit_ids != {"u1"}:
        with pytest.raises(AccountNotFound):
            queries.list_accounts(w, "u1")


def test_a_vacant_unit_s_account_stays_its_last_household_s(session, clock, estate, as_):
    """张伟 moves out and nobody moves in yet: the account stays open, holding his history (it closes
    under his household when the next one arrives). He reads it; the next household's resident,
    granted the unit before billing hears of the move-in, does not."""
    old = _owing(session, clock, as_)
    at(clock, date(2026, 11, 24))
    copies.apply_household(as_(PLATFORM), OLD_LEAVES)
    session.commit()
    account = session.get(FeeAccount, old.id)
    assert (account.closed_on, account.household_id) == (None, None)
    assert queries.list_bills(work(session, clock, ZHANG_AFTER), "u1", account_id=old.id)["total"] == 1
    next_one = resident(G, ["u1"], user_id="next", households={"u1": "h-next"})
    for read in (lambda: queries.list_bills(work(session, clock, next_one), "u1"),
                 lambda: queries.list_bills(work(session, clock, next_one), "u1", account_id=old.id)):
        with pytest.raises(AccountNotFound):
            read()
    # the next household arrives: the account closes as 张伟's, and he still reads it
    copies.apply_household(as_(PLATFORM), household("h-next", owner="李娜", moved_in_on="2026-11-26"))
    session.commit()
    assert session.get(FeeAccount, old.id).household_id == "h-u1"
    assert queries.list_bills(work(session, clock, ZHANG_AFTER), "u1", account_id=old.id)["total"] == 1


def test_the_bill_run_names_the_closed_accounts_it_did_not_bill(session, clock, transferred, as_):
    at(clock, date(2026, 12, 1), 10)
    view = billrun.start(as_(PLATFORM), "p1", "2026-12")
    open_accounts = session.query(FeeAccount).filter(FeeAccount.project_id == "p1",
                                                     FeeAccount.closed_on.is_(None)).count()
    assert (view["total"], view["closed_not_billed"]) == (open_accounts, 1)


# -- money on a closed account: only what it still owes; its credit and deposits go back by refund --

def _receipts(session, account_id):
    from services.billing.models import Receipt
    return session.query(Receipt).filter(Receipt.account_id == account_id).count()


def test_a_closed_account_takes_a_payment_only_up_to_what_it_owes(session, clock, transferred):
    """张伟 owes 245.00 on his closed account: the desk takes 245.00 at most -- a cent more would be
    credit no bill ever uses (the account takes no new charges) -- and nothing once it is settled."""
    from services.billing.exceptions import ClosedAccountOverpaid

    from .support import service_as
    old, desk = transferred["old"], service_as(session, clock, DESK)
    before = _receipts(session, old)
    with pytest.raises(ClosedAccountOverpaid) as refused:
        desk.record_payment("u1", {"method": "cash", "amount": "245.01", "account_id": old})
    session.rollback()
    assert refused.value.code == "closed_account_overpaid"
    assert refused.value.details["balance_due"] == "245.00" and "245.00" in str(refused.value)
    assert "尚欠 245.00" in refused.value.message              # bilingual: 中文 (English)
    assert _receipts(session, old) == before
    assert accounts.account_view(session, session.get(FeeAccount, old))["balance_due"] == Decimal("245.00")

    paid = desk.record_payment("u1", {"method": "cash", "amount": "45.00", "account_id": old})
    session.commit()
    assert paid["account"]["balance_due"] == "200.00"
    paid = desk.record_payment("u1", {"method": "cash", "amount": "200.00", "account_id": old})
    session.commit()
    assert (paid["account"]["balance_due"], paid["account"]["credit"]) == ("0.00", "0.00")
    with pytest.raises(ClosedAccountOverpaid) as refused:       # settled: no payment at all
        desk.record_payment("u1", {"method": "cash", "amount": "1.00", "account_id": old})
    session.rollback()
    assert refused.value.details["balance_due"] == "0.00" and "已结清" in refused.value.message
    # the unit's current account takes a prepayment as before
    assert service_as(session, clock, DESK).record_payment(
        "u1", {"method": "cash", "amount": "1.00"})["account"]["credit"] == "1.00"


def test_a_closed_account_s_credit_and_deposit_go_back_by_a_refund_naming_it(session, clock, estate, as_):
    """张伟 paid 400.00 on his 345.00 and left a key deposit of 200.00; the unit passes to 孙丽. His 55.00
    credit and his deposit stay on his closed account: finance refunds them by naming it (account_id)."""
    from services.billing.domain import deposits

    from .support import FINANCE2, service_as
    old = _owing(session, clock, as_)
    at(clock, date(2026, 11, 22))
    payments.record_received(as_(DESK), old, method="cash", amount=Decimal("400.00"),
                             occurred_on=date(2026, 11, 22))
    held = deposits.hold_deposit(as_(DESK), {"unit_id": "u1", "purpose": "key", "amount": Decimal("200.00"),
                                             "method": "cash"})
    session.commit()
    from services.billing.models import Deposit
    deposit_id = session.query(Deposit.id).filter(Deposit.payment_id == held.id).scalar()
    at(clock, date(2026, 11, 24))
    for snapshot in (OLD_LEAVES, NEW_ARRIVES):
        copies.apply_household(as_(PLATFORM), snapshot)
    session.commit()
    at(clock, date(2026, 11, 26), 10)
    fin, fin2 = service_as(session, clock, FINANCE), service_as(session, clock, FINANCE2)
    credit = fin.request_refund("u1", {"kind": "overpayment", "amount": "55.00", "method": "cash",
                                       "reason": "原业主预存款退还", "account_id": old.id})
    deposit = fin.request_refund("u1", {"kind": "deposit", "deposit_id": deposit_id, "amount": "200.00",
                                        "method": "cash", "reason": "原业主钥匙押金退还", "account_id": old.id})
    session.commit()
    assert credit["account_id"] == deposit["account_id"] == old.id
    for refund in (credit, deposit):
        fin2.approve_refund(refund["id"], {})
        session.commit()
        fin.pay_refund(refund["id"], {})
        session.commit()
    view = accounts.account_view(session, session.get(FeeAccount, old.id))
    assert (view["credit"], view["deposits_held"], view["balance_due"]) == (
        Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))
    # without account_id the refund is of the unit's current account, which holds nothing
    from services.billing.exceptions import AmountOverAvailable, DepositNotFound
    with pytest.raises(AmountOverAvailable):
        fin.request_refund("u1", {"kind": "overpayment", "amount": "1.00", "method": "cash", "reason": "x x"})
    session.rollback()
    with pytest.raises(DepositNotFound):
        fin.request_refund("u1", {"kind": "deposit", "deposit_id": deposit_id, "amount": "1.00", "method": "cash",
                                  "reason": "x x"})
    session.rollback()


def test_the_old_owner_asking_the_unit_s_bills_is_told_to_name_his_account(session, clock, transferred):
    """张伟 after the transfer asks the unit's bills without account_id: the unit's open account is
    孙丽's (404 as before), and the answer tells him how he reads his own -- name it (account_id, from
    the unit's accounts or /me's former_households). Anyone else hears the plain answer of a missing one."""
    w = work(session, clock, ZHANG_AFTER)
    for read in (lambda: queries.list_bills(w, "u1"), lambda: queries.balance(w, "u1"),
                 lambda: queries.list_receipts(w, "u1")):
        with pytest.raises(AccountNotFound) as refused:
            read()
        assert "account_id" in refused.value.english and "/api/v1/units/u1/accounts" in refused.value.english
        assert "请用 account_id 指明您的账户" in refused.value.message
        assert refused.value.details == {"unit_id": "u1", "name": "account_id"}
    neighbour = work(session, clock, resident(G, ["u2"], user_id="neighbour", households={"u2": "h-u2"}))
    answers = []
    for w, unit_id in ((neighbour, "u1"), (work(session, clock, FINANCE), "no-such-unit")):
        with pytest.raises(AccountNotFound) as refused:
            queries.list_bills(w, unit_id)
        answers.append((refused.value.english.replace(unit_id, "?"), refused.value.details))
    assert answers[0] == answers[1] and "account_id" not in answers[0][0]


# -- the old owner pays his closed account online (线上缴纳原业主账户) ---------------------------------

@pytest.fixture
def providers():
    from services.billing.domain.providers import providers_from_config

    from .stub import PaymentProviderStub
    with PaymentProviderStub() as stub:
        yield stub, providers_from_config({**stub.config("wechat"), "PAYMENT_NOTIFY_BASE_URL": "https://wuye.example/"})


def _online(session, clock, providers, caller, amount, key, **extra):
    from .support import service_as
    return service_as(session, clock, caller, providers[1]).start_online_payment(
        "u1", {"method": "wechat", "amount": amount, **extra}, idempotency_key=key)


def test_the_old_owner_pays_his_closed_account_online_up_to_what_it_owes(session, clock, transferred, providers):
    """张伟 (his household moved out) names his closed account: WeChat Pay takes at most the 245.00 it
    owes -- 245.01 is 409 ``closed_account_overpaid`` before the provider is asked -- the provider's
    notification records it on his account, he follows the payment, and then it takes nothing more.
    The new household's account is untouched."""
    from services.billing.exceptions import ClosedAccountOverpaid
    from services.billing.models import Payment

    from .support import service_as
    stub, _ = providers
    old, new = transferred["old"], transferred["new"]
    with pytest.raises(ClosedAccountOverpaid) as refused:
        _online(session, clock, providers, ZHANG_AFTER, "245.01", "z-1", account_id=old)
    session.rollback()
    assert refused.value.details["balance_due"] == "245.00" and "尚欠 245.00" in refused.value.message
    assert stub.requests == [] and session.scalar(select(Payment.id).where(Payment.method == "wechat")) is None
    with pytest.raises(AccountNotFound) as told:                 # the unit's open account is not his
        _online(session, clock, providers, ZHANG_AFTER, "10.00", "z-2")
    assert told.value.details == {"unit_id": "u1", "name": "account_id"}

    started = _online(session, clock, providers, ZHANG_AFTER, "245.00", "z-3", account_id=old)
    session.commit()
    assert (started["status"], started["account_id"], started["unit_id"]) == ("pending", old, "u1")
    assert stub.requests[0]["json"]["amount"] == "245.00"
    stub.pay(started["id"])
    assert service_as(session, clock, PLATFORM, providers[1]).confirm_online_payment(
        "wechat", *stub.notification(started["id"]))["status"] == "received"
    session.commit()
    paid = service_as(session, clock, ZHANG_AFTER, providers[1]).get_payment(started["id"])
    assert (paid["status"], paid["receipt"]["account_id"], paid["receipt"]["payer_name"]) == ("received", old, "张伟")
    assert (paid["account"]["balance_due"], paid["account"]["credit"]) == ("0.00", "0.00")
    assert queries.list_bills(work(session, clock, ZHANG_AFTER), "u1", account_id=old)["items"][0]["status"] == \
        "settled"
    assert accounts.account_view(session, session.get(FeeAccount, new))["entry_count"] == 0
    asked = len(stub.requests)
    with pytest.raises(ClosedAccountOverpaid) as settled:        # settled: no payment at all
        _online(session, clock, providers, ZHANG_AFTER, "0.01", "z-4", account_id=old)
    session.rollback()
    assert settled.value.details["balance_due"] == "0.00" and len(stub.requests) == asked


def test_the_desk_scans_the_old_owner_s_code_for_his_closed_account_capped_the_same(session, clock, transferred,
                                                                                    providers):
    from services.billing.exceptions import ClosedAccountOverpaid
    code = {"auth_code": "134567890123456789", "account_id": transferred["old"]}
    with pytest.raises(ClosedAccountOverpaid):
        _online(session, clock, providers, DESK, "300.00", "d-1", **code)
    session.rollback()
    paid = _online(session, clock, providers, DESK, "45.00", "d-2", **code)
    assert (paid["status"], paid["account_id"], paid["account"]["balance_due"]) == (
        "received", transferred["old"], "200.00")


@pytest.mark.parametrize("caller", [
    SUN,                                                                  # the new owner of the unit
    resident(G, ["u1"], user_id="unbound"),                              # the unit's resident, household unknown
    resident(G, [], user_id="other-former", former_households=[("u1", "h-someone-else")]),
    resident(G, [], user_id="wrong-unit", former_households=[("u2", "h-u1")]),
    resident("other-group", [], user_id="other-group", former_households=[("u1", "h-u1")]),
    resident(G, ["u2"], user_id="neighbour", households={"u2": "h-u1"}),
], ids=["new-owner", "unbound-scope", "another-former-household", "same-household-other-unit", "other-group",
        "neighbour"])
def test_no_other_resident_pays_or_follows_the_old_owner_s_account_online(session, clock, transferred, providers,
                                                                          caller):
    """Naming 张伟's closed account, anyone but his household hears the 404 of a missing account -- the
    provider is never asked, nothing is written; and his online payment reads as a missing one."""
    from services.billing.exceptions import PaymentNotFound
    from services.billing.models import Payment

    from .support import service_as
    stub, _ = providers
    mine = _online(session, clock, providers, ZHANG_AFTER, "20.00", "z-1", account_id=transferred["old"])
    session.commit()
    asked = len(stub.requests)
    with pytest.raises(AccountNotFound):
        _online(session, clock, providers, caller, "20.00", "x-1", account_id=transferred["old"])
    session.rollback()
    assert len(stub.requests) == asked
    assert session.scalar(select(func.count(Payment.id)).where(Payment.method == "wechat")) == 1
    for ask in (lambda: service_as(session, clock, caller, providers[1]).get_payment(mine["id"]),
                lambda: service_as(session, clock, caller, providers[1]).refresh_payment(mine["id"])):
        with pytest.raises(PaymentNotFound):
            ask()


def test_a_closed_account_s_cap_counts_the_online_payments_still_pending(session, clock, transferred, providers):
    """张伟 owes 245.00 and opens a QR code for 200.00, not paid yet: each further payment -- online or
    at the desk -- takes at most the 45.00 not already asked, else both pending ones could be paid and
    leave credit no bill ever uses. Once all 245.00 is asked, nothing more; the 200.00 code expiring
    (closed at the provider: failed) frees it for the desk."""
    from services.billing.exceptions import ClosedAccountOverpaid
    from services.billing.models import Payment

    from .support import service_as
    stub, _ = providers
    old, desk = transferred["old"], service_as(session, clock, DESK, providers[1])
    first = _online(session, clock, providers, ZHANG_AFTER, "200.00", "z-1", account_id=old)
    session.commit()
    assert first["status"] == "pending"
    asked = len(stub.requests)
    with pytest.raises(ClosedAccountOverpaid) as refused:
        _online(session, clock, providers, ZHANG_AFTER, "100.00", "z-2", account_id=old)
    session.rollback()
    assert {k: refused.value.details[k] for k in ("balance_due", "pending_online", "at_most", "amount")} == {
        "balance_due": "245.00", "pending_online": "200.00", "at_most": "45.00", "amount": "100.00"}
    assert "其中 200.00 已由待支付的线上缴费占用，本次最多收 45.00" in refused.value.message
    assert "200.00 of it asked by online payments still pending: it takes at most 45.00" in refused.value.english
    assert len(stub.requests) == asked
    assert session.scalar(select(func.count(Payment.id)).where(Payment.account_id == old,
                                                               Payment.method == "wechat")) == 1
    with pytest.raises(ClosedAccountOverpaid) as at_desk:         # the desk's cash: the same cap
        desk.record_payment("u1", {"method": "cash", "amount": "45.01", "account_id": old})
    session.rollback()
    assert at_desk.value.details["at_most"] == "45.00"

    second = _online(session, clock, providers, ZHANG_AFTER, "45.00", "z-3", account_id=old)
    session.commit()
    assert second["status"] == "pending"
    for attempt in (lambda: _online(session, clock, providers, ZHANG_AFTER, "0.01", "z-4", account_id=old),
                    lambda: desk.record_payment("u1", {"method": "cash", "amount": "0.01", "account_id": old})):
        with pytest.raises(ClosedAccountOverpaid) as full:
            attempt()
        session.rollback()
        assert (full.value.details["pending_online"], full.value.details["at_most"]) == ("245.00", "0.00")
        assert "已全部由待支付的线上缴费（245.00）占用，在其支付或失效前不能再收款" in full.value.message
        assert "until they are paid or expire" in full.value.english

    stub.close_trade(first["id"])                                  # the QR code expires unpaid
    assert service_as(session, clock, ZHANG_AFTER, providers[1]).refresh_payment(first["id"])["status"] == "failed"
    session.commit()
    paid = desk.record_payment("u1", {"method": "cash", "amount": "200.00", "account_id": old})
    session.commit()
    assert paid["account"]["balance_due"] == "45.00"
    stub.pay(second["id"])
    assert service_as(session, clock, PLATFORM, providers[1]).confirm_online_payment(
        "wechat", *stub.notification(second["id"]))["status"] == "received"
    session.commit()
    view = accounts.account_view(session, session.get(FeeAccount, old))
    assert (view["balance_due"], view["credit"]) == (Decimal("0.00"), Decimal("0.00"))


@pytest.fixture
def session(request):
    """support's in-memory SQLite session; ``postgres`` (indirect parameter): a throw-away PostgreSQL
    database on the service's engine (psycogreen: a connection waiting on a lock yields to the hub)."""
    from sqlalchemy.orm import Session

    from kernel.db import make_engine
    from kernel.testing import domain_session, temporary_pg_database
    from services.billing.models import Base
    if getattr(request, "param", "sqlite") == "sqlite":
        with domain_session(Base) as s:
            yield s
        return
    with temporary_pg_database() as url:
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        s = Session(engine, expire_on_commit=False)
        try:
            yield s
        finally:
            s.close()
            engine.dispose()


class _QrProvider:
    """A provider that opens every payment as a QR code to scan (pending), in process."""

    def create(self, *, out_trade_no, amount, description, auth_code=None, expire_minutes=30):
        from services.billing.domain.providers import PENDING, ProviderAnswer
        return ProviderAnswer(out_trade_no=out_trade_no, status=PENDING, amount=amount,
                              qr_code=f"weixin://wxpay/bizpayurl?pr={out_trade_no}")


@pytest.mark.postgres
@pytest.mark.parametrize("session", ["postgres"], indirect=True)
def test_two_online_payments_started_at_once_on_a_closed_account_serialize_on_postgresql(session, clock,
                                                                                        transferred):
    """张伟 owes 245.00; his 200.00 QR payment is being started (the account's row locked, its pending
    payment written, not committed) when a 100.00 one starts: the second waits for the row, then counts
    the first -- 45.00 at most, 409 -- and only the first is written."""
    import eventlet
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from services.billing.domain import online
    from services.billing.exceptions import ClosedAccountOverpaid
    from services.billing.models import Payment

    old, providers = transferred["old"], {"wechat": _QrProvider()}

    def start(s, amount):
        return online.start_online_payment(work(s, clock, ZHANG_AFTER), providers, {
            "unit_id": "u1", "method": "wechat", "amount": Decimal(amount), "account_id": old})
    first = start(session, "200.00")                                  # holds the account's row
    assert first.status == "pending"
    engine = session.get_bind()
    other = Session(engine, expire_on_commit=False)

    def second():
        try:
            start(other, "100.00")
        except ClosedAccountOverpaid as refused:
            return refused.details
        finally:
            other.rollback()
            other.close()

    started = eventlet.spawn(second)

    def waiting() -> int:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar()
    for _ in range(400):                        # until the second start waits on the account's row
        if waiting():
            break
        eventlet.sleep(0.05)
    assert waiting() == 1
    session.commit()
    details = started.wait()
    assert details is not None and (details["pending_online"], details["at_most"]) == ("200.00", "45.00")
    assert session.scalars(select(Payment.amount).where(Payment.account_id == old,
                                                        Payment.method == "wechat")).all() == [Decimal("200.00")]
