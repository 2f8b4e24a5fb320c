"""tickets' 钥匙 (keys, domain/keys.py), the stock-checks and the front-desk task list -- wiring only, inherited
by :class:`~services.tickets.service.TicketsService`."""
from __future__ import annotations

from kernel.entrypoints import rpc

from .. import schemas
from ..domain import keys, tasks
from ..exceptions import BillingUnavailable, KeyDepositNotFound, KeyDepositUsed

KEY_OUT = schemas.KeyOut()
TASK_OUT = schemas.TicketOut()


class KeyRpcs:
    # -- keys (钥匙, domain/keys.py) ---------------------------------------------
    def _key_out(self, work, key, with_history=False):
        return KEY_OUT.dump(keys.view(work, key, with_history=with_history))

    @rpc
    def receive_key(self, data, idempotency_key=None):
        """The developer hands over a unit's key (front desk, steward, CS / centre manager)."""
        work, command = self.work(), schemas.KeyReceiveIn().load(data)
        return work.idempotent(idempotency_key, "receive_key", command,
                               lambda: self._key_out(work, keys.receive(work, command), True))

    @rpc
    def move_key(self, key_id, data, idempotency_key=None):
        """One movement of a key: ``data = {"action": store|collect|deposit|request_loan|approve_loan|
        refuse_loan|return, ...}`` (schemas.KeyMoveIn; keys.TABLE)."""
        work, command = self.work(), schemas.KeyMoveIn().load(data)
        command["key_id"] = str(key_id)
        # an owner's collection or deposit is matched against archive's household file (the goods
        # release's ``_ask_identity``, rpcs/goods_release.py, with the keys' purpose; only an owner may
        # match, so a family member's try is a failed match counted there too); a flagged borrower's
        # deposit is checked with billing (``_ask_deposit``), fail closed
        return work.idempotent(idempotency_key, "move_key", command, lambda: self._key_out(
            work, keys.move(work, command["key_id"], command["action"], command,
                            self._ask_identity(work, keys.ARCHIVE_PURPOSE, keys.OWNER_ROLES),
                            self._ask_deposit(work)), True))

    def _ask_deposit(self, work):
        """billing's ``key_deposit`` as the caller (the deposit's unit, purpose, amount held, receipt
        number, the loan it is pledged to) or, with ``pledge``, its ``pledge_key_deposit`` (checked and tied to
        the loan at once): no answer is ``billing_unavailable`` (503), no such deposit ``deposit_not_found``
        (422), pledged to another loan ``deposit_already_used`` (409)."""
        caller = work.caller
        refusals = {"deposit_not_found": KeyDepositNotFound, "deposit_already_used": KeyDepositUsed}

        def ask(deposit_id, pledge=None):
            if pledge is None:
                return self.billing.ask(caller, "billing", "key_deposit", deposit_id, unavailable=BillingUnavailable,
                                        refusals=refusals)
            return self.billing.ask(caller, "billing", "pledge_key_deposit", deposit_id, pledge["loan_id"],
                                    pledge["unit_id"], pledge["minimum"], unavailable=BillingUnavailable,
                                    refusals=refusals)
        return ask

    @rpc
    def decide_key_deposit(self, key_id, loan_id, data, idempotency_key=None):
        """A late borrower's kept deposit: released or forfeited by the CS or centre manager
        (``keys.decide_deposit``; billing told by the event in the same transaction)."""
        work, command = self.work(), schemas.KeyDepositDecisionIn().load(data)
        command.update(key_id=str(key_id), loan_id=str(loan_id))
        return work.idempotent(idempotency_key, "decide_key_deposit", command, lambda: self._key_out(
            work, keys.decide_deposit(work, command["key_id"], command["loan_id"], command), True))

    @rpc
    def key_loan_phone(self, key_id, loan_id, purpose):
        """The borrower's whole phone of one loan (the desk calls a late borrower): front desk, steward, CS /
        centre manager, for a stated purpose -- logged on ``wuye.audit``."""
        work, q = self.work(), schemas.KeyPhoneRead().load({"purpose": purpose})
        return schemas.KeyLoanPhoneOut().dump(keys.loan_phone(work, str(key_id), str(loan_id), q["purpose"]))

    @rpc
    def key_phone_reads(self, project_id, query=None):
        """The project's record of borrowers' phone reads, newest first (CS manager, centre manager)."""
        work, q = self.work(), schemas.KeyPhoneReadQuery().load(query or {})
        rows, total = keys.phone_reads(work, str(project_id), **q)
        return schemas.KeyPhoneReadPageOut().dump({"items": rows, "total": total, "limit": q["limit"],
                                                   "offset": q["offset"]})

    @rpc
    def get_key(self, key_id):
        work = self.work()
        return self._key_out(work, keys.get_key(work, str(key_id)), not work.caller.is_resident)

    @rpc
    def unit_keys(self, unit_id):
        """A unit's keys: its staff, and its household (the state only)."""
        work = self.work()
        return [self._key_out(work, k) for k in keys.unit_keys(work, str(unit_id))]

    @rpc
    def project_keys(self, project_id, query=None):
        work, q = self.work(), schemas.KeyListQuery().load(query or {})
        return [self._key_out(work, k) for k in keys.project_keys(work, str(project_id), q["state"])]

    @rpc
    def front_desk_tasks(self, project_id, query=None):
        """The project's front-desk tasks (kind ``task``) with the ticket lists' filters: its desk, GM,
        group admin (a resident: 404 as for another project); every time in the project's zone."""
        work, q = self.work(), schemas.TicketQuery().load(query or {})
        q.pop("project_id", None)       # the path's project is the one listed
        tickets, total = keys.front_desk_tasks(work, str(project_id), **q)
        return {"items": [TASK_OUT.dump(tasks.task_view(work, t)) for t in tickets], "total": total}

    @rpc
    def record_stock_check(self, project_id, data, idempotency_key=None):
        """A count of the key store against the register (monthly: the desk; spot: the CS manager)."""
        work, command = self.work(), schemas.StockCheckIn().load(data)
        command["project_id"] = str(project_id)
        return work.idempotent(idempotency_key, "record_stock_check", command, lambda: schemas.StockCheckOut().dump(
            keys.stock_check_view(keys.record_stock_check(work, command["project_id"], command), work.caller)))

    @rpc
    def list_stock_checks(self, project_id, query=None):
        work, q = self.work(), schemas.StockCheckQuery().load(query or {})
        return [schemas.StockCheckOut().dump(keys.stock_check_view(c, work.caller))
                for c in keys.list_stock_checks(work, str(project_id), q["month"])]
