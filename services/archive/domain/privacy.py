"""Masking of resident data (000 §八: resident data is never disclosed; ID
numbers and phones are masked unless the reader's role needs them)."""
from __future__ import annotations

from kernel.tenancy import Caller, Role

#: roles whose work needs residents' phone numbers: they call them back
PHONE_ROLES = frozenset({Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER})
#: roles that may see whole ID numbers (identity checks, lawyer letters)
ID_NUMBER_ROLES = frozenset({Role.CS_MANAGER, Role.CENTRE_MANAGER})


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    digits = phone.replace(" ", "")
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(value: str | None) -> str | None:
    if not value:
        return value
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def sees_phones(caller: Caller, own_household: bool = False) -> bool:
    return caller.is_system or own_household or bool(caller.roles & PHONE_ROLES)


def sees_id_numbers(caller: Caller) -> bool:
    return caller.is_system or bool(caller.roles & ID_NUMBER_ROLES)
