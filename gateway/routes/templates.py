"""Message templates (notify): the templates in effect for a project, saving a project's override,
and a preview with the purpose's sample data (writes nothing). notify's ``domain/templates.py``
holds the rules: Jinja2, sandboxed, strict -- a template naming a variable its purpose does not
provide is refused at upload with the missing names (422)."""
from __future__ import annotations

from .. import schemas as s
from ..routing import route
from .base import V1, RouteModule

EDITORS = "CS manager, centre manager, group admin"


class TemplateRoutes(RouteModule):
    @route("GET", f"{V1}/projects/{{project_id}}/templates", tags=("notify",),
           summary=f"Every message template in effect for the project, by purpose, channel and locale ({EDITORS})",
           response=s.TemplateOut, many=True, errors=(403, 404))
    def project_templates(self, request, user, project_id):
        return self._as(user)("notify", "list_templates", project_id)

    @route("POST", f"{V1}/projects/{{project_id}}/templates", tags=("notify",),
           summary=f"Save the project's template for a purpose, channel and locale ({EDITORS})",
           body=s.TemplateIn, response=s.SavedTemplateOut, errors=(400, 403, 404, 422), idempotency="required",
           description="Jinja2 syntax (``{{ ticket_number }}``). Refused with 422: a variable the purpose "
                       "does not provide on the channel (``unknown_placeholder``, details.missing), a syntax "
                       "error (``template_syntax``, details.line), attribute or item access, calls, loops "
                       "(``template_unsafe``). An SMS may name only platform values.")
    def save_project_template(self, request, user, project_id, body, idempotency_key):
        data = dict(s.TemplateIn().dump(body), project_id=project_id)
        return self._as(user)("notify", "save_template", data, idempotency_key=idempotency_key)

    @route("POST", f"{V1}/projects/{{project_id}}/templates/preview", tags=("notify",),
           summary=f"Preview a template with the purpose's sample data; writes nothing ({EDITORS})",
           body=s.TemplatePreviewIn, response=s.TemplatePreviewOut, errors=(400, 403, 404, 422),
           description="Without ``body`` the template in effect for the project; with it the text given, "
                       "checked as at upload (a refusal is the same 422).")
    def preview_project_template(self, request, user, project_id, body):
        return self._as(user)("notify", "preview_template", project_id, s.TemplatePreviewIn().dump(body))
