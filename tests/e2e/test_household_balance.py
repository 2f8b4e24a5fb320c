"""The household's balance in the unit overview and in the household file is the fee
account's, kept current through billing's ``account.balance_changed``."""
from __future__ import annotations

from deploy import seed
from kernel.testing import keyed, wait_for

from .test_repair_flow import demo, token  # noqa: F401  (fixture)


def file_balance(web_session, headers, household_id):
    return web_session.get(f"/api/v1/households/{household_id}/file", headers=headers,
                           params={"purpose": "缴费情况核对"}).json()["household"]["balance_due"]


def test_an_opening_balance_of_zero_shows_as_0_00_in_overview_and_file(platform, demo, web_session):
    key = ("LH", "1栋", "0101")
    unit_id, household_id = seed.unit_id(*key), demo["households"][key]["id"]
    cs, finance = token(web_session, "cs.lh"), token(web_session, "finance.lh")
    posted = web_session.post(f"/api/v1/units/{unit_id}/account/opening-balance", headers=keyed(finance),
                              json={"amount": "0.00", "as_of": "2026-11-01"})
    assert posted.status_code == 201, posted.text
    assert posted.json()["balance_due"] == "0.00"
    assert wait_for(lambda: file_balance(web_session, cs, household_id) == "0.00",
                    message="0.00 in the household file")
    overview = web_session.get(f"/api/v1/units/{unit_id}/overview", headers=cs).json()
    assert overview["account"]["balance_due"] == "0.00"
    assert overview["household"]["balance_due"] == "0.00"


def test_the_posted_amount_shows_in_overview_and_file(platform, demo, web_session):
    key = ("LH", "1栋", "0102")                       # the demo carried 345.00 over
    unit_id, household_id = seed.unit_id(*key), demo["households"][key]["id"]
    cs = token(web_session, "cs.lh")
    assert wait_for(lambda: file_balance(web_session, cs, household_id) == "345.00",
                    message="345.00 in the household file")
    overview = web_session.get(f"/api/v1/units/{unit_id}/overview", headers=cs).json()
    assert overview["account"]["balance_due"] == overview["household"]["balance_due"] == "345.00"
    # nothing posted yet: the account says 0.00, and so do the overview and the file
    key = ("LH", "1栋", "0101")
    overview = web_session.get(f"/api/v1/units/{seed.unit_id(*key)}/overview",
                               headers=token(web_session, "zhangwei")).json()
    assert overview["account"]["balance_due"] == overview["household"]["balance_due"] == "0.00"
    assert wait_for(lambda: file_balance(web_session, cs, demo["households"][key]["id"]) == "0.00",
                    message="0.00 in the file of a household whose account has no entries")
