"""Broadcasts (群发): one message from staff to a project, a building or a list of units -- a planned
outage (``outage.notice``, legally required), a community event (``community.event``) or a holiday
greeting (``greeting.holiday``, both marketing).

**Creating** (CS manager or service-centre manager of the project): the purpose, the template's
values (exactly the purpose's placeholders but ``project_name``, which the platform fills: staff
text, checked -- and an SMS still says only what the purpose's SMS templates may state,
``templates.Purpose.allowed``), the channels (a subset of the purpose's) and an optional
``send_at``. The units are resolved from notify's registry copies (one query) and fixed at once;
they are cut into chunks of ``broadcast.chunk_size`` units (a per-project setting, 500), one
``broadcast_chunks`` row and one ``broadcast-chunk`` job each, all due at ``send_at``: the replicas'
job runners share them, and a process killed mid-chunk loses only that chunk's uncommitted work,
which the job's next claim redoes.

**A chunk** (:func:`run_chunk`, one transaction with the job's completion) is set-based: one query
for its units, their active households and the payers (owner, tenant) with their phone, e-mail
and WeChat openid; each channel's template resolved and rendered once per locale (the values are
the broadcast's, the same for every recipient); the notifications written by one multi-row
``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` and their deliveries by one more; the
``notification.changed`` / ``notification.delivered`` events by one outbox insert each. A unit
gets one message (recipient ``unit``: in-app, and the printed notice for ``print``); each payer
one message (recipient ``person``: SMS to their number -- one per number --, e-mail, WeChat).
Every one has the broadcast's id as ``source_event_id`` and ``ref_id`` (``ref_type``
``broadcast``), so the unique key ``(source_event_id, purpose, recipient_kind, recipient)``
makes a re-run chunk, a second replica or a person with two units in two chunks create nothing
twice. SMS to a number over the per-number limits (``SMS_MAX_PER_RECIPIENT_PER_HOUR`` / ``_DAY``)
are recorded ``suppressed``, except for a legally required purpose (outage notices); the creator's
per-user limits do not apply (a broadcast is the centre's, not a person's flood).

**Cancelling** (before or while sending): the broadcast is locked (``FOR UPDATE``; a running
chunk holds it ``FOR SHARE``, so the cancel waits for it and then sees its rows), its pending
chunks and their jobs are cancelled, and every delivery of its messages not yet sent -- pending
and not claimed by a sender right now, or a print still queued -- becomes ``cancelled``. What was
sent stays sent. The messages stored already are **withdrawn** (已撤回, ``withdrawn_at``): the unit's
inbox shows them so, they are no longer counted unread, and each unit's message is republished
(``notification.changed``) for the portal's read model.

**Progress** (:func:`view`): units in total and done, chunks, notifications made, deliveries by
channel and status; the state is ``scheduled`` (before ``send_at``, nothing done), ``sending``,
``done`` (every chunk done) or ``cancelled``.
"""
from __future__ import annotations

import json
import logging
import uuid

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import aliased

from kernel.jobs import Job
from kernel.tenancy import Role
from kernel.work import Work

from .. import events
from ..exceptions import (BroadcastCancelled, BroadcastNotFound, BroadcastValues, BuildingNotFound,
                          NoUnits, NotABroadcastPurpose, ProjectNotFound, UnitNotFound, UnsupportedChannel,
                          UrgentNotScheduled)
from ..models import (Broadcast, BroadcastChunk, Contact, Delivery, HouseholdCopy, Notification, OptOut,
                      ProjectCopy, UnitCopy)
from . import policy, settings, templates, wechat
from .copies import normalise_phone
from .notifications import (EMAIL, INAPP, MESSAGE_DUE, OUTBOUND, PERSON, PRINT, QUEUED, SMS, SUPPRESSED, UNIT,
                            WECHAT, WITHDRAWN, SmsLimits, email_channel_data, over_limits, snapshot,
                            withdraw_deliveries)

log = logging.getLogger(__name__)

