"""Bank collection (银行托收): the households' debit mandates, the collection rounds' batches, the file
for the bank and the bank's result file (billing's ``domain/bank.py`` holds the rules and the CSV
formats; ``kernel.csvfile`` the CSV conventions shared with the tickets report)."""
from __future__ import annotations

from kernel import csvfile

from .. import schemas as s
from ..errors import HttpError, file_response
from ..routing import Created, parse_json, route
from .base import V1, RouteModule
from .reports import CSV_TYPE

MANDATE_ROLES = "finance, front desk, centre manager"
#: a result file uploaded as text/csv: the body's limit (the JSON form is held to the same)
MAX_UPLOAD = s.MAX_RESULT_FILE
UPLOAD_TYPES = ("text/csv", "text/plain", "application/csv")
RESULTS_DOC = (
    "The body is the bank's result file, either as it is (Content-Type text/csv, UTF-8 with or without "
    "the byte-order mark, at most 4 MB) or as JSON {\"csv\": \"...\"}. Columns (header row, any order): "
    "item_id (or batch_number and line_no), status paid|failed, amount (collected: the item's amount, or "
    "0.00/empty when failed), bank_reference, reason; an optional last row TOTAL,<rows>,<sum>. Any wrong "
    "row refuses the whole file (400 bank_file_refused, details.errors per line) and records nothing. "
    "Paid items are recorded once each (payment, receipt); the first 100 rows in this request, the rest by "
    "jobs right after (status applying until applied = rows; GET the batch to follow). The same file again "
    "records nothing and answers the first import (repeated: true); another file waits until the last one is "
    "done (409 import_in_progress); an item already answered the same way counts as unchanged.")


def result_file(request) -> dict:
    """The upload's body as ``BankResultFileIn`` data: text/csv as it is, or JSON ``{"csv": ...}``
    (400 for a body that is neither readable text nor that JSON, 413 over the limit, 415 otherwise)."""
    if request.content_length and request.content_length > MAX_UPLOAD:
        raise HttpError(413, "body_too_large", f"a result file is at most {MAX_UPLOAD} bytes",
                        zh=f"银行回盘文件最大 {MAX_UPLOAD} 字节")
    raw = request.get_data(cache=True)
    if not raw:
        raise HttpError(400, "body_required", "send the bank's result file", zh="请上传银行回盘文件")
    if len(raw) > MAX_UPLOAD:
        raise HttpError(413, "body_too_large", f"a result file is at most {MAX_UPLOAD} bytes",
                        zh=f"银行回盘文件最大 {MAX_UPLOAD} 字节")
    if request.mimetype in UPLOAD_TYPES:
        try:
            return s.BankResultFileIn().load({"csv": csvfile.decode(raw)})
        except csvfile.CsvError as exc:
            raise HttpError(400, "invalid_file", str(exc), zh="银行回盘文件无法读取") from None
    if request.mimetype == "application/json":
        return s.BankResultFileIn().load(parse_json(raw))
    raise HttpError(415, "csv_or_json_required", "send the file as text/csv, or JSON {\"csv\": ...}",
                    zh="请以 text/csv 或 JSON {\"csv\": ...} 格式上传文件")


