"""Injectable time.

All code asks a :class:`Clock` for "now" (timezone-aware UTC). Production uses
:class:`SystemClock`; tests use :class:`ManualClock` and move it forward through
SLA deadlines and dunning dates in milliseconds of real time.

A service picks its clock from config ``CLOCK``:

- ``system`` (default)
- ``manual:2026-11-24T09:00:00+08:00`` -- frozen at that instant until advanced
- ``file:/path/clock.json`` -- a clock shared by several processes (the end-to-end
  tests move every service's time at once by rewriting the file)
"""
from __future__ import annotations

import json
import os
import threading
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc
DEFAULT_TZ = "Asia/Shanghai"


class Clock:
    def now(self) -> datetime:  # pragma: no cover - interface
        raise NotImplementedError

    def today(self, tz: str = DEFAULT_TZ) -> date:
        """The calendar date at the project's site (bills and dunning run on local dates)."""
        return self.now().astimezone(ZoneInfo(tz)).date()


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock(Clock):
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | str | None = None):
        if start is None:
            start = datetime(2026, 1, 1, tzinfo=UTC)
        self._now = _parse(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime | str) -> None:
        with self._lock:
            self._now = _parse(when)

    def advance(self, delta: timedelta | None = None, **kwargs) -> datetime:
        with self._lock:
            self._now = self._now + (delta or timedelta(**kwargs))
            return self._now


class FileClock(Clock):
    """Reads ``{"offset_seconds": n}`` or ``{"now": iso}`` from a file on every call,
    so a test harness can move the time of several processes together."""

    def __init__(self, path: str):
        self.path = path

    def now(self) -> datetime:
        try:
            with open(self.path) as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return datetime.now(UTC)
        if "now" in data:
            return _parse(data["now"])
        return datetime.now(UTC) + timedelta(seconds=float(data.get("offset_seconds", 0)))

    def write(self, *, now: datetime | None = None, offset_seconds: float | None = None) -> None:
        data = {"now": now.isoformat()} if now is not None else {"offset_seconds": offset_seconds or 0}
        tmp = f"{self.path}.tmp"
        with open(tmp, "w") as fh:
            json.dump(data, fh)
        os.replace(tmp, self.path)


def _parse(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        raise ValueError("clock times must be timezone-aware")
    return value.astimezone(UTC)


def clock_from_setting(setting: str | None) -> Clock:
    setting = (setting or "system").strip()
    if setting == "system":
        return SystemClock()
    if setting.startswith("manual:"):
        return ManualClock(setting[len("manual:"):])
    if setting.startswith("file:"):
        return FileClock(setting[len("file:"):])
    raise ValueError(f"unknown CLOCK setting {setting!r} (system | manual:<iso> | file:<path>)")


def ensure_aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every datetime we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def in_zone(value, zone: str | ZoneInfo | None = None):
    """``value`` (a reply: dicts and lists) with every time in ``zone`` (default :data:`DEFAULT_TZ`, the
    site's): an aware ``datetime`` anywhere, and an ISO-8601 date-time text with an offset under a key
    ``at`` or ending ``_at`` (a stored document's ``due_at``) -- the same instant, its offset the zone's
    (``2026-11-24T10:00:00+00:00`` -> ``2026-11-24T18:00:00+08:00``). A naive datetime, a day
    (``2026-11-24``) or any other text is left as it is. A new tree; ``value`` is not changed."""
    zone = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone or DEFAULT_TZ)

    def convert(item, timed: bool = False):
        if isinstance(item, dict):
            return {k: convert(v, isinstance(k, str) and (k == "at" or k.endswith("_at"))) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [convert(v, timed) for v in item]
        if isinstance(item, datetime):
            return item.astimezone(zone) if item.tzinfo is not None else item
        if timed and isinstance(item, str) and "T" in item:
            try:
                parsed = datetime.fromisoformat(item)
            except ValueError:
                return item
            return parsed.astimezone(zone).isoformat() if parsed.tzinfo is not None else item
        return item
    return convert(value)