#: the purposes staff broadcast; ``outage.urgent`` (突发停水停电通知, an emergency: its SMS and WeChat
#: messages go in the quiet hours too) is sent now, never scheduled
PURPOSES = ("community.event", "greeting.holiday", "outage.notice", "outage.urgent")
#: who creates, reads and cancels a project's broadcasts -- an urgent outage too: the managers who answer
#: for waking residents at night (front desk and stewards ask them)
ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER)
#: who reads them (progress, the list): the managers, and the general manager and group admin (read only, as
#: they read the bill runs and the census elsewhere)
READ_ROLES = ROLES + (Role.GENERAL_MANAGER, Role.GROUP_ADMIN)
TARGETS = ("project", "building", "units")
CHUNK_JOB = "broadcast-chunk"
REF_TYPE = "broadcast"
ACTIVE, CANCELLED = "active", "cancelled"
#: a broadcast's chunk states
PENDING, DONE = "pending", "done"
#: what a broadcast's state reads as
STATES = ("scheduled", "sending", "done", "cancelled")
#: a delivery of a cancelled broadcast that was never sent
DELIVERY_CANCELLED = WITHDRAWN
#: whom a broadcast reaches besides the unit's inbox: the household's payers (as a bill's notice)
PAYER_ROLES = ("owner", "tenant")
#: the platform fills these; staff give the rest
PLATFORM_VALUES = frozenset({"project_name"})


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def chunk_key(broadcast_id: str, n: int) -> str:
    return f"{broadcast_id}:{n}"


# -- scope -----------------------------------------------------------------------------------

def _project(work: Work, project_id: str, roles=ROLES) -> ProjectCopy:
    project, missing = work.session.get(ProjectCopy, project_id), ProjectNotFound(f"no project {project_id}")
    if project is None:
        raise missing
    work.caller.require_project(project.group_id, project.id, not_found=missing)
    work.caller.require_role(*roles)
    return project


def _broadcast(work: Work, broadcast_id: str, *, lock: bool = False, roles=ROLES) -> Broadcast:
    query = select(Broadcast).where(Broadcast.id == broadcast_id).execution_options(populate_existing=True)
    if lock:
        query = query.with_for_update()
    b, missing = work.session.scalars(query).first(), BroadcastNotFound(f"no broadcast {broadcast_id}")
    if b is None:
        raise missing
    work.caller.require_project(b.group_id, b.project_id, not_found=missing)
    work.caller.require_role(*roles)
    return b


# -- creating ----------------------------------------------------------------------------------

def check_values(purpose: templates.Purpose, values: dict) -> dict:
    """The staff's values for ``purpose``: every placeholder but the platform's, nothing else."""
    wanted = set(purpose.placeholders) - PLATFORM_VALUES
    missing, unknown = sorted(wanted - set(values)), sorted(set(values) - wanted)
    if missing or unknown:
        raise BroadcastValues(
            f"{purpose.key} needs the values {', '.join(sorted(wanted))}"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; not its placeholders: {', '.join(unknown)}" if unknown else ""),
            details={"missing": missing, "unknown": unknown},
            zh=f"{purpose.key} 须填写：{'、'.join(sorted(wanted))}"
            + (f"；缺少：{'、'.join(missing)}" if missing else "")
            + (f"；不是其占位符：{'、'.join(unknown)}" if unknown else ""))
    return {k: values[k] for k in sorted(wanted)}


def _target_units(work: Work, project: ProjectCopy, data: dict) -> list[str]:
    """The units of the target, in id order (one query)."""
    query = select(UnitCopy.id).where(UnitCopy.group_id == project.group_id, UnitCopy.project_id == project.id)
    target = data["target"]
    if target == "building":
        ids = list(work.session.scalars(query.where(UnitCopy.building_id == data["building_id"])
                                        .order_by(UnitCopy.id)))
        if not ids:
            raise BuildingNotFound(f"no building {data['building_id']} with units in this project",
                                   zh="本项目没有该楼栋，或该楼栋没有房屋")
        return ids
    if target == "units":
        asked = sorted(set(data["unit_ids"]))
        ids = list(work.session.scalars(query.where(UnitCopy.id.in_(asked)).order_by(UnitCopy.id)))
        if len(ids) != len(asked):
            unknown = sorted(set(asked) - set(ids))
            raise UnitNotFound(f"{len(unknown)} unit(s) are not units of this project",
                               details={"unit_ids": unknown[:50]}, zh=f"有 {len(unknown)} 个房屋不属于本项目")
        return ids
    ids = list(work.session.scalars(query.order_by(UnitCopy.id)))
    if not ids:
        raise NoUnits("the project has no units (yet)", zh="本项目还没有房屋")
    return ids


