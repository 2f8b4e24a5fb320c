"""Reading the portal tables as a caller may see them: the same scope guards as the owners
(``kernel.tenancy``: a probe is answered exactly like a missing id), phones masked by the one
rule (``kernel.privacy``), SLA states at read time (``kernel.deadlines``). ``None`` means a
miss (not projected yet, or older than the version the client waits for): the route asks the
owner by RPC instead."""
from __future__ import annotations

from datetime import datetime, timezone

import orjson
from sqlalchemy import and_, false, func, not_, or_, select
from sqlalchemy.orm import Session

from kernel import deadlines, privacy
from kernel.tenancy import Caller, Role

from ..models import PortalGoodsRelease, PortalHousehold, PortalKey, PortalNotification, PortalTicket, PortalUnit

#: the states with work still to do, of every ticket kind (tickets' ``workflow.all_open_states()``)
OPEN_STATUSES = ("open", "dispatched", "accepted", "on_site", "quoted", "consented", "registered", "responded",
                 "in_warranty", "out_of_warranty", "compensation_claimed", "scheduled", "received", "acknowledged",
                 "forwarded",
                 # an inspection round's (kept for the rounds' routes only: never one of these lists)
                 "planned", "in_progress",
                 # a renovation's (装修) until it is closed or cancelled
                 "applied", "under_review", "rework", "approved", "fees_requested", "fees_paid",
                 "acceptance_requested", "occupied", "refund_requested")


#: the staff-only kinds the read model keeps (``projector.STAFF_KINDS``: inspection rounds, front-desk
#: tasks), known by their number's prefix; no reader of tickets sees them -- only the rounds' and the
#: desk's task views below
STAFF_PREFIXES = tuple(f"{p}-" for p in ("XJ", "RW"))
STAFF_KINDS = frozenset({"inspection", "task"})


def public_tickets():
    """The condition on ``PortalTicket``: not a staff-only kind (an inspection round, a front-desk task)."""
    return not_(or_(*(PortalTicket.number.startswith(p) for p in STAFF_PREFIXES)))


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def history_for(caller: Caller, history) -> list[dict]:
    """A stored step log (``ticket.changed`` carries the notes as written) as ``caller`` may read it: the
    notes' ID numbers and mobiles masked for every reader but the desk (``privacy.free_text_for``, the
    owner's rule)."""
    return [{**h, "note": privacy.free_text_for(caller, h.get("note"))} for h in history or ()]


def unmasked_history(caller: Caller, reply: dict) -> bool:
    """Does the owner's reply to ``caller`` hold its step log as written, so the read model may keep it
    (read-your-writes)? The desk reads it so; for anyone else, when masking changed nothing in it."""
    return privacy.sees_free_text(caller) or not any(
        privacy.free_text_masked(h.get("note")) for h in reply.get("history") or ())


def unmasked_key(caller: Caller, reply: dict) -> bool:
    """Does tickets' reply to a key write hold its loan's free text as written, so the read model may keep
    it (read-your-writes)? The desk reads it so; for anyone else, when masking changed nothing in it."""
    loan = reply.get("loan") or {}
    return privacy.sees_free_text(caller) or not any(
        privacy.free_text_masked(loan.get(k)) for k in ("purpose", "note"))


def ticket_view(doc: dict, caller: Caller, now: datetime) -> dict:
    """The stored ticket as ``caller`` may see it (the owner's ``ticket_view``): the reporter's phone and
    the step log's free text masked by the one rule."""
    own = caller.is_resident and caller.sees_household(doc.get("group_id"), doc.get("project_id"),
                                                       doc.get("unit_id"), doc.get("household_id"))
    reporter = doc.get("reporter") or {}
    return {**{k: v for k, v in doc.items() if k not in ("reporter", "deadlines", "history")},
            "reporter": {"name": reporter.get("name"),
                         "phone": privacy.phone_for(caller, reporter.get("phone"), own)},
            "history": history_for(caller, doc.get("history")),
            "deadlines": [{**d, "state": deadlines.state(_time(d["due_at"]), _time(d.get("met_at")), now,
                                                       _time(d.get("cancelled_at")))}
                          for d in doc.get("deadlines") or ()]}


# A row the caller may not see is answered like a row that is not projected: None, and the
# route asks the owner, whose refusal is the answer. So a probe of another household's id takes
# the same path, and the same time, as a probe of an id that does not exist.

def resident_household(session: Session, caller: Caller, unit_id: str) -> str | None:
    """The household whose tickets a resident of ``unit_id`` reads (the owner's rule, tickets'
    ``repairs.resident_household``): the one their scope is bound to (``Caller.households``), else
    the unit's current household as the read model knows it; None: unknown."""
    bound = caller.household_of(unit_id)
    if bound is not None:
        return bound
    row = session.get(PortalUnit, unit_id)
    return row.household_id if row is not None else None


