"""What every route module shares: the service names, the API prefix, calling as the user."""
from __future__ import annotations

from .. import accounts

SERVICES = ("archive", "tickets", "billing", "notify")
V1 = "/api/v1"


def user_view(user) -> dict:
    caller = accounts.caller_for(user)
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "kind": user.kind, "group_id": user.group_id, "roles": sorted(user.role_set),
            "all_projects": user.all_projects, "project_ids": sorted(caller.project_ids),
            "unit_ids": sorted(caller.unit_ids)}


class RouteModule:
    """Mixin base: the dependencies (``db``, ``clock``, ``rpc``, ``config``) live on
    :class:`gateway.service.GatewayService`, which inherits every route module."""

    def _as(self, user):
        """A function making RPC calls as the authenticated user (``user`` comes from the route);
        the pool signs the caller for each call's service and method."""
        caller = accounts.caller_for(user)
        return lambda service, method, *args, **kwargs: self.rpc.call(caller, service, method,
                                                                      *args, **kwargs)
