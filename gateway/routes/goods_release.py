"""Goods release (物品放行): a household's request to move items out, the identity check, finance's
signature once billing says every fee is settled, the numbered pass (FX-YYYYMMDD-NNNN), its use at
the gate and voids. tickets' ``domain/goods_release.py`` holds the rules and who may take which step;
billing is asked by tickets itself (fail closed: 503 billing_unavailable), and archive -- the household
file's people and the identity match of the ID number the desk saw (``match_identity``: matched / not
matched only; fail closed: 503 archive_unavailable). Another project's staff read every pass like a
missing one (404)."""
from __future__ import annotations

from .. import schemas as s
from ..routing import route
from .base import V1, RouteModule

TAGS = ("goods-release",)
DESK = "front desk, steward, CS manager, centre manager"


class GoodsReleaseRoutes(RouteModule):
    @route("POST", f"{V1}/goods-releases", tags=TAGS,
           summary=f"Record a goods release (物品放行单): a resident for their own unit, or the desk ({DESK}) "
                   "-- with the identity check, if done, straight to verified",
           body=s.GoodsReleaseIn, response=s.GoodsReleaseOut, status=201, errors=(400, 403, 404, 422, 503),
           idempotent=True,
           description="requester_role owner | family | tenant | agent. The desk names the requester "
                       "(400 requester_name_required); an owner, family member or tenant is one of the household's "
                       "people in that role in archive's file (422 identity_not_matched; archive not answering: "
                       "503 archive_unavailable). A resident's own request names the resident: requester_name "
                       "omitted or their own, their role as the household file says (an owner is no tenant; "
                       "no agent) -- else 422 identity_not_matched. A tenant's or an agent's release needs "
                       "owner_consent before it is verified. The mover's and the checked person's ID numbers are "
                       "validated and kept masked only; an identity check recorded here is checked as on verify. "
                       "items: at most goods_release.max_items lines (50).")
    def request_goods_release(self, request, user, body, idempotency_key):
        return self._as(user)("tickets", "request_goods_release", s.GoodsReleaseIn().dump(body),
                              idempotency_key=idempotency_key)

    def _goods_release_step(self, user, release_id, action, data, idempotency_key):
        return self._as(user)("tickets", "goods_release_step", release_id, dict(data, action=action),
                              idempotency_key=idempotency_key)

    @route("POST", f"{V1}/goods-releases/{{release_id}}/verify", tags=TAGS,
           summary=f"Record the identity check (核查业主资料) and the owner's consent ({DESK})",
           body=s.GoodsReleaseVerifyIn, response=s.GoodsReleaseOut, errors=(400, 403, 404, 409, 422, 503),
           idempotent=True,
           description="identity.id_number: a number that cannot be one (a resident ID's GB 11643 check digit, "
                       "python-stdnum) is 422 id_number_invalid; archive compares it with the household file's "
                       "for the person checked (match_identity, logged in the file's access log with the goods "
                       "release's purpose) -- not matched is 422 identity_not_matched (Chinese and English); too "
                       "many failed matches for the unit today (archive.identity_match_failures_per_day, 5) is "
                       "422 identity_match_locked; archive not answering is 503 archive_unavailable. An agent "
                       "from outside the household is not in the file: their document is recorded, not matched.")
    def verify_goods_release(self, request, user, release_id, body, idempotency_key):
        return self._goods_release_step(user, release_id, "verify", s.GoodsReleaseVerifyIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/goods-releases/{{release_id}}/approve", tags=TAGS,
           summary="Finance signs the fees settled (财务签字): billing is asked now -- anything unpaid is 409 "
                   "arrears_outstanding naming the amount, billing unreachable 503 billing_unavailable (finance)",
           body=s.GoodsReleaseNoteIn, response=s.GoodsReleaseOut, errors=(403, 404, 409, 422, 503),
           idempotent=True)
    def approve_goods_release(self, request, user, release_id, body, idempotency_key):
        return self._goods_release_step(user, release_id, "approve", s.GoodsReleaseNoteIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/goods-releases/{{release_id}}/issue", tags=TAGS,
           summary=f"Issue the numbered pass (FX-YYYYMMDD-NNNN); billing is asked again -- 409 "
                   f"arrears_outstanding, 503 billing_unavailable ({DESK})",
           body=s.GoodsReleaseNoteIn, response=s.GoodsReleaseOut, errors=(403, 404, 409, 422, 503),
           idempotent=True)
    def issue_goods_release(self, request, user, release_id, body, idempotency_key):
        return self._goods_release_step(user, release_id, "issue", s.GoodsReleaseNoteIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/goods-releases/{{release_id}}/use", tags=TAGS,
           summary="Mark the pass used at the gate, once (security)",
           body=s.GoodsReleaseNoteIn, response=s.GoodsReleaseOut, errors=(403, 404, 409, 422), idempotent=True)
    def use_goods_release(self, request, user, release_id, body, idempotency_key):
        return self._goods_release_step(user, release_id, "use", s.GoodsReleaseNoteIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/goods-releases/{{release_id}}/void", tags=TAGS,
           summary="Void a release or pass not yet used (作废), with the reason (CS manager, centre manager)",
           body=s.GoodsReleaseVoidIn, response=s.GoodsReleaseOut, errors=(403, 404, 409, 422), idempotent=True)
    def void_goods_release(self, request, user, release_id, body, idempotency_key):
        return self._goods_release_step(user, release_id, "void", s.GoodsReleaseVoidIn().dump(body), idempotency_key)

    @route("GET", f"{V1}/goods-releases/{{release_id}}", tags=TAGS,
           summary="One goods release (the unit's residents; the desk, finance, security, managers of the project)",
           response=s.GoodsReleaseOut, errors=(403, 404))
    def get_goods_release(self, request, user, release_id):
        return self._as(user)("tickets", "get_goods_release", release_id)

    @route("GET", f"{V1}/units/{{unit_id}}/goods-releases", tags=TAGS,
           summary="A unit's goods releases, newest first (its residents: their household's; the project's "
                   "desk, finance, security, managers)",
           query=s.GoodsReleaseQuery, response=s.GoodsReleaseListOut, errors=(403, 404))
    def unit_goods_releases(self, request, user, unit_id, query):
        return self._as(user)("tickets", "unit_goods_releases", unit_id, s.GoodsReleaseQuery().dump(query))

    @route("GET", f"{V1}/projects/{{project_id}}/goods-releases/by-number/{{number}}", tags=TAGS,
           summary="The pass shown at the gate, by its number (security, the desk, finance, managers)",
           response=s.GoodsReleaseOut, errors=(403, 404))
    def goods_release_by_number(self, request, user, project_id, number):
        return self._as(user)("tickets", "goods_release_by_number", project_id, number)
