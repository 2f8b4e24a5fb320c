"""The gateway's side of billing's queries without a broker: the account's arrears summary kept in
the read model and read back (account route, overview) as the caller may see it, the query
strings refused with a 400 before billing is asked, and the routes' OpenAPI entries."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError
from sqlalchemy.orm import Session

import gateway.service  # noqa: F401  (registers the routes)
from gateway import schemas as s
from kernel.fastdump import Dumper
from gateway.openapi import build_document
from gateway.readmodel import projector, views
from kernel.db import make_engine
from kernel.testing import migrated_sqlite, resident, staff

G = "g1"


@pytest.fixture
def session(tmp_path):
    engine = make_engine(migrated_sqlite(tmp_path, "gateway"))
    with Session(engine) as s:
        yield s
    engine.dispose()


def balance_changed(version=3, **changes) -> dict:
    """``account.balance_changed`` as billing publishes it (JSON types)."""
    return {"account_id": "a1", "unit_id": "u1", "project_id": "p1", "group_id": G, "household_id": "h1",
            "unit_label": "1栋-0101", "building_area": "89.37", "usage": "residential", "payer_name": "张伟",
            "currency": "CNY", "opening_balance": "0.00", "balance_due": "95.56", "receivable": "102.78",
            "credit": "7.22", "deposits_held": "2000.00", "open_bills": 1, "oldest_due_on": "2026-11-15",
            "entry_count": 4, "last_posted_at": "2026-11-08T02:00:00+00:00",
            "as_of": "2026-11-08T02:00:00+00:00", "cause": "payment", "entry_id": "e4", "version": version,
            **changes}


def test_the_account_s_arrears_summary_is_kept_and_read_back(session):
    projector.apply_unit(session, {"unit_id": "u1", "group_id": G, "project_id": "p1", "label": "1栋-0101",
                                   "version": 1})
    projector.apply_account(session, balance_changed())
    projector.apply_account(session, balance_changed(version=2, receivable="1.00"))     # older: ignored
    session.commit()
    account = views.unit_account(session, resident(G, ["u1"]), "u1")
    shown = Dumper(s.AccountOut()).dump(account)
    assert shown == s.AccountOut().dump(account)
    assert {k: shown[k] for k in ("balance_due", "receivable", "credit", "deposits_held", "open_bills",
                                  "oldest_due_on", "usage", "as_of", "version")} == {
        "balance_due": "95.56", "receivable": "102.78", "credit": "7.22", "deposits_held": "2000.00",
        "open_bills": 1, "oldest_due_on": "2026-11-15", "usage": "residential",
        "as_of": "2026-11-08T02:00:00+00:00", "version": 3}
    overview = views.overview(session, staff(G, ["p1"]), "u1", None)
    assert Dumper(s.OverviewOut()).dump(overview)["account"]["receivable"] == "102.78"
    # not the caller's: a miss, so billing answers with its own refusal
    for caller in (resident(G, ["u2"]), staff(G, ["p2"]), staff("g2", ["p1"])):
        assert views.unit_account(session, caller, "u1") is None
    assert views.unit_account(session, staff(G, ["p1"]), "u-not-projected") is None


@pytest.mark.parametrize("schema, query", [
    (s.StatementQuery, {"from": "2026-11-01", "to": "9999-12-31"}),
    (s.StatementQuery, {"from": "2026-11-30", "to": "2026-11-01"}),
    (s.StatementQuery, {"from": "2023-01-01", "to": "2026-11-30"}),
    (s.StatementQuery, {"from": "2026-11-01"}),
    (s.StatementQuery, {"from": "2026-02-29", "to": "2026-03-31"}),
    (s.StatementQuery, {"date_from": "2026-11-01", "date_to": "2026-11-30"}),
    (s.TrialBalanceQuery, {"from": "0000-01-01", "to": "2026-11-30"}),
    (s.BillsQuery, {"status": "unpaid"}), (s.BillsQuery, {"period": "2026-11-01"}),
    (s.BillsQuery, {"limit": "0"}), (s.BillsQuery, {"offset": "-1"}), (s.BillsQuery, {"limit": "1e3"}),
    (s.ReceiptsQuery, {"limit": "201"}), (s.ReceiptsQuery, {"offset": "99999999999"}),
    # a malformed account id: not an id's form, or longer than the services' ids
    (s.BillsQuery, {"account_id": "../../etc"}), (s.BillsQuery, {"account_id": "a" * 37}),
    (s.BillsQuery, {"account_id": ""}), (s.ReceiptsQuery, {"account_id": "x y"}),
    (s.StatementQuery, {"from": "2026-11-01", "to": "2026-11-30", "account_id": "acc\n1"})])
def test_bad_query_strings_are_refused_before_billing_is_asked(schema, query):
    with pytest.raises(ValidationError):
        schema().load(query)


def test_the_statement_s_days_are_read_from_from_and_to():
    q = s.StatementQuery().load({"from": "2024-01-01", "to": "2026-12-31"})       # three years exactly
    assert (q["date_to"] - q["date_from"]).days + 1 == s.MAX_PERIOD_DAYS


def test_every_billing_route_names_its_roles_and_its_query_parameters():
    doc = build_document()
    paths = doc["paths"]
    statement = paths["/api/v1/units/{unit_id}/statement"]["get"]
    params = {p["name"]: p for p in statement["parameters"] if p["in"] == "query"}
    assert set(params) == {"from", "to", "account_id"}
    assert params["from"]["required"] and params["to"]["required"] and not params["account_id"].get("required")
    assert params["from"]["schema"]["format"] == "date"
    routes = {"/api/v1/units/{unit_id}/account": "residents", "/api/v1/units/{unit_id}/balance": "residents",
              "/api/v1/units/{unit_id}/accounts": "staff of the project",
              "/api/v1/units/{unit_id}/arrears": "staff", "/api/v1/units/{unit_id}/statement": "residents",
              "/api/v1/units/{unit_id}/bills": "residents", "/api/v1/bills/{bill_id}": "residents",
              "/api/v1/units/{unit_id}/receipts": "residents", "/api/v1/receipts/{receipt_id}": "residents",
              "/api/v1/deposits/{deposit_id}": "residents",
              "/api/v1/projects/{project_id}/ledger": "finance",
              "/api/v1/projects/{project_id}/trial-balance": "finance"}
    for path, who in routes.items():
        operation = paths[path]["get"]
        assert who in operation["summary"] and "404" in operation["responses"], path
    assert {p["name"] for p in paths["/api/v1/units/{unit_id}/bills"]["get"]["parameters"]} == {
        "unit_id", "status", "period", "limit", "offset", "account_id"}
    assert {p["name"] for p in paths["/api/v1/units/{unit_id}/receipts"]["get"]["parameters"]} == {
        "unit_id", "limit", "offset", "account_id"}
    for path in ("/api/v1/units/{unit_id}/bills", "/api/v1/units/{unit_id}/statement",
                 "/api/v1/units/{unit_id}/receipts"):
        assert "previous household" in paths[path]["get"]["summary"], path


def _request(query_string: str):
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request
    return Request(EnvironBuilder(path="/api/v1/units/u1/bills", query_string=query_string).get_environ())


def test_a_query_parameter_given_twice_is_a_400_not_the_first_silently():
    """``?account_id=a&account_id=b`` would read the first account's bills without a word: refused, as
    every parameter named twice on any route (no route takes a list in its query string)."""
    from gateway.errors import HttpError, error_body
    from gateway.routing import _query
    for query in ("account_id=acc-1&account_id=acc-2", "account_id=acc-1&status=open&account_id=acc-1",
                  "status=open&status=all"):
        with pytest.raises(HttpError) as refused:
            _query(_request(query))
        assert (refused.value.status, refused.value.code) == (400, "invalid_query")
        assert "重复" in refused.value.message and "more than once" in str(refused.value.details)
        assert set(error_body(refused.value.code, refused.value.message)) == {"error", "message"}
    assert _query(_request("account_id=acc-1&status=open")) == {"account_id": "acc-1", "status": "open"}


def test_a_refund_names_a_closed_account_and_a_closed_account_s_overpayment_is_a_409():
    """``POST /units/{id}/refunds`` takes ``account_id`` (a previous household's credit or deposit) and
    hands it to billing; billing's refusal of more than a closed account owes reaches the client as 409."""
    from gateway.errors import classify
    from services.billing.exceptions import ClosedAccountOverpaid
    body = s.RefundIn().load({"kind": "overpayment", "amount": "55.00", "method": "cash", "reason": "原业主预存款退还",
                              "account_id": "acc-old"})
    assert s.RefundIn().dump(body)["account_id"] == "acc-old"
    assert s.RefundIn().dump(s.RefundIn().load({"kind": "overpayment", "amount": "1.00", "method": "cash",
                                                "reason": "退还预存款"}))["account_id"] is None
    err = classify(ClosedAccountOverpaid("owes 245.00", details={"balance_due": "245.00"}))
    assert (err.status, err.code, err.details) == (409, "closed_account_overpaid", {"balance_due": "245.00"})


def test_an_online_payment_names_an_account_and_a_malformed_one_is_refused_before_billing_is_asked():
    """``POST /units/{id}/online-payments`` takes ``account_id`` (the old owner's closed account) and hands
    it to billing; left out it is None (the unit's open account); a malformed one is a 400 here."""
    from marshmallow import ValidationError
    body = s.OnlinePaymentIn().load({"method": "wechat", "amount": "245.00", "account_id": "acc-old"})
    assert s.OnlinePaymentIn().dump(body)["account_id"] == "acc-old"
    assert s.OnlinePaymentIn().dump(s.OnlinePaymentIn().load({"method": "alipay", "amount": "1.00"}))[
        "account_id"] is None
    for bad in ("", "a" * 37):
        with pytest.raises(ValidationError) as refused:
            s.OnlinePaymentIn().load({"method": "wechat", "amount": "1.00", "account_id": bad})
        assert "account_id" in refused.value.messages
