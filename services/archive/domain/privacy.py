"""Masking of resident data: the one rule lives in :mod:`kernel.privacy` (tickets use
it too); re-exported here for archive's domain."""
from __future__ import annotations

from kernel.privacy import (ID_NUMBER_ROLES, PHONE_ROLES, email_for, mask_email, mask_name,  # noqa: F401
                            mask_id_number, mask_phone, phone_for, sees_id_numbers, sees_phones)
