"""The per-project settings RPCs, once for every service that declares settings
(:mod:`kernel.settings`): ``get_settings``, ``set_setting`` (idempotent) and
``settings_history``, dumped through the kernel's schemas.

A service inherits :class:`SettingsRpcs` and names its rules module, which answers
``get_settings(work, project_id)``, ``set_setting(work, project_id, key, value, reason=,
effective_from=)`` and ``settings_history(work, project_id, key)`` with its own scope and role
checks::

    class NotifyService(SettingsRpcs):
        settings_rules = settings          # services/notify/domain/settings.py
"""
from __future__ import annotations

from .entrypoints import rpc
from .settings import SettingChangeOut, SettingIn, SettingsOut




class SettingsRpcs:
    #: the service's rules module for its settings (see the module doc)
    settings_rules = None

    @rpc
    def get_settings(self, project_id):
        return SettingsOut().dump({"service": self.name, "project_id": project_id,
                                   "settings": self.settings_rules.get_settings(self.work(), project_id)})

    @rpc
    def set_setting(self, project_id, key, value, effective_from=None, reason="", idempotency_key=None):
        work = self.work()
        command = SettingIn().load({"project_id": project_id, "key": key, "value": value,
                                    "effective_from": effective_from, "reason": reason})

        def change():
            self.settings_rules.set_setting(work, command["project_id"], command["key"], command["value"],
                                            reason=command["reason"], effective_from=command["effective_from"])
            return self.get_settings(command["project_id"])
        return work.idempotent(idempotency_key, "set_setting", command, change)

    @rpc
    def settings_history(self, project_id, key=None):
        return SettingChangeOut(many=True).dump(
            self.settings_rules.settings_history(self.work(), project_id, key))
