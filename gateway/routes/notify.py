"""Notifications: a unit's latest, the staff inbox, read marks; a resident's WeChat binding."""
from __future__ import annotations

from .. import schemas as s
from ..readmodel import views
from ..routing import route
from .base import V1, RouteModule


class NotifyRoutes(RouteModule):
    @route("GET", f"{V1}/units/{{unit_id}}/notifications",
           summary="The unit's latest notifications (residents of the unit; staff of the unit's project)",
           tags=("notify",), query=s.LimitQuery, response=s.NotificationOut, many=True, errors=(404,))
    def unit_notifications(self, request, user, unit_id, query):
        found = self._read_model(views.unit_notifications, self._caller(user), unit_id, query["limit"])
        return found if found is not None else self._as(user)("notify", "latest_for_unit", unit_id,
                                                               query["limit"])

    @route("GET", f"{V1}/staff/inbox",
           summary="Notifications addressed to the caller's roles (staff: their roles' inbox; an engineering "
                   "manager, CS manager, centre manager, general manager also the roles they supervise)",
           tags=("notify",), query=s.InboxQuery, response=s.NotificationOut, many=True)
    def staff_inbox(self, request, user, query):
        return self._as(user)("notify", "staff_inbox", query["project_id"], query["unread_only"],
                                 query["limit"])

    @route("POST", f"{V1}/notifications/{{notification_id}}/read",
           summary="Mark a notification read (its addressee: a resident their unit's messages, staff their "
                   "roles' inbox messages)",
           tags=("notify",), response=s.NotificationOut, errors=(404,), idempotent=True)
    def mark_read(self, request, user, notification_id, idempotency_key):
        notification = self._as(user)("notify", "mark_read", notification_id,
                                      idempotency_key=idempotency_key)
        self._project_reply("notification", notification, user)
        return notification

    @route("PUT", f"{V1}/units/{{unit_id}}/people/{{person_id}}/wechat", tags=("notify",),
           summary="Bind (or with openid null unbind) the resident's WeChat openid to their person record in "
                   "the unit's household, for the WeChat channel (residents of the unit; masked in the answer)",
           body=s.WechatBindingIn, response=s.WechatBindingOut, errors=(403, 404), idempotent=True)
    def bind_wechat(self, request, user, unit_id, person_id, body, idempotency_key):
        return self._as(user)("notify", "bind_wechat", unit_id, person_id, body["openid"],
                              idempotency_key=idempotency_key)