def create(work: Work, project_id: str, data: dict) -> Broadcast:
    """A new broadcast of ``project_id`` (``data``: ``schemas.BroadcastIn`` loaded)."""
    project = _project(work, project_id)
    if data["purpose"] not in PURPOSES:
        raise NotABroadcastPurpose(f"{data['purpose']} is not broadcast; one of {', '.join(PURPOSES)}",
                                   details={"purposes": list(PURPOSES)},
                                   zh=f"{data['purpose']} 不能群发，可群发的用途：{'、'.join(PURPOSES)}")
    purpose = templates.purpose_of(data["purpose"])
    wrong = sorted(set(data["channels"]) - set(purpose.channels))
    if wrong:
        raise UnsupportedChannel(f"{purpose.key} is not sent by {', '.join(wrong)}",
                                 details={"channels": list(purpose.channels)},
                                 zh=f"{purpose.key} 不通过 {'、'.join(wrong)} 发送")
    values = check_values(purpose, data["values"])
    if purpose.emergency and data.get("send_at") and data["send_at"] > work.clock.now():
        raise UrgentNotScheduled(f"{purpose.key} is sent now (it ignores the quiet hours); a planned outage is "
                                 "outage.notice", details={"send_at": data["send_at"].isoformat()},
                                 zh=f"{purpose.key} 为紧急通知，立即发送（不受免打扰时段限制），不能定时；"
                                    "计划停水停电请用 outage.notice")
    channels = [c for c in templates.CHANNELS if c in set(data["channels"])]
    # every channel's template renders with these values now, not in a chunk job later
    _renderer(work, project, purpose.key, channels, values)
    if data["target"] == "building" and not data.get("building_id"):
        raise BroadcastValues("a building broadcast names its building_id", details={"missing": ["building_id"]},
                              zh="按楼栋群发须指定楼栋（building_id）")
    if data["target"] == "units" and not data.get("unit_ids"):
        raise BroadcastValues("a units broadcast lists its unit_ids", details={"missing": ["unit_ids"]},
                              zh="按房屋群发须列出房屋（unit_ids）")
    units = _target_units(work, project, data)
    now = work.clock.now()
    send_at = max(data.get("send_at") or now, now)
    size = int(data.get("chunk_size") or work.settings.get(project.id, settings.BROADCAST_CHUNK_SIZE))
    b = Broadcast(id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id, purpose=purpose.key,
                  target=data["target"], building_id=data.get("building_id") if data["target"] == "building"
                  else None, values=_json(values), channels=",".join(channels), send_at=send_at, status=ACTIVE,
                  total_units=len(units), chunk_size=size, chunks=(len(units) + size - 1) // size,
                  created_at=now, created_by=work.caller.user_id or "system")
    work.session.add(b)
    work.session.flush()
    work.session.execute(insert(BroadcastChunk), [
        dict(broadcast_id=b.id, n=n + 1, unit_ids=_json(units[n * size:(n + 1) * size]),
             units=len(units[n * size:(n + 1) * size]), status=PENDING, notifications=0)
        for n in range(b.chunks)])
    for n in range(1, b.chunks + 1):
        work.jobs.schedule(CHUNK_JOB, key=chunk_key(b.id, n), due_at=send_at,
                           payload={"broadcast_id": b.id, "n": n}, group_id=b.group_id, project_id=b.project_id)
    log.info("broadcast %s (%s) of project %s: %d units in %d chunks, from %s", b.id, b.purpose, b.project_id,
             b.total_units, b.chunks, send_at.isoformat())
    return b


