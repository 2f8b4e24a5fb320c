"""Keys (钥匙, seed 000 §九): the front desk's key register -- the developer's handover, the owners'
collections and deposits, loans approved by the CS manager and due back the same day, the monthly
stock-check and the CS manager's spot-check. tickets' ``domain/keys.py`` holds the rules (the key's
movement table, the papers each movement needs, who may take it); an owner reads their unit's keys'
state, never the register's names and ID numbers.

Movements go to tickets by RPC, the reply projected into the portal's read model at once
(read-your-writes); a unit's keys and the desk's keys out (and overdue) are read from the read model
(``key.changed``: the borrower's phone and ID number masked there), and so is the desk's task list
(``ticket.changed`` of kind task, its ``task`` part) -- a miss is tickets' answer. One
key with its register history (``GET /keys/{id}``) is tickets' own."""
from __future__ import annotations

from kernel.clock import in_zone

from .. import schemas as s
from ..readmodel import views
from ..routing import route
from .base import V1, RouteModule, audit_log

DESK = "front desk, steward, CS manager, centre manager"
#: who reads the key register (tickets' keys.READER_ROLES): engineering, finance and security do not
READERS = f"{DESK}, GM, group admin"
#: who reads the record of borrowers' phone reads (tickets' keys.PHONE_LOG_ROLES)
PHONE_LOG = "CS manager, centre manager of the project"


