"""The event envelope every Wuye event travels in.

``{"id", "type", "source", "occurred_at", "group_id", "project_id", "actor",
"data", "sig"}`` -- plain JSON only. ``sig`` is an HMAC of the rest with the
platform secret, so a handler can refuse an event no service of ours wrote.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from marshmallow import INCLUDE, Schema, ValidationError, fields

from ..clock import ensure_aware
from ..tenancy import sign, verify


class InvalidEnvelope(Exception):
    """A message that is not a well-formed, correctly signed Wuye event."""


class _EnvelopeSchema(Schema):
    class Meta:
        unknown = INCLUDE

    id = fields.String(required=True)
    type = fields.String(required=True)
    source = fields.String(required=True)
    occurred_at = fields.AwareDateTime(required=True)
    group_id = fields.String(allow_none=True, load_default=None)
    project_id = fields.String(allow_none=True, load_default=None)
    actor = fields.Dict(allow_none=True, load_default=None)
    data = fields.Dict(required=True)
    sig = fields.String(required=True)


_ENVELOPE = _EnvelopeSchema()      # one instance: it holds no state between loads


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    source: str
    occurred_at: datetime
    group_id: str | None
    project_id: str | None
    data: dict
    actor: dict | None = field(default=None)

    def to_body(self, secret: str) -> dict:
        body = {
            "id": self.id, "type": self.type, "source": self.source,
            "occurred_at": ensure_aware(self.occurred_at).isoformat(),
            "group_id": self.group_id, "project_id": self.project_id,
            "actor": self.actor, "data": self.data,
        }
        # plain JSON only: a Decimal or datetime here is a bug upstream -- the signature's own
        # (canonical) JSON refuses it with a TypeError, no separate check needed
        body["sig"] = sign(body, secret)
        return body

    @classmethod
    def from_body(cls, body, secret: str) -> "Event":
        if isinstance(body, (str, bytes)):
            try:
                body = json.loads(body)
            except ValueError as exc:
                raise InvalidEnvelope(f"not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise InvalidEnvelope("envelope must be a JSON object")
        try:
            loaded = _ENVELOPE.load(body)
        except ValidationError as exc:
            raise InvalidEnvelope(f"bad envelope: {exc.messages}") from None
        unsigned = {k: v for k, v in body.items() if k != "sig"}
        if not verify(unsigned, body.get("sig"), secret):
            raise InvalidEnvelope("signature does not verify")
        return cls(id=loaded["id"], type=loaded["type"], source=loaded["source"],
                   occurred_at=loaded["occurred_at"], group_id=loaded["group_id"],
                   project_id=loaded["project_id"], data=loaded["data"], actor=loaded["actor"])
