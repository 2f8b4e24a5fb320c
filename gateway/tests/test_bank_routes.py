"""The bank routes' gateway side without a broker: how the bank's result file may be uploaded
(text/csv as it is, or JSON {"csv": ...}) and that every route states its roles. The routes
against the real services: tests/e2e/test_bank_collection.py."""
from __future__ import annotations

import re

import pytest
from marshmallow import ValidationError
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

import gateway.service  # noqa: F401  (registers the routes)
from gateway.errors import HttpError
from gateway.openapi import build_document
from gateway.routes import bank

CSV = "item_id,status,amount\r\ni1,paid,100.00\r\n"


def request(data: bytes, content_type: str) -> Request:
    return Request(EnvironBuilder(method="POST", data=data, content_type=content_type).get_environ())


@pytest.mark.parametrize("data,content_type", [
    (("\ufeff" + CSV).encode("utf-8"), "text/csv"), (CSV.encode(), "text/csv; charset=utf-8"),
    (b'{"csv": "item_id,status,amount\\r\\ni1,paid,100.00\\r\\n"}', "application/json")])
def test_a_result_file_comes_as_csv_or_as_json(data, content_type):
    assert bank.result_file(request(data, content_type)) == {"csv": CSV}


@pytest.mark.parametrize("data,content_type,status,code", [
    (b"", "text/csv", 400, "body_required"),
    ("中文".encode("gbk"), "text/csv", 400, "invalid_file"),
    (b"<paid/>", "text/xml", 415, "csv_or_json_required"),
    (b'["csv"]', "application/json", 400, "invalid_json"),
    (b"x" * (bank.MAX_UPLOAD + 1), "text/csv", 413, "body_too_large")])
def test_what_is_not_a_result_file_is_a_4xx(data, content_type, status, code):
    with pytest.raises(HttpError) as exc:
        bank.result_file(request(data, content_type))
    assert (exc.value.status, exc.value.code) == (status, code)


@pytest.mark.parametrize("data,content_type", [(b"item_id\x00,status", "text/csv"),
                                               (b'{"csv": 3}', "application/json"), (b'{}', "application/json")])
def test_a_file_with_control_characters_or_no_text_is_refused(data, content_type):
    with pytest.raises(ValidationError):
        bank.result_file(request(data, content_type))


def test_every_bank_route_states_its_roles():
    paths = build_document()["paths"]
    ops = [op for path, item in paths.items() if "debit-mandates" in path or "bank-batches" in path
           for op in item.values()]
    assert len(ops) == 9
    roles = [re.search(r"\(([^()]*)\)$", op["summary"]).group(1) for op in ops]
    assert all("finance" in r for r in roles), roles          # finance takes part in every one
