"""Per-project settings: one pattern for every business figure a project may change.

A service declares its settings in one :class:`SettingsCatalogue` -- each with
a marshmallow field (type and bounds), the brief's default, a unit and a
description -- and hands it to its ``UnitOfWork``::

    SETTINGS = SettingsCatalogue("tickets", [
        Setting("sla.record_within", fields.Integer(validate=Range(1, 1440)), default=5,
                unit="minutes", doc="record a request within N minutes of receiving it"),
    ])
    work = UnitOfWork(CONTRACT, settings=SETTINGS)

Domain code reads through ``Work``: ``work.settings.get(project_id, "sla.record_within")``
(the default where the project set nothing). A setting declared
``effective_dated=True`` (fees) holds a value *from a date*: a change applies
from ``effective_from`` on (never before today), earlier values stay as they
were, and ``get(..., on=date)`` reads the value in force that day (``on``
defaults to today's UTC date; domain code that bills by the site's calendar
passes ``work.clock.today(project.timezone)``). An undated setting has one
current value.

Changes go through :meth:`ProjectSettings.change` (the service's ``set_setting``
RPC, role-guarded and idempotent): it validates the value through the field,
writes the value row, an audit row (who, when, old, new, effective from,
reason) and the service's ``setting.changed`` event (:class:`SettingChanged`
in its events contract) in one transaction.

Tables: :func:`settings_tables` maps ``project_settings`` and ``settings_audit``
on the service's ``Base`` (call it in ``models.py``).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field as dc_field
from datetime import date, datetime
from typing import Any, Callable, Iterable

from marshmallow import Schema, ValidationError, fields
from sqlalchemy import Date, Index, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from .db import UtcDateTime
from .errors import InvalidInput, RuleViolation, from_marshmallow

#: the ``effective_from`` of an undated setting's single value
ALWAYS = date(1970, 1, 1)
SETTING_CHANGED = "setting.changed"

_cache: dict = {}


class UnknownSetting(InvalidInput):
    default_code = "unknown_setting"
    zh = "没有这项设置"


class SettingsInconsistent(RuleViolation):
    """A change that would leave the project's settings contradicting each other (a catalogue's
    ``checks``: e.g. the ladder's days out of order)."""
    default_code = "settings_inconsistent"
    zh = "修改后本项目的设置互相矛盾"


class SettingBackdated(RuleViolation):
    """An effective-dated value cannot start before today: history is never rewritten."""
    default_code = "setting_backdated"
    zh = "该设置只能从今天或以后生效，不能追溯"


@dataclass(frozen=True)
class Setting:
    key: str
    field: fields.Field
    default: Any
    unit: str = ""
    doc: str = ""
    effective_dated: bool = False

    def load(self, value):
        """The wire value checked and converted by the setting's field."""
        try:
            return self.field.deserialize(value)
        except ValidationError as err:
            raise from_marshmallow(ValidationError({"value": err.messages})) from None

    def dump(self, value):
        return self.field._serialize(value, "value", None)


class SettingsCatalogue:
    """The settings one service declares (its only source of keys and defaults)."""

    def __init__(self, service: str, settings: Iterable[Setting] = (), checks: Iterable[Callable] = ()):
        """``checks``: ``fn(values) -> str | None`` over all the project's values as they would be
        after a change -- a message refuses the change (422 ``settings_inconsistent``)."""
        self.service = service
        self.checks = tuple(checks)
        self.settings: dict[str, Setting] = {}
        for setting in settings:
            if setting.key in self.settings:
                raise ValueError(f"setting {setting.key!r} declared twice")
            # the catalogue's field must dump what it loads; fail at import, not at a change
            setting.load(setting.dump(setting.default))
            self.settings[setting.key] = setting

    def __contains__(self, key: str) -> bool:
        return key in self.settings

    def __iter__(self):
        return iter(self.settings.values())

    def setting(self, key: str) -> Setting:
        try:
            return self.settings[key]
        except KeyError:
            known = ", ".join(self.settings) or "none"
            raise UnknownSetting(f"{self.service} has no setting {key!r}; known: {known}") from None

    def describe(self) -> list[dict]:
        return [{"key": s.key, "default": s.dump(s.default), "unit": s.unit, "doc": s.doc,
                 "effective_dated": s.effective_dated} for s in self]


