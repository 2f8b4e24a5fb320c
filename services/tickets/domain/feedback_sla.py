"""The reply clock of a suggestion (建议, domain/feedback.py) and its figure, a per-project
setting in tickets' catalogue (``sla.SETTINGS``). The brief gives no figure for answering praise
or suggestions: **7 calendar days** for a suggestion's written reply is the platform's default
(a project sets its own). Praise has no clock (it is forwarded and thanked)."""
from __future__ import annotations

from marshmallow import fields
from marshmallow.validate import Range

from kernel.settings import Setting

#: the clock of a suggestion's reply (``TicketDeadline.kind``)
REPLY_CLOCK = "feedback_reply"
SUGGESTION_REPLY_DAYS = "feedback.suggestion_reply_days"
SETTINGS = [
    Setting(SUGGESTION_REPLY_DAYS, fields.Integer(strict=True, validate=Range(1, 90)), default=7, unit="days",
            doc="suggestions (建议): the company's written reply (adopted / not adopted) within N days of the "
                "suggestion coming in (the brief gives no figure: 7 days is the platform's default)"),
]
