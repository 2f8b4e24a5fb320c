"""archive's per-project settings (kernel.settings): one catalogue, the concatenation of each area's
list -- documents' limits (``documents.SETTINGS``), access grants (``access_settings.ACCESS_SETTINGS``),
the census rhythm (``census.SETTINGS``), the retention periods (``retention.SETTINGS``) and how far
ahead a move-in may be dated (``registry.SETTINGS``). Read by any staff member of the project,
changed by the service-centre manager or the group admin (``PUT /projects/{id}/settings/archive``),
audited and published as ``setting.changed`` like every service's.
"""
from __future__ import annotations

from kernel.settings import ProjectSettingsRules, SettingsCatalogue
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import ProjectNotFound
from ..models import Project
from . import access_settings, census, documents, identity, registry, retention

SETTINGS = SettingsCatalogue("archive", [*documents.SETTINGS, *access_settings.ACCESS_SETTINGS,
                                         *census.SETTINGS, *retention.SETTINGS, *registry.SETTINGS,
                                         *identity.SETTINGS])
#: who may change archive's settings (as tickets' and notify's)
SETTING_ROLES = (Role.CENTRE_MANAGER, Role.GROUP_ADMIN)


def _project(work: Work, project_id: str) -> Project:
    project = work.session.get(Project, project_id)
    not_found = ProjectNotFound(f"no project {project_id}")
    if project is None:
        raise not_found
    work.caller.require_project(project.group_id, project.id, not_found=not_found)
    return project


#: get_settings / set_setting / settings_history (kernel.settings_rpc.SettingsRpcs asks them)
RULES = ProjectSettingsRules(_project, SETTING_ROLES)
get_settings, set_setting, settings_history = RULES.get_settings, RULES.set_setting, RULES.settings_history
