"""Staff accounts deactivated and reactivated by their managers (员工账号停用与启用; no nameko here).

User accounts live in the gateway alone. ``wuye-user deactivate|activate`` (the platform's
operator) and the route ``POST /api/v1/staff-accounts/{user_id}/deactivate|activate`` (a manager)
do the same thing: the account's ``active`` flag, and tickets is told (``set_staff_active``) so
that the patrol plan gives a deactivated steward nothing -- the steward's planned patrols go to the
CS manager. Deactivating also revokes every token (``token_version`` bumped); reactivating does
not give them back: the member logs in again.

**Who manages whom** (:data:`MANAGES`): the CS manager (客服部经理) the customer-service department's
front desk and stewards; the centre manager (服务中心经理) the service centre's staff below the
centre manager; the group admin (集团管理员) any staff account of the group. A project manager only
acts on a member all of whose projects are among the manager's (a group-wide account is the group
admin's). Nobody (de)activates their own account (the group would lose its last admin by a slip).
A resident's account, another group's, a member of none of a project manager's projects or an unknown
id is ``404 staff_not_found`` alike -- no name, no role (a resident's account is ended with the unit,
``gateway.scopes``).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kernel.errors import Forbidden, NotFound, RuleViolation
from kernel.tenancy import STAFF, Role, role_names_zh

from .models import User

#: the roles a manager's role may (de)activate: a member is theirs if every role of the member is here
MANAGES: dict[str, frozenset] = {
    Role.CS_MANAGER: frozenset({Role.FRONT_DESK, Role.STEWARD}),
    Role.CENTRE_MANAGER: frozenset({Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.ENGINEERING,
                                    Role.ENGINEERING_MANAGER, Role.SECURITY, Role.FINANCE}),
    Role.GROUP_ADMIN: frozenset(Role.STAFF),
}
#: who may call the routes at all
MANAGER_ROLES = tuple(MANAGES)


def _projects(user) -> frozenset:
    return frozenset(s.project_id for s in user.scopes
                     if s.unit_id is None and s.project_id and getattr(s, "ended_at", None) is None)


def member(session: Session, actor, user_id: str) -> User:
    """The staff account ``actor`` (the gateway's user, a manager) may (de)activate -- else a typed
    refusal: ``403 role_required`` (not a manager), ``404 staff_not_found`` (no staff account of the
    actor's group, or -- a project manager -- of none of the actor's projects: another project's staff
    read like an unknown id, their name not told), ``422 own_account``, ``403 staff_out_of_scope`` (a role
    not the actor's to manage, a group-wide member, a member also of projects not the actor's)."""
    roles = set(actor.role_set)
    if actor.kind != STAFF or not roles & set(MANAGER_ROLES):
        raise Forbidden(f"this needs one of the roles: {', '.join(sorted(MANAGER_ROLES))}", code="role_required",
                        zh=f"需要以下角色之一：{role_names_zh(sorted(MANAGER_ROLES))}")
    target = session.get(User, user_id)
    own = _projects(actor)
    if (target is None or target.kind != STAFF or target.group_id != actor.group_id
            or (not actor.all_projects and not target.all_projects and not _projects(target) & own)):
        raise NotFound(f"no staff account {user_id}", code="staff_not_found", zh="未找到该员工账号")
    if target.id == actor.id:
        raise RuleViolation("nobody deactivates or reactivates their own account", code="own_account",
                           zh="不能停用或启用自己的账号")
    managed = frozenset().union(*(MANAGES[r] for r in roles if r in MANAGES))
    if not target.role_set <= managed or (
            not actor.all_projects and (target.all_projects or not _projects(target) <= own)):
        raise Forbidden(f"{target.display_name}'s account is not yours to manage: you manage "
                        f"{', '.join(sorted(managed))} of your projects", code="staff_out_of_scope",
                        zh=f"该员工账号不在您的管理范围内（您管理本项目的：{role_names_zh(sorted(managed))}）")
    return target


def set_active(user: User, active: bool, now: datetime) -> bool:
    """The account's ``active`` flag; deactivating revokes its tokens. True if it changed."""
    if user.active == active:
        return False
    user.active = active
    if not active:
        user.token_version += 1
    user.updated_at = now
    return True


def view(user: User, *, changed: bool) -> dict:
    """The account as the routes answer it (no password, no token)."""
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "roles": sorted(user.role_set), "project_ids": sorted(_projects(user)),
            "all_projects": user.all_projects, "active": user.active, "changed": changed,
            "updated_at": user.updated_at.isoformat() if user.updated_at else None}