# -- one chunk ---------------------------------------------------------------------------------

def _renderer(work: Work, project: ProjectCopy, purpose: str, channels: list[str], values: dict):
    """``render(channel, locale) -> (locale, subject, body)``, each (channel, locale) rendered once."""
    candidates = templates.overrides_for(work.session, group_id=project.group_id, project_id=project.id,
                                         purpose=purpose, channels=set(channels))
    bound, cache = {**values, "project_name": project.name}, {}

    def render(channel: str, locale: str):
        if (channel, locale) not in cache:
            t = templates.resolve(work.session, group_id=project.group_id, project_id=project.id, purpose=purpose,
                                  channel=channel, locale=locale, candidates=candidates)
            subject, body = t.render(bound)
            if channel == EMAIL and not t.html:
                body = templates.plain_to_html(body)
            cache[(channel, locale)] = (t.locale, subject, body)
        return cache[(channel, locale)]

    for channel in channels:
        render(channel, templates.DEFAULT_LOCALE)
    return render


def _recipients(work: Work, group_id: str, unit_ids: list[str]):
    """The chunk's units with their active household's payers: one query, one row per unit and payer
    (a unit without an active household or a payer: one row with ``None``)."""
    h, c = aliased(HouseholdCopy), aliased(Contact)
    return work.session.execute(
        select(UnitCopy.id, c.person_id, c.phone, c.email, c.wechat_openid, c.locale, h.id)
        .select_from(UnitCopy)
        .outerjoin(h, (h.unit_id == UnitCopy.id) & (h.status == "active") & (h.group_id == UnitCopy.group_id))
        .outerjoin(c, (c.household_id == h.id) & c.role.in_(PAYER_ROLES))
        .where(UnitCopy.id.in_(unit_ids), UnitCopy.group_id == group_id)
        .order_by(UnitCopy.id, h.moved_in_on.desc().nulls_last(), h.id, c.role, c.person_id)).all()


def _insert_ignoring_duplicates(work: Work, rows: list[dict]) -> set[str]:
    """Insert the notifications; return the ids of those inserted (a recipient that has the
    broadcast's message already is left out: the unique key)."""
    if not rows:
        return set()
    dialect = work.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    table = Notification.__table__
    stmt = dialect_insert(table).on_conflict_do_nothing(
        index_elements=["source_event_id", "purpose", "recipient_kind", "recipient"]).returning(table.c.id)
    return set(work.session.scalars(stmt, rows, execution_options={"synchronize_session": False}))


