"""Personal data for display -- one rule everywhere: how a masked value looks, and who
sees what. Archive's household views and tickets' reporter phones call the same functions.

Who sees what (000 §八: resident data is never disclosed):
- phone numbers (and e-mail addresses) in full: the platform itself, the customer-service
  desk that calls residents back (``PHONE_ROLES``), and a resident for their own household;
  everyone else sees ``138****5678``;
- ID numbers in full: the platform and the customer-service heads (``ID_NUMBER_ROLES``), and
  only in the access-logged household file; everywhere else they are left out.
- staff free text (a ticket's step notes, a renovation's notes): as written for the platform and the
  desk that wrote it (``FREE_TEXT_ROLES``); everyone else -- residents too -- reads it with the ID
  numbers and mobiles typed into it masked (:func:`mask_free_text`, :func:`free_text_for`);
- bank account numbers (a debit mandate's, 托收账号): masked everywhere (``6222 **** **** 1234``);
  in full only in the bank collection file and to finance (``BANK_ACCOUNT_ROLES``) through a
  read that is logged on ``wuye.audit``.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from .tenancy import Caller, Role

#: roles whose work needs residents' phone numbers: they call them back
PHONE_ROLES = frozenset({Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER})
#: roles that read staff free text (a ticket's step notes, a renovation's review and patrol notes) as it
#: was written, ID numbers and mobiles typed into it whole: the service centre's desk that wrote it --
#: everyone else reads it through :func:`mask_free_text`
FREE_TEXT_ROLES = PHONE_ROLES
#: roles that may see whole ID numbers (identity checks, lawyer letters) -- in the file only
ID_NUMBER_ROLES = frozenset({Role.CS_MANAGER, Role.CENTRE_MANAGER})
#: roles that may read a whole bank account number (the cashier checks it against the bank's answer)
BANK_ACCOUNT_ROLES = frozenset({Role.FINANCE})


def mask_phone(phone: str | None) -> str | None:
    """13812345678 -> 138****5678."""
    if not phone:
        return phone
    digits = phone.replace(" ", "")
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_email(email: str | None) -> str | None:
    """zhang@example.com -> ***@example.com."""
    return email and "***@" + email.split("@")[-1]


def mask_openid(openid: str | None) -> str | None:
    """A WeChat openid (it names the person to the official account): oAbC****wxYz."""
    if not openid:
        return openid
    if len(openid) <= 8:
        return "*" * len(openid)
    return openid[:4] + "****" + openid[-4:]


def mask_address(channel: str | None, address: str | None) -> str | None:
    """A delivery's address as any read shows it: phone, e-mail or openid, masked."""
    if channel == "email":
        return mask_email(address)
    if channel == "wechat":
        return mask_openid(address)
    return mask_phone(address)


def mask_id_number(value: str | None) -> str | None:
    """An identity document's number as a masked read shows it -- never more than a few characters:
    an 18-character ID card or residence permit 110101199001011237 -> 1101**********1237 (the region
    and the check, 8 of 18); a passport or a travel permit (8-11 characters, where 4 + 4 would be
    nearly all of it) C12345678 -> C1*****78, H1234567801 -> H1*******01 (2 + 2); a number of 6 or 7
    characters its first and its last two; anything shorter all stars."""
    if not value:
        return value
    n = len(value)
    if n <= 5:
        return "*" * n
    head, tail = (4, 4) if n >= 15 else (2, 2) if n >= 8 else (1, 2)
    return value[:head] + "*" * (n - head - tail) + value[-tail:]


#: what the platform secret is stretched with for :func:`id_number_digest` (another use, another key)
ID_DIGEST_LABEL = b"wuye/id-number-digest/v1"


def id_number_digest(value: str | None, secret: str) -> str | None:
    """A keyed hash of an identity document's number (HMAC-SHA256 under a key derived from the platform
    secret, ``WUYE_SECRET``): what a record keeps instead of the number when it must later recognise the
    same number again (a key borrower's late-return flag, the owner who deposited a key) -- equal numbers
    give equal digests, the digest gives no number back, and without the secret nobody can try the few
    billion possible ID numbers against it. The number is compared as stored (upper-cased, no spaces),
    whatever document type it was given as. Changing ``WUYE_SECRET`` makes earlier digests unmatched."""
    if not value:
        return None
    key = hmac.new(secret.encode(), ID_DIGEST_LABEL, hashlib.sha256).digest()
    return hmac.new(key, "".join(value.split()).upper().encode(), hashlib.sha256).hexdigest()


#: what may stand between the groups of a number typed into text (after NFKC, so a full-width space or
#: hyphen is one of these): one space, hyphen or dash -- "139 1234 5678", "139-1234-5678"
_SEP = r"[ \-\u2010\u2011\u2012\u2013]?"
#: an 18-character resident ID / residence-permit number (the last may be X) standing alone in text,
#: whole or in its usual groups (region 6, birth date 8 -- or 4 + 4 --, sequence and check 4)
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{5}" + _SEP + r"[0-9]{4}" + _SEP + r"[0-9]{4}" + _SEP
                         + r"[0-9]{3}[0-9Xx](?![0-9A-Za-z])")
