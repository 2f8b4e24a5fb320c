"""The per-project figures of daily inspections (巡检) and stewards' patrols (巡视), in tickets'
catalogue (``sla.SETTINGS``). The seeds say stewards patrol their area twice a day (001) and name
no hours: the windows below are our defaults, each project sets its own.

- ``inspection.patrols_per_day`` (2): how many patrols a day each active area gets; the plan takes
  the first N windows of ``inspection.patrol_windows`` (0: no patrols planned);
- ``inspection.patrol_windows`` (``["08:00-12:00", "14:00-18:00"]``): the local-time windows of
  the day's patrols, in order, not overlapping; a patrol is due by its window's end (its SLA
  clock ``patrol`` runs from the window's start);
- ``inspection.spot_round_hours`` (4): a round walked outside the plan (现场巡检, ``POST
  /inspection-areas/{id}/rounds``) is due this many hours after it is opened, then it is missed.
"""
from __future__ import annotations

import re

from marshmallow import ValidationError, fields
from marshmallow.validate import Length, Range

from kernel.settings import Setting

PATROLS_PER_DAY = "inspection.patrols_per_day"
PATROL_WINDOWS = "inspection.patrol_windows"
SPOT_ROUND_HOURS = "inspection.spot_round_hours"
DEFAULT_WINDOWS = ["08:00-12:00", "14:00-18:00"]
_WINDOW = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])\Z")


def minutes_of(window: str) -> tuple[int, int]:
    """``"08:00-12:00"`` -> (480, 720): the window's start and end in minutes of the local day."""
    m = _WINDOW.match(window)
    if m is None:
        raise ValueError(f"not a window HH:MM-HH:MM: {window!r}")
    start, end = int(m[1]) * 60 + int(m[2]), int(m[3]) * 60 + int(m[4])
    return start, end


def _check_windows(windows: list[str]) -> None:
    last_end = -1
    for window in windows:
        try:
            start, end = minutes_of(window)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if end > 24 * 60 or start >= end:
            raise ValidationError(f"{window}: the window ends after it starts, by 24:00 at the latest")
        if start < last_end:
            raise ValidationError(f"{window}: windows are in order and do not overlap")
        last_end = end


def check(values: dict) -> str | None:
    """The settings agree: as many windows as patrols a day, at least."""
    per_day, windows = values.get(PATROLS_PER_DAY, 2), values.get(PATROL_WINDOWS, DEFAULT_WINDOWS)
    if per_day > len(windows):
        return (f"{PATROLS_PER_DAY} is {per_day} but {PATROL_WINDOWS} has {len(windows)} window(s): "
                "name a window for every patrol")
    return None


SETTINGS = [
    Setting(PATROLS_PER_DAY, fields.Integer(strict=True, validate=Range(0, 6)), default=2, unit="patrols",
            doc="stewards patrol each area N times a day (巡视, seed 001: twice); the plan takes the first N "
                "windows of inspection.patrol_windows; 0 = no patrols planned"),
    Setting(PATROL_WINDOWS, fields.List(fields.String(), validate=[Length(min=1, max=6), _check_windows]),
            default=list(DEFAULT_WINDOWS), unit="local times",
            doc="the day's patrol windows (HH:MM-HH:MM, in order, not overlapping; our defaults -- the seeds "
                "name no hours): a patrol is due by its window's end, then it is missed"),
    Setting(SPOT_ROUND_HOURS, fields.Integer(strict=True, validate=Range(1, 24)), default=4, unit="hours",
            doc="a round walked outside the plan (POST /inspection-areas/{id}/rounds) is due N hours after it "
                "is opened, then it is missed; one such round open per area at a time"),
]
