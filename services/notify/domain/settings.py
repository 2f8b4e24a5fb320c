"""notify's per-project settings (kernel.settings): where the messages to parties outside the
service centre go.

- ``supervision.contact_phone``: the developer's supervision department (开发商监理部) of the
  project, texted when a warranty-quality complaint is recorded (``domain/complaints.py``). Empty
  (the default): no number -- the SMS is recorded ``suppressed`` (``no_supervision_contact``), so
  tickets' "supervision department notified within 5 min" clock runs out and its alert tells the
  front desk to call them.

- ``service_centre.phone`` (服务中心电话): the project's service centre's number, given in the messages
  that name one -- the move-in welcome (``domain/welcome.py``), a revisit request whose steward has no
  work number on notify's copy (``domain/revisit_requests.py``). Empty (the default): none.
- ``welcome.within_days`` (30): a household is welcomed (``move_in.welcome``) only when its move-in
  date is at most this many days before the date of the ``household.changed`` that brings it -- a
  rebuild or an import of households on file welcomes nobody.

- ``notify.quiet_from`` / ``notify.quiet_until`` (21:00 / 08:00, the project's local time): the
  quiet hours, when no SMS or WeChat message goes out unless its purpose is an emergency
  (``policy.py``); one that falls in them waits for their end. Equal times: no quiet hours.

- ``wechat.template_ids`` ({} by default): the official account's template id per purpose (WeChat template
  messages need one template per kind of message, each with its own keyword fields --
  ``domain/wechat.py`` ``TEMPLATE_FIELDS``); a purpose not named goes with the generic
  ``WECHAT_TEMPLATE_ID``.

``supervision.contact_phone`` is a notify setting, not an archive project field: it is an address of the messaging, read
only here, changed by the service-centre manager with the other settings routes
(``PUT /projects/{id}/settings/notify``), audited like every setting.
"""
from __future__ import annotations

import re
from datetime import time

from marshmallow import ValidationError, fields, validate

from kernel import validators
from kernel.settings import ProjectSettings, ProjectSettingsRules, Setting, SettingsCatalogue
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import ProjectNotFound
from ..models import Base, ProjectCopy

SUPERVISION_PHONE = "supervision.contact_phone"
#: the service centre's number (服务中心电话) for the messages that give one (``domain/welcome.py``)
SERVICE_PHONE = "service_centre.phone"
#: how recent a move-in must be (days before the event's date) for the household to be welcomed
WELCOME_WITHIN_DAYS = "welcome.within_days"
QUIET_FROM, QUIET_UNTIL = "notify.quiet_from", "notify.quiet_until"
#: how many units one job of a broadcast (群发) takes (``domain/broadcasts.py``)
BROADCAST_CHUNK_SIZE = "broadcast.chunk_size"
#: the official account's template id per purpose for WeChat template messages (``domain/wechat.py``)
WECHAT_TEMPLATE_IDS = "wechat.template_ids"
#: who may change notify's settings (as tickets' SLA settings)
SETTING_ROLES = (Role.CENTRE_MANAGER, Role.GROUP_ADMIN)


def _phone_or_empty(value: str) -> None:
    if value and not validators.is_phone(value):
        raise ValidationError("a mobile or landline number (or empty: none)")


def _wechat_template_ids(value: dict) -> None:
    from .templates import PURPOSES
    by_wechat = sorted(p.key for p in PURPOSES.values() if "wechat" in p.channels)
    wrong = sorted(k for k in value if k not in by_wechat)
    if wrong:
        raise ValidationError(f"not a purpose sent by WeChat: {', '.join(wrong)} (those are: {', '.join(by_wechat)})")
    bad = sorted(k for k, v in value.items() if not _TEMPLATE_ID.match(v or ""))
    if bad:
        raise ValidationError(f"a template id is 1-64 letters, digits, - or _ (wrong for: {', '.join(bad)})")


_TEMPLATE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")


SETTINGS = SettingsCatalogue("notify", [
    Setting(SUPERVISION_PHONE, fields.String(validate=_phone_or_empty), default="", unit="phone",
            doc="the developer's supervision department (开发商监理部): texted the number and unit of each "
                "warranty-quality complaint (empty: none on file -- the notice is not sent)"),
    Setting(SERVICE_PHONE, fields.String(validate=_phone_or_empty), default="", unit="phone",
            doc="the service centre's number (服务中心电话) given in the move-in welcome and in revisit requests "
                "when the steward has no work number (empty: none)"),
    Setting(WELCOME_WITHIN_DAYS, fields.Integer(strict=True, validate=validate.Range(min=0, max=365)), default=30,
            unit="days", doc="a household is welcomed (入住欢迎) only when it moved in at most N days before the "
                             "date of the event that brings it: a rebuild or an import of old households welcomes "
                             "nobody"),
    Setting(QUIET_FROM, validators.LocalTime(), default=time(21, 0), unit="local time",
            doc="quiet hours start: from then no SMS or WeChat message goes out (unless an emergency) until "
                "notify.quiet_until; one falling in them waits for their end"),
    Setting(QUIET_UNTIL, validators.LocalTime(), default=time(8, 0), unit="local time",
            doc="quiet hours end (the project's time zone); equal to notify.quiet_from: no quiet hours"),
    Setting(BROADCAST_CHUNK_SIZE, fields.Integer(strict=True, validate=validate.Range(min=1, max=5000)), default=500,
            unit="units", doc="how many units one job of a broadcast (群发) takes: the replicas share a broadcast "
                              "chunk by chunk, and a restart redoes at most the chunk it was in"),
    Setting(WECHAT_TEMPLATE_IDS, fields.Dict(keys=fields.String(), values=fields.String(), validate=_wechat_template_ids),
            default={}, unit="purpose → template id",
            doc="the official account's WeChat template id per purpose (e.g. receipt, bill_notice): that purpose's "
                "messages go with it and its own keyword fields; a purpose not named uses WECHAT_TEMPLATE_ID, "
                "the generic template (first: subject, keyword1: text)"),
])


def values_of(work: Work, project_id: str) -> dict:
    """Every notify setting of the project (its values, else the defaults) -- also in a unit of work
    built without notify's catalogue (a test's)."""
    values = work.settings.values(project_id)
    if WECHAT_TEMPLATE_IDS in values:
        return values
    return ProjectSettings(work.session, Base, SETTINGS, work.clock, work.caller, work.events).values(project_id)


def _project(work: Work, project_id: str) -> ProjectCopy:
    project = work.session.get(ProjectCopy, project_id)
    not_found = ProjectNotFound(f"no project {project_id}")
    if project is None:
        raise not_found
    work.caller.require_project(project.group_id, project.id, not_found=not_found)
    return project


#: get_settings / set_setting / settings_history (kernel.settings_rpc.SettingsRpcs asks them)
RULES = ProjectSettingsRules(_project, SETTING_ROLES)
get_settings, set_setting, settings_history = RULES.get_settings, RULES.set_setting, RULES.settings_history
