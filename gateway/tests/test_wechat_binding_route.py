"""The resident's WeChat binding route, gateway side: in the OpenAPI document with its roles, a write
that takes an Idempotency-Key, bad input refused before notify is asked (the schema notify loads is
the same: tests/test_schema_agreement.py). Against the real service: services/notify/tests/test_channels.py."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError

import gateway.service  # noqa: F401  (registers the routes)
from gateway import schemas as s
from gateway.openapi import build_document
from gateway.routing import ROUTES

PATH = "/api/v1/units/{unit_id}/people/{person_id}/wechat"


def test_the_binding_route_is_documented_with_its_roles_and_takes_a_key():
    [spec] = [r for r in ROUTES if r.path == PATH]
    assert spec.method == "PUT" and spec.idempotent
    operation = build_document()["paths"][PATH]["put"]
    assert "residents of the unit" in operation["summary"]
    assert {"403", "404"} <= set(operation["responses"])


@pytest.mark.parametrize("data", [{}, {"openid": ""}, {"openid": "abc"}, {"openid": "o" * 65},
                                  {"openid": "oAbC DEF ghijklmnop"}, {"openid": 12345678}])
def test_bad_input_is_refused_before_notify_is_asked(data):
    with pytest.raises(ValidationError):
        s.WechatBindingIn().load(data)


def test_null_unbinds():
    assert s.WechatBindingIn().load({"openid": None}) == {"openid": None}
