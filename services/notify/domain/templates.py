"""Message templates: built-in defaults, staff overrides, safe rendering.

A template is chosen per purpose (what the message is for), channel, locale and
project. Lookup: the project's override, then the group's, then the built-in
default below -- first in the wanted locale, then in zh-CN.

Staff edit the text, so rendering is deliberately dumb: ``{name}`` is replaced
by the value of ``name`` when ``name`` is one of the purpose's placeholders;
anything else in braces (``{x.__class__}``, ``{0}``, ``{a[b]}``) or a stray
brace makes the template invalid. No ``str.format``, no attribute access.
"""
from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kernel.errors import Forbidden
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import (InvalidTemplate, ProjectNotFound, UnknownPurpose, UnsupportedChannel,
                          UnsupportedLocale)
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


@dataclass(frozen=True)
class Purpose:
    key: str
    channels: tuple[str, ...]
    placeholders: frozenset[str]
    description: str
    #: registry values (archive's) this purpose's SMS may state besides SMS_SAFE
    sms_also: frozenset[str] = frozenset()

    def allowed(self, channel: str) -> frozenset[str]:
        """The placeholders a template of this purpose may use on ``channel``."""
        return self.placeholders & (SMS_SAFE | self.sms_also) if channel == "sms" else self.placeholders


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

PURPOSES: dict[str, Purpose] = {p.key: p for p in (
    Purpose("ticket.opened.resident", ("inapp", "sms"), _TICKET,
            "acknowledgement of a repair request to the resident (报修受理)"),
    Purpose("ticket.dispatch_engineering", ("inapp",), _TICKET,
            "a new repair order for the project's engineering department (派工)"),
    Purpose("quality.dispatch_engineering", ("inapp",), _QUALITY,
            "a warranty-quality complaint (质量投诉) for the project's engineering department"),
    # to the developer: the ticket number and the unit only, never what the resident wrote
    Purpose("quality.notify_supervision", ("sms",), _SUPERVISION,
            "a warranty-quality complaint told to the developer's supervision department (开发商监理部)",
            sms_also=frozenset({"unit_label"})),
    Purpose("ticket.sla_warning", ("inapp",), _SLA - {"minutes_overdue", "extension_note"},
            "a ticket's SLA clock is near its due time: to the role answerable for it (时限预警)"),
    Purpose("ticket.sla_breached", ("inapp",), _SLA - {"minutes_left"},
            "a ticket's SLA clock passed its due time: to the role answerable for it (超时告警)"),
    # -- billing's bills and receipts (bank) --
    Purpose("bill_notice", ("inapp", "sms"), _BILL_NOTICE,
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
            "the dunning ladder's first notice to the household (催费通知书)", sms_also=_DUNNING),
    Purpose("dunning_second", ("inapp", "sms", "print"), _DUNNING,
            "the dunning ladder's second notice (二次催费通知书)", sms_also=_DUNNING),
    Purpose("dunning_final", ("inapp", "sms", "print"), _DUNNING,
            "the dunning ladder's final notice, principal and late fee (最后催费通知书)", sms_also=_DUNNING),
)}


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


_ACK_ZH = "【{project_name}】您的报修（{ticket_number}）已受理：{content}。工程部将尽快处理。"
_ACK_EN = ("[{project_name}] Your repair request ({ticket_number}) has been received: {content}. "
           "Our engineering team will attend to it shortly.")
#: the SMS says only what the platform controls (SMS_SAFE)
_ACK_SMS_ZH = "【{project_name}】您的{category_label}（{ticket_number}）已受理，工程部将尽快处理。"
_ACK_SMS_EN = ("[{project_name}] Your {category_label} request ({ticket_number}) has been received; "
               "our engineering team will attend to it shortly.")