def deliver_units(work: Work, b: Broadcast, unit_ids: list[str], sms_limits: SmsLimits | None = None) -> int:
    """The broadcast's messages to ``unit_ids`` (set-based); returns how many notifications it made."""
    project = work.session.get(ProjectCopy, b.project_id)
    channels, values = b.channels.split(","), json.loads(b.values)
    render = _renderer(work, project, b.purpose, channels, values)
    legal = templates.purpose_of(b.purpose).legal
    now = work.clock.now()
    unit_channels = [c for c in channels if c in (INAPP, PRINT)]
    person_channels = [c for c in channels if c in OUTBOUND]
    rows = _recipients(work, b.group_id, unit_ids)

    notes, deliveries, seen = [], {}, set()

    def note(kind: str, recipient: str, unit_id: str, locale: str, made: list[tuple[str, str | None]],
             household_id: str | None = None):
        main = next((ch for ch, _ in made if ch == INAPP), made[0][0])
        loc, subject, body = render(main, locale)
        nid = str(uuid.uuid4())
        notes.append(dict(id=nid, group_id=b.group_id, project_id=b.project_id, purpose=b.purpose,
                          ref_type=REF_TYPE, ref_id=b.id, source_event_id=b.id, recipient_kind=kind,
                          recipient=recipient, unit_id=unit_id, household_id=household_id, locale=loc, subject=subject, body=body,
                          created_at=now, read_at=None, read_by=None, version=1, withdrawn_at=None,
                          # a scheduled broadcast's messages keep its send-at (the delivery status shows it)
                          send_at=b.send_at if b.send_at > b.created_at else None))
        deliveries[nid] = (subject, made)

    for unit_id, person_id, phone, email, openid, locale, household_id in rows:
        if unit_id not in seen:
            seen.add(unit_id)
            if unit_channels:
                # the unit's message is its household's living there now (the newest active one first)
                note(UNIT, unit_id, unit_id, templates.DEFAULT_LOCALE, [(c, None) for c in unit_channels],
                     household_id)
        if person_id is None or not person_channels:
            continue
        reach = []
        number = normalise_phone(phone)
        if SMS in person_channels and number and ("sms", number) not in seen:
            seen.add(("sms", number))
            reach.append((SMS, number))
        address = (email or "").strip()
        if EMAIL in person_channels and address and ("email", address.lower()) not in seen:
            seen.add(("email", address.lower()))
            reach.append((EMAIL, address))
        if WECHAT in person_channels and openid and ("wechat", openid) not in seen:
            seen.add(("wechat", openid))
            reach.append((WECHAT, openid))
        if reach and ("person", person_id) not in seen:
            seen.add(("person", person_id))
            note(PERSON, person_id, unit_id, locale or templates.DEFAULT_LOCALE, reach)

    made = _insert_ignoring_duplicates(work, notes)
    if not made:
        return 0
    # the per-number limits (notifications.over_limits: what went out or is due now, never a legal notice's)
    over = {} if legal else over_limits(
        work, sms_limits or SmsLimits(), {a for nid in made for ch, a in deliveries[nid][1] if ch == SMS})
    # the sending policy (policy.py), set-based: the chunk's opt-outs in one query (a legal notice is
    # never stopped), each channel's time after the project's quiet hours
    persons = [n["recipient"] for n in notes if n["recipient_kind"] == PERSON]
    scopes = {} if legal or not persons else {
        (person, channel): scope for person, channel, scope in work.session.execute(
            select(OptOut.person_id, OptOut.channel, OptOut.scope).where(
                OptOut.project_id == b.project_id, OptOut.person_id.in_(persons)))}
    go_at = {channel: policy.due_at(work, project, channel, b.purpose, now) for channel in person_channels}
    template_ids = settings.values_of(work, project.id)[settings.WECHAT_TEMPLATE_IDS] if WECHAT in person_channels else {}
    delivery_rows, changed, delivered, due = [], [], [], False
    for n in notes:
        if n["id"] not in made:
            continue
        main_subject, reach = deliveries[n["id"]]
        snapshot_deliveries = []
        for channel, address in reach:
            made_locale, subject, body = render(channel, n["locale"])
            row = dict(id=str(uuid.uuid4()), notification_id=n["id"], group_id=b.group_id, project_id=b.project_id,
                       channel=channel, address=address, body=body,
                       subject=((subject or main_subject or "") if channel in (EMAIL, WECHAT) else subject or "")[:200],
                       status="pending", attempts=0, next_attempt_at=None, lease_until=None,
                       provider_message_id=None, last_error=None, provider_answer=None, created_at=now,
                       sent_at=None, requested_by=None, printed_at=None, printed_by=None,
                       channel_data=email_channel_data(made_locale) if channel == EMAIL else None)
            if channel == WECHAT:
                # the project's template of the purpose with its fields (wechat.py); None: the generic one
                made = wechat.template_message(template_ids, b.purpose, row["subject"], body,
                                               {**values, "project_name": project.name})
                row["channel_data"] = json.dumps(made, ensure_ascii=False) if made else None
            if channel == INAPP:
                row.update(status="delivered", attempts=1, sent_at=now)
                delivered.append(({"notification_id": n["id"], "delivery_id": row["id"], "purpose": b.purpose,
                                   "ref_type": REF_TYPE, "ref_id": b.id, "channel": INAPP,
                                   "recipient_kind": n["recipient_kind"], "recipient": n["recipient"],
                                   "delivered_at": now}, b.group_id, b.project_id))
            elif channel == PRINT:
                row.update(status=QUEUED)
            elif n["recipient_kind"] == PERSON and policy.stops(scopes.get((n["recipient"], channel)), b.purpose):
                row.update(status=SUPPRESSED, last_error=policy.OPTED_OUT)
            elif channel == SMS and address in over:
                row.update(status=SUPPRESSED, last_error=over[address])
            else:
                row.update(next_attempt_at=go_at[channel])
                due = due or go_at[channel] <= now
            delivery_rows.append(row)
            snapshot_deliveries.append({"channel": channel, "status": row["status"],
                                        "address": None if channel in (INAPP, PRINT) else address,
                                        "attempts": row["attempts"], "sent_at": row["sent_at"]})
        if n["recipient_kind"] == UNIT:
            changed.append(({**{k: n[k] for k in ("id", "group_id", "project_id", "unit_id", "purpose",
                                                    "recipient_kind", "recipient", "subject", "body", "locale",
                                                    "created_at", "read_at", "ref_type", "ref_id", "version",
                                                    "withdrawn_at", "household_id")}, "withdrawn_label": None,
                             "deliveries": sorted(snapshot_deliveries, key=lambda d: d["channel"])},
                            b.group_id, b.project_id))
    if delivery_rows:
        work.session.execute(insert(Delivery.__table__), delivery_rows)
    if changed:
        work.events.record_many(events.NOTIFICATION_CHANGED, changed, validate_each=False)
    if delivered:
        work.events.record_many(events.NOTIFICATION_DELIVERED, delivered, validate_each=False)
    if due:
        work.session.info[MESSAGE_DUE] = True      # the sender is woken when this commits
    return len(made)