def _sees_doc(session: Session, caller: Caller, doc: dict) -> bool:
    """``Caller.sees_household`` for a stored ticket document: a resident reads their household's
    tickets of their units (and those of no household), never an earlier household's of the unit."""
    unit_id = doc.get("unit_id")
    current = None
    if caller.is_resident and unit_id and caller.household_of(unit_id) is None:
        current = resident_household(session, caller, unit_id)
    return caller.sees_household(doc.get("group_id"), doc.get("project_id"), unit_id, doc.get("household_id"),
                                 current=current)


def _resident_condition(session: Session, caller: Caller, unit_ids):
    """The SQL of :func:`_sees_doc` over a resident's ``unit_ids``: per unit, its tickets of no
    household or of the resident's household (matched in the document -- orjson's compact form,
    as ``UNREAD``; :func:`_sees_doc` re-checks each row read)."""
    terms = []
    for unit_id in sorted(u for u in unit_ids if u in caller.unit_ids):
        household = resident_household(session, caller, unit_id)
        if household is None:
            terms.append(PortalTicket.unit_id == unit_id)
        else:
            terms.append(and_(PortalTicket.unit_id == unit_id, or_(
                PortalTicket.document.contains('"household_id":null', autoescape=True),
                PortalTicket.document.contains(f'"household_id":{orjson.dumps(household).decode()}',
                                               autoescape=True))))
    return or_(*terms) if terms else false()


def _may_see_ticket(session: Session, caller: Caller, row, doc: dict) -> bool:
    if caller.is_resident:
        return bool(row.unit_id) and _sees_doc(session, caller, doc)
    return caller.sees_project(row.group_id, row.project_id)


def ticket(session: Session, caller: Caller, ticket_id: str, now: datetime,
           min_version: int | None = None) -> dict | None:
    row = session.get(PortalTicket, ticket_id)
    if row is None or (min_version is not None and row.version < min_version):
        return None
    doc = orjson.loads(row.document)
    if doc.get("kind") in STAFF_KINDS or not _may_see_ticket(session, caller, row, doc):
        return None                      # a round or a task: tickets answers (its reader roles)
    return ticket_view(doc, caller, now)


def renovation(session: Session, caller: Caller, ticket_id: str, now: datetime,
               min_version: int | None = None) -> dict | None:
    """A renovation (装修) as ``GET /renovations/{id}`` answers it (tickets' ``RenovationOut``): its
    ticket and its part as ``ticket.changed`` carried them (pass holders' names masked at the
    source). None -- the owner answers -- for a row not projected, another kind, a row projected
    before the snapshot carried the part, or one the caller may not see."""
    row = session.get(PortalTicket, ticket_id)
    if row is None or (min_version is not None and row.version < min_version):
        return None
    doc = orjson.loads(row.document)
    if doc.get("kind") != "renovation" or not doc.get("renovation"):
        return None
    if not _may_see_ticket(session, caller, row, doc):
        return None
    return {"ticket": ticket_view(doc, caller, now), "renovation": doc["renovation"]}


def unit_row(session: Session, caller: Caller, unit_id: str) -> PortalUnit | None:
    """The unit's row if projected and the caller may see it (None: ask the owner)."""
    row = session.get(PortalUnit, unit_id)
    if row is None or row.unit is None:
        return None
    if not caller.sees_unit(row.group_id, row.project_id, row.unit_id):
        return None
    return row


def _tickets_query(unit_ids, group_id, status: str | None, open_only: bool, number_prefixes=(), where=()):
    query = select(PortalTicket.document)
    query = query.where(PortalTicket.unit_id.in_(sorted(unit_ids)), PortalTicket.group_id == group_id,
                        public_tickets(), *where)
    if number_prefixes:
        # a ticket's number names its kind (tickets' NUMBER_PREFIX: TS- complaint, ZL- quality, ...)
        query = query.where(or_(*(PortalTicket.number.startswith(f"{p}-") for p in number_prefixes)))
    if status:
        query = query.where(PortalTicket.status == status)
    elif open_only:
        query = query.where(PortalTicket.status.in_(OPEN_STATUSES))
    return query


def resident_tickets(session: Session, caller: Caller, now: datetime, *, unit_id: str | None = None,
                     status: str | None = None, open_only: bool = False, limit: int = 50,
                     offset: int = 0, number_prefixes: tuple = (), project_id: str | None = None,
                     **_) -> dict | None:
    """A resident's tickets (their units', or one of them), newest first, paged like the owner's
    ``list_tickets``; None if the named unit is not projected yet. ``number_prefixes``: only
    tickets of these kinds (a resident's complaints: ``("TS", "ZL")``); ``project_id``: only that
    project's (none when it is not theirs, as the owner answers)."""
    if unit_id:
        row = unit_row(session, caller, unit_id)
        if row is None:
            return None
        units, group = [row.unit_id], row.group_id
    else:
        units, group = caller.unit_ids, caller.group_id
    where = (_resident_condition(session, caller, units),) if caller.is_resident else ()
    query = _tickets_query(units, group, status, open_only, number_prefixes, where)
    if project_id:
        query = query.where(PortalTicket.project_id == project_id)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    docs = session.scalars(query.order_by(PortalTicket.recorded_at.desc(), PortalTicket.number.desc())
                           .limit(limit).offset(offset)).all()
    docs = [orjson.loads(d) for d in docs]
    return {"items": [ticket_view(d, caller, now) for d in docs if _sees_doc(session, caller, d)],
            "total": total}


