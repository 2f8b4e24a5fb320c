"""Applying the owners' snapshots to the portal tables: the one version rule.

Every apply is a single upsert whose update only happens when the incoming version is newer
than the row's (``INSERT ... ON CONFLICT DO UPDATE ... WHERE version < excluded.version``), so
an event redelivered, arriving out of order or racing a write reply's projection converges on
the newest snapshot -- also across several gateway processes sharing the database.

Inputs are the owners' payloads as published (JSON types: times as ISO-8601 strings); the
documents are stored as JSON text and never hold an ID number (no owner publishes one).
"""
from __future__ import annotations

from datetime import datetime, timezone

import orjson
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .. import scopes
from kernel.privacy import mask_id_number, mask_phone

from ..models import PortalGoodsRelease, PortalHousehold, PortalKey, PortalNotification, PortalTicket, PortalUnit

#: fields of a ticket document (``ticket.changed`` payload; ``ticket_id`` stored as ``id``)
TICKET_FIELDS = ("id", "group_id", "project_id", "unit_id", "number", "kind", "category", "channel",
                 "status", "unit_label", "household_id", "location", "content", "reporter",
                 "appointment_at", "received_at", "recorded_at", "engineering_notified_at",
                 "deadlines", "history", "assignee", "dispatched_at", "accepted_at", "arrived_at",
                 "completed_at", "work_note", "materials", "rating", "comment", "confirmed_at",
                 "closed_at", "cancel_reason", "quote", "charge", "advice", "complaint", "documents",
                 "revisit", "feedback", "source", "renovation", "inspection", "task", "version")
#: a deadline's fields besides kind, due_at and extensions (its state is computed when read)
DEADLINE_FIELDS = ("met_at", "cancelled_at", "responsible_role", "warned_at", "breached_at")
UNIT_FIELDS = ("id", "group_id", "project_id", "building_id", "building_name", "number", "label",
               "floor", "building_area", "usage")
HOUSEHOLD_FIELDS = ("id", "group_id", "project_id", "unit_id", "status", "moved_in_on",
                    "moved_out_on", "people")
ACCOUNT_FIELDS = ("account_id", "unit_id", "group_id", "project_id", "unit_label", "building_area",
                  "household_id", "payer_name", "currency", "opening_balance", "balance_due",
                  "entry_count", "last_posted_at", "as_of", "version",
                  # the arrears summary (billing queries): what the overview and account routes show
                  "usage", "receivable", "credit", "deposits_held", "open_bills", "oldest_due_on",
                  # the account's dunning state (催缴): stage, arrears class, paused, late fee not billed
                  "dunning_stage", "arrears_class", "dunning_paused", "late_fee_accrued")
NOTIFICATION_FIELDS = ("id", "unit_id", "purpose", "recipient_kind", "recipient", "subject", "body",
                       "locale", "created_at", "read_at", "ref_type", "ref_id", "deliveries", "version",
                       "withdrawn_at", "withdrawn_label")


def dumps(doc: dict) -> str:
    return orjson.dumps(doc).decode()


def _insert(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _upsert_newer(session: Session, model, key: str, values: dict, version_col: str,
                  update_cols: tuple[str, ...]) -> bool:
    """Insert the row, or update ``update_cols`` if the incoming ``version_col`` is newer."""
    insert = _insert(session)
    stmt = insert(model).values(**values)
    table = model.__table__
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c[key]],
        set_={c: stmt.excluded[c] for c in update_cols},
        where=table.c[version_col] < stmt.excluded[version_col])
    return session.execute(stmt).rowcount > 0


# -- tickets ------------------------------------------------------------------------------

def ticket_document(data: dict) -> dict:
    """A ``ticket.changed`` payload, or the owner's ticket reply (``id`` instead of
    ``ticket_id``, deadlines with a state), as the stored document."""
    doc = {name: data.get(name) for name in TICKET_FIELDS}
    doc["id"] = data.get("ticket_id") or data.get("id")
    doc["reporter"] = {k: (data.get("reporter") or {}).get(k) for k in ("name", "phone")}
    doc["deadlines"] = [{"kind": d["kind"], "due_at": d["due_at"],
                         **{k: d.get(k) for k in DEADLINE_FIELDS},
                         "extensions": d.get("extensions") or []} for d in data.get("deadlines") or ()]
    doc["history"] = [{k: h.get(k) for k in ("at", "action", "actor", "note")}
                      for h in data.get("history") or ()]
    return doc


