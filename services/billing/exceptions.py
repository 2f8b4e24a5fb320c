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


# -- fee schedules, meter readings, one-off charges, bill runs (billrun) ---------------------

class FeeItemNotFound(NotFound):
    default_code = "fee_item_not_found"


class FeeItemExists(Conflict):
    """A project's item codes are unique; an item is changed through its prices."""
    default_code = "fee_item_exists"


class PriceChangeBackdated(RuleViolation):
    """A price applies from today (the project's local date) or later: history is never rewritten."""
    default_code = "price_change_backdated"


class PriceExists(Conflict):
    """The item already has a price for that usage from that date (a row is never rewritten)."""
    default_code = "price_exists"


class NotAOneOffItem(RuleViolation):
    default_code = "not_a_one_off_item"


class NoPrice(RuleViolation):
    """The item has no price in force for the unit's usage on that date."""
    default_code = "no_price"


class BillRunNotFound(NotFound):
    default_code = "bill_run_not_found"


class BillRunTooEarly(RuleViolation):
    """A month's bills are computed from its bill day on (billing.bill_day), never ahead."""
    default_code = "bill_run_too_early"
