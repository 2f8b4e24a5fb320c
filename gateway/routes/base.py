"""What every route module shares: the service names, the API prefix, calling as the user."""
from __future__ import annotations

import logging

from .. import accounts

SERVICES = ("archive", "tickets", "billing", "notify")
#: who read residents' contact data through a list, when, how much (one INFO line per read)
audit_log = logging.getLogger("wuye.audit")
V1 = "/api/v1"


def user_view(user) -> dict:
    caller = accounts.caller_for(user)
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "kind": user.kind, "group_id": user.group_id, "roles": sorted(user.role_set),
            "all_projects": user.all_projects, "project_ids": sorted(caller.project_ids),
            "unit_ids": sorted(caller.unit_ids)}


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
