"""Rebuilding the portal's read model from the owners' current snapshots.

Each owner answers ``export_snapshots(kind, after, limit, project_id)`` (the platform only): a
page of the very payloads its events carry, in id order. The pages go through the same
projector as the events, so a rebuild run while events arrive converges too (newest version
wins); ``fresh`` empties the tables first (reads miss meanwhile and are answered by the
owners)."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import PortalGoodsRelease, PortalHousehold, PortalKey, PortalNotification, PortalTicket, PortalUnit
from . import projector

#: (owner, kind, the payload's key, projector) -- units before what refers to them
SOURCES = (
    ("archive", "unit", "unit_id", projector.apply_unit),
    ("archive", "household", "household_id", projector.apply_household),
    ("billing", "account", "account_id", projector.apply_account),
    ("tickets", "ticket", "ticket_id", projector.apply_ticket),
    ("tickets", "goods_release", "release_id", projector.apply_goods_release),
    ("tickets", "key", "key_id", projector.apply_key),
    ("notify", "notification", "id", projector.apply_notification),
)
TABLES = (PortalUnit, PortalTicket, PortalNotification, PortalGoodsRelease, PortalKey)


def clear(session: Session, project_id: str | None = None) -> None:
    for model in TABLES:
        stmt = delete(model)
        if project_id:
            stmt = stmt.where(model.project_id == project_id)
        session.execute(stmt)
    households = delete(PortalHousehold)
    if project_id:                 # the households of the project's units (just cleared above)
        households = households.where(~PortalHousehold.unit_id.in_(select(PortalUnit.unit_id)))
    session.execute(households)


def rebuild(call: Callable, sessions: Callable[[], Session], *, project_id: str | None = None,
            fresh: bool = False, page: int = 200) -> dict[str, int]:
    """``call(service, method, *args)`` as the platform; ``sessions()`` a new gateway session.
    Returns how many snapshots of each kind were replayed."""
    if fresh:
        with sessions() as session:
            clear(session, project_id)
            session.commit()
    counts = {}
    for service, kind, key, apply in SOURCES:
        after, counts[kind] = None, 0
        while True:
            rows = call(service, "export_snapshots", kind, after, page, project_id)
            if rows:
                with sessions() as session:
                    for row in rows:
                        apply(session, row)
                    session.commit()
                counts[kind] += len(rows)
                after = rows[-1][key]
            if len(rows) < page:
                break
    return counts
