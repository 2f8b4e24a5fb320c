"""notify's published events -- its public contract.

| event                   | when                                          | subscribers |
|-------------------------|-----------------------------------------------|-------------|
| notification.delivered  | a message reached its channel (in-app stored, SMS accepted by the provider) | tickets |

tickets uses ``purpose == "ticket.dispatch_engineering"`` to stop the
"engineering notified within 2 minutes" clock of the ticket in ``ref_id``.
"""
from marshmallow import Schema, fields, validate

from kernel.messaging import EventContract

NOTIFICATION_DELIVERED = "notification.delivered"


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


CONTRACT = EventContract("notify", {NOTIFICATION_DELIVERED: NotificationDelivered})