#: ticket kinds the portal never keeps: a revisit (回访) is the service centre's own task about a
#: household, read by its stewards and managers through tickets (role-checked there), not by the
#: household nor by every staff member of the project
STAFF_ONLY_KINDS = frozenset({"revisit"})
#: staff-only kinds the portal keeps for the stewards' and the desk's lists (issue 12), by their
#: number's prefix (tickets' ``NUMBER_PREFIX``): an inspection round (巡检, XJ-) and a front-desk task
#: (前台任务, RW-). Never read as a ticket by anyone (``views.public_tickets``: not in a resident's
#: lists nor their overview, and ``GET /tickets/{id}`` asks tickets); only the rounds' and the
#: desk's task routes read them, with tickets' reader roles.
STAFF_KINDS = {"inspection": "XJ", "task": "RW"}
#: the times of a deadline (and of the parts below) kept in UTC for these kinds: a patrol's window or
#: a key's return is a local time of day, stated ``+08:00`` when published, UTC when tickets reads it back
DEADLINE_TIMES = ("due_at", "met_at", "cancelled_at", "warned_at", "breached_at")
ROUND_TIMES = ("window_start", "due_at", "started_at", "done_at", "breached_at")


def _staff_kind_times(doc: dict) -> None:
    for d in doc["deadlines"]:
        d.update({k: utc_iso(d.get(k)) for k in DEADLINE_TIMES})
    part = doc.get("inspection")
    if part:
        part.update({k: utc_iso(part.get(k)) for k in ROUND_TIMES})
        for item in part.get("items") or ():
            item["recorded_at"] = utc_iso(item.get("recorded_at"))
    if doc.get("task"):
        doc["task"]["due_at"] = utc_iso(doc["task"].get("due_at"))


def apply_ticket(session: Session, data: dict) -> bool:
    if data.get("kind") in STAFF_ONLY_KINDS:
        return False
    doc = ticket_document(data)
    if doc.get("kind") in STAFF_KINDS:
        _staff_kind_times(doc)
    return _store_ticket(session, doc)


def _store_ticket(session: Session, doc: dict) -> bool:
    return _upsert_newer(session, PortalTicket, "id", {
        "id": doc["id"], "group_id": doc["group_id"], "project_id": doc["project_id"],
        "unit_id": doc["unit_id"], "status": doc["status"], "number": doc["number"],
        "recorded_at": doc["recorded_at"], "document": dumps(doc), "version": int(doc["version"] or 0),
    }, "version", ("group_id", "project_id", "unit_id", "status", "number", "recorded_at", "document",
                   "version"))


#: a round's fields (tickets' ``RoundOut``) that are its ``inspection`` part's
ROUND_PART_FIELDS = ("area", "template_version", "day", "slot", "window_start", "due_at", "started_at",
                     "done_at", "done_by", "breached_at", "items")


def apply_round_reply(session: Session, reply: dict) -> bool:
    """Read-your-writes for an inspection round: tickets' reply to a step (``RoundOut``) onto the
    round's stored ticket, if it is projected and older (the version rule); the round's ``ticket.changed``
    of the same version then changes nothing -- the reply holds every field a round's read shows."""
    row = session.get(PortalTicket, reply.get("id"))
    if row is None or row.version >= int(reply["version"]):
        return False
    doc = orjson.loads(row.document)
    if doc.get("kind") != "inspection" or not doc.get("inspection"):
        return False
    part = {**doc["inspection"], **{k: reply.get(k) for k in ROUND_PART_FIELDS}}
    failed = [i for i in part["items"] if i.get("outcome") == "failed"]
    part.update(items_total=len(part["items"]),
                items_recorded=sum(1 for i in part["items"] if i.get("outcome") is not None),
                failed_items=[i["code"] for i in failed],
                repair_numbers=sorted(i["repair_number"] for i in failed if i.get("repair_number")))
    doc.update(status=reply["status"], assignee=reply.get("assignee"), cancel_reason=reply.get("cancel_reason"),
               history=[{k: h.get(k) for k in ("at", "action", "actor", "note")} for h in reply.get("history") or ()],
               inspection=part, version=int(reply["version"]))
    _staff_kind_times(doc)
    return _store_ticket(session, doc)


# -- notifications ------------------------------------------------------------------------