EMPTY = SettingsCatalogue("none")


def settings_tables(Base):
    """Return ``(SettingValue, SettingChange)`` mapped on the service's ``Base``."""
    if Base in _cache:
        return _cache[Base]

    class SettingValue(Base):
        """A project's value of a setting, in force from ``effective_from`` (ALWAYS if undated). 项目设置"""

        __tablename__ = "project_settings"

        id: Mapped[str] = mapped_column(String(36), primary_key=True)
        group_id: Mapped[str] = mapped_column(String(36))
        project_id: Mapped[str] = mapped_column(String(36))
        key: Mapped[str] = mapped_column(String(100))
        effective_from: Mapped[date] = mapped_column(Date)
        value: Mapped[str] = mapped_column(Text)                  # JSON of the dumped value
        set_at: Mapped[datetime] = mapped_column(UtcDateTime())
        set_by: Mapped[str] = mapped_column(String(100))

        __table_args__ = (
            UniqueConstraint("project_id", "key", "effective_from", name="uq_project_setting"),)

    class SettingChange(Base):
        """Who changed which setting of a project, when, from what to what and why. 设置变更记录"""

        __tablename__ = "settings_audit"

        id: Mapped[str] = mapped_column(String(36), primary_key=True)
        group_id: Mapped[str] = mapped_column(String(36))
        project_id: Mapped[str] = mapped_column(String(36))
        key: Mapped[str] = mapped_column(String(100))
        effective_from: Mapped[date | None] = mapped_column(Date)
        old_value: Mapped[str | None] = mapped_column(Text)       # JSON: what applied before (maybe the default)
        new_value: Mapped[str] = mapped_column(Text)
        reason: Mapped[str] = mapped_column(Text, default="")
        changed_by: Mapped[str] = mapped_column(String(100))
        changed_by_name: Mapped[str] = mapped_column(String(100), default="")
        changed_at: Mapped[datetime] = mapped_column(UtcDateTime())

        __table_args__ = (Index("ix_settings_audit_project", "project_id", "changed_at"),)

    _cache[Base] = (SettingValue, SettingChange)
    return _cache[Base]


class SettingChanged(Schema):
    """Payload of ``setting.changed`` (add it to the service's events contract)."""

    service = fields.String(required=True)
    project_id = fields.String(required=True)
    key = fields.String(required=True)
    old_value = fields.Raw(allow_none=True)
    value = fields.Raw(allow_none=True)
    effective_from = fields.Date(allow_none=True)
    reason = fields.String(required=True)
    changed_by = fields.String(required=True)
    changed_at = fields.AwareDateTime(required=True)


