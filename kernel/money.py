"""Money: ``Decimal`` yuan with exactly two places (fen), rounded half-up,
stored as ``NUMERIC(14, 2)`` and sent on the wire as a string ("1234.50").

Never use float for money anywhere: ``money(0.1)`` is refused on purpose.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from marshmallow import ValidationError, fields
from sqlalchemy import BigInteger, Numeric
from sqlalchemy.types import TypeDecorator

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
CURRENCY = "CNY"



def money(value) -> Decimal:
    """Coerce ``value`` (Decimal, int or numeric string) to yuan at fen precision."""
    if isinstance(value, float):
        raise TypeError("money must not be built from float; pass a string or Decimal")
    if isinstance(value, bool):
        raise TypeError("money must not be built from bool")
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
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

    def __init__(self, *, allow_negative: bool = True, **kwargs):
        self.allow_negative = allow_negative
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
        except (TypeError, ValueError):
            raise self.make_error("invalid") from None
        if abs(amount) >= Decimal("1e12"):
            raise ValidationError("Amount is out of range.")
        if not self.allow_negative and amount < 0:
            raise ValidationError("Amount must not be negative.")
        return amount


class MoneyType(TypeDecorator):
    """SQLAlchemy column type for amounts in yuan.

    PostgreSQL stores ``NUMERIC(14, 2)``. SQLite has no exact decimal type (it
    would keep REAL), so there the column holds whole fen as an integer; ``SUM``
    stays exact on both and Python always sees ``Decimal``.
    """

    impl = Numeric(14, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(14, 2, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = money(value)
        if dialect.name == "sqlite":
            return int(value * 100)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(FEN)
        return money(value)
