"""A unit changes hands with arrears (过户; TRIAL11 finding 3), end to end with every service on the
real broker: the demo's 1栋-0102 carries 王强's 345.00 over (due 1 November; the demo's sweep
opened its case). The desk transfers the unit to 孙丽:

- the transfer's answer names 王强's household, and 王强's resident account is refused on the unit
  in the very next request (the gateway ended his access with the answer, not with the event);
- billing closes 王强's account with its debt and opens the unit's next one: 孙丽's overview shows
  nothing owed under her name, the unit's account for staff too;
- finance's arrears ledger and the dunning cases still show the 345.00 -- under 王强's name and
  household -- until 王强 pays it at the desk on his own account."""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from deploy import seed
from gateway import accounts
from gateway.models import User, UserScope
from kernel.clock import SystemClock
from kernel.db import make_engine
from kernel.testing import keyed, wait_for

from .test_idempotency_and_settings import project_id
from .test_repair_flow import demo, token  # noqa: F401  (fixture)

UNIT = ("LH", "1栋", "0102")


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


def resident(gateway_url: str, username: str, name: str, unit_id: str) -> None:
    engine = make_engine(gateway_url)
    try:
        with Session(engine) as session:
            accounts.create_user(session, username=username, password=seed.DEMO_PASSWORD, display_name=name,
                                 kind="resident", group_id=seed.GROUP, roles=[], unit_ids=[unit_id],
                                 now=SystemClock().now())
            session.commit()
            return session.scalars(select(UserScope).join(User).where(User.username == username)).one().household_id
    finally:
        engine.dispose()


def test_the_old_owner_s_arrears_stay_theirs_and_the_new_owner_starts_clean(platform, demo, web_session,
                                                                               shared_clock):
    unit_id = seed.unit_id(*UNIT)
    old_household = demo["households"][UNIT]["id"]
    gateway_url = platform["gateway"].config["DB_URL"]
    desk, finance = token(web_session, "desk.lh"), token(web_session, "finance.lh")
    pid = project_id(web_session, desk)

    # 王强 has an account on his unit and sees his 345.00
    assert resident(gateway_url, "wangqiang", "王强", unit_id) == old_household
    wangqiang = token(web_session, "wangqiang")
    before = web_session.get(f"/api/v1/units/{unit_id}/overview", headers=wangqiang)
    assert before.status_code == 200 and before.json()["account"]["balance_due"] == "345.00"
    old_account = before.json()["account"]["account_id"]

    # the desk transfers the unit (the desk's checklist says settled; billing knows better)
    today = shared_clock.today("Asia/Shanghai").isoformat()
    transferred = web_session.post(f"/api/v1/units/{unit_id}/transfer", headers=keyed({**desk, **key()}), json={
        "transferred_on": today, "acquired_by": "transfer",
        "household": {"people": [{"name": "孙丽", "role": "owner", "phone": "13800000188"}]},
        "handover": {"keys_returned": True, "fees_settled": True, "fees_confirmed_by": "财务 钱",
                     "meter_readings_recorded": True, "deposit_handling": "none"}})
    assert transferred.status_code == 201, transferred.text
    answer = transferred.json()
    assert answer["old_household_id"] == old_household
    assert (answer["old_household"]["id"], answer["old_household"]["status"]) == (old_household, "moved_out")
    new_household = answer["household"]["id"]

    # B: right after the answer -- no waiting for household.changed -- 王强 is refused on the unit
    for path in (f"/api/v1/units/{unit_id}/overview", f"/api/v1/units/{unit_id}/account",
                 f"/api/v1/households/{new_household}/people"):
        got = web_session.get(path, headers=wangqiang)
        assert got.status_code == 404, (path, got.status_code, got.text)

    # billing opens the unit's next account for 孙丽's household (staff read the unit's account)
    def unit_account():
        got = web_session.get(f"/api/v1/units/{unit_id}/account", headers=finance)
        assert got.status_code == 200, got.text
        return got.json()
    wait_for(lambda: unit_account()["household_id"] == new_household, timeout=30,
             message="billing opened the unit's account for the new owners")
    account = unit_account()
    assert account["account_id"] != old_account
    assert (account["payer_name"], account["balance_due"], account["open_bills"]) == ("孙丽", "0.00", 0)

    # 孙丽's account: her overview starts clean, nothing of 王强's debt under her name
    assert resident(gateway_url, "sunli", "孙丽", unit_id) == new_household
    sunli = token(web_session, "sunli")

    def her_overview():
        got = web_session.get(f"/api/v1/units/{unit_id}/overview", headers=sunli)
        assert got.status_code == 200, got.text
        return got.json()
    wait_for(lambda: (her_overview()["account"] or {}).get("household_id") == new_household, timeout=30,
             message="the read model took the unit's new account")
    overview = her_overview()
    assert overview["household"]["id"] == new_household
    assert (overview["account"]["payer_name"], overview["account"]["balance_due"],
            overview["account"]["receivable"], overview["account"]["open_bills"]) == ("孙丽", "0.00", "0.00", 0)
    assert overview["household"]["balance_due"] == "0.00"
    assert "345.00" not in web_session.get(f"/api/v1/units/{unit_id}/bills", headers=sunli).text
    balance = web_session.get(f"/api/v1/units/{unit_id}/balance", headers=sunli)
    assert balance.status_code == 200 and balance.json()["overdue"] == "0.00", balance.text

    # finance: the 345.00 is still owed -- by 王强, on his account; the dunning case is his
    ledger = web_session.get(f"/api/v1/projects/{pid}/arrears-ledger", headers=finance).json()
    rows = [r for r in ledger["rows"] if r["unit_id"] == unit_id]
    assert [(r["account_id"], r["payer_name"], r["overdue"]) for r in rows] == [(old_account, "王强", "345.00")]
    cases = web_session.get(f"/api/v1/projects/{pid}/dunning/cases", headers=finance,
                            params={"status": "open"}).json()
    [case] = [c for c in cases["items"] if c["unit_id"] == unit_id]
    assert (case["account_id"], case["household_id"], case["overdue"]) == (old_account, old_household, "345.00")

    # the concierge's question (放行): the household living there owes nothing; 王强 still does
    asked = web_session.get(f"/api/v1/units/{unit_id}/arrears", headers=desk).json()
    assert (asked["has_arrears"], asked["overdue"]) == (False, "0.00")
    assert [(p["account_id"], p["payer_name"], p["overdue"]) for p in asked["previous"]] == [
        (old_account, "王强", "345.00")]

    # 王强 pays his debt at the desk, on his own account: the unit's account (孙丽's) is untouched --
    # the answer's closed account is not projected onto the unit
    paid = web_session.post(f"/api/v1/units/{unit_id}/payments", headers=keyed({**desk, **key()}), json={
        "method": "cash", "amount": "345.00", "payer_name": "王强", "account_id": old_account})
    assert paid.status_code == 201, paid.text
    assert (paid.json()["account_id"], paid.json()["account"]["balance_due"]) == (old_account, "0.00")
    assert paid.json()["account"]["closed_on"] is not None
    after = her_overview()["account"]
    assert (after["account_id"], after["payer_name"], after["balance_due"]) == (account["account_id"], "孙丽", "0.00")
    ledger = web_session.get(f"/api/v1/projects/{pid}/arrears-ledger", headers=finance).json()
    assert all(r["unit_id"] != unit_id for r in ledger["rows"])

