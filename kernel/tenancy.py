"""Who is calling, and for which group, projects and units.

The gateway authenticates a user and builds a :class:`Caller`; it travels in
nameko context data (key ``caller``) with an HMAC signature (``caller_sig``)
made with the platform secret, so a service can tell a caller the gateway
vouched for from anything else put on the broker. The signature also covers
claims (``caller_claims``): issued-at, a short expiry, the one service and
method the call is for, and a request id -- a context is signed per call and
is good for that call only (see :func:`context_for`). Every service checks the
caller itself -- the gateway's checks are a convenience, not the guard.

Scope rules (DOMAIN.md "Who uses it"):
- staff see only the projects they are assigned to (``project_ids``), or every
  project of their group when ``all_projects`` (general manager, group admin);
- a resident sees only their own units (``unit_ids``), and of a unit's records those of their
  own household (``households``: unit -> the household their scope is bound to; a record filed by
  an earlier household of the unit -- before a transfer 过户 or a move-out 迁出 -- is not theirs:
  :meth:`Caller.sees_household`);
- a resident whose household has LEFT a unit no longer sees the unit; the gateway still signs the
  households he belonged to there (``former_households``: his scopes that ended because that very
  household moved out) so that the records that stay that household's -- billing's closed fee
  account (原业主账户) -- remain readable by him, and by no one else (:meth:`Caller.belonged_to`);
- ``system`` is the platform itself (timers, event handlers, the demo seeder).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field

from .errors import Forbidden, NotFound, Unauthenticated


class Role:
    """Staff roles from the seeds; values are what tokens and the DB store."""

    FRONT_DESK = "front_desk"                  # 总台接待
    STEWARD = "steward"                        # 管家 / 用户主任 / 片区管理员
    ENGINEERING = "engineering"                # 工程部
    ENGINEERING_MANAGER = "engineering_manager"
    SECURITY = "security"                      # 护卫部
    FINANCE = "finance"                        # 财务 / 出纳
    CS_MANAGER = "cs_manager"                  # 客服部经理
    CENTRE_MANAGER = "centre_manager"          # 服务中心经理
    GENERAL_MANAGER = "general_manager"        # 总经理
    GROUP_ADMIN = "group_admin"                # platform administrator of a group
    AUDITOR = "auditor"                        # 审计: reads the household files' access log, nothing else there
    RESIDENT = "resident"                      # 业户
    SYSTEM = "system"

    STAFF = frozenset({
        FRONT_DESK, STEWARD, ENGINEERING, ENGINEERING_MANAGER, SECURITY, FINANCE,
        CS_MANAGER, CENTRE_MANAGER, GENERAL_MANAGER, GROUP_ADMIN, AUDITOR,
    })
    #: the customer-service department (客服部), who keep the household files
    CUSTOMER_SERVICE = frozenset({FRONT_DESK, STEWARD, CS_MANAGER, CENTRE_MANAGER})
    ALL = STAFF | {RESIDENT, SYSTEM}


#: each role in the words staff use (a CSV of the access log, an error's Chinese sentence)
ROLE_NAMES_ZH = {
    Role.FRONT_DESK: "总台接待", Role.STEWARD: "管家", Role.ENGINEERING: "工程部",
    Role.ENGINEERING_MANAGER: "工程部经理", Role.SECURITY: "护卫部", Role.FINANCE: "财务",
    Role.CS_MANAGER: "客服部经理", Role.CENTRE_MANAGER: "服务中心经理", Role.GENERAL_MANAGER: "总经理",
    Role.GROUP_ADMIN: "集团管理员", Role.AUDITOR: "审计", Role.RESIDENT: "业户", Role.SYSTEM: "系统",
}


def role_names_zh(roles) -> str:
    """``roles`` (codes, or one comma-separated string as the access log keeps them) in words, joined
    with 、 in the order given (an unknown code as it is)."""
    if isinstance(roles, str):
        roles = [r for r in roles.split(",") if r]
    return "、".join(ROLE_NAMES_ZH.get(r, r) for r in roles)


STAFF, RESIDENT, SYSTEM = "staff", "resident", "system"


@dataclass(frozen=True)
class Caller:
    user_id: str
    kind: str                      # staff | resident | system
    group_id: str | None
    roles: frozenset = field(default_factory=frozenset)
    project_ids: frozenset = field(default_factory=frozenset)
    unit_ids: frozenset = field(default_factory=frozenset)
    all_projects: bool = False
    name: str = ""
    #: a resident's ``(unit_id, household_id)`` pairs: the household each unit's scope is bound to
    #: (gateway.scopes); a unit of ``unit_ids`` with no pair is an unbound scope (household unknown)
    households: frozenset = field(default_factory=frozenset)
    #: a resident's ``(unit_id, household_id)`` pairs of the scopes that ENDED because the household they
    #: were bound to moved out (迁出, the old owners of a transfer 过户; gateway.scopes) -- not a unit he
    #: sees any more: only that household's own records that outlive its stay (a closed fee account)
    former_households: frozenset = field(default_factory=frozenset)

    # -- construction -------------------------------------------------------
    @classmethod
    def system(cls, group_id: str | None = None, name: str = "system") -> "Caller":
        return cls(user_id=f"system:{name}", kind=SYSTEM, group_id=group_id,
                   roles=frozenset({Role.SYSTEM}), all_projects=True, name=name)

    def to_dict(self) -> dict:
        return {
            "user_id": self.user_id, "kind": self.kind, "group_id": self.group_id,
            "roles": sorted(self.roles), "project_ids": sorted(self.project_ids),
            "unit_ids": sorted(self.unit_ids), "all_projects": self.all_projects,
            "name": self.name, "households": {u: h for u, h in sorted(self.households)},
            **({"former_households": [[u, h] for u, h in sorted(self.former_households)]}
               if self.former_households else {}),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Caller":
        kind = d.get("kind")
        if kind not in (STAFF, RESIDENT, SYSTEM):
            raise Unauthenticated(f"unknown caller kind {kind!r}", code="bad_caller", zh="调用者类型无法识别")
        return cls(
            user_id=str(d["user_id"]), kind=kind, group_id=d.get("group_id"),
            roles=frozenset(d.get("roles") or ()), project_ids=frozenset(d.get("project_ids") or ()),
            unit_ids=frozenset(d.get("unit_ids") or ()), all_projects=bool(d.get("all_projects")),
            name=d.get("name") or "",
            households=frozenset((str(u), str(h)) for u, h in (d.get("households") or {}).items() if h),
            former_households=frozenset((str(pair[0]), str(pair[1])) for pair in (d.get("former_households") or ())
                                        if isinstance(pair, (list, tuple)) and len(pair) == 2 and pair[1]),
        )

    # -- questions ----------------------------------------------------------
    @property
    def is_system(self) -> bool:
        return self.kind == SYSTEM

    @property
    def is_staff(self) -> bool:
        return self.kind == STAFF

    @property
    def is_resident(self) -> bool:
        return self.kind == RESIDENT

    def has_role(self, *roles: str) -> bool:
        return self.is_system or bool(self.roles.intersection(roles))

    def in_group(self, group_id: str) -> bool:
        return self.is_system and self.group_id is None or self.group_id == group_id

    def sees_project(self, group_id: str, project_id: str) -> bool:
        if not self.in_group(group_id):
            return False
        if self.is_system or (self.is_staff and self.all_projects):
            return True
        if self.is_staff:
            return project_id in self.project_ids
        return False

    def sees_unit(self, group_id: str, project_id: str, unit_id: str) -> bool:
        if self.is_resident:
            return self.in_group(group_id) and unit_id in self.unit_ids
        return self.sees_project(group_id, project_id)

    def household_of(self, unit_id: str) -> str | None:
        """The household a resident's scope of ``unit_id`` is bound to (None: unbound, or not theirs)."""
        for unit, household in self.households:
            if unit == unit_id:
                return household
        return None

    def sees_household(self, group_id: str, project_id: str, unit_id: str | None,
                       household_id: str | None, *, current: str | None = None) -> bool:
        """A record of a unit filed for ``household_id`` (a ticket, a release, ...): staff as for
        the project; a resident only when the unit is theirs AND the record is their household's --
        the household their scope is bound to, or (an unbound scope) ``current``, the unit's
        household as the service knows it. A record of no household (a public area, filed before
        the unit had one) is the unit's: its residents see it. One rule for every resident read."""
        if not self.is_resident:
            return self.sees_project(group_id, project_id)
        if not unit_id or not self.sees_unit(group_id, project_id, unit_id):
            return False
        if household_id is None:
            return True
        bound = {h for u, h in self.households if u == unit_id}
        if bound:
            return household_id in bound
        return current is None or current == household_id

    def belonged_to(self, unit_id: str | None, household_id: str | None) -> bool:
        """A resident: ``household_id`` of ``unit_id`` is the household one of his scopes of the unit is
        bound to now (``households``) or was bound to until it moved out (``former_households``). Only a
        bound scope counts -- an unbound one (household unknown) or one the desk revoked proves nothing.
        Staff and the platform: False (they have their own rule)."""
        if not self.is_resident or not unit_id or not household_id:
            return False
        pair = (unit_id, household_id)
        return pair in self.households or pair in self.former_households

    # -- guards (raise typed errors) ---------------------------------------
    def require_role(self, *roles: str) -> None:
        if not self.has_role(*roles):
            raise Forbidden(f"this needs one of the roles: {', '.join(sorted(roles))}",
                            code="role_required", zh=f"需要以下角色之一：{role_names_zh(sorted(roles))}")

    def require_system(self) -> None:
        """The platform only (e.g. a read model's rebuild reading an owner's snapshots)."""
        if not self.is_system:
            raise Forbidden("the platform only", code="system_only", zh="仅限系统调用")

    def require_staff(self) -> None:
        if not (self.is_staff or self.is_system):
            raise Forbidden("staff only", code="staff_only", zh="仅限员工")

    # A resident's probe, or anyone's probe of another group, learns nothing: the guard raises
    # ``not_found`` -- the very error the caller raises for an id that does not exist, so
    # status, code and message are identical. Staff of the group probing a project outside
    # their scope get 403 (the group's projects are no secret to its staff) -- unless the
    # object's area conceals it (``conceal``: archive's household files, documents, grants and
    # census tasks answer 404 to another project's staff too, as for an id that does not exist).
    def require_project(self, group_id: str, project_id: str, *, not_found: NotFound,
                        conceal: bool = False) -> None:
        """``not_found`` is the error the caller raises for an id that does not exist: a probe of
        another group (or a resident's) gets exactly it, so "not yours" reads like "no such";
        ``conceal``: another project's staff get it too."""
        if not self.sees_project(group_id, project_id):
            if conceal or self.is_resident or not self.in_group(group_id):
                raise not_found
            raise Forbidden("project outside the caller's scope", code="project_out_of_scope",
                            zh="该项目不在您的权限范围内")

    def require_unit(self, group_id: str, project_id: str, unit_id: str, *, not_found: NotFound,
                     conceal: bool = False) -> None:
        """As :meth:`require_project`, for one unit."""
        if not self.sees_unit(group_id, project_id, unit_id):
            if conceal or self.is_resident or not self.in_group(group_id):
                raise not_found
            raise Forbidden("unit outside the caller's scope", code="project_out_of_scope",
                            zh="该房屋不在您的权限范围内")

    def require_household(self, group_id: str, project_id: str, unit_id: str | None,
                          household_id: str | None, *, not_found: NotFound, current: str | None = None,
                          conceal: bool = False) -> None:
        """As :meth:`require_unit`, for a record of one household of a unit (:meth:`sees_household`):
        a resident's read of an earlier household's record gets ``not_found``, like a missing id."""
        if self.is_resident:
            if not self.sees_household(group_id, project_id, unit_id, household_id, current=current):
                raise not_found
            return
        self.require_project(group_id, project_id, not_found=not_found, conceal=conceal)


