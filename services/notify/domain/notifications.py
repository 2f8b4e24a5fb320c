"""Notifications and their deliveries: creating them once per event, and who may read them.

A notification is one message to one recipient -- a unit (its household), a
person or a staff role of a project. Each channel it goes out on is a
delivery: in-app is delivered the moment it is stored; SMS, e-mail and WeChat wait, pending, for
the sender (``sending.py``) so no provider is ever called inside the
transaction of an event handler; an outbound channel without an address is recorded
``suppressed`` (``no_address``). Every delivery that is delivered or sent
publishes ``notification.delivered`` through the outbox. A ``print`` delivery (the dunning
ladder's door notice, 催费通知单) is the text of a notice to print: it is stored ``queued`` and
nothing here sends it -- ``printing.py`` (issue 10) makes its PDF for the service desk, alone or in
a building's batch, and marks it ``printed`` once posted.
"""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import and_, func, or_, select, update

from kernel.privacy import mask_address
from kernel.copies import snapshot_page
from kernel.tenancy import Caller, Role
from kernel.work import Work

from .. import events
from ..exceptions import NotAddressedToCaller, NotificationNotFound, ProjectNotFound, UnitNotFound
from ..models import Delivery, Notification, NotificationRead, ProjectCopy, UnitCopy
from . import copies, policy, templates
from .settings import WECHAT_TEMPLATE_IDS, values_of
from .wechat import template_message

log = logging.getLogger(__name__)

UNIT, PERSON, ROLE = "unit", "person", "role"
INAPP, SMS, PRINT, EMAIL, WECHAT = "inapp", "sms", "print", "email", "wechat"
#: the channels the sender hands to a provider (``sending.py``)
OUTBOUND = (SMS, EMAIL, WECHAT)
#: a print delivery waiting to be printed (``printing.py`` makes the PDF and marks it ``printed``)
QUEUED = "queued"
#: a delivery that is never sent (a limit was reached, or the address is not ours to text)
SUPPRESSED = "suppressed"

#: the roles whose inbox also shows what is addressed to these roles (heads see their department)
SUPERVISES = {
    Role.ENGINEERING_MANAGER: {Role.ENGINEERING},
    Role.CS_MANAGER: {Role.FRONT_DESK, Role.STEWARD},
    Role.CENTRE_MANAGER: set(Role.STAFF),
    Role.GENERAL_MANAGER: set(Role.STAFF),
}


@dataclass(frozen=True)
class Recipient:
    kind: str                      # unit | person | role
    id: str                        # unit id, person id or role name
    unit_id: str | None = None
    #: a unit's message: the household it is for (the event's); None: the unit's active one now
    household_id: str | None = None


@dataclass(frozen=True)
class Channel:
    name: str                      # inapp | sms | email | wechat | print
    address: str | None = None     # the phone for SMS (a registered contact's, normalised), the
                                   # e-mail address, the WeChat openid
    suppressed: str | None = None  # why this delivery is recorded but never sent
    person_id: str | None = None   # the person the address is of (their opt-outs apply); a
                                   # person-addressed notification's is its recipient


@dataclass(frozen=True)
class SmsLimits:
    """How many SMS one phone number may receive and one user may cause (settings
    ``SMS_MAX_PER_RECIPIENT_PER_HOUR`` / ``_PER_DAY``, ``SMS_MAX_PER_USER_PER_HOUR`` / ``_PER_DAY``;
    0 switches a limit off). Deliveries over a limit are recorded ``suppressed``, never sent."""

    per_recipient_hour: int = 5
    per_recipient_day: int = 20
    per_user_hour: int = 10
    per_user_day: int = 30

    @classmethod
    def from_config(cls, config: dict) -> "SmsLimits":
        def get(key, default):
            return int(config.get(key) if config.get(key) not in (None, "") else default)
        return cls(per_recipient_hour=get("SMS_MAX_PER_RECIPIENT_PER_HOUR", cls.per_recipient_hour),
                   per_recipient_day=get("SMS_MAX_PER_RECIPIENT_PER_DAY", cls.per_recipient_day),
                   per_user_hour=get("SMS_MAX_PER_USER_PER_HOUR", cls.per_user_hour),
                   per_user_day=get("SMS_MAX_PER_USER_PER_DAY", cls.per_user_day))


