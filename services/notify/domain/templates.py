"""Message templates: built-in defaults, staff overrides, safe rendering.

A template is chosen per purpose (what the message is for), channel, locale and
project. Lookup: the project's override, then the group's, then the built-in
default below -- first in the wanted locale, then in zh-CN.

Templates are Jinja2 (``{{ ticket_number }}``), rendered in a
:class:`jinja2.sandbox.SandboxedEnvironment` with :class:`jinja2.StrictUndefined`
(staff write them): a template is checked when it is saved -- its syntax (the
refusal names the line), every variable it names is one its purpose provides on
its channel (the refusal names the missing ones; an SMS may name only platform
values, ``SMS_SAFE``), and it uses only plain output, ``if``/``else``, comparisons
and a few text filters: no attribute or item access, no calls, loops, macros,
imports or assignments (the sandbox would refuse some of them only when a message
is rendered). HTML e-mail bodies are auto-escaped; every other text is not.
"""
from __future__ import annotations

import functools
import logging
import re
import uuid
from html.parser import HTMLParser
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta, nodes, pass_eval_context
from jinja2.filters import do_replace
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from sqlalchemy import select

from kernel import validators
from kernel.errors import Forbidden
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import (InvalidTemplate, ProjectNotFound, TemplateNotFound, TemplateRefused, UnknownPurpose,
                          UnsupportedChannel, UnsupportedLocale)
from ..models import ProjectCopy, Template

log = logging.getLogger(__name__)

DEFAULT_LOCALE = "zh-CN"
LOCALES = ("zh-CN", "en")
GROUP_SCOPE = "*"
#: who may read and edit templates
EDITOR_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER, Role.GROUP_ADMIN)


#: what an SMS may say: only values the platform controls (project name, ticket number,
#: category label, deadlines) -- never a resident's free text (content, location, names they
#: typed), so nobody can make the platform text arbitrary words under the project's name
SMS_SAFE = frozenset({"project_name", "ticket_number", "category_label", "due_label", "due_at"})


#: what a purpose is, for the sending policy: ``service`` (the default), ``legal`` (a legally
#: required notice -- sent even to a resident who opted out of the channel) or ``marketing``
#: (greetings, community events -- the first an opt-out stops)
KINDS = ("service", "legal", "marketing")
#: every channel a template may be for
CHANNELS = ("inapp", "sms", "email", "wechat", "print")


@dataclass(frozen=True)
class Purpose:
    key: str
    channels: tuple[str, ...]
    placeholders: frozenset[str]
    description: str
    #: registry values (archive's) this purpose's SMS may state besides SMS_SAFE
    sms_also: frozenset[str] = frozenset()
    kind: str = "service"
    #: an emergency: its SMS and WeChat messages go out at once, also in the project's quiet hours
    #: (``policy.py``) -- an outage happening now (``outage.urgent``), and the developer's supervision
    #: department told of a quality complaint (an office's line, on tickets' 5-minute clock)
    emergency: bool = False
    #: the answer to the recipient's own request of a moment ago (a repair's acknowledgement): they are
    #: awake and waiting for it, so quiet hours do not hold it either
    reply: bool = False
    #: a workflow notice the resident waits for to act on (装修许可证已发放，可以开工; please come and sign):
    #: its SMS is never dropped by the per-recipient hourly / daily limits (receipts and bill notices
    #: used up the quota before it) -- the per-user limit of the staff whose step caused it still
    #: applies, and it counts towards the recipient's quota like any SMS that went out
    transactional: bool = False

    def __post_init__(self):
        assert self.kind in KINDS and set(self.channels) <= set(CHANNELS), self.key

    def allowed(self, channel: str) -> frozenset[str]:
        """The placeholders a template of this purpose may use on ``channel``."""
        return self.placeholders & (SMS_SAFE | self.sms_also) if channel == "sms" else self.placeholders

    @property
    def legal(self) -> bool:
        return self.kind == "legal"

    @property
    def marketing(self) -> bool:
        return self.kind == "marketing"

    def sample(self, locale: str = "zh-CN") -> dict:
        """Sample values for every placeholder (the preview's data)."""
        return {name: _sample(name, locale) for name in self.placeholders}


_TICKET = frozenset({
    "project_name", "ticket_number", "category_label", "content", "unit_label", "location",
    "place", "reporter_name", "received_at", "appointment_at", "due_label", "due_at",
})

_QUALITY = frozenset({"project_name", "ticket_number", "unit_label", "content", "reporter_name",
                      "received_at"})
_SUPERVISION = frozenset({"project_name", "ticket_number", "unit_label"})

#: what an SLA alert to staff may say: platform values only -- never the resident's words
#: (content, location, names): the ticket number, the clock's name, its due time, who answers
_SLA = frozenset({
    "project_name", "ticket_number", "category_label", "deadline_label", "due_at", "role_label",
    "assignee_name", "minutes_left", "minutes_overdue", "extension_note",
    # the time left / overdue in words (``duration_words``: "16 天 13 小时"), and what the clock is
    # about in the platform's words when its kind says it (an inspection: "（1栋天台（楼顶天台）巡视
    # 2026-11-27 第1次）"; else empty)
    "time_left", "time_overdue", "subject_note",
})

#: what billing's messages say (bank): platform values only -- the project, the unit's label, bill and
#: receipt numbers, the period, amounts and dates, and ``collect_note``, the platform's sentence naming
#: the collection day of a bank-debit household (empty for others). Nothing a resident typed, so every
#: one of them may go in an SMS (``sms_also``)
_BILL = frozenset({"project_name", "unit_label", "bill_number", "period", "amount", "due_date"})
_BILL_NOTICE = _BILL | {"collect_date", "collect_note"}
_PAYMENT_REMINDER = _BILL
_DEBIT_REMINDER = _BILL | {"collect_date"}
_RECEIPT = frozenset({"project_name", "unit_label", "receipt_number", "amount"})
#: what the dunning ladder's notices say (issue 9, ``dunning.notice_due``): platform values only -- the
#: unit's label, what is overdue (``overdue``, 本金), the late fee accrued and not yet billed
#: (``late_fee``, 滞纳金), both together (``total``), how many bills and the oldest one's due date, the
#: notice's date and the day to pay by. Every one may go in an SMS (``sms_also``)
_DUNNING = frozenset({"project_name", "unit_label", "overdue", "late_fee", "total", "bills", "oldest_due_date",
                      "notice_date", "pay_by"})

#: move-in welcome: the steward's name and phone and the service centre's phone (staff numbers, not the
#: resident's), the unit's label; the resident's name is not for an SMS
_WELCOME = frozenset({"project_name", "unit_label", "resident_name", "steward_name", "steward_phone",
                      "service_phone"})
#: a ticket's status change: ``status_label`` is the platform's word for the status, ``note`` the staff's
#: note (in-app and WeChat only)
_STATUS = frozenset({"project_name", "ticket_number", "category_label", "status_label", "changed_at", "note"})
_REVISIT = frozenset({"project_name", "ticket_number", "category_label", "steward_name", "steward_phone",
                      "revisit_by"})
#: a planned outage: what (water, power, gas: ``outage_label``), where (``area_label``: the buildings),
#: when, why (the staff's reason) and whom to call
_OUTAGE = frozenset({"project_name", "outage_label", "area_label", "starts_at", "ends_at", "reason",
                     "service_phone"})
_WARRANTY = frozenset({"project_name", "unit_label", "warranty_item", "expires_on", "service_phone"})
#: the vacant unit's monthly check: ``result_label`` is the platform's sentence (nothing found / a
#: repair ticket opened with its number / a crack waiting for the manager)
_VACANCY = frozenset({"project_name", "unit_label", "check_date", "result_label", "service_phone"})
#: a goods release pass issued or voided, to the household in-app only (``void_reason`` is the
#: manager's text, never in an SMS: the purposes have no SMS channel)
#: a crack's decision: ``decision_label`` is the platform's sentence (approved: the repair's number;
#: rejected), never the manager's note
_VACANCY_DECISION = frozenset({"project_name", "unit_label", "decision_label", "service_phone"})
_GOODS_RELEASE = frozenset({"project_name", "unit_label", "pass_number", "item_count", "move_at", "service_phone"})
#: a void says only that the pass was voided and to contact the service centre: never the manager's
#: free text (trial 4 M4: a reason carried a phone number into the household's inbox)
_GOODS_RELEASE_VOID = _GOODS_RELEASE
#: a pass used at the gate: when the goods went out (the platform's time of security's step)
_GOODS_RELEASE_USED = _GOODS_RELEASE | {"used_at"}
_IDENTITY_LOCKED = frozenset({"project_name", "unit_label", "failures", "limit", "last_caller", "locked_at"})
#: a failed daily-inspection item, to the CS manager's inbox (staff in-app only: ``note`` is the
#: steward's text): the area, the item, the round's and the repair ticket's numbers
_INSPECTION = frozenset({"project_name", "area_name", "item_name", "round_number", "ticket_number", "note",
                         "recorded_by", "recorded_at"})
#: a renovation handed over to the unit's new household (过户转交): its number and where it stands
#: (``state_label``, the platform's words) -- every one a platform value, fit for an SMS
_RENOVATION_HANDED_OVER = frozenset({"project_name", "unit_label", "renovation_number", "state_label",
                                     "service_phone"})
#: a renovation's re-inspection ahead (复查提醒): its number and the day it is due
_RENOVATION_REINSPECTION = frozenset({"project_name", "unit_label", "renovation_number", "due_date",
                                      "service_phone"})
#: a monthly key stock-check that does not agree with the register, to the CS manager (staff in-app
#: only): the month, who counted when, the figures and each discrepancy in the platform's words
_KEY_DISCREPANCY = frozenset({"project_name", "month", "check_kind", "checked_by", "checked_at", "expected", "counted",
                              "discrepancy_count", "discrepancy_list"})
_CARE_ANOMALY = frozenset({"project_name", "unit_label", "care", "anomaly", "performed_by", "performed_at", "note"})
_HOLIDAY = frozenset({"project_name", "holiday_name"})
_EVENT = frozenset({"project_name", "event_title", "event_at", "event_place", "event_details"})

PURPOSES: dict[str, Purpose] = {p.key: p for p in (
    Purpose("ticket.opened.resident", ("inapp", "sms", "wechat"), _TICKET,
            "acknowledgement of a repair request to the resident (报修受理)", reply=True),
    Purpose("ticket.dispatch_engineering", ("inapp",), _TICKET,
            "a new repair order for the project's engineering department (派工)"),
    Purpose("quality.dispatch_engineering", ("inapp",), _QUALITY,
            "a warranty-quality complaint (质量投诉) for the project's engineering department"),
    # to the developer: the ticket number and the unit only, never what the resident wrote
    Purpose("quality.notify_supervision", ("sms",), _SUPERVISION,
            "a warranty-quality complaint told to the developer's supervision department (开发商监理部)",
            sms_also=frozenset({"unit_label"}), emergency=True),
    Purpose("ticket.sla_warning", ("inapp",), _SLA - {"minutes_overdue", "time_overdue", "extension_note"},
            "a ticket's SLA clock is near its due time: to the role answerable for it (时限预警)"),
    Purpose("ticket.sla_breached", ("inapp",), _SLA - {"minutes_left", "time_left"},
            "a ticket's SLA clock passed its due time: to the role answerable for it (超时告警)"),
    Purpose("inspection.item_failed", ("inapp",), _INSPECTION,
            "a daily-inspection item found failed: to the project's CS manager at once (巡检发现问题)"),
    Purpose("identity_match.locked", ("inapp",), _IDENTITY_LOCKED,
            "a unit's identity matches locked for the day after failed matches: to the project's CS manager, who "
            "may lift the lock (身份核验锁定告警)"),
    # -- billing's bills and receipts (bank) --
    Purpose("bill_notice", ("inapp", "sms", "email", "wechat"), _BILL_NOTICE,
            "a bill's notice to the household (收费通知单, the 5th)", sms_also=_BILL_NOTICE),
    Purpose("payment_reminder", ("inapp", "sms"), _PAYMENT_REMINDER,
            "a reminder before the due date to a household paying in cash or at the desk (缴费提醒)",
            sms_also=_PAYMENT_REMINDER),
    Purpose("debit_reminder", ("inapp", "sms"), _DEBIT_REMINDER,
            "a reminder before the bank collects, to a household with a debit mandate (托收提醒)",
            sms_also=_DEBIT_REMINDER),
    Purpose("receipt", ("inapp", "sms", "email", "wechat"), _RECEIPT, "a receipt for a payment (收据)", sms_also=_RECEIPT),
    # -- the dunning ladder's notices (issue 9); ``print``: the door notice's text, queued for print --
    Purpose("dunning_first", ("inapp", "sms", "print"), _DUNNING,
            "the dunning ladder's first notice to the household (催费通知书)", sms_also=_DUNNING,
            kind="legal"),
    Purpose("dunning_second", ("inapp", "sms", "print"), _DUNNING,
            "the dunning ladder's second notice (二次催费通知书)", sms_also=_DUNNING,
            kind="legal"),
    Purpose("dunning_final", ("inapp", "sms", "print"), _DUNNING,
            "the dunning ladder's final notice, principal and late fee (最后催费通知书)", sms_also=_DUNNING,
            kind="legal"),
    # -- the rest of DOMAIN.md's triggers (issue 10): the values are those the events will carry --
    Purpose("move_in.welcome", ("inapp", "sms", "email", "wechat"), _WELCOME,
            "move-in welcome with the steward's phone (入住欢迎)", sms_also=_WELCOME - {"resident_name"}),
    Purpose("ticket.status_changed", ("inapp", "sms", "wechat"), _STATUS,
            "a ticket's status changed: to the resident who reported it (工单状态)",
            sms_also=frozenset({"status_label", "changed_at"}), transactional=True),
    Purpose("revisit.request", ("inapp", "sms", "wechat"), _REVISIT,
            "a revisit after a repair or complaint: the steward will call (回访)",
            sms_also=_REVISIT - {"ticket_number", "category_label", "project_name"}),
    Purpose("outage.notice", ("inapp", "sms", "wechat", "print"), _OUTAGE,
            "a planned water or power outage, one day ahead (停水停电通知; posted in the building)",
            sms_also=_OUTAGE, kind="legal"),
    Purpose("outage.urgent", ("inapp", "sms", "wechat"), _OUTAGE,
            "an unplanned water or power outage happening now (突发停水停电通知): sent in quiet hours too",
            sms_also=_OUTAGE, kind="legal", emergency=True),
    Purpose("warranty.expiry", ("inapp", "sms", "email"), _WARRANTY,
            "the unit's warranty ends in a month (保修期到期提醒)", sms_also=_WARRANTY),
    Purpose("vacancy.check_result", ("inapp", "sms"), _VACANCY,
            "the month's check of a vacant unit, to its owner by the 12th (空置房检查结果)", sms_also=_VACANCY),
    Purpose("vacancy.crack_decision", ("inapp", "sms"), _VACANCY_DECISION,
            "the manager's decision on a crack found in a vacant unit, to its owner (空置房裂缝处理结果)",
            sms_also=_VACANCY_DECISION),
    Purpose("goods_release.issued", ("inapp",), _GOODS_RELEASE,
            "the household's goods release pass issued, its number shown at the gate (物品放行单已开具)"),
    Purpose("goods_release.used", ("inapp",), _GOODS_RELEASE_USED,
            "the household's goods went out at the gate against its pass: goods it did not expect to leave are for "
            "the service centre at once (物品已凭放行单放行)"),
    Purpose("goods_release.voided", ("inapp",), _GOODS_RELEASE_VOID,
            "the household's goods release voided by the service centre: contact the service centre -- never the "
            "staff's reason (物品放行单作废)"),
    Purpose("renovation.handed_over", ("inapp", "sms"), _RENOVATION_HANDED_OVER,
            "a renovation under way handed over to the unit's new household at a transfer: come to the service "
            "centre (装修转交新住户)", sms_also=_RENOVATION_HANDED_OVER, transactional=True),
    Purpose("renovation.reinspection_notice", ("inapp", "sms"), _RENOVATION_REINSPECTION,
            "the renovation's re-inspection ahead (3 months after occupancy): book a time, the deposit comes back "
            "after a clean one (装修复查提醒)", sms_also=_RENOVATION_REINSPECTION, transactional=True),
    Purpose("key_stock_check.discrepancy", ("inapp",), _KEY_DISCREPANCY,
            "the month's key stock-check, or a spot-check by the service-centre manager, does not agree with the "
            "register: to the project's CS manager (钥匙盘点 / 抽查不符)"),
    Purpose("vacancy.care_anomaly", ("inapp",), _CARE_ANOMALY,
            "an anomaly found in a vacant unit on a care visit (fire risk, break-in, leak, mould ...): to the "
            "project's CS manager at once (空置房异常立即上报)"),
    Purpose("greeting.holiday", ("inapp", "sms", "wechat"), _HOLIDAY,
            "holiday greetings (节日问候)", sms_also=_HOLIDAY, kind="marketing"),
    Purpose("community.event", ("inapp", "sms", "email", "wechat", "print"), _EVENT,
            "a community event (社区活动; posted on the board)",
            sms_also=_EVENT - {"event_details"}, kind="marketing"),
)}


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


