"""tickets' 物品放行 (goods releases, domain/goods_release.py): billing and archive asked, fail closed -- wiring
only, inherited by :class:`~services.tickets.service.TicketsService`."""
from __future__ import annotations

from kernel import fees
from kernel.entrypoints import rpc
from kernel.validators import IdNumberInvalid

from .. import schemas
from ..domain import goods_release
from ..exceptions import (ArchiveUnavailable, BillingUnavailable, IdentityMatchLocked, IdentityNotMatched,
                          IdNumberNotOnFile, NoFeeAccount)

GOODS_RELEASE_IN = schemas.GoodsReleaseIn()
GOODS_RELEASE_STEP_IN = schemas.GoodsReleaseStepIn()
GOODS_RELEASE_OUT = schemas.GoodsReleaseOut()
GOODS_RELEASE_LIST_OUT = schemas.GoodsReleaseListOut()


class GoodsReleaseRpcs:
    # -- goods releases (物品放行, domain/goods_release.py) ---------------------------------
    def _ask_fees(self, work):
        """billing's ``has_arrears`` for the unit, asked as the caller now; no answer is
        ``billing_unavailable``, no fee account ``no_fee_account`` (``kernel.fees``: fail closed)."""
        return fees.ask_arrears(self.billing, work.caller, unavailable=BillingUnavailable, no_account=NoFeeAccount)

    def _ask_household(self, work):
        """The people (name, role) of the unit's household in archive's file, read as the caller
        with the goods release's purpose (logged there); no answer is ``archive_unavailable``."""
        caller = work.caller

        def ask(unit_id):
            reply = self.archive.ask(caller, "archive", "contacts_for_notify", unit_id=unit_id,
                                     purpose=goods_release.ARCHIVE_PURPOSE, unavailable=ArchiveUnavailable)
            return [{"name": p["name"], "role": p["role"]} for p in reply.get("people") or ()]
        return ask

    def _ask_identity(self, work, purpose=goods_release.ARCHIVE_PURPOSE, roles=None):
        """archive's ``match_identity`` as the caller, with ``purpose`` -- the goods release's, or a key's
        collection (keys.ARCHIVE_PURPOSE, rpcs/keys.py, ``roles`` its owners: anyone else is a failed match
        there) -- logged there:
        matched / not matched; too many failed matches today is ``identity_match_locked``; no answer is
        ``archive_unavailable`` (fail closed)."""
        caller = work.caller

        def ask(unit_id, name, id_number, id_type):
            extra = {"roles": list(roles)} if roles else {}
            return self.archive.ask(caller, "archive", "match_identity", unit_id=unit_id, name=name,
                                    id_number=id_number, id_type=id_type, purpose=purpose, **extra,
                                    unavailable=ArchiveUnavailable,
                                    refusals={"identity_match_locked": IdentityMatchLocked,
                                              "id_number_invalid": IdNumberInvalid,
                                              "id_number_not_on_file": IdNumberNotOnFile,
                                              "household_not_found": IdentityNotMatched})
        return ask

    @rpc
    def request_goods_release(self, data, idempotency_key=None):
        """Record a goods release: a resident for their own unit, the desk for a resident (with the
        identity check, if done)."""
        work, command = self.work(), GOODS_RELEASE_IN.load(data)
        return work.idempotent(idempotency_key, "request_goods_release", command, lambda: GOODS_RELEASE_OUT.dump(
            goods_release.view(goods_release.request(work, command, self._ask_household(work),
                                                    self._ask_identity(work)), work.caller)))

    @rpc
    def goods_release_step(self, release_id, data, idempotency_key=None):
        """verify | approve_attestation | approve | issue | use | void | withdraw (goods_release.TABLE); approve
        and issue ask billing."""
        work, command = self.work(), GOODS_RELEASE_STEP_IN.load(data)
        command["release_id"] = str(release_id)
        return work.idempotent(idempotency_key, "goods_release_step", command, lambda: GOODS_RELEASE_OUT.dump(
            goods_release.view(goods_release.step(work, command["release_id"], command, self._ask_fees(work),
                                                  self._ask_household(work), self._ask_identity(work)),
                               work.caller)))

    @rpc
    def get_goods_release(self, release_id):
        work = self.work()
        return GOODS_RELEASE_OUT.dump(goods_release.view(goods_release.get(work, str(release_id)), work.caller))

    @rpc
    def goods_release_by_number(self, project_id, number):
        """The pass shown at the gate, by its number (security, the desk, managers)."""
        work = self.work()
        return GOODS_RELEASE_OUT.dump(goods_release.view(
            goods_release.by_number(work, str(project_id), str(number)[:40]), work.caller))

    @rpc
    def unit_goods_releases(self, unit_id, query=None):
        q = schemas.GoodsReleaseQuery().load(query or {})
        work = self.work()
        rows = goods_release.for_unit(work, str(unit_id), q["limit"], q["offset"])
        return GOODS_RELEASE_LIST_OUT.dump({"items": [goods_release.view(r, work.caller) for r in rows]})
