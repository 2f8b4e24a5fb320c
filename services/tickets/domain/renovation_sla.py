"""The figures of a renovation (装修, seed 000 §二, 001), each a per-project setting
(kernel.settings, in tickets' catalogue ``sla.SETTINGS``) with the brief's default.

- the review (审核) within 3 days of complete documents (``review`` clock);
- the completion acceptance (竣工验收) requested at least 1 working day ahead (the project's
  calendar, ``kernel.calendar``);
- the re-inspection (复查) 3 months after occupancy (a ``kernel.jobs`` job), the household told 7 days
  before it *(default; the seeds give no figure)* (``renovation.reinspection_upcoming``, another job);
- the deposit refunded within 7 days of a clean re-inspection (``refund`` clock);
- renovation waste (装修垃圾) may not stand more than 3 days (001; ``waste`` clock);
- the deposit (装修保证金): the brief gives no figure -- 2000.00 yuan per unit by default.

The garbage-removal fee (装修垃圾外运费, 3.00 yuan/m2 of building area) is not a setting here:
it is billing's fee schedule item ``garbage`` (effective-dated, per project), which billing
charges when it hears ``renovation.fees_requested``.
"""
from __future__ import annotations

from decimal import Decimal

from marshmallow import fields
from marshmallow.validate import Range

from kernel.money import Money
from kernel.settings import Setting
from kernel.tenancy import Role

REVIEW_DAYS = "renovation.review_days"
ACCEPTANCE_NOTICE_WORKING_DAYS = "renovation.acceptance_notice_working_days"
REINSPECTION_AFTER_MONTHS = "renovation.reinspection_after_months"
REFUND_WITHIN_DAYS = "renovation.refund_within_days"
REINSPECTION_NOTICE_DAYS = "renovation.reinspection_notice_days"
WASTE_DAYS = "renovation.waste_days"
DEPOSIT = "renovation.deposit"
START_WITHIN_DAYS = "renovation.start_within_days"
MAX_DURATION_DAYS = "renovation.max_duration_days"
ACCEPTANCE_WITHIN_DAYS = "renovation.acceptance_within_days"
#: a planned start may be given as yesterday (an application typed in after midnight for the day before)
START_PAST_TOLERANCE_DAYS = 1
#: a pass may run this many days past the planned end (the last clean-up, a late delivery)
PASS_AFTER_END_DAYS = 7

_DAYS = fields.Integer(strict=True, validate=Range(1, 90))
SETTINGS = [
    Setting(REVIEW_DAYS, _DAYS, default=3, unit="days",
            doc="a renovation application is reviewed within N days of its documents being complete (审核)"),
    Setting(ACCEPTANCE_NOTICE_WORKING_DAYS, fields.Integer(strict=True, validate=Range(0, 30)), default=1,
            unit="working days", doc="the completion acceptance (竣工验收) is requested at least N working "
                                     "days ahead (the project's calendar)"),
    Setting(REINSPECTION_AFTER_MONTHS, fields.Integer(strict=True, validate=Range(1, 24)), default=3,
            unit="months", doc="the renovation is re-inspected (复查) N months after occupancy"),
    Setting(REINSPECTION_NOTICE_DAYS, fields.Integer(strict=True, validate=Range(0, 30)), default=7, unit="days",
            doc="the household is told N days before the re-inspection (复查) is due, to be home for it "
                "(renovation.reinspection_upcoming; 0: told on the day; the seeds give no figure)"),
    Setting(REFUND_WITHIN_DAYS, _DAYS, default=7, unit="days",
            doc="the deposit is refunded within N days of the re-inspection (装修保证金退还)"),
    Setting(WASTE_DAYS, _DAYS, default=3, unit="days",
            doc="renovation waste (装修垃圾) may not stand more than N days (001): a breach after"),
    Setting(START_WITHIN_DAYS, fields.Integer(strict=True, validate=Range(1, 730)), default=180, unit="days",
            doc="a renovation's planned start is at most N days ahead of the application (and not in the past)"),
    Setting(MAX_DURATION_DAYS, fields.Integer(strict=True, validate=Range(1, 1095)), default=365, unit="days",
            doc="a renovation's planned end is at most N days after its planned start"),
    Setting(ACCEPTANCE_WITHIN_DAYS, fields.Integer(strict=True, validate=Range(1, 365)), default=30, unit="days",
            doc="the completion acceptance (竣工验收) is booked at most N days ahead"),
    Setting(DEPOSIT, Money(positive=True), default=Decimal("2000.00"), unit="yuan",
            doc="the renovation deposit per unit (装修保证金; the seeds give no figure: 2000.00 by default), "
                "requested from billing with the garbage-removal fee once the agreement is signed"),
]

#: the renovation's clocks (SLA engine, domain/clocks.py) and who answers for each
REVIEW, REFUND, WASTE = "renovation_review", "renovation_refund", "renovation_waste"
RESPONSIBLE = {REVIEW: Role.CS_MANAGER, REFUND: Role.FINANCE, WASTE: Role.STEWARD}
