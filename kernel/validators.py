"""The one source of the validators every boundary shares: phone numbers, ID numbers,
instants and dates that stay in range. The gateway's request schemas and every service's
schemas use these, so the portal and the services accept exactly the same values.

Patterns are matched in full (``fullmatch``): Python's ``$`` also matches before a final
newline, so ``"13800138000\\n"`` would pass a ``^...$`` pattern. Digits are ASCII only.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import available_timezones

from marshmallow import ValidationError, fields, validate

from .errors import RuleViolation
from stdnum.cn import ric

#: a mainland mobile (1[3-9] + 9 digits) or landline (0 + area code + number), optionally +86
PHONE_PATTERN = r"(\+?86-?)?(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})"
_PHONE = re.compile(PHONE_PATTERN)
#: instants and dates the platform works with; outside this, arithmetic could overflow
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999


#: a bank account or card number (托收账号): 12-30 ASCII digits, spaces between groups allowed
_BANK_ACCOUNT = re.compile(r"[0-9]{12,30}")


def is_phone(value: str) -> bool:
    """Spaces between digit groups are allowed ("+86 139 8765 4321")."""
    return isinstance(value, str) and _PHONE.fullmatch(value.replace(" ", "")) is not None


def is_id_number(value: str) -> bool:
    """A resident identity card number (18 characters, 17 digits first) must carry a valid
    GB 11643 check digit and birth date (a Hong Kong/Macau/Taiwan residence permit's too);
    other documents are checked by their format (:func:`id_document_error`, the type guessed
    from the shape: :func:`guess_id_type`)."""
    if not isinstance(value, str):
        return False
    return id_document_error(guess_id_type(value), value) is None


# -- identity documents (证件) -----------------------------------------------------------------------

#: the identity documents a person of a household is registered with (证件类型):
#: ``resident_id`` 居民身份证 (18 characters, GB 11643 check digit, a real birth date and place),
#: ``passport`` 护照 (any country: 6-20 letters and digits, at least one digit -- no check digit
#: outside the machine-readable zone), ``hk_macau_permit`` 港澳居民来往内地通行证 (H or M and 8 or
#: 10 digits), ``taiwan_permit`` 台湾居民来往大陆通行证 (8 digits), ``hmt_residence_permit``
#: 港澳台居民居住证 (18 characters beginning 810000 / 820000 / 830000, GB 11643 check digit and
#: birth date)
ID_TYPES = ("resident_id", "passport", "hk_macau_permit", "taiwan_permit", "hmt_residence_permit")
ID_TYPE_NAMES = {"resident_id": "居民身份证 (resident ID card)", "passport": "护照 (passport)",
                 "hk_macau_permit": "港澳居民来往内地通行证 (Hong Kong/Macau permit)",
                 "taiwan_permit": "台湾居民来往大陆通行证 (Taiwan permit)",
                 "hmt_residence_permit": "港澳台居民居住证 (HK/Macau/Taiwan residence permit)"}
_EIGHTEEN = re.compile(r"[0-9]{17}[0-9X]")
_PASSPORT = re.compile(r"(?=[A-Z]*[0-9])[0-9A-Z]{6,20}")
_HK_MACAU_PERMIT = re.compile(r"[HM][0-9]{8}([0-9]{2})?")
_TAIWAN_PERMIT = re.compile(r"[0-9]{8}")
_RESIDENCE_PERMIT_PREFIXES = ("810000", "820000", "830000")


def guess_id_type(value: str) -> str:
    """The document type a number's shape says (a number given without its type): 18 characters
    with 17 digits -- a residence permit when it begins 810000/820000/830000, else a resident ID;
    H/M and digits -- a Hong Kong/Macau permit; 8 digits -- a Taiwan permit; anything else a passport."""
    value = value.upper() if isinstance(value, str) else ""
    if _EIGHTEEN.fullmatch(value):
        return "hmt_residence_permit" if value.startswith(_RESIDENCE_PERMIT_PREFIXES) else "resident_id"
    if _HK_MACAU_PERMIT.fullmatch(value):
        return "hk_macau_permit"
    if _TAIWAN_PERMIT.fullmatch(value):
        return "taiwan_permit"
    return "passport"


def _birth_date(value: str):
    """The birth date an 18-character number carries, or None when there is no such day."""
    try:
        return ric.get_birth_date(value)
    except Exception:       # stdnum's InvalidComponent: no such date
        return None


def id_document_error(id_type: str, value: str) -> str | None:
    """Why ``value`` is not a number of a ``id_type`` document, or None when it is one."""
    if id_type not in ID_TYPES:
        return f"Unknown identity document type {id_type!r} (one of {', '.join(ID_TYPES)})."
    name = ID_TYPE_NAMES[id_type]
    if not isinstance(value, str):
        return f"Not a {name} number."
    value = value.upper()
    if id_type == "resident_id":
        if not _EIGHTEEN.fullmatch(value):
            return f"A {name} number is 17 digits and a check digit (0-9 or X)."
        if value.startswith(_RESIDENCE_PERMIT_PREFIXES):
            return f"This is a residence permit number: id_type hmt_residence_permit."
        if value[-1] != ric.calc_check_digit(value):
            return f"Not a valid {name} number: wrong GB 11643 check digit."
        if _birth_date(value) is None:
            return f"Not a valid {name} number: no such birth date ({value[6:14]})."
        # no region check: python-stdnum's region table is incomplete (320102 南京玄武区 is missing);
        # the check digit and the birth date are what a typo breaks (trial 4, L4)
        return None
    if id_type == "hmt_residence_permit":
        if not (_EIGHTEEN.fullmatch(value) and value.startswith(_RESIDENCE_PERMIT_PREFIXES)):
            return f"A {name} number is 18 characters beginning 810000, 820000 or 830000."
        if value[-1] != ric.calc_check_digit(value):
            return f"Not a valid {name} number: wrong GB 11643 check digit."
        if _birth_date(value) is None:
            return f"Not a valid {name} number: no such birth date ({value[6:14]})."
        return None
    pattern, shape = {"passport": (_PASSPORT, "6-20 letters and digits"),
                      "hk_macau_permit": (_HK_MACAU_PERMIT, "H or M and 8 or 10 digits"),
                      "taiwan_permit": (_TAIWAN_PERMIT, "8 digits")}[id_type]
    if pattern.fullmatch(value) is None:
        return f"A {name} number is {shape}."
    return None


def normalize_id_number(value: str | None) -> str | None:
    """As stored: letters upper-cased (``x`` -> ``X``)."""
    return value.upper() if isinstance(value, str) else value


class IdNumberInvalid(RuleViolation):
    """An identity document's number that cannot be one (a resident ID's GB 11643 check digit wrong --
    python-stdnum's ``cn.ric`` --, no such birth date, a passport of the wrong shape): HTTP 422
    ``id_number_invalid`` where a number is compared with the household file (:func:`require_id_number`)."""
    default_code = "id_number_invalid"
    zh = "证件号码无效（校验位或格式不符），请核对证件"


#: the shape an ID number compared with the file may take before :func:`require_id_number` says
#: whether it is one (one line, 1-40 letters and digits): garbage is a 400, a wrong check digit a 422
ID_NUMBER_TEXT = validate.Regexp(r"[0-9A-Za-z]{1,40}\Z", error="1-40 letters and digits.")


def require_id_number(value: str, id_type: str | None = None) -> str:
    """THE check of an ID number compared with the household file (goods release's identity check,
    archive's ``match_identity``): the number against its document type (guessed from its shape when
    not given -- :func:`id_document_error`, python-stdnum's GB 11643 check digit for a resident ID);
    returns it as stored (:func:`normalize_id_number`), raises :class:`IdNumberInvalid` (422)."""
    error = id_document_error(id_type or guess_id_type(value), value) if isinstance(value, str) \
        else "Not an identity document number."
    if error is not None:
        raise IdNumberInvalid(f"id_number: {error}", details={"id_number": [error]})
    return normalize_id_number(value)


def check_id_document(data: dict, type_field: str = "id_type", number_field: str = "id_number") -> None:
    """A schema's identity document (``@validates_schema``): the number checked against its type
    (the type guessed from the number when not given); a type without a number is refused. Raises
    ``ValidationError`` on the number's field naming the document -- one rule for a service's
    schema and the gateway's that forwards to it."""
    id_type, number = data.get(type_field), data.get(number_field)
    if number is None:
        if id_type is not None:
            raise ValidationError(f"{type_field} {id_type} needs its {number_field}.", number_field)
        return
    error = id_document_error(id_type or guess_id_type(number), number)
    if error is not None:
        raise ValidationError(error, number_field)


def is_bank_account(value: str) -> bool:
    """12-30 ASCII digits once the spaces between digit groups are taken out. No check digit:
    bank *card* numbers (ISO/IEC 7812, 13-19 digits) end in a Luhn digit, but a debit mandate
    may name a passbook or settlement account number, which has none (and is up to 30 long)."""
    return isinstance(value, str) and _BANK_ACCOUNT.fullmatch(value.replace(" ", "")) is not None


def bank_account_digits(value: str) -> str:
    """The digits of a valid bank account number as stored and exported (no spaces)."""
    return value.replace(" ", "")


class BankAccount(validate.Validator):
    error = "Not a bank account number (12-30 digits)."

    def __call__(self, value):
        if value is not None and not is_bank_account(value):
            raise ValidationError(self.error)
        return value


class Phone(validate.Validator):
    error = "Not a mainland China mobile or landline number."

    def __call__(self, value):
        if value is not None and not is_phone(value):
            raise ValidationError(self.error)
        return value


class IdNumber(validate.Validator):
    error = ("Not a valid ID number (GB 11643 check digit) or identity document number (passport, "
             "Hong Kong/Macau or Taiwan permit).")

    def __call__(self, value):
        if value is not None and not is_id_number(value):
            # what exactly is wrong (the check digit, the birth date, the region, the shape) for the
            # type the number's shape says; the schema's check_id_document names the type given
            raise ValidationError(id_document_error(guess_id_type(value), value)
                                  if isinstance(value, str) else self.error)
        return value


@lru_cache(maxsize=1)
def _zones() -> frozenset:
    return frozenset(available_timezones())


class TimeZone(validate.Validator):
    error = "Unknown IANA time zone."

    def __call__(self, value):
        if value is not None and value not in _zones():
            raise ValidationError(self.error)
        return value


class Stated(validate.Validator):
    """Free text that must say something: at least ``min_chars`` characters besides
    white space (a file read's purpose, a reason), at most ``max_chars`` in all."""

    def __init__(self, min_chars: int = 2, max_chars: int = 400):
        self.min_chars, self.max_chars = min_chars, max_chars

    def __call__(self, value):
        if value is None:
            return value
        if len(value) > self.max_chars:
            raise ValidationError(f"At most {self.max_chars} characters.")
        if len("".join(value.split())) < self.min_chars:
            raise ValidationError(f"Say it in at least {self.min_chars} characters (not only spaces).")
        return value

    def _repr_args(self) -> str:
        return f"min_chars={self.min_chars!r}, max_chars={self.max_chars!r}"


class Month(validate.Validator):
    """A calendar month written ``YYYY-MM`` (ASCII digits, month 01-12), in years 1900-2999."""

    error = f"Not a month written YYYY-MM (01-12) between {EARLIEST_YEAR} and {LATEST_YEAR}."

    def __call__(self, value):
        if value is not None and parse_month(value) is None:
            raise ValidationError(self.error)
        return value


def parse_month(value) -> tuple[int, int] | None:
    """``"2026-11"`` -> ``(2026, 11)``; None for anything else (``2026-13``, ``2026-1``, ``"２０２６-11"``)."""
    if not isinstance(value, str) or _MONTH.fullmatch(value) is None:
        return None
    year, month = int(value[:4]), int(value[5:])
    return (year, month) if _in_range(year) and 1 <= month <= 12 else None


_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
#: one line of text without control characters (a name written into a CSV file for a bank): no C0 or
#: C1 control, no Unicode line or paragraph separator, no invisible format character (zero-width
#: spaces and joiners, bidirectional overrides that make a cell read backwards, the BOM)
ONE_LINE = validate.Regexp(r"[^\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]*\Z",
                           error="One line of text without control characters.")
#: Unicode categories nobody types into a name, a note or free text: controls, format characters
#: (zero-width spaces and joiners, direction marks, embeddings, overrides and isolates, the BOM), line
#: and paragraph separators, surrogates -- THE character rule of :class:`Text` and :data:`FREE_TEXT`
_UNSEEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_INVISIBLE_NAMES = {**{c: "a zero-width character" for c in "\u200b\u200c\u200d\u2060\ufeff"},
                    **{c: "a direction control" for c in "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067"
                                                          "\u2068\u2069"},
                    "\u2028": "a line separator", "\u2029": "a paragraph separator"}


def unseen_char_error(value, *, one_line: bool) -> str | None:
    """Why ``value`` holds a character nobody reads (see :data:`_UNSEEN`; line breaks and tabs allowed
    unless ``one_line``), naming the first one with its code point and position; None when clean."""
    if not isinstance(value, str):
        return None
    for position, char in enumerate(value, 1):
        if char in "\t\n\r" and not one_line:
            continue
        if unicodedata.category(char) in _UNSEEN:
            what = _INVISIBLE_NAMES.get(char) or "a control character"
            return (f"The text contains U+{ord(char):04X} ({what}) at position {position}: invisible and "
                    "control characters are not allowed" + ("." if one_line else " (line breaks and tabs are)."))
    return None


def free_text_error(value) -> str | None:
    """Why ``value`` is not acceptable free text (several lines allowed), or None."""
    return unseen_char_error(value, one_line=False)


class FreeText(validate.Validator):
    """Free text of several lines (a repair's content, a template's body): line breaks (``\\n``,
    ``\\r\\n``) and tabs, no other control character, no zero-width or direction-control character
    (:func:`free_text_error`), and not only spaces, tabs or line breaks (``"   "``, ``"\\u3000\\u3000"``:
    text that says nothing) -- the one rule every free text field shares. The empty string passes: the
    field's own length says whether it may be empty (an optional note)."""

    def __call__(self, value):
        error = free_text_error(value)
        if error is not None:
            raise ValidationError(error)
        if isinstance(value, str) and value and not value.strip():
            raise ValidationError("Not blank: only spaces or line breaks say nothing.")
        return value


#: the one rule for free text (several lines): see :class:`FreeText`; ``ONE_LINE`` for a single line
FREE_TEXT = FreeText()
#: the text of an uploaded file: lines and tabs, no other control character (NUL breaks PostgreSQL)
TEXT_FILE = validate.Regexp(r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*\Z",
                            error="Text with line breaks and tabs, no other control characters.")


class Text(validate.Validator):
    """THE rule for text people read back -- names of people, catalogue and document titles (one
    line), notes and reasons (lines): at most ``max_chars``; no control character (a note keeps line
    breaks and tabs), no invisible or format character (zero-width spaces and joiners, the BOM,
    bidirectional marks, embeddings, overrides and isolates that make text read backwards or hide a
    file's real extension), no line or paragraph separator; a name is not blank or only spaces.
    The census correction's names, the people's, the catalogue's and the documents' share it."""

    def __init__(self, max_chars: int, *, one_line: bool = True, blank: bool = False,
                 blank_error: str = "Not blank or only spaces."):
        self.max_chars, self.one_line, self.blank, self.blank_error = max_chars, one_line, blank, blank_error

    def __call__(self, value):
        if value is None:
            return value
        if len(value) > self.max_chars:
            raise ValidationError(f"At most {self.max_chars} characters.")
        error = unseen_char_error(value, one_line=self.one_line)
        if error is not None:
            raise ValidationError(error)
        if not self.blank and not value.strip():
            raise ValidationError(self.blank_error)
        return value

    def _repr_args(self) -> str:
        return f"max_chars={self.max_chars!r}, one_line={self.one_line!r}, blank={self.blank!r}"


def text_key(value: str) -> str:
    """The form two names are compared in, as people read them: full-width folded (NFKC), invisible
    format characters dropped, white space collapsed, case folded -- ``"客厅"``, ``" 客厅 "`` and
    ``"客\u200b厅"`` are one room."""
    text = "".join(c for c in unicodedata.normalize("NFKC", value) if unicodedata.category(c) != "Cf")
    return " ".join(text.split()).casefold()


def name_key(value: str | None) -> str:
    """The form a person's name is compared in when who they are is already known (a resident's own
    account against the household file): :func:`text_key` with every blank dropped -- ``"张 伟"``,
    ``"张伟"`` and full-width ``"ｚｈａｎｇ　ｗｅｉ"`` / ``"Zhang Wei"`` are one name. Never a match on its own
    where the person is a stranger (the desk's match needs the ID number too)."""
    return "".join(text_key(value or "").split())


#: a person's name (姓名), a catalogue's or a document's title: one line, not blank
NAME = Text(100)
TITLE = Text(200)
#: a room of a vacant unit's check (客厅, 主卧): one line of at most 50 characters, not blank
VACANT_ROOM = Text(50, blank_error="房间名称不能为空 (the room is blank: name it, e.g. 客厅)")
#: a note, a reason: lines, may be empty
NOTE = Text(1000, one_line=False, blank=True)
#: the form of a record's id given in a body (a user's id praise names): 1-64 letters, digits, ``.``,
#: ``_``, ``:`` or ``-``, starting with a letter or digit -- the ids of the platform (UUIDs, short codes)
#: and no path (``../../admin``), the same rule as the gateway's ids in a path (``gateway.routing.PATH_ID``)
RECORD_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}"
RECORD_ID = validate.Regexp(RECORD_ID_PATTERN + r"\Z",
                            error="An id: 1-64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit.")
#: a reference to a stored document or object (a photo's document id, an object key): 1-128 of
#: letters, digits and ``. _ : / -``, starting with a letter or digit, never ``..`` nor ``//`` (the
#: inspection round's photo, ``services/tickets/domain/inspections.py``)
OBJECT_REF = validate.Regexp(r"(?!.*(\.\.|//))[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}\Z",
                             error="a document or object id: 1-128 letters, digits, . _ : / - (no '..')")

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")


def _photo_ref(value: str) -> bool:
    """A photo reference: an archive document id (a UUID) or a storage key of ours
    (``kernel.storage.check_key``: two or more parts of letters, digits, ``. _ -``, no ``.``/``..``),
    at most 128 characters -- never a URL, a scheme (``javascript:``) or a path leaving its root."""
    from .storage import InvalidStorageKey, check_key
    if not isinstance(value, str) or len(value) > 128:
        return False
    if _UUID.match(value):
        return True
    try:
        check_key(value)
    except InvalidStorageKey:
        return False
    return True


def _check_photo_ref(value):
    if not _photo_ref(value):
        raise ValidationError("a photo reference: an archive document id (UUID) or a storage key such as "
                              "tickets/<group>/<project>/photos/<id>.jpg (letters, digits, . _ - between '/'; "
                              "no URL or scheme)")
    return True


#: the one validator of photo references (inspection results' ``photo_ref``)
PHOTO_REF = _check_photo_ref


class AskedPurpose(fields.String):
    """The purpose of a read (查阅目的) where a route asks one: blank is none stated -- archive answers
    staff 400 purpose_required (one check, ``access.require_purpose``); a resident's own read needs none."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        return text if text.strip() else None


BANK_ACCOUNT = BankAccount()
#: a WeChat openid (the official account's id of a person): 28 characters today, letters, digits, - and _
WECHAT_OPENID = validate.Regexp(r"[A-Za-z0-9_-]{6,64}\Z", error="a WeChat openid (6-64 letters, digits, - or _)")
PHONE = Phone()
ID_NUMBER = IdNumber()
ID_TYPE = validate.OneOf(ID_TYPES)
TIME_ZONE = TimeZone()
PURPOSE = Stated(2, 400)
MONTH = Month()


def _in_range(year: int) -> bool:
    return EARLIEST_YEAR <= year <= LATEST_YEAR


class AwareDateTime(fields.AwareDateTime):
    """An instant with its offset that converts to UTC without overflow, in years 1900-2999
    ("9999-12-31T23:59:59-23:59" and "0001-01-01T00:00:00+23:59" are refused, not a 500)."""

    default_error_messages = {"range": f"Not a date-time between {EARLIEST_YEAR} and {LATEST_YEAR}."}

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        result = super()._deserialize(value, attr, data, **kwargs)
        try:
            utc = result.astimezone(timezone.utc)
        except (OverflowError, ValueError):
            raise self.make_error("range") from None
        if not (_in_range(result.year) and _in_range(utc.year)):
            raise self.make_error("range")
        return result


class Date(fields.Date):
    """A calendar date in years 1900-2999."""

    default_error_messages = {"range": f"Not a date between {EARLIEST_YEAR} and {LATEST_YEAR}."}

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        result = super()._deserialize(value, attr, data, **kwargs)
        if not _in_range(result.year):
            raise self.make_error("range")
        return result


def check_period(data: dict, start: str, end: str, *, max_days: int) -> None:
    """A schema's date period (``@validates_schema``): ``data[end]`` on or after ``data[start]``
    and at most ``max_days`` days from first to last day inclusive -- one rule for a service's
    schema and the gateway's that forwards to it. Raises ``ValidationError`` on ``end``."""
    first, last = data.get(start), data.get(end)
    if first is None or last is None:
        return
    if last < first:
        raise ValidationError(f"{end} must not be before {start}", end)
    if (last - first).days + 1 > max_days:
        raise ValidationError(f"the period is at most {max_days} days", end)


def check_months(data: dict, month: str, start: str, end: str, *, max_months: int) -> None:
    """A report of one month (``data[month]``) or of the months ``data[start]``..``data[end]``
    (``@validates_schema``; every value ``YYYY-MM`` already): one or the other, the range in order
    and at most ``max_months`` months -- one rule for a service's schema and the gateway's."""
    one, first, last = data.get(month), data.get(start), data.get(end)
    if one is not None and (first is not None or last is not None):
        raise ValidationError(f"either {month} or a range, not both", month)
    if one is None and (first is None or last is None):
        raise ValidationError(f"a {month}, or both ends of a range", month if first is None and last is None
                              else (end if last is None else start))
    if one is not None:
        return
    a, b = parse_month(first), parse_month(last)
    if a is None or b is None:
        return
    count = (b[0] - a[0]) * 12 + b[1] - a[1] + 1
    if count < 1:
        raise ValidationError(f"{end} must not be before {start}", end)
    if count > max_months:
        raise ValidationError(f"a range is at most {max_months} months", end)


class LocalTime(fields.Time):
    """A time of day on the minute in a project's local time ("08:00", "17:30"): no offset (the
    project's time zone says it), no seconds. Dumped as "HH:MM"."""

    default_error_messages = {"local": "A local time of day on the minute (\"08:00\"), without an offset."}

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if result.tzinfo is not None or result.second or result.microsecond:
            raise self.make_error("local")
        return result

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.isoformat(timespec="minutes")


class AtMostPlaces(validate.Validator):
    """A decimal with at most ``places`` decimal places (a quantity of 1.5 m, not 1.555 m)."""

    error = "At most {places} decimal places."

    def __init__(self, places: int):
        self.places = places

    def _repr_args(self) -> str:
        return f"places={self.places!r}"

    def __call__(self, value):
        if value is not None and value.normalize().as_tuple().exponent < -self.places:
            raise ValidationError(self.error.format(places=self.places))
        return value


#: a quantity of a priced item (a quote line): more than 0, at most 10 000, at most 2 places
QUANTITY = (validate.Range(min=0, min_inclusive=False, max=10000), AtMostPlaces(2))


class Quantity(fields.Decimal):
    """A quantity as plain decimal text or an integer ("2", "1.5", 2): no exponent ("1e3"),
    digit separators, other scripts' digits or floats (which carry binary noise) -- the same
    spelling rule as money (:data:`kernel.money.AMOUNT_TEXT`). Checked by :data:`QUANTITY`."""

    default_error_messages = {"spelling": "Write a plain decimal number (\"2\", \"1.5\")."}

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", QUANTITY)
        super().__init__(as_string=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        from .money import AMOUNT_TEXT
        if isinstance(value, bool) or isinstance(value, float) or not (
                isinstance(value, int) or (isinstance(value, str) and AMOUNT_TEXT.fullmatch(value))):
            raise self.make_error("spelling")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """``true`` or ``false`` as JSON booleans only: "yes", "1" or 1 are refused, not read as true."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


#: a unit's use (房屋用途): which fee prices apply to it (billing's fee schedule) -- high-rise
#: residential (高层住宅), villa (别墅), commercial / shop (商铺), office (写字楼), parking (车位)
UNIT_USAGES = ("residential", "villa", "commercial", "office", "parking")


class Reference(fields.String):
    """A payment's reference as staff type it from a slip (POS 参考号, a transfer's 流水号): compared
    the way people read it -- full-width forms folded (NFKC), invisible characters (zero-width
    spaces, other format characters) and surrounding white space removed, letters upper-cased --
    so ``TR-0001``, `` tr-0001 `` and ``ＴＲ-0001`` are one reference and a slip cannot be recorded
    twice by retyping it. Control characters inside are refused; 1-64 characters after folding."""

    def _deserialize(self, value, attr, data, **kwargs):
        import unicodedata
        text = super()._deserialize(value, attr, data, **kwargs)
        text = "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf")
        text = text.strip().upper()
        if any(unicodedata.category(c) == "Cc" for c in text):
            raise ValidationError("a reference has no control characters")
        if not 1 <= len(text) <= 64:
            raise ValidationError("1-64 characters")
        return text


#: an opening balance carried over (期初余额), owed or prepaid: at most ten million yuan either way --
#: a figure beyond is a typing slip (the journal's events carry amounts below 10^12)
OPENING_BALANCE_RANGE = validate.Range(min=Decimal("-10000000.00"), max=Decimal("10000000.00"))