def apply_notification(session: Session, data: dict, group_id: str | None = None) -> bool:
    """A unit's notification (others are not the portal's); ``group_id`` when the payload has
    none (a write reply)."""
    unit_id = data.get("unit_id")
    if data.get("recipient_kind", "unit") != "unit" or not unit_id:
        return False
    doc = {name: data.get(name) for name in NOTIFICATION_FIELDS}
    # the household a message was addressed to never changes: a write reply (notify's
    # ``NotificationOut``, e.g. marking it read) does not carry it and keeps the row's
    addressed = "household_id" in data
    return _upsert_newer(session, PortalNotification, "id", {
        "id": doc["id"], "group_id": data.get("group_id") or group_id, "project_id": data["project_id"],
        "unit_id": unit_id, "household_id": data.get("household_id"), "created_at": doc["created_at"],
        "document": dumps(doc), "version": int(doc["version"] or 0),
    }, "version", (("household_id",) if addressed else ()) + ("created_at", "document", "version"))


# -- units: the unit, its household, its account ---------------------------------------------

def _ensure_unit_row(session: Session, unit_id: str, group_id: str, project_id: str) -> None:
    stmt = _insert(session)(PortalUnit).values(
        unit_id=unit_id, group_id=group_id, project_id=project_id, unit_version=0,
        household_version=0, account_version=0).on_conflict_do_nothing(index_elements=["unit_id"])
    session.execute(stmt)


def apply_unit(session: Session, data: dict) -> bool:
    """``unit.changed`` (archive)."""
    doc = {name: data.get(name) for name in UNIT_FIELDS}
    doc["id"] = data.get("unit_id") or data.get("id")
    return _upsert_newer(session, PortalUnit, "unit_id", {
        "unit_id": doc["id"], "group_id": data["group_id"], "project_id": data["project_id"],
        "unit": dumps(doc), "unit_version": int(data["version"]), "household_version": 0,
        "account_version": 0,
    }, "unit_version", ("unit", "unit_version", "group_id", "project_id"))


def apply_account(session: Session, data: dict, group_id: str | None = None) -> bool:
    """``account.balance_changed`` (billing), an account snapshot, or the owner's reply. A closed
    account (``closed_on``: its household no longer pays for the unit -- 过户, a move-out before a
    new move-in) is its old household's, not the unit's: never projected onto the unit (the unit's
    new account follows, its version continuing the unit's)."""
    if data.get("closed_on"):
        return False
    doc = {name: data.get(name) for name in ACCOUNT_FIELDS}
    doc["account_id"] = data.get("account_id") or data.get("id")
    doc["group_id"] = data.get("group_id") or group_id
    doc["currency"] = data.get("currency") or "CNY"
    # when billing stated it: the event's as_of; an owner's reply to a posting has none, and
    # then it is the posting's time (the as_of billing's event for that posting carries)
    doc["as_of"] = data.get("as_of") or data.get("last_posted_at")
    return _upsert_newer(session, PortalUnit, "unit_id", {
        "unit_id": data["unit_id"], "group_id": doc["group_id"], "project_id": data["project_id"],
        "account": dumps(doc), "account_version": int(data.get("version") or 0),
        "unit_version": 0, "household_version": 0,
    }, "account_version", ("account", "account_version"))


def _takes_over(held: dict | None, held_version: int, held_id: str | None, incoming: dict,
                version: int) -> bool:
    """Whether ``incoming`` (a household snapshot) becomes the unit's household."""
    if held_id is None or held is None:
        return True
    if incoming["id"] == held_id:
        return version > held_version
    # another household: a move-in replaces a moved-out one or an earlier move-in; a stale
    # move-out of an earlier household does not displace the current one
    if incoming.get("status") != "active":
        return False
    return held.get("status") != "active" or (incoming.get("moved_in_on") or "") >= (
        held.get("moved_in_on") or "")


