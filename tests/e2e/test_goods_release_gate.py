"""The goods pass's validity window at the gate (放行条有效时间, issue 12's "what is left") through the
gateway with every service running and the platform's clock moved: a pass for a move two days ahead is
refused at the gate (409 pass_outside_window, Chinese first, naming the window, nothing written) until
its moving day begins; on the day the guard lets the goods out; a pass whose day and the project's hours
after it (goods_release.use_hours_after_move_day, set to 2 here) are over is refused as expired."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from deploy import seed
from kernel.testing import keyed

from . import test_repair_flow
from .test_goods_release import MOVER_ID, send
from .test_idempotency_and_settings import project_id
from .test_repair_flow import token

demo = test_repair_flow.demo                     # the demo's records (a fixture)

SITE = ZoneInfo("Asia/Shanghai")
ZHANG_ID = "440301198801011238"          # 张伟's (1栋-0101, owes nothing)


@pytest.fixture
def platform(start_platform):
    """Tokens that outlive the days this test moves the clock on (a token issued "in the future" of
    the wall clock is refused, so the test logs in before it moves)."""
    return start_platform(TOKEN_TTL_MINUTES=60 * 24 * 10)


def issued_pass(web_session, desk, finance, unit, move_at: datetime) -> dict:
    body = {"unit_id": unit, "requester_name": "张伟", "requester_role": "owner",
            "mover_name": "搬家公司·刘师傅", "mover_id_type": "resident_id", "mover_id_number": MOVER_ID,
            "items": [{"name": "书柜", "quantity": 1}], "move_at": move_at.isoformat(),
            "identity": {"method": "in_person", "person_name": "张伟", "id_type": "resident_id",
                         "id_number": ZHANG_ID, "matched_archive": True}}
    rid = send(web_session, desk, "/goods-releases", body, 201)["id"]
    send(web_session, finance, f"/goods-releases/{rid}/approve", {}, 200)
    return send(web_session, desk, f"/goods-releases/{rid}/issue", {}, 200)


def test_the_gate_lets_goods_out_only_on_the_moving_day(platform, demo, web_session, shared_clock):
    unit = seed.unit_id("LH", "1栋", "0101")
    desk, finance, guard, centre = (token(web_session, u) for u in ("desk.lh", "finance.lh", "guard.lh", "centre.lh"))
    pid = project_id(web_session, desk)
    # the project's hours after the moving day: 2 (the default is 6)
    changed = web_session.put(f"/api/v1/projects/{pid}/settings/tickets", headers=keyed(centre), json={
        "key": "goods_release.use_hours_after_move_day", "value": 2, "reason": "夜间不得搬运"})
    assert changed.status_code == 200, changed.text

    moving_day = datetime.now(SITE).date() + timedelta(days=2)
    move_at = datetime.combine(moving_day, time(10, 0), tzinfo=SITE)
    today, later = (issued_pass(web_session, desk, finance, unit, move_at) for _ in range(2))

    def at(when: datetime):
        shared_clock.write(offset_seconds=(when - datetime.now(SITE)).total_seconds())

    # the evening before the moving day: not good yet -- nothing written
    at(datetime.combine(moving_day, time(0, 0), tzinfo=SITE) - timedelta(minutes=5))
    early = send(web_session, guard, f"/goods-releases/{today['id']}/use", {"note": "东门"}, 409)
    window = f"{moving_day.isoformat()} 00:00 至 {(moving_day + timedelta(days=1)).isoformat()} 02:00"
    assert early["error"] == "pass_outside_window" and early["details"]["reason"] == "too_early"
    assert early["message"].startswith(f"放行条 {today['number']} 尚未生效：仅在搬出日当天有效（{window}）")
    assert "(pass " in early["message"] and early["details"]["hours_after_move_day"] == 2
    assert early["details"]["valid_from"] == datetime.combine(moving_day, time(0, 0), tzinfo=SITE).isoformat()
    # every time of the details in the project's zone, as the window (PostgreSQL gives move_at back in UTC)
    assert all(early["details"][k].endswith("+08:00") for k in ("move_at", "now", "valid_from", "valid_until"))
    assert early["details"]["now"].startswith(f"{moving_day - timedelta(days=1)}T23:5")    # the platform's clock
    seen = web_session.get(f"/api/v1/goods-releases/{today['id']}", headers=desk).json()
    assert seen["status"] == "issued" and seen["used"] is None and seen["version"] == today["version"]

    # the moving day: the guard lets the goods out
    at(datetime.combine(moving_day, time(9, 30), tzinfo=SITE))
    used = send(web_session, guard, f"/goods-releases/{today['id']}/use", {"note": "东门"}, 200)
    assert used["status"] == "used" and used["used_at"]

    # the day and its two hours are over: the other pass has expired (the desk voids it and issues anew)
    at(datetime.combine(moving_day + timedelta(days=1), time(2, 0), tzinfo=SITE))
    expired = send(web_session, guard, f"/goods-releases/{later['id']}/use", {}, 409)
    assert expired["error"] == "pass_outside_window" and expired["details"]["reason"] == "expired"
    assert expired["message"].startswith(f"放行条 {later['number']} 已过有效时间（{window}）")
    assert web_session.get(f"/api/v1/goods-releases/{later['id']}", headers=desk).json()["status"] == "issued"
