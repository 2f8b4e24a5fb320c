"""Unit tests of the kernel's plain pieces: no broker, no database."""
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from marshmallow import Schema, ValidationError

from kernel import errors
from kernel.clock import FileClock, ManualClock, clock_from_setting
from kernel.messaging.envelope import Event, InvalidEnvelope
from kernel.money import Money, money
from kernel.tenancy import Caller, Role, caller_from_context, context_for, sign, verify_context


class TestMoney:
    def test_rounds_half_up_to_the_fen(self):
        assert money("1.005") == Decimal("1.01")
        assert money("1.004") == Decimal("1.00")
        assert money("-1.005") == Decimal("-1.01")
        assert money(3) == Decimal("3.00")

    def test_refuses_float_and_garbage(self):
        with pytest.raises(TypeError):
            money(0.1)
        with pytest.raises(ValueError):
            money("12,50")
        with pytest.raises(ValueError):
            money("NaN")

    @pytest.mark.parametrize("text", ["1_000", "\u0663", "1e1", " 1.00 ", "+1", "1.", ".5", "0x10",
                                      "\uff11", "1.00\n", ""])
    def test_an_amount_has_one_spelling(self, text):
        # Decimal() would take each of these (or most); an amount typed at the portal may not
        with pytest.raises(ValueError):
            money(text)
        with pytest.raises(ValidationError):
            Money().deserialize(text)

    def test_management_fee_example_is_exact(self):
        # 1.15 yuan/m2/month x 89.37 m2 = 102.7755 -> 102.78
        assert money(Decimal("1.15") * Decimal("89.37")) == Decimal("102.78")

    def test_marshmallow_field_strings_on_the_wire(self):
        class S(Schema):
            amount = Money(required=True, allow_negative=False)

        assert S().load({"amount": "12.345"}) == {"amount": Decimal("12.35")}
        assert S().dump({"amount": Decimal("7")}) == {"amount": "7.00"}
        with pytest.raises(ValidationError):
            S().load({"amount": 1.5})        # float on the wire is refused
        with pytest.raises(ValidationError):
            S().load({"amount": "-1"})
        with pytest.raises(ValidationError):
            S().load({"amount": "abc"})


class TestClock:
    def test_manual_clock_moves_only_when_told(self):
        clock = ManualClock("2026-11-24T09:00:00+08:00")
        assert clock.now() == datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)
        clock.advance(days=30)
        assert clock.now() == datetime(2026, 12, 24, 1, 0, tzinfo=timezone.utc)
        assert clock.today("Asia/Shanghai").isoformat() == "2026-12-24"

    def test_local_date_differs_from_utc_date(self):
        clock = ManualClock("2026-11-30T23:30:00+00:00")
        assert clock.today("Asia/Shanghai").isoformat() == "2026-12-01"

    def test_refuses_naive_times(self):
        with pytest.raises(ValueError):
            ManualClock("2026-11-24T09:00:00")

    def test_settings(self, tmp_path):
        assert clock_from_setting("manual:2026-01-01T00:00:00+00:00").now().year == 2026
        path = tmp_path / "clock.json"
        fc = clock_from_setting(f"file:{path}")
        assert isinstance(fc, FileClock)
        fc.write(now=datetime(2030, 5, 1, tzinfo=timezone.utc))
        assert fc.now().year == 2030
        fc.write(offset_seconds=86400 * 2)
        assert fc.now() - datetime.now(timezone.utc) > timedelta(days=1, hours=23)
        with pytest.raises(ValueError):
            clock_from_setting("sundial")


G, P1, P2 = "g1", "p1", "p2"