def _current_household(row) -> str | None:
    """The household living in the unit now as the read model holds it (None: none, or moved out)."""
    if row.household_id is None or not row.household:
        return None
    return row.household_id if orjson.loads(row.household).get("status") == "active" else None


def _residents_messages(caller: Caller, row) -> tuple:
    """A resident reads only the messages addressed to the household living there now, or to nobody in
    particular -- never an earlier household's (notify's rule, ``residents_messages``); staff the whole
    history: ()."""
    if not caller.is_resident:
        return ()
    current = _current_household(row)
    if current is None:
        return (PortalNotification.household_id.is_(None),)
    return (or_(PortalNotification.household_id.is_(None), PortalNotification.household_id == current),)


def _notifications(session: Session, caller: Caller, row, limit: int) -> list[dict]:
    docs = session.scalars(select(PortalNotification.document).where(PortalNotification.unit_id == row.unit_id,
                                                                     *_residents_messages(caller, row))
                           .order_by(PortalNotification.created_at.desc(), PortalNotification.id.desc())
                           .limit(limit)).all()
    return [orjson.loads(d) for d in docs]


def unit_notifications(session: Session, caller: Caller, unit_id: str, limit: int) -> list | None:
    row = unit_row(session, caller, unit_id)
    if row is None:
        return None
    return _notifications(session, caller, row, limit)


def unit_inbox(session: Session, caller: Caller, unit_id: str, limit: int, offset: int = 0,
               unread_only: bool = False) -> dict | None:
    """A page of the unit's notifications, newest first: ``{"items", "total"}`` (None: not projected)."""
    row = unit_row(session, caller, unit_id)
    if row is None:
        return None
    query = select(PortalNotification.document).where(PortalNotification.unit_id == row.unit_id,
                                                      *_residents_messages(caller, row))
    if unread_only:
        query = query.where(PortalNotification.document.like(UNREAD), ~PortalNotification.document.like(WITHDRAWN))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    docs = session.scalars(query.order_by(PortalNotification.created_at.desc(), PortalNotification.id.desc())
                           .limit(limit).offset(offset)).all()
    return {"items": [orjson.loads(d) for d in docs], "total": total}


#: an unread notification's document (orjson's compact form, written by ``projector.dumps``): inside a string
#: value every quote is escaped, so only the document's own ``read_at`` key can match
UNREAD = '%"read_at":null%'
#: a withdrawn notification's document (its broadcast cancelled): ``withdrawn_at`` is a time, not null
WITHDRAWN = '%"withdrawn_at":"%'


def unit_unread(session: Session, caller: Caller, unit_id: str) -> dict | None:
    """How many of the unit's notifications are unread (None: not projected -- ask notify)."""
    row = unit_row(session, caller, unit_id)
    if row is None:
        return None
    unread = session.scalar(select(func.count()).select_from(PortalNotification).where(
        PortalNotification.unit_id == row.unit_id, PortalNotification.document.like(UNREAD),
        ~PortalNotification.document.like(WITHDRAWN), *_residents_messages(caller, row)))
    return {"unit_id": row.unit_id, "unread": unread}


def household_view(caller: Caller, doc: dict) -> dict:
    """archive's ``household_view`` without ID numbers (a snapshot never has them)."""
    own = caller.is_resident and doc.get("unit_id") in caller.unit_ids
    return {**{k: v for k, v in doc.items() if k != "people"},
            "masked": not privacy.sees_phones(caller, own),
            "people": [{**p, "phone": privacy.phone_for(caller, p.get("phone"), own),
                        "email": privacy.email_for(caller, p.get("email"), own)}
                       for p in doc.get("people") or ()]}


def overview(session: Session, caller: Caller, unit_id: str, now: datetime,
             notifications: int = 5, open_tickets: int = 20) -> dict | None:
    """The unit overview from the read model. None: the unit is not projected (ask the owners).
    Parts still missing are named in ``missing`` ("account", "household") for the route to
    fetch from their owner."""
    row = unit_row(session, caller, unit_id)
    if row is None:
        return None
    account = orjson.loads(row.account) if row.account else None
    household = orjson.loads(row.household) if row.household else None
    if household is not None and household.get("status") != "active":
        household = None
    missing, degraded = [], []
    if account is not None and _previous_households(session, row, account):
        # the account is the old household's (a transfer or a move-in billing has not applied
        # yet): never shown as the new household's -- its debt is not theirs
        account = None
        degraded.append("account")
    elif account is None:
        missing.append("account")
    elif account.get("household_id") and (household is None or household["id"] != account["household_id"]):
        missing.append("household")       # the account names a household not projected yet
    # a resident's: their household's open tickets, never an earlier household's of the unit
    where = (_resident_condition(session, caller, [row.unit_id]),) if caller.is_resident else ()
    docs = session.scalars(select(PortalTicket.document).where(
        PortalTicket.unit_id == row.unit_id, PortalTicket.status.in_(OPEN_STATUSES), public_tickets(), *where)
        .order_by(PortalTicket.recorded_at.desc(), PortalTicket.number.desc()).limit(open_tickets)).all()
    docs = [d for d in map(orjson.loads, docs) if _sees_doc(session, caller, d)]
    return {
        "unit": orjson.loads(row.unit),
        "household": household_view(caller, household) if household else None,
        "open_tickets": [ticket_view(d, caller, now) for d in docs],
        "account": account,
        "notifications": _notifications(session, caller, row, notifications),
        "degraded": degraded,
        "missing": missing,
    }


