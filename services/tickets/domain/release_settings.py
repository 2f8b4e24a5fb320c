"""The goods release's per-project figures (物品放行, ``goods_release.*`` in tickets' settings
catalogue ``sla.SETTINGS``) -- kept apart from ``goods_release.py`` so the catalogue can list them
without importing the rules."""
from __future__ import annotations

from marshmallow import fields, validate

from kernel.settings import Setting

MAX_ITEMS = "goods_release.max_items"
BLOCK_ON = "goods_release.block_on"
#: what counts as unpaid: ``balance_due`` -- everything the unit owes now, bills not yet due
#: included (结清我处全部费用, the seed's default) -- or only ``overdue`` bills (欠费)
BLOCK_ON_CHOICES = ("balance_due", "overdue")
#: how far in the past a request's moving time may be (the desk records a move going on now, typed a
#: few minutes late) -- beyond it ``422 move_at_past``
MOVE_AT_PAST_TOLERANCE = "goods_release.move_at_past_tolerance_minutes"
#: how far ahead a release may be asked for -- beyond it ``422 move_at_too_far`` (the fees are checked
#: again when the pass is issued, but a pass for a move months away checks a household that may change)
MOVE_AT_MAX_DAYS_AHEAD = "goods_release.move_at_max_days_ahead"
#: the pass's validity window at the gate (放行条有效时间): it lets goods out from the start of the moving
#: day (the project's local day of ``move_at``) to its end plus this many hours (a move running past
#: midnight) -- outside it the gate's ``use`` is ``409 pass_outside_window``
USE_HOURS_AFTER_MOVE_DAY = "goods_release.use_hours_after_move_day"

SETTINGS = [
    Setting(MAX_ITEMS, fields.Integer(strict=True, validate=validate.Range(1, 200)), default=50, unit="items",
            doc="the most item lines one goods release pass lists (搬离物品名称/数量)"),
    Setting(BLOCK_ON, fields.String(validate=validate.OneOf(BLOCK_ON_CHOICES)), default="balance_due",
            doc="what refuses a goods release: balance_due (every fee settled, 结清全部费用) or overdue "
                "(only bills past their due date)"),
    Setting(MOVE_AT_PAST_TOLERANCE, fields.Integer(strict=True, validate=validate.Range(0, 1440)), default=60,
            unit="minutes", doc="how long ago a goods release's moving time (move_at) may be when it is recorded "
                                "(a move going on now, recorded late); earlier is 422 move_at_past"),
    Setting(MOVE_AT_MAX_DAYS_AHEAD, fields.Integer(strict=True, validate=validate.Range(1, 366)), default=30,
            unit="days", doc="how far ahead a goods release's moving time (move_at) may be when it is recorded; "
                             "later is 422 move_at_too_far"),
    Setting(USE_HOURS_AFTER_MOVE_DAY, fields.Integer(strict=True, validate=validate.Range(0, 72)), default=6,
            unit="hours", doc="the pass lets goods out at the gate (use) from the start of its moving day (the "
                              "local day of move_at) to the day's end plus this many hours; outside it 409 "
                              "pass_outside_window"),
]