class TestCaller:
    def test_staff_sees_only_assigned_projects(self):
        c = Caller("u", "staff", G, frozenset({Role.FRONT_DESK}), frozenset({P1}))
        assert c.sees_project(G, P1)
        assert not c.sees_project(G, P2)
        assert not c.sees_project("other-group", P1)
        with pytest.raises(errors.Forbidden):
            c.require_project(G, P2, not_found=errors.NotFound("no project", code="project_not_found"))

    def test_group_wide_staff(self):
        gm = Caller("gm", "staff", G, frozenset({Role.GENERAL_MANAGER}), all_projects=True)
        assert gm.sees_project(G, P2)
        assert not gm.sees_project("other-group", P2)

    def test_resident_sees_only_own_units_and_gets_404_elsewhere(self):
        r = Caller("r", "resident", G, frozenset({Role.RESIDENT}), unit_ids=frozenset({"unit-1"}))
        assert r.sees_unit(G, P1, "unit-1")
        assert not r.sees_unit(G, P1, "unit-2")
        assert not r.sees_project(G, P1)
        missing = errors.NotFound("no unit unit-2", code="unit_not_found")
        with pytest.raises(errors.NotFound) as exc:
            r.require_unit(G, P1, "unit-2", not_found=missing)
        assert exc.value is missing             # exactly what a missing unit would raise

    def test_a_resident_reads_only_their_household_s_records_of_a_unit(self):
        """After a transfer (过户) the unit's earlier household's records are not the new one's:
        ``require_household`` raises the caller's not-found, exactly as for a missing id."""
        new = Caller("r", "resident", G, frozenset({Role.RESIDENT}), unit_ids=frozenset({"unit-1"}),
                     households=frozenset({("unit-1", "h2")}))
        missing = errors.NotFound("no ticket t1", code="ticket_not_found")
        with pytest.raises(errors.NotFound) as exc:
            new.require_household(G, P1, "unit-1", "h1", not_found=missing)
        assert exc.value is missing
        new.require_household(G, P1, "unit-1", "h2", not_found=missing)
        assert new.sees_household(G, P1, "unit-1", None)              # no household: the unit's
        assert not new.sees_household(G, P1, "unit-2", "h2")           # not their unit
        assert not new.sees_household(G, P1, "unit-1", "h1", current="h1")   # bound wins over current
        unbound = Caller("r", "resident", G, frozenset({Role.RESIDENT}), unit_ids=frozenset({"unit-1"}))
        assert not unbound.sees_household(G, P1, "unit-1", "h1", current="h2")
        assert unbound.sees_household(G, P1, "unit-1", "h2", current="h2")
        assert unbound.sees_household(G, P1, "unit-1", "h1")           # nothing known: the unit's
        desk = Caller("s", "staff", G, frozenset({Role.FRONT_DESK}), frozenset({P1}))
        assert desk.sees_household(G, P1, "unit-1", "h1")
        ctx = context_for(new, "s3cret", "tickets", "get_ticket")
        assert caller_from_context(ctx, "s3cret", "tickets", "get_ticket") == new
        forged = dict(ctx, caller=ctx["caller"].replace('"h2"', '"h1"'))
        with pytest.raises(errors.Unauthenticated):
            caller_from_context(forged, "s3cret", "tickets", "get_ticket")

    def test_roles(self):
        c = Caller("u", "staff", G, frozenset({Role.FINANCE}), frozenset({P1}))
        c.require_role(Role.FINANCE, Role.CS_MANAGER)
        with pytest.raises(errors.Forbidden) as exc:
            c.require_role(Role.CS_MANAGER)
        assert exc.value.code == "role_required"

    def test_context_round_trip_and_tampering(self):
        c = Caller("u", "staff", G, frozenset({Role.STEWARD}), frozenset({P1}), name="王管家")
        ctx = context_for(c, "s3cret", "tickets", "get_ticket")
        assert caller_from_context(ctx, "s3cret", "tickets", "get_ticket") == c
        with pytest.raises(errors.Unauthenticated):
            caller_from_context(ctx, "other-secret", "tickets", "get_ticket")
        forged = dict(ctx, caller=ctx["caller"].replace('"p1"', '"p2"'))
        with pytest.raises(errors.Unauthenticated):
            caller_from_context(forged, "s3cret", "tickets", "get_ticket")
        with pytest.raises(errors.Unauthenticated):
            caller_from_context({}, "s3cret", "tickets", "get_ticket")

    @pytest.mark.parametrize("field, value", [
        ("iat", 1e12), ("exp", 1e12), ("service", "billing"), ("method", "open_repair"), ("rid", "other")])
    def test_every_claim_is_signed(self, field, value):
        ctx = context_for(Caller.system(G), "s3cret", "tickets", "get_ticket")
        claims = json.loads(ctx["caller_claims"])
        tampered = dict(ctx, caller_claims=json.dumps(dict(claims, **{field: value})))
        with pytest.raises(errors.Unauthenticated) as exc:
            caller_from_context(tampered, "s3cret", "tickets", "get_ticket")
        assert exc.value.code == "bad_caller_signature"
        # the old form -- a caller signed alone, without claims -- is refused too
        bare = {"caller": ctx["caller"], "caller_sig": sign({"caller": ctx["caller"]}, "s3cret")}
        with pytest.raises(errors.Unauthenticated) as exc:
            caller_from_context(bare, "s3cret", "tickets", "get_ticket")
        assert exc.value.code == "bad_caller_signature"

    def test_context_expires_with_a_small_skew_tolerance(self):
        c = Caller.system(G)
        ctx = context_for(c, "s3cret", "tickets", "get_ticket", ttl=60, now=1000.0)
        verify = lambda now: caller_from_context(ctx, "s3cret", "tickets", "get_ticket", now=now, skew=5)  # noqa: E731
        assert verify(1000.0) == c
        assert verify(1064.9) == c                 # within expiry + skew
        assert verify(996.0) == c                  # the service's clock 4 s behind the signer's
        for late_or_early in (1065.1, 5000.0, 994.9):
            with pytest.raises(errors.Unauthenticated) as exc:
                verify(late_or_early)
            assert exc.value.code == "caller_context_expired"

    def test_context_is_for_one_service_and_method(self):
        ctx = context_for(Caller.system(G), "s3cret", "tickets", "get_ticket")
        for service, method in (("tickets", "open_repair"), ("billing", "get_ticket"), ("billing", "get_account")):
            with pytest.raises(errors.Unauthenticated) as exc:
                caller_from_context(ctx, "s3cret", service, method)
            assert exc.value.code == "caller_context_wrong_target"

    def test_each_context_has_a_fresh_request_id(self):
        a, b = (verify_context(context_for(Caller.system(G), "s3cret", "tickets", "get_ticket"),
                               "s3cret", "tickets", "get_ticket") for _ in range(2))
        assert a.request_id != b.request_id and len(a.request_id) >= 32


