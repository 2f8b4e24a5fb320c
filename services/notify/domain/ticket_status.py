"""A ticket's steps told to the household that reported it (工单状态通知, DOMAIN.md: "ticket
acknowledgement and status"; purpose ``ticket.status_changed``), from tickets'
``ticket.status_changed``.

**Which steps are told** is one explicit table, :data:`TOLD`: every ``(kind, action)`` of tickets'
workflow tables (``services/tickets/domain/workflow.py`` ``TABLES``, the status event's action
names) has a row; ``None`` means the household is never told of it. A told step is an in-app
message to the unit (and a WeChat message to the reporting contact when they bound one); the
steps marked ``sms`` also text the reporting contact. Why each is what it is:

- **Repairs (报修).** ``dispatch`` (派工: a technician is coming -- the resident stays in or opens
  the door; SMS), ``quote`` (报价: a paid repair waits for the resident's consent before any work;
  SMS, a re-quote too: the price they must consent to changed), ``complete`` (完工: the resident
  tests the work and signs or rates it; SMS), ``reply`` (答复: the engineering manager's advice on
  a not-covered request is the whole answer, on a 15-minute clock; SMS -- the advice itself only
  in-app), ``cancel`` and ``reopen`` by staff (in-app: they follow a call with the resident; the
  reason is on the message). Not told: ``accept`` and ``arrive`` (the technician is at the door --
  the resident sees it), ``engineering_notified`` (the platform's bookkeeping of the duty phone's
  SMS), a reassignment before acceptance (dispatch keeping the state: the resident already heard
  someone is coming), and the resident's own steps (``consent``, ``refuse``, ``confirm``, ``rate``,
  a cancellation or reopening they asked for).
- **Complaints (投诉).** ``respond`` (the first response), ``write_reply`` (the written reply),
  ``resolve`` and ``close`` (the outcome), a ``cancel`` by the desk: in-app (the centre also calls
  or writes; seed 000 §七). Never: ``dispatch`` (to a department), ``report_to_manager``,
  ``reclassify``, ``upgrade`` -- the service centre's own handling.
- **Warranty-quality complaints (质量投诉).** The assessment's outcome (within / out of warranty),
  ``resolve``, ``explain``, ``decide_compensation``, ``close``, a ``cancel`` by the desk: in-app.
  Never: ``claim_compensation`` (staff record the resident's own claim).
- **Praise and suggestions (表扬与建议).** ``reply`` only, and only in the unit's in-app inbox (no SMS,
  no WeChat): the household reads the company's reply in the app. Never: ``acknowledge``, ``forward``,
  ``close``, ``cancel`` (the service centre's own handling).
- **Revisits (回访):** never as a status -- a revisit is the service centre's own task about the
  household; the household never sees it (tickets' readers). Its ``assign`` only is told, and not as
  this purpose: the household hears which steward will call, on which number, by when
  (``revisit.request``, ``revisit_requests.py``: only for the reasons where a call about its own
  request is expected, once per revisit). ``record``, ``unreachable``, ``cancel``: never.

A step the resident took themselves (the event's actor is a resident) is never told back to them.
No SMS outside those rows, and an SMS says only the platform's words: the template may state
``status_label`` and ``changed_at`` besides the ticket number, category and project
(``templates.Purpose.sms_also``) -- the staff ``note`` goes only in-app and by WeChat.

**A renovation handed over** (过户转交, ``hand_over``, a step that keeps the state) is told to the
household it was handed to as its own purpose (``renovation.handed_over``, ``renovations.py``): the
unit in-app and the new household's payers by SMS -- the reporter's number is the old household's.

**Who.** As the repair acknowledgement (``tickets.on_ticket_opened``): the message is the unit's
(its inbox, one per event), and the SMS goes only to the reporter's phone when it is a registered
contact of the unit's active household (a number typed on the ticket that is not one: the delivery
is recorded ``suppressed``, ``not_a_registered_contact``). A ticket with no unit (a public-area
complaint, a passer-by's repair call) tells nobody: there is no household inbox and no registered
number -- staff call back. A ticket of a household that has since left the unit tells nobody (the
new household must not read of the old one's ticket). The SMS is the platform's own (no resident
caused it): it counts against the per-number limits only.

One message per event and recipient however often the event arrives (``notifications.notify``,
keyed by the event id); each SMS goes out once under its delivery id.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select

from kernel.clock import ManualClock
from kernel.errors import InvalidInput, RetryableError
from kernel.work import Work

from ..models import HouseholdCopy, Notification, ProjectCopy
from . import renovations, revisit_requests, templates
from .copies import contact_by_phone, normalise_phone
from .notifications import INAPP, SMS, UNIT, WECHAT, Channel, Recipient, SmsLimits, notify

STATUS_CHANGED = "ticket.status_changed"
REVISIT_REQUEST = revisit_requests.REVISIT_REQUEST
RENOVATION_HANDED_OVER = renovations.HANDED_OVER
REPAIR, COMPLAINT, QUALITY, REVISIT, FEEDBACK = "repair", "complaint", "quality", "revisit", "feedback"
#: a front-desk task (前台任务: a key's return, the key spot-check, the vacant-unit register and checks)
TASK = "task"
RENOVATION = "renovation"


@dataclass(frozen=True)
class Tell:
    """How one step is told: its words (``status_label``, zh-CN and en), whether the reporting
    contact is texted, and whether it is told also when it keeps the state (a re-quote)."""
    zh: str
    en: str
    sms: bool = False
    same_state: bool = False
    #: the purpose it is told as (a revisit's assignment: ``revisit.request``, its own message)
    purpose: str = STATUS_CHANGED
    #: told only in the unit's in-app inbox (no SMS, no WeChat): the reply to praise or a suggestion
    inapp_only: bool = False

    def label(self, locale: str) -> str:
        return self.en if locale == "en" else self.zh

    @property
    def channels(self) -> tuple[str, ...]:
        return (INAPP, SMS, WECHAT) if self.sms else (INAPP, WECHAT)


_CANCELLED = Tell("已取消", "cancelled")
_WITHDRAWN = Tell("已撤销", "withdrawn")
_CLOSED = Tell("已结案", "closed")

#: every step of every kind's workflow (tickets' ``TABLES``; the status event's action names) ->
#: how the reporting household is told of it, or None: never (see the module's docstring for why)
TOLD: dict[tuple[str, str], Tell | None] = {
    # -- repairs (报修) --
    (REPAIR, "dispatch"): Tell("已派工，维修人员将尽快上门", "dispatched: a technician is on the way", sms=True),
    (REPAIR, "engineering_notified"): None,
    (REPAIR, "accept"): None,
    (REPAIR, "arrive"): None,
    (REPAIR, "quote"): Tell("已报价，请在线查看价格并确认是否同意", "quoted: please check the price and consent "
                            "or refuse in the app", sms=True, same_state=True),
    (REPAIR, "consent"): None,
    (REPAIR, "refuse"): None,
    (REPAIR, "complete"): Tell("已完工，请验收后签认或评价", "work done: please check it and sign it off or rate it",
                               sms=True),
    (REPAIR, "confirm"): None,
    (REPAIR, "rate"): None,
    (REPAIR, "cancel"): _CANCELLED,
    (REPAIR, "reopen"): Tell("已重新派工", "reopened and dispatched again"),
    (REPAIR, "reply"): Tell("已答复（不属维修范围），请在线查看处理建议", "answered (not covered): see the advice "
                            "in the app", sms=True),
    # -- complaints (投诉) --
    (COMPLAINT, "dispatch"): None,
    (COMPLAINT, "respond"): Tell("已回复", "answered"),
    (COMPLAINT, "write_reply"): Tell("已书面回复", "answered in writing"),
    (COMPLAINT, "report_to_manager"): None,
    (COMPLAINT, "resolve"): Tell("已处理完毕", "resolved"),
    (COMPLAINT, "close"): _CLOSED,
    (COMPLAINT, "reclassify"): None,
    (COMPLAINT, "upgrade"): None,
    (COMPLAINT, "cancel"): _WITHDRAWN,
    # -- warranty-quality complaints (质量投诉) --
    (QUALITY, "assess_within_warranty"): Tell("经联合评估，属保修范围", "assessed: within the warranty"),
    (QUALITY, "assess_out_of_warranty"): Tell("经联合评估，已过保修期", "assessed: out of the warranty"),
    (QUALITY, "resolve"): Tell("已在保修范围内处理完毕", "repaired under the warranty"),
    (QUALITY, "explain"): Tell("已作出说明并结案", "explained and closed"),
    (QUALITY, "claim_compensation"): None,
    (QUALITY, "decide_compensation"): Tell("赔偿申请已有处理结果", "compensation claim decided"),
    (QUALITY, "close"): _CLOSED,
    (QUALITY, "cancel"): _WITHDRAWN,
    # -- revisits (回访): the centre's own task, never told as a status; the assignment tells the household
    # which steward will call (revisit_requests.py, only for some reasons; a reassignment keeps the state) --
    (REVISIT, "assign"): Tell("已安排管家回访", "a steward will call you", sms=True, same_state=True,
                              purpose=REVISIT_REQUEST),
    (REVISIT, "record"): None,
    (REVISIT, "unreachable"): None,
    (REVISIT, "cancel"): None,
    # -- praise and suggestions (表扬与建议): the reply exists -- in the unit's in-app inbox only (the reply
    # itself is read in the app; never a resident's free text nor the reply in an SMS); the rest is the
    # service centre's own handling --
    (FEEDBACK, "acknowledge"): None,
    (FEEDBACK, "forward"): None,
    (FEEDBACK, "reply"): Tell("已答复，请在线查看", "answered: read the reply in the app", inapp_only=True),
    (FEEDBACK, "close"): None,
    (FEEDBACK, "cancel"): None,
    # -- front-desk tasks (前台任务): the service centre's own to-dos, never told to a household (the owner
    # of a vacant unit hears of its check from ``vacant_unit.checked``) --
    (TASK, "finish"): None,
    (TASK, "cancel"): None,
    (TASK, "reopen"): None,
    # -- inspection rounds (巡检): the service centre's own rounds, no household to tell --
    ("inspection", "start"): None,
    ("inspection", "record"): None,
    ("inspection", "complete"): None,
    ("inspection", "miss"): None,
    ("inspection", "cancel"): None,
    ("inspection", "assign"): None,
    # -- renovations (装修): the household told of the decisions and of what it must do next --
    (RENOVATION, "attach_document"): None,
    (RENOVATION, "submit"): None,
    (RENOVATION, "approve"): Tell("装修申请已审核通过，请前来签订装修管理协议", "renovation approved: please come and "
                                  "sign the renovation agreement", sms=True),
    (RENOVATION, "reject"): Tell("装修申请需补充修改，请在线查看意见", "renovation application: please rework it "
                                 "(see the review in the app)", sms=True),
    (RENOVATION, "sign_agreement"): Tell("请缴纳装修保证金及垃圾清运费", "please pay the renovation deposit and "
                                         "the garbage-removal fee", sms=True),
    (RENOVATION, "fees_paid"): None,
    (RENOVATION, "issue_permit"): Tell("装修许可证已发放，可以开工", "renovation permit issued: work may start",
                                       sms=True),
    (RENOVATION, "issue_pass"): None,
    (RENOVATION, "void_pass"): None,
    (RENOVATION, "record_patrol"): None,
    (RENOVATION, "clear_waste"): None,
    (RENOVATION, "request_acceptance"): None,
    (RENOVATION, "accept"): Tell("装修已验收通过", "renovation accepted"),
    (RENOVATION, "fail_acceptance"): Tell("装修验收未通过，请整改后再申请", "renovation not accepted: please put "
                                          "it right and ask again", sms=True),
    (RENOVATION, "occupy"): None,
    (RENOVATION, "reinspection_due"): None,
    (RENOVATION, "reinspect"): Tell("装修复查已完成，保证金退还已提交财务", "renovation re-inspected: the deposit's "
                                    "refund is with finance"),
    (RENOVATION, "refund_paid"): Tell("装修保证金已退还", "renovation deposit refunded"),
    (RENOVATION, "cancel"): _CANCELLED,
    # a move-out's steps (tickets' domain/moves.py): the household that left is not told through the
    # unit (its inbox is the next household's); the household a renovation is handed to is told, as its
    # own message (``renovations.py``: the unit in-app, its payers by SMS -- it did not apply for it)
    (RENOVATION, "cancel_moved_out"): None,
    (RENOVATION, "household_left"): None,
    (RENOVATION, "hand_over"): Tell("装修已随过户转交本户", "renovation handed over to your household", sms=True,
                                    same_state=True, purpose=RENOVATION_HANDED_OVER),
}


def told(data: dict, actor_kind: str | None = None) -> Tell | None:
    """How the step ``data`` (a ``ticket.status_changed`` payload) is told, or None: a step of no
    row or a ``None`` row, a step keeping the state (unless its row says otherwise), a step the
    resident took themselves, an event without a kind (recorded before tickets published it)."""
    if actor_kind == "resident" or not data.get("kind"):
        return None
    tell = TOLD.get((data["kind"], data["action"]))
    if tell is None or (data["from_"] == data["to"] and not tell.same_state):
        return None
    return tell


def category_label(data: dict, locale: str) -> str:
    """A repair's category by name; any other kind by the kind's name (never a raw code)."""
    labels = templates.CATEGORY_LABELS.get(locale, templates.CATEGORY_LABELS[templates.DEFAULT_LOCALE])
    if data["kind"] == REPAIR:
        return labels.get(data.get("category") or "", labels["unclassified"])
    kinds = templates.KIND_LABELS.get(locale, templates.KIND_LABELS[templates.DEFAULT_LOCALE])
    return kinds.get(data["kind"], kinds[COMPLAINT])


def status_values(data: dict, project: ProjectCopy, tell: Tell):
    """The placeholder values, per locale: platform words for the category and the step, the
    step's local time, and the staff note (the templates keep it out of SMS)."""
    tz = project.timezone or "Asia/Shanghai"

    def values(locale: str) -> dict:
        return {"project_name": project.name, "ticket_number": data["number"],
                "category_label": category_label(data, locale), "status_label": tell.label(locale),
                "changed_at": templates.local_time(data["at"], tz), "note": (data.get("note") or "").strip()}

    return values


