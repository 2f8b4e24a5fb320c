"""Message templates (notify): the templates in effect for a project, saving a project's override,
and a preview with the purpose's sample data (writes nothing). notify's ``domain/templates.py``
holds the rules: Jinja2, sandboxed, strict -- a template naming a variable its purpose does not
provide is refused at upload with the missing names (422)."""
from __future__ import annotations

from .. import schemas as s
from ..routing import route
from .base import V1, RouteModule

EDITORS = "CS manager, centre manager, group admin"
#: the group's own templates: for those who see every project of the group
GROUP_EDITORS = "group admin; a CS manager or centre manager who sees every project"
KEY = "{purpose}/{channel}/{locale}"


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

    @route("DELETE", f"{V1}/projects/{{project_id}}/templates/{KEY}", tags=("notify",),
           summary=f"Reset the project's template for a purpose, channel and locale to the group's or the "
                   f"built-in one ({EDITORS})",
           response=s.TemplateOut, errors=(400, 403, 404), idempotency="required",
           description="Deletes the project's override; the answer is the template now in effect (source group "
                       "or default). No override: 404 ``template_not_found``.")
    def reset_project_template(self, request, user, project_id, purpose, channel, locale, idempotency_key):
        return self._as(user)("notify", "delete_template", {"project_id": project_id, "purpose": purpose,
                                                            "channel": channel, "locale": locale},
                              idempotency_key=idempotency_key)

    # -- the group's templates: every project without its own override uses them -------------------
    @route("GET", f"{V1}/templates", tags=("notify",),
           summary=f"Every message template in effect for the group, by purpose, channel and locale ({GROUP_EDITORS})",
           response=s.TemplateOut, many=True, errors=(403,))
    def group_templates(self, request, user):
        return self._as(user)("notify", "list_templates", None)

    @route("PUT", f"{V1}/templates/{KEY}", tags=("notify",),
           summary=f"Save the group's template for a purpose, channel and locale ({GROUP_EDITORS})",
           body=s.TemplateTextIn, response=s.SavedTemplateOut, errors=(400, 403, 422), idempotency="required",
           description="Used by every project of the group without its own override (project → group → "
                       "built-in). Checked as a project's (422 as there).")
    def save_group_template(self, request, user, purpose, channel, locale, body, idempotency_key):
        data = dict(s.TemplateTextIn().dump(body), purpose=purpose, channel=channel, locale=locale, project_id=None)
        return self._as(user)("notify", "save_template", data, idempotency_key=idempotency_key)

    @route("DELETE", f"{V1}/templates/{KEY}", tags=("notify",),
           summary=f"Reset the group's template for a purpose, channel and locale to the built-in one "
                   f"({GROUP_EDITORS})",
           response=s.TemplateOut, errors=(400, 403, 404), idempotency="required",
           description="No group override: 404 ``template_not_found``.")
    def reset_group_template(self, request, user, purpose, channel, locale, idempotency_key):
        return self._as(user)("notify", "delete_template", {"project_id": None, "purpose": purpose,
                                                            "channel": channel, "locale": locale},
                              idempotency_key=idempotency_key)

    @route("POST", f"{V1}/templates/preview", tags=("notify",),
           summary=f"Preview a group template with the purpose's sample data; writes nothing ({GROUP_EDITORS})",
           body=s.TemplatePreviewIn, response=s.TemplatePreviewOut, errors=(400, 403, 422))
    def preview_group_template(self, request, user, body):
        return self._as(user)("notify", "preview_template", None, s.TemplatePreviewIn().dump(body))