def run_chunk(work: Work, broadcast_id: str, n: int, sms_limits: SmsLimits | None = None) -> int:
    """Do chunk ``n`` of the broadcast once: nothing if it is done, or the broadcast cancelled."""
    query = select(Broadcast).where(Broadcast.id == broadcast_id).execution_options(populate_existing=True)
    if work.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=True)     # a cancel waits for the chunks running now
    b = work.session.scalars(query).first()
    chunk = work.session.scalars(select(BroadcastChunk).where(
        BroadcastChunk.broadcast_id == broadcast_id, BroadcastChunk.n == n)
        .execution_options(populate_existing=True)).first()
    if b is None or chunk is None or chunk.status != PENDING:
        return 0
    if b.status == CANCELLED:
        chunk.status = CANCELLED
        return 0
    made = deliver_units(work, b, json.loads(chunk.unit_ids), sms_limits)
    chunk.status, chunk.notifications, chunk.done_at = DONE, made, work.clock.now()
    return made


def on_chunk_job(work: Work, job: Job, sms_limits: SmsLimits | None = None) -> None:
    run_chunk(work, job.payload["broadcast_id"], int(job.payload["n"]), sms_limits)


# -- cancelling --------------------------------------------------------------------------------

def cancel(work: Work, broadcast_id: str) -> Broadcast:
    b = _broadcast(work, broadcast_id, lock=True)
    if b.status == CANCELLED:
        raise BroadcastCancelled(f"broadcast {broadcast_id} was cancelled at {b.cancelled_at.isoformat()}",
                                 zh=f"该群发通知已于 {b.cancelled_at.isoformat()} 取消")
    now = work.clock.now()
    b.status, b.cancelled_at, b.cancelled_by = CANCELLED, now, work.caller.user_id or "system"
    pending = list(work.session.scalars(select(BroadcastChunk.n).where(
        BroadcastChunk.broadcast_id == b.id, BroadcastChunk.status == PENDING)))
    for n in pending:
        work.jobs.cancel(CHUNK_JOB, chunk_key(b.id, n))
    work.session.execute(update(BroadcastChunk).where(
        BroadcastChunk.broadcast_id == b.id, BroadcastChunk.status == PENDING).values(status=CANCELLED)
        .execution_options(synchronize_session=False))
    mine = select(Notification.id).where(Notification.source_event_id == b.id, Notification.ref_type == REF_TYPE)
    # not yet sent (pending and not in a sender's hands right now, or a print still queued): withdrawn by the
    # one transition (a household's door notices when it moves out take it too); sent ones stay as they are
    withdrawn = withdraw_deliveries(work, mine, "broadcast_cancelled")
    # the messages stored already are withdrawn (已撤回): the inbox shows them so, no longer unread
    work.session.execute(update(Notification).where(
        Notification.source_event_id == b.id, Notification.ref_type == REF_TYPE, Notification.withdrawn_at.is_(None))
        .values(withdrawn_at=now, version=Notification.version + 1).execution_options(synchronize_session=False))
    # every unit's message is republished whole (notification.changed): the portal's read model sees it
    units = list(work.session.scalars(select(Notification.id).where(
        Notification.source_event_id == b.id, Notification.ref_type == REF_TYPE, Notification.recipient_kind == UNIT)
        .order_by(Notification.id)))
    for start in range(0, len(units), 500):
        changed = work.session.scalars(select(Notification).where(Notification.id.in_(units[start:start + 500]))
                                       .execution_options(populate_existing=True)).all()
        work.events.record_many(events.NOTIFICATION_CHANGED, [(snapshot(n), n.group_id, n.project_id)
                                                              for n in changed], validate_each=False)
    log.info("broadcast %s cancelled by %s: %d chunk(s) stopped, %d delivery(ies) not sent", b.id,
             b.cancelled_by, len(pending), withdrawn)
    return b


