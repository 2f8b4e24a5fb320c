"""notify tells a household of its goods release pass (tickets' ``goods_release.changed``): issued
(``goods_release.issued``), used at the gate (``goods_release.used``) and voided (``goods_release.voided``) -- the unit in-app, addressed to the
household, never SMS (the void's reason is the manager's text); the other steps say nothing; a
redelivered event makes nothing new. Rules on SQLite."""
from __future__ import annotations

from sqlalchemy import select

from services.notify import schemas
from services.notify.domain import goods_release, subscriptions, templates
from services.notify.models import Notification
from services.notify.tests.test_bills import session, tell, texts  # noqa: F401
from services.notify.tests.test_domain import G, clock, estate  # noqa: F401  (fixtures)

RELEASE = {"release_id": "gr1", "group_id": G, "project_id": "p1", "unit_id": "u1", "unit_label": "1栋-0101",
           "household_id": "h1", "number": "FX-20261126-0001", "status": "issued",
           "requester": {"name": "张伟", "role": "owner", "user_id": "r1"},
           "mover": {"name": "刘师傅", "id_type": "resident_id", "id_number_masked": "1101**********4566"},
           "items": [{"name": "冰箱", "quantity": 1}, {"name": "沙发", "quantity": 2}],
           "move_at": "2026-11-27T02:00:00+00:00", "note": "", "void_reason": None,
           "recorded_at": "2026-11-26T01:00:00+00:00", "version": 4, "history": [],
           "step": {"action": "issue", "from": "approved", "to": "issued",
                    "actor": {"user_id": "d1", "name": "王前台"}, "at": "2026-11-26T03:00:00+00:00"}}


def changed(**changes) -> dict:
    return {**RELEASE, **changes}


def test_the_household_is_told_in_app_when_its_pass_is_issued_once(session, clock, estate):
    made = tell(session, clock, goods_release.on_goods_release_changed, schemas.GoodsReleaseChangedIn(), RELEASE)
    assert texts(made) == {("unit", "u1"): {"inapp": (None, (
        "【绿湖花园】1栋-0101 的物品放行单 FX-20261126-0001 已开具（物品 2 项，搬出时间 2026-11-27 10:00）。"
        "搬出时请向门岗出示放行单号。"))}}
    [message] = made
    assert (message.purpose, message.ref_type, message.ref_id, message.household_id) == (
        "goods_release.issued", "goods_release", "gr1", "h1")
    assert "冰箱" not in message.deliveries[0].body          # the resident's words are not repeated
    # the broker delivers the same event again: nothing more
    assert tell(session, clock, goods_release.on_goods_release_changed, schemas.GoodsReleaseChangedIn(),
                RELEASE) == []


def test_a_void_is_told_in_app_without_the_staff_reason_and_never_by_sms(session, clock, estate):
    """Trial 4 M4: the manager's reason (free text: it carried a phone number) stays out of the message."""
    voided = changed(status="voided", void_reason="住户电话 13812345678 取消", version=5,
                     step={**RELEASE["step"], "action": "void", "from": "issued", "to": "voided"})
    made = tell(session, clock, goods_release.on_goods_release_changed, schemas.GoodsReleaseChangedIn(), voided,
                event_id="ev-void")
    got = texts(made)
    assert list(got) == [("unit", "u1")] and set(got[("unit", "u1")]) == {"inapp"}
    assert got[("unit", "u1")]["inapp"][1] == ("【绿湖花园】1栋-0101 的物品放行单 FX-20261126-0001 已作废，"
                                               "如需了解详情请联系服务中心。")
    assert "13812345678" not in str(got)
    # a release voided before it was numbered says so, not "None"
    early = changed(release_id="gr2", number=None, status="voided", void_reason="重复申请",
                    step={**RELEASE["step"], "action": "void", "from": "requested", "to": "voided"})
    [message] = tell(session, clock, goods_release.on_goods_release_changed, schemas.GoodsReleaseChangedIn(),
                     early, event_id="ev-early")
    assert "（未编号）" in message.deliveries[0].body and "None" not in message.deliveries[0].body
    for purpose in (goods_release.ISSUED, goods_release.VOIDED):
        assert templates.purpose_of(purpose).channels == ("inapp",)


def test_the_goods_let_out_at_the_gate_are_told_in_app_with_the_time_once(session, clock, estate):
    """The household learns at once that goods left under its pass (one it did not expect: the service
    centre at once) -- in-app only, the count of the items, never their names."""
    used = changed(status="used", version=5, step={**RELEASE["step"], "action": "use", "from": "issued", "to": "used",
                                                   "actor": {"user_id": "sec1", "name": "李保安"},
                                                   "at": "2026-11-27T02:05:00+00:00"})
    made = tell(session, clock, goods_release.on_goods_release_changed, schemas.GoodsReleaseChangedIn(), used,
                event_id="ev-use")
    assert texts(made) == {("unit", "u1"): {"inapp": (None, (
        "【绿湖花园】1栋-0101 的物品放行单 FX-20261126-0001 已于 2026-11-27 10:05 在门岗核验放行（物品 2 项）。"
        "如非本户知悉的搬出，请立即联系服务中心。"))}}
    [message] = made
    assert (message.purpose, message.ref_type, message.ref_id, message.household_id) == (
        "goods_release.used", "goods_release", "gr1", "h1")
    assert "冰箱" not in message.deliveries[0].body and "李保安" not in message.deliveries[0].body
    assert templates.purpose_of(goods_release.USED).channels == ("inapp",)
    assert tell(session, clock, goods_release.on_goods_release_changed, schemas.GoodsReleaseChangedIn(), used,
                event_id="ev-use") == []


def test_the_other_steps_say_nothing(session, clock, estate):
    for action in ("request", "verify", "approve", "withdraw"):
        step = {**RELEASE["step"], "action": action}
        assert tell(session, clock, goods_release.on_goods_release_changed, schemas.GoodsReleaseChangedIn(),
                    changed(step=step), event_id=f"ev-{action}") == []
    assert session.scalars(select(Notification)).all() == []


def test_the_catalogue_names_the_three_purposes_in_app_only():
    rows = {(s.purpose, s.channels) for s in subscriptions.SUBSCRIPTIONS if s.event_type == "goods_release.changed"}
    assert rows == {("goods_release.issued", ("inapp",)), ("goods_release.used", ("inapp",)),
                    ("goods_release.voided", ("inapp",))}
