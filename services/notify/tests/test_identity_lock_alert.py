"""archive's ``identity_match.locked`` told to the project's CS manager (trial 4 M12): one staff in-app
message in the ``cs_manager`` inbox per lock, the platform's words only, never an SMS."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from kernel.errors import InvalidInput, RetryableError
from kernel.testing import staff
from services.notify import schemas
from services.notify.domain import identity_lock, notifications
from services.notify.models import Delivery
from services.notify.tests.test_domain import G, clock, estate, session, work  # noqa: F401 (fixtures)

LOCKED = {"group_id": G, "project_id": "p1", "unit_id": "u1", "unit_label": "1栋-0101", "household_id": "h1",
          "failures": 5, "limit": 5, "at": "2026-11-24T02:20:00+00:00",
          "last_caller": {"user_id": "desk.wang", "name": "王前台", "roles": ["front_desk"]}}


def locked(session, clock, event_id="ev-lock-1", **over):
    made = identity_lock.on_identity_match_locked(
        work(session, clock), schemas.IdentityMatchLockedIn().load(dict(LOCKED, **over)),
        event_id=event_id, group_id=G, project_id="p1")
    session.flush()
    return made


def test_a_lock_goes_to_the_cs_managers_inbox_in_app_only(session, clock, estate):
    message = locked(session, clock)
    assert (message.recipient_kind, message.recipient, message.purpose) == ("role", "cs_manager",
                                                                           "identity_match.locked")
    assert message.subject == "身份核验已锁定：1栋-0101"
    assert message.body == ("【绿湖花园】1栋-0101 今日身份核验失败 5 次（上限 5 次），核验已暂停。"
                            "最后一次由 王前台 于 2026-11-24 10:20 提交。如核实为正常办理，可解除该房屋的核验锁定。")
    assert [(d.channel, d.status) for d in message.deliveries] == [("inapp", "delivered")]
    inbox = notifications.staff_inbox(work(session, clock, staff(G, ["p1"], roles=["cs_manager"])))
    assert [n.purpose for n in inbox] == ["identity_match.locked"]
    assert notifications.staff_inbox(work(session, clock, staff(G, ["p1"], roles=["front_desk"]))) == []
    assert session.scalars(select(Delivery).where(Delivery.channel != "inapp")).all() == []
    assert locked(session, clock) is None                             # a redelivery: nothing new


def test_a_lock_of_another_group_or_an_unknown_project_is_refused_or_retried(session, clock, estate):
    with pytest.raises(InvalidInput):
        locked(session, clock, group_id="group-x")
    with pytest.raises(RetryableError):
        identity_lock.on_identity_match_locked(work(session, clock), schemas.IdentityMatchLockedIn().load(LOCKED),
                                               event_id="ev-x", group_id=G, project_id="p-none")