@dataclass
class ProjectSettings:
    """``work.settings``: read and change one service's per-project settings."""

    session: Any
    base: type
    catalogue: SettingsCatalogue
    clock: Any
    caller: Any
    events: Any = dc_field(default=None, repr=False)
    #: ``values()`` read once per unit of work: (project_id, on) -> the loaded values; a change
    #: through :meth:`change` empties it
    _values: dict = dc_field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def _tables(self):
        return settings_tables(self.base)

    def _row(self, project_id: str, setting: Setting, on: date | None):
        SettingValue, _ = self._tables
        on = on or self.clock.now().date()
        query = select(SettingValue).where(SettingValue.project_id == project_id,
                                           SettingValue.key == setting.key)
        if setting.effective_dated:
            query = query.where(SettingValue.effective_from <= on)
        return self.session.scalars(query.order_by(SettingValue.effective_from.desc()).limit(1)).first()

    def get(self, project_id: str, key: str, on: date | None = None):
        """The value in force for the project on ``on`` (today, UTC, by default); else the default."""
        setting = self.catalogue.setting(key)
        row = self._row(project_id, setting, on)
        return setting.default if row is None else setting.load(json.loads(row.value))

    def values(self, project_id: str, on: date | None = None) -> dict:
        """Every setting of the catalogue as loaded values (one query, once per unit of work:
        asked again in the same ``Work`` -- e.g. by two rules of one command -- the values read
        the first time are returned, a copy, until :meth:`change` changes one)."""
        on = on or self.clock.now().date()
        cached = self._values.get((project_id, on))
        if cached is None:
            cached = self._values[(project_id, on)] = self._read_values(project_id, on)
        return dict(cached)

    def _read_values(self, project_id: str, on: date) -> dict:
        SettingValue, _ = self._tables
        rows = self.session.scalars(select(SettingValue).where(
            SettingValue.project_id == project_id, SettingValue.effective_from <= on)
            .order_by(SettingValue.effective_from)).all()
        held = {row.key: row for row in rows}          # the latest in force per key
        out = {}
        for s in self.catalogue:
            row = held.get(s.key)
            out[s.key] = s.default if row is None else s.load(json.loads(row.value))
        return out

    def view(self, project_id: str, on: date | None = None) -> list[dict]:
        """Every setting with its current (dumped) value, default, unit, description and, for
        effective-dated ones, the changes scheduled after ``on``."""
        SettingValue, _ = self._tables
        on = on or self.clock.now().date()
        out = []
        for s in self.catalogue:
            row = self._row(project_id, s, on)
            item = {"key": s.key, "value": s.dump(self.get(project_id, s.key, on)),
                    "default": s.dump(s.default), "unit": s.unit, "doc": s.doc,
                    "effective_dated": s.effective_dated, "is_default": row is None,
                    "effective_from": row.effective_from if (row is not None and s.effective_dated) else None,
                    "scheduled": []}
            if s.effective_dated:
                later = self.session.scalars(select(SettingValue).where(
                    SettingValue.project_id == project_id, SettingValue.key == s.key,
                    SettingValue.effective_from > on).order_by(SettingValue.effective_from)).all()
                item["scheduled"] = [{"effective_from": r.effective_from, "value": json.loads(r.value)}
                                     for r in later]
            out.append(item)
        return out

    def change(self, group_id: str, project_id: str, key: str, value, *, reason: str = "",
               effective_from: date | None = None):
        """Set ``key`` for the project (scope and role are the caller's check); audit it and
        record ``setting.changed``. Returns the audit row."""
        SettingValue, SettingChange = self._tables
        setting = self.catalogue.setting(key)
        loaded = setting.load(value)
        now, today = self.clock.now(), self.clock.now().date()
        if self.catalogue.checks:
            after = self.values(project_id, on=(effective_from or today) if setting.effective_dated else today)
            after[key] = loaded
            for check in self.catalogue.checks:
                problem = check(after)
                if problem:
                    raise SettingsInconsistent(f"{key} = {setting.dump(loaded)}: {problem}")
        self._values.clear()
        wire = setting.dump(loaded)
        if setting.effective_dated:
            effective_from = effective_from or today
            if effective_from < today:
                raise SettingBackdated(f"{key} can change from today ({today}) on, not from {effective_from}",
                                       zh=f"{key} 只能从今天（{today}）起生效，不能从 {effective_from} 起追溯")
            old_row = self._row(project_id, setting, effective_from)
            row = self.session.scalars(select(SettingValue).where(
                SettingValue.project_id == project_id, SettingValue.key == key,
                SettingValue.effective_from == effective_from)).first()
        else:
            if effective_from is not None:
                raise InvalidInput(f"{key} is not effective-dated; send no effective_from",
                                   code="setting_not_dated", zh=f"{key} 不按生效日期变更，请不要填写生效日期")
            row = old_row = self.session.scalars(select(SettingValue).where(
                SettingValue.project_id == project_id, SettingValue.key == key)).first()
        # the audit says what applied before, the brief's default included
        old_wire = json.loads(old_row.value) if old_row is not None else setting.dump(setting.default)
        if row is None:
            row = SettingValue(id=str(uuid.uuid4()), group_id=group_id, project_id=project_id, key=key,
                               effective_from=effective_from if setting.effective_dated else ALWAYS)
            self.session.add(row)
        row.value, row.set_at, row.set_by = json.dumps(wire, ensure_ascii=False), now, self.caller.user_id
        change = SettingChange(
            id=str(uuid.uuid4()), group_id=group_id, project_id=project_id, key=key,
            effective_from=effective_from if setting.effective_dated else None,
            old_value=None if old_wire is None else json.dumps(old_wire, ensure_ascii=False),
            new_value=row.value, reason=reason or "", changed_by=self.caller.user_id,
            changed_by_name=self.caller.name or "", changed_at=now)
        self.session.add(change)
        self.session.flush()
        if self.events is not None:
            self.events.record(SETTING_CHANGED, {
                "service": self.catalogue.service, "project_id": project_id, "key": key,
                "old_value": old_wire, "value": wire, "effective_from": change.effective_from,
                "reason": change.reason, "changed_by": change.changed_by, "changed_at": now,
            }, group_id=group_id, project_id=project_id)
        return change

    def history(self, project_id: str, key: str | None = None, limit: int = 100) -> list[dict]:
        """The audit trail, newest first."""
        _, SettingChange = self._tables
        query = select(SettingChange).where(SettingChange.project_id == project_id)
        if key:
            query = query.where(SettingChange.key == key)
        rows = self.session.scalars(query.order_by(SettingChange.changed_at.desc(),
                                                   SettingChange.id).limit(limit)).all()
        return [{"key": r.key, "old_value": None if r.old_value is None else json.loads(r.old_value),
                 "value": json.loads(r.new_value), "effective_from": r.effective_from,
                 "reason": r.reason, "changed_by": r.changed_by, "changed_by_name": r.changed_by_name,
                 "changed_at": r.changed_at} for r in rows]


