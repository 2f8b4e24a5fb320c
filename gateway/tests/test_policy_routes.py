"""The sending policy's routes, gateway side without a broker (issue 10): a resident's channel opt-outs
(read; a write with an Idempotency-Key), the delivery status for the project's customer service, the
unread counts -- the unit's from the portal's read model (no RPC), the staff inbox's from notify.
Each is in the OpenAPI document with its roles; bad input is a 400 before notify is asked."""
from __future__ import annotations

import orjson
import pytest
from marshmallow import ValidationError
from sqlalchemy.orm import Session

import gateway.models
import gateway.service  # noqa: F401  (registers the routes)
from gateway import schemas as s
from gateway.openapi import build_document
from gateway.readmodel import projector, views
from gateway.routing import ROUTES
from gateway.tests.test_readmodel import G, iso, notification, unit
from kernel.config import migrations_dir
from kernel.db import make_engine, upgrade
from kernel.testing import resident, staff

PREFERENCES = "/api/v1/units/{unit_id}/people/{person_id}/notification-preferences"
DELIVERIES = "/api/v1/projects/{project_id}/deliveries"
UNIT_UNREAD = "/api/v1/units/{unit_id}/notifications/unread"
STAFF_UNREAD = "/api/v1/staff/inbox/unread"


def spec(method, path):
    [found] = [r for r in ROUTES if r.path == path and r.method == method]
    return found


def test_the_routes_are_documented_with_their_roles_and_the_write_takes_a_key():
    paths = build_document()["paths"]
    assert spec("PUT", PREFERENCES).idempotent and not spec("GET", PREFERENCES).idempotent
    assert "residents of the unit" in paths[PREFERENCES]["put"]["summary"]
    assert "legally required" in paths[PREFERENCES]["put"]["summary"]
    assert {"400", "403", "404"} <= set(paths[PREFERENCES]["put"]["responses"])
    assert paths[DELIVERIES]["get"]["summary"].endswith(
        "(front desk, steward, CS manager, centre manager of the project; general manager, group admin)")
    assert {"400", "403", "404"} <= set(paths[DELIVERIES]["get"]["responses"])
    assert "residents of the unit" in paths[UNIT_UNREAD]["get"]["summary"]
    assert "(staff)" in paths[STAFF_UNREAD]["get"]["summary"]


@pytest.mark.parametrize("schema, data", [
    (s.PreferencesIn, {}), (s.PreferencesIn, {"channels": []}),
    (s.PreferencesIn, {"channels": [{"channel": "print", "opt_out": "all"}]}),
    (s.PreferencesIn, {"channels": [{"channel": "inapp", "opt_out": "all"}]}),
    (s.PreferencesIn, {"channels": [{"channel": "sms", "opt_out": "legal"}]}),
    (s.PreferencesIn, {"channels": [{"channel": "sms", "opt_out": "all"}, {"channel": "sms", "opt_out": "none"}]}),
    (s.PreferencesIn, {"channels": [{"channel": "sms"}]}),
    (s.DeliveryQuery, {"status": "lost"}), (s.DeliveryQuery, {"channel": "fax"}),
    (s.DeliveryQuery, {"purpose": "spam"}), (s.DeliveryQuery, {"date_from": "2026-02-30"}),
    (s.DeliveryQuery, {"date_from": "2026-11-25", "date_to": "2026-11-24"}),
    (s.DeliveryQuery, {"limit": "0"}), (s.DeliveryQuery, {"limit": "501"}), (s.DeliveryQuery, {"offset": "-1"}),
    (s.DeliveryQuery, {"unit_id": ""}), (s.StaffUnreadQuery, {"project_id": ""}),
])
def test_bad_input_is_refused_before_notify_is_asked(schema, data):
    with pytest.raises(ValidationError):
        schema().load(data)


def test_good_input_loads():
    assert s.PreferencesIn().load({"channels": [{"channel": "sms", "opt_out": "marketing"},
                                                {"channel": "wechat", "opt_out": "none"}]})["channels"][1] == \
        {"channel": "wechat", "opt_out": "none"}
    q = s.DeliveryQuery().load({"status": "suppressed", "channel": "sms", "purpose": "greeting.holiday",
                                "date_from": "2026-11-24", "date_to": "2026-11-24"})
    assert q["limit"] == 50 and q["offset"] == 0 and q["status"] == "suppressed"


