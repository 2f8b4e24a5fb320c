"""billing's typed errors (each is one of the kernel's kinds on the wire)."""
from kernel.errors import Conflict, InvalidInput, NotFound, RuleViolation


class AccountNotFound(NotFound):
    """The unit has no fee account (yet): archive has not registered it, or it
    is not the caller's to see (a resident learns nothing about other units)."""

    default_code = "account_not_found"


class OpeningBalanceExists(Conflict):
    """期初余额 is carried over once per account; later corrections are adjustments."""

    default_code = "opening_balance_exists"


class AsOfInFuture(RuleViolation):
    default_code = "as_of_in_future"


class DuplicatePosting(Conflict):
    """The same source (bill, payment, opening balance) was already posted."""

    default_code = "duplicate_posting"


class ProjectNotFound(NotFound):
    default_code = "project_not_found"


class BillNotFound(NotFound):
    default_code = "bill_not_found"


# -- bank collection (银行托收) and reminders -- bank ------------------------------------------

class MandateNotFound(NotFound):
    default_code = "mandate_not_found"


class MandateExists(Conflict):
    """One active debit mandate per account: cancel the old one first."""

    default_code = "mandate_exists"


class NoHousehold(RuleViolation):
    """A mandate is a household's: a vacant unit has nobody to sign one."""

    default_code = "no_household"


class MandateCancelled(Conflict):
    default_code = "mandate_cancelled"


class BankBatchNotFound(NotFound):
    default_code = "bank_batch_not_found"


class PeriodNotOpen(RuleViolation):
    """A collection round of a month that has not started in the project's time zone."""

    default_code = "period_not_open"


class ImportInProgress(Conflict):
    """The batch's previous result file is still being recorded (its jobs run)."""

    default_code = "import_in_progress"


class BankFileRefused(InvalidInput):
    """The bank's result file as a whole: nothing recorded; ``details.errors`` per line."""

    default_code = "bank_file_refused"


# -- queries (balances, statements, bills, receipts, project figures) ------------------------

class ReceiptNotFound(NotFound):
    """No such receipt, or not the caller's to see (reads like a missing id)."""

    default_code = "receipt_not_found"