class BankRoutes(RouteModule):
    # -- debit mandates (托收协议) ----------------------------------------------------------
    @route("POST", f"{V1}/units/{{unit_id}}/debit-mandates", tags=("billing",), body=s.DebitMandateIn,
           response=s.DebitMandateOut, status=201, errors=(403, 404, 409, 422), idempotent=True,
           summary=f"Register the household's debit mandate for the unit's fees (托收协议) ({MANDATE_ROLES})",
           description="One active mandate per unit (409 mandate_exists); a vacant unit has nobody to sign "
                       "(422 no_household). A mandate of a household that moved out is cancelled by the "
                       "next household's. The account number is masked in the answer.")
    def register_debit_mandate(self, request, user, unit_id, body, idempotency_key):
        return self._as(user)("billing", "register_debit_mandate", unit_id, s.DebitMandateIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/units/{{unit_id}}/debit-mandates", tags=("billing",), response=s.DebitMandateOut,
           many=True, errors=(403, 404),
           summary=f"The unit's debit mandates, newest first, account numbers masked ({MANDATE_ROLES}; the "
                   "unit's residents)")
    def debit_mandates(self, request, user, unit_id):
        return self._as(user)("billing", "list_debit_mandates", unit_id)

    @route("POST", f"{V1}/units/{{unit_id}}/debit-mandates/{{mandate_id}}/cancel", tags=("billing",),
           body=s.MandateCancelIn, response=s.DebitMandateOut, errors=(400, 403, 404, 409), idempotent=True,
           summary=f"Cancel a debit mandate from a day, with the reason ({MANDATE_ROLES})")
    def cancel_debit_mandate(self, request, user, unit_id, mandate_id, body, idempotency_key):
        return self._as(user)("billing", "cancel_debit_mandate", unit_id, mandate_id,
                              s.MandateCancelIn().dump(body), idempotency_key=idempotency_key)

    @route("GET", f"{V1}/units/{{unit_id}}/debit-mandates/{{mandate_id}}/account", tags=("billing",),
           query=s.MandateAccountQuery, response=s.DebitMandateOut, errors=(403, 404),
           summary="A debit mandate with the whole account number, for a stated purpose -- every read is "
                   "logged (finance)")
    def debit_mandate_account(self, request, user, unit_id, mandate_id, query):
        return self._as(user)("billing", "read_debit_mandate_account", unit_id, mandate_id, query["purpose"])

    # -- collection batches (托收批次) --------------------------------------------------------
    @route("GET", f"{V1}/projects/{{project_id}}/bank-batches", tags=("billing",), query=s.BankBatchQuery,
           response=s.BankBatchOut, many=True, errors=(403, 404),
           summary="The project's bank collection batches, newest round first (finance, centre manager)")
    def bank_batches(self, request, user, project_id, query):
        return self._as(user)("billing", "list_bank_batches", project_id, query["period"], query["limit"])

    @route("POST", f"{V1}/projects/{{project_id}}/bank-batches", tags=("billing",), body=s.BankBatchIn,
           response=s.BankBatchOut, status=201, errors=(403, 404, 422), idempotent=True,
           summary="Make a month's collection round now (the cycle makes them on the 10th and the 21st) "
                   "(finance)",
           description="201 with the batch made, or 200 with the round's batch that already exists (one per "
                       "project, month and round). 422 period_not_open for a month not started yet.")
    def create_bank_batch(self, request, user, project_id, body, idempotency_key):
        batch = self._as(user)("billing", "create_bank_batch", project_id, s.BankBatchIn().dump(body),
                               idempotency_key=idempotency_key)
        return Created(batch, batch["created"])

    @route("GET", f"{V1}/bank-batches/{{batch_id}}", tags=("billing",), response=s.BankBatchDetailOut,
           errors=(403, 404),
           summary="A collection batch with its items and the bank's answers, account numbers masked "
                   "(finance, centre manager)")
    def bank_batch(self, request, user, batch_id):
        return self._as(user)("billing", "get_bank_batch", batch_id)

    @route("GET", f"{V1}/bank-batches/{{batch_id}}/file", tags=("billing",), media_type=CSV_TYPE,
           errors=(403, 404),
           summary="The collection file for the bank, with whole account numbers -- every download is "
                   "logged (finance)",
           description="CSV, UTF-8 with a byte-order mark, CRLF: a header row batch_number, line_no, item_id, "
                       "unit_label, holder_name, bank_name, account_number, amount; one row per item; a last "
                       "row TOTAL,<rows>,<sum>. An attachment named bank-collection-<batch number>.csv.")
    def bank_batch_file(self, request, user, batch_id):
        out = self._as(user)("billing", "bank_batch_file", batch_id)
        return file_response(csvfile.encode(out["content"]), CSV_TYPE, out["filename"])

    @route("POST", f"{V1}/bank-batches/{{batch_id}}/results", tags=("billing",), response=s.BankResultImportOut,
           errors=(400, 403, 404, 413, 415), idempotent=True,
           summary="Upload the bank's result file for a batch: paid items recorded once, failed ones kept "
                   "with the reason (finance)",
           description=RESULTS_DOC)
    def bank_batch_results(self, request, user, batch_id, idempotency_key):
        return self._as(user)("billing", "import_bank_results", batch_id, result_file(request),
                              idempotency_key=idempotency_key)
