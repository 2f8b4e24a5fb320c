"""Repairs to the end, without a broker (issue 7): the effective-dated price list, a paid in-home
repair's quote -> consent / refusal -> charge and ``ticket.charge_posted``, the not-covered reply,
the on-duty list and auto-assignment across a weekday boundary -- on the injectable clock."""
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from marshmallow import ValidationError

from kernel.errors import Forbidden
from kernel.tenancy import Caller
from kernel.testing import outbox_events, resident, staff
from services.tickets.domain import copies, duty, paid, prices, repairs
from services.tickets.exceptions import (AlreadyCharged, ConsentRequired, NoOneOnDuty, NotAPaidRepair,
                                         NotAssignedToYou, NotCoveredOnly, NotYourStep,
                                         PriceChangeBackdated, PriceItemNotFound, ProjectNotFound,
                                         QuoteChanged, QuoteOverLimit, TicketNotFound, UnitRequired,
                                         UnknownPriceItem)
from services.tickets.models import Base, OutboxMessage, ProjectCopy, UnitCopy
from services.tickets.schemas import DutyRosterIn, PriceItemIn, TransitionIn
from services.tickets.tests.support import work

G = "group-1"
SHANGHAI = ZoneInfo("Asia/Shanghai")
MANAGER = staff(G, ["p1"], roles=["engineering_manager"], user_id="eng.mgr")
CENTRE = staff(G, ["p1"], roles=["centre_manager"], user_id="centre")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk")
TECH = staff(G, ["p1"], roles=["engineering"], user_id="eng.lh")
OTHER_TECH = staff(G, ["p1"], roles=["engineering"], user_id="eng.wq")
DESK_P2 = staff(G, ["p2"], roles=["front_desk"], user_id="desk.p2")
ME = resident(G, ["u1"], user_id="r-zhang")
NEIGHBOUR = resident(G, ["u2"], user_id="r-li")
ELSEWHERE = resident(G, ["u9"], user_id="r-far")          # a resident of project p2
SYSTEM = Caller.system(G, "notify")


@pytest.fixture
def registry(session, clock):
    w = work(session, clock, Caller.system(G, "tickets"))
    for pid, name in (("p1", "绿湖花园"), ("p2", "星河公寓")):
        copies.apply_project(w, {"project_id": pid, "group_id": G, "name": name, "timezone": "Asia/Shanghai",
                                 "version": 1})
    for uid, pid, label, hid in (("u1", "p1", "1栋-0101", "h1"), ("u2", "p1", "1栋-0102", "h2"),
                                 ("u9", "p2", "A座-0901", "h9")):
        copies.apply_unit(w, {"unit_id": uid, "group_id": G, "project_id": pid, "label": label, "version": 1})
        copies.apply_household(w, {"household_id": hid, "unit_id": uid, "status": "active", "version": 1,
                                   "group_id": G, "project_id": pid,
                                   "people": [{"name": "张伟", "role": "owner", "phone": "13812345678"}]})
    session.flush()


def set_item(session, clock, code, price, caller=MANAGER, **extra):
    data = PriceItemIn().load({"code": code, "name": extra.pop("name", f"项目{code}"),
                               "unit": extra.pop("unit", "个"), "price": price, **extra})
    return prices.set_item(work(session, clock, caller), "p1", data)


@pytest.fixture
def price_list(session, clock, registry):
    set_item(session, clock, "SD-01", "35.00", name="更换水龙头阀芯")
    set_item(session, clock, "DQ-02", "12.35", name="更换电线", unit="米")
    set_item(session, clock, "SM-00", "20.00", name="上门检查", unit="次")


def act(session, clock, caller, ticket, action, **body):
    if action in ("consent", "refuse") and ticket.quotes:
        body.setdefault("quote_id", ticket.quotes[-1].id)         # the quote the resident read
    return repairs.transition(work(session, clock, caller), ticket.id, action,
                              TransitionIn().load({"action": action, **body}))


def paid_ticket(session, clock, caller=ME, unit_id="u1"):
    return repairs.open_repair(work(session, clock, caller), {
        "unit_id": unit_id, "category": "in_home_paid", "content": "厨房水龙头漏水，需更换阀芯",
        "appointment_at": clock.now() + timedelta(hours=3)})


