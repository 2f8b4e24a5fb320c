"""archive's per-project settings for access to household files (kernel.settings).

- ``archive.grant_longest_days`` (30): the longest a grant to read a household file (查阅授权) may
  run, from ``valid_from`` to ``valid_until``; a longer one is refused (422 ``grant_too_long``).

archive's one catalogue (``domain/settings.py`` ``SETTINGS``) joins this list with the other areas'. Any staff member of the project reads them; the centre manager and
the group's admin change them (``PUT /api/v1/projects/{id}/settings/archive``), audited.
"""
from __future__ import annotations

from marshmallow import fields, validate

from kernel.settings import ProjectSettingsRules, Setting, SettingsCatalogue
from kernel.tenancy import Role
from kernel.work import Work

from ..models import Project
from .registry import get_project

GRANT_LONGEST_DAYS = "archive.grant_longest_days"
#: who may change archive's settings
SETTING_ROLES = (Role.CENTRE_MANAGER, Role.GROUP_ADMIN)

ACCESS_SETTINGS = [
    Setting(GRANT_LONGEST_DAYS, fields.Integer(strict=True, validate=validate.Range(min=1, max=366)), default=30,
            unit="days", doc="the longest a grant to read a household file (查阅授权) may run, from its start to "
                             "its end; a longer one is refused"),
]
