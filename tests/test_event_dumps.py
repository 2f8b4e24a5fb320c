"""Every service's events are dumped by the planned dump (``kernel.fastdump``, through
``EventContract``): the payload is exactly what marshmallow's dump of the event's schema gives --
same keys, order and values -- on generated payloads with missing keys, nulls and odd types."""
from __future__ import annotations

import random
from datetime import datetime, timezone

import orjson
import pytest
from marshmallow import fields

from gateway.tests.test_fastdump import reply
from services.archive.events import CONTRACT as ARCHIVE
from services.billing.events import CONTRACT as BILLING
from services.notify.events import CONTRACT as NOTIFY
from services.tickets.events import CONTRACT as TICKETS

EVENTS = [(contract, event_type) for contract in (ARCHIVE, TICKETS, BILLING, NOTIFY) for event_type in contract.schemas]


def payload(schema, rng):
    data = reply(schema, rng)
    for name, field in schema.dump_fields.items():          # date-times as services send them, mostly
        if isinstance(field, fields.DateTime) and name in data and rng.random() < 0.8:
            data[name] = datetime(2026, 12, 1, rng.randint(0, 23), tzinfo=timezone.utc)
    return data


@pytest.mark.parametrize("contract,event_type", EVENTS, ids=lambda v: v if isinstance(v, str) else v.source)
def test_an_events_payload_is_dumped_as_marshmallow_dumps_it(contract, event_type):
    rng = random.Random(event_type)
    schema, dumper = contract.schema(event_type), contract.dumper(event_type)
    for _ in range(40):
        data = payload(schema, rng)
        try:
            expected = schema.dump(data)
        except Exception as exc:
            with pytest.raises(type(exc)):
                dumper.dump(data)
            continue
        got = dumper.dump(data)
        assert got == expected
        assert orjson.dumps(got, default=str) == orjson.dumps(expected, default=str)
