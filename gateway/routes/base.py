"""What every route module shares: the service names, the API prefix, calling as the user."""
from __future__ import annotations

import logging

from kernel.tenancy import role_names_zh

from .. import accounts, scopes
from ..errors import HttpError
from ..readmodel import projector

SERVICES = ("archive", "tickets", "billing", "notify")
#: who read residents' contact data through a list, when, how much (one INFO line per read)
audit_log = logging.getLogger("wuye.audit")
log = logging.getLogger(__name__)
V1 = "/api/v1"


def user_view(user) -> dict:
    caller = accounts.caller_for(user)
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "kind": user.kind, "group_id": user.group_id, "roles": sorted(user.role_set),
            "all_projects": user.all_projects, "project_ids": sorted(caller.project_ids),
            "unit_ids": sorted(caller.unit_ids),
            # the households a resident belonged to until they moved out: their closed fee accounts
            # (GET /units/{unit_id}/accounts) stay his to read
            "former_households": [{"unit_id": u, "household_id": h} for u, h in sorted(caller.former_households)]}


def audit_contacts_read(user, what: str, count: int, **query) -> None:
    """Log a read of a list that carries residents' contacts (names, phones)."""
    detail = " ".join(f"{k}={v}" for k, v in sorted(query.items()) if v not in (None, "", False))
    audit_log.info("contacts read: user=%s roles=%s %s rows=%d %s", user.id, ",".join(sorted(user.role_set)),
                   what, count, detail)


class RouteModule:
    """Mixin base: the dependencies (``db``, ``clock``, ``rpc``, ``config``) live on
    :class:`gateway.service.GatewayService`, which inherits every route module."""

    def _as(self, user):
        """A function making RPC calls as the authenticated user (``user`` comes from the route);
        the pool signs the caller for each call's service and method."""
        caller = accounts.caller_for(user)
        return lambda service, method, *args, **kwargs: self.rpc.call(caller, service, method,
                                                                      *args, **kwargs)

    def _caller(self, user):
        return accounts.caller_for(user)

    def _colleague(self, user, user_id: str, roles: frozenset, *, project_id: str | None = None,
                   ticket_id: str | None = None) -> str:
        """The display name of ``user_id`` if it is an active staff account of the caller's group
        with one of ``roles`` and the project in its scope (the project, or the ticket's from the
        read model); else 422 ``unknown_assignee`` -- an order given to nobody, a resident or another
        site's technician would sit where no one can take it."""
        from ..models import PortalTicket, User

        def look(session):
            project = project_id
            if project is None and ticket_id is not None:
                row = session.get(PortalTicket, ticket_id)
                project = row.project_id if row is not None else None
            other = session.get(User, user_id)
            if other is None or not other.active or other.kind != "staff" or other.group_id != user.group_id \
                    or not (other.role_set & roles):
                return None
            if project is not None and not other.all_projects and project not in {s.project_id for s in other.scopes}:
                return None
            return other.display_name
        name = self._read_model(look)
        if name is None:
            raise HttpError(422, "unknown_assignee",
                            f"{user_id!r} is not an active staff member of this project with one of the roles "
                            f"{', '.join(sorted(roles))}",
                            zh=f"{user_id} 不是本项目在职的{role_names_zh(sorted(roles))}")
        return name

    def _read_model(self, view, *args, **kwargs):
        """``view(session, *args)`` on the read model; its connection goes back to the pool
        before the route asks an owner by RPC on a miss (on SQLite a process has one
        connection: held across a slow owner it would stall every other request)."""
        try:
            return view(self.db, *args, **kwargs)
        finally:
            self.db.rollback()

    def _household_left(self, household) -> None:
        """A move-out's answer: the scopes of the household's residents end now, in this request
        (``gateway.scopes``), not only when ``household.changed`` arrives. Moving out is final, so
        a replayed answer ends nothing it should not."""
        if not (isinstance(household, dict) and household.get("status") == scopes.MOVED_OUT
                and household.get("id")):
            return
        try:
            scopes.end_for_household(self.db, household["id"])
        except Exception as exc:      # never fail a write that the owner has committed
            log.warning("could not end the scopes of household %s now (its event will): %s",
                        household["id"], exc)
            self.db.rollback()

    def _project_reply(self, kind: str, reply, user) -> None:
        """Read-your-writes: the owner's reply to a write goes into the read model at once (same
        version rule as its event), committed with this request before the answer. A failure
        here costs only freshness: the GET then misses and asks the owner."""
        try:
            projector.project_reply(self.db, kind, reply, group_id=user.group_id)
        except Exception as exc:      # never fail a write that the owner has committed
            log.warning("could not project the %s reply into the read model: %s", kind, exc)
            self.db.rollback()


def min_version(request, query: dict | None = None) -> int | None:
    """``?min_version=N`` or ``X-Min-Version: N``: the version a client waits for (a write's
    answer carried it); an older read-model row is a miss, answered by the owner."""
    value = (query or {}).get("min_version")
    if value is None:
        raw = request.headers.get("X-Min-Version", "").strip()
        if not raw:
            return None
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
            raise HttpError(400, "invalid_min_version", "X-Min-Version is a non-negative integer",
                            zh="X-Min-Version 须为非负整数")
        value = int(raw)
    return value