def household_of_ticket(work: Work, data: dict) -> HouseholdCopy | None:
    """The household told: the ticket's own while it still lives in the unit, else nobody (a
    ticket naming no household: the unit's active one, as the acknowledgement)."""
    if data.get("household_id"):
        household = work.session.get(HouseholdCopy, data["household_id"])
        if household is None:
            raise RetryableError(f"household {data['household_id']} has not arrived from archive yet")
        return household if household.status == "active" and household.unit_id == data["unit_id"] else None
    return work.session.scalars(select(HouseholdCopy).where(
        HouseholdCopy.unit_id == data["unit_id"], HouseholdCopy.status == "active")
        .order_by(HouseholdCopy.id)).first()


def on_ticket_status_changed(work: Work, data: dict, *, event_id: str, group_id: str | None,
                             project_id: str | None, actor_kind: str | None = None,
                             sms_limits: SmsLimits | None = None) -> Notification | None:
    """Tell the reporting household of a ticket's step (:data:`TOLD`). Returns the message made,
    or None (not told, or made already by an earlier delivery of the event); a renovation's hand-over:
    the list of the messages made (``renovations.on_handed_over``)."""
    tell = told(data, actor_kind)
    if tell is None:
        return None
    project = work.session.get(ProjectCopy, project_id) if project_id else None
    if project is None:
        raise RetryableError(f"project {project_id} has not arrived from archive yet")
    if project.group_id != group_id or data["project_id"] != project.id or data["group_id"] != group_id:
        raise InvalidInput(f"ticket event of group {group_id} names project {data['project_id']} of another "
                           "group or event", code="group_mismatch", zh="事件所指的项目不属于本集团")
    if not data.get("unit_id"):
        return None                     # a public matter: no household inbox, no registered number
    if tell.purpose == REVISIT_REQUEST:
        return revisit_requests.on_revisit_assigned(work, data, project, event_id=event_id, sms_limits=sms_limits)
    if tell.purpose == RENOVATION_HANDED_OVER:
        return renovations.on_handed_over(work, data, event_id=event_id, group_id=group_id, project_id=project_id,
                                          sms_limits=sms_limits)
    work.session.flush()
    with work.session.no_autoflush:
        household = household_of_ticket(work, data)
        if household is None:
            return None
        phone = data.get("reporter_phone")
        contact = contact_by_phone(work, data["unit_id"], phone)
        if contact is not None and contact.household_id != household.id:
            contact = None
        channels = [Channel(INAPP)]
        if tell.sms and phone:
            channels.append(Channel(SMS, normalise_phone(contact.phone), person_id=contact.person_id)
                            if contact is not None else Channel(SMS, None, suppressed="not_a_registered_contact"))
        if contact is not None and contact.wechat_openid and not tell.inapp_only:
            channels.append(Channel(WECHAT, contact.wechat_openid, person_id=contact.person_id))
        work = replace(work, clock=ManualClock(work.clock.now()))
        message, new = notify(work, project, purpose=STATUS_CHANGED,
                              recipient=Recipient(UNIT, data["unit_id"], data["unit_id"], household.id),
                              locale=contact.locale if contact else templates.DEFAULT_LOCALE,
                              values=status_values(data, project, tell), channels=channels,
                              source_event_id=event_id, ref_type="ticket", ref_id=data["ticket_id"],
                              sms_limits=sms_limits)
        return message if new else None
