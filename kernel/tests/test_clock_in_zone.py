"""kernel.clock.in_zone: a reply's times in the project's zone -- aware datetimes anywhere, ISO texts with an
offset under ``at`` / ``*_at`` keys; days, naive times and other texts untouched."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from kernel.clock import in_zone

UTC = timezone.utc


def test_every_time_of_a_reply_is_in_the_zone_and_nothing_else_changes():
    reply = {"items": [{"received_at": "2026-11-24T10:00:00+00:00", "number": "RW-20261124-0001",
                        "deadlines": [{"due_at": "2026-11-24T10:00:00.123456+00:00", "met_at": None}],
                        "history": [{"at": datetime(2026, 11, 24, 1, 30, tzinfo=UTC), "note": "2026-11-24T10:00:00+00:00"}],
                        "day": "2026-11-24", "closed_at": "not a time", "naive_at": "2026-11-24T10:00:00",
                        "made": datetime(2026, 11, 24, 1, 0, tzinfo=UTC), "count": 3}], "total": 1}
    out = in_zone(reply)
    [item] = out["items"]
    assert item["received_at"] == "2026-11-24T18:00:00+08:00"
    assert item["deadlines"] == [{"due_at": "2026-11-24T18:00:00.123456+08:00", "met_at": None}]
    at = item["history"][0]["at"]
    assert at == datetime(2026, 11, 24, 1, 30, tzinfo=UTC) and at.utcoffset() == timedelta(hours=8)
    assert item["history"][0]["note"] == "2026-11-24T10:00:00+00:00"          # free text is not a time
    assert item["made"].utcoffset() == timedelta(hours=8)
    assert (item["day"], item["closed_at"], item["naive_at"], item["count"]) == (
        "2026-11-24", "not a time", "2026-11-24T10:00:00", 3)
    assert out["total"] == 1 and reply["items"][0]["received_at"] == "2026-11-24T10:00:00+00:00"   # a new tree
    assert in_zone({"at": "2026-07-01T00:00:00+00:00"}, "Europe/Berlin") == {"at": "2026-07-01T02:00:00+02:00"}
