"""notify's published events -- its public contract.

| event                   | when                                          | subscribers |
|-------------------------|-----------------------------------------------|-------------|
| notification.delivered  | a message reached its channel (in-app stored, SMS accepted by the provider) | tickets |
| notification.changed    | a message to a unit is stored, read, or one of its deliveries changes (the whole message + ``version``) | -- (gateway's read model) |

tickets uses ``purpose == "ticket.dispatch_engineering"`` to stop the
"engineering notified within 2 minutes" clock of the ticket in ``ref_id``, and
``quality.dispatch_engineering`` / ``quality.notify_supervision`` to stop a warranty-quality
complaint's engineering and supervision-department clocks. ``setting.changed``: a project's
notify setting changed (kernel.settings).

``notification.delivered`` is published once per delivery, when the message reaches its channel:
stored (in-app) or **accepted** by the provider (SMS, e-mail, WeChat: status ``sent``). The provider's
later delivery receipt (回执, ``domain/receipts.py``: ``delivered`` / ``failed``) publishes no second
one -- tickets' clocks stop at the acceptance, as before -- only the unit's ``notification.changed``.
"""
from marshmallow import Schema, fields, validate

from kernel.messaging import EventContract
from kernel.settings import SETTING_CHANGED, SettingChanged

NOTIFICATION_DELIVERED = "notification.delivered"
NOTIFICATION_CHANGED = "notification.changed"


class NotificationDelivered(Schema):
    notification_id = fields.String(required=True)
    delivery_id = fields.String(required=True)
    purpose = fields.String(required=True)           # template key, e.g. ticket.opened.resident
    ref_type = fields.String(allow_none=True)        # e.g. "ticket"
    ref_id = fields.String(allow_none=True)
    channel = fields.String(required=True, validate=validate.OneOf(
        ["inapp", "sms", "email", "wechat", "print"]))
    recipient_kind = fields.String(required=True, validate=validate.OneOf(["unit", "person", "role"]))
    recipient = fields.String(required=True)
    delivered_at = fields.AwareDateTime(required=True)


class ChangedDelivery(Schema):
    channel = fields.String(required=True)
    status = fields.String(required=True)
    address = fields.String(allow_none=True)          # masked (138****5678)
    attempts = fields.Integer(required=True)
    sent_at = fields.AwareDateTime(allow_none=True)


class NotificationChanged(Schema):
    """The whole notification after a change (state-carrying; a consumer keeps the newest
    ``version``). Only messages addressed to a unit (its household's inbox) are published."""
    id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True)
    #: the household the unit's message was addressed to (None: the unit had none); a resident's inbox
    #: shows only the household living there now's (and None) -- never an earlier household's
    household_id = fields.String(allow_none=True)
    purpose = fields.String(required=True)
    recipient_kind = fields.String(required=True)
    recipient = fields.String(required=True)
    subject = fields.String(allow_none=True)
    body = fields.String(required=True)
    locale = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    read_at = fields.AwareDateTime(allow_none=True)
    #: its broadcast was cancelled after it was stored: shown withdrawn (已撤回), not counted unread
    withdrawn_at = fields.AwareDateTime(allow_none=True)
    withdrawn_label = fields.String(allow_none=True)
    ref_type = fields.String(allow_none=True)
    ref_id = fields.String(allow_none=True)
    deliveries = fields.List(fields.Nested(ChangedDelivery), required=True)
    version = fields.Integer(required=True)


CONTRACT = EventContract("notify", {NOTIFICATION_DELIVERED: NotificationDelivered,
                                    NOTIFICATION_CHANGED: NotificationChanged,
                                    SETTING_CHANGED: SettingChanged},
                         optional_subscribers=frozenset({NOTIFICATION_CHANGED, SETTING_CHANGED}))