def on_site(session, clock, ticket):
    act(session, clock, MANAGER, ticket, "dispatch", assignee_id="eng.lh", assignee_name="林工")
    for action in ("accept", "arrive"):
        clock.advance(minutes=10)
        act(session, clock, TECH, ticket, action)
    assert ticket.status == "on_site"
    return ticket


def events(session, kind):
    return [e["data"] for e in outbox_events(session, Base) if e["type"] == kind]


# -- the price list -------------------------------------------------------------------------

class TestPriceList:
    def test_a_change_takes_effect_from_its_date_and_never_rewrites_earlier_days(self, session, clock, price_list):
        today = date(2026, 11, 24)
        w = work(session, clock, DESK)
        listed = prices.price_list(w, "p1")
        assert listed["on"] == today
        assert [(i["code"], i["price"]) for i in listed["items"]] == [
            ("DQ-02", Decimal("12.35")), ("SD-01", Decimal("35.00")), ("SM-00", Decimal("20.00"))]
        # a new price from 1 December, announced today: scheduled, today's list unchanged
        after = set_item(session, clock, "SD-01", "40.00", name="更换水龙头阀芯", effective_from="2026-12-01")
        assert {i["code"]: i["price"] for i in after["items"]}["SD-01"] == Decimal("35.00")
        assert [(s["code"], s["price"], s["effective_from"]) for s in after["scheduled"]] == [
            ("SD-01", Decimal("40.00"), date(2026, 12, 1))]
        on = lambda day: {i["code"]: i["price"] for i in prices.price_list(w, "p1", day)["items"]}  # noqa: E731
        assert on(date(2026, 11, 30))["SD-01"] == Decimal("35.00")
        assert on(date(2026, 12, 1))["SD-01"] == Decimal("40.00")
        assert on(date(2026, 11, 23)) == {}                      # before the list existed
        # history is never rewritten: yesterday is refused (on the site's local date)
        with pytest.raises(PriceChangeBackdated) as refused:
            set_item(session, clock, "SD-01", "1.00", effective_from="2026-11-23")
        assert refused.value.code == "price_change_backdated"
        # 中文 (English), the same facts in both (kernel.errors.bilingual)
        assert refused.value.message.startswith("价目调整只能从今天（2026-11-24）或以后生效，不能从 2026-11-23 起追溯 (")
        assert refused.value.message.endswith(f"({refused.value.english})")
        # on the same day a later change wins (a correction); the earlier row stays
        set_item(session, clock, "SM-00", "25.00", name="上门检查", unit="次")
        assert on(today)["SM-00"] == Decimal("25.00")

    def test_retiring_an_item_keeps_it_on_earlier_days(self, session, clock, price_list):
        w = work(session, clock, CENTRE)
        retired = prices.retire_item(w, "p1", "DQ-02", {"effective_from": date(2026, 11, 26)})
        assert [s["code"] for s in retired["scheduled"] if s["retired"]] == ["DQ-02"]
        codes = lambda day: [i["code"] for i in prices.price_list(w, "p1", day)["items"]]  # noqa: E731
        assert codes(date(2026, 11, 25)) == ["DQ-02", "SD-01", "SM-00"]
        assert codes(date(2026, 11, 26)) == ["SD-01", "SM-00"]
        with pytest.raises(PriceItemNotFound):
            prices.retire_item(w, "p1", "NOPE", {})
        with pytest.raises(PriceItemNotFound):                  # gone on that day already
            prices.retire_item(w, "p1", "DQ-02", {"effective_from": date(2026, 11, 27)})

    def test_who_reads_and_who_changes_it(self, session, clock, price_list):
        for reader in (ME, NEIGHBOUR, TECH, DESK, MANAGER):
            assert len(prices.price_list(work(session, clock, reader), "p1")["items"]) == 3
        with pytest.raises(ProjectNotFound):                    # a resident of another project
            prices.price_list(work(session, clock, ELSEWHERE), "p1")
        with pytest.raises(Forbidden):                          # staff of another project
            prices.price_list(work(session, clock, DESK_P2), "p1")
        for changer in (TECH, DESK, ME):
            with pytest.raises((Forbidden, ProjectNotFound)):
                set_item(session, clock, "X-1", "1.00", caller=changer)
        set_item(session, clock, "X-1", "1.00", caller=CENTRE)

    def test_prices_are_money_never_float(self):
        schema = PriceItemIn()
        for bad in (12.5, "12.345", "0.00", "-1.00", "1e3", True):
            with pytest.raises(ValidationError):
                schema.load({"code": "A-1", "name": "x", "unit": "个", "price": bad})
        with pytest.raises(ValidationError):
            schema.load({"code": "A 1\n", "name": "x", "unit": "个", "price": "1.00"})
        assert schema.load({"code": "A-1", "name": "x", "unit": "个", "price": "12.5"})["price"] == Decimal("12.50")


