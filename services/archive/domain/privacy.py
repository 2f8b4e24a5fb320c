"""Masking of resident data (000 §八: resident data is never disclosed; ID
numbers and phones are masked unless the reader's role needs them)."""
from __future__ import annotations

from kernel.privacy import mask_id_number, mask_phone  # noqa: F401  (re-exported)
from kernel.tenancy import Caller, Role

#: roles whose work needs residents' phone numbers: they call them back
PHONE_ROLES = frozenset({Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER})
#: roles that may see whole ID numbers (identity checks, lawyer letters)
ID_NUMBER_ROLES = frozenset({Role.CS_MANAGER, Role.CENTRE_MANAGER})


def sees_phones(caller: Caller, own_household: bool = False) -> bool:
    return caller.is_system or own_household or bool(caller.roles & PHONE_ROLES)


def sees_id_numbers(caller: Caller) -> bool:
    return caller.is_system or bool(caller.roles & ID_NUMBER_ROLES)