def apply_household(session: Session, data: dict, attempts: int = 5) -> bool:
    """``household.changed`` (archive): the unit's current household. People with phones and
    e-mails as archive published them (masked when read); the snapshot has no ID numbers."""
    doc = {name: data.get(name) for name in HOUSEHOLD_FIELDS}
    doc["id"] = data.get("household_id") or data.get("id")
    doc["people"] = [{"id": p.get("person_id") or p.get("id"), "name": p.get("name"),
                      "role": p.get("role"), "phone": p.get("phone"), "email": p.get("email"),
                      "locale": p.get("locale")} for p in data.get("people") or ()]
    version = int(data["version"])
    # whose unit it is (gateway.scopes): a household that moved out takes its residents' scopes
    # with it -- by household id, idempotent, whatever the version (moving out is final), so a
    # replay or a rebuild never reopens nor wrongly ends a scope; an older snapshot than one
    # already seen never binds one
    seen = session.execute(select(PortalHousehold.version)
                           .where(PortalHousehold.household_id == doc["id"])).scalar()
    if doc.get("status") == scopes.MOVED_OUT or seen is None or seen <= version:
        scopes.settle(session, doc)
    # the version rule per household first: a snapshot older than one already seen of the same
    # household (e.g. "active" arriving late after "moved out") changes nothing
    if not _upsert_newer(session, PortalHousehold, "household_id", {
            "household_id": doc["id"], "unit_id": data["unit_id"], "version": version},
            "version", ("unit_id", "version")):
        return False
    _ensure_unit_row(session, data["unit_id"], data["group_id"], data["project_id"])
    for _ in range(attempts):
        row = session.execute(select(PortalUnit.household_id, PortalUnit.household,
                                     PortalUnit.household_version)
                              .where(PortalUnit.unit_id == data["unit_id"])).one()
        held = orjson.loads(row.household) if row.household else None
        if not _takes_over(held, row.household_version, row.household_id, doc, version):
            return False
        # optimistic: applies only if nobody changed the household part meanwhile
        same = (PortalUnit.household_id.is_(None) if row.household_id is None
                else PortalUnit.household_id == row.household_id)
        done = session.execute(update(PortalUnit).where(
            PortalUnit.unit_id == data["unit_id"], same,
            PortalUnit.household_version == row.household_version).values(
            household_id=doc["id"], household=dumps(doc), household_version=version)).rowcount
        if done:
            return True
    return False


# -- goods releases (物品放行单) ------------------------------------------------------------------

#: fields of a goods release document (``goods_release.changed`` without its ``step``; ``release_id``
#: as tickets answers it) -- tickets' ``goods_release.view``: ID numbers masked at the source, no phones
GOODS_RELEASE_FIELDS = ("release_id", "group_id", "project_id", "unit_id", "unit_label", "household_id", "number",
                        "status", "requester", "owner_consent", "mover", "items", "move_at", "note", "identity",
                        "fees", "finance_signed", "finance_signed_at", "issued", "issued_at", "used", "used_at",
                        "voided", "voided_at", "void_reason", "printed", "printed_at", "print_count", "recorded_at",
                        "version", "history")


#: a goods release's times (tickets' columns)
GOODS_RELEASE_TIMES = ("move_at", "finance_signed_at", "issued_at", "used_at", "voided_at", "printed_at",
                       "recorded_at")


def utc_iso(value) -> str | None:
    """A published time as tickets answers it once read back from its database (UTC): an event or a
    write's reply states it as it was given (``+08:00``), a later read in UTC -- the read model keeps one."""
    if not value:
        return value
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return at.astimezone(timezone.utc).isoformat()


def goods_release_document(data: dict) -> dict:
    """A ``goods_release.changed`` payload or tickets' reply (the same view) as the stored document;
    an ID number that came whole (never, from tickets) is masked all the same."""
    doc = {name: data.get(name) for name in GOODS_RELEASE_FIELDS}
    doc["print_count"] = doc["print_count"] or 0               # a document published before the print log
    doc["id"] = data.get("id") or data.get("release_id")       # every front-desk object answers its ``id``
    doc.update({name: utc_iso(doc[name]) for name in GOODS_RELEASE_TIMES})
    doc["history"] = [{**h, "at": utc_iso(h.get("at"))} for h in doc["history"] or ()]
    doc["mover"] = dict(doc["mover"] or {})
    doc["mover"]["id_number_masked"] = mask_id_number(doc["mover"].get("id_number_masked"))
    if doc["identity"]:
        doc["identity"] = {**doc["identity"], "id_number_masked": mask_id_number(doc["identity"].get("id_number_masked"))}
    return doc


def apply_goods_release(session: Session, data: dict) -> bool:
    doc = goods_release_document(data)
    return _upsert_newer(session, PortalGoodsRelease, "id", {
        "id": doc["release_id"], "group_id": doc["group_id"], "project_id": doc["project_id"],
        "unit_id": doc["unit_id"], "household_id": doc["household_id"],
        "requester_user_id": (doc["requester"] or {}).get("user_id"), "number": doc["number"],
        "status": doc["status"], "recorded_at": doc["recorded_at"], "document": dumps(doc),
        "version": int(doc["version"] or 0),
    }, "version", ("group_id", "project_id", "unit_id", "household_id", "requester_user_id", "number", "status",
                   "recorded_at", "document", "version"))


# -- keys (钥匙) --------------------------------------------------------------------------------

KEY_FIELDS = ("id", "group_id", "project_id", "unit_id", "unit_label", "label", "copies", "state", "holder_name",
              "updated_at", "version", "loan")