# -- quote -> consent / refusal -> charge ------------------------------------------------------

class TestQuoteConsentCharge:
    def test_the_quote_is_priced_from_the_list_and_totalled_here(self, session, clock, price_list):
        ticket = on_site(session, clock, paid_ticket(session, clock))
        act(session, clock, TECH, ticket, "quote", lines=[{"code": "SD-01", "quantity": 2},
                                                          {"code": "DQ-02", "quantity": "1.5"}], note="阀芯两个")
        assert ticket.status == "quoted"
        quote = repairs.snapshot(ticket)["quote"]
        assert quote["lines"] == [
            {"code": "SD-01", "name": "更换水龙头阀芯", "unit": "个", "quantity": "2",
             "unit_price": Decimal("35.00"), "amount": Decimal("70.00")},
            {"code": "DQ-02", "name": "更换电线", "unit": "米", "quantity": "1.5",
             "unit_price": Decimal("12.35"), "amount": Decimal("18.53")}]       # 18.525, half-up
        assert (quote["total"], quote["status"], quote["revision"], quote["priced_on"]) == (
            Decimal("88.53"), "pending", 1, date(2026, 11, 24))
        assert quote["quoted_by"] == {"user_id": "eng.lh", "name": "eng.lh"} and quote["note"] == "阀芯两个"
        # the resident sees it in the ticket (ticket.changed, the read model's source)
        published = events(session, "ticket.changed")[-1]
        assert published["quote"]["total"] == "88.53" and published["quote"]["lines"][1]["amount"] == "18.53"

    def test_the_list_in_force_that_day_prices_it(self, session, clock, price_list):
        set_item(session, clock, "SD-01", "40.00", name="更换水龙头阀芯", effective_from="2026-11-25")
        ticket = on_site(session, clock, paid_ticket(session, clock))
        act(session, clock, TECH, ticket, "quote", lines=[{"code": "SD-01", "quantity": 1}])
        assert ticket.quotes[-1].total == Decimal("35.00")
        clock.set(datetime(2026, 11, 25, 0, 5, tzinfo=SHANGHAI))             # just after midnight, local
        act(session, clock, TECH, ticket, "quote", lines=[{"code": "SD-01", "quantity": 1}])
        assert (ticket.quotes[-1].total, ticket.quotes[-1].priced_on) == (Decimal("40.00"), date(2026, 11, 25))

    def test_bad_lines_are_refused_and_change_nothing(self, session, clock, price_list):
        ticket = on_site(session, clock, paid_ticket(session, clock))
        version = ticket.version
        with pytest.raises(UnknownPriceItem) as unknown:
            act(session, clock, TECH, ticket, "quote", lines=[{"code": "SD-01", "quantity": 1},
                                                              {"code": "NOPE", "quantity": 1}])
        assert unknown.value.details["codes"] == ["NOPE"] and unknown.value.code == "unknown_price_item"
        assert (ticket.status, ticket.version, ticket.quotes) == ("on_site", version, [])
        for lines in ([{"code": "SD-01", "quantity": -1}], [{"code": "SD-01", "quantity": 0}],
                      [{"code": "SD-01", "quantity": "1.555"}], [{"code": "SD-01", "quantity": "nan"}],
                      [{"code": "SD-01", "quantity": 1}, {"code": "SD-01", "quantity": 2}], []):
            with pytest.raises(ValidationError):
                TransitionIn().load({"action": "quote", "lines": lines})
        with pytest.raises(ValidationError):
            TransitionIn().load({"action": "quote"})

    def test_a_quote_over_the_projects_limit_is_refused(self, session, clock, price_list):
        """A paid repair is quoted up to ``repair.max_quote_total`` (20 000.00 by default): extra
        zeros typed into a quantity never become a charge nor break billing's amount range."""
        ticket = on_site(session, clock, paid_ticket(session, clock))
        with pytest.raises(QuoteOverLimit) as over:
            act(session, clock, TECH, ticket, "quote", lines=[{"code": "SD-01", "quantity": 10000}])
        assert over.value.details == {"total": "350000.00", "limit": "20000.00"}
        assert over.value.message.startswith("报价合计 350000.00 元，超过本项目有偿维修报价上限 20000.00 元 (the quote")
        assert (ticket.status, ticket.quotes) == ("on_site", [])
        with pytest.raises(ValidationError):                    # a unit price over 100 000.00
            PriceItemIn().load({"code": "X", "name": "x", "unit": "个", "price": "100000.01"})

    def test_a_consent_to_a_replaced_quote_is_refused(self, session, clock, price_list):
        """The resident read quote 1 (35.00); the technician re-quotes 10 x 35.00 meanwhile: the
        consent names quote 1 and is refused -- it never lands on the figure not seen."""
        ticket = on_site(session, clock, paid_ticket(session, clock))
        act(session, clock, TECH, ticket, "quote", lines=[{"code": "SD-01", "quantity": 1}])
        seen = ticket.quotes[-1].id
        act(session, clock, TECH, ticket, "quote", lines=[{"code": "SD-01", "quantity": 10}])
        version = ticket.version
        for action, body in (("consent", {}), ("refuse", {"reason": "太贵"})):
            with pytest.raises(QuoteChanged) as changed:
                act(session, clock, ME, ticket, action, quote_id=seen, **body)
            assert changed.value.code == "quote_changed" and changed.value.details["total"] == "350.00"
        assert (ticket.status, ticket.version, ticket.quotes[-1].status) == ("quoted", version, "pending")
        with pytest.raises(ValidationError):                          # consent names the quote
            TransitionIn().load({"action": "consent"})
        act(session, clock, ME, ticket, "consent", quote_id=ticket.quotes[-1].id)
        assert (ticket.status, ticket.quotes[-1].status) == ("consented", "consented")

    def test_re_quote_replaces_and_a_new_quote_after_consent_needs_consent_again(self, session, clock, price_list):
        ticket = on_site(session, clock, paid_ticket(session, clock))
        act(session, clock, TECH, ticket, "quote", lines=[{"code": "SD-01", "quantity": 1}])
        act(session, clock, TECH, ticket, "quote", lines=[{"code": "SD-01", "quantity": 1},
                                                          {"code": "SM-00", "quantity": 1}])
        assert [(q.revision, q.status) for q in ticket.quotes] == [(1, "superseded"), (2, "pending")]
        assert ticket.status == "quoted"
        act(session, clock, ME, ticket, "consent")
        snap = repairs.snapshot(ticket)["quote"]
        assert (ticket.status, snap["status"], snap["consented_at"], snap["total"]) == (
            "consented", "consented", clock.now(), Decimal("55.00"))
        clock.advance(minutes=5)
        act(session, clock, TECH, ticket, "quote", lines=[{"code": "SD-01", "quantity": 2}])
        assert ticket.status == "quoted"
        assert [q.status for q in ticket.quotes] == ["superseded", "superseded", "pending"]
        with pytest.raises(ConsentRequired) as refused:
            act(session, clock, TECH, ticket, "complete", work_done="换阀芯")
        assert refused.value.code == "consent_required"
        act(session, clock, ME, ticket, "consent")
        act(session, clock, TECH, ticket, "complete", work_done="换阀芯两个",
            materials=[{"name": "阀芯", "quantity": 2, "unit": "个"}])
        assert ticket.charge.total == Decimal("70.00")

    def test_completion_puts_the_charge_on_the_order_and_records_charge_posted(self, session, clock, price_list):
        ticket = on_site(session, clock, paid_ticket(session, clock))
        act(session, clock, TECH, ticket, "quote", lines=[{"code": "SD-01", "quantity": 1},
                                                          {"code": "DQ-02", "quantity": 2}])
        act(session, clock, ME, ticket, "consent")
        clock.advance(minutes=40)
        act(session, clock, TECH, ticket, "complete", work_done="更换阀芯和电线",
            materials=[{"name": "阀芯", "quantity": 1, "unit": "个"}])
        assert ticket.status == "work_done"
        charge = repairs.snapshot(ticket)["charge"]
        assert (charge["total"], charge["currency"], charge["posted_at"]) == (Decimal("59.70"), "CNY", clock.now())
        [posted] = events(session, "ticket.charge_posted")
        assert posted == {
            "charge_id": charge["charge_id"], "ticket_id": ticket.id, "number": ticket.number, "group_id": G,
            "project_id": "p1", "unit_id": "u1", "household_id": "h1",
            "lines": [{"code": "SD-01", "name": "更换水龙头阀芯", "unit": "个", "quantity": "1",
                       "unit_price": "35.00", "amount": "35.00"},
                      {"code": "DQ-02", "name": "更换电线", "unit": "米", "quantity": "2",
                       "unit_price": "12.35", "amount": "24.70"}],
            "total": "59.70", "currency": "CNY", "posted_at": clock.now().astimezone(ZoneInfo("UTC")).isoformat()}
        # a money event: published mandatory (the relay keeps it while no queue is bound for it)
        row = session.query(OutboxMessage).filter_by(event_type="ticket.charge_posted").one()
        assert row.mandatory is True
        snapshot = events(session, "ticket.changed")[-1]
        assert snapshot["charge"]["charge_id"] == charge["charge_id"] and snapshot["status"] == "work_done"
        act(session, clock, ME, ticket, "rate", rating=5, comment="价格合理")
        assert ticket.status == "closed"

    def test_refusal_cancels_with_the_reason_and_stops_the_clocks(self, session, clock, price_list):
        ticket = paid_ticket(session, clock)
        running = {d.kind for d in ticket.deadlines if d.met_at is None}
        assert running                                     # notify_engineering, arrive_before
        act(session, clock, MANAGER, ticket, "dispatch", assignee_id="eng.lh", assignee_name="林工")
        act(session, clock, TECH, ticket, "accept")
        act(session, clock, TECH, ticket, "arrive")
        act(session, clock, TECH, ticket, "quote", lines=[{"code": "SD-01", "quantity": 1}])
        with pytest.raises(ValidationError):
            TransitionIn().load({"action": "refuse"})          # a refusal states its reason
        clock.advance(minutes=3)
        act(session, clock, ME, ticket, "refuse", reason="价格太高，自己找人修")
        assert (ticket.status, ticket.cancel_reason) == ("cancelled", "价格太高，自己找人修")
        assert all(d.met_at or d.cancelled_at == clock.now() for d in ticket.deadlines)
        assert all(d.next_alert_at is None for d in ticket.deadlines)
        quote = repairs.snapshot(ticket)["quote"]
        assert (quote["status"], quote["refused_at"], quote["refusal_reason"]) == (
            "refused", clock.now(), "价格太高，自己找人修")
        assert events(session, "ticket.charge_posted") == []
        assert events(session, "ticket.status_changed")[-1]["to"] == "cancelled"

    def test_who_quotes_and_who_consents(self, session, clock, price_list):
        ticket = on_site(session, clock, paid_ticket(session, clock))
        with pytest.raises(NotAssignedToYou):
            act(session, clock, OTHER_TECH, ticket, "quote", lines=[{"code": "SD-01", "quantity": 1}])
        with pytest.raises(NotYourStep):
            act(session, clock, ME, ticket, "quote", lines=[{"code": "SD-01", "quantity": 1}])
        act(session, clock, TECH, ticket, "quote", lines=[{"code": "SD-01", "quantity": 1}])
        with pytest.raises(TicketNotFound):                    # another household: as for no such ticket
            act(session, clock, NEIGHBOUR, ticket, "consent")
        for staff_member in (TECH, MANAGER):                  # staff do not consent for the resident
            with pytest.raises(NotYourStep):
                act(session, clock, staff_member, ticket, "consent")
        # the unit's household moved out and another moved in: not theirs to consent to
        unit = session.get(UnitCopy, "u1")
        unit.household_id = "h-new"
        with pytest.raises(TicketNotFound):
            act(session, clock, ME, ticket, "consent")
        unit.household_id = "h1"
        act(session, clock, ME, ticket, "consent")
        assert ticket.status == "consented"

    def test_only_a_paid_repair_is_quoted_and_it_is_completed_only_once_consented(self, session, clock, price_list):
        public = on_site(session, clock, repairs.open_repair(work(session, clock, ME), {
            "unit_id": "u1", "category": "public_area", "content": "楼道灯不亮"}))
        with pytest.raises(NotAPaidRepair) as refused:
            act(session, clock, TECH, public, "quote", lines=[{"code": "SD-01", "quantity": 1}])
        assert refused.value.code == "not_a_paid_repair" and public.status == "on_site"
        ticket = on_site(session, clock, paid_ticket(session, clock))
        with pytest.raises(ConsentRequired):
            act(session, clock, TECH, ticket, "complete", work_done="修好了")
        act(session, clock, TECH, ticket, "quote", lines=[{"code": "SD-01", "quantity": 1}])
        with pytest.raises(ConsentRequired):
            act(session, clock, TECH, ticket, "complete", work_done="修好了")
        assert (ticket.status, ticket.charge) == ("quoted", None)

    def test_a_reopened_paid_repair_is_rework_without_a_second_charge(self, session, clock, price_list):
        ticket = on_site(session, clock, paid_ticket(session, clock))
        act(session, clock, TECH, ticket, "quote", lines=[{"code": "SD-01", "quantity": 1}])
        act(session, clock, ME, ticket, "consent")
        act(session, clock, TECH, ticket, "complete", work_done="换阀芯")
        act(session, clock, ME, ticket, "rate", rating=2)
        clock.advance(days=1)
        act(session, clock, ME, ticket, "reopen", reason="又漏了")
        act(session, clock, TECH, ticket, "accept")
        act(session, clock, TECH, ticket, "arrive")
        with pytest.raises(AlreadyCharged):
            act(session, clock, TECH, ticket, "quote", lines=[{"code": "SD-01", "quantity": 1}])
        act(session, clock, TECH, ticket, "complete", work_done="重新安装阀芯")
        assert ticket.status == "work_done"
        assert len(events(session, "ticket.charge_posted")) == 1

    def test_a_paid_repair_names_its_unit(self, session, clock, price_list):
        with pytest.raises(UnitRequired):
            repairs.open_repair(work(session, clock, DESK), {
                "project_id": "p1", "location": "会所", "category": "in_home_paid", "content": "换灯",
                "appointment_at": clock.now() + timedelta(hours=2)})