#: built-in defaults, by (purpose, channel, locale)
DEFAULTS: dict[tuple[str, str, str], Text] = {
    ("ticket.opened.resident", "inapp", "zh-CN"): Text("报修已受理（{ticket_number}）", _ACK_ZH),
    ("ticket.opened.resident", "sms", "zh-CN"): Text("", _ACK_SMS_ZH),
    ("ticket.opened.resident", "inapp", "en"): Text("Repair request {ticket_number} received", _ACK_EN),
    ("ticket.opened.resident", "sms", "en"): Text("", _ACK_SMS_EN),
    ("ticket.dispatch_engineering", "inapp", "zh-CN"): Text(
        "派工：{ticket_number} {category_label}",
        "【{project_name}】报修单 {ticket_number}\n位置：{place}\n类别：{category_label}\n"
        "内容：{content}\n报修人：{reporter_name}\n{due_label}：{due_at}"),
    ("ticket.dispatch_engineering", "inapp", "en"): Text(
        "Dispatch: {ticket_number} {category_label}",
        "[{project_name}] Repair order {ticket_number}\nLocation: {place}\n"
        "Category: {category_label}\nContent: {content}\nReported by: {reporter_name}\n"
        "{due_label}: {due_at}"),
    ("quality.dispatch_engineering", "inapp", "zh-CN"): Text(
        "质量投诉：{ticket_number} {unit_label}",
        "【{project_name}】质量投诉 {ticket_number}\n房号：{unit_label}\n内容：{content}\n"
        "投诉人：{reporter_name}\n受理时间：{received_at}\n请会同开发商监理部联合评估。"),
    ("quality.dispatch_engineering", "inapp", "en"): Text(
        "Warranty-quality complaint: {ticket_number} {unit_label}",
        "[{project_name}] Warranty-quality complaint {ticket_number}\nUnit: {unit_label}\n"
        "Content: {content}\nReported by: {reporter_name}\nReceived: {received_at}\n"
        "Please assess it jointly with the developer's supervision department."),
    ("quality.notify_supervision", "sms", "zh-CN"): Text(
        "", "【{project_name}】质量投诉 {ticket_number}（{unit_label}），请开发商监理部安排联合评估。"),
    ("quality.notify_supervision", "sms", "en"): Text(
        "", "[{project_name}] Warranty-quality complaint {ticket_number} ({unit_label}): please arrange "
            "the joint assessment."),
    ("ticket.sla_warning", "inapp", "zh-CN"): Text(
        "时限预警：{ticket_number} {deadline_label}",
        "【{project_name}】工单 {ticket_number}（{category_label}）的{deadline_label}将于 {due_at} 到期，"
        "还剩 {minutes_left} 分钟。\n责任岗位：{role_label}\n处理人：{assignee_name}"),
    ("ticket.sla_warning", "inapp", "en"): Text(
        "SLA warning: {ticket_number} {deadline_label}",
        "[{project_name}] Ticket {ticket_number} ({category_label}): {deadline_label} is due at {due_at}, "
        "{minutes_left} min left.\nAnswerable: {role_label}\nAssignee: {assignee_name}"),
    ("ticket.sla_breached", "inapp", "zh-CN"): Text(
        "超时：{ticket_number} {deadline_label}",
        "【{project_name}】工单 {ticket_number}（{category_label}）的{deadline_label}已于 {due_at} 到期未完成，"
        "已超时 {minutes_overdue} 分钟。{extension_note}\n责任岗位：{role_label}\n处理人：{assignee_name}"),
    ("ticket.sla_breached", "inapp", "en"): Text(
        "SLA breached: {ticket_number} {deadline_label}",
        "[{project_name}] Ticket {ticket_number} ({category_label}): {deadline_label} was due at {due_at} "
        "and is {minutes_overdue} min overdue.{extension_note}\nAnswerable: {role_label}\n"
        "Assignee: {assignee_name}"),
}