#: a mainland mobile number (11 digits, 1[3-9]...), optionally +86 / 86 before it, standing alone, whole
#: or in its usual 3-4-4 groups; group 1 is the number itself
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9][0-9]" + _SEP + r"[0-9]{4}" + _SEP
                             + r"[0-9]{4})(?![0-9])")


def _nfkc_aligned(text: str) -> str:
    """``text`` with each character NFKC-normalised on its own where that gives one character (a full-width
    digit, letter, space or hyphen becomes its ASCII self), else kept: the same length, so a match in it is
    a match at the same place in ``text``."""
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
            continue
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isascii() and (c.isdigit() or c in "Xx"))


def mask_free_text(text: str | None) -> str | None:
    """Staff free text (a note, a pass's detail, a void reason) as a reader who is not the writer's desk
    sees it: every 18-character ID number in it masked as :func:`mask_id_number` does
    (110101199003077774 -> 1101**********7774) and every 11-digit mobile as :func:`mask_phone`
    (13912345678 -> 139****5678); the rest unchanged. The numbers are found in the text NFKC-normalised
    (full-width digits ``１３９…``, ``…123８`` count) and in their usual groups (``139 1234 5678``,
    ``139-1234-5678``, ``110101 19900307 7774``; one space, hyphen or full-width space between groups);
    a found number is written masked without its separators. Ordinary numbers (dates, amounts, unit
    numbers such as 1栋-0101, ticket numbers) are left alone. Applied twice it gives the same."""
    if not text:
        return text
    for pattern, mask in ((_ID_IN_TEXT, mask_id_number), (_MOBILE_IN_TEXT, mask_phone)):
        view = _nfkc_aligned(text)
        parts, at = [], 0
        for m in pattern.finditer(view):
            start, end = m.span(m.lastindex or 0)
            parts += [text[at:start], mask(_digits(view[start:end]))]
            at = end
        text = "".join(parts) + text[at:]
    return text


#: what :func:`mask_free_text` leaves in a text: a masked ID number or a masked mobile
_MASKED_IN_TEXT = re.compile(r"[0-9]{4}\*{10}[0-9Xx]{4}|1[3-9][0-9]\*{4}[0-9]{4}")


def free_text_masked(text: str | None) -> bool:
    """Does ``text`` carry what :func:`mask_free_text` leaves (a masked ID number or mobile)? False means
    masking changed nothing in it: the text as masked is the text as written."""
    return bool(text) and _MASKED_IN_TEXT.search(text) is not None


def mask_name(name: str | None) -> str | None:
    """张伟 -> 张*, 欧阳娜娜 -> 欧***: the first character (the family name, mostly) and a star per
    character left. Applied twice it gives the same (a retention erasure may run again)."""
    if not name:
        return name
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_bank_account(value: str | None) -> str | None:
    """6222021234567890123 -> 6222 **** **** 0123: the first four digits (the bank), the last
    four (what the holder recognises), never how long the number is."""
    if not value:
        return value
    digits = value.replace(" ", "")
    if len(digits) <= 8:
        return "*" * len(digits)
    return f"{digits[:4]} **** **** {digits[-4:]}"


def sees_phones(caller: Caller, own_household: bool = False) -> bool:
    """Whether ``caller`` sees residents' phones in full (``own_household``: the resident's own)."""
    return caller.is_system or (own_household and caller.is_resident) or bool(caller.roles & PHONE_ROLES)


def sees_free_text(caller: Caller) -> bool:
    """Whether ``caller`` reads staff free text as written (the platform, :data:`FREE_TEXT_ROLES`); a
    resident -- even about their own household -- and other staff read it masked."""
    return caller.is_system or bool(caller.roles & FREE_TEXT_ROLES)


def free_text_for(caller: Caller, text: str | None) -> str | None:
    """Staff free text as ``caller`` may read it: as written for the desk, else :func:`mask_free_text`."""
    return text if sees_free_text(caller) else mask_free_text(text)


def sees_id_numbers(caller: Caller) -> bool:
    return caller.is_system or bool(caller.roles & ID_NUMBER_ROLES)


def sees_bank_accounts(caller: Caller) -> bool:
    """Whether ``caller`` may ask for a whole bank account number (a logged read)."""
    return caller.is_system or bool(caller.roles & BANK_ACCOUNT_ROLES)


def phone_for(caller: Caller, phone: str | None, own_household: bool = False) -> str | None:
    """``phone`` as ``caller`` may see it."""
    return phone if sees_phones(caller, own_household) else mask_phone(phone)


def email_for(caller: Caller, email: str | None, own_household: bool = False) -> str | None:
    return email if sees_phones(caller, own_household) else mask_email(email)