#: the statuses of an SMS that went out (``delivered``: its receipt says it reached the phone)
WENT_OUT = ("sent", "delivered")


def _legal_purposes() -> list[str]:
    return sorted(p.key for p in templates.PURPOSES.values() if p.legal)


def counted_sms(now: datetime, window: timedelta):
    """The SMS deliveries a limit counts in the ``window`` before ``now``: those that went out in it
    (``sent``/``delivered``, by their sending time) and those ``pending`` that fell due in it (about to
    go). Not counted: cancelled, suppressed, failed ones, one held until later (quiet hours, send-at:
    due after ``now``), nor a legally required notice's (never limited, it uses up no allowance)."""
    start = now - window
    due = func.coalesce(Delivery.next_attempt_at, Delivery.created_at)
    return and_(
        Delivery.channel == SMS,
        or_(and_(Delivery.status.in_(WENT_OUT), func.coalesce(Delivery.sent_at, Delivery.created_at) > start),
            and_(Delivery.status == "pending", due > start, due <= now)),
        ~Delivery.notification_id.in_(select(Notification.id).where(Notification.purpose.in_(_legal_purposes()))))


def sms_counts(work: Work, by, keys, window: timedelta) -> dict[str, int]:
    """How many counted SMS (:func:`counted_sms`) each of ``keys`` of column ``by`` (``Delivery.address``,
    ``Delivery.requested_by``) has in the ``window`` before now: one grouped query."""
    keys = sorted({k for k in keys if k})
    if not keys:
        return {}
    return dict(work.session.execute(select(by, func.count()).where(
        counted_sms(work.clock.now(), window), by.in_(keys)).group_by(by)).all())


_WINDOWS = ((timedelta(hours=1), "hour", "hourly"), (timedelta(days=1), "day", "daily"))


def over_limits(work: Work, limits: SmsLimits, addresses, requested_by: str | None = None, *,
                recipient_limits: bool = True) -> dict[str, str]:
    """The numbers among ``addresses`` that must get no more SMS now, with the reason: a number at its
    per-recipient limit (``SMS_MAX_PER_RECIPIENT_PER_HOUR`` / ``_DAY``; not checked with
    ``recipient_limits`` False -- a transactional purpose's SMS, ``Purpose.transactional``), or every one
    when the user ``requested_by`` is at theirs. The one rule of notify's SMS limits (single messages
    and broadcasts)."""
    addresses = {a for a in addresses if a}
    out: dict[str, str] = {}
    for window, unit, adjective in _WINDOWS if recipient_limits else ():
        limit = limits.per_recipient_hour if unit == "hour" else limits.per_recipient_day
        if limit > 0:
            for address, count in sms_counts(work, Delivery.address, addresses, window).items():
                if count >= limit:
                    out.setdefault(address, f"recipient_{adjective}_limit: {limit} per {unit}")
    if requested_by:
        for window, unit, adjective in _WINDOWS:
            limit = limits.per_user_hour if unit == "hour" else limits.per_user_day
            if limit > 0 and sms_counts(work, Delivery.requested_by, {requested_by}, window).get(
                    requested_by, 0) >= limit:
                for address in addresses:
                    out.setdefault(address, f"user_{adjective}_limit: {limit} per {unit}")
    return out


def sms_over_limit(work: Work, limits: SmsLimits, address: str, requested_by: str | None, *,
                   recipient_limits: bool = True) -> str | None:
    """The reason an SMS to ``address`` caused by ``requested_by`` must not go out now, or None
    (:func:`over_limits`; counted as :func:`counted_sms` says)."""
    return over_limits(work, limits, {address}, requested_by, recipient_limits=recipient_limits).get(address)