def _previous_households(session: Session, row, account: dict) -> bool:
    """Whether ``account`` names a household the unit has had before its current one: billing has
    not yet closed it and opened the unit's next account (它是原业主的账户)."""
    named = account.get("household_id")
    if not named or named == row.household_id or row.household_id is None:
        return False
    return session.execute(select(PortalHousehold.household_id).where(
        PortalHousehold.household_id == named, PortalHousehold.unit_id == row.unit_id)).first() is not None


def unit_account(session: Session, caller: Caller, unit_id: str) -> dict | None:
    """The unit's fee account as ``account.balance_changed`` last stated it (balance and the
    arrears summary); None: not projected (or not the caller's) -- ask billing."""
    row = unit_row(session, caller, unit_id)
    if row is None or not row.account:
        return None
    account = orjson.loads(row.account)
    if _previous_households(session, row, account):
        return None                       # the old household's: ask billing
    return account


#: the account's fields for staff only: the steward's arrears class is an internal judgement
STAFF_ONLY_ACCOUNT_FIELDS = ("arrears_class",)


def holds_others_money(caller: Caller, account: dict | None) -> bool:
    """Must a resident's account figures come from billing rather than the read model? The read model keeps
    the account as ``account.balance_changed`` stated it -- its ``deposits_held`` with any key deposit (钥匙押金)
    a borrower left on the unit, a stranger's money the household never reads (billing's
    ``deposits.as_household_reads``). So a resident's account with deposits held is asked of billing."""
    if account is None or caller.is_staff or not caller.is_resident:
        return False
    held = account.get("deposits_held")
    return held is not None and str(held) not in ("0", "0.00")


def account_for(caller: Caller, account: dict | None) -> dict | None:
    """The fee account as ``caller`` may read it: a resident does not see the staff-only fields."""
    if account is None or caller.is_staff:
        return account
    return {**account, **{k: None for k in STAFF_ONLY_ACCOUNT_FIELDS if k in account}}


def combine_balance(view: dict) -> dict:
    """The household's balance is its fee account's (as the composed view does)."""
    household, account = view.get("household"), view.get("account")
    if household and account and account.get("household_id") in (None, household.get("id")):
        household["balance_due"] = account.get("balance_due")
        # when billing stated this balance (the event's ``as_of``): the time archive's copy shows
        household["balance_as_of"] = account.get("as_of") or account.get("last_posted_at")
    return view


# -- goods releases (物品放行单, tickets' domain/goods_release.py) -------------------------------

#: who reads a project's passes (tickets' ``goods_release.READER_ROLES``): the desk, finance, the gate, managers
GOODS_RELEASE_READERS = (Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER, Role.FINANCE,
                         Role.SECURITY, Role.GENERAL_MANAGER, Role.GROUP_ADMIN)


def release_view(doc: dict, caller: Caller) -> dict:
    """tickets' ``goods_release.view`` from the stored release (``goods_release.changed`` carries it as
    written): its free text -- the note, the identity check's and its review's notes, the owner's consent
    note, the void reason, the log's notes -- as ``caller`` may read it (``privacy.free_text_for``)."""
    def read(text):
        return privacy.free_text_for(caller, text)
    identity, consent = doc.get("identity"), doc.get("owner_consent")
    if identity:
        identity = {**identity, "note": read(identity.get("note"))}
        if isinstance(identity.get("reviewed"), dict):
            identity["reviewed"] = {**identity["reviewed"], "note": read(identity["reviewed"].get("note"))}
    return {**doc, "note": read(doc.get("note")), "void_reason": read(doc.get("void_reason")), "identity": identity,
            "owner_consent": {**consent, "note": read(consent.get("note"))} if consent else consent,
            "history": history_for(caller, doc.get("history"))}


def _release_texts(reply: dict) -> list:
    identity, consent = reply.get("identity") or {}, reply.get("owner_consent") or {}
    return [reply.get("note"), reply.get("void_reason"), identity.get("note"),
            (identity.get("reviewed") or {}).get("note") if isinstance(identity.get("reviewed"), dict) else None,
            consent.get("note"), *((h or {}).get("note") for h in reply.get("history") or ())]


def release_text_masked(reply: dict) -> bool:
    """Does a release's view carry free text masked (a masked ID number or mobile in it)?"""
    return any(privacy.free_text_masked(t) for t in _release_texts(reply))


