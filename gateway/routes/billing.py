"""Fee accounts, their balances and what residents and staff read of them: bills with their
lines, the statement of a period (对账单), receipts, arrears, the project's ledger and trial balance.

The account (with its arrears summary) is read from the portal's read model (``portal_units``,
fed by ``account.balance_changed``); a miss asks billing. Bills, statements, receipts and the
figures are billing's RPCs -- paged, read less often, and exact on the site's today."""
from __future__ import annotations

from .. import schemas as s
from ..readmodel import views
from ..routing import route
from .base import V1, RouteModule

UNIT_READERS = "the unit's residents; staff of the project"
ACCOUNT_READERS = ("the unit's residents; staff of the project; with account_id a previous household's closed "
                   "account (原业主账户): staff of the project, and the residents of that household")
PROJECT_FIGURES = "finance, CS manager, service-centre manager, general manager, group admin"


class BillingRoutes(RouteModule):
    @route("GET", f"{V1}/units/{{unit_id}}/account", tags=("billing",), response=s.AccountOut, errors=(403, 404),
           summary=f"The unit's fee account: balance, what is owed on bills, credit, deposits held, open "
                   f"bills and the oldest due date ({UNIT_READERS})")
    def account(self, request, user, unit_id):
        caller = self._caller(user)
        account = self._read_model(views.unit_account, caller, unit_id)
        if views.holds_others_money(caller, account):    # perhaps a borrower's key deposit: billing leaves it out
            account = None
        return views.account_for(caller, account if account is not None else
                                 self._as(user)("billing", "get_account", unit_id))

    @route("POST", f"{V1}/units/{{unit_id}}/account/opening-balance", tags=("billing",),
           summary="Record the balance carried over into the unit's fee account (finance)",
           body=s.OpeningBalanceIn, response=s.AccountOut, status=201, errors=(404, 409, 422),
           idempotent=True)
    def opening_balance(self, request, user, unit_id, body, idempotency_key):
        data = s.OpeningBalanceIn().dump(body)
        account = self._as(user)("billing", "record_opening_balance", unit_id, data["amount"],
                                 data["as_of"], data["note"], idempotency_key=idempotency_key)
        self._project_reply("account", account, user)
        return account

    # -- queries ---------------------------------------------------------------------------------
    @route("GET", f"{V1}/units/{{unit_id}}/accounts", tags=("billing",), response=s.UnitAccountsOut,
           errors=(403, 404),
           summary="The unit's fee accounts (一户一账): the open one and previous households' closed ones "
                   "(staff of the project: all; a resident: those of his households, also after they moved out)",
           description="Each with its household and payer, opened_at, closed_on, the account that took over "
                       "and its figures on the site's today (balance due, credit, deposits held, open bills, "
                       "overdue). Its account_id reads a closed account's bills, statement and receipts "
                       "(`?account_id=`). A resident who has moved out finds the unit in /me's "
                       "former_households.")
    def unit_accounts(self, request, user, unit_id):
        return self._as(user)("billing", "list_accounts", unit_id)

    @route("GET", f"{V1}/units/{{unit_id}}/balance", tags=("billing",), response=s.UnitBalanceOut,
           errors=(403, 404),
           summary=f"The unit's balances from the journal and what is overdue on the site's today "
                   f"({UNIT_READERS})")
    def balance(self, request, user, unit_id):
        return self._as(user)("billing", "get_balance", unit_id)

    @route("GET", f"{V1}/units/{{unit_id}}/arrears", tags=("billing",), response=s.ArrearsOut, errors=(403, 404),
           summary="Are the unit's fees settled? The goods release's question (any staff of the project)",
           description="Arrears: a bill not settled whose due date is before the site's today, beyond "
                       "the unit's prepaid credit not yet applied. A bill due today or later is not "
                       "arrears; deposits held never count. After a transfer (过户) has_arrears is the "
                       "household living there now; `previous` names earlier households' closed accounts "
                       "that still owe (原业主欠费: theirs to pay).")
    def arrears(self, request, user, unit_id):
        return self._as(user)("billing", "has_arrears", unit_id)

    @route("GET", f"{V1}/units/{{unit_id}}/statement", tags=("billing",), query=s.StatementQuery,
           response=s.StatementOut, errors=(403, 404),
           summary=f"The unit's statement (对账单) of a period: opening balance, the entries with a running "
                   f"balance, closing balance ({ACCOUNT_READERS})",
           description="Days from and to inclusive, by the entries' dates, at most three years. Each entry "
                       "names the bills it charged or settled, its receipt, and its reversal marks.")
    def statement(self, request, user, unit_id, query):
        return self._as(user)("billing", "statement", unit_id, query["date_from"].isoformat(),
                              query["date_to"].isoformat(), query["account_id"])

    @route("GET", f"{V1}/units/{{unit_id}}/bills", tags=("billing",), query=s.BillsQuery,
           response=s.BillPageOut, errors=(403, 404),
           summary=f"The unit's bills with their lines, status and what settled them, newest first "
                   f"({ACCOUNT_READERS})")
    def bills(self, request, user, unit_id, query):
        return self._as(user)("billing", "list_bills", unit_id, query["status"], query["period"], query["limit"],
                              query["offset"], query["account_id"])

    @route("GET", f"{V1}/bills/{{bill_id}}", tags=("billing",), response=s.BillOut, errors=(403, 404),
           summary=f"One bill with its lines, prices, status and settlements ({UNIT_READERS})")
    def bill(self, request, user, bill_id):
        return self._as(user)("billing", "get_bill", bill_id)

    @route("GET", f"{V1}/units/{{unit_id}}/receipts", tags=("billing",), query=s.ReceiptsQuery,
           response=s.ReceiptPageOut, errors=(403, 404),
           summary=f"The unit's receipts (收据), newest first; voided ones marked with who and why "
                   f"({ACCOUNT_READERS})")
    def receipts(self, request, user, unit_id, query):
        return self._as(user)("billing", "list_receipts", unit_id, query["limit"], query["offset"],
                              query["account_id"])

    @route("GET", f"{V1}/receipts/{{receipt_id}}", tags=("billing",), response=s.ReceiptOut, errors=(403, 404),
           summary=f"One receipt with what it settled ({UNIT_READERS})")
    def receipt(self, request, user, receipt_id):
        return self._as(user)("billing", "get_receipt", receipt_id)

    @route("GET", f"{V1}/deposits/{{deposit_id}}", tags=("billing",), response=s.DepositOut, errors=(403, 404),
           summary=f"One deposit (押金) with what it still holds and its history: held, refunded, forfeited "
                   f"(押金扣除: the part a renovation withheld for its violations, moved to income), voided "
                   f"({UNIT_READERS})")
    def deposit(self, request, user, deposit_id):
        return self._as(user)("billing", "get_deposit", deposit_id)

    @route("GET", f"{V1}/projects/{{project_id}}/ledger", tags=("billing",), response=s.ProjectLedgerOut,
           errors=(403, 404),
           summary=f"The project's receivables, prepaid credit, deposits held, arrears and every book's "
                   f"balance ({PROJECT_FIGURES})")
    def project_ledger(self, request, user, project_id):
        return self._as(user)("billing", "project_ledger", project_id)

    @route("GET", f"{V1}/projects/{{project_id}}/trial-balance", tags=("billing",), query=s.TrialBalanceQuery,
           response=s.TrialBalanceOut, errors=(403, 404),
           summary=f"The project's trial balance (试算平衡表) of a period: every book's opening balance, "
                   f"debits, credits and closing balance, netting to zero ({PROJECT_FIGURES})")
    def trial_balance(self, request, user, project_id, query):
        return self._as(user)("billing", "trial_balance", project_id, query["date_from"].isoformat(),
                              query["date_to"].isoformat())
