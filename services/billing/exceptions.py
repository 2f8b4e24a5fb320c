"""billing's typed errors (each is one of the kernel's kinds on the wire)."""
from kernel.errors import Conflict, NotFound, RuleViolation


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


# -- queries (balances, statements, bills, receipts, project figures) ------------------------

class ReceiptNotFound(NotFound):
    """No such receipt, or not the caller's to see (reads like a missing id)."""

    default_code = "receipt_not_found"
