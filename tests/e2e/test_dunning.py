"""The dunning ladder end to end (issue 9), the whole story in one platform: **two billing containers
on one PostgreSQL database** run the ladder's daily job on the real broker, driven by the shared
movable clock. Three accounts of 绿湖花园 are in arrears (balances carried over, due 1 November):
on 16 November each gets its first notice (催费通知书), on 24 November its second -- exactly one
notice per account and stage however the two replicas race (``dunning_notices`` rows, outbox rows
of ``dunning.notice_due``), a late day job sweeping a day already swept changing nothing. Each
notice reaches notify: the household reads it in its inbox through the gateway (the door notice's
text queued for print) and the SMS provider gets one text per payer and notice."""
from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import create_engine, text

from deploy import seed
from kernel.config import migrations_dir
from kernel.db import upgrade
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, temporary_pg_database, wait_for
from services.billing.service import BillingService

from .conftest import sms_lines
from .test_repair_flow import token

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
G = seed.GROUP
#: before the platform starts: time stands still until the test moves it
START = datetime.fromisoformat("2026-11-15T10:00:00+08:00")
FIRST_DAY = datetime.fromisoformat("2026-11-16T08:30:00+08:00")      # after the day job's 08:00
SECOND_DAY = datetime.fromisoformat("2026-11-24T08:30:00+08:00")
#: the demo carries 345.00 over for 1栋-0102 (王强); the test carries two more balances over
ARREARS = {("LH", "1栋", "0101"): "200.00", ("LH", "1栋", "0102"): "345.00", ("LH", "2栋", "0101"): "150.00"}
#: what the payers read (family members are not texted about money; Tom Baker reads English)
FIRST_SMS = {
    ("13800000101", "【绿湖花园】1栋-0101 尚欠费用 200.00 元（最早于 2026-11-01 到期），请于 2026-11-23 前缴纳。如已缴纳请忽略。"),
    ("13800000103", "【绿湖花园】1栋-0102 尚欠费用 345.00 元（最早于 2026-11-01 到期），请于 2026-11-23 前缴纳。如已缴纳请忽略。"),
    ("13800000104", "【绿湖花园】2栋-0101 尚欠费用 150.00 元（最早于 2026-11-01 到期），请于 2026-11-23 前缴纳。如已缴纳请忽略。"),
    ("13800000105", "[绿湖花园] 2栋-0101: 150.00 yuan overdue (oldest due 2026-11-01); please pay by 2026-11-23. "
                    "Ignore if paid."),
}
SECOND_SMS = {
    ("13800000101", "【绿湖花园】第二次催缴：1栋-0101 仍欠费用 200.00 元，请于 2026-12-01 前缴纳。"),
    ("13800000103", "【绿湖花园】第二次催缴：1栋-0102 仍欠费用 345.00 元，请于 2026-12-01 前缴纳。"),
    ("13800000104", "【绿湖花园】第二次催缴：2栋-0101 仍欠费用 150.00 元，请于 2026-12-01 前缴纳。"),
    ("13800000105", "[绿湖花园] Second notice: 2栋-0101, 150.00 yuan still overdue; please pay by 2026-12-01."),
}


@pytest.fixture
def billing_db(pg_databases):
    """billing's PostgreSQL database, dropped after the containers using it were killed."""
    url = pg_databases.enter_context(temporary_pg_database())
    upgrade(migrations_dir("billing"), url)
    return url


@pytest.fixture
def two_billings(shared_clock, billing_db, start_platform, container_factory):
    """The platform with billing on PostgreSQL, and a second billing container on the same database."""
    shared_clock.write(now=START)
    containers = start_platform(TOKEN_TTL_MINUTES=60 * 24 * 30, services={"billing": {
        "DB_URL": billing_db, "JOBS_POLL_INTERVAL": 0.1, "JOBS_EVERY_DUNNING_SWEEP": 1}})
    second = container_factory(BillingService, dict(containers["billing"].config))
    second.start()
    return containers


def dunning_sms(tmp_path) -> list[tuple[str, str]]:
    return [(m["to"], m["text"]) for m in sms_lines(tmp_path) if "欠费用" in m["text"] or "overdue" in m["text"]]