# -- billing's bills and receipts (bank) --
DEFAULTS.update({
    ("bill_notice", "inapp", "zh-CN"): Text(
        "{period} 账单 {bill_number}",
        "【{project_name}】{unit_label} {period} 账单 {bill_number}：应缴 {amount} 元，缴费截止日 {due_date}。"
        "{collect_note}"),
    ("bill_notice", "sms", "zh-CN"): Text(
        "", "【{project_name}】{unit_label} {period} 账单 {bill_number} 应缴 {amount} 元，请于 {due_date} 前缴纳。"
            "{collect_note}"),
    ("payment_reminder", "inapp", "zh-CN"): Text(
        "缴费提醒：{bill_number}",
        "【{project_name}】{unit_label} {period} 账单 {bill_number} 尚有 {amount} 元未缴，缴费截止日 {due_date}，"
        "请按时到服务中心或线上缴纳。"),
    ("payment_reminder", "sms", "zh-CN"): Text(
        "", "【{project_name}】温馨提示：{unit_label} {period} 账单 {bill_number} 尚有 {amount} 元未缴，"
            "请于 {due_date} 前缴纳。"),
    ("debit_reminder", "inapp", "zh-CN"): Text(
        "托收提醒：{bill_number}",
        "【{project_name}】{unit_label} {period} 账单 {bill_number} 的 {amount} 元将于 {collect_date} "
        "从您的托收账户扣款，请保证账户余额充足。"),
    ("debit_reminder", "sms", "zh-CN"): Text(
        "", "【{project_name}】温馨提示：{unit_label} 账单 {bill_number} 的 {amount} 元将于 {collect_date} "
            "银行托收扣款，请保证账户余额充足。"),
    ("receipt", "inapp", "zh-CN"): Text(
        "收据 {receipt_number}",
        "【{project_name}】{unit_label} 已收到您缴纳的 {amount} 元，收据号 {receipt_number}。谢谢！"),
    ("receipt", "sms", "zh-CN"): Text(
        "", "【{project_name}】{unit_label} 已收到您缴纳的 {amount} 元，收据号 {receipt_number}。"),
    ("bill_notice", "inapp", "en"): Text(
        "Bill {bill_number} for {period}",
        "[{project_name}] {unit_label}: bill {bill_number} for {period}, {amount} yuan to pay by {due_date}."
        "{collect_note}"),
    ("bill_notice", "sms", "en"): Text(
        "", "[{project_name}] {unit_label}: bill {bill_number} for {period}, {amount} yuan, due {due_date}."
            "{collect_note}"),
    ("payment_reminder", "inapp", "en"): Text(
        "Payment reminder: {bill_number}",
        "[{project_name}] {unit_label}: {amount} yuan of bill {bill_number} ({period}) is still open; please pay "
        "by {due_date} at the service centre or online."),
    ("payment_reminder", "sms", "en"): Text(
        "", "[{project_name}] Reminder: {unit_label}, bill {bill_number} ({period}): {amount} yuan due {due_date}."),
    ("debit_reminder", "inapp", "en"): Text(
        "Bank collection reminder: {bill_number}",
        "[{project_name}] {unit_label}: {amount} yuan of bill {bill_number} ({period}) will be collected from "
        "your bank account on {collect_date}; please keep enough in it."),
    ("debit_reminder", "sms", "en"): Text(
        "", "[{project_name}] Reminder: {unit_label}, bill {bill_number}: the bank collects {amount} yuan on "
            "{collect_date}."),
    ("receipt", "inapp", "en"): Text(
        "Receipt {receipt_number}",
        "[{project_name}] {unit_label}: we received {amount} yuan, receipt {receipt_number}. Thank you!"),
    ("receipt", "sms", "en"): Text(
        "", "[{project_name}] {unit_label}: {amount} yuan received, receipt {receipt_number}."),
})
# -- the dunning ladder's notices (issue 9): in-app, SMS, and the printed door notice's text --
DEFAULTS.update({
    ("dunning_first", "inapp", "zh-CN"): Text(
        "催费通知书：{unit_label}",
        "【{project_name}】{unit_label} 截至 {notice_date} 尚欠费用 {overdue} 元（{bills} 笔账单，最早于 "
        "{oldest_due_date} 到期），请于 {pay_by} 前到服务中心或线上缴纳。如已缴纳，请忽略本通知。"),
    ("dunning_first", "sms", "zh-CN"): Text(
        "", "【{project_name}】{unit_label} 尚欠费用 {overdue} 元（最早于 {oldest_due_date} 到期），"
            "请于 {pay_by} 前缴纳。如已缴纳请忽略。"),
    ("dunning_first", "print", "zh-CN"): Text(
        "催费通知书",
        "{unit_label} 业主/住户：\n截至 {notice_date}，您户尚欠费用 {overdue} 元（{bills} 笔账单，最早于 "
        "{oldest_due_date} 到期）。请于 {pay_by} 前到服务中心或线上缴纳。如已缴纳，请忽略本通知。\n"
        "{project_name} 服务中心 {notice_date}"),
    ("dunning_second", "inapp", "zh-CN"): Text(
        "二次催费通知书：{unit_label}",
        "【{project_name}】{unit_label} 截至 {notice_date} 仍欠费用 {overdue} 元（{bills} 笔账单，最早于 "
        "{oldest_due_date} 到期），此为第二次催缴，请于 {pay_by} 前缴纳。"),
    ("dunning_second", "sms", "zh-CN"): Text(
        "", "【{project_name}】第二次催缴：{unit_label} 仍欠费用 {overdue} 元，请于 {pay_by} 前缴纳。"),
    ("dunning_second", "print", "zh-CN"): Text(
        "二次催费通知书",
        "{unit_label} 业主/住户：\n截至 {notice_date}，您户仍欠费用 {overdue} 元（{bills} 笔账单，最早于 "
        "{oldest_due_date} 到期），此为第二次催缴。请于 {pay_by} 前缴纳。\n{project_name} 服务中心 {notice_date}"),
    ("dunning_final", "inapp", "zh-CN"): Text(
        "最后催费通知书：{unit_label}",
        "【{project_name}】{unit_label} 截至 {notice_date} 欠费本金 {overdue} 元，滞纳金 {late_fee} 元，合计 "
        "{total} 元。请于 {pay_by} 前缴清；逾期未缴，将按规定按日计收滞纳金。"),
    ("dunning_final", "sms", "zh-CN"): Text(
        "", "【{project_name}】最后催缴：{unit_label} 欠费本金 {overdue} 元，滞纳金 {late_fee} 元，合计 {total} 元，"
            "请于 {pay_by} 前缴清，逾期将按日计收滞纳金。"),
    ("dunning_final", "print", "zh-CN"): Text(
        "最后催费通知书",
        "{unit_label} 业主/住户：\n截至 {notice_date}，您户欠费本金 {overdue} 元（{bills} 笔账单，最早于 "
        "{oldest_due_date} 到期），滞纳金 {late_fee} 元，合计 {total} 元。请于 {pay_by} 前缴清；逾期未缴，"
        "将按规定按日计收滞纳金。\n{project_name} 服务中心 {notice_date}"),
    ("dunning_first", "inapp", "en"): Text(
        "Payment notice: {unit_label}",
        "[{project_name}] {unit_label}: as of {notice_date}, {overdue} yuan is overdue ({bills} bills, the oldest "
        "due {oldest_due_date}). Please pay by {pay_by} at the service centre or online. If you have paid, "
        "please ignore this notice."),
    ("dunning_first", "sms", "en"): Text(
        "", "[{project_name}] {unit_label}: {overdue} yuan overdue (oldest due {oldest_due_date}); please pay by "
            "{pay_by}. Ignore if paid."),
    ("dunning_first", "print", "en"): Text(
        "Payment notice",
        "To the household of {unit_label}:\nAs of {notice_date}, {overdue} yuan is overdue ({bills} bills, the "
        "oldest due {oldest_due_date}). Please pay by {pay_by} at the service centre or online. If you have "
        "paid, please ignore this notice.\n{project_name} service centre, {notice_date}"),
    ("dunning_second", "inapp", "en"): Text(
        "Second payment notice: {unit_label}",
        "[{project_name}] {unit_label}: as of {notice_date}, {overdue} yuan is still overdue ({bills} bills, the "
        "oldest due {oldest_due_date}). This is the second notice; please pay by {pay_by}."),
    ("dunning_second", "sms", "en"): Text(
        "", "[{project_name}] Second notice: {unit_label}, {overdue} yuan still overdue; please pay by {pay_by}."),
    ("dunning_second", "print", "en"): Text(
        "Second payment notice",
        "To the household of {unit_label}:\nAs of {notice_date}, {overdue} yuan is still overdue ({bills} bills, "
        "the oldest due {oldest_due_date}). This is the second notice; please pay by {pay_by}.\n"
        "{project_name} service centre, {notice_date}"),
    ("dunning_final", "inapp", "en"): Text(
        "Final payment notice: {unit_label}",
        "[{project_name}] {unit_label}: as of {notice_date}, principal {overdue} yuan and late fee {late_fee} "
        "yuan, {total} yuan in all. Please pay in full by {pay_by}; after that a late fee accrues daily."),
    ("dunning_final", "sms", "en"): Text(
        "", "[{project_name}] Final notice: {unit_label}, principal {overdue} yuan, late fee {late_fee} yuan, "
            "{total} yuan in all; please pay by {pay_by}, after that a late fee accrues daily."),
    ("dunning_final", "print", "en"): Text(
        "Final payment notice",
        "To the household of {unit_label}:\nAs of {notice_date}, principal {overdue} yuan ({bills} bills, the "
        "oldest due {oldest_due_date}) and late fee {late_fee} yuan, {total} yuan in all. Please pay in full "
        "by {pay_by}; after that a late fee accrues daily.\n{project_name} service centre, {notice_date}"),
})
# e-mail and WeChat say what the in-app message says, unless a template of their own is saved
DEFAULTS.update({(purpose, channel, locale): text for (purpose, via, locale), text in list(DEFAULTS.items())
                 if via == "inapp" for channel in PURPOSES[purpose].channels if channel in ("email", "wechat")})
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
              "resident_reply": "答复业主时限", "notify_supervision": "通知监理部时限"},
    "en": {"record": "recording deadline", "notify_engineering": "engineering notice deadline",
           "on_site": "on-site deadline", "arrive_before": "arrival deadline", "reply": "reply deadline",
           "dispatch": "dispatch deadline", "first_response": "first response deadline",
           "written_reply": "written reply deadline", "escalate": "escalation deadline",
           "resolve": "resolution deadline", "supervision_notice": "supervision notice deadline",
           "assessment": "joint assessment deadline", "revisit": "revisit deadline",
           "dispatch_department": "dispatch deadline", "to_manager": "report-to-manager deadline",
           "resident_reply": "reply-to-resident deadline", "notify_supervision": "supervision notice deadline"},
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
KIND_LABELS = {"zh-CN": {"repair": "报修", "complaint": "投诉", "quality": "质量投诉", "revisit": "回访"},
               "en": {"repair": "repair", "complaint": "complaint", "quality": "quality complaint",
                      "revisit": "revisit"}}