# -- signing ----------------------------------------------------------------

def _canonical(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(data: dict, secret: str) -> str:
    return hmac.new(secret.encode(), _canonical(data), hashlib.sha256).hexdigest()


def verify(data: dict, signature: str | None, secret: str) -> bool:
    return bool(signature) and hmac.compare_digest(sign(data, secret), signature)


CONTEXT_KEY, CLAIMS_KEY, SIGNATURE_KEY = "caller", "caller_claims", "caller_sig"

#: how long a signed caller context is good for (config ``CALLER_CONTEXT_TTL``, seconds)
DEFAULT_CONTEXT_TTL = 60.0
#: how far the signer's and the service's clocks may disagree (``CALLER_CONTEXT_SKEW``, seconds)
DEFAULT_CLOCK_SKEW = 5.0


def caller_payload(caller: Caller) -> str:
    """The caller as the JSON text a context carries; made once per ``Caller`` object (it is
    frozen: the gateway keeps one per cached user and signs it for every call)."""
    payload = caller.__dict__.get("_payload_json")
    if payload is None:
        payload = json.dumps(caller.to_dict(), sort_keys=True, ensure_ascii=False)
        object.__setattr__(caller, "_payload_json", payload)
    return payload


def context_for(caller: Caller, secret: str, service: str, method: str, *,
                ttl: float = DEFAULT_CONTEXT_TTL, now: float | None = None,
                request_id: str | None = None) -> dict:
    """The nameko context data that carries ``caller`` to one call: ``service.method``.

    Signed together with the caller: when it was issued, when it expires (``ttl``
    seconds later), the one service and method it is for, and a fresh request id --
    so a captured context cannot be replayed later, nor on another method. Times
    are wall-clock seconds (``time.time()``), not the platform clock a test may move.
    """
    issued = time.time() if now is None else now
    payload = caller_payload(caller)
    claims = json.dumps({"iat": round(issued, 3), "exp": round(issued + ttl, 3), "service": service,
                         "method": method, "rid": request_id or uuid.uuid4().hex},
                        sort_keys=True, separators=(",", ":"))
    return {CONTEXT_KEY: payload, CLAIMS_KEY: claims,
            SIGNATURE_KEY: sign({"caller": payload, "claims": claims}, secret)}


@dataclass(frozen=True)
class VerifiedContext:
    caller: Caller
    request_id: str
    issued_at: float
    expires_at: float


def verify_context(context: dict, secret: str, service: str, method: str, *,
                   now: float | None = None, skew: float = DEFAULT_CLOCK_SKEW) -> VerifiedContext:
    """Check a context made by :func:`context_for` for a call of ``service.method``.

    Refused (``Unauthenticated``): no caller (``no_caller``), a signature that does
    not verify over the caller and every claim (``bad_caller_signature``), a context
    past its expiry or issued in the future by more than ``skew`` seconds
    (``caller_context_expired``), one signed for another service or method
    (``caller_context_wrong_target``).
    """
    payload, claims_text = context.get(CONTEXT_KEY), context.get(CLAIMS_KEY)
    if not payload:
        raise Unauthenticated("no caller in the request context", code="no_caller", zh="请求中没有调用者身份")
    if not claims_text or not verify({"caller": payload, "claims": claims_text},
                                     context.get(SIGNATURE_KEY), secret):
        raise Unauthenticated("caller signature does not verify", code="bad_caller_signature", zh="调用者签名校验未通过")
    try:
        data, claims = json.loads(payload), json.loads(claims_text)
        issued, expires = float(claims["iat"]), float(claims["exp"])
        target, request_id = (claims["service"], claims["method"]), str(claims["rid"])
    except (ValueError, KeyError, TypeError):
        raise Unauthenticated("caller context is malformed", code="bad_caller", zh="调用者上下文格式有误") from None
    now = time.time() if now is None else now
    if now > expires + skew or issued > now + skew:
        raise Unauthenticated("the caller context has expired (or is not yet valid)",
                              code="caller_context_expired", zh="调用者上下文已过期（或尚未生效）",
                              details={"issued_at": issued, "expires_at": expires})
    if target != (service, method):
        raise Unauthenticated(f"the caller context is for {target[0]}.{target[1]}, "
                              f"not {service}.{method}", code="caller_context_wrong_target",
                              zh="调用者上下文不是签给本服务本方法的")
    return VerifiedContext(Caller.from_dict(data), request_id, issued, expires)


def caller_from_context(context: dict, secret: str, service: str, method: str, *,
                        now: float | None = None, skew: float = DEFAULT_CLOCK_SKEW) -> Caller:
    return verify_context(context, secret, service, method, now=now, skew=skew).caller