_ACK_ZH = "【{{ project_name }}】您的报修（{{ ticket_number }}）已受理：{{ content }}。工程部将尽快处理。"
_ACK_EN = ("[{{ project_name }}] Your repair request ({{ ticket_number }}) has been received: {{ content }}. "
           "Our engineering team will attend to it shortly.")
#: the SMS says only what the platform controls (SMS_SAFE)
_ACK_SMS_ZH = "【{{ project_name }}】您的{{ category_label }}（{{ ticket_number }}）已受理，工程部将尽快处理。"
_ACK_SMS_EN = ("[{{ project_name }}] Your {{ category_label }} request ({{ ticket_number }}) has been received; "
               "our engineering team will attend to it shortly.")

#: built-in defaults, by (purpose, channel, locale)
DEFAULTS: dict[tuple[str, str, str], Text] = {
    ("ticket.opened.resident", "inapp", "zh-CN"): Text("报修已受理（{{ ticket_number }}）", _ACK_ZH),
    ("ticket.opened.resident", "sms", "zh-CN"): Text("", _ACK_SMS_ZH),
    ("ticket.opened.resident", "inapp", "en"): Text("Repair request {{ ticket_number }} received", _ACK_EN),
    ("ticket.opened.resident", "sms", "en"): Text("", _ACK_SMS_EN),
    ("ticket.dispatch_engineering", "inapp", "zh-CN"): Text(
        "派工：{{ ticket_number }} {{ category_label }}",
        "【{{ project_name }}】报修单 {{ ticket_number }}\n位置：{{ place }}\n类别：{{ category_label }}\n"
        "内容：{{ content }}\n报修人：{{ reporter_name }}\n{{ due_label }}：{{ due_at }}"),
    ("ticket.dispatch_engineering", "inapp", "en"): Text(
        "Dispatch: {{ ticket_number }} {{ category_label }}",
        "[{{ project_name }}] Repair order {{ ticket_number }}\nLocation: {{ place }}\n"
        "Category: {{ category_label }}\nContent: {{ content }}\nReported by: {{ reporter_name }}\n"
        "{{ due_label }}: {{ due_at }}"),
    ("quality.dispatch_engineering", "inapp", "zh-CN"): Text(
        "质量投诉：{{ ticket_number }} {{ unit_label }}",
        "【{{ project_name }}】质量投诉 {{ ticket_number }}\n房号：{{ unit_label }}\n内容：{{ content }}\n"
        "投诉人：{{ reporter_name }}\n受理时间：{{ received_at }}\n请会同开发商监理部联合评估。"),
    ("quality.dispatch_engineering", "inapp", "en"): Text(
        "Warranty-quality complaint: {{ ticket_number }} {{ unit_label }}",
        "[{{ project_name }}] Warranty-quality complaint {{ ticket_number }}\nUnit: {{ unit_label }}\n"
        "Content: {{ content }}\nReported by: {{ reporter_name }}\nReceived: {{ received_at }}\n"
        "Please assess it jointly with the developer's supervision department."),
    ("quality.notify_supervision", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】质量投诉 {{ ticket_number }}（{{ unit_label }}），请开发商监理部安排联合评估。"),
    ("quality.notify_supervision", "sms", "en"): Text(
        "", "[{{ project_name }}] Warranty-quality complaint {{ ticket_number }} ({{ unit_label }}): please arrange "
            "the joint assessment."),
    ("ticket.sla_warning", "inapp", "zh-CN"): Text(
        "时限预警：{{ ticket_number }} {{ deadline_label }}{{ subject_note }}",
        "【{{ project_name }}】工单 {{ ticket_number }}（{{ category_label }}）{{ subject_note }}的{{ deadline_label }}"
        "将于 {{ due_at }} 到期，还剩 {{ time_left }}。\n责任岗位：{{ role_label }}\n处理人：{{ assignee_name }}"),
    ("ticket.sla_warning", "inapp", "en"): Text(
        "SLA warning: {{ ticket_number }} {{ deadline_label }}{{ subject_note }}",
        "[{{ project_name }}] Ticket {{ ticket_number }} ({{ category_label }}){{ subject_note }}: {{ deadline_label }} "
        "is due at {{ due_at }}, {{ time_left }} left.\nAnswerable: {{ role_label }}\nAssignee: {{ assignee_name }}"),
    ("ticket.sla_breached", "inapp", "zh-CN"): Text(
        "超时：{{ ticket_number }} {{ deadline_label }}{{ subject_note }}",
        "【{{ project_name }}】工单 {{ ticket_number }}（{{ category_label }}）{{ subject_note }}的{{ deadline_label }}"
        "已于 {{ due_at }} 到期未完成，已超时 {{ time_overdue }}。{{ extension_note }}\n责任岗位：{{ role_label }}\n"
        "处理人：{{ assignee_name }}"),
    ("ticket.sla_breached", "inapp", "en"): Text(
        "SLA breached: {{ ticket_number }} {{ deadline_label }}{{ subject_note }}",
        "[{{ project_name }}] Ticket {{ ticket_number }} ({{ category_label }}){{ subject_note }}: {{ deadline_label }} "
        "was due at {{ due_at }} and is {{ time_overdue }} overdue.{{ extension_note }}\nAnswerable: {{ role_label }}\n"
        "Assignee: {{ assignee_name }}"),
    ("inspection.item_failed", "inapp", "zh-CN"): Text(
        "巡检发现问题：{{ area_name }} {{ item_name }}",
        "【{{ project_name }}】巡检 {{ round_number }}（{{ area_name }}）的检查项“{{ item_name }}”不合格，"
        "已开维修工单 {{ ticket_number }}。{% if note %}\n巡检说明：{{ note }}{% endif %}\n"
        "记录人：{{ recorded_by }}（{{ recorded_at }}）"),
    ("inspection.item_failed", "inapp", "en"): Text(
        "Inspection item failed: {{ area_name }} {{ item_name }}",
        "[{{ project_name }}] Inspection round {{ round_number }} ({{ area_name }}): item \"{{ item_name }}\" "
        "failed; repair ticket {{ ticket_number }} opened.{% if note %}\nNote: {{ note }}{% endif %}\n"
        "Recorded by {{ recorded_by }} ({{ recorded_at }})"),
    ("identity_match.locked", "inapp", "zh-CN"): Text(
        "身份核验已锁定：{{ unit_label }}",
        "【{{ project_name }}】{{ unit_label }} 今日身份核验失败 {{ failures }} 次（上限 {{ limit }} 次），核验已暂停。"
        "最后一次由 {{ last_caller }} 于 {{ locked_at }} 提交。如核实为正常办理，可解除该房屋的核验锁定。"),
    ("identity_match.locked", "inapp", "en"): Text(
        "Identity checks locked: {{ unit_label }}",
        "[{{ project_name }}] {{ unit_label }}: {{ failures }} failed identity matches today (limit {{ limit }}); "
        "matches are paused. Last try by {{ last_caller }} at {{ locked_at }}. Lift the unit's lock if the "
        "checks were genuine."),
}

# -- billing's bills and receipts (bank) --
DEFAULTS.update({
    ("bill_notice", "inapp", "zh-CN"): Text(
        "{{ period }} 账单 {{ bill_number }}",
        "【{{ project_name }}】{{ unit_label }} {{ period }} 账单 {{ bill_number }}：应缴 {{ amount }} 元，缴费截止日 {{ due_date }}。"
        "{{ collect_note }}"),
    ("bill_notice", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】{{ unit_label }} {{ period }} 账单 {{ bill_number }} 应缴 {{ amount }} 元，请于 {{ due_date }} 前缴纳。"
            "{{ collect_note }}"),
    ("payment_reminder", "inapp", "zh-CN"): Text(
        "缴费提醒：{{ bill_number }}",
        "【{{ project_name }}】{{ unit_label }} {{ period }} 账单 {{ bill_number }} 尚有 {{ amount }} 元未缴，缴费截止日 {{ due_date }}，"
        "请按时到服务中心或线上缴纳。"),
    ("payment_reminder", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】温馨提示：{{ unit_label }} {{ period }} 账单 {{ bill_number }} 尚有 {{ amount }} 元未缴，"
            "请于 {{ due_date }} 前缴纳。"),
    ("debit_reminder", "inapp", "zh-CN"): Text(
        "托收提醒：{{ bill_number }}",
        "【{{ project_name }}】{{ unit_label }} {{ period }} 账单 {{ bill_number }} 的 {{ amount }} 元将于 {{ collect_date }} "
        "从您的托收账户扣款，请保证账户余额充足。"),
    ("debit_reminder", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】温馨提示：{{ unit_label }} 账单 {{ bill_number }} 的 {{ amount }} 元将于 {{ collect_date }} "
            "银行托收扣款，请保证账户余额充足。"),
    ("receipt", "inapp", "zh-CN"): Text(
        "收据 {{ receipt_number }}",
        "【{{ project_name }}】{{ unit_label }} 已收到您缴纳的 {{ amount }} 元，收据号 {{ receipt_number }}。谢谢！"),
    ("receipt", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】{{ unit_label }} 已收到您缴纳的 {{ amount }} 元，收据号 {{ receipt_number }}。"),
    ("bill_notice", "inapp", "en"): Text(
        "Bill {{ bill_number }} for {{ period }}",
        "[{{ project_name }}] {{ unit_label }}: bill {{ bill_number }} for {{ period }}, {{ amount }} yuan to pay by {{ due_date }}."
        "{{ collect_note }}"),
    ("bill_notice", "sms", "en"): Text(
        "", "[{{ project_name }}] {{ unit_label }}: bill {{ bill_number }} for {{ period }}, {{ amount }} yuan, due {{ due_date }}."
            "{{ collect_note }}"),
    ("payment_reminder", "inapp", "en"): Text(
        "Payment reminder: {{ bill_number }}",
        "[{{ project_name }}] {{ unit_label }}: {{ amount }} yuan of bill {{ bill_number }} ({{ period }}) is still open; please pay "
        "by {{ due_date }} at the service centre or online."),
    ("payment_reminder", "sms", "en"): Text(
        "", "[{{ project_name }}] Reminder: {{ unit_label }}, bill {{ bill_number }} ({{ period }}): {{ amount }} yuan due {{ due_date }}."),
    ("debit_reminder", "inapp", "en"): Text(
        "Bank collection reminder: {{ bill_number }}",
        "[{{ project_name }}] {{ unit_label }}: {{ amount }} yuan of bill {{ bill_number }} ({{ period }}) will be collected from "
        "your bank account on {{ collect_date }}; please keep enough in it."),
    ("debit_reminder", "sms", "en"): Text(
        "", "[{{ project_name }}] Reminder: {{ unit_label }}, bill {{ bill_number }}: the bank collects {{ amount }} yuan on "
            "{{ collect_date }}."),
    ("receipt", "inapp", "en"): Text(
        "Receipt {{ receipt_number }}",
        "[{{ project_name }}] {{ unit_label }}: we received {{ amount }} yuan, receipt {{ receipt_number }}. Thank you!"),
    ("receipt", "sms", "en"): Text(
        "", "[{{ project_name }}] {{ unit_label }}: {{ amount }} yuan received, receipt {{ receipt_number }}."),
})
# -- the dunning ladder's notices (issue 9): in-app, SMS, and the printed door notice's text --
DEFAULTS.update({
    ("dunning_first", "inapp", "zh-CN"): Text(
        "催费通知书：{{ unit_label }}",
        "【{{ project_name }}】{{ unit_label }} 截至 {{ notice_date }} 尚欠费用 {{ overdue }} 元（{{ bills }} 笔账单，最早于 "
        "{{ oldest_due_date }} 到期），请于 {{ pay_by }} 前到服务中心或线上缴纳。如已缴纳，请忽略本通知。"),
    ("dunning_first", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】{{ unit_label }} 尚欠费用 {{ overdue }} 元（最早于 {{ oldest_due_date }} 到期），"
            "请于 {{ pay_by }} 前缴纳。如已缴纳请忽略。"),
    ("dunning_first", "print", "zh-CN"): Text(
        "催费通知书",
        "{{ unit_label }} 业主/住户：\n截至 {{ notice_date }}，您户尚欠费用 {{ overdue }} 元（{{ bills }} 笔账单，最早于 "
        "{{ oldest_due_date }} 到期）。请于 {{ pay_by }} 前到服务中心或线上缴纳。如已缴纳，请忽略本通知。"),
    ("dunning_second", "inapp", "zh-CN"): Text(
        "二次催费通知书：{{ unit_label }}",
        "【{{ project_name }}】{{ unit_label }} 截至 {{ notice_date }} 仍欠费用 {{ overdue }} 元（{{ bills }} 笔账单，最早于 "
        "{{ oldest_due_date }} 到期），此为第二次催缴，请于 {{ pay_by }} 前缴纳。"),
    ("dunning_second", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】第二次催缴：{{ unit_label }} 仍欠费用 {{ overdue }} 元，请于 {{ pay_by }} 前缴纳。"),
    ("dunning_second", "print", "zh-CN"): Text(
        "二次催费通知书",
        "{{ unit_label }} 业主/住户：\n截至 {{ notice_date }}，您户仍欠费用 {{ overdue }} 元（{{ bills }} 笔账单，最早于 "
        "{{ oldest_due_date }} 到期），此为第二次催缴。请于 {{ pay_by }} 前缴纳。"),
    ("dunning_final", "inapp", "zh-CN"): Text(
        "最后催费通知书：{{ unit_label }}",
        "【{{ project_name }}】{{ unit_label }} 截至 {{ notice_date }} 欠费本金 {{ overdue }} 元，滞纳金 {{ late_fee }} 元，合计 "
        "{{ total }} 元。请于 {{ pay_by }} 前缴清；逾期未缴，将按规定按日计收滞纳金。"),
    ("dunning_final", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】最后催缴：{{ unit_label }} 欠费本金 {{ overdue }} 元，滞纳金 {{ late_fee }} 元，合计 {{ total }} 元，"
            "请于 {{ pay_by }} 前缴清，逾期将按日计收滞纳金。"),
    ("dunning_final", "print", "zh-CN"): Text(
        "最后催费通知书",
        "{{ unit_label }} 业主/住户：\n截至 {{ notice_date }}，您户欠费本金 {{ overdue }} 元（{{ bills }} 笔账单，最早于 "
        "{{ oldest_due_date }} 到期），滞纳金 {{ late_fee }} 元，合计 {{ total }} 元。请于 {{ pay_by }} 前缴清；逾期未缴，"
        "将按规定按日计收滞纳金。"),
    ("dunning_first", "inapp", "en"): Text(
        "Payment notice: {{ unit_label }}",
        "[{{ project_name }}] {{ unit_label }}: as of {{ notice_date }}, {{ overdue }} yuan is overdue ({{ bills }} bills, the oldest "
        "due {{ oldest_due_date }}). Please pay by {{ pay_by }} at the service centre or online. If you have paid, "
        "please ignore this notice."),
    ("dunning_first", "sms", "en"): Text(
        "", "[{{ project_name }}] {{ unit_label }}: {{ overdue }} yuan overdue (oldest due {{ oldest_due_date }}); please pay by "
            "{{ pay_by }}. Ignore if paid."),
    ("dunning_first", "print", "en"): Text(
        "Payment notice",
        "To the household of {{ unit_label }}:\nAs of {{ notice_date }}, {{ overdue }} yuan is overdue ({{ bills }} bills, the "
        "oldest due {{ oldest_due_date }}). Please pay by {{ pay_by }} at the service centre or online. If you have "
        "paid, please ignore this notice."),
    ("dunning_second", "inapp", "en"): Text(
        "Second payment notice: {{ unit_label }}",
        "[{{ project_name }}] {{ unit_label }}: as of {{ notice_date }}, {{ overdue }} yuan is still overdue ({{ bills }} bills, the "
        "oldest due {{ oldest_due_date }}). This is the second notice; please pay by {{ pay_by }}."),
    ("dunning_second", "sms", "en"): Text(
        "", "[{{ project_name }}] Second notice: {{ unit_label }}, {{ overdue }} yuan still overdue; please pay by {{ pay_by }}."),
    ("dunning_second", "print", "en"): Text(
        "Second payment notice",
        "To the household of {{ unit_label }}:\nAs of {{ notice_date }}, {{ overdue }} yuan is still overdue ({{ bills }} bills, "
        "the oldest due {{ oldest_due_date }}). This is the second notice; please pay by {{ pay_by }}."),
    ("dunning_final", "inapp", "en"): Text(
        "Final payment notice: {{ unit_label }}",
        "[{{ project_name }}] {{ unit_label }}: as of {{ notice_date }}, principal {{ overdue }} yuan and late fee {{ late_fee }} "
        "yuan, {{ total }} yuan in all. Please pay in full by {{ pay_by }}; after that a late fee accrues daily."),
    ("dunning_final", "sms", "en"): Text(
        "", "[{{ project_name }}] Final notice: {{ unit_label }}, principal {{ overdue }} yuan, late fee {{ late_fee }} yuan, "
            "{{ total }} yuan in all; please pay by {{ pay_by }}, after that a late fee accrues daily."),
    ("dunning_final", "print", "en"): Text(
        "Final payment notice",
        "To the household of {{ unit_label }}:\nAs of {{ notice_date }}, principal {{ overdue }} yuan ({{ bills }} bills, the "
        "oldest due {{ oldest_due_date }}) and late fee {{ late_fee }} yuan, {{ total }} yuan in all. Please pay in full "
        "by {{ pay_by }}; after that a late fee accrues daily."),
})
# -- issue 10: the new channels of existing purposes (e-mail bodies are HTML, auto-escaped) --
DEFAULTS.update({
    ("ticket.opened.resident", "wechat", "zh-CN"): Text(
        "报修受理通知", "您的{{ category_label }}（{{ ticket_number }}）已受理，工程部将尽快处理。\n{{ project_name }} 服务中心"),
    ("ticket.opened.resident", "wechat", "en"): Text(
        "Repair request received", "Your {{ category_label }} request ({{ ticket_number }}) has been received; our "
        "engineering team will attend to it shortly.\n{{ project_name }} service centre"),
    ("bill_notice", "email", "zh-CN"): Text(
        "【{{ project_name }}】{{ period }} 账单 {{ bill_number }}",
        "<p>{{ unit_label }} 业主/住户：</p><p>您户 {{ period }} 账单 {{ bill_number }} 应缴 <strong>{{ amount }} 元</strong>，"
        "缴费截止日 {{ due_date }}。{{ collect_note }}</p><p>{{ project_name }} 服务中心</p>"),
    ("bill_notice", "email", "en"): Text(
        "[{{ project_name }}] Bill {{ bill_number }} for {{ period }}",
        "<p>To the household of {{ unit_label }}:</p><p>Bill {{ bill_number }} for {{ period }}: "
        "<strong>{{ amount }} yuan</strong> to pay by {{ due_date }}.{{ collect_note }}</p>"
        "<p>{{ project_name }} service centre</p>"),
    ("bill_notice", "wechat", "zh-CN"): Text(
        "收费通知", "{{ unit_label }} {{ period }} 账单 {{ bill_number }}：应缴 {{ amount }} 元，缴费截止日 {{ due_date }}。"
        "{{ collect_note }}\n{{ project_name }} 服务中心"),
    ("bill_notice", "wechat", "en"): Text(
        "Bill notice", "{{ unit_label }}: bill {{ bill_number }} for {{ period }}, {{ amount }} yuan to pay by "
        "{{ due_date }}.{{ collect_note }}\n{{ project_name }} service centre"),
    ("receipt", "email", "zh-CN"): Text(
        "【{{ project_name }}】收据 {{ receipt_number }}",
        "<p>{{ unit_label }} 业主/住户：</p><p>已收到您缴纳的 <strong>{{ amount }} 元</strong>，收据号 "
        "{{ receipt_number }}。谢谢！</p><p>{{ project_name }} 服务中心</p>"),
    ("receipt", "email", "en"): Text(
        "[{{ project_name }}] Receipt {{ receipt_number }}",
        "<p>To the household of {{ unit_label }}:</p><p>We received <strong>{{ amount }} yuan</strong>, receipt "
        "{{ receipt_number }}. Thank you!</p><p>{{ project_name }} service centre</p>"),
})
# -- issue 10: the rest of DOMAIN.md's triggers --
DEFAULTS.update({
    ("move_in.welcome", "inapp", "zh-CN"): Text(
        "欢迎入住 {{ project_name }}",
        "{{ resident_name }}，欢迎入住 {{ project_name }} {{ unit_label }}！您的专属管家是 {{ steward_name }}"
        "{% if steward_phone %}，电话 {{ steward_phone }}{% endif %}{% if service_phone %}；服务中心电话 "
        "{{ service_phone }}{% endif %}。"),
    ("move_in.welcome", "inapp", "en"): Text(
        "Welcome to {{ project_name }}",
        "{{ resident_name }}, welcome to {{ unit_label }}, {{ project_name }}! Your steward is {{ steward_name }}"
        "{% if steward_phone %}, phone {{ steward_phone }}{% endif %}{% if service_phone %}; the service centre: "
        "{{ service_phone }}{% endif %}."),
    ("move_in.welcome", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】欢迎入住 {{ unit_label }}！您的管家 {{ steward_name }}{% if steward_phone %}，电话 "
            "{{ steward_phone }}{% endif %}{% if service_phone %}；服务中心 {{ service_phone }}{% endif %}。"),
    ("move_in.welcome", "sms", "en"): Text(
        "", "[{{ project_name }}] Welcome to {{ unit_label }}! Your steward {{ steward_name }}{% if steward_phone %}: "
            "{{ steward_phone }}{% endif %}{% if service_phone %}; service centre: {{ service_phone }}{% endif %}."),
    ("move_in.welcome", "email", "zh-CN"): Text(
        "欢迎入住 {{ project_name }}",
        "<p>{{ resident_name }}，您好：</p><p>欢迎入住 {{ project_name }} {{ unit_label }}！您的专属管家是 "
        "{{ steward_name }}{% if steward_phone %}，电话 {{ steward_phone }}{% endif %}。</p>"
        "{% if service_phone %}<p>服务中心电话：{{ service_phone }}</p>{% endif %}"),
    ("move_in.welcome", "email", "en"): Text(
        "Welcome to {{ project_name }}",
        "<p>Dear {{ resident_name }},</p><p>Welcome to {{ unit_label }}, {{ project_name }}! Your steward is "
        "{{ steward_name }}{% if steward_phone %}, phone {{ steward_phone }}{% endif %}.</p>"
        "{% if service_phone %}<p>Service centre: {{ service_phone }}</p>{% endif %}"),
    ("move_in.welcome", "wechat", "zh-CN"): Text(
        "入住欢迎", "欢迎入住 {{ unit_label }}！管家 {{ steward_name }}{% if steward_phone %}，电话 {{ steward_phone }}"
        "{% endif %}{% if service_phone %}；服务中心 {{ service_phone }}{% endif %}。\n{{ project_name }}"),
    ("move_in.welcome", "wechat", "en"): Text(
        "Welcome", "Welcome to {{ unit_label }}! Steward {{ steward_name }}{% if steward_phone %}: {{ steward_phone }}"
        "{% endif %}{% if service_phone %}; service centre: {{ service_phone }}{% endif %}.\n{{ project_name }}"),
    ("ticket.status_changed", "inapp", "zh-CN"): Text(
        "工单 {{ ticket_number }}：{{ status_label }}",
        "【{{ project_name }}】您的{{ category_label }}（{{ ticket_number }}）于 {{ changed_at }} {{ status_label }}。"
        "{% if note %}\n说明：{{ note }}{% endif %}"),
    ("ticket.status_changed", "inapp", "en"): Text(
        "Ticket {{ ticket_number }}: {{ status_label }}",
        "[{{ project_name }}] Your {{ category_label }} request ({{ ticket_number }}): {{ status_label }} at "
        "{{ changed_at }}.{% if note %}\nNote: {{ note }}{% endif %}"),
    ("ticket.status_changed", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】您的{{ category_label }}（{{ ticket_number }}）于 {{ changed_at }} {{ status_label }}。"),
    ("ticket.status_changed", "sms", "en"): Text(
        "", "[{{ project_name }}] Your {{ category_label }} request ({{ ticket_number }}): {{ status_label }} at "
            "{{ changed_at }}."),
    ("ticket.status_changed", "wechat", "zh-CN"): Text(
        "工单状态更新", "{{ category_label }}（{{ ticket_number }}）：{{ status_label }}（{{ changed_at }}）"
        "{% if note %}\n说明：{{ note }}{% endif %}\n{{ project_name }} 服务中心"),
    ("ticket.status_changed", "wechat", "en"): Text(
        "Ticket status", "{{ category_label }} ({{ ticket_number }}): {{ status_label }} ({{ changed_at }})"
        "{% if note %}\nNote: {{ note }}{% endif %}\n{{ project_name }} service centre"),
    ("revisit.request", "inapp", "zh-CN"): Text(
        "回访：{{ ticket_number }}",
        "【{{ project_name }}】您的{{ category_label }}（{{ ticket_number }}）已处理完毕，管家 {{ steward_name }}"
        "{% if steward_phone %}（{{ steward_phone }}）{% endif %}将于 {{ revisit_by }} 前与您联系回访，感谢您的配合。"),
    ("revisit.request", "inapp", "en"): Text(
        "Revisit: {{ ticket_number }}",
        "[{{ project_name }}] Your {{ category_label }} request ({{ ticket_number }}) is done; steward "
        "{{ steward_name }}{% if steward_phone %} ({{ steward_phone }}){% endif %} will call you by {{ revisit_by }} "
        "to ask how it went."),
    ("revisit.request", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】您的{{ category_label }}（{{ ticket_number }}）已处理完毕，管家 {{ steward_name }}"
            "{% if steward_phone %}（{{ steward_phone }}）{% endif %}将于 {{ revisit_by }} 前回访。"),
    ("revisit.request", "sms", "en"): Text(
        "", "[{{ project_name }}] {{ ticket_number }} is done; steward {{ steward_name }}{% if steward_phone %} "
            "({{ steward_phone }}){% endif %} will call you by {{ revisit_by }}."),
    ("revisit.request", "wechat", "zh-CN"): Text(
        "服务回访", "{{ category_label }}（{{ ticket_number }}）已处理完毕，管家 {{ steward_name }}"
        "{% if steward_phone %}（{{ steward_phone }}）{% endif %}将于 {{ revisit_by }} 前回访。\n{{ project_name }} 服务中心"),
    ("revisit.request", "wechat", "en"): Text(
        "Revisit", "{{ category_label }} ({{ ticket_number }}) is done; steward {{ steward_name }}"
        "{% if steward_phone %} ({{ steward_phone }}){% endif %} will call you by {{ revisit_by }}.\n{{ project_name }} service centre"),
    ("outage.notice", "inapp", "zh-CN"): Text(
        "{{ outage_label }}通知",
        "【{{ project_name }}】因{{ reason }}，{{ area_label }}将于 {{ starts_at }} 至 {{ ends_at }} {{ outage_label }}，"
        "请提前做好准备。{% if service_phone %}如有疑问请致电服务中心 {{ service_phone }}。{% endif %}"),
    ("outage.notice", "inapp", "en"): Text(
        "Notice: {{ outage_label }}",
        "[{{ project_name }}] Because of {{ reason }}, {{ area_label }}: {{ outage_label }} from {{ starts_at }} to "
        "{{ ends_at }}. Please prepare.{% if service_phone %} Questions: service centre {{ service_phone }}.{% endif %}"),
    ("outage.notice", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】因{{ reason }}，{{ area_label }}将于 {{ starts_at }} 至 {{ ends_at }} {{ outage_label }}，"
            "请提前做好准备。{% if service_phone %}咨询电话 {{ service_phone }}。{% endif %}"),
    ("outage.notice", "sms", "en"): Text(
        "", "[{{ project_name }}] {{ area_label }}: {{ outage_label }} from {{ starts_at }} to {{ ends_at }} "
            "({{ reason }}).{% if service_phone %} Questions: {{ service_phone }}.{% endif %}"),
    ("outage.notice", "wechat", "zh-CN"): Text(
        "{{ outage_label }}通知", "{{ area_label }}：{{ starts_at }} 至 {{ ends_at }} {{ outage_label }}（{{ reason }}）。"
        "{% if service_phone %}咨询电话 {{ service_phone }}。{% endif %}\n{{ project_name }} 服务中心"),
    ("outage.notice", "wechat", "en"): Text(
        "Notice: {{ outage_label }}", "{{ area_label }}: {{ outage_label }} from {{ starts_at }} to {{ ends_at }} "
        "({{ reason }}).{% if service_phone %} Questions: {{ service_phone }}.{% endif %}\n{{ project_name }} service centre"),
    ("outage.notice", "print", "zh-CN"): Text(
        "{{ outage_label }}通知",
        "各位业主/住户：\n因{{ reason }}，{{ area_label }}将于 {{ starts_at }} 至 {{ ends_at }} {{ outage_label }}，"
        "请提前做好储水等准备，给您带来不便，敬请谅解。{% if service_phone %}\n咨询电话：{{ service_phone }}{% endif %}"),
    ("outage.notice", "print", "en"): Text(
        "Notice: {{ outage_label }}",
        "To all residents:\nBecause of {{ reason }}, {{ area_label }}: {{ outage_label }} from {{ starts_at }} to "
        "{{ ends_at }}. Please prepare; we apologise for the inconvenience.{% if service_phone %}\nQuestions: "
        "{{ service_phone }}{% endif %}"),
    ("outage.urgent", "inapp", "zh-CN"): Text(
        "紧急{{ outage_label }}通知",
        "【{{ project_name }}】因{{ reason }}，{{ area_label }}现已{{ outage_label }}，预计 {{ ends_at }} 恢复"
        "（自 {{ starts_at }} 起）。{% if service_phone %}如有疑问请致电服务中心 {{ service_phone }}。{% endif %}"),
    ("outage.urgent", "inapp", "en"): Text(
        "Urgent notice: {{ outage_label }}",
        "[{{ project_name }}] Because of {{ reason }}, {{ area_label }}: {{ outage_label }} now (since {{ starts_at }}), "
        "expected back by {{ ends_at }}.{% if service_phone %} Questions: service centre {{ service_phone }}.{% endif %}"),
    ("outage.urgent", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】紧急通知：因{{ reason }}，{{ area_label }}现已{{ outage_label }}，预计 {{ ends_at }} 恢复。"
            "{% if service_phone %}咨询电话 {{ service_phone }}。{% endif %}"),
    ("outage.urgent", "sms", "en"): Text(
        "", "[{{ project_name }}] Urgent: {{ area_label }}: {{ outage_label }} now ({{ reason }}), expected back by "
            "{{ ends_at }}.{% if service_phone %} Questions: {{ service_phone }}.{% endif %}"),
    ("outage.urgent", "wechat", "zh-CN"): Text(
        "紧急{{ outage_label }}通知", "{{ area_label }}：自 {{ starts_at }} 起{{ outage_label }}（{{ reason }}），预计 "
        "{{ ends_at }} 恢复。{% if service_phone %}咨询电话 {{ service_phone }}。{% endif %}\n{{ project_name }} 服务中心"),
    ("outage.urgent", "wechat", "en"): Text(
        "Urgent notice: {{ outage_label }}", "{{ area_label }}: {{ outage_label }} since {{ starts_at }} ({{ reason }}), "
        "expected back by {{ ends_at }}.{% if service_phone %} Questions: {{ service_phone }}.{% endif %}\n"
        "{{ project_name }} service centre"),
    ("warranty.expiry", "inapp", "zh-CN"): Text(
        "保修期到期提醒：{{ unit_label }}",
        "【{{ project_name }}】{{ unit_label }} 的{{ warranty_item }}保修期将于 {{ expires_on }} 到期。如发现质量问题，"
        "请在到期前联系服务中心{% if service_phone %} {{ service_phone }}{% endif %}。"),
    ("warranty.expiry", "inapp", "en"): Text(
        "Warranty ends soon: {{ unit_label }}",
        "[{{ project_name }}] {{ unit_label }}: the warranty on {{ warranty_item }} ends on {{ expires_on }}. "
        "Please report any defect before then: service centre{% if service_phone %} {{ service_phone }}{% endif %}."),
    ("warranty.expiry", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】{{ unit_label }} 的{{ warranty_item }}保修期将于 {{ expires_on }} 到期，如有质量问题"
            "请在到期前{% if service_phone %}致电 {{ service_phone }}{% else %}联系服务中心{% endif %}。"),
    ("warranty.expiry", "sms", "en"): Text(
        "", "[{{ project_name }}] {{ unit_label }}: warranty on {{ warranty_item }} ends {{ expires_on }}; report "
            "defects before then{% if service_phone %}: {{ service_phone }}{% else %} to the service centre{% endif %}."),
    ("warranty.expiry", "email", "zh-CN"): Text(
        "【{{ project_name }}】保修期到期提醒",
        "<p>{{ unit_label }} 业主：</p><p>您户的{{ warranty_item }}保修期将于 <strong>{{ expires_on }}</strong> 到期。"
        "如发现质量问题，请在到期前联系服务中心{% if service_phone %} {{ service_phone }}{% endif %}。</p><p>{{ project_name }} 服务中心</p>"),
    ("warranty.expiry", "email", "en"): Text(
        "[{{ project_name }}] Your warranty ends soon",
        "<p>To the owner of {{ unit_label }}:</p><p>The warranty on {{ warranty_item }} ends on "
        "<strong>{{ expires_on }}</strong>. Please report any defect before then: service centre"
        "{% if service_phone %} {{ service_phone }}{% endif %}.</p><p>{{ project_name }} service centre</p>"),
    ("goods_release.issued", "inapp", "zh-CN"): Text(
        "物品放行单已开具：{{ pass_number }}",
        "【{{ project_name }}】{{ unit_label }} 的物品放行单 {{ pass_number }} 已开具（物品 {{ item_count }} 项，"
        "搬出时间 {{ move_at }}）。搬出时请向门岗出示放行单号。{% if service_phone %}如有疑问请致电 {{ service_phone }}。{% endif %}"),
    ("goods_release.issued", "inapp", "en"): Text(
        "Goods pass issued: {{ pass_number }}",
        "[{{ project_name }}] The goods pass {{ pass_number }} for {{ unit_label }} is issued ({{ item_count }} item "
        "line(s), moving out {{ move_at }}). Show its number at the gate.{% if service_phone %} Questions: "
        "{{ service_phone }}.{% endif %}"),
    ("renovation.handed_over", "inapp", "zh-CN"): Text(
        "装修已转交本户：{{ renovation_number }}",
        "【{{ project_name }}】{{ unit_label }} 原住户办理的装修（{{ renovation_number }}，{{ state_label }}）已随房屋"
        "过户转交本户。装修单位、施工证件、竣工验收及复查事宜请前来服务中心确认"
        "{% if service_phone %}（电话 {{ service_phone }}）{% endif %}。"),
    ("renovation.handed_over", "inapp", "en"): Text(
        "A renovation handed over to you: {{ renovation_number }}",
        "[{{ project_name }}] The renovation of {{ unit_label }} begun by the previous household "
        "({{ renovation_number }}, {{ state_label }}) has passed to your household with the unit. Please come "
        "to the service centre about the contractor, the passes, the acceptance and the re-inspection"
        "{% if service_phone %} (phone {{ service_phone }}){% endif %}."),
    ("renovation.handed_over", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】{{ unit_label }} 的装修（{{ renovation_number }}，{{ state_label }}）已随过户转交"
            "您户，请前来服务中心确认相关事宜。{% if service_phone %}电话 {{ service_phone }}。{% endif %}"),
    ("renovation.handed_over", "sms", "en"): Text(
        "", "[{{ project_name }}] The renovation of {{ unit_label }} ({{ renovation_number }}, {{ state_label }}) "
            "has passed to your household: please see the service centre.{% if service_phone %} Phone "
            "{{ service_phone }}.{% endif %}"),
    ("renovation.reinspection_notice", "inapp", "zh-CN"): Text(
        "装修复查提醒：{{ renovation_number }}",
        "【{{ project_name }}】{{ unit_label }} 的装修（{{ renovation_number }}）将于 {{ due_date }} 起进行入住后复查，"
        "请与服务中心预约复查时间{% if service_phone %}（电话 {{ service_phone }}）{% endif %}。复查合格后退还装修保证金。"),
    ("renovation.reinspection_notice", "inapp", "en"): Text(
        "Renovation re-inspection ahead: {{ renovation_number }}",
        "[{{ project_name }}] The renovation of {{ unit_label }} ({{ renovation_number }}) is re-inspected from "
        "{{ due_date }}. Please book a time with the service centre{% if service_phone %} (phone "
        "{{ service_phone }}){% endif %}; the deposit is refunded after a clean re-inspection."),
    ("renovation.reinspection_notice", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】{{ unit_label }} 装修（{{ renovation_number }}）将于 {{ due_date }} 起复查，"
            "请预约复查时间，合格后退还保证金。{% if service_phone %}电话 {{ service_phone }}。{% endif %}"),
    ("renovation.reinspection_notice", "sms", "en"): Text(
        "", "[{{ project_name }}] {{ unit_label }}: renovation {{ renovation_number }} is re-inspected from "
            "{{ due_date }}; please book a time (deposit refunded after).{% if service_phone %} Phone "
            "{{ service_phone }}.{% endif %}"),
    ("key_stock_check.discrepancy", "inapp", "zh-CN"): Text(
        "钥匙{{ check_kind }}不符：{{ month }}（{{ discrepancy_count }} 项）",
        "【{{ project_name }}】{{ month }} 钥匙{{ check_kind }}（{{ checked_by }}，{{ checked_at }}）与登记不符：应在库 "
        "{{ expected }} 把，点到 {{ counted }} 把，不符 {{ discrepancy_count }} 项：\n{{ discrepancy_list }}\n"
        "请核查处理。"),
    ("key_stock_check.discrepancy", "inapp", "en"): Text(
        "Key {{ check_kind }} discrepancies: {{ month }} ({{ discrepancy_count }})",
        "[{{ project_name }}] The {{ month }} key {{ check_kind }} ({{ checked_by }}, {{ checked_at }}) does not agree "
        "with the register: {{ expected }} keys expected in the store, {{ counted }} counted, "
        "{{ discrepancy_count }} discrepancy(ies):\n{{ discrepancy_list }}\nPlease look into them."),
    ("vacancy.care_anomaly", "inapp", "zh-CN"): Text(
        "空置房异常：{{ unit_label }}（{{ anomaly }}）",
        "【{{ project_name }}】{{ unit_label }} 空置房{{ care }}（{{ performed_by }}，{{ performed_at }}）发现异常："
        "{{ anomaly }}。说明：{{ note }}\n请立即核查处理。"),
    ("vacancy.care_anomaly", "inapp", "en"): Text(
        "Vacant unit anomaly: {{ unit_label }} ({{ anomaly }})",
        "[{{ project_name }}] The {{ care }} of vacant unit {{ unit_label }} ({{ performed_by }}, {{ performed_at }}) "
        "found {{ anomaly }}. Note: {{ note }}\nPlease look into it at once."),
    ("goods_release.used", "inapp", "zh-CN"): Text(
        "物品已放行：{{ pass_number }}",
        "【{{ project_name }}】{{ unit_label }} 的物品放行单 {{ pass_number }} 已于 {{ used_at }} 在门岗核验放行"
        "（物品 {{ item_count }} 项）。如非本户知悉的搬出，请立即联系服务中心"
        "{% if service_phone %}（{{ service_phone }}）{% endif %}。"),
    ("goods_release.used", "inapp", "en"): Text(
        "Goods let out: {{ pass_number }}",
        "[{{ project_name }}] The goods of pass {{ pass_number }} for {{ unit_label }} went out at the gate at "
        "{{ used_at }} ({{ item_count }} item line(s)). If your household did not expect this, contact the "
        "service centre at once{% if service_phone %} ({{ service_phone }}){% endif %}."),
    ("goods_release.voided", "inapp", "zh-CN"): Text(
        "物品放行单已作废：{{ unit_label }}",
        "【{{ project_name }}】{{ unit_label }} 的物品放行单 {{ pass_number }} 已作废，如需了解详情请联系服务中心"
        "{% if service_phone %}（{{ service_phone }}）{% endif %}。"),
    ("goods_release.voided", "inapp", "en"): Text(
        "Goods pass voided: {{ unit_label }}",
        "[{{ project_name }}] The goods pass {{ pass_number }} for {{ unit_label }} was voided. Please contact the "
        "service centre{% if service_phone %} ({{ service_phone }}){% endif %} for details."),
    ("vacancy.check_result", "inapp", "zh-CN"): Text(
        "空置房检查结果：{{ unit_label }}",
        "【{{ project_name }}】您的空置房 {{ unit_label }} 已于 {{ check_date }} 完成本月检查：{{ result_label }}。"
        "{% if service_phone %}如有疑问请致电 {{ service_phone }}。{% endif %}"),
    ("vacancy.check_result", "inapp", "en"): Text(
        "Vacant unit check: {{ unit_label }}",
        "[{{ project_name }}] Your vacant unit {{ unit_label }} was checked on {{ check_date }}: {{ result_label }}."
        "{% if service_phone %} Questions: {{ service_phone }}.{% endif %}"),
    ("vacancy.check_result", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】空置房 {{ unit_label }} 已于 {{ check_date }} 检查：{{ result_label }}。"
            "{% if service_phone %}咨询 {{ service_phone }}。{% endif %}"),
    ("vacancy.check_result", "sms", "en"): Text(
        "", "[{{ project_name }}] Vacant unit {{ unit_label }} checked {{ check_date }}: {{ result_label }}."
            "{% if service_phone %} Questions: {{ service_phone }}.{% endif %}"),
    ("vacancy.crack_decision", "inapp", "zh-CN"): Text(
        "空置房裂缝处理结果：{{ unit_label }}",
        "【{{ project_name }}】您的空置房 {{ unit_label }} 本月检查发现的裂缝{{ decision_label }}。"
        "{% if service_phone %}如有疑问请致电 {{ service_phone }}。{% endif %}"),
    ("vacancy.crack_decision", "inapp", "en"): Text(
        "Vacant unit crack: {{ unit_label }}",
        "[{{ project_name }}] The crack found in your vacant unit {{ unit_label }} this month -- {{ decision_label }}."
        "{% if service_phone %} Questions: {{ service_phone }}.{% endif %}"),
    ("vacancy.crack_decision", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】空置房 {{ unit_label }} 检查发现的裂缝{{ decision_label }}。"
            "{% if service_phone %}咨询 {{ service_phone }}。{% endif %}"),
    ("vacancy.crack_decision", "sms", "en"): Text(
        "", "[{{ project_name }}] Vacant unit {{ unit_label }}, crack found: {{ decision_label }}."
            "{% if service_phone %} Questions: {{ service_phone }}.{% endif %}"),
    ("greeting.holiday", "inapp", "zh-CN"): Text(
        "{{ holiday_name }}快乐", "【{{ project_name }}】{{ holiday_name }}到来之际，{{ project_name }} 服务中心全体员工"
        "祝您和家人节日快乐、阖家幸福！"),
    ("greeting.holiday", "inapp", "en"): Text(
        "Happy {{ holiday_name }}", "[{{ project_name }}] Everyone at the {{ project_name }} service centre wishes "
        "you and your family a happy {{ holiday_name }}!"),
    ("greeting.holiday", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】{{ holiday_name }}快乐！{{ project_name }} 服务中心祝您和家人阖家幸福。"),
    ("greeting.holiday", "sms", "en"): Text(
        "", "[{{ project_name }}] Happy {{ holiday_name }} from the {{ project_name }} service centre!"),
    ("greeting.holiday", "wechat", "zh-CN"): Text(
        "节日问候", "{{ holiday_name }}快乐！{{ project_name }} 服务中心祝您和家人阖家幸福。"),
    ("greeting.holiday", "wechat", "en"): Text(
        "Season's greetings", "Happy {{ holiday_name }} from the {{ project_name }} service centre!"),
    ("community.event", "inapp", "zh-CN"): Text(
        "社区活动：{{ event_title }}",
        "【{{ project_name }}】{{ event_title }}\n时间：{{ event_at }}\n地点：{{ event_place }}\n{{ event_details }}"),
    ("community.event", "inapp", "en"): Text(
        "Community event: {{ event_title }}",
        "[{{ project_name }}] {{ event_title }}\nWhen: {{ event_at }}\nWhere: {{ event_place }}\n{{ event_details }}"),
    ("community.event", "sms", "zh-CN"): Text(
        "", "【{{ project_name }}】社区活动“{{ event_title }}”将于 {{ event_at }} 在 {{ event_place }} 举行，欢迎参加。"),
    ("community.event", "sms", "en"): Text(
        "", "[{{ project_name }}] Community event \"{{ event_title }}\": {{ event_at }} at {{ event_place }}. "
            "Everyone welcome."),
    ("community.event", "email", "zh-CN"): Text(
        "【{{ project_name }}】社区活动：{{ event_title }}",
        "<h3>{{ event_title }}</h3><p>时间：{{ event_at }}<br>地点：{{ event_place }}</p><p>{{ event_details }}</p>"
        "<p>{{ project_name }} 服务中心</p>"),
    ("community.event", "email", "en"): Text(
        "[{{ project_name }}] Community event: {{ event_title }}",
        "<h3>{{ event_title }}</h3><p>When: {{ event_at }}<br>Where: {{ event_place }}</p><p>{{ event_details }}</p>"
        "<p>{{ project_name }} service centre</p>"),
    ("community.event", "wechat", "zh-CN"): Text(
        "社区活动通知", "{{ event_title }}\n时间：{{ event_at }}\n地点：{{ event_place }}\n{{ project_name }} 服务中心"),
    ("community.event", "wechat", "en"): Text(
        "Community event", "{{ event_title }}\nWhen: {{ event_at }}\nWhere: {{ event_place }}\n"
        "{{ project_name }} service centre"),
    ("community.event", "print", "zh-CN"): Text(
        "社区活动：{{ event_title }}",
        "各位业主/住户：\n{{ event_title }}\n时间：{{ event_at }}\n地点：{{ event_place }}\n{{ event_details }}\n"
        "欢迎踊跃参加！"),
    ("community.event", "print", "en"): Text(
        "Community event: {{ event_title }}",
        "To all residents:\n{{ event_title }}\nWhen: {{ event_at }}\nWhere: {{ event_place }}\n{{ event_details }}\n"
        "Everyone welcome!"),
})

#: sample values for the preview (and the defaults' tests): by placeholder, a text or one per locale
SAMPLES: dict[str, str | dict[str, str]] = {
    "failures": "5",
    "limit": "5",
    "last_caller": {"zh-CN": "王前台", "en": "Wang (front desk)"},
    "locked_at": "2026-11-24 10:20",
    "project_name": {"zh-CN": "翠湖花园", "en": "Green Lake Garden"},
    "ticket_number": "BX-20261126-0001",
    "category_label": {"zh-CN": "公共区域报修", "en": "public-area repair"},
    "content": {"zh-CN": "3 栋电梯按钮失灵", "en": "the lift buttons of building 3 do not work"},
    "unit_label": {"zh-CN": "3栋2单元1201", "en": "B3-2-1201"},
    "location": {"zh-CN": "3 栋电梯厅", "en": "building 3 lift lobby"},
    "place": {"zh-CN": "3栋2单元1201", "en": "B3-2-1201"},
    "reporter_name": {"zh-CN": "张三", "en": "Zhang San"},
    "received_at": "2026-11-24 09:15",
    "appointment_at": "2026-11-25 14:00",
    "due_label": {"zh-CN": "到场时限", "en": "On site by"},
    "due_at": "2026-11-24 09:45",
    "deadline_label": {"zh-CN": "到场时限", "en": "on-site deadline"},
    "role_label": {"zh-CN": "工程部", "en": "engineering"},
    "assignee_name": {"zh-CN": "李师傅", "en": "Li"},
    "minutes_left": "10",
    "minutes_overdue": "25",
    "time_left": {"zh-CN": "10 分钟", "en": "10 minutes"},
    "time_overdue": {"zh-CN": "2 小时 5 分钟", "en": "2 hours 5 minutes"},
    "subject_note": "",
    "extension_note": "",
    "bill_number": "ZD-202611-0042",
    "period": "2026-11",
    "amount": "356.20",
    "due_date": "2026-11-20",
    "collect_date": "2026-11-15",
    "collect_note": {"zh-CN": "银行托收户将于 2026-11-15 自动扣款。", "en": " The bank collects it on 2026-11-15."},
    "receipt_number": "SJ-20261126-0007",
    "overdue": "1068.60",
    "late_fee": "12.40",
    "total": "1081.00",
    "bills": "3",
    "oldest_due_date": "2026-08-20",
    "notice_date": "2026-11-26",
    "pay_by": "2026-12-03",
    "resident_name": {"zh-CN": "王女士", "en": "Ms Wang"},
    "steward_name": {"zh-CN": "赵管家", "en": "Zhao"},
    "steward_phone": "138 0000 1234",
    "service_phone": "0571-8888 6666",
    "status_label": {"zh-CN": "维修完成", "en": "repaired"},
    "changed_at": "2026-11-24 16:30",
    "note": {"zh-CN": "已更换电梯按钮面板", "en": "the lift's button panel was replaced"},
    "revisit_by": "2026-11-27",
    "outage_label": {"zh-CN": "停水", "en": "water supply interruption"},
    "area_label": {"zh-CN": "3栋、5栋", "en": "buildings 3 and 5"},
    "starts_at": "2026-11-27 09:00",
    "ends_at": "2026-11-27 17:00",
    "reason": {"zh-CN": "市政供水管网维修", "en": "mains repairs by the water company"},
    "warranty_item": {"zh-CN": "防水工程", "en": "the waterproofing"},
    "expires_on": "2026-12-26",
    "check_date": "2026-11-10",
    "pass_number": "FX-20261126-0001",
    "item_count": "3",
    "move_at": "2026-11-27 10:00",
    "used_at": "2026-11-27 10:05",
    "renovation_number": "ZX-20261101-0001",
    "state_label": {"zh-CN": "施工中", "en": "works under way"},
    "month": "2026-11",
    "check_kind": {"zh-CN": "盘点", "en": "stock-check"},
    "checked_by": {"zh-CN": "王前台", "en": "Wang (front desk)"},
    "checked_at": "2026-11-20 16:00",
    "expected": "120",
    "counted": "118",
    "discrepancy_count": "2",
    "discrepancy_list": {"zh-CN": "- 1栋-0101 入户门：登记在库，未点到\n- 2栋-0302 入户门：应有 3 把，点到 2 把",
                         "en": "- 1栋-0101 front door: in the store by the register, not found\n"
                               "- 2栋-0302 front door: 3 copies registered, 2 counted"},
    "void_reason": {"zh-CN": "业主取消搬出", "en": "the owner called the move off"},
    "result_label": {"zh-CN": "未发现问题", "en": "nothing found"},
    "decision_label": {"zh-CN": "经审批已安排维修（工单 BX-20261110-0003）",
                       "en": "approved: the repair is arranged (ticket BX-20261110-0003)"},
    "area_name": {"zh-CN": "3栋地下车库", "en": "building 3 car park"},
    "item_name": {"zh-CN": "消防通道畅通", "en": "fire exits clear"},
    "round_number": "XJ-20261124-0001",
    "recorded_by": {"zh-CN": "赵管家", "en": "Zhao"},
    "recorded_at": "2026-11-24 10:20",
    "care": {"zh-CN": "防寒防冻检查", "en": "frost-protection check"},
    "anomaly": {"zh-CN": "被盗或闯入", "en": "a break-in"},
    "performed_by": {"zh-CN": "赵管家", "en": "Zhao"},
    "performed_at": "2026-11-24 10:00",
    "holiday_name": {"zh-CN": "春节", "en": "Spring Festival"},
    "event_title": {"zh-CN": "邻里美食节", "en": "Neighbours' food fair"},
    "event_at": "2026-12-05 14:00",
    "event_place": {"zh-CN": "中心花园", "en": "the central garden"},
    "event_details": {"zh-CN": "现场有亲子游戏，欢迎带上家人。", "en": "Games for children; bring your family."},
}


def _sample(name: str, locale: str) -> str:
    value = SAMPLES[name]
    return value.get(locale, value[DEFAULT_LOCALE]) if isinstance(value, dict) else value



# e-mail and WeChat without a default of their own say what the in-app message says
for (_purpose, _via, _locale), _text in list(DEFAULTS.items()):
    if _via == "inapp":
        for _channel in PURPOSES[_purpose].channels:
            if _channel in ("email", "wechat"):
                DEFAULTS.setdefault((_purpose, _channel, _locale), _text)
#: ``collect_note`` of a bill notice to a household with a debit mandate (cash payers: empty);
#: ``{}`` is the collection day
COLLECT_NOTES = {"zh-CN": "银行托收户将于 {} 自动扣款。", "en": " The bank collects it on {}."}

CATEGORY_LABELS = {
    "zh-CN": {"public_area": "公共区域报修", "in_home_paid": "户内有偿维修",
              "not_covered": "非保修范围咨询", "unclassified": "报修", "maintenance": "维修工程"},
    "en": {"public_area": "public-area repair", "in_home_paid": "paid in-home repair",
           "not_covered": "not covered (advice)", "unclassified": "repair", "maintenance": "maintenance works"},
}
#: the deadline engineering works to, in order of preference, and how it is called
DUE_KINDS = ("on_site", "arrive_before", "reply")
DUE_LABELS = {
    "zh-CN": {"on_site": "到场时限", "arrive_before": "上门时间", "reply": "答复时限", None: "时限"},
    "en": {"on_site": "On site by", "arrive_before": "Arrive by", "reply": "Reply by", None: "Due"},
}
NO_VALUE = {"zh-CN": "无", "en": "none"}
#: what a bill without a month (a one-off charge: a paid repair, the renovation garbage fee) is called
#: where its notice names the month
ONE_OFF_BILL = {"zh-CN": "一次性收费", "en": "one-off charge"}

#: the SLA clocks by their Chinese (and English) names; a kind not listed reads "时限（kind）"
DEADLINE_LABELS = {
    "zh-CN": {"record": "受理登记时限", "notify_engineering": "通知工程部时限", "on_site": "到场时限",
              "arrive_before": "上门时限", "reply": "答复时限", "dispatch": "派单时限",
              "first_response": "首次回应时限", "written_reply": "书面回复时限", "escalate": "上报时限",
              "resolve": "处理完成时限", "supervision_notice": "通知监理部时限",
              "assessment": "联合评估时限", "revisit": "回访时限",
              # complaints' and warranty-quality complaints' clocks (tickets' complaint_sla.py)
              "dispatch_department": "派单时限", "to_manager": "上报经理时限",
              "resident_reply": "答复业主时限", "notify_supervision": "通知监理部时限",
              # a suggestion's reply (tickets' feedback_sla.py)
              "feedback_reply": "建议答复时限",
              # tickets' front-desk tasks (domain/tasks.py): keys and vacant units
              "key_return": "借出钥匙当日归还时限", "key_spot_check": "钥匙抽查时限（每月25日）",
              "vacant_register": "空置房登记表更新时限（每月5日）", "vacant_check": "空置房检查时限（每月10日）",
              "vacant_report": "空置房检查结果告知业主时限（每月12日）",
              "vacant_care": "空置房保养时限（清扫、通风、防寒防冻）",
              "key_deposit_decision": "逾期归还钥匙押金的处理决定时限",
              # a steward's patrol (tickets' inspections.py)
              "patrol": "巡视时限", "spot_round": "现场巡检时限",
              # a renovation's clocks (tickets' renovation_sla.py)
              "renovation_review": "装修审核时限", "renovation_waste": "装修垃圾清运时限",
              "renovation_refund": "装修保证金退还时限"},
    "en": {"patrol": "patrol deadline", "spot_round": "on-the-spot round deadline",
           "record": "recording deadline", "notify_engineering": "engineering notice deadline",
           "on_site": "on-site deadline", "arrive_before": "arrival deadline", "reply": "reply deadline",
           "dispatch": "dispatch deadline", "first_response": "first response deadline",
           "written_reply": "written reply deadline", "escalate": "escalation deadline",
           "resolve": "resolution deadline", "supervision_notice": "supervision notice deadline",
           "assessment": "joint assessment deadline", "revisit": "revisit deadline",
           "dispatch_department": "dispatch deadline", "to_manager": "report-to-manager deadline",
           "resident_reply": "reply-to-resident deadline", "notify_supervision": "supervision notice deadline",
           "feedback_reply": "suggestion reply deadline",
           "key_return": "lent key's same-day return", "key_spot_check": "key spot-check deadline (the 25th)",
           "vacant_register": "vacant-unit register deadline (the 5th)",
           "vacant_check": "vacant-unit check deadline (the 10th)",
           "vacant_report": "vacant-unit result to the owner (the 12th)",
           "vacant_care": "vacant-unit care deadline (cleaning, airing, frost check)",
           "key_deposit_decision": "decision on a late borrower's kept key deposit",
           "renovation_review": "renovation review deadline", "renovation_waste": "renovation waste removal deadline",
           "renovation_refund": "renovation deposit refund deadline"},
}
#: the staff roles (kernel.tenancy.Role) by name
ROLE_LABELS = {
    "zh-CN": {"front_desk": "总台接待", "steward": "管家", "engineering": "工程部", "engineering_manager": "工程部经理",
              "security": "护卫部", "finance": "财务", "cs_manager": "客服部经理", "centre_manager": "服务中心经理",
              "general_manager": "总经理", "group_admin": "集团管理员"},
    "en": {"front_desk": "front desk", "steward": "steward", "engineering": "engineering",
           "engineering_manager": "engineering manager", "security": "security", "finance": "finance",
           "cs_manager": "customer-service manager", "centre_manager": "service-centre manager",
           "general_manager": "general manager", "group_admin": "group administrator"},
}
#: the ticket kinds, for a ticket whose category has no label of its own
KIND_LABELS = {"zh-CN": {"repair": "报修", "complaint": "投诉", "quality": "质量投诉", "revisit": "回访",
                         "feedback": "表扬与建议", "task": "前台任务", "inspection": "巡检", "renovation": "装修申请"},
               "en": {"repair": "repair", "complaint": "complaint", "quality": "quality complaint",
                      "revisit": "revisit", "feedback": "praise or suggestion", "task": "front-desk task",
                      "inspection": "inspection", "renovation": "renovation"}}
EXTENSION_NOTES = {"zh-CN": "（此为超时审批后的新时限，再次超时）",
                   "en": " (the due time an approved overrun set, missed again)"}


def deadline_label(kind: str, locale: str) -> str:
    labels = DEADLINE_LABELS.get(locale, DEADLINE_LABELS[DEFAULT_LOCALE])
    return labels.get(kind) or (f"时限（{kind}）" if locale == DEFAULT_LOCALE else f"{kind} deadline")


# -- safe rendering -------------------------------------------------------------

#: a placeholder's name (the old ``{name}`` syntax's pattern, kept for names)
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}\Z")
#: the text filters a template may use (no ``attr``, ``map``, ``format``, ``safe``...), each with the
#: arguments it takes, in order, and their kinds: ``str`` (a quoted text or a placeholder), ``int``
#: (a whole number), ``bool`` (true/false) -- anything else is refused when the template is saved
FILTER_ARGS: dict[str, tuple[tuple[str, type], ...]] = {
    "upper": (), "lower": (), "title": (), "capitalize": (), "escape": (), "e": (),
    "trim": (("chars", str),),
    "truncate": (("length", int), ("killwords", bool), ("end", str), ("leeway", int)),
    "replace": (("old", str), ("new", str), ("count", int)),
}
FILTERS = frozenset(FILTER_ARGS)
#: the tests a template may use in ``{% if %}``
TESTS = frozenset({"none", "number", "string", "eq", "ne"})
#: the template syntax a template may use: output, ``if``/``else``, comparisons, ``and``/``or``/``not``,
#: ``~``, literals and the filters above -- nothing reaching into an object or running code
_ALLOWED_NODES = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.If,
                  nodes.CondExpr, nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.Concat,
                  nodes.Filter, nodes.Test)
#: what a refused construct is called in the refusal (by Jinja's node class name)
CONSTRUCT_WORDS = {
    "Getattr": "attribute access (x.y)", "Getitem": "item access (x[...])", "Slice": "slicing (x[a:b])",
    "Call": "a call (f(...))", "For": "a loop ({% for %})", "Macro": "a macro ({% macro %})",
    "CallBlock": "a call block ({% call %})", "Assign": "an assignment ({% set %})",
    "AssignBlock": "an assignment ({% set %})", "Import": "an import ({% import %})",
    "FromImport": "an import ({% from ... import %})", "Include": "an include ({% include %})",
    "Extends": "extends ({% extends %})", "Block": "a block ({% block %})",
    "Scope": "a scope ({% with %})", "With": "a scope ({% with %})", "ScopedEvalContextModifier":
    "an autoescape block ({% autoescape %})", "EvalContextModifier": "an autoescape block ({% autoescape %})",
    "FilterBlock": "a filter block ({% filter %})", "ExprStmt": "an expression statement ({% do %})",
    "Continue": "continue", "Break": "break",
    "Add": "arithmetic (+) -- join texts with ~", "Sub": "arithmetic (-)", "Mul": "arithmetic (*)",
    "Div": "arithmetic (/)", "FloorDiv": "arithmetic (//)", "Mod": "arithmetic (%)", "Pow": "arithmetic (**)",
    "Neg": "a minus sign (-x)", "Pos": "a plus sign (+x)",
    "List": "a list ([...])", "Tuple": "a tuple", "Dict": "a dict ({...})", "Pair": "a dict ({...})",
    "Keyword": "a keyword argument", "NSRef": "a namespace reference",
}
#: the longest text a template may make, per channel (characters): an SMS is a few segments, a WeChat
#: template message a screen, an in-app message a page, an e-mail 64 KB, a printed notice one A4 page;
#: a subject at most 500. A template making more is refused at upload; a stored override making more
#: when a message is made gives way to the built-in default (``Resolved.render``)
MAX_CHARS = {"sms": 500, "wechat": 1000, "inapp": 4000, "email": 65536, "print": 8192}
MAX_SUBJECT_CHARS = 500
#: every channel's longest text (a ``replace`` filter making more stops at once)
_MAX_ANY = max(MAX_CHARS.values())


class _TooLong(Exception):
    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


def _finalize(value):
    # a value the platform has not (None) reads as nothing, as before; a *missing* one is an error
    return "" if value is None else value


@pass_eval_context
def _bounded_replace(eval_ctx, s, old, new, count=None):
    """Jinja's ``replace`` that refuses to make more than any channel's longest text: chained
    replaces of the empty string would multiply a value's length (16 MB from a few characters)."""
    text, old_text, new_text = str(s if s is not None else ""), str(old), str(new)
    found = text.count(old_text)
    times = found if count is None or count < 0 else min(count, found)
    if len(text) + times * (len(new_text) - len(old_text)) > _MAX_ANY:
        raise _TooLong(_MAX_ANY)
    return do_replace(eval_ctx, s, old, new, count)


def _environment(escape: bool) -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=escape, finalize=_finalize,
                               keep_trailing_newline=True)
    # no globals: range, lipsum, dict, cycler, joiner, namespace are undefined names (StrictUndefined)
    env.globals.clear()
    env.filters["replace"] = _bounded_replace
    return env


_ENVS = {escape: _environment(escape) for escape in (False, True)}
#: an e-mail body is HTML (auto-escaped) when it has a tag
_HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?\s*>")


def plain_to_html(text: str) -> str:
    """A plain text as an HTML fragment: escaped, paragraphs (blank lines) and line breaks kept."""
    import html as _html
    paragraphs = [p for p in text.split("\n\n") if p.strip()] or [""]
    return "".join("<p>" + _html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def is_html(channel: str, text: str) -> bool:
    """Whether ``text`` is an HTML body: an e-mail body with a tag (auto-escaped when rendered)."""
    return channel == "email" and bool(_HTML_TAG.search(text or ""))


#: what each refusal of a template says in Chinese, by its code (``kernel.errors.bilingual``)
_REFUSED_ZH = {
    "template_unsafe": "模板中含有不允许使用的写法",
    "template_arguments": "模板中过滤器的参数有误",
    "unknown_placeholder": "模板使用了该用途在此渠道不提供的变量",
    "template_active_content": "模板中含有不允许的标签或动态内容",
    "template_syntax": "模板语法有误",
    "template_too_long": "模板生成的内容超过长度上限",
    "missing_value": "模板缺少所需的值",
    "template_render_error": "模板无法用这些值生成内容",
    "invisible_characters": "模板中含有不可见字符",
}


def _refused(message: str, code: str, **details) -> TemplateRefused:
    return TemplateRefused(message, code=code, details=details, zh=_REFUSED_ZH.get(code))


def template_problems(text: str, allowed: frozenset[str]) -> list[str]:
    """What is wrong with ``text`` as a template using only ``allowed`` names (empty: nothing)."""
    try:
        check_template(text, allowed)
    except TemplateRefused as exc:
        return [exc.message]
    return []


def _where(line) -> str:
    return f"line {line}: " if line else ""


def _construct(node: nodes.Node) -> str:
    name = type(node).__name__
    return CONSTRUCT_WORDS.get(name) or f"this construct ({name})"


def _kind_word(kind: type) -> str:
    return {str: "a text in quotes or a placeholder", int: "a whole number", bool: "true or false"}[kind]


def _check_filter(node: nodes.Filter) -> None:
    line = node.lineno
    if node.name not in FILTERS:
        raise _refused(f"{_where(line)}the filter {node.name!r} is not allowed (allowed: "
                       f"{', '.join(sorted(FILTERS))})", "template_unsafe", line=line, construct=node.name)
    spec = FILTER_ARGS[node.name]
    if node.dyn_args is not None or node.dyn_kwargs is not None:
        raise _refused(f"{_where(line)}the filter {node.name!r} takes its arguments written out (no * or **)",
                       "template_unsafe", line=line, construct=node.name)
    names = [n for n, _ in spec]
    given: dict[str, nodes.Node] = {}
    if len(node.args) > len(spec):
        raise _refused(f"{_where(line)}the filter {node.name!r} takes at most {len(spec)} argument(s)"
                       + (f" ({', '.join(names)})" if names else ""), "template_arguments",
                       line=line, filter=node.name)
    for (name, _), arg in zip(spec, node.args):
        given[name] = arg
    for kw in node.kwargs:
        if kw.key not in names or kw.key in given:
            raise _refused(f"{_where(line)}the filter {node.name!r} has no argument {kw.key!r}"
                           + (f" (it takes {', '.join(names)})" if names else ""), "template_arguments",
                           line=line, filter=node.name)
        given[kw.key] = kw.value
    kinds = dict(spec)
    consts = {}
    for name, arg in given.items():
        kind = kinds[name]
        ok = (isinstance(arg, nodes.Const) and type(arg.value) is kind) or (kind is str and isinstance(
            arg, (nodes.Name, nodes.Concat, nodes.Filter, nodes.CondExpr)))
        if not ok:
            raise _refused(f"{_where(line)}the filter {node.name!r}: its argument {name!r} must be {_kind_word(kind)}",
                           "template_arguments", line=line, filter=node.name, argument=name)
        if isinstance(arg, nodes.Const):
            consts[name] = arg.value
    if node.name == "replace" and consts.get("old") == "":
        raise _refused(f"{_where(line)}the filter 'replace' needs a text to replace (not an empty one)",
                       "template_arguments", line=line, filter="replace", argument="old")
    if node.name == "truncate":
        end = consts.get("end", "...")
        if "length" in consts and isinstance(end, str) and consts["length"] < len(end):
            raise _refused(f"{_where(line)}the filter 'truncate': the length must be at least the end's length "
                           f"({len(end)})", "template_arguments", line=line, filter="truncate", argument="length")
        if consts.get("leeway", 0) < 0:
            raise _refused(f"{_where(line)}the filter 'truncate': leeway may not be negative", "template_arguments",
                           line=line, filter="truncate", argument="leeway")


def _check_compare(node: nodes.Compare) -> None:
    # every value is a text: ordering (<, >, <=, >=) and ``in`` compare texts with texts only
    if all(op.op in ("eq", "ne") for op in node.ops):
        return
    for operand in [node.expr] + [op.expr for op in node.ops]:
        if isinstance(operand, nodes.Const) and not isinstance(operand.value, str):
            raise _refused(f"{_where(node.lineno)}a comparison of a text with {operand.value!r}: every value is a "
                           "text, compare it with a text in quotes", "template_arguments", line=node.lineno,
                           construct="comparison")


def check_template(text: str, allowed: frozenset[str]) -> None:
    """Refuse ``text`` unless it parses, names only ``allowed`` variables and uses only the plain
    syntax (:data:`_ALLOWED_NODES`, :data:`FILTER_ARGS` with arguments of the right kinds,
    :data:`TESTS`): a :class:`TemplateRefused` with code ``template_syntax`` (and the line),
    ``template_unsafe``, ``template_arguments`` or ``unknown_placeholder`` (and the missing names)."""
    env = _ENVS[False]
    try:
        ast = env.parse(text or "")
    except TemplateSyntaxError as exc:
        raise _refused(f"template syntax error on line {exc.lineno}: {exc.message}", "template_syntax",
                       line=exc.lineno, error=exc.message) from None
    for node in ast.find_all(nodes.Node):
        line = getattr(node, "lineno", None)
        if not isinstance(node, _ALLOWED_NODES):
            what = _construct(node)
            raise _refused(f"{_where(line)}{what} is not allowed in a template", "template_unsafe",
                           line=line, construct=what.split(" (")[0].split(" --")[0])
        if isinstance(node, nodes.Filter):
            _check_filter(node)
        if isinstance(node, nodes.Test) and node.name not in TESTS:
            raise _refused(f"{_where(line)}the test {node.name!r} is not allowed (allowed: "
                           f"{', '.join(sorted(TESTS))})", "template_unsafe", line=line, construct=node.name)
        if isinstance(node, nodes.Compare):
            _check_compare(node)
    # every name read: Jinja's own (self, loop, range, lipsum...) too -- only the purpose's values
    names = {n.name for n in ast.find_all(nodes.Name)} | meta.find_undeclared_variables(ast)
    missing = sorted(name for name in names if name not in allowed or not _NAME.match(name))
    if missing:
        raise _refused("the template names variables its purpose does not provide on this channel: "
                       + ", ".join(missing), "unknown_placeholder", missing=missing, allowed=sorted(allowed))


@functools.lru_cache(maxsize=1024)
def _checked(text: str, allowed: frozenset[str]) -> bool:
    check_template(text, allowed)       # a refusal is not cached (it raises)
    return True


@functools.lru_cache(maxsize=1024)
def _compiled(text: str, escape: bool):
    return _ENVS[escape].from_string(text)


def render(text: str, allowed: frozenset[str], values: dict, *, html: bool = False,
           max_chars: int | None = None) -> str:
    """``text`` rendered with ``values`` (only the ``allowed`` ones are visible): checked first
    (:func:`check_template`), sandboxed, a missing value an error, HTML-escaped when ``html``,
    stopped as soon as it makes more than ``max_chars`` characters (``template_too_long``). Any
    failure is a :class:`TemplateRefused` (``template_unsafe``, ``missing_value``,
    ``template_too_long``, ``template_render_error``) -- never another exception."""
    if not text:
        return ""
    _checked(text, allowed)
    parts, length = [], 0
    try:
        for part in _compiled(text, html).generate({k: v for k, v in values.items() if k in allowed}):
            length += len(part)
            if max_chars is not None and length > max_chars:
                raise _TooLong(max_chars)
            parts.append(part)
    except _TooLong as exc:
        raise _refused(f"the text made is longer than {exc.limit} characters", "template_too_long",
                       max_chars=exc.limit) from None
    except SecurityError as exc:
        raise _refused(f"the template does what the sandbox refuses: {exc}", "template_unsafe") from None
    except UndefinedError as exc:
        raise _refused(f"no value for the template: {exc.message}", "missing_value") from None
    except Exception as exc:        # noqa: BLE001 -- a staff text that cannot be made, whatever the reason
        raise _refused(f"the template cannot be made with its values: {_explain(exc)}", "template_render_error",
                       error=type(exc).__name__) from None
    return "".join(parts)


def _explain(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, TypeError) and "not supported between" in text:
        return "a comparison of a text with a number (" + text + ")"
    return text


def check_renders(purpose: Purpose, channel: str, locale: str, subject: str, body: str,
                  sample: dict | None = None) -> tuple[str, str]:
    """A template rendered as at sending, with the purpose's sample values and again with every value
    empty: any error (a comparison or a filter that fails on a text, a text longer than the channel's
    :data:`MAX_CHARS`) is the same :class:`TemplateRefused` it would be when a message is made. Returns
    the (subject, body) made from ``sample`` (the purpose's samples when not given)."""
    allowed = purpose.allowed(channel)
    html = is_html(channel, body)
    sample = sample if sample is not None else purpose.sample(locale)
    made = [(render(subject, allowed, values, max_chars=MAX_SUBJECT_CHARS),
             render(body, allowed, values, html=html, max_chars=MAX_CHARS[channel]))
            for values in (sample, {name: "" for name in purpose.placeholders})]
    return made[0]


# -- staff-written HTML (e-mail bodies) -----------------------------------------------

#: the tags an e-mail template may use: text and layout, links and images -- no script, frame, object,
#: embed, form, meta, base, link, svg or math (active content); ``style`` only without scripting
HTML_TAGS = frozenset({
    "html", "head", "body", "title", "style", "p", "br", "hr", "div", "span", "strong", "b", "em", "i", "u",
    "s", "small", "big", "sub", "sup", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
    "blockquote", "pre", "code", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "col",
    "colgroup", "a", "img", "font", "center",
})
#: the attributes any allowed tag may carry (``on*`` handlers never)
HTML_ATTRIBUTES = frozenset({
    "style", "class", "id", "title", "lang", "dir", "align", "valign", "width", "height", "border",
    "cellpadding", "cellspacing", "bgcolor", "color", "face", "size", "colspan", "rowspan", "alt", "href",
    "src", "target", "rel", "name", "span",
})
#: attributes holding a URL: a literal http(s)/mailto/tel address or an anchor (a placeholder may follow it)
_URL_ATTRIBUTES = frozenset({"href", "src"})
_SAFE_URL = re.compile(r"(https?://[^\s\"'<>{}]|mailto:|tel:|#)", re.I)
#: CSS that runs or loads something: IE's expression(), url(...) (javascript:, tracking), imports, bindings
_ACTIVE_CSS = re.compile(r"expression\s*\(|url\s*\(|@import|javascript:|behavior\s*:|-moz-binding|\\", re.I)
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")


class _HtmlCheck(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problem: str | None = None
        self._style = False

    def _refuse(self, problem: str) -> None:
        self.problem = self.problem or problem

    def handle_starttag(self, tag, attrs):
        raw = self.get_starttag_text() or ""
        if tag not in HTML_TAGS:
            return self._refuse(f"the tag <{tag}> is not allowed in an e-mail template")
        if "{%" in raw or "{{" in _QUOTED.sub("", raw):
            return self._refuse(f"<{tag}>: a placeholder or {{% %}} inside a tag is allowed only in a quoted "
                                "attribute value")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                return self._refuse(f"<{tag}>: event handler attributes ({name}) are not allowed")
            if name not in HTML_ATTRIBUTES:
                return self._refuse(f"<{tag}>: the attribute {name!r} is not allowed")
            if name in _URL_ATTRIBUTES and not _SAFE_URL.match(value.strip()):
                return self._refuse(f"<{tag} {name}>: a link must begin with https://, http://, mailto:, tel: or # "
                                    "(no javascript: or data: addresses, no placeholder first)")
            if name == "style" and (_ACTIVE_CSS.search(value) or "{{" in value):
                return self._refuse(f"<{tag} style>: no expression(), url(), @import or placeholder in a style")
        self._style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._style = False

    def handle_endtag(self, tag):
        self._style = False
        if tag not in HTML_TAGS:
            self._refuse(f"the tag </{tag}> is not allowed in an e-mail template")

    def handle_data(self, data):
        if self._style and (_ACTIVE_CSS.search(data) or "{{" in data or "{%" in data):
            self._refuse("<style>: no expression(), url(), @import or template syntax in a style sheet")

    def handle_pi(self, data):
        self._refuse("processing instructions are not allowed in an e-mail template")

    def unknown_decl(self, data):
        self._refuse("CDATA and declarations are not allowed in an e-mail template")


#: a tag whose name a template would make (``<{{ x }}>``, ``<{% if %}script{% endif %}>``)
_MADE_TAG = re.compile(r"<\s*/?\s*[{]")


def check_html(text: str) -> None:
    """Refuse active content in a staff-written e-mail body (HTML): only :data:`HTML_TAGS` with
    :data:`HTML_ATTRIBUTES`, no ``on*`` handler, no ``javascript:``/``data:`` link, no scripting CSS, no
    tag made by the template's own syntax. A :class:`TemplateRefused` ``template_active_content``.
    (Values are escaped when the message is made; this is about the text staff write.)"""
    if not text:
        return
    if _MADE_TAG.search(text):
        raise _refused("a tag may not be made by a placeholder or {% %} (write the tag's name out)",
                       "template_active_content")
    checker = _HtmlCheck()
    checker.feed(text)
    checker.close()
    if checker.problem:
        raise _refused(checker.problem, "template_active_content", problem=checker.problem)


def html_problems(text: str) -> list[str]:
    """What :func:`check_html` refuses in ``text`` (empty: nothing)."""
    try:
        check_html(text)
    except TemplateRefused as exc:
        return [exc.message]
    return []


def check_text(purpose: Purpose, channel: str, locale: str, subject: str, body: str,
               sample: dict | None = None) -> tuple[str, str]:
    """Everything checked when staff save or preview a text: the syntax and names
    (:func:`check_template`, the subject too), active content in an e-mail body (:func:`check_html`),
    and the text made with sample values (:func:`check_renders`). Returns the sample's (subject, body)."""
    allowed = purpose.allowed(channel)
    for text in (subject, body):
        invisible = validators.free_text_error(text)
        if invisible:
            raise _refused(invisible, "invisible_characters")
    check_template(subject, allowed)
    check_template(body, allowed)
    if channel == "email":
        check_html(body)
    return check_renders(purpose, channel, locale, subject, body, sample)


def local_time(value: datetime | None, tz: str) -> str | None:
    """An instant as the project's wall-clock time, e.g. ``2026-11-24 09:15``."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def due_time(value: datetime | None, tz: str) -> str | None:
    """A due time as people read it, in the project's wall-clock time: a deadline at the end of a day
    (local midnight, "by the end of the 10th") is that day's ``24:00`` -- ``2026-11-10 24:00``, never
    the next day's ``2026-11-11 00:00``, which names a day the rule does not; any other time as
    :func:`local_time`. Every deadline a message names is rendered here (all ticket kinds)."""
    if value is None:
        return None
    local = value.astimezone(ZoneInfo(tz))
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return f"{(local - timedelta(days=1)).strftime('%Y-%m-%d')} 24:00"
    return local.strftime("%Y-%m-%d %H:%M")


_DURATION_UNITS = {"zh-CN": ("天", "小时", "分钟", "不到 1 分钟"),
                   "en": (("day", "days"), ("hour", "hours"), ("minute", "minutes"), "under a minute")}


def duration_words(minutes: float | None, locale: str = DEFAULT_LOCALE) -> str:
    """A length of time as people say it, for every SLA alert: the two largest units, whole
    (``16 天 13 小时``, ``2 小时 5 分钟``, ``45 分钟``; en ``2 hours 5 minutes``) -- never raw minutes
    like ``23865.3 分钟``. Under a minute: ``不到 1 分钟``; None: ``""``."""
    if minutes is None:
        return ""
    day, hour, minute, tiny = _DURATION_UNITS.get(locale, _DURATION_UNITS[DEFAULT_LOCALE])
    total = int(max(0.0, float(minutes)))          # whole minutes (a part minute is not said)
    if total < 1:
        return tiny
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [(days, day), (hours, hour)] if days else [(hours, hour), (mins, minute)]
    parts = [(n, unit) for n, unit in parts if n] or [(mins, minute)]

    def say(n, unit):
        if isinstance(unit, tuple):
            return f"{n} {unit[0] if n == 1 else unit[1]}"
        return f"{n} {unit}"
    return " ".join(say(n, unit) for n, unit in parts)


# -- lookup ---------------------------------------------------------------------

@dataclass(frozen=True)
class Resolved:
    purpose: str
    channel: str
    locale: str
    subject: str
    body: str
    source: str                 # project | group | default
    template_id: str | None = None

    @property
    def html(self) -> bool:
        """The body is HTML (an e-mail with tags): rendered auto-escaped, sent as text/html."""
        return is_html(self.channel, self.body)

    def render(self, values: dict) -> tuple[str, str]:
        """Subject and body with ``values``. A project's or the group's text that cannot be made --
        a value the message lacks (an event older than its purpose's placeholders), a comparison or
        filter failing on these values, a text longer than the channel's :data:`MAX_CHARS` -- gives
        way to the built-in default for the purpose, channel and locale, with a warning naming the
        template: never a blank, never a lost message, never a failed event handler. A text being
        previewed is refused (:class:`TemplateRefused`) instead."""
        allowed = PURPOSES[self.purpose].allowed(self.channel)
        caps = (MAX_SUBJECT_CHARS, MAX_CHARS[self.channel]) if self.source != "default" else (None, None)
        try:
            return (render(self.subject, allowed, values, max_chars=caps[0]),
                    render(self.body, allowed, values, html=self.html, max_chars=caps[1]))
        except TemplateRefused as exc:
            default = DEFAULTS.get((self.purpose, self.channel, self.locale))
            if self.source not in ("project", "group") or default is None:
                raise
            log.warning("template %s (%s scope, %s/%s/%s) not rendered (%s: %s); the built-in default is used",
                        self.template_id, self.source, self.purpose, self.channel, self.locale, exc.code,
                        exc.message)
            return Resolved(self.purpose, self.channel, self.locale, default.subject, default.body,
                            "default").render(values)


def purpose_of(key: str) -> Purpose:
    try:
        return PURPOSES[key]
    except KeyError:
        raise UnknownPurpose(f"no message purpose {key!r}", details={"known": sorted(PURPOSES)},
                             zh=f"没有通知用途 {key}") from None


def _locales(locale: str) -> list[str]:
    return [locale] if locale == DEFAULT_LOCALE else [locale, DEFAULT_LOCALE]


def overrides_for(session, *, group_id: str, project_id: str | None, purpose: str,
                  channels) -> list[Template]:
    """Every override (project's and group's, any locale) of ``purpose`` on ``channels``: one
    query for all the channels of a message, handed to :func:`resolve` as ``candidates``."""
    scopes = [s for s in (project_id, GROUP_SCOPE) if s]
    return list(session.scalars(select(Template).where(
        Template.group_id == group_id, Template.scope.in_(scopes), Template.purpose == purpose,
        Template.channel.in_(list(channels)))))


def resolve(session, *, group_id: str, project_id: str | None, purpose: str, channel: str,
            locale: str, candidates: list[Template] | None = None) -> Resolved:
    """The template to use: project → group → built-in, in ``locale`` then zh-CN.

    ``candidates``: the overrides already read by :func:`overrides_for` (then nothing is
    queried here). An override that no longer passes the placeholder check (say a placeholder
    was retired) is skipped with a warning rather than failing the message."""
    spec = purpose_of(purpose)
    if channel not in spec.channels:
        raise UnsupportedChannel(f"{purpose} is not sent by {channel}", zh=f"{purpose} 不通过 {channel} 发送")
    allowed = spec.allowed(channel)
    scopes = [s for s in (project_id, GROUP_SCOPE) if s]
    for loc in _locales(locale if locale in LOCALES else DEFAULT_LOCALE):
        if candidates is not None:
            overrides = {t.scope: t for t in candidates
                         if t.group_id == group_id and t.scope in scopes and t.purpose == purpose
                         and t.channel == channel and t.locale == loc}
        else:
            overrides = {t.scope: t for t in session.scalars(select(Template).where(
                Template.group_id == group_id, Template.scope.in_(scopes), Template.purpose == purpose,
                Template.channel == channel, Template.locale == loc))}
        for scope in scopes:
            t = overrides.get(scope)
            if t is None:
                continue
            if template_problems(t.subject, allowed) or template_problems(t.body, allowed) or (
                    channel == "email" and html_problems(t.body)):
                log.warning("template %s (%s/%s/%s) no longer valid; skipped", t.id, purpose, channel, loc)
                continue
            return Resolved(purpose, channel, loc, t.subject, t.body,
                            "group" if scope == GROUP_SCOPE else "project", t.id)
        default = DEFAULTS.get((purpose, channel, loc))
        if default is not None:
            return Resolved(purpose, channel, loc, default.subject, default.body, "default")
    raise UnsupportedChannel(f"no template for {purpose} by {channel}",
                             zh=f"{purpose} 没有 {channel} 渠道的模板")  # pragma: no cover - DEFAULTS cover every channel


# -- administration ---------------------------------------------------------------

def _project(work: Work, project_id: str) -> ProjectCopy:
    project, missing = work.session.get(ProjectCopy, project_id), ProjectNotFound(f"no project {project_id}")
    if project is None:
        raise missing
    work.caller.require_project(project.group_id, project.id, not_found=missing)
    return project


def _group_of(work: Work, project_id: str | None) -> tuple[str, str | None]:
    caller = work.caller
    caller.require_role(*EDITOR_ROLES)
    if project_id:
        project = _project(work, project_id)
        return project.group_id, project.id
    if not caller.group_id:
        raise InvalidTemplate("a group-wide template needs a caller of that group", code="group_required",
                              zh="集团模板须由该集团的人员设置")
    return caller.group_id, None


def list_templates(work: Work, project_id: str | None = None) -> list[Resolved]:
    """Every template in effect for the project (or, without one, for the group)."""
    group_id, project_id = _group_of(work, project_id)
    return [resolve(work.session, group_id=group_id, project_id=project_id, purpose=p.key,
                    channel=channel, locale=locale)
            for p in PURPOSES.values() for channel in p.channels for locale in LOCALES]


def save_template(work: Work, data: dict) -> Template:
    """Create or replace the override of one (purpose, channel, locale) for a project or the
    group. A group-wide template is for those who see every project of the group."""
    spec = purpose_of(data["purpose"])
    if data["channel"] not in spec.channels:
        raise UnsupportedChannel(f"{spec.key} is sent by {', '.join(spec.channels)} only",
                                 details={"channels": list(spec.channels)},
                                 zh=f"{spec.key} 只通过 {'、'.join(spec.channels)} 发送")
    if data["locale"] not in LOCALES:
        raise UnsupportedLocale(f"locale must be one of {', '.join(LOCALES)}", zh=f"语言须为以下之一：{'、'.join(LOCALES)}")
    group_id, project_id = _group_of(work, data.get("project_id"))
    caller = work.caller
    if project_id is None and not (caller.is_system or caller.all_projects):
        raise Forbidden("group-wide templates are edited by staff who see every project",
                        code="group_scope_forbidden", zh="集团模板只能由可查看所有项目的人员编辑")
    subject, body = data.get("subject") or "", data["body"]
    check_text(spec, data["channel"], data["locale"], subject, body,
               _sample_for(work, spec, data["locale"], project_id))
    scope = project_id or GROUP_SCOPE
    now = work.clock.now()
    template = work.session.scalars(select(Template).where(
        Template.group_id == group_id, Template.scope == scope, Template.purpose == spec.key,
        Template.channel == data["channel"], Template.locale == data["locale"])).first()
    if template is None:
        template = Template(id=str(uuid.uuid4()), group_id=group_id, project_id=project_id, scope=scope,
                            purpose=spec.key, channel=data["channel"], locale=data["locale"], version=0)
        work.session.add(template)
    template.subject, template.body = subject, body
    template.version += 1
    template.updated_at, template.updated_by = now, caller.user_id
    return template


def delete_template(work: Work, data: dict) -> Resolved:
    """Reset one (purpose, channel, locale) of a project (``project_id``) or of the group (none) to what
    is in effect without the override -- the group's, then the built-in default -- and return that.
    Same roles as saving; no override there: 404 ``template_not_found``."""
    spec = purpose_of(data["purpose"])
    channel, locale = data["channel"], data["locale"]
    if channel not in spec.channels:
        raise UnsupportedChannel(f"{spec.key} is sent by {', '.join(spec.channels)} only",
                                 details={"channels": list(spec.channels)},
                                 zh=f"{spec.key} 只通过 {'、'.join(spec.channels)} 发送")
    if locale not in LOCALES:
        raise UnsupportedLocale(f"locale must be one of {', '.join(LOCALES)}", zh=f"语言须为以下之一：{'、'.join(LOCALES)}")
    group_id, project_id = _group_of(work, data.get("project_id"))
    caller = work.caller
    if project_id is None and not (caller.is_system or caller.all_projects):
        raise Forbidden("group-wide templates are edited by staff who see every project",
                        code="group_scope_forbidden", zh="集团模板只能由可查看所有项目的人员编辑")
    scope = project_id or GROUP_SCOPE
    template = work.session.scalars(select(Template).where(
        Template.group_id == group_id, Template.scope == scope, Template.purpose == spec.key,
        Template.channel == channel, Template.locale == locale)).first()
    if template is None:
        raise TemplateNotFound(f"no {'project' if project_id else 'group'} template for {spec.key} by {channel} "
                               f"in {locale}: the {'group' if project_id else 'built-in'} text is in effect",
                               zh=f"{spec.key} 没有{'本项目' if project_id else '集团'}的 {channel}/{locale} 模板，"
                                  f"现行的是{'集团' if project_id else '系统内置'}模板")
    log.info("template %s (%s %s/%s/%s) reset to the default by %s", template.id, scope, spec.key, channel,
             locale, caller.user_id)
    work.session.delete(template)
    work.session.flush()
    return resolve(work.session, group_id=group_id, project_id=project_id, purpose=spec.key, channel=channel,
                   locale=locale)


def _sample_for(work: Work, spec: Purpose, locale: str, project_id: str | None) -> dict:
    """The purpose's sample values, the project's own name (notify's copy) when there is a project."""
    sample = spec.sample(locale)
    project = work.session.get(ProjectCopy, project_id) if project_id else None
    if project is not None and "project_name" in sample:
        sample["project_name"] = project.name
    return sample


def preview_template(work: Work, project_id: str | None, data: dict) -> dict:
    """A template rendered with its purpose's sample values (:meth:`Purpose.sample`, the project's own
    name), nothing written: the text given (``body`` and/or ``subject``: checked as at upload, refused
    the same way; a subject alone is previewed with the body in effect) or, with neither, the template
    in effect for the project (or the group). Same roles as editing."""
    spec = purpose_of(data["purpose"])
    channel, locale = data["channel"], data.get("locale") or DEFAULT_LOCALE
    if channel not in spec.channels:
        raise UnsupportedChannel(f"{spec.key} is sent by {', '.join(spec.channels)} only",
                                 details={"channels": list(spec.channels)},
                                 zh=f"{spec.key} 只通过 {'、'.join(spec.channels)} 发送")
    if locale not in LOCALES:
        raise UnsupportedLocale(f"locale must be one of {', '.join(LOCALES)}", zh=f"语言须为以下之一：{'、'.join(LOCALES)}")
    group_id, project_id = _group_of(work, project_id)
    if data.get("body") or data.get("subject"):
        body = data.get("body")
        if not body:
            body = resolve(work.session, group_id=group_id, project_id=project_id, purpose=spec.key,
                           channel=channel, locale=locale).body
        template = Resolved(spec.key, channel, locale, data.get("subject") or "", body, "preview")
        sample = _sample_for(work, spec, template.locale, project_id)
        subject, body = check_text(spec, channel, locale, template.subject, template.body, sample)
    else:
        template = resolve(work.session, group_id=group_id, project_id=project_id, purpose=spec.key,
                           channel=channel, locale=locale)
        sample = _sample_for(work, spec, template.locale, project_id)
        subject, body = template.render(sample)
    return {"purpose": spec.key, "channel": channel, "locale": template.locale, "source": template.source,
            "subject": subject, "body": body, "html": template.html, "kind": spec.kind,
            "placeholders": sorted(spec.allowed(channel)),
            "sample": {k: v for k, v in sorted(sample.items()) if k in spec.allowed(channel)}}
