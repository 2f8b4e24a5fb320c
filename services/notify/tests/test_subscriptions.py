"""The catalogue of notify's subscriptions (``domain/subscriptions.py``) says what the handlers do:
the purposes and channels a ticket's, a complaint's, an SLA alert's and a receipt's event make are
rows of its event."""
from __future__ import annotations

from services.notify import schemas
from services.notify.domain import bills, complaints, settings, tickets
from services.notify.domain.subscriptions import SUBSCRIPTIONS
from services.notify.tests.test_bills import RECEIPT
from services.notify.tests.test_complaints import CENTRE, registered, work
from services.notify.tests.test_domain import G, clock, estate, open_ticket, session  # noqa: F401


def made(notifications) -> set[tuple[str, str]]:
    return {(n.purpose, d.channel) for n in notifications for d in n.deliveries}


def catalogued(event_type: str) -> set[tuple[str, str]]:
    return {(s.purpose, c) for s in SUBSCRIPTIONS if s.event_type == event_type for c in s.channels}


def test_what_the_handlers_make_is_in_the_catalogue(session, clock, estate):
    opened = made(open_ticket(session, clock))
    assert opened == catalogued("ticket.opened")

    settings.set_setting(work(session, clock, CENTRE), "p1", settings.SUPERVISION_PHONE, "0571-88886666",
                         reason="开发商监理部值班电话")
    w = work(session, clock)
    data, event_id = registered("quality", "ev-q")
    quality = complaints.on_complaint_registered(w, data, event_id=event_id, group_id=G, project_id="p1")
    assert made(quality) == catalogued("complaint.registered")
    # another kind of complaint makes nothing
    other, event_id = registered("complaint", "ev-c")
    assert complaints.on_complaint_registered(w, other, event_id=event_id, group_id=G, project_id="p1") == []

    receipt = bills.on_receipt_issued(w, schemas.ReceiptIssuedIn().load(RECEIPT), event_id="ev-r",
                                      group_id=G, project_id="p1")
    # the estate's tenant has an e-mail address (no WeChat account bound)
    assert made(receipt) == catalogued("receipt.issued") - {("receipt", "wechat")}