#: ``session.info`` flag: this transaction created an outbound message (SMS, e-mail, WeChat) due
#: now (the sender wakes on its commit)
SMS_DUE = "notify.sms_due"
MESSAGE_DUE = SMS_DUE


def email_channel_data(locale: str) -> str:
    """An e-mail delivery's ``channel_data``: the language it was written in (its ``<html lang>``,
    ``sending.email_parts``)."""
    return json.dumps({"lang": locale if locale in templates.LOCALES else templates.DEFAULT_LOCALE})


def notify(work: Work, project: ProjectCopy, *, purpose: str, recipient: Recipient, locale: str,
           values: Callable[[str], dict], channels: list[Channel], source_event_id: str,
           ref_type: str | None = None, ref_id: str | None = None, requested_by: str | None = None,
           sms_limits: SmsLimits | None = None,
           earlier: list[Notification] | None = None, once_per_ref: bool = False,
           send_at: datetime | None = None) -> tuple[Notification, bool]:
    """Create the notification of ``source_event_id`` for ``recipient`` with one delivery per
    channel, unless it exists already (then it is returned unchanged, ``created`` False).

    ``values(locale)`` gives the placeholder values in the locale the template resolved to
    (labels such as the repair category are translated). An SMS over ``sms_limits`` (per
    recipient, per ``requested_by`` user) or with a ``suppressed`` reason is stored as
    ``suppressed`` with the reason and never sent. ``earlier``: the notifications of
    ``source_event_id`` already read by the caller (:func:`of_event`: one query for all the
    messages of an event), instead of a query here. ``once_per_ref``: one message per
    ``(ref_type, ref_id)``, purpose and recipient, whichever event brings it (a dunning notice:
    its ``notice_id``); ``earlier`` is then :func:`of_ref`'s.

    The sending policy (``policy.py``): the SMS, e-mail and WeChat deliveries wait until ``send_at``
    (if later than now), an SMS or WeChat message due in the project's quiet hours until their end
    (not an emergency purpose's); a channel the person opted out of for this purpose is recorded
    ``suppressed`` (``opted_out``) -- never a legally required notice's."""
    if once_per_ref and not ref_id:
        raise ValueError("once_per_ref needs a ref_id")

    def same(n: Notification) -> bool:
        source = (n.ref_type == ref_type and n.ref_id == ref_id) if once_per_ref else (
            n.source_event_id == source_event_id)
        return source and n.purpose == purpose and n.recipient_kind == recipient.kind and n.recipient == recipient.id

    if earlier is None:
        source = ((Notification.ref_type == ref_type, Notification.ref_id == ref_id) if once_per_ref
                  else (Notification.source_event_id == source_event_id,))
        earlier = list(work.session.scalars(select(Notification).where(
            *source, Notification.purpose == purpose, Notification.recipient_kind == recipient.kind,
            Notification.recipient == recipient.id)))
    existing = next((n for n in earlier if same(n)), None)
    if existing is not None:
        return existing, False
    household_id = None
    if recipient.kind == UNIT:
        # whose inbox it is: the household the event names, else the one living there now (a later
        # household never sees it -- a unit that changes hands)
        household_id = recipient.household_id or getattr(
            copies.current_household(work, recipient.unit_id or recipient.id), "id", None)
    now = work.clock.now()
    if send_at is not None and send_at.tzinfo is None:
        raise ValueError("send_at must carry its offset")
    wanted_at = max(now, send_at) if send_at is not None else now
    scopes: dict[str, dict[str, str]] = {}         # person id → their opt-outs (one query per person)
    rendered = []
    # the overrides of every channel in one query
    candidates = templates.overrides_for(work.session, group_id=project.group_id, project_id=project.id,
                                         purpose=purpose, channels={c.name for c in channels})
    for channel in channels:
        template = templates.resolve(work.session, group_id=project.group_id, project_id=project.id,
                                     purpose=purpose, channel=channel.name, locale=locale,
                                     candidates=candidates)
        bound = values(template.locale)
        subject, body = template.render(bound)
        if channel.name == EMAIL and not template.html:
            # an e-mail's body is stored as HTML: a plain template's text escaped here, where it is
            # known to be plain (a value with "<" in it must never become markup at sending)
            body = templates.plain_to_html(body)
        rendered.append((channel, template.locale, subject, body, bound))
    # the sending policy, read before anything is added (its queries must not flush a half-made message):
    # the channels the person opted out of for this purpose, when each outbound one may go
    opted_out, due = set(), {}
    for channel in channels:
        person = channel.person_id or (recipient.id if recipient.kind == PERSON else None)
        if channel.name in policy.OPT_OUT_CHANNELS and person is not None and not templates.purpose_of(purpose).legal:
            if person not in scopes:
                scopes[person] = policy.opt_out_scopes(work, project.id, person)
            if policy.opted_out(work, project.id, person, channel.name, purpose, scopes[person]):
                opted_out.add(channel.name)
        if channel.name in OUTBOUND:
            due[channel.name] = policy.due_at(work, project, channel.name, purpose, wanted_at)
    # the project's WeChat template per purpose (wechat.py), read before anything is added too
    template_ids = values_of(work, project.id)[WECHAT_TEMPLATE_IDS] if any(c.name == WECHAT for c in channels) \
        else {}
    # the notification reads as its in-app message (or its first channel's)
    _, main_locale, subject, body, _ = next((r for r in rendered if r[0].name == INAPP), rendered[0])
    main_subject = subject
    notification = Notification(
        id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id, purpose=purpose,
        ref_type=ref_type, ref_id=ref_id, source_event_id=source_event_id,
        recipient_kind=recipient.kind, recipient=recipient.id, unit_id=recipient.unit_id,
        household_id=household_id, locale=main_locale, subject=subject, body=body, created_at=now, version=1,
        send_at=send_at if send_at is not None and send_at > now else None)
    work.session.add(notification)
    for channel, channel_locale, channel_subject, text, bound in rendered:
        suppressed = channel.suppressed
        if channel.name in OUTBOUND and suppressed is None and not channel.address:
            suppressed = "no_address"
        if suppressed is None and channel.name in opted_out:
            suppressed = policy.OPTED_OUT
        if channel.name == SMS and suppressed is None and not templates.purpose_of(purpose).legal:
            # a legally required notice is never limited (nor does it use up the allowance: counted_sms);
            # a workflow notice the resident waits for (transactional) is not lost to the recipient's
            # quota that receipts and bills used up -- only the causing user's limit holds it
            suppressed = sms_over_limit(work, sms_limits or SmsLimits(), channel.address, requested_by,
                                        recipient_limits=not templates.purpose_of(purpose).transactional)
        delivery = Delivery(
            id=str(uuid.uuid4()), notification=notification, group_id=project.group_id,
            project_id=project.id, channel=channel.name, address=channel.address, body=text,
            # an SMS has no subject; an e-mail or WeChat message without its own says the in-app one
            subject=(channel_subject or main_subject or "")[:200] if channel.name in (EMAIL, WECHAT)
            else (channel_subject or "")[:200],
            attempts=0, created_at=now, requested_by=requested_by)
        if channel.name == EMAIL:
            delivery.channel_data = email_channel_data(channel_locale)     # its <html lang>
        if channel.name == WECHAT:
            # the project's template of this purpose, with its keyword fields (wechat.py); None: the generic one
            made = template_message(template_ids, purpose, delivery.subject, text, bound)
            delivery.channel_data = json.dumps(made, ensure_ascii=False) if made else None
        if channel.name == INAPP:
            # stored is delivered: the inbox is ours
            delivery.status, delivery.attempts, delivery.sent_at = "delivered", 1, now
            record_delivered(work, notification, delivery)
        elif channel.name == PRINT:
            # a notice to print and put on the door: waits for the desk's printing (printing.py), never sent here
            delivery.status = QUEUED
        elif suppressed:
            delivery.status, delivery.last_error = SUPPRESSED, suppressed
            log.warning("%s of %s (%s) suppressed: %s", channel.name, ref_id or source_event_id, purpose,
                        suppressed)
        else:
            # SMS, e-mail, WeChat: pending ("queued") for the sender, never sent in this transaction;
            # not before send-at, nor in the quiet hours (SMS, WeChat)
            delivery.status = "pending"
            delivery.next_attempt_at = due[channel.name]
            if delivery.next_attempt_at <= now:
                work.session.info[SMS_DUE] = True      # the sender is woken when this commits
        work.session.add(delivery)
        if delivery.channel == SMS and delivery.status != SUPPRESSED:
            work.session.flush()     # counted by the next limit check in this transaction
    # everything else is written by one flush (at the commit, or the next query's autoflush):
    # one INSERT per table for all of it, not one round trip per row
    record_changed(work, notification, new=True)
    return notification, True


