"""What a broadcast (群发) costs (notify's ``domain/broadcasts.py``): a planned water outage to a project of
10,000 households on PostgreSQL -- an in-app message to each unit and an SMS to each household's owner,
queued for the sender (the SMS ``log`` provider in development; the sender's dispatch is the same for
both sides and not in the figure) -- made by the broadcast's set-based chunks (``broadcasts.create`` and
``broadcasts.run_chunk`` for every chunk of 500 units: one query for a chunk's recipients, each template
rendered once, the notifications, deliveries and outbox rows in multi-row inserts) against the
single-message path (``notifications.notify`` once per recipient, as the event handlers call it: per unit
its household and payers read, then the unit's in-app message and the owner's SMS, one by one) -- the same
messages on the same rows, in one run, interleaved A B, B A, ..., each run in a transaction that is rolled
back (every run sees the same rows). Both must make the same messages: notifications per recipient kind,
deliveries per channel and status, the same texts, the same outbox rows.

Messages per second = notifications made (a unit's inbox message and a person's SMS message each count
one) / seconds of the run. The chunk jobs' claim and completion (two statements per chunk of 500 units)
are left out: the chunks are run in the measuring transaction so it can be rolled back."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, text
from sqlalchemy.orm import sessionmaker

from kernel.clock import ManualClock
from kernel.config import migrations_dir
from kernel.db import make_engine, upgrade
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET
from kernel.work import Work

from .bill_run import StatementCounter
from .stats import summary

HOUSEHOLDS = 10_000
GROUP, PROJECT = "g-bench", "p-bench-broadcast"
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)
OUTAGE = {"outage_label": "停水", "area_label": "全体楼栋", "starts_at": "11月25日 09:00", "ends_at": "11月25日 17:00",
          "reason": "二次供水水箱清洗", "service_phone": "0755-88880000"}

# the registry copies: units in 50 buildings, each with an active household and its owner (a phone of its own)
FILL = [
    """INSERT INTO units (id, group_id, project_id, building_id, building_name, number, label, floor, building_area,
                          usage, version, updated_at)
       SELECT 'u-' || lpad(i::text, 6, '0'), :g, :p, 'b-' || (i % 50), (i % 50) || '栋', lpad(i::text, 4, '0'),
              (i % 50) || '栋-' || lpad(i::text, 4, '0'), 1 + i % 30, 89.37, 'residential', 1, :now
       FROM generate_series(1, :n) AS i""",
    """INSERT INTO households (id, group_id, project_id, unit_id, status, moved_in_on, moved_out_on, version, updated_at)
       SELECT 'h-' || lpad(i::text, 6, '0'), :g, :p, 'u-' || lpad(i::text, 6, '0'), 'active', DATE '2026-01-01', NULL,
              1, :now
       FROM generate_series(1, :n) AS i""",
    """INSERT INTO contacts (id, group_id, project_id, household_id, unit_id, person_id, name, role, phone, email,
                             locale, wechat_openid)
       SELECT md5('c-' || i)::uuid::text, :g, :p, 'h-' || lpad(i::text, 6, '0'), 'u-' || lpad(i::text, 6, '0'),
              'pe-' || lpad(i::text, 6, '0'), '业主' || i, 'owner', '139' || lpad(i::text, 8, '0'), NULL, 'zh-CN', NULL
       FROM generate_series(1, :n) AS i""",
]

OUTCOME = {
    "notifications": "SELECT recipient_kind, count(*), count(DISTINCT recipient) FROM notifications "
                     "WHERE source_event_id = :b GROUP BY recipient_kind ORDER BY recipient_kind",
    "deliveries": "SELECT d.channel, d.status, count(*) FROM deliveries d JOIN notifications n ON n.id = d.notification_id "
                  "WHERE n.source_event_id = :b GROUP BY d.channel, d.status ORDER BY d.channel, d.status",
    "texts": "SELECT d.channel, d.body, count(*) FROM deliveries d JOIN notifications n ON n.id = d.notification_id "
             "WHERE n.source_event_id = :b GROUP BY d.channel, d.body ORDER BY d.channel",
    "outbox": "SELECT event_type, count(*) FROM outbox GROUP BY event_type ORDER BY event_type",
}


def _work(session, clock) -> Work:
    from services.notify.domain.settings import SETTINGS
    from services.notify.events import CONTRACT
    from services.notify.models import Base

    return Work.build(session, clock, Caller.system(GROUP, "notify"), base=Base, contract=CONTRACT, secret=TEST_SECRET,
                      settings=SETTINGS)


def fill(url: str, households: int) -> float:
    from services.notify.models import ProjectCopy

    started = time.perf_counter()
    engine = make_engine(url)
    Session = sessionmaker(engine, expire_on_commit=False)
    try:
        with Session() as session, session.begin():
            session.add(ProjectCopy(id=PROJECT, group_id=GROUP, code="BC", name="基准花园", kind="residential",
                                    timezone="Asia/Shanghai", version=1, updated_at=NOW))
        with engine.begin() as conn:
            for sql in FILL:
                conn.execute(text(sql), {"g": GROUP, "p": PROJECT, "n": households, "now": NOW})
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()
    return time.perf_counter() - started


def _broadcast(work: Work, chunk: int):
    """The broadcast both sides make the messages of (created in the run's transaction)."""
    from services.notify.domain import broadcasts

    return broadcasts.create(work, PROJECT, {"purpose": "outage.notice", "target": "project", "values": OUTAGE,
                                             "channels": ["inapp", "sms"], "send_at": None, "chunk_size": chunk})


def bulk(work: Work, chunk: int):
    """The broadcast's path: create it, then every chunk (what each ``broadcast-chunk`` job runs)."""
    from services.notify.domain import broadcasts

    b = _broadcast(work, chunk)
    made = sum(broadcasts.run_chunk(work, b.id, n) for n in range(1, b.chunks + 1))
    return b, made


def one_by_one(work: Work, chunk: int):
    """The single-message path: per unit its household and payers, then ``notifications.notify`` for the
    unit's in-app message and for each payer's SMS -- one message at a time, as the event handlers do."""
    from services.notify.domain import bills, broadcasts, notifications
    from services.notify.domain.notifications import INAPP, PERSON, SMS, UNIT, Channel, Recipient, SmsLimits
    from services.notify.models import HouseholdCopy, ProjectCopy, UnitCopy

    b = _broadcast(work, chunk)           # the same broadcast row and units; its chunks are not run
    project = work.session.get(ProjectCopy, PROJECT)
    values = dict(OUTAGE, project_name=project.name)
    limits = SmsLimits(0, 0, 0, 0)        # a legal notice: no per-number limit, as on the broadcast's path
    made = 0
    common = dict(purpose=b.purpose, values=lambda locale: values, source_event_id=b.id,
                  ref_type=broadcasts.REF_TYPE, ref_id=b.id, sms_limits=limits)
    unit_ids = list(work.session.scalars(select(UnitCopy.id).where(UnitCopy.project_id == PROJECT)
                                         .order_by(UnitCopy.id)))
    for n, unit_id in enumerate(unit_ids):
        if n and n % 100 == 0:
            # in production each message is its own event's transaction: keep this one's session as small
            # (written, then forgotten) so the baseline does not pay for a session holding 40,000 objects
            work.session.flush()
            work.session.expunge_all()
            project = work.session.get(ProjectCopy, PROJECT)
        _, created = notifications.notify(work, project, recipient=Recipient(UNIT, unit_id, unit_id), locale="zh-CN",
                                          channels=[Channel(INAPP)], **common)
        made += created
        household = work.session.scalar(select(HouseholdCopy.id).where(HouseholdCopy.unit_id == unit_id,
                                                                        HouseholdCopy.status == "active"))
        for contact, reach in bills.payer_channels(work, household, unit_id, (SMS,)):
            _, created = notifications.notify(work, project, recipient=Recipient(PERSON, contact.person_id, unit_id),
                                              locale=contact.locale, channels=reach, **common)
            made += created
    return b, made


def one_run(Session, counter: StatementCounter, set_based: bool, households: int, chunk: int) -> dict:
    clock = ManualClock(NOW)
    with Session() as session:
        try:
            before = counter.count
            started = time.perf_counter()
            work = _work(session, clock)
            b, made = (bulk if set_based else one_by_one)(work, chunk)
            session.flush()
            seconds = time.perf_counter() - started
            statements = counter.count - before
            outcome = {key: [tuple(row) for row in session.execute(text(sql), {"b": b.id})]
                       for key, sql in OUTCOME.items()}
        finally:
            session.rollback()           # every run sees the same rows
    return {"seconds": seconds, "statements": statements, "messages": made, "rate": made / seconds,
            "outcome": outcome}


def run(pg_url: str, households: int = HOUSEHOLDS, repeats: int = 3, chunk: int = 500) -> dict:
    """Fill ``pg_url`` (a fresh database) and measure; the figure's result dict."""
    upgrade(migrations_dir("notify"), pg_url)
    filled = fill(pg_url, households)
    engine = make_engine(pg_url, pool_size=2)
    Session = sessionmaker(engine, expire_on_commit=False)
    counter = StatementCounter(engine)
    fast, slow = [], []
    try:
        for n in range(repeats):
            for side in ((0, 1) if n % 2 == 0 else (1, 0)):
                (fast if side == 0 else slow).append(one_run(Session, counter, side == 0, households, chunk))
    finally:
        engine.dispose()
    outcomes = [r["outcome"] for r in fast + slow]
    same = all(o == outcomes[0] for o in outcomes)
    assert same, f"the two paths differ: {[{k: v for k, v in o.items() if k != 'texts'} for o in outcomes]}"
    rate, base = summary(r["rate"] for r in fast), summary(r["rate"] for r in slow)
    secs, base_secs = summary(r["seconds"] for r in fast), summary(r["seconds"] for r in slow)
    ratio = rate["median"] / base["median"]
    out, first = outcomes[0], fast[0]
    messages = first["messages"]
    lines = [
        f"{households:,} households on PostgreSQL (units, active households, owners with a phone; filled in "
        f"{filled:.1f} s); outage.notice by in-app + SMS, {messages:,} messages; chunks of {chunk}; {repeats} "
        f"repeats, interleaved, each in a rolled-back transaction",
        "  broadcast (set-based chunks): " + ", ".join(f"{r['seconds']:.2f} s" for r in fast)
        + f" -- {first['statements']:,} statements",
        "  one by one (notifications.notify): " + ", ".join(f"{r['seconds']:.2f} s" for r in slow)
        + f" -- {slow[0]['statements']:,} statements",
        f"  broadcast {rate['median']:,.0f} messages/s (min {rate['min']:,.0f}; {secs['median']:.2f} s) vs one by "
        f"one {base['median']:,.0f} messages/s ({base_secs['median']:.1f} s): {ratio:.1f}x",
        f"  the same messages on both sides, every run: notifications {out['notifications']}, deliveries "
        f"{out['deliveries']}, outbox {out['outbox']}",
    ]
    return {"name": "broadcast", "title": f"A broadcast to {households:,} households, in-app + SMS (PostgreSQL)",
            "lines": lines,
            "summary": f"{rate['median']:,.0f} messages/s by the broadcast's chunks ({messages:,} messages in "
                       f"{secs['median']:.2f} s) vs {base['median']:,.0f} messages/s one by one: {ratio:.1f}x",
            "data": {"households": households, "messages": messages, "set_based": fast, "baseline": slow,
                     "rate": rate, "baseline_rate": base, "ratio": ratio, "same": same, "outcome": out}}