EXTENSION_NOTES = {"zh-CN": "（此为超时审批后的新时限，再次超时）",
                   "en": " (the due time an approved overrun set, missed again)"}


def deadline_label(kind: str, locale: str) -> str:
    labels = DEADLINE_LABELS.get(locale, DEADLINE_LABELS[DEFAULT_LOCALE])
    return labels.get(kind) or (f"时限（{kind}）" if locale == DEFAULT_LOCALE else f"{kind} deadline")


# -- safe rendering -------------------------------------------------------------

_BRACED = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}\Z")


def template_problems(text: str, allowed: frozenset[str]) -> list[str]:
    """What is wrong with ``text`` as a template using only ``allowed`` names (empty: nothing)."""
    problems = []
    for match in _BRACED.finditer(text):
        name = match.group(1)
        if not _NAME.match(name):
            problems.append(f"{{{name}}} is not a plain placeholder")
        elif name not in allowed:
            problems.append(f"unknown placeholder {{{name}}}")
    if "{" in _BRACED.sub("", text) or "}" in _BRACED.sub("", text):
        problems.append("unmatched brace")
    return problems


def check_template(text: str, allowed: frozenset[str]) -> None:
    problems = template_problems(text, allowed)
    if problems:
        raise InvalidTemplate("the template uses placeholders it may not: " + "; ".join(problems),
                              details={"problems": problems, "allowed": sorted(allowed)})