def unmasked_release(caller: Caller, reply: dict) -> bool:
    """Does tickets' reply to a release write hold its free text as written, so the read model may keep it
    (read-your-writes)? The desk reads it so; anyone else when masking changed nothing in it."""
    return not release_text_masked(reply) or privacy.sees_free_text(caller)


def _sees_release(session: Session, caller: Caller, row: PortalGoodsRelease) -> bool:
    """tickets' rule (``goods_release._load``): a resident reads the releases of their unit filed by
    their household (or of none), and the ones they asked for themselves; staff of the project with a
    reader role."""
    if caller.is_resident:
        if not caller.sees_unit(row.group_id, row.project_id, row.unit_id):
            return False
        if row.requester_user_id is not None and row.requester_user_id == caller.user_id:
            return True
        return _sees_doc(session, caller, {"group_id": row.group_id, "project_id": row.project_id,
                                           "unit_id": row.unit_id, "household_id": row.household_id})
    return caller.sees_project(row.group_id, row.project_id) and caller.has_role(*GOODS_RELEASE_READERS)


def goods_release(session: Session, caller: Caller, release_id: str,
                  min_version: int | None = None) -> dict | None:
    """One release as tickets answers it (ID numbers masked at the source, no phones; its free text as
    ``caller`` may read it: :func:`release_view`); None -- tickets answers -- if not projected, older than ``min_version`` or
    not the caller's."""
    row = session.get(PortalGoodsRelease, release_id)
    if row is None or (min_version is not None and row.version < min_version):
        return None
    if not _sees_release(session, caller, row):
        return None
    return release_view(orjson.loads(row.document), caller)


def unit_goods_releases(session: Session, caller: Caller, unit_id: str, limit: int = 50,
                        offset: int = 0) -> dict | None:
    """A unit's releases, newest first (tickets' ``for_unit``): its residents their household's (and
    their own requests), the project's readers all. None (tickets answers): the unit is not projected
    or not the caller's, or a staff member without a reader role."""
    unit = unit_row(session, caller, unit_id)
    if unit is None or (not caller.is_resident and not caller.has_role(*GOODS_RELEASE_READERS)):
        return None
    query = select(PortalGoodsRelease.document).where(PortalGoodsRelease.unit_id == unit.unit_id,
                                                      PortalGoodsRelease.group_id == unit.group_id)
    if caller.is_resident:
        household = resident_household(session, caller, unit.unit_id)
        mine = PortalGoodsRelease.requester_user_id == caller.user_id
        if household is not None:
            query = query.where(or_(PortalGoodsRelease.household_id.is_(None),
                                    PortalGoodsRelease.household_id == household, mine))
    docs = session.scalars(query.order_by(PortalGoodsRelease.recorded_at.desc(), PortalGoodsRelease.id)
                           .limit(limit).offset(offset)).all()
    return {"items": [release_view(orjson.loads(d), caller) for d in docs]}


def _project_reader(caller: Caller, project_id: str, roles: tuple) -> bool:
    return (not caller.is_resident and caller.group_id is not None
            and caller.sees_project(caller.group_id, project_id) and caller.has_role(*roles))


def outside_project(caller: Caller, project_id: str):
    """THE answer of a project view to a caller outside the project -- a resident, another group's,
    another project's staff -- as for a project that does not exist (404 ``project_not_found``; trial 4
    M5); None for the project's own staff (whose role the service decides). Every project-wide read
    from the read model (the gate's passes, keys out, rounds, the front-desk tasks) asks it first."""
    from ..errors import HttpError
    if caller.is_resident or caller.group_id is None or not caller.sees_project(caller.group_id, project_id):
        return HttpError(404, "project_not_found", f"no project {project_id[:64]}", zh="未找到该项目")
    return None


def local_day(value, zone: str | None = None):
    """The project's local day of a published time (``move_day``: the local day of ``move_at``)."""
    from zoneinfo import ZoneInfo

    from ..scopes import DEFAULT_TZ
    if not value:
        return None
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(ZoneInfo(zone or DEFAULT_TZ)).date()


def goods_release_by_number(session: Session, caller: Caller, project_id: str, number: str) -> dict | None:
    """The pass shown at the gate, by its number; None (tickets answers): not projected, or not a
    reader of the project."""
    if not _project_reader(caller, project_id, GOODS_RELEASE_READERS):
        return None
    doc = session.scalars(select(PortalGoodsRelease.document).where(
        PortalGoodsRelease.project_id == project_id, PortalGoodsRelease.group_id == caller.group_id,
        PortalGoodsRelease.number == number[:40])).first()
    return release_view(orjson.loads(doc), caller) if doc is not None else None