# -- not covered: the engineering manager's reply ------------------------------------------------

class TestNotCoveredReply:
    def not_covered(self, session, clock):
        ticket = repairs.open_repair(work(session, clock, ME), {
            "unit_id": "u1", "category": "not_covered", "content": "自购空调不制冷"})
        repairs.engineering_notified(work(session, clock, SYSTEM), ticket.id, clock.now(), via="sms")
        return ticket

    def test_the_reply_meets_the_clock_closes_the_ticket_and_the_resident_sees_the_advice(self, session, clock, registry):
        ticket = self.not_covered(session, clock)
        assert ticket.status == "dispatched"
        clock.advance(minutes=12)
        with pytest.raises(NotYourStep):
            act(session, clock, DESK, ticket, "reply", advice="x")
        with pytest.raises(Forbidden):
            act(session, clock, TECH, ticket, "reply", advice="x")
        with pytest.raises(ValidationError):
            TransitionIn().load({"action": "reply"})
        act(session, clock, MANAGER, ticket, "reply", advice="空调属业主自购设备，不在物业维修范围；建议联系品牌售后 400-xxx")
        reply_clock = next(d for d in ticket.deadlines if d.kind == "reply")
        assert (reply_clock.met_at, ticket.status, ticket.closed_at) == (clock.now(), "closed", clock.now())
        view = repairs.ticket_view(ticket, clock.now(), ME)
        assert next(d for d in view["deadlines"] if d["kind"] == "reply")["state"] == "met"
        assert view["advice"] == {"text": "空调属业主自购设备，不在物业维修范围；建议联系品牌售后 400-xxx",
                                  "at": clock.now(), "by": {"user_id": "eng.mgr", "name": "eng.mgr"}}
        assert events(session, "ticket.changed")[-1]["advice"]["text"].startswith("空调属业主自购设备")
        assert events(session, "ticket.status_changed")[-1]["action"] == "reply"

    def test_a_late_reply_is_late_and_only_not_covered_requests_are_answered_so(self, session, clock, registry):
        ticket = self.not_covered(session, clock)
        clock.advance(minutes=16)
        act(session, clock, MANAGER, ticket, "reply", advice="建议联系厂家")
        view = repairs.ticket_view(ticket, clock.now(), MANAGER)
        assert next(d for d in view["deadlines"] if d["kind"] == "reply")["state"] == "late"
        public = repairs.open_repair(work(session, clock, ME), {
            "unit_id": "u1", "category": "public_area", "content": "楼道灯不亮"})
        with pytest.raises(NotCoveredOnly):
            act(session, clock, MANAGER, public, "reply", advice="x")


