"""notify's broadcasts (群发): create, follow, list, cancel -- wiring only, inherited by
:class:`~services.notify.service.NotifyService`."""
from __future__ import annotations

from kernel.entrypoints import rpc

from .. import schemas
from ..domain import broadcasts


class BroadcastRpcs:
    # -- broadcasts (群发, issue 10): create, follow, list, cancel ---------------------------------
    @rpc
    def create_broadcast(self, project_id, data, idempotency_key=None):
        work = self.work()
        command = schemas.BroadcastIn().load({**(data or {}), "project_id": project_id})
        return work.idempotent(idempotency_key, "create_broadcast", command, lambda: schemas.BroadcastOut().dump(
            broadcasts.view(work, broadcasts.create(work, command["project_id"], command))))

    @rpc
    def get_broadcast(self, broadcast_id):
        data = schemas.BroadcastRef().load({"broadcast_id": broadcast_id})
        return schemas.BroadcastOut().dump(broadcasts.get(self.work(), data["broadcast_id"]))

    @rpc
    def list_broadcasts(self, project_id, query=None):
        q = schemas.BroadcastQuery().load({**(query or {}), "project_id": project_id})
        return schemas.BroadcastOut(many=True).dump(
            broadcasts.list_for_project(self.work(), q["project_id"], q["limit"], q["offset"]))

    @rpc
    def cancel_broadcast(self, broadcast_id, idempotency_key=None):
        work, data = self.work(), schemas.BroadcastRef().load({"broadcast_id": broadcast_id})
        return work.idempotent(idempotency_key, "cancel_broadcast", data, lambda: schemas.BroadcastOut().dump(
            broadcasts.view(work, broadcasts.cancel(work, data["broadcast_id"]))))

    # SMS, e-mail and WeChat are sent by the ChannelSender's loop (services/notify/sender.py), not by a timer