def project_goods_releases(session: Session, caller: Caller, project_id: str, *, day=None, status: str | None = None,
                           limit: int = 100, offset: int = 0, issued_day=None) -> dict | None:
    """The gate's list: the project's passes, by number -- those moving out on ``day`` (``move_day``:
    the project's local day of ``move_at``, trial 4 M3) and / or issued on ``issued_day`` (the
    number's FX-YYYYMMDD), of one ``status`` if asked (``issued``: still to be used at the gate).
    Each item carries its ``move_day``. None: the caller is not a reader of the project."""
    if not _project_reader(caller, project_id, GOODS_RELEASE_READERS):
        return None
    query = select(PortalGoodsRelease.document).where(PortalGoodsRelease.project_id == project_id,
                                                      PortalGoodsRelease.group_id == caller.group_id,
                                                      PortalGoodsRelease.number.is_not(None))
    if issued_day is not None:
        query = query.where(PortalGoodsRelease.number.startswith(f"FX-{issued_day.strftime('%Y%m%d')}-",
                                                                 autoescape=True))
    if status:
        query = query.where(PortalGoodsRelease.status == status)
    items = []
    for text in session.scalars(query.order_by(PortalGoodsRelease.number)):
        doc = release_view(orjson.loads(text), caller)
        move_day = local_day(doc.get("move_at"))
        if day is not None and move_day != day:
            continue
        doc["move_day"] = move_day.isoformat() if move_day else None
        items.append(doc)
    return {"items": items[offset:offset + limit], "total": len(items)}


# -- keys (钥匙, tickets' domain/keys.py) --------------------------------------------------------

#: who reads the key register (tickets' ``keys.READER_ROLES``)
KEY_READERS = (Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER, Role.GENERAL_MANAGER,
               Role.GROUP_ADMIN)


def key_view(doc: dict, caller: Caller) -> dict:
    """tickets' ``keys.view`` from the stored key: a resident the state only; staff the holder and
    the open loan in ``loan_view``'s shape -- the borrower's phone and ID number masked (the list
    is read all day at the desk; ``GET /keys/{id}`` asks tickets for the register entry itself), its
    ``purpose`` and ``note`` as ``caller`` may read them (``privacy.free_text_for``, the owner's rule)."""
    out = {k: doc.get(k) for k in ("id", "group_id", "project_id", "unit_id", "unit_label", "label", "copies",
                                   "state", "updated_at", "version")}
    out.update(loan=None, history=None)
    if caller.is_resident:
        return out
    out["holder_name"] = doc.get("holder_name")
    loan = doc.get("loan")
    if loan:
        out["loan"] = {
            "id": loan.get("loan_id"), "action": "request_loan", "from_state": loan.get("from_state") or "in_store",
            "to_state": "loan_requested", "at": loan.get("requested_at"), "by": loan.get("requested_by"),
            "party_kind": loan.get("party_kind"), "party_name": loan.get("party_name"),
            "party_phone": loan.get("party_phone_masked"), "party_id_number": loan.get("party_id_number_masked"),
            "contract_ref": None, "receipt_ref": None, "proof_ref": loan.get("proof_ref"),
            "purpose": privacy.free_text_for(caller, loan.get("purpose")),
            "note": privacy.free_text_for(caller, loan.get("note")), "approved_by": loan.get("approved_by"),
            "approved_at": loan.get("approved_at"), "due_back_at": loan.get("due_back_at"), "returned_at": None,
            "late": False, "deposit_required": bool(loan.get("deposit_required")),
            "deposit_ref": loan.get("deposit_ref"), "ticket_id": loan.get("task_id"),
            "earlier_late_returns": [dict(x) for x in loan.get("earlier_late_returns") or ()],
            "deposit_status": loan.get("deposit_status") or ("due" if loan.get("deposit_required") else "not_required"),
            "deposit_id": loan.get("deposit_id"), "deposit_amount": loan.get("deposit_amount"),
            "deposit_receipt": loan.get("deposit_receipt"), "consent_id": loan.get("consent_id")}
    return out


def unit_keys(session: Session, caller: Caller, unit_id: str) -> list | None:
    """A unit's keys by label (its household: their state; the project's key readers: the holder and
    loan). None (tickets answers): the unit not projected or not the caller's, or no reader role."""
    unit = unit_row(session, caller, unit_id)
    if unit is None or (not caller.is_resident and not caller.has_role(*KEY_READERS)):
        return None
    docs = session.scalars(select(PortalKey.document).where(PortalKey.unit_id == unit.unit_id,
                                                            PortalKey.group_id == unit.group_id)).all()
    return sorted((key_view(orjson.loads(d), caller) for d in docs), key=lambda k: (k["label"], k["id"]))


def keys_out(session: Session, caller: Caller, project_id: str, now: datetime, *,
             overdue: bool = False) -> dict | None:
    """The project's keys out on loan now (``lent``), the earliest due first; ``overdue``: only those
    past their due time (``keys.return_by``, 18:00 the same day). ``overdue`` in each item. None: the
    caller is not a key reader of the project (tickets answers)."""
    if not _project_reader(caller, project_id, KEY_READERS):
        return None
    query = select(PortalKey.document, PortalKey.due_back_at).where(
        PortalKey.project_id == project_id, PortalKey.group_id == caller.group_id, PortalKey.state == "lent")
    cutoff = now.astimezone(timezone.utc).isoformat(timespec="microseconds")
    if overdue:
        query = query.where(PortalKey.due_back_at < cutoff)
    rows = session.execute(query.order_by(PortalKey.due_back_at, PortalKey.id)).all()
    items = [{**key_view(orjson.loads(r.document), caller),
              "overdue": r.due_back_at is not None and r.due_back_at < cutoff} for r in rows]
    return {"items": items, "total": len(items), "as_of": cutoff}