# -- the on-duty list and auto-assignment ---------------------------------------------------------

ROSTER = [
    # weekdays, day shift, public areas only
    {"category": "public_area", "technician_id": "eng.lh", "technician_name": "林工", "weekdays": [1, 2, 3, 4, 5],
     "starts": "08:00", "ends": "17:30"},
    # every night, everything, into the next morning
    {"category": "*", "technician_id": "eng.wq", "technician_name": "王工", "weekdays": [1, 2, 3, 4, 5, 6, 7],
     "starts": "17:30", "ends": "08:00"},
    # weekend day shift, everything
    {"category": "*", "technician_id": "eng.zh", "technician_name": "赵工", "weekdays": [6, 7],
     "starts": "08:00", "ends": "17:30"},
]


def local(text):
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def replace_roster(session, clock, entries, caller=MANAGER):
    return duty.replace(work(session, clock, caller), "p1", DutyRosterIn().load({"entries": entries})["entries"])


class TestOnDutyList:
    def test_the_manager_replaces_the_list_staff_read_it(self, session, clock, registry):
        with pytest.raises(Forbidden):
            replace_roster(session, clock, ROSTER, caller=DESK)
        replaced = replace_roster(session, clock, ROSTER)
        assert [e["technician_id"] for e in replaced["entries"]] == ["eng.lh", "eng.wq", "eng.zh"]
        read = duty.roster(work(session, clock, TECH), "p1")        # Tuesday 09:00
        assert [e["technician_id"] for e in read["on_duty_now"]] == ["eng.lh"]
        with pytest.raises(ProjectNotFound):
            duty.roster(work(session, clock, ME), "p1")
        assert replace_roster(session, clock, ROSTER[:1])["entries"][0]["technician_id"] == "eng.lh"
        assert len(duty.roster(work(session, clock, TECH), "p1")["entries"]) == 1

    def test_entries_are_checked(self):
        schema = DutyRosterIn()
        for bad in ({"starts": "08:00+08:00"}, {"starts": "08:00:30"}, {"weekdays": [0]}, {"weekdays": [8]},
                    {"weekdays": []}, {"category": "roof"}, {"valid_from": "2026-12-02", "valid_to": "2026-12-01"},
                    {"technician_id": ""}):
            with pytest.raises(ValidationError):
                schema.load({"entries": [{**ROSTER[0], **bad}]})

    @pytest.mark.parametrize("at,category,expected", [
        ("2026-11-27T17:00", "public_area", "eng.lh"),     # Friday day shift
        ("2026-11-27T17:30", "public_area", "eng.wq"),     # Friday night shift starts
        ("2026-11-27T23:59", "in_home_paid", "eng.wq"),
        ("2026-11-28T03:00", "public_area", "eng.wq"),     # Saturday 03:00: Friday's night shift
        ("2026-11-28T07:59", "not_covered", "eng.wq"),
        ("2026-11-28T08:00", "public_area", "eng.zh"),     # Saturday: the weekend day shift
        ("2026-11-30T07:00", "public_area", "eng.wq"),     # Monday 07:00: Sunday's night shift
        ("2026-11-30T08:00", "public_area", "eng.lh"),     # Monday: the weekday day shift again
        ("2026-11-30T08:00", "in_home_paid", None),        # ... which takes public areas only
    ])
    def test_auto_assign_across_weekday_boundaries(self, session, clock, registry, at, category, expected):
        replace_roster(session, clock, ROSTER)
        clock.set(local(at))
        ticket = repairs.open_repair(work(session, clock, ME), {
            "unit_id": "u1", "category": category, "content": "需要维修",
            "appointment_at": clock.now() + timedelta(hours=2) if category == "in_home_paid" else None})
        if expected is None:
            with pytest.raises(NoOneOnDuty) as refused:
                act(session, clock, MANAGER, ticket, "dispatch")
            assert refused.value.code == "no_one_on_duty" and ticket.status == "open"
            return
        act(session, clock, MANAGER, ticket, "dispatch")
        assert (ticket.status, ticket.assignee_id) == ("dispatched", expected)
        assert ticket.history[-1].note.startswith("值班派工：")

    def test_the_technician_with_fewest_open_orders_then_the_list_order(self, session, clock, registry):
        replace_roster(session, clock, [
            {**ROSTER[0], "category": "*", "technician_id": "eng.lh", "weekdays": [2]},
            {**ROSTER[0], "category": "*", "technician_id": "eng.wq", "technician_name": "王工", "weekdays": [2]}])
        assigned = []
        for n in range(4):
            ticket = repairs.open_repair(work(session, clock, ME), {"unit_id": "u1", "category": "public_area",
                                                                    "content": f"第{n}处灯坏了"})
            act(session, clock, MANAGER, ticket, "dispatch")
            assigned.append(ticket)
        assert [t.assignee_id for t in assigned] == ["eng.lh", "eng.wq", "eng.lh", "eng.wq"]
        for t in assigned[:2]:                                     # eng.lh finishes one: fewer open
            if t.assignee_id == "eng.lh":
                act(session, clock, DESK, t, "cancel", reason="重复")
        nxt = repairs.open_repair(work(session, clock, ME), {"unit_id": "u1", "category": "public_area",
                                                              "content": "又一处"})
        act(session, clock, MANAGER, nxt, "dispatch")
        assert nxt.assignee_id == "eng.lh"

    def test_a_dated_holiday_roster(self, session, clock, registry):
        replace_roster(session, clock, [
            {"category": "*", "technician_id": "eng.zh", "technician_name": "赵工", "weekdays": [1, 2, 3, 4, 5, 6, 7],
             "starts": "00:00", "ends": "00:00", "valid_from": "2027-02-10", "valid_to": "2027-02-12"}])
        for at, expected in (("2027-02-09T12:00", None), ("2027-02-10T00:00", "eng.zh"),
                             ("2027-02-12T23:59", "eng.zh"), ("2027-02-13T00:00", None)):
            clock.set(local(at))
            chosen = duty.choose(work(session, clock, MANAGER), session.get(ProjectCopy, "p1"),
                                 "public_area", clock.now())
            assert (chosen.technician_id if chosen else None) == expected, at

    def test_the_engineering_notice_assigns_only_when_the_project_says_so(self, session, clock, registry):
        replace_roster(session, clock, ROSTER)
        first = repairs.open_repair(work(session, clock, ME), {"unit_id": "u1", "category": "public_area",
                                                               "content": "楼道灯不亮"})
        repairs.engineering_notified(work(session, clock, SYSTEM), first.id, clock.now(), via="sms")
        assert (first.status, first.assignee_id) == ("dispatched", None)     # default: off
        repairs.set_setting(work(session, clock, CENTRE), "p1", duty.AUTO_ASSIGN_ON_NOTICE, True,
                            reason="值班表派工")
        second = repairs.open_repair(work(session, clock, ME), {"unit_id": "u1", "category": "public_area",
                                                                "content": "电梯厅灯不亮"})
        repairs.engineering_notified(work(session, clock, SYSTEM), second.id, clock.now(), via="sms")
        assert (second.status, second.assignee_id, second.assignee_name) == ("dispatched", "eng.lh", "林工")
        assert second.history[-1].note == "sms; 值班派工：林工"
        # nobody on duty for a paid repair on a weekday morning: it stays with the duty phone
        third = paid_ticket(session, clock)
        repairs.engineering_notified(work(session, clock, SYSTEM), third.id, clock.now(), via="sms")
        assert (third.status, third.assignee_id) == ("dispatched", None)
        assert paid.current_quote(third) is None