# -- reading -------------------------------------------------------------------------------------

def view(work: Work, b: Broadcast, *, with_deliveries: bool = True) -> dict:
    chunks = work.session.execute(select(BroadcastChunk.status, func.count(), func.coalesce(func.sum(
        BroadcastChunk.units), 0), func.coalesce(func.sum(BroadcastChunk.notifications), 0))
        .where(BroadcastChunk.broadcast_id == b.id).group_by(BroadcastChunk.status)).all()
    by = {status: (count, units, made) for status, count, units, made in chunks}
    done = by.get(DONE, (0, 0, 0))
    if b.status == CANCELLED:
        state = "cancelled"
    elif done[0] == b.chunks:
        state = "done"
    elif done[0] == 0 and work.clock.now() < b.send_at:
        state = "scheduled"
    else:
        state = "sending"
    out = {"id": b.id, "project_id": b.project_id, "purpose": b.purpose, "target": b.target,
           "building_id": b.building_id, "values": json.loads(b.values), "channels": b.channels.split(","),
           "send_at": b.send_at, "status": state, "created_at": b.created_at, "created_by": b.created_by,
           "cancelled_at": b.cancelled_at, "cancelled_by": b.cancelled_by,
           "total_units": b.total_units, "units_done": int(done[1]), "chunks": b.chunks, "chunks_done": done[0],
           "notifications": int(done[2]), "deliveries": None}
    if with_deliveries:
        counts = work.session.execute(
            select(Delivery.channel, Delivery.status, func.count())
            .join(Notification, Notification.id == Delivery.notification_id)
            .where(Notification.source_event_id == b.id, Notification.ref_type == REF_TYPE)
            .group_by(Delivery.channel, Delivery.status)).all()
        out["deliveries"] = [{"channel": ch, "status": st, "count": c} for ch, st, c in sorted(counts)]
    return out


def get(work: Work, broadcast_id: str) -> dict:
    return view(work, _broadcast(work, broadcast_id, roles=READ_ROLES))


def list_for_project(work: Work, project_id: str, limit: int = 50, offset: int = 0) -> list[dict]:
    project = _project(work, project_id, READ_ROLES)
    return [view(work, b, with_deliveries=False) for b in work.session.scalars(
        select(Broadcast).where(Broadcast.group_id == project.group_id, Broadcast.project_id == project.id)
        .order_by(Broadcast.created_at.desc(), Broadcast.id.desc()).limit(limit).offset(offset))]