# -- the stewards' and the desk's lists (issue 12): inspection rounds (巡检, XJ-) and front-desk tasks
# (前台任务, RW-), tickets of staff-only kinds kept with their parts (``inspection``, ``task``)

#: who reads a project's rounds (tickets' ``inspections.READER_ROLES``)
ROUND_READERS = (Role.STEWARD, Role.FRONT_DESK, Role.CS_MANAGER, Role.CENTRE_MANAGER, Role.GENERAL_MANAGER,
                 Role.GROUP_ADMIN)
#: who reads the project's front-desk tasks (tickets' ``keys.READER_ROLES``, ``tasks.READER_ROLES``)
TASK_READERS = KEY_READERS
#: a round's open states (tickets' ``inspections.OPEN_STATES``)
ROUND_OPEN = ("planned", "in_progress")
#: the fields of tickets' ``RoundOut`` that are the round's ``inspection`` part
ROUND_PART_FIELDS = ("area", "template_version", "day", "slot", "window_start", "due_at", "started_at",
                     "done_at", "done_by", "breached_at", "items")


def round_view(doc: dict, caller: Caller) -> dict:
    """tickets' ``inspections.round_view`` from the stored round: its log's notes as ``caller`` may read
    them (:func:`history_for`)."""
    part = doc["inspection"]
    return {**{k: doc.get(k) for k in ("id", "number", "status", "group_id", "project_id")},
            **{k: part.get(k) for k in ROUND_PART_FIELDS},
            "assignee": doc.get("assignee"), "cancel_reason": doc.get("cancel_reason"),
            "history": history_for(caller, doc.get("history")), "version": doc.get("version")}


def inspection_round(session: Session, caller: Caller, round_id: str,
                     min_version: int | None = None) -> dict | None:
    """One round as ``GET /inspection-rounds/{id}`` answers it; None (tickets answers): not projected,
    older than ``min_version``, not a round, or not a round reader of its project."""
    row = session.get(PortalTicket, round_id)
    if row is None or (min_version is not None and row.version < min_version):
        return None
    if not (caller.group_id == row.group_id and _project_reader(caller, row.project_id, ROUND_READERS)):
        return None
    doc = orjson.loads(row.document)
    if doc.get("kind") != "inspection" or not doc.get("inspection"):
        return None
    return round_view(doc, caller)


def _kind_rows(session: Session, caller: Caller, project_id: str, prefix: str, where=(), prefilters=(),
               page: tuple[int, int] | None = None) -> tuple[list, int | None]:
    """The project's documents of one staff kind, newest first (tickets' order); ``page``: (limit,
    offset) in SQL with the total -- when no filter is left to check on the documents."""
    query = select(PortalTicket.document).where(
        PortalTicket.project_id == project_id, PortalTicket.group_id == caller.group_id,
        PortalTicket.number.startswith(f"{prefix}-", autoescape=True), *where, *prefilters)
    total = None
    if page is not None:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        query = query.limit(page[0]).offset(page[1])
    return session.scalars(query.order_by(PortalTicket.recorded_at.desc(), PortalTicket.number.desc())).all(), total


def _paged(docs: list, total: int | None, limit: int, offset: int) -> tuple[list, int]:
    """A page of ``docs`` (all the matching ones when ``total`` is None: paged here)."""
    return (docs, total) if total is not None else (docs[offset:offset + limit], len(docs))


def _group_project_reader(session: Session, caller: Caller, project_id: str, roles: tuple) -> bool:
    """A reader of the project with ``roles``, and the project is the caller's group's as the read model
    knows it (a unit or a ticket of it): else tickets answers -- a project of another group is refused there
    like a missing one (404), never answered with an empty list here."""
    if not _project_reader(caller, project_id, roles):
        return False
    return any(session.execute(select(model.project_id).where(
        model.project_id == project_id, model.group_id == caller.group_id).limit(1)).first() is not None
        for model in (PortalUnit, PortalTicket))


def _contains(value: str):
    """A cheap narrowing on the document (the value as a JSON string); the rows are checked exactly after."""
    return PortalTicket.document.contains(orjson.dumps(value).decode(), autoescape=True)