class TestErrors:
    def test_typed_error_survives_the_wire_as_json(self):
        exc = errors.NotFound("ticket T-1 does not exist", code="ticket_not_found", details={"id": "T-1"})
        kind, code, message, details = errors.parse_remote_error(type(exc).__name__, str(exc))
        assert (kind, code, message, details) == (
            "NotFound", "ticket_not_found", "ticket T-1 does not exist", {"id": "T-1"})

    def test_subclass_keeps_its_kind(self):
        class TicketNotFound(errors.NotFound):
            default_code = "ticket_not_found"

        kind, code, *_ = errors.parse_remote_error("TicketNotFound", str(TicketNotFound("gone")))
        assert (kind, code) == ("NotFound", "ticket_not_found")

    def test_foreign_error_is_not_mistaken_for_ours(self):
        kind, code, message, _ = errors.parse_remote_error("KeyError", "'x'")
        assert kind == "KeyError" and code == ""


class TestEnvelope:
    def _event(self, **data):
        return Event(id="e1", type="thing.happened", source="svc",
                     occurred_at=datetime(2026, 11, 24, tzinfo=timezone.utc),
                     group_id=G, project_id=P1, data=data or {"n": 1})

    def test_round_trip(self):
        body = self._event().to_body("k")
        assert Event.from_body(body, "k") == self._event()

    def test_refuses_tampered_or_unsigned(self):
        body = self._event().to_body("k")
        with pytest.raises(InvalidEnvelope):
            Event.from_body(dict(body, project_id=P2), "k")
        with pytest.raises(InvalidEnvelope):
            Event.from_body({k: v for k, v in body.items() if k != "sig"}, "k")
        with pytest.raises(InvalidEnvelope):
            Event.from_body("not json", "k")

    def test_refuses_non_json_payloads(self):
        with pytest.raises(TypeError):
            self._event(amount=Decimal("1.00")).to_body("k")


def test_a_resident_belonged_to_the_households_his_scopes_are_or_were_bound_to():
    """``former_households`` (scopes ended by their household's move-out) travel signed with the
    caller; ``belonged_to`` is true only for the very (unit, household) pairs, now or formerly
    bound -- never for an unbound unit, another unit, or staff."""
    from kernel.testing import resident, staff
    caller = resident("g1", ["u2", "u3"], households={"u2": "h2"}, former_households=[("u1", "h1")])
    assert caller.belonged_to("u1", "h1") and caller.belonged_to("u2", "h2")
    assert not caller.belonged_to("u3", "h3")            # unbound: the household is not known
    assert not caller.belonged_to("u2", "h1") and not caller.belonged_to("u1", "h2")
    assert not caller.belonged_to("u1", None) and not caller.belonged_to(None, "h1")
    assert not caller.sees_unit("g1", "p1", "u1")         # a former household gives no unit
    assert not staff("g1", ["p1"]).belonged_to("u1", "h1")
    secret = "s" * 32
    signed = caller_from_context(context_for(caller, secret, "billing", "list_bills"), secret, "billing", "list_bills")
    assert signed == caller and signed.former_households == {("u1", "h1")}
    assert "former_households" not in resident("g1", ["u1"]).to_dict()    # an old context reads the same
    malformed = Caller.from_dict({**caller.to_dict(), "former_households": [["u1"], "x", ["u9", ""]]})
    assert malformed.former_households == frozenset()
