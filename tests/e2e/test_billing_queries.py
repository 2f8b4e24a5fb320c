"""A resident reads their bills, statement and receipts through the gateway and cannot read a
neighbour's; staff ask about arrears, finance reads the project's ledger and trial balance; the
overview and the account show the arrears summary from the read model."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from deploy import seed
from kernel.db import make_engine
from kernel.tenancy import Caller
from kernel.testing import keyed, wait_for
from services.billing.domain import accounts, payments
from services.billing.tests import support

from .test_idempotency_and_settings import project_id
from .test_repair_flow import demo, token  # noqa: F401  (fixture)


def record_cash_payment(db_url, clock, unit_id, amount, on):
    """The front desk takes cash (the payments area's route; here its one domain path,
    ``payments.record_received``, on billing's database while billing runs)."""
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            w = support.work(session, clock, Caller.system(support.G, "desk"))
            payment = payments.record_received(w, accounts.find_account(session, unit_id), method="cash",
                                               amount=Decimal(amount), occurred_on=on)
            session.commit()
            return payment.receipt_id
    finally:
        engine.dispose()


def test_a_resident_reads_their_bills_statement_and_receipts_and_not_a_neighbours(platform, demo, web_session,
                                                                                 shared_clock):
    mine, neighbours = seed.unit_id("LH", "1栋", "0101"), seed.unit_id("LH", "1栋", "0102")
    me, desk, finance = (token(web_session, name) for name in ("zhangwei", "desk.lh", "finance.lh"))
    today = shared_clock.today("Asia/Shanghai")
    carried = (today - timedelta(days=10)).isoformat()

    def get(headers, path, expect=200, **params):
        response = web_session.get(f"/api/v1{path}", headers=headers, params=params)
        assert response.status_code == expect, (path, response.text)
        return response.json()

    # 120.00 carried over (a bill due on its date), 50.00 paid in cash at the desk
    posted = web_session.post(f"/api/v1/units/{mine}/account/opening-balance", headers=keyed(finance),
                              json={"amount": "120.00", "as_of": carried})
    assert posted.status_code == 201, posted.text
    receipt_id = record_cash_payment(platform["billing"].config["DB_URL"], shared_clock, mine, "50.00", today)

    # -- the resident's own ---------------------------------------------------------------------
    page = get(me, f"/units/{mine}/bills")
    [bill] = page["items"]
    assert page["total"] == 1
    assert (bill["total"], bill["allocated"], bill["outstanding"], bill["status"], bill["overdue"]) == (
        "120.00", "50.00", "70.00", "overdue", True)
    assert bill["lines"][0]["amount"] == "120.00" and bill["due_on"] == carried
    [settlement] = bill["settlements"]
    assert (settlement["kind"], settlement["amount"], settlement["receipt_id"]) == ("payment", "50.00", receipt_id)
    assert get(me, f"/bills/{bill['id']}") == bill
    assert get(me, f"/units/{mine}/bills", status="settled") == {"items": [], "total": 0}

    statement = get(me, f"/units/{mine}/statement", **{"from": (today - timedelta(days=30)).isoformat(),
                                                       "to": today.isoformat()})
    assert (statement["opening_balance"], statement["closing_balance"]) == ("0.00", "70.00")
    assert [(e["kind"], e["amount"], e["balance"], e["bills"]) for e in statement["entries"]] == [
        ("opening_balance", "120.00", "120.00", [bill["number"]]),
        ("payment", "-50.00", "70.00", [bill["number"]])]
    assert statement["entries"][1]["receipt_id"] == receipt_id

    receipts = get(me, f"/units/{mine}/receipts")
    [receipt] = receipts["items"]
    assert (receipt["id"], receipt["amount"], receipt["method"], receipt["voided"]) == (
        receipt_id, "50.00", "cash", False)
    assert receipt["lines"] == [{"bill": bill["number"], "period": None, "item": None, "amount": "50.00"}]
    assert get(me, f"/receipts/{receipt_id}") == receipt
    balance = get(me, f"/units/{mine}/balance")
    assert (balance["balance_due"], balance["overdue"], balance["as_of"]) == ("70.00", "70.00", today.isoformat())

    # the overview and the account show the arrears summary once billing's event is projected
    assert wait_for(lambda: get(me, f"/units/{mine}/overview")["account"].get("receivable") == "70.00",
                    message="the overview shows what is owed on bills")
    account = get(me, f"/units/{mine}/account")
    assert (account["balance_due"], account["receivable"], account["credit"], account["open_bills"],
            account["oldest_due_on"]) == ("70.00", "70.00", "0.00", 1, carried)

    # -- not theirs: exactly like a missing id ----------------------------------------------------
    neighbour_bill = get(desk, f"/units/{neighbours}/bills")["items"][0]
    missing = get(me, "/bills/no-such-bill", expect=404)
    theirs = get(me, f"/bills/{neighbour_bill['id']}", expect=404)
    assert theirs["error"] == missing["error"] == "bill_not_found"
    for path in ("bills", "receipts", "balance"):
        assert get(me, f"/units/{neighbours}/{path}", expect=404)["error"] == "account_not_found"
    get(me, f"/units/{neighbours}/statement", expect=404, **{"from": carried, "to": today.isoformat()})
    get(me, f"/units/{mine}/arrears", expect=403)                  # the concierge's question is staff's
    get(me, f"/projects/{project_id(web_session, desk)}/ledger", expect=404)

    # -- bad input is a 4xx ------------------------------------------------------------------------
    for params in ({"from": carried, "to": "9999-12-31"}, {"from": today.isoformat(), "to": carried},
                   {"from": "2020-01-01", "to": today.isoformat()}, {"from": "31/10/2026", "to": carried}, {}):
        assert get(me, f"/units/{mine}/statement", expect=400, **params)["error"]
    get(me, f"/units/{mine}/bills", expect=400, limit="0")
    get(me, f"/units/{mine}/bills", expect=400, period="2026-13")
    get(me, f"/bills/{'x' * 40}", expect=400)

    # -- staff: arrears, the project's figures --------------------------------------------------------
    arrears = get(desk, f"/units/{neighbours}/arrears")
    assert (arrears["has_arrears"], arrears["overdue"], arrears["balance_due"]) == (True, "345.00", "345.00")
    pid = project_id(web_session, desk)
    get(desk, f"/projects/{pid}/ledger", expect=403)                 # the front desk does not read the project's books
    ledger = get(finance, f"/projects/{pid}/ledger")
    assert (ledger["receivable"], ledger["overdue"], ledger["accounts_in_arrears"]) == ("415.00", "415.00", 2)
    trial = get(finance, f"/projects/{pid}/trial-balance", **{"from": carried, "to": today.isoformat()})
    assert trial["balanced"] is True and trial["totals"]["debit"] == trial["totals"]["credit"]