def render(text: str, allowed: frozenset[str], values: dict) -> str:
    """Substitute ``{name}`` for ``values[name]`` (as text); refuses any other brace."""
    check_template(text, allowed)
    return _BRACED.sub(lambda m: _as_text(values.get(m.group(1))), text)


def _as_text(value) -> str:
    return "" if value is None else str(value)


def local_time(value: datetime | None, tz: str) -> str | None:
    """An instant as the project's wall-clock time, e.g. ``2026-11-24 09:15``."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


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

    def render(self, values: dict) -> tuple[str, str]:
        allowed = PURPOSES[self.purpose].allowed(self.channel)
        return render(self.subject, allowed, values), render(self.body, allowed, values)


def purpose_of(key: str) -> Purpose:
    try:
        return PURPOSES[key]
    except KeyError:
        raise UnknownPurpose(f"no message purpose {key!r}", details={"known": sorted(PURPOSES)}) from None


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
        raise UnsupportedChannel(f"{purpose} is not sent by {channel}")
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
            if template_problems(t.subject, allowed) or template_problems(t.body, allowed):
                log.warning("template %s (%s/%s/%s) no longer valid; skipped", t.id, purpose, channel, loc)
                continue
            return Resolved(purpose, channel, loc, t.subject, t.body,
                            "group" if scope == GROUP_SCOPE else "project", t.id)
        default = DEFAULTS.get((purpose, channel, loc))
        if default is not None:
            return Resolved(purpose, channel, loc, default.subject, default.body, "default")
    raise UnsupportedChannel(f"no template for {purpose} by {channel}")  # pragma: no cover - DEFAULTS cover every channel


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
        raise InvalidTemplate("a group-wide template needs a caller of that group", code="group_required")
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
                                 details={"channels": list(spec.channels)})
    if data["locale"] not in LOCALES:
        raise UnsupportedLocale(f"locale must be one of {', '.join(LOCALES)}")
    group_id, project_id = _group_of(work, data.get("project_id"))
    caller = work.caller
    if project_id is None and not (caller.is_system or caller.all_projects):
        raise Forbidden("group-wide templates are edited by staff who see every project",
                        code="group_scope_forbidden")
    subject, body = data.get("subject") or "", data["body"]
    allowed = spec.allowed(data["channel"])
    check_template(subject, allowed)
    check_template(body, allowed)
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
