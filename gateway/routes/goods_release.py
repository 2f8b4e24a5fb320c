"""Goods release (物品放行): a household's request to move items out, the identity check, finance's
signature once billing says every fee is settled, the numbered pass (FX-YYYYMMDD-NNNN), its use at
the gate and voids. tickets' ``domain/goods_release.py`` holds the rules and who may take which step;
billing is asked by tickets itself (fail closed: 503 billing_unavailable), and archive -- the household
file's people and the identity match of the ID number the desk saw (``match_identity``: matched / not
matched only; fail closed: 503 archive_unavailable). Another project's staff read every pass like a
missing one (404).

Writes go to tickets by RPC; the reply is projected into the portal's read model at once
(read-your-writes). Reads -- a household's passes, one pass, the gate's passes of a day and by
number -- come from the read model (``goods_release.changed``); a miss (not projected yet, older than
``min_version``, not the caller's) is tickets' answer."""
from __future__ import annotations

from nameko.exceptions import RemoteError

from kernel.errors import parse_remote_error
from kernel.tenancy import role_names_zh

from .. import schemas as s
from ..errors import HttpError
from ..readmodel import views
from ..routing import route
from .base import V1, RouteModule, min_version

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
                       "omitted or their own (compared normalised: NFKC, blanks dropped), who they are and their role as the household file says (archive resolves their person: requester.person_id) (an owner is no tenant; "
                       "no agent) -- else 422 identity_not_matched. A tenant's or an agent's release needs "
                       "owner_consent before it is verified. The mover's and the checked person's ID numbers are "
                       "validated and kept masked only; an identity check recorded here is checked as on verify. "
                       "items: at most goods_release.max_items lines (50). "
                       "move_at: not earlier than goods_release.move_at_past_tolerance_minutes (60) ago (422 "
                       "move_at_past), not later than goods_release.move_at_max_days_ahead (30) days ahead (422 "
                       "move_at_too_far).")
    def request_goods_release(self, request, user, body, idempotency_key):
        return self._goods_release_reply(self._as(user)("tickets", "request_goods_release",
                                                        s.GoodsReleaseIn().dump(body), idempotency_key=idempotency_key),
                                         user)

    def _goods_release_reply(self, reply, user):
        """Read-your-writes: tickets' answer into the read model -- unless its free text came masked for the
        writer (finance, the gate, a resident): the event brings it as written."""
        if not views.release_text_masked(reply) or views.unmasked_release(self._caller(user), reply):
            self._project_reply("goods_release", reply, user)
        return _in_zone(reply)

    def _goods_release_step(self, user, release_id, action, data, idempotency_key):
        return self._goods_release_reply(self._as(user)("tickets", "goods_release_step", release_id,
                                                        dict(data, action=action), idempotency_key=idempotency_key),
                                         user)

    @route("POST", f"{V1}/goods-releases/{{release_id}}/verify", tags=TAGS,
           summary=f"Record the identity check (核查业主资料) and the owner's consent ({DESK})",
           body=s.GoodsReleaseVerifyIn, response=s.GoodsReleaseOut, errors=(400, 403, 404, 409, 422, 503),
           idempotent=True,
           description="identity.id_number: a number that cannot be one (a resident ID's GB 11643 check digit, "
                       "python-stdnum) is 422 id_number_invalid; archive compares it with the household file's "
                       "for the person checked (match_identity, logged in the file's access log with the goods "
                       "release's purpose) -- not matched is 422 identity_not_matched (Chinese and English); too "
                       "many failed matches for the unit today (archive.identity_match_failures_per_day, 5) is "
                       "422 identity_match_locked (per desk user; the CS manager lifts it: POST "
                       "/units/{unit_id}/identity-match/unlock); a person of the file in the requester's role with no "
                       "ID number on file is 422 id_number_not_on_file (counted like a failed match: attested: true "
                       "in person records the document seen, matched_archive false; anyone else is "
                       "identity_not_matched) -- an attested check leaves the release attested until a CS "
                       "manager or centre manager who did not attest it approves it (POST .../approve-attestation); "
                       "archive not answering is 503 archive_unavailable. A tenant's or "
                       "an agent's (代办) release is verified only with owner_consent {name, how: in_person | "
                       "by_phone, id_number}: the owner matched in the file; an agent's own document is recorded "
                       "(masked), not matched.")
    def verify_goods_release(self, request, user, release_id, body, idempotency_key):
        return self._goods_release_step(user, release_id, "verify", s.GoodsReleaseVerifyIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/goods-releases/{{release_id}}/approve-attestation", tags=TAGS,
           summary="Approve an attested in-person check (主管复核): attested -> verified (CS manager, centre "
                   "manager -- never who attested it)",
           body=s.GoodsReleaseNoteIn, response=s.GoodsReleaseOut, errors=(403, 404, 409, 422), idempotent=True,
           description="A check the desk attested (identity.attested: the file holds no ID number, the document "
                       "was seen in person) leaves the release attested; finance cannot sign it (409 "
                       "transition_not_allowed) until a CS manager or centre manager approves it here. Who "
                       "attested it is 422 own_attestation (four eyes); anyone else 422 not_your_step; a release "
                       "not attested 409 transition_not_allowed. Recorded as identity.reviewed {user_id, name, "
                       "at, note}; a new check of the release (verify) needs a new approval when attested again.")
    def approve_goods_release_attestation(self, request, user, release_id, body, idempotency_key):
        return self._goods_release_step(user, release_id, "approve_attestation", s.GoodsReleaseNoteIn().dump(body),
                                        idempotency_key)

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
           summary="Mark the pass used at the gate, once, on its moving day (security)",
           body=s.GoodsReleaseNoteIn, response=s.GoodsReleaseOut, errors=(403, 404, 409, 422), idempotent=True,
           description="The pass is good at the gate from the start of its moving day (the project's local day "
                       "of move_at) to the day's end plus goods_release.use_hours_after_move_day (6 h): before or "
                       "after it, 409 pass_outside_window (Chinese and English, naming the window; details: "
                       "move_at, valid_from, valid_until, now, reason too_early | expired) and nothing is "
                       "written -- an expired pass is voided and a new one issued for the new day.")
    def use_goods_release(self, request, user, release_id, body, idempotency_key):
        return self._goods_release_step(user, release_id, "use", s.GoodsReleaseNoteIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/goods-releases/{{release_id}}/withdraw", tags=TAGS,
           summary="Withdraw a request not yet signed by finance (撤回): the resident who asked, or the desk "
                   f"({DESK}); requested | verified -> withdrawn, notify tells nobody",
           body=s.GoodsReleaseWithdrawIn, response=s.GoodsReleaseOut, errors=(403, 404, 409, 422), idempotent=True)
    def withdraw_goods_release(self, request, user, release_id, body, idempotency_key):
        return self._goods_release_step(user, release_id, "withdraw", s.GoodsReleaseWithdrawIn().dump(body),
                                        idempotency_key)

    @route("POST", f"{V1}/units/{{unit_id}}/identity-match/unlock", tags=TAGS,
           summary="Lift a unit's identity-match lock for the day (解除核验锁定), with the reason (CS manager, "
                   "centre manager); logged in the household file's access log",
           body=s.IdentityUnlockIn, response=s.IdentityUnlockOut, errors=(400, 403, 404), idempotent=True)
    def unlock_identity_match(self, request, user, unit_id, body, idempotency_key):
        return self._as(user)("archive", "unlock_identity_match", unit_id, body["reason"],
                              idempotency_key=idempotency_key)

    @route("POST", f"{V1}/goods-releases/{{release_id}}/void", tags=TAGS,
           summary="Void a release or pass not yet used (作废), with the reason (CS manager, centre manager)",
           body=s.GoodsReleaseVoidIn, response=s.GoodsReleaseOut, errors=(403, 404, 409, 422), idempotent=True)
    def void_goods_release(self, request, user, release_id, body, idempotency_key):
        return self._goods_release_step(user, release_id, "void", s.GoodsReleaseVoidIn().dump(body), idempotency_key)

    @route("GET", f"{V1}/goods-releases/{{release_id}}", tags=TAGS,
           summary="One goods release (the unit's residents; the desk, finance, security, managers of the project)",
           query=s.VersionQuery, response=s.GoodsReleaseOut, errors=(403, 404),
           description="From the portal's read model; with min_version (or X-Min-Version) newer than it "
                       "holds, not projected yet, or not the caller's, from tickets itself.")
    def get_goods_release(self, request, user, release_id, query):
        found = self._read_model(views.goods_release, self._caller(user), release_id, min_version(request, query))
        return _in_zone(found if found is not None else self._as(user)("tickets", "get_goods_release", release_id))

    @route("GET", f"{V1}/units/{{unit_id}}/goods-releases", tags=TAGS,
           summary="A unit's goods releases, newest first (its residents: their household's; the project's "
                   "desk, finance, security, managers)",
           query=s.GoodsReleaseQuery, response=s.GoodsReleaseListOut, errors=(403, 404))
    def unit_goods_releases(self, request, user, unit_id, query):
        page = self._read_model(views.unit_goods_releases, self._caller(user), unit_id, query["limit"],
                                query["offset"])
        if page is not None:
            return _page_in_zone(page)
        try:
            return _page_in_zone(self._as(user)("tickets", "unit_goods_releases", unit_id,
                                                s.GoodsReleaseQuery().dump(query)))
        except RemoteError as refused:
            # staff without the read: the unit reads like missing, as one pass does (trial 4 M5)
            if parse_remote_error(refused.exc_type, refused.value)[1] == "role_required":
                raise HttpError(404, "unit_not_found", f"no unit {unit_id[:64]}", zh="未找到该房屋") from None
            raise

    @route("GET", f"{V1}/projects/{{project_id}}/goods-releases/by-number/{{number}}", tags=TAGS,
           summary="The pass shown at the gate, by its number (security, the desk, finance, managers)",
           response=s.GoodsReleaseOut, errors=(403, 404))
    def goods_release_by_number(self, request, user, project_id, number):
        found = self._read_model(views.goods_release_by_number, self._caller(user), project_id, number)
        return _in_zone(found if found is not None else self._as(user)("tickets", "goods_release_by_number",
                                                                       project_id, number))

    @route("GET", f"{V1}/projects/{{project_id}}/goods-releases", tags=TAGS,
           summary="The gate's list: the project's passes moving out on a day, by number (security, the desk, "
                   "finance, managers)",
           query=s.GoodsReleaseDayQuery, response=s.GoodsReleasePageOut, errors=(403, 404),
           description="From the portal's read model (goods_release.changed). day: the move day -- the "
                       "project's local day of move_at (each item's move_day; default: all days); issued_day: the "
                       "local day of issue (the number's FX-YYYYMMDD); status: issued (still to pass the gate) | "
                       "used | voided. Sorted by number, paged (limit <= 200, offset). Another project's staff: "
                       "404 project_not_found, as for a project that does not exist.")
    def project_goods_releases(self, request, user, project_id, query):
        caller = self._caller(user)
        page = self._read_model(views.project_goods_releases, caller, project_id, day=query.get("day"),
                                issued_day=query.get("issued_day"), status=query.get("status"),
                                limit=query["limit"], offset=query["offset"])
        if page is None:
            raise _refusal(caller, project_id)
        return _page_in_zone(page)


