"""The planned dump (kernel.fastdump) gives exactly what marshmallow's dump gives --
same keys, same order, same values -- for every response schema of the API, on
generated replies with missing keys, nulls, odd types and unknown keys."""
import random
from decimal import Decimal

import orjson
import pytest
from marshmallow import Schema, fields, post_dump

from kernel.fastdump import Dumper
from gateway.routing import ROUTES
import gateway.service  # noqa: F401  (registers the routes)

SCHEMAS = sorted({(spec.response, spec.many) for spec in ROUTES if spec.response},
                 key=lambda item: (item[0].__name__, item[1]))


def sample(field, rng, depth=0):
    """A value a service might send for ``field``: usually the right type, sometimes not."""
    roll = rng.random()
    if roll < 0.08:
        return None
    if isinstance(field, fields.Nested):
        schema = field.schema
        if schema.many or field.many:
            return [reply(schema, rng, depth + 1) for _ in range(rng.randint(0, 3))]
        return reply(schema, rng, depth + 1)
    if isinstance(field, fields.List):
        return [sample(field.inner, rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if isinstance(field, (fields.Integer, fields.Float)):
        return rng.choice([0, 7, -3, "12", 2 ** 40, True])
    if isinstance(field, fields.Boolean):
        return rng.choice([True, False, 1, 0, "true"])
    if isinstance(field, fields.Decimal):
        return rng.choice([Decimal("1.50"), "2.25", 3])
    if isinstance(field, fields.Date):
        import datetime
        return datetime.date(2026, 11, rng.randint(1, 28))
    if isinstance(field, (fields.Dict, fields.Raw)) and not isinstance(field, fields.String):
        return rng.choice([{"a": 1}, [1, "x"], "text", 5])
    return rng.choice(["文本", "0101", "", 42, 3.5, True])        # strings, and what str() makes of others


def reply(schema, rng, depth=0):
    data = {"unexposed": "never dumped", "items_count": 3}
    for name, field in schema.dump_fields.items():
        if rng.random() < 0.1 or depth > 4:
            continue                                              # the key missing
        data[field.attribute or name] = sample(field, rng, depth)
    return data


@pytest.mark.parametrize("schema_cls,many", SCHEMAS, ids=lambda v: getattr(v, "__name__", str(v)))
def test_the_planned_dump_is_marshmallows(schema_cls, many):
    rng = random.Random(f"{schema_cls.__name__}{many}")
    schema = schema_cls(many=many)
    dumper = Dumper(schema)
    for _ in range(60):
        data = [reply(schema, rng) for _ in range(rng.randint(0, 4))] if many else reply(schema, rng)
        try:
            expected = schema.dump(data)
        except Exception as exc:        # e.g. a reply without "items" (marshmallow takes dict.items)
            with pytest.raises(type(exc)):
                dumper.dump(data)
            continue
        got = dumper.dump(data)
        assert got == expected
        assert orjson.dumps(got, default=str) == orjson.dumps(expected, default=str)   # same key order


def test_what_it_does_not_plan_goes_through_marshmallow():
    class Hooked(Schema):
        a = fields.String()
        b = fields.String(attribute="x.y")
        c = fields.Method("shout")
        d = fields.String(dump_default="dflt")
        e = fields.String(data_key="E")

        def shout(self, obj):
            return "C!"

        @post_dump
        def mark(self, data, **kwargs):
            return dict(data, hooked=True)

    class Plain(Hooked):
        @post_dump
        def mark(self, data, **kwargs):
            return data

    for cls in (Hooked, Plain):
        schema = cls()
        for obj in ({"a": 1, "x": {"y": "deep"}, "e": "e"}, {}, None):
            assert Dumper(schema).dump(obj) == schema.dump(obj)

    class Obj:
        a, e = "attr", 5
    schema = Plain()
    assert Dumper(schema).dump(Obj()) == schema.dump(Obj())
    assert Dumper(schema).dump([Obj(), {"a": 2}], many=True) == schema.dump([Obj(), {"a": 2}], many=True)