# -- the generic RPC's wire shapes (every service with settings uses these) -------

class SettingIn(Schema):
    """``set_setting``'s command."""

    project_id = fields.String(required=True)
    key = fields.String(required=True, validate=lambda k: 0 < len(k) <= 100)
    value = fields.Raw(required=True, allow_none=True)
    effective_from = fields.Date(load_default=None, allow_none=True)
    reason = fields.String(load_default="", validate=lambda r: len(r) <= 500)


class ScheduledOut(Schema):
    effective_from = fields.Date()
    value = fields.Raw()


class SettingOut(Schema):
    key = fields.String()
    value = fields.Raw()
    default = fields.Raw()
    unit = fields.String()
    doc = fields.String()
    effective_dated = fields.Boolean()
    is_default = fields.Boolean()
    effective_from = fields.Date(allow_none=True)
    scheduled = fields.List(fields.Nested(ScheduledOut))


class SettingsOut(Schema):
    service = fields.String()
    project_id = fields.String()
    settings = fields.List(fields.Nested(SettingOut))


class SettingChangeOut(Schema):
    key = fields.String()
    old_value = fields.Raw(allow_none=True)
    value = fields.Raw()
    effective_from = fields.Date(allow_none=True)
    reason = fields.String()
    changed_by = fields.String()
    changed_by_name = fields.String()
    changed_at = fields.AwareDateTime()


# -- the rules behind a service's settings RPCs (kernel.settings_rpc) ----------------------------

@dataclass(frozen=True)
class ProjectSettingsRules:
    """The usual rules behind the three RPCs, for a service whose settings any staff member of
    the project reads and ``roles`` change: ``find_project(work, project_id)`` returns the
    service's copy of the project if it is in the caller's scope (and raises the service's own
    not-found otherwise, so a probe of another group reads like a missing id)::

        RULES = ProjectSettingsRules(project_in_scope, (Role.CENTRE_MANAGER, Role.GROUP_ADMIN))
        get_settings, set_setting, settings_history = RULES.get_settings, RULES.set_setting, ...
    """
    find_project: Callable[[Any, str], Any]
    roles: tuple

    def get_settings(self, work, project_id: str) -> list[dict]:
        work.caller.require_staff()
        return work.settings.view(self.find_project(work, project_id).id)

    def set_setting(self, work, project_id: str, key: str, value, *, reason: str = "",
                    effective_from=None) -> None:
        project = self.find_project(work, project_id)
        work.caller.require_role(*self.roles)
        work.settings.change(project.group_id, project.id, key, value, reason=reason,
                             effective_from=effective_from)

    def settings_history(self, work, project_id: str, key: str | None = None) -> list[dict]:
        project = self.find_project(work, project_id)
        work.caller.require_staff()
        return work.settings.history(project.id, key)