def test_two_replicas_send_one_notice_per_account_and_stage_and_notify_tells_the_household(
        two_billings, billing_db, rabbit_config, rpc, web_session, shared_clock, tmp_path):
    # the test drives the day jobs itself: the demo's own sweep after loading is left out
    demo = seed.load(rabbit_config["AMQP_URI"], TEST_SECRET, gateway_db_url=two_billings["gateway"].config["DB_URL"],
                     wait=30, sweep=False)
    lh = demo["projects"]["LH"]["id"]
    system = Caller.system(G, "e2e")
    for key, amount in ARREARS.items():
        if key != ("LH", "1栋", "0102"):          # the demo's own
            rpc.call(system, "billing", "record_opening_balance", seed.unit_id(*key), amount, "2026-11-01",
                     "carried over", idempotency_key=f"dunning-e2e-{'-'.join(key)}")
    engine = create_engine(billing_db)

    def scalar(sql, **params):
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def day_done(day: str) -> bool:
        return scalar("SELECT status FROM jobs WHERE kind = 'dunning-day' AND key = :key",
                      key=f"{lh}:{day}") == "done"

    def notices() -> Counter:
        with engine.connect() as conn:
            return Counter(conn.execute(text("SELECT account_id, stage FROM dunning_notices")).all())

    try:
        # 16 November: the first notices (both replicas poll the day job; one runs it)
        shared_clock.write(now=FIRST_DAY)
        wait_for(lambda: day_done("2026-11-16"), timeout=30, message="the day job of 16 November")
        first = notices()
        assert sorted(stage for _, stage in first) == ["first"] * 3 and set(first.values()) == {1}
        assert scalar("SELECT count(*) FROM outbox WHERE event_type = 'dunning.notice_due'") == 3

        # notify: every payer texted once per notice, in platform words only
        wait_for(lambda: set(dunning_sms(tmp_path)) >= FIRST_SMS, timeout=30, message="the first notices' SMS")
        # the household reads it in its inbox through the gateway; the door notice waits to be printed
        home, resident = seed.unit_id("LH", "1栋", "0101"), token(web_session, "zhangwei")

        def inbox():
            found = web_session.get(f"/api/v1/units/{home}/notifications", headers=resident,
                                    params={"limit": 20}).json()
            return [n for n in found if n["purpose"].startswith("dunning_")]
        [message] = wait_for(inbox, timeout=20, message="the notice in the household's inbox")
        assert (message["purpose"], message["subject"]) == ("dunning_first", "催费通知书：1栋-0101")
        assert message["body"] == ("【绿湖花园】1栋-0101 截至 2026-11-16 尚欠费用 200.00 元（1 笔账单，最早于 2026-11-01 "
                                   "到期），请于 2026-11-23 前到服务中心或线上缴纳。如已缴纳，请忽略本通知。")
        assert {d["channel"]: d["status"] for d in message["deliveries"]} == {"inapp": "delivered",
                                                                              "print": "queued"}

        # 24 November: 17 November's day job (scheduled on the 16th by the hourly sweep), late, sweeps the
        # 24th; the 24th's own finds it swept
        wait_for(lambda: scalar("SELECT count(*) FROM jobs WHERE kind = 'dunning-day' AND key = :key",
                                key=f"{lh}:2026-11-17") == 1, timeout=20, message="17 November's day job scheduled")
        shared_clock.write(now=SECOND_DAY)
        # both due at once: the two replicas typically run one each, one sweep waiting for the other
        wait_for(lambda: day_done("2026-11-17") and day_done("2026-11-24"), timeout=30,
                 message="the day jobs of 17 and 24 November")
        assert not scalar("SELECT count(*) FROM jobs WHERE kind = 'dunning-day' AND attempts > 1")
        both = notices()
        assert sorted(stage for _, stage in both) == ["first"] * 3 + ["second"] * 3 and set(both.values()) == {1}
        assert {account for account, _ in both} == {account for account, _ in first}
        assert scalar("SELECT count(*) FROM outbox WHERE event_type = 'dunning.notice_due'") == 6
        assert scalar("SELECT count(*) FROM dunning_cases WHERE status = 'open' AND stage = 'second' "
                      "AND swept_on = DATE '2026-11-24'") == 3
        wait_for(lambda: set(dunning_sms(tmp_path)) >= FIRST_SMS | SECOND_SMS, timeout=30,
                 message="the second notices' SMS")
        wait_for(lambda: not scalar("SELECT count(*) FROM outbox WHERE status = 'pending'"), timeout=20,
                 message="billing's outbox empty")
        # one text per payer and notice: nothing twice, nothing else about arrears
        assert Counter(dunning_sms(tmp_path)) == Counter(FIRST_SMS | SECOND_SMS)
        runners = {row for row, in engine.connect().execute(text(
            "SELECT leased_by FROM jobs WHERE kind = 'dunning-day'")).all()}
        print(f"day jobs run by {len(runners - {None})} replica(s)")
    finally:
        engine.dispose()
