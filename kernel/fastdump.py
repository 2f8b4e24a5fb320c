"""A schema's dump, planned once per schema (issue 6: "a fast path for large lists") -- the gateway's
response schemas and the event contracts' payload schemas (``kernel.messaging.EventContract``).

marshmallow's ``Schema.dump`` pays per field and per item for generality: the
accessor chain (``Field.serialize`` -> ``get_value`` -> ``Schema.get_attribute`` ->
``utils.get_value``), hook lookups and key mapping. The gateway dumps plain dicts
(RPC replies) through fixed schemas, so :class:`Dumper` looks at each schema once
and keeps, per field, the shortest way to the same result:

- a field whose value is taken the plain way (no ``attribute``, no dotted name, no
  ``dump_default``, ``serialize`` not overridden) reads the dict directly and calls
  the field's own ``_serialize`` -- or, for ``String`` and ``Raw``, does inline what
  that ``_serialize`` does;
- ``Nested`` and ``List`` fields are planned recursively;
- anything else -- a field type it does not know, an object that is not a plain
  dict, a schema with dump hooks or its own ``get_attribute`` -- goes through
  marshmallow itself.

The result is the same as ``schema.dump`` (same keys, same order, same values);
``gateway/tests/test_fastdump.py`` checks it for every response schema of the API,
``kernel/tests/test_bulk.py`` for the services' event schemas.
"""
from __future__ import annotations

from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import ensure_text_type

_ABSENT = object()


def _string(value, _obj):
    if value is None:
        return None
    return value if type(value) is str else ensure_text_type(value)


def _raw(value, _obj):
    return value


class Dumper:
    """``Dumper(schema).dump(obj)`` == ``schema.dump(obj)``, faster for plain dicts."""

    def __init__(self, schema: Schema):
        self.schema = schema
        cls = type(schema)
        self.plain = (not schema._hooks[PRE_DUMP] and not schema._hooks[POST_DUMP]
                      and cls.get_attribute is Schema.get_attribute and cls._serialize is Schema._serialize
                      and schema.dict_class is dict)
        self.plan = [self._plan(attr, field) for attr, field in schema.dump_fields.items()]

    # -- planning (once) --------------------------------------------------------
    def _plan(self, attr: str, field: fields.Field):
        key = field.data_key if field.data_key is not None else attr
        plain = (field.attribute is None and "." not in attr and field.dump_default is missing
                 and type(field).serialize is fields.Field.serialize and field._CHECK_ATTRIBUTE)
        return attr, key, (self._serializer(attr, field) if plain else None), field

    def _serializer(self, attr: str, field: fields.Field):
        """``fn(value, obj)`` doing what ``field._serialize(value, attr, obj)`` does."""
        method = type(field)._serialize
        if method is fields.String._serialize:
            return _string
        if method is fields.Field._serialize:          # Raw and friends: the value as it is
            return _raw
        if method is fields.Nested._serialize and type(field).schema is fields.Nested.schema:
            nested = field.schema
            many = bool(nested.many or field.many)
            sub = Dumper(nested)

            def nested_fn(value, _obj):
                return None if value is None else sub.dump(value, many=many)
            return nested_fn
        if method is fields.List._serialize:
            inner = self._serializer(attr, field.inner)

            def list_fn(value, obj):
                return None if value is None else [inner(each, obj) for each in value]
            return list_fn
        bound = field._serialize
        return lambda value, obj: bound(value, attr, obj)

    # -- dumping ----------------------------------------------------------------
    def dump(self, obj, *, many: bool | None = None):
        many = self.schema.many if many is None else bool(many)
        if not self.plain:
            return self.schema.dump(obj, many=many)
        if many and obj is not None:
            one = self._one
            return [one(item) for item in obj]
        return self._one(obj)

    def _one(self, obj):
        if type(obj) is not dict:
            return self.schema._serialize(obj, many=False)
        ret = {}
        get_attribute = self.schema.get_attribute
        for attr, key, serialize, field in self.plan:
            if serialize is None:
                value = field.serialize(attr, obj, accessor=get_attribute)
                if value is not missing:
                    ret[key] = value
                continue
            value = obj.get(attr, _ABSENT)
            if value is _ABSENT:
                # what marshmallow's accessor does for a dict without the key: the attribute
                value = getattr(obj, attr, missing)
                if value is missing:
                    continue
            ret[key] = serialize(value, obj)
        return ret
