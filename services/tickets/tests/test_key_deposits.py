"""Keys (钥匙, seed 000 §九.5) on the injectable clock: a borrower flagged by a late return leaves a deposit
(确保金) before the loan is approved -- billing's key deposit, checked and recorded, given back when the key
returns in time or the loan is refused, kept when late again; an owner's deposited key (业主寄存钥匙) lent to
the person the owner consented to in person, back to the owner's deposit; the borrower's whole phone read
only by the desk, logged. billing's answer is ``ask_deposit`` (its ``key_deposit``), as archive's is
``ask_identity``: the world of test_keys_vacant.py, nothing else faked."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from kernel.errors import Forbidden, NotFound
from kernel.tenancy import Caller
from kernel.testing import staff
from services.tickets.domain import keys
from services.tickets.exceptions import (BillingUnavailable, IdentityNotMatched, KeyDepositConflict,
                                         KeyDepositDecisionRefused, KeyDepositNotFound, KeyDepositNotHeld,
                                         KeyDepositNotTaken, KeyDepositRefused, KeyDepositUsed,
                                         KeyLoanNotFound,
                                         KeyNotFound, KeyOwnerConsentRequired, KeyPapersRequired,
                                         KeyStepNotAllowed)
from services.tickets.schemas import KeyMoveIn
from services.tickets.tests.test_keys_vacant import (BORROWER, CS, DESK, FILE, G, MATCHES, OWNER, P,  # noqa: F401
                                                     identity_file, key, key_in_store, local, world)
from services.tickets.tests.support import work

SECURITY = staff(G, [P], roles=["security"], user_id="guard.he")
GM = staff(G, [P], roles=["general_manager"], user_id="gm.zhao")
OWNER_ID = FILE["u1"]["业主一"][1]
PAPERS = {"contract_ref": "HT-0001", "receipt_ref": "SJ-0001"}
CONTRACTOR = {"name": "王工", "id_type": "resident_id", "id_number": "11010519491231002X", "phone": "13900002222",
              "purpose": "更换热水器", "borrower_kind": "contractor"}

#: billing's deposits as ``key_deposit`` answers them (deposit id -> facts); ASKED: what tickets asked
DEPOSITS: dict[str, dict] = {}
ASKED: list[str] = []


def billing(deposit_id, pledge=None):
    """billing's ``key_deposit`` (the facts) and, with ``pledge``, its ``pledge_key_deposit``: the same checks as
    ``deposits.pledge_key_deposit`` (services/billing/tests/test_key_deposits.py), the deposit tied when they pass."""
    ASKED.append(deposit_id)
    if deposit_id not in DEPOSITS:
        raise KeyDepositNotFound(f"no deposit {deposit_id}")
    facts = DEPOSITS[deposit_id]
    if pledge is not None:
        if facts["pledged_loan_id"] not in (None, pledge["loan_id"]):
            raise KeyDepositUsed(f"deposit {deposit_id} stands for another key loan")
        if (facts["purpose"] == "key" and facts["unit_id"] == pledge["unit_id"] and facts["status"] == "held"
                and facts["held"] == facts["amount"] and Decimal(facts["amount"]) >= Decimal(pledge["minimum"])
                and not facts["refund_pending"]):
            facts["pledged_loan_id"] = pledge["loan_id"]
    return dict(facts)


def held(deposit_id, amount="200.00", *, unit="u1", purpose="key", status="held", held=None, receipt="SJ-P1-000123"):
    DEPOSITS[deposit_id] = {"deposit_id": deposit_id, "unit_id": unit, "project_id": P, "purpose": purpose,
                            "amount": amount, "held": held if held is not None else amount, "status": status,
                            "receipt_number": receipt, "payer_name": "李师傅", "held_by": "desk.wang",
                            "held_at": datetime(2026, 11, 24, 2, tzinfo=timezone.utc).isoformat(),
                            "pledged_loan_id": None, "refund_pending": False}
    return deposit_id


def step(w, caller, key_id, action, ask_deposit=billing, **body):
    return w.do(caller, keys.move, key_id, action, KeyMoveIn().load({"action": action, **body}), identity_file,
                ask_deposit)


def move(w, caller, key_id, action, **body):
    """A movement with billing answering (an approval asks it again about a loan's deposit)."""
    return step(w, caller, key_id, action, **body)


@pytest.fixture(autouse=True)
def _billing():
    DEPOSITS.clear()
    ASKED.clear()


def flagged(w, label="入户门钥匙") -> str:
    """A key lent to 李师傅 and returned late, then asked for again by him: his loan needs a deposit."""
    key_id = key_in_store(w, label=label)
    w.clock.set(local(2026, 11, 24, 10, 0))
    move(w, DESK, key_id, "request_loan", **BORROWER)
    move(w, CS, key_id, "approve_loan")
    w.clock.set(local(2026, 11, 25, 9, 0))
    move(w, DESK, key_id, "return")
    move(w, DESK, key_id, "request_loan", **BORROWER)
    return key_id


def releases(w):
    return [e["data"] for e in w.events("key.deposit_release_requested")]


def test_a_flagged_borrower_s_loan_is_approved_only_once_the_deposit_is_taken(world):
    key_id = flagged(world)
    loan = key(world, key_id)["loan"]
    assert loan["deposit_required"] is True and loan["deposit_status"] == "due"
    assert loan["deposit_amount_due"] == Decimal("200.00")
    with pytest.raises(KeyDepositNotTaken) as refused:
        move(world, CS, key_id, "approve_loan")
    assert refused.value.code == "deposit_not_taken" and refused.value.kind == "Conflict"
    assert refused.value.message.startswith("该借用人曾逾期归还钥匙，须先收取押金（确保金 200.00 元）")
    assert "deposit" in refused.value.message           # the English sentence follows the Chinese
    assert refused.value.details == {"deposit_amount": "200.00", "earlier_late_returns": 1}
    assert key(world, key_id)["state"] == "loan_requested"

    # what billing holds must be a key deposit held in full on the key's unit, of at least the setting
    for deposit_id, code in ((held("d-reno", purpose="renovation"), "deposit_not_usable"),
                             (held("d-u2", unit="u2"), "deposit_not_usable"),
                             (held("d-part", held="50.00"), "deposit_not_usable"),
                             (held("d-void", status="void"), "deposit_not_usable"),
                             (held("d-small", amount="150.00"), "deposit_too_small"),
                             ("d-none", "deposit_not_found")):
        with pytest.raises(KeyDepositRefused) as bad:
            step(world, DESK, key_id, "take_deposit", deposit_id=deposit_id)
        assert bad.value.code == code and bad.value.kind == "RuleViolation", deposit_id
    with pytest.raises(KeyPapersRequired):
        step(world, DESK, key_id, "take_deposit")
    with pytest.raises(BillingUnavailable):               # billing cannot be asked: fail closed
        step(world, DESK, key_id, "take_deposit", ask_deposit=None, deposit_id=held("d-1"))
    assert key(world, key_id)["loan"]["deposit_status"] == "due" and len(key(world, key_id)["history"]) == 6

    world.clock.set(local(2026, 11, 25, 10, 0))
    taken = step(world, DESK, key_id, "take_deposit", deposit_id="d-1", note="现金收取")
    assert ASKED[-1] == "d-1"
    loan = key(world, taken)["loan"]
    assert (loan["deposit_id"], loan["deposit_amount"], loan["deposit_receipt"], loan["deposit_taken_by"],
            loan["deposit_status"]) == ("d-1", Decimal("200.00"), "SJ-P1-000123", "desk.wang", "held")
    assert loan["deposit_taken_at"] == local(2026, 11, 25, 10, 0) and loan["deposit_ref"] == "SJ-P1-000123"
    assert key(world, key_id)["state"] == "loan_requested"
    assert key(world, key_id)["history"][-1]["action"] == "take_deposit"
    with pytest.raises(KeyDepositConflict) as again:
        step(world, DESK, key_id, "take_deposit", deposit_id=held("d-2"))
    assert again.value.code == "deposit_already_taken"

    move(world, CS, key_id, "approve_loan")
    assert key(world, key_id)["state"] == "lent"
    # the desk's list (the gateway's read model) sees the deposit on the open loan
    loan_part = world.events("key.changed")[-1]["data"]["loan"]
    assert (loan_part["deposit_status"], loan_part["deposit_id"], loan_part["deposit_amount"],
            loan_part["deposit_receipt"], loan_part["from_state"]) == ("held", "d-1", "200.00", "SJ-P1-000123",
                                                                       "in_store")
    world.clock.set(local(2026, 11, 25, 17, 0))           # back in time: billing asked to give it back
    move(world, DESK, key_id, "return")
    [release] = releases(world)
    assert (release["deposit_id"], release["reason"], release["amount"], release["unit_id"]) == (
        "d-1", "returned_in_time", "200.00", "u1")
    assert key(world, key_id)["state"] == "in_store"

    # the deposit stands for one loan only
    move(world, DESK, key_id, "request_loan", **BORROWER)
    with pytest.raises(KeyDepositConflict) as used:
        step(world, DESK, key_id, "take_deposit", deposit_id="d-1")
    assert used.value.code == "deposit_already_used"


def test_late_again_the_deposit_is_kept_and_a_refused_loan_gives_it_back(world):
    key_id = flagged(world)
    step(world, DESK, key_id, "take_deposit", deposit_id=held("d-1"))
    world.clock.set(local(2026, 11, 25, 10, 0))
    move(world, CS, key_id, "approve_loan")
    world.clock.set(local(2026, 11, 26, 8, 0))             # late again
    move(world, DESK, key_id, "return")
    assert releases(world) == []
    with world.Session() as session:
        from services.tickets.models import KeyMovement
        loan = session.get(KeyMovement, [m for m in key(world, key_id)["history"]
                                         if m["action"] == "request_loan"][-1]["id"])
        assert keys.deposit_status(loan) == "kept" and loan.deposit_released_at is None

    # a new loan, its deposit taken, then refused: given back (loan_refused), the key back in the store
    move(world, DESK, key_id, "request_loan", **BORROWER)
    step(world, DESK, key_id, "take_deposit", deposit_id=held("d-2", "300.00"))
    move(world, CS, key_id, "refuse_loan", note="用途不明")
    [release] = releases(world)
    assert (release["deposit_id"], release["reason"], release["amount"]) == ("d-2", "loan_refused", "300.00")
    assert key(world, key_id)["state"] == "in_store"


def test_no_deposit_is_taken_from_a_borrower_never_late_and_the_amount_is_a_setting(world):
    key_id = key_in_store(world)
    move(world, DESK, key_id, "request_loan", **BORROWER)
    with pytest.raises(KeyDepositConflict) as refused:
        step(world, DESK, key_id, "take_deposit", deposit_id=held("d-1"))
    assert refused.value.code == "deposit_not_required" and ASKED == []
    move(world, DESK, key_id, "refuse_loan")

    world.do(Caller.system(G, "tickets"), lambda wk: wk.settings.change(G, P, "keys.late_deposit", "500.00"))
    key_id = flagged(world, "车库钥匙")
    with pytest.raises(KeyDepositNotTaken) as due:
        move(world, CS, key_id, "approve_loan")
    assert due.value.details["deposit_amount"] == "500.00"
    with pytest.raises(KeyDepositRefused) as small:
        step(world, DESK, key_id, "take_deposit", deposit_id=held("d-2", "200.00"))
    assert small.value.code == "deposit_too_small"
    step(world, DESK, key_id, "take_deposit", deposit_id=held("d-3", "500.00"))
    move(world, CS, key_id, "approve_loan")
    assert key(world, key_id)["state"] == "lent"


def owner(name="业主一", number=OWNER_ID, **extra):
    return {"name": name, "id_type": "resident_id", "id_number": number, **extra}


def consented(**extra):
    return {"borrower_name": CONTRACTOR["name"], "borrower_id_type": "resident_id",
            "borrower_id_number": CONTRACTOR["id_number"], "purpose": "更换热水器", **extra}


def deposited(w) -> str:
    key_id = key_in_store(w)
    move(w, DESK, key_id, "collect", **owner(), **PAPERS)
    move(w, DESK, key_id, "deposit", **owner())
    return key_id


def test_an_owner_s_deposited_key_is_lent_to_whom_the_owner_consented_and_comes_back_to_the_deposit(world):
    key_id = deposited(world)
    with pytest.raises(KeyOwnerConsentRequired) as no_consent:
        move(world, DESK, key_id, "request_loan", **CONTRACTOR)
    assert no_consent.value.code == "owner_consent_required" and no_consent.value.kind == "Conflict"
    assert no_consent.value.message.startswith("业主寄存的钥匙只能借给业主本人到前台登记同意的被授权人")

    # the owner consents in person: a stranger (or family) is the one identity answer; the depositor is not asked
    with pytest.raises(IdentityNotMatched):
        move(world, DESK, key_id, "owner_consent", **owner("路人乙", "110101199003071217"), **consented())
    with pytest.raises(KeyPapersRequired) as unnamed:
        move(world, DESK, key_id, "owner_consent", **owner())
    assert unnamed.value.details["missing"] == ["borrower_name", "borrower_id_number"]
    MATCHES.clear()
    move(world, DESK, key_id, "owner_consent", **owner(), **consented())
    assert MATCHES == []
    after = key(world, key_id)
    assert after["state"] == "deposited_by_owner"
    consent = after["history"][-1]
    assert (consent["action"], consent["party_name"], consent["consented_name"], consent["consented_id_number"]) == (
        "owner_consent", "业主一", "王工", "1101**********002X")
    assert CONTRACTOR["id_number"] not in str(after)

    # someone else, or the consented name with another number: refused
    with pytest.raises(KeyOwnerConsentRequired):
        move(world, DESK, key_id, "request_loan", **BORROWER)
    with pytest.raises(KeyOwnerConsentRequired):
        move(world, DESK, key_id, "request_loan", **dict(CONTRACTOR, id_number="110101199003071233"))
    # the consented contractor: no developer's proof needed (the owner's consent stands for it)
    world.clock.set(local(2026, 11, 24, 10, 0))
    move(world, DESK, key_id, "request_loan", **CONTRACTOR)
    loan = key(world, key_id)["loan"]
    assert loan["consent_id"] == consent["id"] and key(world, key_id)["state"] == "loan_requested"
    move(world, CS, key_id, "approve_loan")
    assert key(world, key_id)["loan"]["due_back_at"] == local(2026, 11, 24, 18, 0)      # the same day
    world.clock.set(local(2026, 11, 24, 16, 0))
    back = key(world, move(world, DESK, key_id, "return"))
    assert back["state"] == "deposited_by_owner" and back["holder_name"] is None
    assert back["history"][-1]["to_state"] == "deposited_by_owner"

    # one loan per consent
    with pytest.raises(KeyOwnerConsentRequired):
        move(world, DESK, key_id, "request_loan", **CONTRACTOR)
    # a refused loan goes back to the deposit too
    move(world, DESK, key_id, "owner_consent", **owner(), **consented())
    move(world, DESK, key_id, "request_loan", **CONTRACTOR)
    move(world, CS, key_id, "refuse_loan")
    assert key(world, key_id)["state"] == "deposited_by_owner"
    # the owner withdraws a consent not used yet (in person; a stranger is the one identity answer)
    move(world, DESK, key_id, "owner_consent", **owner(), **consented())
    with pytest.raises(IdentityNotMatched):
        move(world, DESK, key_id, "withdraw_consent", **owner("路人乙", "110101199003071217"))
    move(world, DESK, key_id, "withdraw_consent", **owner())
    with pytest.raises(KeyOwnerConsentRequired):
        move(world, DESK, key_id, "request_loan", **CONTRACTOR)
    with pytest.raises(KeyStepNotAllowed) as nothing_open:
        move(world, DESK, key_id, "withdraw_consent", **owner())
    assert nothing_open.value.code == "no_consent_to_withdraw"
    # a consent given before the key was collected and deposited again no longer stands
    move(world, DESK, key_id, "owner_consent", **owner(), **consented())
    move(world, DESK, key_id, "collect", **owner())
    move(world, DESK, key_id, "deposit", **owner())
    with pytest.raises(KeyOwnerConsentRequired):
        move(world, DESK, key_id, "request_loan", **CONTRACTOR)
    # a key in the store still needs the developer's proof for a contractor
    store_key = key_in_store(world, label="信报箱钥匙")
    with pytest.raises(KeyPapersRequired):
        move(world, DESK, store_key, "request_loan", **CONTRACTOR)


def test_a_flagged_contractor_leaves_a_deposit_for_an_owner_s_key_too(world):
    key_id = deposited(world)
    for _ in range(2):
        move(world, DESK, key_id, "owner_consent", **owner(), **consented())
        world.clock.set(local(2026, 11, 24, 10, 0))
        move(world, DESK, key_id, "request_loan", **CONTRACTOR)
        if key(world, key_id)["loan"]["deposit_required"]:
            break
        move(world, CS, key_id, "approve_loan")
        world.clock.set(local(2026, 11, 24, 19, 0))         # an hour late
        move(world, DESK, key_id, "return")
    with pytest.raises(KeyDepositNotTaken):
        move(world, CS, key_id, "approve_loan")
    step(world, DESK, key_id, "take_deposit", deposit_id=held("d-9"))
    move(world, CS, key_id, "approve_loan")
    move(world, DESK, key_id, "return")
    assert key(world, key_id)["state"] == "deposited_by_owner"
    assert [r["reason"] for r in releases(world)] == ["returned_in_time"]


def test_the_borrower_s_whole_phone_is_read_by_the_desk_only_and_logged(world, caplog):
    key_id = key_in_store(world)
    move(world, DESK, key_id, "request_loan", **BORROWER)
    seen = key(world, key_id)
    loan_id = seen["loan"]["id"]
    assert seen["loan"]["party_phone"] == "138****1111"          # every ordinary read: masked
    with caplog.at_level(logging.INFO, logger="wuye.audit"):
        phone = world.do(DESK, keys.loan_phone, key_id, loan_id, "催还钥匙 chase the key")
    assert phone["party_phone"] == "13800001111" and phone["party_name"] == "李师傅"
    [line] = [r.getMessage() for r in caplog.records if r.name == "wuye.audit"]
    assert f"key={key_id}" in line and f"loan={loan_id}" in line and "user=desk.wang" in line
    assert "purpose=催还钥匙 chase the key" in line and "13800001111" not in line
    caplog.clear()
    for outsider, error in ((GM, Forbidden), (SECURITY, Forbidden), (OWNER, KeyNotFound)):
        with pytest.raises(error), caplog.at_level(logging.INFO, logger="wuye.audit"):
            world.do(outsider, keys.loan_phone, key_id, loan_id, "看看")
    assert [r for r in caplog.records if r.name == "wuye.audit"] == []
    store_row = key(world, key_id)["history"][1]["id"]              # the store step is no loan
    for wrong in (store_row, "no-such-loan"):
        with pytest.raises(KeyLoanNotFound):
            world.do(CS, keys.loan_phone, key_id, wrong, "催还")


def phone_reads(w, caller=CS, **query):
    rows, total = w.do(caller, lambda wk: keys.phone_reads(wk, P, **query))
    return [(r.reader_id, r.loan_id, r.purpose, r.outcome, r.refusal) for r in rows], total


def test_each_phone_read_is_on_record_for_the_cs_and_centre_manager_never_the_number(world, caplog):
    key_id = key_in_store(world)
    move(world, DESK, key_id, "request_loan", **BORROWER)
    loan_id = key(world, key_id)["loan"]["id"]
    world.clock.set(local(2026, 11, 24, 10, 0))
    world.do(DESK, keys.loan_phone, key_id, loan_id, "  核对 借用人 ")
    world.clock.set(local(2026, 11, 24, 11, 0))
    world.do(CS, keys.loan_phone, key_id, loan_id, "催还钥匙")
    with pytest.raises(Forbidden):                                   # the GM does not read the phone
        world.do(GM, keys.loan_phone, key_id, loan_id, "看看")
    rows, total = phone_reads(world)
    assert total == 2 and rows == [("cs.sun", loan_id, "催还钥匙", "allowed", None),          # newest first
                                   ("desk.wang", loan_id, "核对 借用人", "allowed", None)]
    stored = world.read(lambda s: list(s.scalars(keys.select(keys.KeyPhoneRead))))
    assert "13800001111" not in str([vars(r) for r in stored])
    assert sorted((r.reader_roles, r.key_label, r.key_id, r.project_id) for r in stored) == [
        ("cs_manager", "入户门钥匙", key_id, P), ("front_desk", "入户门钥匙", key_id, P)]
    assert phone_reads(world, reader_id="desk.wang")[1] == 1 and phone_reads(world, limit=1)[0][0][0] == "cs.sun"
    centre = staff(G, [P], roles=["centre_manager"], user_id="centre.li")
    assert phone_reads(world, centre)[1] == 2
    for outsider in (DESK, GM, SECURITY):                            # the record is the managers'
        with pytest.raises(Forbidden):
            phone_reads(world, outsider)
    with pytest.raises(NotFound):                                    # another project's manager: as for none
        phone_reads(world, staff(G, ["p2"], roles=["cs_manager"], user_id="cs.p2"))


def test_the_whole_phone_is_read_while_the_loan_is_open_and_30_days_after_it_ended(world, caplog):
    from kernel.work import rollback_keeping
    from services.tickets.exceptions import KeyPhoneNoLongerReadable
    key_id = key_in_store(world)
    world.clock.set(local(2026, 11, 24, 10, 0))
    move(world, DESK, key_id, "request_loan", **BORROWER)
    loan_id = key(world, key_id)["loan"]["id"]
    move(world, CS, key_id, "approve_loan")
    # never returned: the borrower stays reachable, however long
    world.clock.set(local(2027, 3, 1, 10, 0))
    assert world.do(DESK, keys.loan_phone, key_id, loan_id, "催还")["party_phone"] == "13800001111"
    move(world, DESK, key_id, "return")                              # back on 1 March 10:00
    world.clock.set(local(2027, 3, 31, 10, 0))                       # 30 days after: still read
    assert world.do(DESK, keys.loan_phone, key_id, loan_id, "核对")["party_phone"] == "13800001111"
    world.clock.set(local(2027, 3, 31, 10, 1))                       # a minute later: gone, answered masked
    with world.Session() as session:
        with pytest.raises(KeyPhoneNoLongerReadable) as gone:
            keys.loan_phone(work(session, world.clock, DESK), key_id, loan_id, "回访")
        rollback_keeping(session)                                    # what every worker does on failure
    assert gone.value.kind == "Gone" and gone.value.code == "phone_no_longer_readable"
    assert gone.value.details == {"loan_id": loan_id, "ended_at": "2027-03-01T02:00:00+00:00", "readable_days": 30,
                                  "party_phone_masked": "138****1111"}
    message = str(gone.value)
    assert "13800001111" not in message and "138****1111" in message and "2027-03-01 10:00" in message
    assert "不再提供查阅" in message and "no longer read" in message
    rows, _ = phone_reads(world)
    assert rows[0] == ("desk.wang", loan_id, "回访", "refused", "ended_long_ago")      # the refusal is on record
    assert [r[3] for r in rows] == ["refused", "allowed", "allowed"]
    # a project keeps them longer (keys.phone_readable_days)
    from services.tickets.domain.front_desk_settings import KEY_PHONE_READABLE_DAYS
    world.do(Caller.system(G, "tickets"), lambda wk: wk.settings.change(G, P, KEY_PHONE_READABLE_DAYS, 60))
    assert world.do(DESK, keys.loan_phone, key_id, loan_id, "回访")["party_phone"] == "13800001111"


def test_a_refused_loan_s_phone_is_readable_30_days_after_the_refusal(world):
    from services.tickets.exceptions import KeyPhoneNoLongerReadable
    key_id = key_in_store(world)
    world.clock.set(local(2026, 11, 24, 10, 0))
    move(world, DESK, key_id, "request_loan", **BORROWER)
    loan_id = key(world, key_id)["loan"]["id"]
    world.clock.set(local(2026, 11, 24, 12, 0))
    move(world, CS, key_id, "refuse_loan", note="用途不明")
    world.clock.set(local(2026, 12, 24, 11, 59))
    assert world.do(DESK, keys.loan_phone, key_id, loan_id, "回访")["party_phone"] == "13800001111"
    world.clock.set(local(2026, 12, 24, 12, 1))
    with pytest.raises(KeyPhoneNoLongerReadable):
        world.do(DESK, keys.loan_phone, key_id, loan_id, "回访")


def _status(w, loan_id):
    from services.tickets.models import KeyMovement
    return w.read(lambda s: keys.deposit_status(s.get(KeyMovement, loan_id)))


def _loan_id(w, key_id):
    return [m for m in key(w, key_id)["history"] if m["action"] == "request_loan"][-1]["id"]


def test_the_deposit_is_pledged_to_the_loan_and_asked_again_before_the_approval(world):
    """The trial: taken, refunded by hand at billing, then approved -- lent with no deposit. Now billing ties it
    to the loan when it is recorded, and the approval asks again, fail closed."""
    key_id = flagged(world)
    loan_id = _loan_id(world, key_id)
    step(world, DESK, key_id, "take_deposit", deposit_id=held("d-1"))
    assert DEPOSITS["d-1"]["pledged_loan_id"] == loan_id                  # tied at billing with the record
    # a deposit pledged to another loan, one whose refund is under way: refused, nothing tied
    other = key_in_store(world, label="车库钥匙")                           # the same borrower: flagged
    move(world, DESK, other, "request_loan", **BORROWER)
    held("d-other")
    DEPOSITS["d-other"]["pledged_loan_id"] = "another-loan"
    with pytest.raises(KeyDepositUsed) as used:
        step(world, DESK, other, "take_deposit", deposit_id="d-other")
    assert used.value.code == "deposit_already_used" and used.value.kind == "Conflict"
    held("d-asked")
    DEPOSITS["d-asked"]["refund_pending"] = True
    with pytest.raises(KeyDepositRefused) as asked:
        step(world, DESK, other, "take_deposit", deposit_id="d-asked")
    assert asked.value.code == "deposit_not_usable" and asked.value.message.startswith("该押金已申请退款")

    # billing no longer holds it for this loan (refunded, forfeited, voided): not lent
    for change in ({"status": "refunded", "held": "0.00"}, {"pledged_loan_id": None, "refund_pending": True},
                   {"pledged_loan_id": "another-loan"}):
        saved = dict(DEPOSITS["d-1"])
        DEPOSITS["d-1"].update(change)
        with pytest.raises(KeyDepositConflict) as gone:
            move(world, CS, key_id, "approve_loan")
        DEPOSITS["d-1"].update(saved)
        if change.get("pledged_loan_id") == "another-loan":
            assert gone.value.code == "deposit_already_used"
            continue
        assert isinstance(gone.value, KeyDepositNotHeld)
        assert gone.value.code == "deposit_not_held" and gone.value.kind == "Conflict"
        assert gone.value.message.startswith("收费系统中该借用的押金已不再全额持有")
    with pytest.raises(BillingUnavailable):                                  # billing not answering: not lent
        step(world, CS, key_id, "approve_loan", ask_deposit=None)
    assert key(world, key_id)["state"] == "loan_requested"
    DEPOSITS["d-1"]["pledged_loan_id"] = None          # recorded before billing pledged deposits: tied now
    move(world, CS, key_id, "approve_loan")
    assert key(world, key_id)["state"] == "lent" and DEPOSITS["d-1"]["pledged_loan_id"] == loan_id


def test_refusals_name_the_deposit_s_state_and_unit_in_chinese(world):
    key_id = flagged(world)
    with pytest.raises(KeyDepositRefused) as refunded:
        step(world, DESK, key_id, "take_deposit", deposit_id=held("d-r", status="refunded", held="0.00"))
    assert refunded.value.message.startswith("该押金状态为已退，") and "refunded" not in refunded.value.zh
    with pytest.raises(KeyDepositRefused) as void:
        step(world, DESK, key_id, "take_deposit", deposit_id=held("d-v", status="void"))
    assert void.value.zh.startswith("该押金状态为作废")
    with pytest.raises(KeyDepositRefused) as other_unit:
        step(world, DESK, key_id, "take_deposit", deposit_id=held("d-u2", unit="u2"))
    assert other_unit.value.code == "deposit_not_usable"
    assert other_unit.value.zh.startswith("该押金是其他房屋的押金") and "another unit's" in other_unit.value.message
    assert "purpose key" not in other_unit.value.message


def test_a_late_borrower_s_kept_deposit_is_decided_by_the_cs_manager(world):
    from services.tickets.models import Ticket
    key_id = flagged(world)
    loan_id = _loan_id(world, key_id)
    step(world, DESK, key_id, "take_deposit", deposit_id=held("d-1"))
    world.clock.set(local(2026, 11, 25, 10, 0))
    move(world, CS, key_id, "approve_loan")
    with pytest.raises(KeyDepositDecisionRefused) as out:                # lent: nothing kept yet
        world.do(CS, keys.decide_deposit, key_id, loan_id, {"decision": "forfeit"})
    assert out.value.code == "deposit_not_kept" and out.value.details == {"deposit_status": "held"}
    world.clock.set(local(2026, 11, 26, 8, 0))                            # late again: kept, the manager asked
    move(world, DESK, key_id, "return")
    assert releases(world) == [] and _status(world, loan_id) == "kept"
    [task] = world.read(lambda s: [(t.category, t.status, [d.responsible_role for d in t.deadlines],
                                    [d.due_at for d in t.deadlines], t.content)
                                   for t in s.query(Ticket).filter_by(category="key_deposit_decision")])
    assert task[:3] == ("key_deposit_decision", "open", ["cs_manager"])
    assert task[3][0] == local(2026, 11, 29, 8, 0)                       # keys.deposit_decision_days: 3
    assert "押金 200.00 元" in task[4] and "李师傅" in task[4]

    with pytest.raises(Forbidden):                                         # the desk does not decide it
        world.do(DESK, keys.decide_deposit, key_id, loan_id, {"decision": "forfeit"})
    with pytest.raises(KeyLoanNotFound):
        world.do(CS, keys.decide_deposit, key_id, "no-such-loan", {"decision": "forfeit"})
    world.do(CS, keys.decide_deposit, key_id, loan_id, {"decision": "forfeit", "note": "第二次逾期"})
    [forfeit] = [e["data"] for e in world.events("key.deposit_forfeit_requested")]
    assert (forfeit["loan_id"], forfeit["deposit_id"], forfeit["amount"], forfeit["decided_by"], forfeit["note"]) == (
        loan_id, "d-1", "200.00", CS.user_id, "第二次逾期")
    assert world.read(lambda s: s.query(Ticket).filter_by(category="key_deposit_decision").one().status) == "done"
    world.do(CS, keys.decide_deposit, key_id, loan_id, {"decision": "forfeit"})       # the same again: nothing
    assert len(world.events("key.deposit_forfeit_requested")) == 1
    with pytest.raises(KeyDepositDecisionRefused) as decided:
        world.do(CS, keys.decide_deposit, key_id, loan_id, {"decision": "release"})
    assert decided.value.code == "deposit_decided" and decided.value.zh.startswith("该留存押金已决定扣除")
    assert releases(world) == []
    assert _status(world, loan_id) == "forfeit_requested"


def test_the_centre_manager_may_release_a_kept_deposit(world):
    key_id = flagged(world)
    loan_id = _loan_id(world, key_id)
    step(world, DESK, key_id, "take_deposit", deposit_id=held("d-1"))
    world.clock.set(local(2026, 11, 25, 10, 0))
    move(world, CS, key_id, "approve_loan")
    world.clock.set(local(2026, 11, 26, 8, 0))
    move(world, DESK, key_id, "return")
    centre = staff(G, [P], roles=["centre_manager"], user_id="centre.li")
    world.do(centre, keys.decide_deposit, key_id, loan_id, {"decision": "release"})
    [release] = releases(world)
    assert (release["loan_id"], release["deposit_id"], release["reason"]) == (loan_id, "d-1", "kept_released")
    assert world.events("key.deposit_forfeit_requested") == []


def test_the_key_s_history_shows_the_deposit_and_the_manager_s_decision_after_the_return(world):
    from services.tickets.schemas import KeyOut
    key_id = flagged(world)
    loan_id = _loan_id(world, key_id)
    step(world, DESK, key_id, "take_deposit", deposit_id=held("d-1"))
    world.clock.set(local(2026, 11, 25, 10, 0))
    move(world, CS, key_id, "approve_loan")
    world.clock.set(local(2026, 11, 26, 8, 0))
    move(world, DESK, key_id, "return")
    world.clock.set(local(2026, 11, 26, 9, 30))
    world.do(CS, keys.decide_deposit, key_id, loan_id, {"decision": "forfeit", "note": "第二次逾期 13912345678"})

    def seen(caller) -> dict:
        with world.Session() as session:
            wk = work(session, world.clock, caller)
            return KeyOut().dump(keys.view(wk, keys.get_key(wk, key_id), with_history=True))
    key = seen(CS)
    assert key["loan"] is None                                            # back in store: no open loan
    [request] = [m for m in key["history"] if m["id"] == loan_id]
    deposit = request["deposit"]
    assert (deposit["status"], deposit["required"], deposit["amount"], deposit["receipt"]) == (
        "forfeit_requested", True, "200.00", "SJ-P1-000123")
    assert (deposit["decision"], deposit["decided_by"], deposit["decision_note"]) == (
        "forfeit", CS.name or CS.user_id, "第二次逾期 13912345678")
    assert datetime.fromisoformat(deposit["decided_at"]) == local(2026, 11, 26, 9, 30) and deposit["taken_at"]
    assert all(m["deposit"] is None for m in key["history"] if m["id"] != loan_id)
    assert [m for m in seen(GM)["history"] if m["id"] == loan_id][0]["deposit"]["decision_note"] == \
        "第二次逾期 139****5678"                                           # the one masking rule for other readers