def of_event(work: Work, source_event_id: str) -> list[Notification]:
    """The notifications already created for an event (``earlier`` of :func:`notify`)."""
    return list(work.session.scalars(select(Notification).where(
        Notification.source_event_id == source_event_id)))


def of_ref(work: Work, ref_type: str | None, ref_id: str) -> list[Notification]:
    """The notifications already created about ``(ref_type, ref_id)`` (``earlier`` of :func:`notify`
    with ``once_per_ref``)."""
    return list(work.session.scalars(select(Notification).where(
        Notification.ref_type == ref_type, Notification.ref_id == ref_id)))


def snapshot(n: Notification) -> dict:
    """The notification as ``notification.changed`` carries it (delivery addresses masked)."""
    return {
        "id": n.id, "group_id": n.group_id, "project_id": n.project_id, "unit_id": n.unit_id,
        "household_id": n.household_id, "purpose": n.purpose, "recipient_kind": n.recipient_kind, "recipient": n.recipient,
        "subject": n.subject, "body": n.body, "locale": n.locale, "created_at": n.created_at,
        "read_at": n.read_at, "withdrawn_at": n.withdrawn_at, "withdrawn_label": n.withdrawn_label,
        "ref_type": n.ref_type, "ref_id": n.ref_id,
        "deliveries": [{"channel": d.channel, "status": d.status, "address": mask_address(d.channel, d.address),
                        "attempts": d.attempts, "sent_at": d.sent_at}
                       for d in sorted(n.deliveries, key=lambda d: d.channel)],
        "version": n.version,
    }


def record_changed(work: Work, n: Notification, *, new: bool = False) -> None:
    """A change of a unit's notification: bump its version (unless just created) and publish
    its whole state (``notification.changed``) for read models."""
    if not new:
        n.version = (n.version or 1) + 1
    if n.recipient_kind != UNIT:
        return
    if not new:
        work.session.flush()      # a new one is snapshotted from memory: nothing to load
    work.events.record(events.NOTIFICATION_CHANGED, snapshot(n), group_id=n.group_id,
                       project_id=n.project_id)


def export_snapshots(work: Work, after: str | None, limit: int, project_id: str | None = None) -> list[dict]:
    """A page of the current unit notifications in id order after ``after`` (platform only)."""
    return [snapshot(n) for n in snapshot_page(work, Notification, after=after, limit=limit, project_id=project_id,
                                               where=(Notification.recipient_kind == UNIT,))]


def record_delivered(work: Work, notification: Notification, delivery: Delivery) -> None:
    work.events.record(events.NOTIFICATION_DELIVERED, {
        "notification_id": notification.id, "delivery_id": delivery.id,
        "purpose": notification.purpose, "ref_type": notification.ref_type,
        "ref_id": notification.ref_id, "channel": delivery.channel,
        "recipient_kind": notification.recipient_kind, "recipient": notification.recipient,
        "delivered_at": delivery.sent_at,
    }, group_id=notification.group_id, project_id=notification.project_id)


# -- who may read what --------------------------------------------------------------

def inbox_roles(caller: Caller) -> set[str]:
    """The staff roles whose role-addressed notifications this caller reads."""
    roles = set(caller.roles)
    for role in caller.roles:
        roles |= SUPERVISES.get(role, set())
    return roles & Role.STAFF


def _may_read(caller: Caller, n: Notification) -> None:
    """Raise unless ``caller`` may see ``n``: residents their units' notifications (404
    otherwise), staff the project's unit notifications and their roles' ones."""
    if caller.is_system and caller.in_group(n.group_id):
        return
    if caller.is_resident:
        if not (n.recipient_kind == UNIT and caller.sees_unit(n.group_id, n.project_id, n.recipient)):
            raise NotificationNotFound(f"no notification {n.id}")
        return
    caller.require_project(n.group_id, n.project_id, not_found=NotificationNotFound(f"no notification {n.id}"))
    if n.recipient_kind == ROLE and n.recipient not in inbox_roles(caller):
        words = [templates.ROLE_LABELS[loc].get(n.recipient) for loc in ("en", "zh-CN")]
        raise NotAddressedToCaller(f"this notification is for {words[0] if all(words) else n.recipient}",
                                   details={"role": n.recipient},
                                   zh=f"该通知是发给{words[1]}的" if all(words) else None)


def _may_mark(caller: Caller, n: Notification) -> None:
    """Reading is the addressee's: a resident for their unit, staff for their roles."""
    _may_read(caller, n)
    if caller.is_staff and n.recipient_kind != ROLE:
        raise NotAddressedToCaller("only the resident marks their own messages read", zh="只有住户本人才能将自己的消息标为已读")


def get_notification(work: Work, notification_id: str) -> Notification:
    n = work.session.get(Notification, notification_id)
    if n is None:
        raise NotificationNotFound(f"no notification {notification_id}")
    _may_read(work.caller, n)
    if work.caller.is_resident and not _households_message(work, n):
        raise NotificationNotFound(f"no notification {notification_id}")    # an earlier household's
    return n


# -- a unit that changes hands (过户, a move-out and a move-in) ---------------------------------------

def _households_message(work: Work, n: Notification) -> bool:
    """Whether the unit's household living there now may see ``n``: addressed to it, or to nobody in
    particular (the unit had no household then)."""
    if n.household_id is None:
        return True
    current = copies.current_household(work, n.unit_id or n.recipient)
    return current is not None and current.id == n.household_id


def residents_messages(work: Work, unit: UnitCopy) -> tuple:
    """The conditions on a unit's messages as a resident reads them: only those addressed to the
    household living there now (notify's copy) or to nobody in particular -- never an earlier
    household's (its dunning notice, its welcome). Staff read the unit's whole history: ()."""
    if not work.caller.is_resident:
        return ()
    current = copies.current_household(work, unit.id)
    if current is None:
        return (Notification.household_id.is_(None),)
    return (or_(Notification.household_id.is_(None), Notification.household_id == current.id),)


#: a delivery withdrawn before it went out (a cancelled broadcast, a household that moved out)
WITHDRAWN = "cancelled"
#: why: the household the door notice was for has left the unit (原住户已迁出)
HOUSEHOLD_MOVED_OUT = "household_moved_out"


def not_sent(now: datetime):
    """A delivery not gone out yet: pending and not in a sender's hands right now (a claimed one may be
    on the wire), or a print still queued. Sent, delivered and printed ones stay as they are."""
    return or_((Delivery.status == "pending") & or_(Delivery.lease_until.is_(None), Delivery.lease_until <= now),
               (Delivery.channel == PRINT) & (Delivery.status == QUEUED))


def withdraw_deliveries(work: Work, notification_ids, reason: str, *, where=()) -> int:
    """The one withdrawal transition (queued / pending → ``cancelled``, ``last_error`` the reason) of the
    not-yet-sent deliveries (:func:`not_sent`) of ``notification_ids`` (a list or a select), narrowed by
    ``where``; a delivery withdrawn already is not touched again. Returns how many were withdrawn."""
    now = work.clock.now()
    return work.session.execute(update(Delivery).where(
        Delivery.notification_id.in_(notification_ids), not_sent(now), *where).values(
        status=WITHDRAWN, last_error=reason, next_attempt_at=None)
        .execution_options(synchronize_session=False)).rowcount


def withdraw_door_notices(work: Work, household) -> list[Notification]:
    """A household has moved out of its unit (``household.changed`` ``moved_out``): its door notices
    still queued for print on that unit (a dunning notice: 催费通知书) are withdrawn -- never posted on
    the next household's door. Each one's message is republished (``notification.changed``), so the
    portal shows the door notice cancelled. Once: a withdrawn one is no longer queued."""
    if household.status == "active":
        return []
    queued = list(work.session.scalars(select(Notification).join(Delivery, Delivery.notification_id == Notification.id)
                                       .where(Notification.recipient_kind == UNIT,
                                              Notification.unit_id == household.unit_id,
                                              Notification.household_id == household.id,
                                              Delivery.channel == PRINT, Delivery.status == QUEUED)
                                       .order_by(Notification.id)))
    if not queued:
        return []
    withdraw_deliveries(work, [n.id for n in queued], HOUSEHOLD_MOVED_OUT, where=(Delivery.channel == PRINT,))
    for n in queued:
        work.session.refresh(n, attribute_names=["deliveries"])
        record_changed(work, n)
        log.info("door notice %s (%s) of household %s withdrawn: it moved out of unit %s", n.id, n.purpose,
                 household.id, household.unit_id)
    return queued


class AsReadBy:
    """A role-addressed notification as one staff member sees it: their own ``read_at`` (the staff
    inbox's read state is per user, ``notification_reads``); everything else is the notification's."""

    def __init__(self, notification: Notification, read_at: datetime | None):
        self._notification, self.read_at = notification, read_at

    def __getattr__(self, name):
        return getattr(self._notification, name)


def _reader(caller: Caller) -> str:
    return caller.user_id or "system"


def mark_read(work: Work, notification_id: str) -> Notification | AsReadBy:
    """The addressee reads it: a unit's message is read for the household (``read_at``); a role's
    message is read by this staff member only (a ``notification_reads`` row) -- the others of the role
    still see it unread. The notification's own ``read_at``/``read_by`` keep the first reading."""
    n = get_notification(work, notification_id)
    _may_mark(work.caller, n)
    now = work.clock.now()
    if n.recipient_kind == ROLE and not work.caller.is_resident:
        user = _reader(work.caller)
        mark = work.session.get(NotificationRead, (n.id, user))
        if mark is None:
            mark = NotificationRead(notification_id=n.id, user_id=user, read_at=now)
            work.session.add(mark)
        if n.read_at is None:
            n.read_at, n.read_by = now, work.caller.user_id
            record_changed(work, n)
        return AsReadBy(n, mark.read_at)
    if n.read_at is None:
        n.read_at, n.read_by = now, work.caller.user_id
        record_changed(work, n)
    return n


def latest_for_unit(work: Work, unit_id: str, limit: int = 5) -> list[Notification]:
    unit, missing = work.session.get(UnitCopy, unit_id), UnitNotFound(f"no unit {unit_id}")
    if unit is None:
        raise missing
    work.caller.require_unit(unit.group_id, unit.project_id, unit.id, not_found=missing)
    return list(work.session.scalars(
        select(Notification).where(Notification.recipient_kind == UNIT, Notification.recipient == unit.id,
                                   Notification.group_id == unit.group_id, *residents_messages(work, unit))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def unit_inbox(work: Work, unit_id: str, limit: int = 50, offset: int = 0, unread_only: bool = False) -> dict:
    """A page of the unit's inbox, newest first: ``{"items", "total"}`` (``unread_only``: not read and not
    withdrawn). Whoever may read the unit's list (its residents, the project's staff)."""
    unit, missing = work.session.get(UnitCopy, unit_id), UnitNotFound(f"no unit {unit_id}")
    if unit is None:
        raise missing
    work.caller.require_unit(unit.group_id, unit.project_id, unit.id, not_found=missing)
    query = select(Notification).where(Notification.recipient_kind == UNIT, Notification.recipient == unit.id,
                                       Notification.group_id == unit.group_id, *residents_messages(work, unit))
    if unread_only:
        query = query.where(Notification.read_at.is_(None), Notification.withdrawn_at.is_(None))
    total = work.session.scalar(select(func.count()).select_from(query.subquery()))
    items = list(work.session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                                      .limit(limit).offset(offset)))
    return {"items": items, "total": total}


def _staff_inbox_query(work: Work, project_id: str | None):
    """The caller's inbox (None: nothing -- another group's project)."""
    caller = work.caller
    caller.require_staff()
    query = select(Notification).where(Notification.recipient_kind == ROLE)
    if not caller.is_system:
        query = query.where(Notification.group_id == caller.group_id,
                            Notification.recipient.in_(sorted(inbox_roles(caller))))
    if project_id:
        project, missing = work.session.get(ProjectCopy, project_id), ProjectNotFound(f"no project {project_id}")
        if project is None or not caller.in_group(project.group_id):
            raise missing      # another group's project reads exactly like one that does not exist
        caller.require_project(project.group_id, project_id, not_found=missing)
        query = query.where(Notification.project_id == project_id)
    elif not (caller.is_system or caller.all_projects):
        query = query.where(Notification.project_id.in_(sorted(caller.project_ids)))
    return query


def _with_my_reads(work: Work, query):
    """``query`` with the caller's own read mark of each notification (``NotificationRead.read_at``)."""
    return query.add_columns(NotificationRead.read_at).outerjoin(NotificationRead, (
        NotificationRead.notification_id == Notification.id) & (NotificationRead.user_id == _reader(work.caller)))


def staff_inbox(work: Work, project_id: str | None = None, unread_only: bool = False,
                limit: int = 50) -> list[AsReadBy]:
    """The caller's inbox, newest first, each message with the caller's own read state."""
    query = _with_my_reads(work, _staff_inbox_query(work, project_id))
    if unread_only:
        query = query.where(NotificationRead.read_at.is_(None))
    return [AsReadBy(n, read_at) for n, read_at in work.session.execute(
        query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))]


# -- unread counts (the in-app inbox) --------------------------------------------------

def unread_for_unit(work: Work, unit_id: str) -> dict:
    """How many of the unit's notifications are not read yet (whoever may read the unit's list)."""
    unit, missing = work.session.get(UnitCopy, unit_id), UnitNotFound(f"no unit {unit_id}")
    if unit is None:
        raise missing
    work.caller.require_unit(unit.group_id, unit.project_id, unit.id, not_found=missing)
    unread = work.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.recipient_kind == UNIT, Notification.recipient == unit.id,
        Notification.group_id == unit.group_id, Notification.read_at.is_(None),
        Notification.withdrawn_at.is_(None), *residents_messages(work, unit)))      # a withdrawn message is not waiting to be read
    return {"unit_id": unit.id, "unread": unread}


def staff_unread(work: Work, project_id: str | None = None) -> dict:
    """How many notifications of the caller's inbox (:func:`staff_inbox`'s, all of them) the caller has not
    read (per user). An unknown project, or another group's, is 404 ``project_not_found``."""
    query = _with_my_reads(work, _staff_inbox_query(work, project_id))
    unread = work.session.scalar(select(func.count()).select_from(
        query.where(NotificationRead.read_at.is_(None)).subquery()))
    return {"project_id": project_id, "unread": unread}
