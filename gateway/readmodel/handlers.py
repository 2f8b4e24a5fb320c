"""The read model's reliable event handlers (``kernel.entrypoints.event_handler``: signed
envelopes, inbox-deduplicated, retried, dead-lettered to ``wuye.dlq.gateway``). Each checks the
payload's shape at the boundary, then hands it to the projector (newer versions only)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

from kernel.entrypoints import event_handler
from kernel.errors import InvalidInput
from kernel.messaging import Event

from . import projector


class _In(Schema):
    class Meta:
        unknown = EXCLUDE


class TicketChangedIn(_In):
    ticket_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True)
    number = fields.String(required=True)
    status = fields.String(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    reporter = fields.Dict(required=True)
    deadlines = fields.List(fields.Dict(), required=True)
    history = fields.List(fields.Dict(), required=True)
    version = fields.Integer(required=True)


class NotificationChangedIn(_In):
    id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True)
    #: the household the unit's message was addressed to (published since notify 0050)
    household_id = fields.String(allow_none=True, load_default=None)
    recipient_kind = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    deliveries = fields.List(fields.Dict(), required=True)
    version = fields.Integer(required=True)


class BalanceChangedIn(_In):
    account_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    project_id = fields.String(required=True)
    balance_due = fields.String(required=True)
    # events published before billing's revision 0030 have none: they count as version 0
    version = fields.Integer(load_default=0)


class UnitChangedIn(_In):
    unit_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    label = fields.String(required=True)
    version = fields.Integer(required=True)


class HouseholdChangedIn(_In):
    household_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    status = fields.String(required=True)
    people = fields.List(fields.Dict(), required=True)
    version = fields.Integer(required=True)


class GoodsReleaseChangedIn(_In):
    release_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    household_id = fields.String(allow_none=True)
    number = fields.String(allow_none=True)
    status = fields.String(required=True)
    requester = fields.Dict(required=True)
    mover = fields.Dict(required=True)
    items = fields.List(fields.Dict(), required=True)
    recorded_at = fields.AwareDateTime(required=True)
    history = fields.List(fields.Dict(), required=True)
    version = fields.Integer(required=True)


class KeyChangedIn(_In):
    key_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    label = fields.String(required=True)
    state = fields.String(required=True)
    loan = fields.Dict(allow_none=True, load_default=None)
    updated_at = fields.AwareDateTime(required=True)
    version = fields.Integer(required=True)


_INSTANCES: dict[type, Schema] = {}


def checked(schema: type[Schema], event: Event) -> dict:
    """The payload as published, once its shape is checked and its group is its event's."""
    instance = _INSTANCES.get(schema)
    if instance is None:       # one instance per schema (stateless between calls)
        instance = _INSTANCES[schema] = schema()
    errors = instance.validate(event.data)
    if errors:
        raise InvalidInput(f"{event.type} payload does not match: {errors}", code="invalid_event",
                           zh=f"事件 {event.type} 的内容不符合其格式")
    data = dict(event.data)
    group = data.get("group_id")
    if group is not None and event.group_id is not None and group != event.group_id:
        raise InvalidInput(f"a snapshot of group {group} in an event of group {event.group_id}",
                           code="snapshot_group_mismatch", zh="事件中的快照属于另一个物业公司")
    data.setdefault("group_id", event.group_id)
    return data


class ReadModelHandlers:
    """Mixed into :class:`gateway.service.GatewayService` (``self.db``: the worker's session)."""

    @event_handler("tickets", "ticket.changed")
    def on_ticket_changed(self, event: Event):
        projector.apply_ticket(self.db, checked(TicketChangedIn, event))

    @event_handler("notify", "notification.changed")
    def on_notification_changed(self, event: Event):
        projector.apply_notification(self.db, checked(NotificationChangedIn, event))

    @event_handler("billing", "account.balance_changed")
    def on_balance_changed(self, event: Event):
        projector.apply_account(self.db, checked(BalanceChangedIn, event))

    @event_handler("archive", "unit.changed")
    def on_unit_changed(self, event: Event):
        projector.apply_unit(self.db, checked(UnitChangedIn, event))

    @event_handler("archive", "household.changed")
    def on_household_changed(self, event: Event):
        projector.apply_household(self.db, checked(HouseholdChangedIn, event))

    @event_handler("tickets", "goods_release.changed")
    def on_goods_release_changed(self, event: Event):
        projector.apply_goods_release(self.db, checked(GoodsReleaseChangedIn, event))

    @event_handler("tickets", "key.changed")
    def on_key_changed(self, event: Event):
        projector.apply_key(self.db, checked(KeyChangedIn, event))
