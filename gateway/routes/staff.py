"""Staff accounts (员工账号): a manager deactivates or reactivates a member of their staff -- the
route form of ``wuye-user deactivate|activate``. The rules (who manages whom) are
``gateway/staff.py``; here the order of the work: the refusals first (nothing asked, nothing
written), then tickets is told (``set_staff_active``, as the CLI tells it: a deactivated steward's
planned patrols go to the CS manager), then the account is changed and the reply kept under the
Idempotency-Key (``kernel.idempotency``, the gateway's own ``idempotency_keys``). tickets not
answering is a 503 and the account is left as it was -- never an account off that tickets still
plans patrols for; the same request again (same key) does it."""
from __future__ import annotations

import logging

from kernel import idempotency
from kernel.tenancy import Caller

from .. import schemas as s, staff
from ..models import Base, User
from ..routing import route
from .base import V1, RouteModule

log = logging.getLogger(__name__)
TAGS = ("staff accounts",)
WHO = "CS manager (front desk, stewards), centre manager (the service centre's staff), group admin (any staff)"
ERRORS = (403, 404, 422, 503)
NOT_FOUND = {"user_id": "staff_not_found"}
METHOD = "set_staff_active"
OUT = s.StaffAccountOut()


class StaffRoutes(RouteModule):
    def _staff_active(self, user, user_id: str, active: bool, body: dict, idempotency_key: str) -> dict:
        caller = self._caller(user)
        command = {"user_id": user_id, "active": active, "reason": (body.get("reason") or "").strip()}
        try:
            target = staff.member(self.db, user, user_id)
            earlier = idempotency.earlier_reply(self.db, Base, caller, idempotency_key, METHOD, command)
            name, group_id = target.display_name, target.group_id
        finally:
            self.db.rollback()
        if earlier is not None:
            return earlier
        # tickets first: if it cannot be told (503), the account stays as it was
        self.rpc.call(Caller.system(group_id, "gateway"), "tickets", "set_staff_active", user_id, active, name)

        def run():
            member = staff.member(self.db, user, user_id)
            changed = staff.set_active(member, active, self.clock.now())
            self.db.flush()
            return OUT.dump(staff.view(self.db.get(User, member.id), changed=changed))

        reply = idempotency.run_once(self.db, Base, caller, self.clock, idempotency_key, METHOD, command, run)
        log.info("staff account %s %s by %s%s", user_id, "reactivated" if active else "deactivated", user.id,
                 f" ({command['reason']})" if command["reason"] else "")
        return reply

    @route("POST", f"{V1}/staff-accounts/{{user_id}}/deactivate", tags=TAGS, body=s.StaffActiveIn,
           response=s.StaffAccountOut, idempotent=True, errors=ERRORS, not_found=NOT_FOUND, body_optional=True,
           summary=f"Deactivate a staff member's account: its tokens are revoked, tickets is told ({WHO})",
           description="As `wuye-user deactivate`: the account can no longer log in, and the patrol plan gives a "
                       "deactivated steward nothing -- the areas relying on the steward get their patrols "
                       "unassigned, for the CS manager (the steward's planned patrols not started move at once). "
                       "Again on a deactivated account: `changed` false (tickets told again). The body (`reason`) may be "
                       "left out. 404 staff_not_found (no staff account of your group, or none of your projects: "
                       "as an unknown id), 403 staff_out_of_scope (a role not yours to manage, or a member also of "
                       "projects not yours), 422 own_account, 503 when tickets cannot be told (nothing changed).")
    def deactivate_staff(self, request, user, user_id, body, idempotency_key):
        return self._staff_active(user, user_id, False, body, idempotency_key)

    @route("POST", f"{V1}/staff-accounts/{{user_id}}/activate", tags=TAGS, body=s.StaffActiveIn,
           response=s.StaffAccountOut, idempotent=True, errors=ERRORS, not_found=NOT_FOUND, body_optional=True,
           summary=f"Reactivate a deactivated staff member's account; tickets is told ({WHO})",
           description="As `wuye-user activate`: the member logs in again (tokens revoked at deactivation stay "
                       "revoked), and the patrol plan assigns the steward again from the next patrols planned "
                       "(patrols already given to the CS manager stay there until assigned). Same refusals as "
                       "deactivate.")
    def activate_staff(self, request, user, user_id, body, idempotency_key):
        return self._staff_active(user, user_id, True, body, idempotency_key)
