"""archive's published events -- its public contract.

The registry is published as *snapshots*: each event carries the whole current
state of the record and its ``version``; a consumer upserts and ignores a
version older than the one it holds, so redelivery and reordering are harmless.

| event               | when                                   | subscribers            |
|---------------------|----------------------------------------|------------------------|
| project.changed     | a project is registered or edited      | tickets, billing, notify |
| unit.changed        | a unit is registered or edited         | tickets, billing, notify |
| household.changed   | move-in, people or contacts changed, move-out | tickets, billing, notify |
| steward.assigned    | a building's or unit's steward assigned, changed, removed | notify |
| setting.changed     | an archive setting changed              | -- (optional, audit)   |
| identity_match.locked | a unit's failed identity matches reached the day's limit of one caller (``archive.identity_match_failures_per_day``) or of the unit (``archive.identity_match_unit_failures_per_day``): an alert | notify (optional: the CS manager in-app) |

``household.changed`` carries names, phones and e-mails (notify must reach
people) but never ID numbers.
"""
from marshmallow import Schema, fields, validate

from kernel.messaging import EventContract
from kernel.settings import SETTING_CHANGED, SettingChanged

PROJECT_CHANGED = "project.changed"
UNIT_CHANGED = "unit.changed"
HOUSEHOLD_CHANGED = "household.changed"


class ProjectChanged(Schema):
    project_id = fields.String(required=True)
    group_id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    timezone = fields.String(required=True)
    version = fields.Integer(required=True)


class UnitChanged(Schema):
    unit_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    building_id = fields.String(required=True)
    building_name = fields.String(required=True)
    number = fields.String(required=True)
    label = fields.String(required=True)
    floor = fields.Integer(allow_none=True)
    building_area = fields.Decimal(required=True, as_string=True, places=2)
    usage = fields.String(required=True)
    version = fields.Integer(required=True)


class PersonSnapshot(Schema):
    person_id = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    locale = fields.String(required=True)


class HouseholdChanged(Schema):
    household_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["active", "moved_out"]))
    moved_in_on = fields.Date(allow_none=True)
    moved_out_on = fields.Date(allow_none=True)
    people = fields.List(fields.Nested(PersonSnapshot), required=True)
    version = fields.Integer(required=True)


# -- census (issue 11): the stewards' areas, and archive's settings -----------------------------------
STEWARD_ASSIGNED = "steward.assigned"


class StewardAssigned(Schema):
    """管家片区: a building's steward (``unit_id`` null) or one unit's (overriding its building's) was
    assigned, changed or removed (``steward_id`` null). The work phone is a staff number, published
    to residents (the move-in welcome): not masked."""

    assignment_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    building_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True)
    steward_id = fields.String(allow_none=True)
    steward_name = fields.String(allow_none=True)
    work_phone = fields.String(allow_none=True)
    assigned_at = fields.AwareDateTime(required=True)
    assigned_by = fields.String(required=True)
    version = fields.Integer(required=True)


IDENTITY_MATCH_LOCKED = "identity_match.locked"


class _Who(Schema):
    user_id = fields.String(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)


class IdentityMatchLocked(Schema):
    """身份核验锁定: the unit's failed identity matches (a name and an ID number not matching the file)
    reached the project's limit for the day -- the alert; no name or number tried is in it."""
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    unit_label = fields.String(required=True)
    household_id = fields.String(allow_none=True)
    failures = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    at = fields.AwareDateTime(required=True)
    last_caller = fields.Nested(_Who, required=True)


CONTRACT = EventContract("archive", {
    PROJECT_CHANGED: ProjectChanged,
    UNIT_CHANGED: UnitChanged,
    HOUSEHOLD_CHANGED: HouseholdChanged,
    STEWARD_ASSIGNED: StewardAssigned,
    SETTING_CHANGED: SettingChanged,
    IDENTITY_MATCH_LOCKED: IdentityMatchLocked,
}, optional_subscribers=frozenset({SETTING_CHANGED, IDENTITY_MATCH_LOCKED}))
