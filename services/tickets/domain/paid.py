"""Paid in-home repairs (有偿维修, seed 000 §五): the quote (报价), the resident's consent (同意) or
refusal (拒绝), the charge put on the order at completion (维修收费) -- and the not-covered advice
(不属维修范围的答复). The steps themselves are rows of ``workflow.TABLE``; ``repairs.transition``
calls these for what each step records.

- **Quote**: the assigned technician, on site, lists items of the project's price list by code
  and quantity; each is priced from the list in force that day (the project's local date), the
  total computed here. Only list items: what the resident consents to is the published price
  list, never a free-priced line. A re-quote before consent supersedes the pending quote; a new
  quote after consent supersedes the consented one and needs consent again.
- **Consent / refusal**: the resident of the ticket's household. Refusal cancels the order with
  the reason; its running clocks are cancelled.
- **Charge**: completing a consented repair puts the consented quote on the order as its charge
  (``charge_id``, a fresh uuid: billing's idempotency key) and records ``ticket.charge_posted``
  in the same transaction. A reopened paid repair is rework on the same order: it is completed
  again without a new quote or charge.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from kernel.money import money
from kernel.work import Work

from .. import events
from ..exceptions import QuoteChanged
from ..models import ADVICE_DOCUMENT, ProjectCopy, RepairCharge, RepairQuote, Ticket, TicketDocument
from . import prices

PENDING, CONSENTED, REFUSED, SUPERSEDED = "pending", "consented", "refused", "superseded"
PAID = "in_home_paid"
NOT_COVERED = "not_covered"
CURRENCY = prices.CURRENCY


def current_quote(ticket: Ticket) -> RepairQuote | None:
    """The ticket's latest quote (earlier ones are superseded)."""
    return ticket.quotes[-1] if ticket.quotes else None


def quote(work: Work, ticket: Ticket, lines: list[dict], note: str, now: datetime) -> RepairQuote:
    """Price ``lines`` ([{code, quantity}]) from today's list and make them the ticket's quote."""
    project = work.session.get(ProjectCopy, ticket.project_id)
    on = prices.local_today(work, project)
    priced, total = prices.price_lines(work, project, lines, on)
    earlier = current_quote(ticket)
    if earlier is not None and earlier.status in (PENDING, CONSENTED):
        earlier.status = SUPERSEDED
    caller = work.caller
    new = RepairQuote(id=str(uuid.uuid4()), group_id=ticket.group_id, project_id=ticket.project_id,
                      revision=len(ticket.quotes) + 1, status=PENDING, lines=priced, total=total,
                      priced_on=on, quoted_at=now, quoted_by=caller.user_id,
                      quoted_by_name=caller.name or "", note=note)
    ticket.quotes.append(new)
    return new


def decide(work: Work, ticket: Ticket, quote_id: str, consented: bool, now: datetime,
           reason: str | None = None) -> RepairQuote:
    """The resident's answer to the pending quote they were shown (``quote_id``; the table lets
    this run only when quoted). A quote replaced since is not the one answered: 409
    ``quote_changed`` with the current one, so a consent never lands on a figure not seen."""
    current = current_quote(ticket)
    if current.id != quote_id:
        raise QuoteChanged(f"the quote was replaced: revision {current.revision} is {current.total} {CURRENCY}; "
                           "read it and answer that one", details={
                               "quote_id": current.id, "revision": current.revision, "total": str(current.total)})
    current.status = CONSENTED if consented else REFUSED
    current.decided_at, current.decided_by = now, work.caller.user_id
    current.refusal_reason = None if consented else reason
    return current


def post_charge(work: Work, ticket: Ticket, now: datetime) -> RepairCharge:
    """Put the consented quote on the order as its charge; record ``ticket.charge_posted``."""
    consented = current_quote(ticket)
    charge = RepairCharge(charge_id=str(uuid.uuid4()), ticket_id=ticket.id, quote_id=consented.id,
                          group_id=ticket.group_id, project_id=ticket.project_id, unit_id=ticket.unit_id,
                          household_id=ticket.household_id, lines=[dict(line) for line in consented.lines],
                          total=consented.total, currency=CURRENCY, posted_at=now,
                          posted_by=work.caller.user_id)
    ticket.charge = charge
    work.events.record(events.TICKET_CHARGE_POSTED, charge_payload(ticket, charge),
                       group_id=ticket.group_id, project_id=ticket.project_id)
    return charge


def charge_payload(ticket: Ticket, charge: RepairCharge) -> dict:
    """``ticket.charge_posted`` (events.TicketChargePosted)."""
    return {"charge_id": charge.charge_id, "ticket_id": ticket.id, "number": ticket.number,
            "group_id": charge.group_id, "project_id": charge.project_id, "unit_id": charge.unit_id,
            "household_id": charge.household_id, "lines": _lines(charge.lines),
            "total": money(charge.total), "currency": charge.currency, "posted_at": charge.posted_at}


def _lines(lines: list[dict]) -> list[dict]:
    return [{"code": line["code"], "name": line["name"], "unit": line["unit"], "quantity": line["quantity"],
             "unit_price": money(line["unit_price"]), "amount": money(line["amount"])} for line in lines]


# -- the not-covered reply ---------------------------------------------------------------------

def reply(work: Work, ticket: Ticket, advice: str, now: datetime) -> TicketDocument:
    """The engineering manager's advice on a not-covered request, kept as a document of the ticket."""
    caller = work.caller
    document = TicketDocument(id=str(uuid.uuid4()), ticket_id=ticket.id, group_id=ticket.group_id,
                              project_id=ticket.project_id, kind=ADVICE_DOCUMENT, title="不属维修范围答复",
                              body=advice, written_by=caller.user_id, written_by_name=caller.name or "",
                              written_at=now)
    work.session.add(document)
    work.session.flush()
    work.session.expire(ticket, ["advice_document"])
    return document


# -- the ticket's snapshot parts ------------------------------------------------------------------

def quote_fields(ticket: Ticket) -> dict | None:
    """``quote``: the current quote of a paid repair (None for other repairs, or none yet)."""
    if ticket.category != PAID:
        return None
    current = current_quote(ticket)
    if current is None:
        return None
    return {"quote_id": current.id, "revision": current.revision, "status": current.status,
            "lines": _lines(current.lines), "total": money(current.total), "currency": CURRENCY,
            "priced_on": current.priced_on, "quoted_at": current.quoted_at,
            "quoted_by": {"user_id": current.quoted_by, "name": current.quoted_by_name or ""},
            "note": current.note or "",
            "consented_at": current.decided_at if current.status == CONSENTED else None,
            "refused_at": current.decided_at if current.status == REFUSED else None,
            "refusal_reason": current.refusal_reason}


def charge_fields(ticket: Ticket) -> dict | None:
    """``charge``: what was put on the order at completion (None until then)."""
    if ticket.category != PAID or ticket.charge is None:
        return None
    charge = ticket.charge
    return {"charge_id": charge.charge_id, "lines": _lines(charge.lines), "total": money(charge.total),
            "currency": charge.currency, "posted_at": charge.posted_at}


def advice_fields(ticket: Ticket) -> dict | None:
    """``advice``: the engineering manager's reply to a not-covered request (None until then)."""
    if ticket.category != NOT_COVERED:
        return None
    document = ticket.advice_document
    if document is None:
        return None
    return {"text": document.body, "at": document.written_at,
            "by": {"user_id": document.written_by, "name": document.written_by_name or ""}}

