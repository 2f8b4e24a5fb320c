"""The journal's invariants under random sequences of every operation (hypothesis, stateful).

Three fee accounts of one project; each step is one of: a monthly bill, a one-off charge or late
fee of several lines, a payment of a random amount (partial or over: ``payments.record_received``),
an opening balance (owed or prepaid, once per account), a discount or write-off of open bills,
the reversal of a random reversible entry (refused while its bill has credits on it), prepaid
credit applied, a deposit held or refunded, a refund of credit, a day or two passing. After every
step, for the journal as a whole and for every account:

- every entry's postings sum to zero, and so do all postings together;
- an entry's ``amount`` is its receivable + prepaid postings; the balance due
  (``journal.balances``) is the sum of the account's entry amounts, the sum of its receivable and
  prepaid postings, and what the test itself added up from the operations it made;
- sum(receivable postings) == sum(bill.total - bill.allocated); no bill is over-allocated or
  negative, a bill's allocated is the sum of its allocations and it is settled exactly when
  nothing is left; a bill's total is the sum of its lines;
- the statement from the first day to today opens at 0.00 and closes at the balance due; the
  arrears never exceed what is owed on bills;
- no float anywhere: every amount read back is a ``Decimal`` with two places.

Runs on SQLite (the examples of the loaded profile, ``conftest.py``) and a few on PostgreSQL;
each example runs in a transaction rolled back at its end, on a schema made once.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kernel.clock import ManualClock
from kernel.money import ZERO
from kernel.tenancy import Caller
from services.billing import schemas
from services.billing.domain import journal, ledger, payments, queries
from services.billing.domain.journal import BillHasPayments
from services.billing.models import Allocation, Bill, BillLine, LedgerEntry, Posting

from . import support

# one of the suite's longest files: on a loaded machine (shards in parallel) it may pass the 120 s default
pytestmark = pytest.mark.timeout(360)

G = support.G
UNITS = ("u1", "u2", "u3")
FIRST_DAY = date(2026, 1, 5)
FINANCE = Caller(user_id="fin-1", kind="staff", group_id=G, roles=frozenset({"finance"}),
                 project_ids=frozenset({"p1"}), name="财务")
PLATFORM = Caller.system(G, "billing")

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("800.00"), places=2)
units = st.sampled_from(UNITS)
ITEMS = ("management", "water", "parking", "garbage")


class JournalMachine(RuleBasedStateMachine):
    #: the database the examples run on (set by each test; the schema made once)
    engine = None

    def __init__(self):
        super().__init__()
        self.connection = self.engine.connect()
        self.transaction = self.connection.begin()
        self.session = Session(bind=self.connection, join_transaction_mode="create_savepoint",
                               expire_on_commit=False)
        self.clock = ManualClock(f"{FIRST_DAY.isoformat()}T09:00:00+08:00")
        w = support.work(self.session, self.clock, PLATFORM)
        support.add_project(w)
        self.accounts = {u: support.add_unit(w, u) for u in UNITS}
        for u in UNITS:
            support.move_in(w, u)
        #: what the test expects, added up from the operations it made
        self.owed = {u: ZERO for u in UNITS}
        self.deposits = {u: ZERO for u in UNITS}
        self.opened: set[str] = set()
        self.serial = 0

    def teardown(self):
        self.session.close()
        self.transaction.rollback()
        self.connection.close()

    # -- helpers -------------------------------------------------------------------------------
    @property
    def today(self) -> date:
        return self.clock.today("Asia/Shanghai")

    def work(self):
        return support.work(self.session, self.clock, FINANCE)

    def next_id(self) -> str:
        self.serial += 1
        return f"s{self.serial}"

    def attempt(self, operation, *refusals):
        """One command in its own savepoint: a refusal leaves nothing behind. True if it ran."""
        try:
            with self.session.begin_nested():
                operation()
            return True
        except refusals:
            return False

    def open_bills(self, unit):
        return journal.open_bills(self.session, self.accounts[unit].id)

    def balances(self, unit):
        return journal.balances(self.session, self.accounts[unit].id)

    # -- operations ----------------------------------------------------------------------------
    @rule(days=st.integers(0, 12))
    def time_passes(self, days):
        self.clock.advance(timedelta(days=days))

    @rule(unit=units, amount=amounts)
    def monthly_bill(self, unit, amount):
        support.issue(self.work(), self.accounts[unit], amount, issued_on=self.today,
                      due_on=self.today + timedelta(days=10), source_id=self.next_id(), kind="monthly",
                      period=self.today.strftime("%Y-%m"))
        self.owed[unit] += amount

    @rule(unit=units, lines=st.lists(st.tuples(st.sampled_from(ITEMS), amounts), min_size=1, max_size=3),
          late_fee=st.booleans())
    def one_off_charge(self, unit, lines, late_fee):
        journal.issue_bill(
            self.work(), self.accounts[unit], kind="late_fee" if late_fee else "one_off",
            entry_kind="late_fee" if late_fee else "charge", issued_on=self.today, due_on=self.today,
            source_type="test", source_id=self.next_id(), description="一次性收费",
            lines=[{"item_code": item, "item_name": item, "quantity": Decimal("2"), "quantity_unit": "item",
                    "unit_price": amount / 2, "amount": amount} for item, amount in lines])
        self.owed[unit] += sum((amount for _, amount in lines), ZERO)

    @rule(unit=units, amount=amounts, method=st.sampled_from(payments.METHODS))
    def payment(self, unit, amount, method):
        payments.record_received(self.work(), self.accounts[unit], method=method, amount=amount,
                                 occurred_on=self.today)
        self.owed[unit] -= amount

    @rule(unit=units, amount=amounts, owed=st.booleans())
    def opening_balance(self, unit, amount, owed):
        if unit in self.opened:
            return
        signed = amount if owed else -amount
        ledger.record_opening_balance(self.work(), schemas.OpeningBalanceIn().load(
            {"unit_id": unit, "amount": str(signed), "as_of": self.today.isoformat()}))
        self.opened.add(unit)
        self.owed[unit] += signed

    @rule(unit=units, amount=amounts, kind=st.sampled_from(["discount", "write_off"]))
    def credit_open_bills(self, unit, amount, kind):
        bills = self.open_bills(unit)
        if not bills:
            return
        amount = min(amount, sum((journal.outstanding(b) for b in bills), ZERO))
        journal.credit_bill(self.work(), self.accounts[unit], kind=kind, book=kind, amount=amount, bills=bills,
                            occurred_on=self.today, description=kind, reason="property test")
        self.owed[unit] -= amount

    @rule(unit=units, pick=st.integers(0, 10_000))
    def reverse_an_entry(self, unit, pick):
        account_id = self.accounts[unit].id
        reversed_ = select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.is_not(None))
        candidates = self.session.scalars(select(LedgerEntry).where(
            LedgerEntry.account_id == account_id, LedgerEntry.kind.in_(journal.REVERSIBLE),
            LedgerEntry.id.not_in(reversed_)).order_by(LedgerEntry.line_no)).all()
        if not candidates:
            return
        entry = candidates[pick % len(candidates)]
        effect = entry.amount
        if self.attempt(lambda: journal.reverse(self.work(), entry.id, reason="property test",
                                                occurred_on=self.today), BillHasPayments):
            self.owed[unit] -= effect

    @rule(unit=units)
    def apply_credit(self, unit):
        journal.apply_credit(self.work(), self.accounts[unit], occurred_on=self.today)

    @rule(unit=units, amount=amounts)
    def deposit_held(self, unit, amount):
        journal.post(self.work(), self.accounts[unit], kind="deposit_held",
                     lines=[("card", amount), ("deposit", -amount)], description="装修保证金",
                     occurred_on=self.today)
        self.deposits[unit] += amount

    @precondition(lambda self: any(v > ZERO for v in self.deposits.values()))
    @rule(unit=units, amount=amounts)
    def deposit_refunded(self, unit, amount):
        amount = min(amount, self.deposits[unit])
        if amount <= ZERO:
            return
        journal.post(self.work(), self.accounts[unit], kind="deposit_refunded",
                     lines=[("deposit", amount), ("bank", -amount)], description="退保证金",
                     occurred_on=self.today)
        self.deposits[unit] -= amount

    @rule(unit=units, amount=amounts)
    def refund_credit(self, unit, amount):
        amount = min(amount, self.balances(unit)["credit"])
        if amount <= ZERO:
            return
        journal.post(self.work(), self.accounts[unit], kind="refund", lines=[("prepaid", amount), ("cash", -amount)],
                     description="退预收", occurred_on=self.today, reason="property test")
        self.owed[unit] += amount

    # -- invariants ----------------------------------------------------------------------------
    @invariant()
    def the_journal_balances(self):
        session = self.session
        balance_books = case((Posting.book.in_(journal.BALANCE_BOOKS), Posting.amount), else_=0)
        rows = session.execute(
            select(LedgerEntry.id, LedgerEntry.amount, queries.money_sum(Posting.amount), queries.money_sum(balance_books),
                   func.count(Posting.id))
            .join(Posting, Posting.entry_id == LedgerEntry.id).group_by(LedgerEntry.id, LedgerEntry.amount)).all()
        assert session.scalar(select(func.count(LedgerEntry.id))) == len(rows)   # every entry has postings
        for entry_id, amount, total, on_balance, count in rows:
            assert total == ZERO and count >= 2, entry_id
            assert amount == on_balance, entry_id
            exact(amount, total, on_balance)
        assert session.scalar(select(queries.money_sum(Posting.amount))) == ZERO

    @invariant()
    def every_account_adds_up(self):
        session = self.session
        for unit, account in self.accounts.items():
            sums = journal.balances(session, account.id)
            exact(*sums.values())
            entries = session.scalar(select(queries.money_sum(LedgerEntry.amount)).where(
                LedgerEntry.account_id == account.id))
            assert sums["balance_due"] == entries == self.owed[unit]
            assert sums["deposits_held"] == self.deposits[unit]
            bills = session.scalars(select(Bill).where(Bill.account_id == account.id)).all()
            assert sums["receivable"] == sum((b.total - b.allocated for b in bills), ZERO)
            for bill in bills:
                exact(bill.total, bill.allocated)
                assert ZERO <= bill.allocated <= bill.total, bill.number
                assert (bill.settled_at is not None) == (bill.allocated == bill.total), bill.number
            self.bills_agree_with_their_rows(bills)

    def bills_agree_with_their_rows(self, bills):
        ids = [b.id for b in bills]
        if not ids:
            return
        allocated = dict(self.session.execute(select(Allocation.bill_id, queries.money_sum(Allocation.amount))
                                              .where(Allocation.bill_id.in_(ids)).group_by(Allocation.bill_id)).all())
        lines = dict(self.session.execute(select(BillLine.bill_id, queries.money_sum(BillLine.amount))
                                          .where(BillLine.bill_id.in_(ids)).group_by(BillLine.bill_id)).all())
        for bill in bills:
            assert allocated.get(bill.id, ZERO) == bill.allocated and lines[bill.id] == bill.total, bill.number
            exact(lines[bill.id], allocated.get(bill.id, ZERO))

    @invariant()
    def the_queries_agree(self):
        w = support.work(self.session, self.clock, PLATFORM)
        for unit in UNITS:
            whole = queries.statement(w, unit, FIRST_DAY, self.today)
            assert whole["opening_balance"] == ZERO and whole["closing_balance"] == self.owed[unit]
            exact(*(e["balance"] for e in whole["entries"]), *(e["amount"] for e in whole["entries"]))
            figures = queries.balance(w, unit)
            assert ZERO <= figures["overdue"] <= max(figures["receivable"], ZERO)
            assert queries.has_arrears(w, unit)["has_arrears"] == (figures["overdue"] > ZERO)
        trial = queries.trial_balance(w, "p1", FIRST_DAY, self.today)
        assert trial["balanced"]


def exact(*values):
    """No float: every amount a Decimal with exactly two places."""
    for value in values:
        assert type(value) is Decimal and value.as_tuple().exponent == -2, repr(value)


def test_the_journal_always_balances_on_sqlite():
    support.run_ledger_machine(JournalMachine, None, examples=30, steps=30)


@pytest.mark.postgres
def test_the_journal_always_balances_on_postgresql(pg_url):
    support.run_ledger_machine(JournalMachine, pg_url, examples=4, steps=25)
