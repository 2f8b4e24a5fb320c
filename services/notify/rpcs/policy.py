"""notify's sending policy (issue 10): a resident's opt-outs, the delivery status for staff -- wiring only,
inherited by :class:`~services.notify.service.NotifyService`."""
from __future__ import annotations

from kernel.entrypoints import rpc

from .. import schemas
from ..domain import deliveries, policy


class PolicyRpcs:
    # -- the sending policy (issue 10): a resident's opt-outs, the delivery status for staff ---------
    @rpc
    def get_preferences(self, unit_id, person_id):
        ref = schemas.PreferencesRef().load({"unit_id": unit_id, "person_id": person_id})
        return schemas.PreferencesOut().dump(policy.get_preferences(self.work(), ref["unit_id"], ref["person_id"]))

    @rpc
    def set_preferences(self, unit_id, person_id, data, idempotency_key=None):
        work = self.work()
        ref = schemas.PreferencesRef().load({"unit_id": unit_id, "person_id": person_id})
        command = {**ref, **schemas.PreferencesIn().load(data or {})}
        return work.idempotent(idempotency_key, "set_preferences", command, lambda: schemas.PreferencesOut().dump(
            policy.set_preferences(work, ref["unit_id"], ref["person_id"], command["channels"])))

    @rpc
    def list_deliveries(self, project_id, query=None):
        q = schemas.DeliveryQuery().load({**(query or {}), "project_id": project_id})
        return schemas.DeliveryPageOut().dump(deliveries.list_deliveries(self.work(), q))