def _refusal(caller, project_id: str) -> HttpError:
    """tickets' answer to a caller who does not read the project's passes (``Caller.require_project``,
    ``require_role``): a resident, or another group's, as for a project that does not exist."""
    outside = views.outside_project(caller, project_id)
    if outside is not None:
        return outside
    return HttpError(403, "role_required", "this needs one of the roles: "
                     + ", ".join(sorted(views.GOODS_RELEASE_READERS)),
                     zh=f"需要以下角色之一：{role_names_zh(sorted(views.GOODS_RELEASE_READERS))}")


def _in_zone(release):
    """``move_at`` in the project's zone in every reply -- the request's echo, a step's reply, the read
    model's and tickets' reads alike (trial 4 L3: ``+08:00`` on the request, ``+00:00`` after verify)."""
    if isinstance(release, dict) and release.get("move_at"):
        from datetime import datetime
        from zoneinfo import ZoneInfo

        from ..scopes import DEFAULT_TZ
        at = release["move_at"]
        at = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
        release = {**release, "move_at": at.astimezone(ZoneInfo(DEFAULT_TZ)).isoformat()}
    return release


def _page_in_zone(page):
    if isinstance(page, dict) and isinstance(page.get("items"), list):
        return {**page, "items": [_in_zone(r) for r in page["items"]]}
    return page
