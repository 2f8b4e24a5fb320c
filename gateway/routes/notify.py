"""Notifications: a unit's latest, the staff inbox, read marks and unread counts; a resident's WeChat
binding and channel opt-outs; the delivery status of a project's messages for its customer service."""
from __future__ import annotations

from .. import schemas as s
from ..errors import json_response
from ..readmodel import views
from ..routing import route
from .base import V1, RouteModule

#: the inbox page's items, dumped as the route's response schema says (the total goes in a header)
_NOTIFICATIONS = s.NotificationOut(many=True)
DESK = "front desk, steward, CS manager, centre manager of the project; general manager, group admin"


class NotifyRoutes(RouteModule):
    @route("GET", f"{V1}/units/{{unit_id}}/notifications",
           summary="The unit's latest notifications (residents of the unit; staff of the unit's project)",
           tags=("notify",), query=s.UnitInboxQuery, response=s.NotificationOut, many=True, errors=(400, 404),
           description="Newest first, a page: limit (default 5, at most 200), offset, unread_only (not read, not "
                       "withdrawn); the number of messages matching is in the X-Total-Count header. A message of "
                       "a cancelled broadcast shows withdrawn_at and withdrawn_label (已撤回).")
    def unit_notifications(self, request, user, unit_id, query):
        page = self._read_model(views.unit_inbox, self._caller(user), unit_id, query["limit"], query["offset"],
                                query["unread_only"])
        if page is None:
            page = self._as(user)("notify", "unit_inbox", unit_id, query["limit"], query["offset"],
                                  query["unread_only"])
        return json_response(_NOTIFICATIONS.dump(page["items"]), headers={"X-Total-Count": str(page["total"])})

    @route("GET", f"{V1}/units/{{unit_id}}/notifications/unread", tags=("notify",),
           summary="How many of the unit's notifications are unread (residents of the unit; staff of the unit's "
                   "project)",
           response=s.UnitUnreadOut, errors=(403, 404))
    def unit_unread(self, request, user, unit_id):
        found = self._read_model(views.unit_unread, self._caller(user), unit_id)
        return found if found is not None else self._as(user)("notify", "unread_for_unit", unit_id)

    @route("GET", f"{V1}/staff/inbox/unread", tags=("notify",), query=s.StaffUnreadQuery,
           summary="How many notifications of the caller's inbox are unread (staff)", response=s.StaffUnreadOut,
           errors=(400, 403, 404),
           description="Read state is per user: what another member of the role read is still unread for the "
                       "caller. 404 project_not_found: an unknown project or another group's.")
    def staff_unread(self, request, user, query):
        return self._as(user)("notify", "staff_unread", query["project_id"])

    @route("GET", f"{V1}/units/{{unit_id}}/people/{{person_id}}/notification-preferences", tags=("notify",),
           summary="A person's opt-outs per channel: sms, email, wechat (residents of the unit, their own household)",
           response=s.PreferencesOut, errors=(403, 404))
    def preferences(self, request, user, unit_id, person_id):
        return self._as(user)("notify", "get_preferences", unit_id, person_id)

    @route("PUT", f"{V1}/units/{{unit_id}}/people/{{person_id}}/notification-preferences", tags=("notify",),
           summary="Opt a person of the resident's household out of a channel for marketing or all messages not "
                   "legally required (residents of the unit, their own household)",
           description="Dunning and outage notices are legally required: they are sent all the same.",
           body=s.PreferencesIn, response=s.PreferencesOut, errors=(400, 403, 404), idempotency="required")
    def set_preferences(self, request, user, unit_id, person_id, body, idempotency_key):
        return self._as(user)("notify", "set_preferences", unit_id, person_id, dict(body),
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/projects/{{project_id}}/deliveries", tags=("notify",), query=s.DeliveryQuery,
           response=s.DeliveryPageOut, errors=(400, 403, 404),
           summary=f"The project's deliveries per message and channel with their status and the provider's answer "
                   f"({DESK})",
           description="Newest first; by status, channel, purpose, unit and local dates (date_from, date_to); "
                       "addresses masked.")
    def deliveries(self, request, user, project_id, query):
        q = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in query.items()}
        return self._as(user)("notify", "list_deliveries", project_id, q)

    @route("GET", f"{V1}/staff/inbox",
           summary="Notifications addressed to the caller's roles (staff: their roles' inbox; an engineering "
                   "manager, CS manager, centre manager, general manager also the roles they supervise)",
           tags=("notify",), query=s.InboxQuery, response=s.NotificationOut, many=True, errors=(403, 404),
           description="Newest first; read_at is the caller's own (read state is per user); unread_only: what the "
                       "caller has not read. 404 project_not_found: an unknown project or another group's.")
    def staff_inbox(self, request, user, query):
        return self._as(user)("notify", "staff_inbox", query["project_id"], query["unread_only"],
                                 query["limit"])

    @route("POST", f"{V1}/notifications/{{notification_id}}/read",
           summary="Mark a notification read (its addressee: a resident their unit's messages, staff their "
                   "roles' inbox messages)",
           tags=("notify",), response=s.NotificationOut, errors=(404,), idempotency="natural")
    def mark_read(self, request, user, notification_id, idempotency_key):
        notification = self._as(user)("notify", "mark_read", notification_id,
                                      idempotency_key=idempotency_key)
        self._project_reply("notification", notification, user)
        return notification

    @route("PUT", f"{V1}/units/{{unit_id}}/people/{{person_id}}/wechat", tags=("notify",),
           summary="Bind (or with openid null unbind) the resident's WeChat openid to their person record in "
                   "the unit's household, for the WeChat channel (residents of the unit; masked in the answer)",
           body=s.WechatBindingIn, response=s.WechatBindingOut, errors=(403, 404, 409), idempotency="required",
           description="One person per openid in the group: an openid bound to another person is 409 "
                       "openid_already_bound. That the openid is the resident's own comes from the official "
                       "account's OAuth (网页授权) in the portal calling this route; it is not proven here.")
    def bind_wechat(self, request, user, unit_id, person_id, body, idempotency_key):
        return self._as(user)("notify", "bind_wechat", unit_id, person_id, body["openid"],
                              idempotency_key=idempotency_key)
