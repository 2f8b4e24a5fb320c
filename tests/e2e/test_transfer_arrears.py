"""A unit changes hands with arrears (过户; TRIAL11 finding 3, trial 4 H1), end to end with every
service on the real broker: the demo's 1栋-0102 carries 王强's 345.00 over (due 1 November). The
desk transfers the unit to 孙丽:

- the handover says "fees settled" and names who checked, but archive asks billing: 409
  ``arrears_outstanding`` naming 345.00 (both languages), nothing written -- 王强 still lives there;
- 王强 pays at the desk; the transfer goes through. Its answer names 王强's household, and 王强's
  resident account is refused on the unit in the very next request (the gateway ended his access
  with the answer, not with the event);
- billing closes 王强's account (nothing owed) and opens the unit's next one: 孙丽's overview shows
  nothing owed under her name, the unit's account for staff too; the arrears ledger has no row."""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from deploy import seed
from gateway import accounts
from gateway.models import User, UserScope
from kernel.clock import SystemClock
from kernel.db import make_engine
from kernel.testing import wait_for

from .test_idempotency_and_settings import project_id
from .test_paid_repair import rows
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

    # the desk's checklist says settled and names who checked -- billing knows better: refused, nothing written
    today = shared_clock.today("Asia/Shanghai").isoformat()
    body = {"transferred_on": today, "acquired_by": "transfer",
            "household": {"people": [{"name": "孙丽", "role": "owner", "phone": "13800000188"}]},
            "handover": {"keys_returned": True, "fees_settled": True, "fees_confirmed_by": "财务 钱",
                         "meter_readings_recorded": True, "deposit_handling": "none"}}
    refused = web_session.post(f"/api/v1/units/{unit_id}/transfer", headers={**desk, **key()}, json=body)
    assert refused.status_code == 409, refused.text
    error = refused.json()
    assert error["error"] == "arrears_outstanding"
    assert "345.00" in error["message"] and "结清" in error["message"] and "settle" in error["message"]
    assert error["details"]["unpaid"] == "345.00"
    still = web_session.get(f"/api/v1/units/{unit_id}/overview", headers=wangqiang)
    assert still.status_code == 200 and still.json()["household"]["id"] == old_household
    assert still.json()["account"]["account_id"] == old_account

    # 王强 settles at the desk; then the transfer goes through
    paid = web_session.post(f"/api/v1/units/{unit_id}/payments", headers={**desk, **key()}, json={
        "method": "cash", "amount": "345.00", "payer_name": "王强"})
    assert paid.status_code == 201, paid.text
    assert (paid.json()["account_id"], paid.json()["account"]["balance_due"]) == (old_account, "0.00")
    transferred = web_session.post(f"/api/v1/units/{unit_id}/transfer", headers={**desk, **key()}, json=body)
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

    # finance: nothing owed on the unit by anyone -- 王强 paid before the transfer; his account closed
    ledger = web_session.get(f"/api/v1/projects/{pid}/arrears-ledger", headers=finance).json()
    assert all(r["unit_id"] != unit_id for r in ledger["rows"])
    asked = web_session.get(f"/api/v1/units/{unit_id}/arrears", headers=desk).json()
    assert (asked["has_arrears"], asked["overdue"], asked["previous"]) == (False, "0.00", [])
    [closed] = rows(platform["billing"].config["DB_URL"], "SELECT household_id, closed_on FROM fee_accounts "
                    "WHERE id = :id", id=old_account)
    assert closed["household_id"] == old_household and closed["closed_on"] is not None


def test_a_move_out_with_arrears_is_refused_until_billing_says_settled(platform, demo, web_session, shared_clock):
    """迁出 asks billing as a transfer does (the move-out was the desk's word only): 王强's 1栋-0102 carries
    345.00 -- the checklist says settled and names who in finance checked, billing refuses: 409 naming
    345.00, 王强 still lives there; he pays at the desk, the move-out goes through."""
    unit_id = seed.unit_id(*UNIT)
    household = demo["households"][UNIT]["id"]
    desk = token(web_session, "desk.lh")
    body = {"moved_out_on": shared_clock.today("Asia/Shanghai").isoformat(), "reason": "relocated",
            "keys_returned": True, "fees_settled": True, "fees_confirmed_by": "财务 钱",
            "meter_readings_recorded": True, "deposit_handling": "none"}
    refused = web_session.post(f"/api/v1/households/{household}/move-out", headers={**desk, **key()}, json=body)
    assert refused.status_code == 409, refused.text
    error = refused.json()
    assert error["error"] == "arrears_outstanding" and error["details"]["unpaid"] == "345.00"
    assert error["message"].startswith("1栋-0102 尚有 345.00 元费用未结清（收费系统），请先结清全部费用（含装修垃圾清运费）再办理迁出 (")
    people = web_session.get(f"/api/v1/households/{household}/people", headers=desk)
    assert people.status_code == 200 and people.json()["status"] == "active", people.text

    paid = web_session.post(f"/api/v1/units/{unit_id}/payments", headers={**desk, **key()}, json={
        "method": "cash", "amount": "345.00", "payer_name": "王强"})
    assert paid.status_code == 201 and paid.json()["account"]["balance_due"] == "0.00", paid.text
    out = web_session.post(f"/api/v1/households/{household}/move-out", headers={**desk, **key()}, json=body)
    assert out.status_code == 200, out.text
    assert out.json()["household"]["status"] == "moved_out"
    assert out.json()["move_out"]["fees_confirmed_by"] == "财务 钱"
    # billing's word when he left is kept with the record and shown in the household file for staff
    said = out.json()["move_out"]["fees_checked"]
    assert (said["unpaid"], said["balance_due"]) == ("0.00", "0.00") and said["as_of"]
    cs = token(web_session, "cs.lh")
    file = web_session.get(f"/api/v1/households/{household}/file", headers=cs, params={"purpose": "迁出核对"})
    assert file.status_code == 200, file.text
    assert (file.json()["move_out"]["id"], file.json()["move_out"]["fees_checked"]) == (
        out.json()["move_out"]["id"], said)
