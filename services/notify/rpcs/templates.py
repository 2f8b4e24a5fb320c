"""notify's message templates (模板): list, preview, set, history -- wiring only, inherited by
:class:`~services.notify.service.NotifyService`."""
from __future__ import annotations

from kernel.entrypoints import rpc

from .. import schemas
from ..domain import templates


class TemplateRpcs:
    # -- templates ------------------------------------------------------------------
    @rpc
    def list_templates(self, project_id=None):
        data = schemas.TemplateQuery().load({"project_id": project_id})
        return schemas.TemplateOut(many=True).dump(templates.list_templates(self.work(), data["project_id"]))

    @rpc
    def save_template(self, data, idempotency_key=None):
        work, command = self.work(), schemas.TemplateIn().load(data)
        return work.idempotent(idempotency_key, "save_template", command, lambda: schemas.SavedTemplateOut()
                               .dump(templates.save_template(work, command)))

    @rpc
    def delete_template(self, data, idempotency_key=None):
        """Reset a project's (or the group's) override to what is in effect without it."""
        work, command = self.work(), schemas.TemplateKeyIn().load(data)
        return work.idempotent(idempotency_key, "delete_template", command, lambda: schemas.TemplateOut()
                               .dump(templates.delete_template(work, command)))

    @rpc
    def preview_template(self, project_id, data):
        """A template rendered with its purpose's sample values; writes nothing."""
        query = schemas.TemplateQuery().load({"project_id": project_id})
        command = schemas.TemplatePreviewIn().load(data)
        return schemas.TemplatePreviewOut().dump(templates.preview_template(self.work(), query["project_id"],
                                                                            command))
