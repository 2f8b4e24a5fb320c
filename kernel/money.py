"""Money: ``Decimal`` yuan with exactly two places (fen), rounded half-up,
stored as ``NUMERIC(14, 2)`` and sent on the wire as a string ("1234.50").

Never use float for money anywhere: ``money(0.1)`` is refused on purpose.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from marshmallow import ValidationError, fields
from sqlalchemy import BigInteger, Numeric
from sqlalchemy.types import TypeDecorator

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
CURRENCY = "CNY"
#: the one spelling of an amount on the wire: ASCII digits, an optional sign and decimals --
#: no exponent ("1e1"), digit separators ("1_000"), other scripts' digits or padding
AMOUNT_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)



def money(value) -> Decimal:
    """Coerce ``value`` (Decimal, int or numeric string) to yuan at fen precision."""
    if isinstance(value, float):
        raise TypeError("money must not be built from float; pass a string or Decimal")
    if isinstance(value, bool):
        raise TypeError("money must not be built from bool")
    if isinstance(value, str) and not AMOUNT_TEXT.fullmatch(value):
        raise ValueError(f"not an amount: {value!r}")
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not d.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return d.quantize(FEN, rounding=ROUND_HALF_UP)


def to_wire(value: Decimal) -> str:
    return format(money(value), "f")


class Money(fields.Field):
    """marshmallow field: loads "12.345" -> Decimal("12.35"), dumps Decimal -> "12.35"."""

    default_error_messages = {"invalid": "Not a valid amount (yuan, e.g. \"1234.50\")."}

    def __init__(self, *, allow_negative: bool = True, positive: bool = False, exact: bool = False,
                 **kwargs):
        """``positive``: zero and negative amounts are refused; ``exact``: an amount with more
        than two places (a fraction of a fen) is refused instead of rounded half-up."""
        self.allow_negative = allow_negative and not positive
        self.positive = positive
        self.exact = exact
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return to_wire(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (float, bool)):
            raise self.make_error("invalid")
        try:
            amount = money(value)
            given = value if isinstance(value, Decimal) else Decimal(str(value))
        except (TypeError, ValueError, InvalidOperation):
            raise self.make_error("invalid") from None
        if abs(amount) >= Decimal("1e12"):
            raise ValidationError("Amount is out of range.")
        if self.exact and given != amount:
            raise ValidationError("Amounts have at most two decimal places (fen).")
        if self.positive and amount <= 0:
            raise ValidationError("Amount must be more than zero.")
        if not self.allow_negative and amount < 0:
            raise ValidationError("Amount must not be negative.")
        return amount


class FixedDecimal(TypeDecorator):
    """An exact decimal column with ``scale`` places (money, areas in m2, meter readings).

    PostgreSQL stores ``NUMERIC(precision, scale)``. SQLite has no exact decimal
    type (it would keep REAL), so there the column holds an integer count of the
    smallest unit; ``SUM`` stays exact on both and Python always sees ``Decimal``.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, scale: int = 2, precision: int = 14):
        super().__init__()
        self.scale = scale
        self.precision = precision
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def __repr__(self) -> str:
        # Alembic renders column types with repr(): keep the arguments
        return f"FixedDecimal(scale={self.scale}, precision={self.precision})"

    def _quantize(self, value) -> Decimal:
        if isinstance(value, float):
            raise TypeError("exact decimal columns do not take float")
        return Decimal(str(value)).quantize(self._quantum, rounding=ROUND_HALF_UP)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = self._quantize(value)
        if dialect.name == "sqlite":
            return int(value.scaleb(self.scale))
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale).quantize(self._quantum)
        return self._quantize(value)


class MoneyType(FixedDecimal):
    """Amounts in yuan, to the fen."""

    cache_ok = True

    def __init__(self):
        super().__init__(scale=2, precision=14)

    def __repr__(self) -> str:
        return "MoneyType()"