# -- the unit's unread count from the read model ----------------------------------------------------

@pytest.fixture
def session(db_url):
    upgrade(migrations_dir("gateway"), db_url)
    engine = make_engine(db_url)
    with Session(engine) as s_:
        yield s_
    engine.dispose()


def test_the_unit_s_unread_count_is_read_from_the_portal_s_notifications(session):
    projector.apply_unit(session, unit())
    projector.apply_notification(session, notification("n1"))
    projector.apply_notification(session, notification("n2", created=1))
    # a body that says the words of an unread document is not one: inside a string its quotes are escaped
    projector.apply_notification(session, dict(notification("n3", created=2, read_at=iso(3)),
                                               body='{"read_at":null}'))
    session.commit()
    me = resident(G, ["u1"])
    assert views.unit_unread(session, me, "u1") == {"unit_id": "u1", "unread": 2}
    projector.apply_notification(session, notification("n1", version=2, read_at=iso(5)))    # read
    session.commit()
    assert views.unit_unread(session, me, "u1") == {"unit_id": "u1", "unread": 1}
    assert views.unit_unread(session, staff(G, ["p1"]), "u1")["unread"] == 1
    assert orjson.loads(session.get(gateway.models.PortalNotification, "n3").document)["body"] == '{"read_at":null}'
    # withdrawn (its broadcast cancelled): shown so, not unread -- a body quoting the words is not withdrawn
    projector.apply_notification(session, dict(notification("n2", version=2, created=1), withdrawn_at=iso(6),
                                               withdrawn_label="已撤回"))
    projector.apply_notification(session, dict(notification("n4", created=3), body='"withdrawn_at":"x'))
    session.commit()
    assert views.unit_unread(session, me, "u1") == {"unit_id": "u1", "unread": 1}
    shown = {n["id"]: n for n in views.unit_notifications(session, me, "u1", 10)}
    assert (shown["n2"]["withdrawn_label"], shown["n4"]["withdrawn_at"]) == ("已撤回", None)


def test_a_unit_not_projected_or_not_the_caller_s_is_left_to_notify(session):
    projector.apply_unit(session, unit())
    session.commit()
    assert views.unit_unread(session, resident(G, ["u1"]), "u1") == {"unit_id": "u1", "unread": 0}
    for caller in (resident(G, ["u9"]), staff("g2", ["p1"]), staff(G, ["p2"])):
        assert views.unit_unread(session, caller, "u1") is None
    assert views.unit_unread(session, resident(G, ["u2"]), "u2") is None


def test_the_unit_s_inbox_is_paged_with_its_total_and_an_unread_filter(session):
    """Trial 10, finding 18: up to 200 a page, an offset, the total, only the unread (not withdrawn) ones."""
    projector.apply_unit(session, unit())
    for i in range(7):
        projector.apply_notification(session, notification(f"n{i}", created=i, read_at=iso(9) if i < 2 else None))
    projector.apply_notification(session, dict(notification("n7", created=7), withdrawn_at=iso(8)))
    session.commit()
    me = resident(G, ["u1"])
    page = views.unit_inbox(session, me, "u1", 3, 2)
    assert ([n["id"] for n in page["items"]], page["total"]) == (["n5", "n4", "n3"], 8)
    unread = views.unit_inbox(session, me, "u1", 200, 0, unread_only=True)
    assert ([n["id"] for n in unread["items"]], unread["total"]) == (["n6", "n5", "n4", "n3", "n2"], 5)
    assert views.unit_inbox(session, resident(G, ["u9"]), "u1", 5) is None
    assert s.UnitInboxQuery().load({"limit": "200", "offset": "10", "unread_only": "true"}) == {
        "limit": 200, "offset": 10, "unread_only": True}
    for bad in ({"limit": "201"}, {"offset": "-1"}, {"limit": "0"}):
        with pytest.raises(ValidationError):
            s.UnitInboxQuery().load(bad)