def inspection_rounds(session: Session, caller: Caller, project_id: str, now: datetime, *, due: str | None = None,
                      status: str | None = None, assignee_id: str | None = None, area_id: str | None = None,
                      day=None, limit: int = 50, offset: int = 0) -> dict | None:
    """The project's rounds as tickets' ``list_inspection_rounds`` answers (newest first, its filters:
    ``due`` / ``missed`` against ``now``, status, steward, area, the patrol's local day; paged). None
    (tickets answers): not a round reader of the project, or a round projected before its part."""
    if not _group_project_reader(session, caller, project_id, ROUND_READERS):
        return None
    where = []
    if status:
        where.append(PortalTicket.status == status)
    if due == "due":
        where.append(PortalTicket.status.in_(ROUND_OPEN))
    elif due == "missed":
        where.append(PortalTicket.status.in_(ROUND_OPEN + ("missed",)))
    day_text = day.isoformat() if day is not None else None
    prefilters = [_contains(v) for v in (assignee_id, area_id, day_text) if v]
    cutoff = now.astimezone(timezone.utc)
    exact = assignee_id or area_id or day_text or due
    texts, total = _kind_rows(session, caller, project_id, "XJ", where, prefilters,
                              page=None if exact else (limit, offset))
    docs = []
    for text in texts:
        doc = orjson.loads(text)
        part = doc.get("inspection")
        if part is None:
            return None                  # projected before the snapshot carried the round: ask tickets
        due_at = _time(part.get("due_at"))
        if assignee_id and (doc.get("assignee") or {}).get("user_id") != assignee_id:
            continue
        if area_id and (part.get("area") or {}).get("id") != area_id:
            continue
        if day_text and part.get("day") != day_text:
            continue
        if due == "due" and not (due_at is None or due_at > cutoff):
            continue
        if due == "missed" and not (doc["status"] == "missed" or (due_at is not None and due_at <= cutoff)):
            continue
        docs.append(doc)
    items, total = _paged(docs, total, limit, offset)
    return {"items": [round_view(d, caller) for d in items], "total": total}


def _sla_state(doc: dict, now: datetime) -> str:
    """The ticket's worst clock (tickets' ``_sla_state_filter``): breached > late > pending > met."""
    clocks = [(_time(d["due_at"]), _time(d.get("met_at")), d.get("cancelled_at")) for d in doc.get("deadlines") or ()]
    if any(met is None and cancelled is None and due < now for due, met, cancelled in clocks):
        return deadlines.BREACHED
    if any(met is not None and met > due for due, met, _ in clocks):
        return deadlines.LATE
    if any(met is None and cancelled is None for _, met, cancelled in clocks):
        return deadlines.PENDING
    return deadlines.MET


def front_desk_tasks(session: Session, caller: Caller, project_id: str, now: datetime, *,
                     category: str | None = None, open_only: bool = True, sla_state: str | None = None,
                     limit: int = 50, offset: int = 0) -> dict | None:
    """The project's front-desk tasks as tickets' ``front_desk_tasks`` answers (newest first, by
    category, still to do, by their worst clock; paged). None (tickets answers): not a task reader of the
    project, or a task projected before its part."""
    if not _group_project_reader(session, caller, project_id, TASK_READERS):
        return None
    where = [PortalTicket.status == "open"] if open_only else []
    prefilters = [_contains(category)] if category else []
    texts, total = _kind_rows(session, caller, project_id, "RW", where, prefilters,
                              page=None if (category or sla_state) else (limit, offset))
    docs = []
    for text in texts:
        doc = orjson.loads(text)
        if doc.get("task") is None:
            return None
        if category and doc.get("category") != category:
            continue
        if sla_state and _sla_state(doc, now) != sla_state:
            continue
        docs.append(doc)
    items, total = _paged(docs, total, limit, offset)
    return {"items": [ticket_view(d, caller, now) for d in items], "total": total}


def patrols_by_steward(session: Session, caller: Caller, project_id: str, now: datetime, *,
                       day=None) -> list | None:
    """Per steward, the planned patrols (rounds with a slot) due, done, missed and cancelled -- of ``day``
    if given -- as tickets' ``patrols_by_steward`` answers (open ones past their deadline count as missed;
    by the steward's name, nobody's last). None (tickets answers): not a round reader of the project, or a
    round projected before its part."""
    if not _group_project_reader(session, caller, project_id, ROUND_READERS):
        return None
    day_text = day.isoformat() if day is not None else None
    texts, _ = _kind_rows(session, caller, project_id, "XJ", prefilters=[_contains(day_text)] if day_text else ())
    cutoff, out = now.astimezone(timezone.utc), {}
    for text in texts:
        doc = orjson.loads(text)
        part = doc.get("inspection")
        if part is None:
            return None
        if part.get("slot") is None or (day_text and part.get("day") != day_text):
            continue
        steward = doc.get("assignee") or {}
        row = out.setdefault(steward.get("user_id"), {
            "steward": {"user_id": steward["user_id"], "name": steward.get("name") or ""} if steward.get("user_id")
            else None, "due": 0, "done": 0, "missed": 0, "cancelled": 0})
        due_at, status = _time(part.get("due_at")), doc["status"]
        if status in ROUND_OPEN:
            row["missed" if due_at is not None and due_at <= cutoff else "due"] += 1
        elif status == "done":
            row["done"] += 1
        elif status == "missed":
            row["missed"] += 1
        else:
            row["cancelled"] += 1
    return sorted(out.values(), key=lambda r: ((r["steward"] or {}).get("name") or "~",
                                               (r["steward"] or {}).get("user_id") or ""))
