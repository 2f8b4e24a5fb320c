"""``kernel.validators.check_period``: one rule for a period's bounds, service and gateway alike."""
from datetime import date

import pytest
from marshmallow import ValidationError

from kernel.validators import check_period


@pytest.mark.parametrize("first, last", [(date(2026, 11, 1), date(2026, 11, 1)),
                                         (date(2026, 11, 1), date(2026, 11, 30)), (None, date(2026, 1, 1))])
def test_a_period_within_bounds_passes(first, last):
    check_period({"start": first, "end": last}, "start", "end", max_days=30)


@pytest.mark.parametrize("first, last, message", [
    (date(2026, 11, 2), date(2026, 11, 1), "must not be before"),
    (date(2026, 11, 1), date(2026, 12, 1), "at most 30 days")])
def test_a_backwards_or_too_long_period_is_refused_on_its_end(first, last, message):
    with pytest.raises(ValidationError) as exc:
        check_period({"start": first, "end": last}, "start", "end", max_days=30)
    assert message in str(exc.value.messages) and exc.value.field_name == "end"