LOAN_FIELDS = ("loan_id", "party_kind", "party_name", "approved_at", "due_back_at", "deposit_required", "task_id",
               "requested_at", "requested_by", "party_phone_masked", "party_id_number_masked", "proof_ref",
               "purpose", "note", "approved_by", "deposit_ref", "from_state", "deposit_status", "deposit_id",
               "deposit_amount", "deposit_receipt", "consent_id", "earlier_late_returns")
LATE_RETURN_TIMES = ("at", "due_back_at", "returned_at")


def _loan_of_reply(loan: dict) -> dict:
    """tickets' ``loan_view`` (a write's reply to staff) as the event's loan part -- the phone and
    the ID number masked whatever the writer was allowed to see."""
    return {"loan_id": loan.get("id"), "party_kind": loan.get("party_kind"), "party_name": loan.get("party_name"),
            "approved_at": loan.get("approved_at"), "due_back_at": loan.get("due_back_at"),
            "deposit_required": loan.get("deposit_required"), "task_id": loan.get("ticket_id"),
            "requested_at": loan.get("at"), "requested_by": loan.get("by"),
            "party_phone_masked": loan.get("party_phone"), "party_id_number_masked": loan.get("party_id_number"),
            "proof_ref": loan.get("proof_ref"), "purpose": loan.get("purpose"), "note": loan.get("note"),
            "approved_by": loan.get("approved_by"), "deposit_ref": loan.get("deposit_ref"),
            "from_state": loan.get("from_state"), "deposit_status": loan.get("deposit_status"),
            "deposit_id": loan.get("deposit_id"), "deposit_amount": loan.get("deposit_amount"),
            "deposit_receipt": loan.get("deposit_receipt"), "consent_id": loan.get("consent_id"),
            "earlier_late_returns": loan.get("earlier_late_returns")}


def key_document(data: dict) -> dict:
    """A ``key.changed`` payload, or tickets' reply to a staff member's write (``id``, the loan as
    ``loan_view``), as the stored document: never a whole phone or ID number."""
    doc = {name: data.get(name) for name in KEY_FIELDS}
    doc["id"] = data.get("key_id") or data.get("id")
    loan = data.get("loan")
    if loan:
        loan = {k: loan.get(k) for k in LOAN_FIELDS} if "loan_id" in loan else _loan_of_reply(loan)
        loan["party_phone_masked"] = mask_phone(loan["party_phone_masked"])
        loan["party_id_number_masked"] = mask_id_number(loan["party_id_number_masked"])
        loan.update({k: utc_iso(loan.get(k)) for k in ("approved_at", "due_back_at", "requested_at")})
        # the borrower's earlier late returns (a document published before them: none known)
        loan["earlier_late_returns"] = [
            {"loan_id": x.get("loan_id"), "minutes_late": x.get("minutes_late"),
             **{k: utc_iso(x.get(k)) for k in LATE_RETURN_TIMES}} for x in loan.get("earlier_late_returns") or ()]
    doc["loan"] = loan or None
    doc["updated_at"] = utc_iso(doc["updated_at"])
    return doc


def utc_text(value) -> str | None:
    """An ISO-8601 time (tickets states a due time in the project's zone) as UTC text: compares as text."""
    if not value:
        return None
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def apply_key(session: Session, data: dict) -> bool:
    """``key.changed``, a rebuild's page or a staff write's reply (a resident's view has no holder
    nor loan: never projected)."""
    if "key_id" not in data and "holder_name" not in data:
        return False
    doc = key_document(data)
    loan = doc["loan"] or {}
    return _upsert_newer(session, PortalKey, "id", {
        "id": doc["id"], "group_id": doc["group_id"], "project_id": doc["project_id"], "unit_id": doc["unit_id"],
        "state": doc["state"], "due_back_at": utc_text(loan.get("due_back_at")) if doc["state"] == "lent" else None,
        "document": dumps(doc), "version": int(doc["version"] or 0),
    }, "version", ("group_id", "project_id", "unit_id", "state", "due_back_at", "document", "version"))


# -- a write's reply, projected at once (read-your-writes) ------------------------------------

def project_reply(session: Session, kind: str, reply: dict, *, group_id: str | None = None) -> bool:
    """The owner's reply to a write, applied by the same rule as its event."""
    if not isinstance(reply, dict) or reply.get("version") is None:
        return False
    if kind == "ticket":
        return apply_ticket(session, reply)
    if kind == "account":
        return apply_account(session, reply, group_id=group_id)
    if kind == "notification":
        return apply_notification(session, reply, group_id=group_id)
    if kind == "goods_release":
        return apply_goods_release(session, reply)
    if kind == "key":
        return apply_key(session, reply)
    if kind == "round":
        return apply_round_reply(session, reply)
    raise ValueError(kind)