class KeyRoutes(RouteModule):
    @route("POST", f"{V1}/keys", tags=("keys",),
           summary=f"Register a unit's key handed over by the developer (钥匙交接) ({DESK})",
           body=s.KeyReceiveIn, response=s.KeyOut, status=201, errors=(403, 404, 409, 422), idempotent=True)
    def receive_key(self, request, user, body, idempotency_key):
        return self._key_reply(self._as(user)("tickets", "receive_key", s.KeyReceiveIn().dump(body),
                                              idempotency_key=idempotency_key), user)

    def _key_reply(self, reply, user):
        """Read-your-writes: tickets' answer to a staff member's movement into the read model (its
        phone and ID number masked there, whatever the writer may read) -- unless its loan's free text
        came masked for the writer (a GM standing in): the event brings it as written."""
        if views.unmasked_key(self._caller(user), reply):
            self._project_reply("key", reply, user)
        return reply

    @route("POST", f"{V1}/keys/{{key_id}}/moves", tags=("keys",),
           summary="Move a key: store, collect (contract, ID, fee receipt; an owner in the household file), deposit, "
                   "owner_consent / withdraw_consent (the owner in person names who may borrow their deposited "
                   "key, or takes it back), request_loan (ID, "
                   "purpose; a contractor: the developer's written proof; a deposited key: the owner's consent), "
                   "take_deposit (a flagged borrower's deposit, held by billing), return (front desk, "
                   "steward, CS manager, centre manager); approve_loan (CS manager; centre manager or GM standing "
                   "in; never who registered it); refuse_loan (either)",
           body=s.KeyMoveIn, response=s.KeyOut, errors=(403, 404, 409, 422), idempotent=True,
           description="The key's movement table (services/tickets/domain/keys.py): a lent key cannot be lent "
                       "again before it is back (409 no_sub_lending; another movement the state does not allow: 409 "
                       "key_step_not_allowed); an approved loan is due back the same day "
                       "by the project's keys.return_by (18:00) -- not back by then, the front desk's inbox is "
                       "told once; a late return is marked on the loan and the return (late, minutes_late) and "
                       "marks the borrower (deposit_required on their next loan). A person's ID number comes with "
                       "id_type (resident_id, passport, hk_macau_permit, taiwan_permit, hmt_residence_permit); a "
                       "resident ID's check digit is checked (400 / 422 id_number_invalid). An owner collecting "
                       "or depositing a key is matched against archive's household file (422 "
                       "identity_not_matched; archive down 503 archive_unavailable) -- taking back a deposited key, "
                       "the one who deposited it (same name and ID number) need not be. The whole ID number is "
                       "never kept nor answered: replies and key.changed carry it masked, phones too. approve_loan "
                       "by whoever registered the loan: 422 own_request. A borrower who returned a key late before "
                       "(deposit_required): approve_loan is 409 deposit_not_taken until take_deposit names billing's "
                       "key deposit (purpose key, on the key's unit, held in full, at least keys.late_deposit: else "
                       "422 deposit_not_usable / deposit_too_small / deposit_not_found; billing down 503 "
                       "billing_unavailable); back in time or refused, billing is asked to refund it. A deposited "
                       "key: request_loan is 409 owner_consent_required unless the owner consented (owner_consent) "
                       "to this borrower; returned or refused, it goes back to deposited_by_owner.")
    def move_key(self, request, user, key_id, body, idempotency_key):
        return self._key_reply(self._as(user)("tickets", "move_key", key_id, s.KeyMoveIn().dump(body),
                                              idempotency_key=idempotency_key), user)

    @route("POST", f"{V1}/keys/{{key_id}}/loans/{{loan_id}}/deposit-decision", tags=("keys",),
           summary="A late borrower's kept key deposit: given back or forfeited to income (CS manager, "
                   "centre manager)",
           body=s.KeyDepositDecisionIn, response=s.KeyOut, idempotent=True, errors=(400, 403, 404, 409),
           description="Returned late again, the loan's deposit stays pledged at billing (deposit_status kept) and "
                       "a task (key_deposit_decision, due within keys.deposit_decision_days) asks the CS manager to "
                       "decide: release -- billing releases the pledge and requests its refund (four eyes there); "
                       "forfeit -- billing moves what it holds to income (押金扣除), once. The same decision again "
                       "changes nothing; another one is 409 deposit_decided; a loan with no kept deposit 409 "
                       "deposit_not_kept; a loan not of that key 404 loan_not_found.")
    def decide_key_deposit(self, request, user, key_id, loan_id, body, idempotency_key):
        return self._key_reply(self._as(user)("tickets", "decide_key_deposit", key_id, loan_id,
                                              s.KeyDepositDecisionIn().dump(body),
                                              idempotency_key=idempotency_key), user)

    @route("GET", f"{V1}/keys/{{key_id}}", tags=("keys",),
           summary=f"A key with its loan and register history, names with phones and ID numbers masked "
                   f"({READERS}); its state (the unit's household)",
           response=s.KeyOut, errors=(403, 404))
    def get_key(self, request, user, key_id):
        return self._as(user)("tickets", "get_key", key_id)

    @route("GET", f"{V1}/keys/{{key_id}}/loans/{{loan_id}}/phone", tags=("keys",),
           summary=f"A loan's borrower with the whole phone, for a stated purpose -- the desk calls a late borrower; "
                   f"every read is logged ({DESK})",
           query=s.KeyPhoneQuery, response=s.KeyLoanPhoneOut, errors=(400, 403, 404, 410),
           description="Every other read masks the phone (138****1111). While the loan is open (a borrower who has "
                       "not returned the key stays reachable) and keys.phone_readable_days (30) after it ended (the "
                       "key back, or the loan refused); later 410 phone_no_longer_readable (details: the phone "
                       "masked, ended_at). Each read is a row of the project's key-phone-reads (who, when, the "
                       "loan, the purpose -- never the number) and a wuye.audit line. GM, group admin, "
                       "engineering, finance, security: 403 role_required; a resident: 404.")
    def key_loan_phone(self, request, user, key_id, loan_id, query):
        return self._as(user)("tickets", "key_loan_phone", key_id, loan_id, query["purpose"])

    @route("GET", f"{V1}/projects/{{project_id}}/key-phone-reads", tags=("keys",),
           summary=f"The record of borrowers' whole-phone reads (借用人电话查阅记录), newest first ({PHONE_LOG})",
           query=s.KeyPhoneReadQuery, response=s.KeyPhoneReadPageOut, errors=(403, 404),
           description="One row per read of GET /keys/{id}/loans/{loan}/phone: who (id, name, roles), when, the "
                       "key and loan, the purpose, allowed or refused (ended_long_ago: 410) -- never the number. "
                       "Filters: loan_id, key_id, reader_id, outcome. Reading it is one wuye.audit line, not a row.")
    def key_phone_reads(self, request, user, project_id, query):
        page = self._as(user)("tickets", "key_phone_reads", project_id, s.KeyPhoneReadQuery().dump(query))
        audit_log.info("key phone reads read: user=%s project=%s rows=%d", user.id, project_id, len(page["items"]))
        return page

    @route("GET", f"{V1}/units/{{unit_id}}/keys", tags=("keys",),
           summary=f"A unit's keys and who holds them ({READERS}); their state only (the unit's household)",
           response=s.KeyOut, many=True, errors=(403, 404),
           description="From the portal's read model (key.changed): an open loan's borrower with the phone and "
                       "ID number masked (the key's own GET asks tickets); a unit not projected yet: tickets.")
    def unit_keys(self, request, user, unit_id):
        found = self._read_model(views.unit_keys, self._caller(user), unit_id)
        return found if found is not None else self._as(user)("tickets", "unit_keys", unit_id)

    @route("GET", f"{V1}/projects/{{project_id}}/keys/out", tags=("keys",),
           summary=f"The desk's list: the project's keys out on loan now, the earliest due first; overdue=true: "
                   f"only those past their due time ({READERS})",
           query=s.KeysOutQuery, response=s.KeysOutPageOut, errors=(403, 404),
           description="From the portal's read model (key.changed): lent keys with the loan (borrower's phone "
                       "and ID number masked) and overdue -- due back by keys.return_by (18:00) the day they were "
                       "lent. A caller who is not a key reader of the project gets tickets' refusal.")
    def keys_out(self, request, user, project_id, query):
        caller, now = self._caller(user), self.clock.now()
        page = self._read_model(views.keys_out, caller, project_id, now, overdue=query["overdue"])
        if page is None:       # not a reader of the project: tickets refuses (404 / 403) as for its register
            _refuse_outsider(caller, project_id)
            self._as(user)("tickets", "project_keys", project_id, {"state": "lent"})
            page = {"items": [], "total": 0, "as_of": now.isoformat()}
        return page

    @route("GET", f"{V1}/projects/{{project_id}}/keys", tags=("keys",),
           summary=f"The project's key register, by state ({READERS})",
           query=s.KeyListQuery, response=s.KeyOut, many=True, errors=(403, 404))
    def project_keys(self, request, user, project_id, query):
        return self._as(user)("tickets", "project_keys", project_id, s.KeyListQuery().dump(query))

    @route("POST", f"{V1}/projects/{{project_id}}/key-stock-checks", tags=("keys",),
           summary="Record a count of the key store against the register (keys and their copies), discrepancies "
                   f"listed: monthly ({DESK}); spot -- the month's spot-check, due the 25th (CS manager, centre "
                   "manager)",
           body=s.StockCheckIn, response=s.StockCheckOut, status=201, errors=(400, 403, 404), idempotent=True)
    def record_stock_check(self, request, user, project_id, body, idempotency_key):
        return self._as(user)("tickets", "record_stock_check", project_id, s.StockCheckIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/projects/{{project_id}}/key-stock-checks", tags=("keys",),
           summary=f"The project's stock- and spot-checks, by month ({DESK}, GM, group admin)",
           query=s.StockCheckQuery, response=s.StockCheckOut, many=True, errors=(403, 404))
    def stock_checks(self, request, user, project_id, query):
        return self._as(user)("tickets", "list_stock_checks", project_id, s.StockCheckQuery().dump(query))

    @route("GET", f"{V1}/projects/{{project_id}}/front-desk-tasks", tags=("keys", "vacant units"),
           summary=f"The project's front-desk tasks -- lent keys due back today, the month's key spot-check and stock-check, "
                   f"the vacant-unit register, checks and care -- with their clocks ({DESK}, GM, group admin)",
           query=s.FrontDeskTaskQuery, response=s.TicketListOut, errors=(403, 404),
           description="Tickets of kind task (numbers RW-), category key_return | key_spot_check | key_stock_check | "
                       "vacant_register | vacant_check | vacant_care; open_only (default) = still to do; sla_state=breached: "
                       "the ones past their due time. A missed one was told once to the answerable role's inbox. "
                       "Every time in the project's zone (+08:00), as the register and check replies. "
                       "From the portal's read model (ticket.changed, the task part); a caller who is not a "
                       "reader of the project gets tickets' refusal.")
    def front_desk_tasks(self, request, user, project_id, query):
        page = self._read_model(views.front_desk_tasks, self._caller(user), project_id, self.clock.now(),
                                category=query.get("category"), open_only=query["open_only"],
                                sla_state=query.get("sla_state"), limit=query["limit"], offset=query["offset"])
        if page is None:
            _refuse_outsider(self._caller(user), project_id)
            page = self._as(user)("tickets", "front_desk_tasks", project_id, s.FrontDeskTaskQuery().dump(query))
        # the read model keeps times as tickets reads them back (UTC): answered in the site's zone (+08:00),
        # as tickets answers the list and the register and check replies
        return in_zone(page)


def _refuse_outsider(caller, project_id: str) -> None:
    """Another project's staff or a resident: 404 as for a missing project (``views.outside_project``)."""
    outside = views.outside_project(caller, project_id)
    if outside is not None:
        raise outside
