"""The OpenAPI 3.1 document, built from the route table and its marshmallow
schemas -- so it covers every route by construction."""
from __future__ import annotations

import re

from marshmallow import RAISE, Schema, fields, validate

from kernel.validators import Text

from .routing import ROUTES, RouteSpec
from .schemas import ErrorOut

ERROR_TEXT = {400: "invalid input", 401: "no or bad token", 403: "outside the caller's scope or role",
              404: "not found (or not yours)", 409: "conflicts with current state",
              410: "removed for good (e.g. erased under the retention rule)",
              413: "body too large", 415: "not JSON", 422: "breaks a business rule",
              429: "too many requests; wait the Retry-After seconds",
              502: "a service failed", 503: "a service is unavailable", 504: "a service timed out"}


def _field(f: fields.Field, components: dict) -> dict:
    meta = dict(f.metadata or {})
    if isinstance(f, fields.Nested):
        nested = f.nested if isinstance(f.nested, type) else type(f.nested)
        out = {"$ref": _ref(nested, components)}
    elif isinstance(f, fields.List):
        out = {"type": "array", "items": _field(f.inner, components)}
    elif isinstance(f, fields.Dict):
        out = {"type": "object"}
    elif isinstance(f, fields.Boolean):
        out = {"type": "boolean"}
    elif isinstance(f, fields.Integer):
        out = {"type": "integer"}
    elif isinstance(f, (fields.AwareDateTime, fields.DateTime)):
        out = {"type": "string", "format": "date-time"}
    elif isinstance(f, fields.Date):
        out = {"type": "string", "format": "date"}
    elif isinstance(f, fields.Decimal):
        out = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
    elif isinstance(f, fields.Email):
        out = {"type": "string", "format": "email"}
    elif isinstance(f, fields.Raw) and not isinstance(f, (fields.String,)):
        out = {}
    else:
        out = {"type": "string"}
    for v in ([f.validate] if callable(f.validate) and not isinstance(f.validate, list)
              else (f.validators or [])):
        if isinstance(v, validate.OneOf):
            out["enum"] = list(v.choices)
        elif isinstance(v, validate.Length):
            # a list counts items, an object (a Dict) its properties, text its characters
            words = ("minItems", "maxItems") if isinstance(f, fields.List) else (
                ("minProperties", "maxProperties") if isinstance(f, fields.Dict) else ("minLength", "maxLength"))
            if v.min is not None:
                out[words[0]] = v.min
            if v.max is not None:
                out[words[1]] = v.max
        elif isinstance(v, validate.Range) and out.get("type") == "string":
            # a number written as text (money, a quantity): its bounds in words, not as JSON numbers
            bounds = [f"{'more than' if not v.min_inclusive else 'at least'} {v.min}" if v.min is not None else "",
                      f"{'less than' if not v.max_inclusive else 'at most'} {v.max}" if v.max is not None else ""]
            words = ", ".join(b for b in bounds if b)
            out["description"] = f"{out['description']} ({words})" if out.get("description") else words
        elif isinstance(v, validate.Range):
            if v.min is not None:
                out["minimum"] = v.min
            if v.max is not None:
                out["maximum"] = v.max
        elif isinstance(v, validate.Regexp):
            out["pattern"] = v.regex.pattern
        elif isinstance(v, Text):
            # the platform's text rule (kernel.validators.Text): its length limit in the document too
            out["maxLength"] = min(out.get("maxLength", v.max_chars), v.max_chars)
    if f.allow_none and "$ref" in out:
        out = {"anyOf": [out, {"type": "null"}]}
    elif f.allow_none and "type" in out:
        out["type"] = [out["type"], "null"]
    for key in ("description", "format", "enum", "pattern"):
        if key in meta:
            out[key] = meta[key]
    return out


def _schema(cls: type[Schema], components: dict) -> dict:
    instance = cls()
    props, required = {}, []
    for name, f in instance.fields.items():
        props[f.data_key or name] = _field(f, components)
        if f.required:
            required.append(f.data_key or name)
    out = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    if instance.unknown == RAISE:
        out["additionalProperties"] = False         # requests: unknown fields are refused
    if cls.__doc__:
        out["description"] = " ".join(cls.__doc__.split())
    return out


def _ref(cls: type[Schema], components: dict) -> str:
    name = cls.__name__
    if name not in components:
        components[name] = {}                 # placeholder against recursion
        components[name] = _schema(cls, components)
    return f"#/components/schemas/{name}"


def _operation(spec: RouteSpec, components: dict) -> dict:
    op = {"summary": spec.summary, "tags": list(spec.tags), "operationId": _operation_id(spec)}
    if spec.description:
        op["description"] = spec.description
    params = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
              for n in re.findall(r"\{(\w+)\}", spec.path)]
    if spec.query:
        for name, f in spec.query().fields.items():
            # the name on the wire (a field may read another: ``from`` -> ``date_from``)
            params.append({"name": f.data_key or name, "in": "query", "required": bool(f.required),
                           "schema": _field(f, components)})
    if spec.idempotent:
        required = spec.idempotency == "required"
        params.append({"name": "Idempotency-Key", "in": "header", "required": required,
                       "schema": {"type": "string", "maxLength": 64},
                       "description": "repeat a request safely: the same key returns the same result"
                                      + ("; required (400 idempotency_key_required without one)" if required
                                         else "")})
    if params:
        op["parameters"] = params
    if spec.body:
        op["requestBody"] = {"required": spec.body_required, "content": {"application/json": {
            "schema": {"$ref": _ref(spec.body, components)}}}}
    ok: dict = {"description": "success"}
    if spec.media_type != "application/json":
        ok["content"] = {spec.media_type: {"schema": {"type": "string"}}}
    elif spec.response:
        ref = {"$ref": _ref(spec.response, components)}
        ok["content"] = {"application/json": {"schema": {"type": "array", "items": ref} if spec.many else ref}}
    responses = {str(spec.status): ok}
    statuses = set(spec.errors) | {502, 503, 504}
    if spec.auth:
        statuses |= {401, 403}
    if spec.query or spec.body:
        statuses.add(400)
    if spec.body:
        statuses |= {413, 415}
    if spec.auth and spec.method != "GET":
        statuses.add(429)            # GATEWAY_WRITE_LIMIT_PER_MINUTE
    error_ref = {"$ref": _ref(ErrorOut, components)}
    for status in sorted(statuses):
        responses[str(status)] = {"description": ERROR_TEXT.get(status, "error"),
                                  "content": {"application/json": {"schema": error_ref}}}
    op["responses"] = responses
    if spec.auth:
        op["security"] = [{"bearer": []}]
    return op


def _operation_id(spec: RouteSpec) -> str:
    words = [w for w in re.split(r"[/{}_.-]+", spec.path) if w and w not in ("api", "v1")]
    return spec.method.lower() + "".join(w.capitalize() for w in words)


def build_document(server_url: str | None = None) -> dict:
    components: dict = {}
    paths: dict = {}
    for spec in ROUTES:
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec, components)
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "Wuye (物业) API", "version": "1.0.0",
                 "description": "Residents' and staff portals' API. Errors are "
                                "{\"error\": code, \"message\": text}."},
        "paths": paths,
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "bearerFormat": "JWT"}}},
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc
