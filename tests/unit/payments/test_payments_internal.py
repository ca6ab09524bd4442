"""The internal function's actions (the contract in docs/architecture.md) and the bootstrap."""

from __future__ import annotations

import json
from typing import Any

import pytest

from payments.entrypoints import internal
from payments.store.models import Entry, OutboxRecord, Payment, Position
from tests.unit.conftest import FakeContext


def call(action: str, **payload: Any) -> dict[str, Any]:
    return internal.handler({"action": action, "payload": payload}, FakeContext())


def total_of_all_positions() -> int:
    return sum(int(p.ledger_balance) for p in Position.scan())


def test_bootstrap_creates_the_bank_and_its_capital_exactly_once(bank: Any) -> None:
    from payments.entrypoints import bootstrap

    # The fixture bootstrapped once; a second run changes nothing
    result = bootstrap.handler({}, FakeContext())
    assert result["created_positions"] == []
    pool, cash = Position.get("bank:pool"), Position.get("bank:cash")
    assert (int(pool.ledger_balance), int(cash.ledger_balance)) == (10**12, -(10**12))
    assert (
        cash.allow_negative,
        pool.allow_negative,
        Position.get("bank:loans_receivable").allow_negative,
    ) == (True, False, True)
    assert sum(1 for p in Payment.scan() if p.kind == "opening") == 1
    assert total_of_all_positions() == 0


def test_open_position_pays_the_bonus_once_and_is_idempotent(bank: Any) -> None:
    first = call("open_position", account_number="0123456789", owner_id="u1", pin="1234")["result"]
    again = call("open_position", account_number="0123456789", owner_id="u1", pin="1234")["result"]
    assert first == again
    assert (first["ledger_balance"], first["available_balance"], first["state"]) == (
        100_000,
        100_000,
        "active",
    )
    assert int(Position.get("bank:pool").ledger_balance) == 10**12 - 100_000
    bonus = Payment.get("bonus:u1")
    assert (bonus.kind, bonus.to_account, bonus.amount) == ("welcome_bonus", "0123456789", 100_000)
    assert total_of_all_positions() == 0
    # Someone else cannot take the number
    taken = call("open_position", account_number="0123456789", owner_id="u2", pin="1234")
    assert taken["error"]["code"] == "account_exists"


def test_a_customers_second_account_opens_without_a_bonus(bank: Any) -> None:
    # Given a customer whose first account got the welcome bonus
    call("open_position", account_number="0000000101", owner_id="u1", pin="1234")
    events = sum(1 for _ in OutboxRecord.scan())
    # When they open a second (and a third) account
    second = call("open_position", account_number="0000000102", owner_id="u1", pin="5678")["result"]
    third = call("open_position", account_number="0000000103", owner_id="u1", pin="5678")["result"]
    # Then those open empty and active, and the pool paid one bonus only
    assert [(r["ledger_balance"], r["state"], r["owner_id"]) for r in (second, third)] == [
        (0, "active", "u1"),
        (0, "active", "u1"),
    ]
    assert int(Position.get("bank:pool").ledger_balance) == 10**12 - 100_000
    assert [p.to_account for p in Payment.scan() if p.kind == "welcome_bonus"] == ["0000000101"]
    assert sum(1 for _ in OutboxRecord.scan()) == events  # nothing moved, so nothing to tell the ledger
    # And another customer still gets theirs
    other = call("open_position", account_number="0000000104", owner_id="u2", pin="1234")["result"]
    assert other["ledger_balance"] == 100_000
    assert total_of_all_positions() == 0


def test_a_retried_opening_sets_the_new_pin_and_pays_nothing_twice(bank: Any) -> None:
    from payments.domain.pins import hash_pin
    from tests.unit.payments.conftest import PIN_KEY

    # Given a first and a second account of one customer, opened with one PIN each
    call("open_position", account_number="0000000111", owner_id="u1", pin="1111")
    call("open_position", account_number="0000000112", owner_id="u1", pin="1111")
    pool = int(Position.get("bank:pool").ledger_balance)
    # When accounts retries both openings with the PIN the customer chose this time
    first = call("open_position", account_number="0000000111", owner_id="u1", pin="2222")["result"]
    second = call("open_position", account_number="0000000112", owner_id="u1", pin="2222")["result"]
    # Then the positions keep their money, the pool paid nothing more, and the new PIN is the one kept
    assert (first["ledger_balance"], second["ledger_balance"]) == (100_000, 0)
    assert int(Position.get("bank:pool").ledger_balance) == pool
    assert sum(1 for p in Payment.scan() if p.kind == "welcome_bonus") == 1
    for account in ("0000000111", "0000000112"):
        stored = Position.get(account, consistent_read=True).pin_hash
        assert stored == hash_pin(PIN_KEY, account, "2222")
        assert stored != hash_pin(PIN_KEY, account, "1111")


def test_the_pin_is_kept_only_as_a_keyed_hash(bank: Any) -> None:
    from payments.domain.pins import hash_pin
    from tests.unit.payments.conftest import PIN_KEY

    call("open_position", account_number="0000000121", owner_id="u1", pin="4321")
    position = Position.get("0000000121", consistent_read=True)
    assert position.pin_hash == hash_pin(PIN_KEY, "0000000121", "4321")
    assert "4321" not in json.dumps(position.attribute_values, default=str)
    assert (int(position.pin_tries), int(position.pin_window_end)) == (0, 0)


@pytest.mark.parametrize(
    "payload",
    [
        {"account_number": "0000000131", "owner_id": "u1"},
        {"account_number": "0000000131", "owner_id": "u1", "pin": "12a4"},
        {"account_number": "0000000131", "owner_id": "u1", "pin": "12345"},
        {"account_number": "0000000131", "owner_id": "u1", "pin": 1234},
        {"account_number": "0000000131", "owner_id": "u1", "pin": "1234", "welcome_bonus": 10**9},
    ],
    ids=["no-pin", "letters", "five-digits", "number", "caller-chosen-bonus"],
)
def test_an_opening_needs_a_four_digit_pin_and_cannot_choose_its_bonus(
    bank: Any, payload: dict[str, Any]
) -> None:
    assert call("open_position", **payload)["error"]["code"] == "validation_failed"
    assert Position.count("0000000131") == 0


def test_payments_owns_the_bonus_amount(bank: Any, env: Any) -> None:
    env(WELCOME_BONUS="5")
    assert (
        call("open_position", account_number="0000000011", owner_id="u", pin="1234")["result"][
            "ledger_balance"
        ]
        == 5
    )
    env(WELCOME_BONUS="0")
    assert (
        call("open_position", account_number="0000000012", owner_id="v", pin="1234")["result"][
            "ledger_balance"
        ]
        == 0
    )
    assert [p.payment_id for p in Payment.scan() if p.kind == "welcome_bonus"] == ["bonus:u"]


def test_set_state_blocks_unblocks_and_closes_only_empty_accounts(bank: Any) -> None:
    call("open_position", account_number="0000000021", owner_id="u", pin="1234")
    assert (
        call("set_state", account_number="0000000021", state="blocked", reason="lost phone")["result"][
            "state"
        ]
        == "blocked"
    )
    assert Position.get("0000000021").state_reason == "lost phone"
    assert call("set_state", account_number="0000000021", state="active")["result"]["state"] == "active"
    assert (
        call("set_state", account_number="0000000021", state="closed")["error"]["code"] == "account_not_empty"
    )
    call("open_position", account_number="0000000022", owner_id="u", pin="1234")  # no bonus: u has had it
    assert call("set_state", account_number="0000000022", state="closed")["result"]["state"] == "closed"
    assert call("set_state", account_number="0000000022", state="active")["error"]["code"] == "account_closed"
    assert (
        call("set_state", account_number="0000000099", state="blocked")["error"]["code"]
        == "account_not_found"
    )
    assert (
        call("set_state", account_number="0000000021", state="frozen")["error"]["code"] == "validation_failed"
    )


def test_balances_of_known_accounts(bank: Any) -> None:
    call("open_position", account_number="0000000031", owner_id="u", pin="1234")
    result = call("balances", account_numbers=["0000000031", "0000000098"])["result"]
    assert result == {
        "0000000031": {"ledger_balance": 100_000, "available_balance": 100_000, "state": "active"}
    }


def test_a_linked_multi_leg_movement_nets_one_account_and_is_idempotent(bank: Any) -> None:
    call("open_position", account_number="0000000041", owner_id="u", pin="1234")
    repayment = {
        "payment_id": "loan-1-repay-1",
        "kind": "loan_repayment",
        "legs": [
            {"from_account": "0000000041", "to_account": "bank:loans_receivable", "amount": 50_000},
            {"from_account": "0000000041", "to_account": "bank:interest_income", "amount": 6_000},
        ],
        "description": "Loan repayment",
    }
    first = call("move", **repayment)["result"]
    assert (first["kind"], first["amount"], len(first["legs"])) == ("loan_repayment", 56_000, 2)
    assert int(Position.get("0000000041").ledger_balance) == 44_000
    assert int(Position.get("bank:loans_receivable").ledger_balance) == 50_000
    assert int(Position.get("bank:interest_income").ledger_balance) == 6_000
    # Same content: the same answer, nothing moves again; different content: refused
    assert call("move", **repayment)["result"] == first
    assert int(Position.get("0000000041").ledger_balance) == 44_000
    changed = {**repayment, "description": "something else"}
    assert call("move", **changed)["error"]["code"] == "idempotency_key_reused"
    assert total_of_all_positions() == 0


def test_the_engine_says_whether_a_movement_committed_now_or_was_there_already(bank: Any) -> None:
    from core.clock import now
    from core.errors import IdempotencyKeyReused
    from core.events import Leg, MovementKind
    from payments.store import engine, items

    open_with("0000000081", "u1")

    def movement(amount: int) -> items.Movement:
        legs = (Leg(from_account="bank:pool", to_account="0000000081", amount=amount),)
        return items.Movement(payment_id="e-1", kind=MovementKind.INTEREST, legs=legs, at=now())

    first = engine.move(movement(500))
    replay = engine.move(movement(500))
    assert (first.committed, replay.committed) == (True, False)
    assert replay.payment.payment_id == first.payment.payment_id == "e-1"
    assert replay.payment.fingerprint == first.payment.fingerprint
    assert int(Position.get("0000000081", consistent_read=True).ledger_balance) == 100_500
    with pytest.raises(IdempotencyKeyReused):
        engine.move(movement(501))


def test_a_multi_leg_movement_is_all_or_nothing(bank: Any) -> None:
    call("open_position", account_number="0000000051", owner_id="u", pin="1234")
    events = sum(1 for _ in OutboxRecord.scan())
    result = call(
        "move",
        payment_id="m-1",
        kind="loan_repayment",
        legs=[
            {"from_account": "0000000051", "to_account": "bank:loans_receivable", "amount": 90_000},
            {"from_account": "0000000051", "to_account": "bank:interest_income", "amount": 20_000},
        ],
    )
    assert result["error"]["code"] == "insufficient_funds"
    assert int(Position.get("0000000051").ledger_balance) == 100_000
    assert int(Position.get("bank:loans_receivable").ledger_balance) == 0
    assert sum(1 for _ in OutboxRecord.scan()) == events
    assert (
        call(
            "move",
            payment_id="m-2",
            kind="transfer",
            legs=[{"from_account": "0000000051", "to_account": "0000000077", "amount": 1}],
        )["error"]["code"]
        == "account_not_found"
    )


def test_loans_receivable_may_go_negative_but_the_pool_may_not(bank: Any) -> None:
    call("open_position", account_number="0000000061", owner_id="u", pin="1234")
    disbursed = call(
        "move",
        payment_id="loan-1",
        kind="loan_disbursement",
        legs=[{"from_account": "bank:loans_receivable", "to_account": "0000000061", "amount": 500_000}],
    )
    assert disbursed["result"]["status"] == "completed"
    assert int(Position.get("bank:loans_receivable").ledger_balance) == -500_000
    broke = call(
        "move",
        payment_id="too-much",
        kind="interest",
        legs=[{"from_account": "bank:pool", "to_account": "0000000061", "amount": 10**12 + 1}],
    )
    assert broke["error"]["code"] == "insufficient_funds"


def test_bank_totals_follow_from_the_zero_sum(bank: Any) -> None:
    call("open_position", account_number="0000000071", owner_id="u", pin="1234")
    call(
        "move",
        payment_id="loan-2",
        kind="loan_disbursement",
        legs=[{"from_account": "bank:loans_receivable", "to_account": "0000000071", "amount": 300_000}],
    )
    totals = call("bank_totals")["result"]
    assert totals["pool_balance"] == 10**12 - 100_000
    assert totals["customer_deposits"] == 400_000
    assert totals["loans_receivable"] == 300_000
    assert call("bank_totals", extra=1)["error"]["code"] == "validation_failed"


# ---------------------------------------------------------------- closing with a payout
def open_with(account: str, owner: str, top_up: int = 0) -> None:
    call("open_position", account_number=account, owner_id=owner, pin="1234")
    if top_up:
        legs = [{"from_account": "bank:pool", "to_account": account, "amount": top_up}]
        assert "result" in call("move", payment_id=f"topup-{account}", kind="interest", legs=legs)


def close(account: str, balance: int, reason: str = "customer left the country") -> dict[str, Any]:
    """The approved closure: `balance` is the one the four eyes saw (accounts' proposal)."""
    return call(
        "close_with_payout", account_number=account, balance=balance, reason=reason, initiated_by="staff-2"
    )


def test_closing_pays_the_balance_out_as_cash_and_closes_in_one_movement(bank: Any) -> None:
    # Given an account holding its bonus and 50,000 kobo more
    open_with("0000000201", "u1", top_up=50_000)
    cash = int(Position.get("bank:cash").ledger_balance)
    # When staff (four eyes approved in accounts) close it with a payout
    result = close("0000000201", 150_000)["result"]
    # Then its whole balance left the bank as cash and the account is closed, with the reason
    assert (result["state"], result["ledger_balance"], result["available_balance"]) == ("closed", 0, 0)
    position = Position.get("0000000201", consistent_read=True)
    assert position.state_reason == "customer left the country"
    assert int(Position.get("bank:cash").ledger_balance) == cash + 150_000
    assert total_of_all_positions() == 0
    # As one payment, with its history line and its event for the ledger
    payout = Payment.get("closure:0000000201")
    assert (payout.kind, payout.status, payout.amount, payout.initiated_by) == (
        "closure_payout",
        "completed",
        150_000,
        "staff-2",
    )
    assert payout.legs == [{"from_account": "0000000201", "to_account": "bank:cash", "amount": 150_000}]
    lines = [e for e in Entry.query("0000000201") if e.payment_id == "closure:0000000201"]
    assert [(e.direction, e.amount) for e in lines] == [("debit", 150_000)]
    moved = [json.loads(r.body)["data"] for r in OutboxRecord.scan() if "closure:0000000201" in r.body]
    assert [(m["kind"], m["legs"][0]["to_account"]) for m in moved] == [("closure_payout", "bank:cash")]
    # And nothing more can be paid into it
    legs = [{"from_account": "bank:pool", "to_account": "0000000201", "amount": 1}]
    assert (
        call("move", payment_id="late", kind="interest", legs=legs)["error"]["code"] == "account_not_active"
    )


def test_a_retried_closure_answers_the_closed_account_and_pays_nothing_twice(bank: Any) -> None:
    open_with("0000000211", "u1")
    first = close("0000000211", 100_000)["result"]
    cash = int(Position.get("bank:cash").ledger_balance)
    # The same approved closure again (its answer was lost): the closed account, nothing paid twice
    again = close("0000000211", 100_000)["result"]
    assert again == first
    assert int(Position.get("bank:cash").ledger_balance) == cash
    assert sum(1 for p in Payment.scan() if p.kind == "closure_payout") == 1


def test_an_empty_account_closes_without_a_payout(bank: Any) -> None:
    open_with("0000000221", "u1")
    open_with("0000000222", "u1")  # the second account: no bonus, so empty
    assert close("0000000222", 0)["result"]["state"] == "closed"
    assert Payment.count("closure:0000000222") == 0


def test_a_blocked_account_is_closed_with_its_payout_too(bank: Any) -> None:
    open_with("0000000231", "u1")
    call("set_state", account_number="0000000231", state="blocked", reason="fraud check")
    result = close("0000000231", 100_000)["result"]
    assert (result["state"], result["ledger_balance"]) == ("closed", 0)
    assert Payment.get("closure:0000000231").amount == 100_000


def test_an_account_with_held_funds_is_not_closed(bank: Any) -> None:
    from core.clock import now
    from payments.store import engine, items

    # Given an account with 40,000 kobo held for a card payment
    open_with("0000000241", "u1")
    engine.commit([items.position_update("0000000241", held=40_000, at=now(), need_available=40_000)])
    cash = int(Position.get("bank:cash").ledger_balance)
    # When staff close it
    refused = close("0000000241", 100_000)
    # Then it is refused until the hold is captured, voided or expired, and nothing moved
    assert refused["error"]["code"] == "account_not_empty"
    assert Position.get("0000000241", consistent_read=True).state == "active"
    assert int(Position.get("bank:cash").ledger_balance) == cash
    assert Payment.count("closure:0000000241") == 0


@pytest.mark.parametrize("meanwhile", ["deposit", "hold"])
def test_a_balance_that_moved_after_it_was_read_is_not_paid_out_unseen(
    bank: Any, monkeypatch: pytest.MonkeyPatch, meanwhile: str
) -> None:
    from core.clock import now
    from payments.store import engine, items, repository

    # Given an account, and money (or a hold) arriving between the closure's read and its write
    open_with("0000000251", "u1")
    real_position = repository.position
    raced: list[str] = []

    def read_then_race(account: str) -> Any:
        seen = real_position(account)
        if account == "0000000251" and not raced:
            raced.append(meanwhile)
            if meanwhile == "deposit":
                legs = [{"from_account": "bank:pool", "to_account": "0000000251", "amount": 7}]
                assert "result" in call("move", payment_id="late-7", kind="interest", legs=legs)
            else:
                engine.commit([items.position_update("0000000251", held=7, at=now(), need_available=7)])
        return seen

    monkeypatch.setattr(repository, "position", read_then_race)
    cash = int(Position.get("bank:cash").ledger_balance)
    # When staff close it
    refused = close("0000000251", 100_000)
    # Then the closure is refused as a whole: nothing paid out, still open
    assert raced == [meanwhile]
    assert refused["error"]["code"] == "balance_changed"
    position = Position.get("0000000251", consistent_read=True)
    assert position.state == "active"
    assert int(Position.get("bank:cash").ledger_balance) == cash
    assert Payment.count("closure:0000000251") == 0
    monkeypatch.setattr(repository, "position", real_position)
    if meanwhile == "deposit":
        # And the same approval never pays out the new balance: that needs a new proposal, approved
        again = close("0000000251", 100_000)
        assert again["error"]["code"] == "balance_changed"
        assert Payment.count("closure:0000000251") == 0
        assert close("0000000251", 100_007)["result"]["state"] == "closed"
        assert Payment.get("closure:0000000251").amount == 100_007


def test_closing_an_unknown_account_or_without_reason_is_refused(bank: Any) -> None:
    assert close("0000000299", 0)["error"]["code"] == "account_not_found"
    open_with("0000000261", "u1")
    assert close("0000000261", 100_000, reason="")["error"]["code"] == "validation_failed"
    missing = call("close_with_payout", account_number="0000000261", reason="x")
    assert missing["error"]["code"] == "validation_failed"
    # The approved balance is required, a whole number of kobo, never negative
    for balance in (None, -1, 100_000.0, "100000"):
        payload = {"account_number": "0000000261", "reason": "x", "initiated_by": "staff-2"}
        bad = call("close_with_payout", **payload, **({"balance": balance} if balance is not None else {}))
        assert bad["error"]["code"] == "validation_failed", balance
    assert Position.get("0000000261", consistent_read=True).state == "active"


def test_unlocking_the_pin_of_an_unknown_account_is_not_found(bank: Any) -> None:
    assert call("unlock_pin", account_number="0000000298")["error"]["code"] == "account_not_found"
    assert Position.count("0000000298") == 0
    assert call("unlock_pin", account_number="bank:pool")["error"]["code"] == "validation_failed"


def test_the_read_only_queries_are_not_internal_actions(bank: Any) -> None:
    # Listing positions and looking one up live in the query function (payments.entrypoints.queries)
    assert call("list_positions", limit=3)["error"]["code"] == "unknown_action"
    assert call("get_position", account_number="0000000001")["error"]["code"] == "unknown_action"


def test_unknown_actions_are_refused(bank: Any) -> None:
    assert call("debit")["error"]["code"] == "unknown_action"


def test_a_closure_pays_out_only_the_balance_that_was_approved(bank: Any) -> None:
    # Given an account proposed for closure at 100,000 kobo, and 5,000 more arriving before approval
    open_with("0000000271", "u1", top_up=5_000)
    cash = int(Position.get("bank:cash").ledger_balance)
    # When the approval of 100,000 runs, Then 409 balance_changed: nothing left, still open
    refused = close("0000000271", 100_000)
    assert (refused["error"]["code"], refused["error"]["kind"]) == ("balance_changed", "conflict")
    assert "105000" in refused["error"]["detail"] and "100000" in refused["error"]["detail"]
    # Nor is more paid out than is there
    assert close("0000000271", 200_000)["error"]["code"] == "balance_changed"
    # Nor is an account holding money closed by an approval of an empty one
    assert close("0000000271", 0)["error"]["code"] == "balance_changed"
    assert Position.get("0000000271", consistent_read=True).state == "active"
    assert int(Position.get("bank:cash").ledger_balance) == cash
    assert Payment.count("closure:0000000271") == 0
    # Only the balance approved as it is now is paid out, once; a retry of another amount is refused
    assert close("0000000271", 105_000)["result"]["state"] == "closed"
    assert close("0000000271", 105_000)["result"]["state"] == "closed"
    assert close("0000000271", 100_000)["error"]["code"] == "balance_changed"
    assert int(Position.get("bank:cash").ledger_balance) == cash + 105_000


# ---------------------------------------------------------------- lowest balances (savings interest)
JUNE = {"start": "2025-06-01T00:00:00.000Z", "end": "2025-07-01T00:00:00.000Z"}


def test_lowest_balances_are_each_accounts_lowest_ledger_balance_of_the_month(
    bank: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.clock import parse_iso
    from payments.service import positions

    def at(moment: str) -> None:
        monkeypatch.setattr(positions, "now", lambda: parse_iso(f"2025-{moment}.000Z"))

    def transfer(payment_id: str, source: str, target: str, amount: int) -> None:
        legs = [{"from_account": source, "to_account": target, "amount": amount}]
        assert "result" in call("move", payment_id=payment_id, kind="transfer", legs=legs)

    # Given four accounts opened in May with their bonus (100,000 each), and one opened mid-June
    at("05-10T09:00:00")
    for number, owner in (("0000000301", "u1"), ("0000000302", "u2"), ("0000000303", "u3")):
        open_with(number, owner)
    open_with("0000000304", "u4")
    transfer("may-out", "0000000302", "0000000304", 100_000)  # 302 starts June empty
    at("06-15T10:00:00")
    open_with("0000000305", "u5")
    # 301 keeps its 100,000 all month. 302 parks 150,000 on the month's last evening and takes it
    # back after midnight. 303 gets 50,000 on the 10th and pays 120,000 on the 20th, and 20,000 more
    # in July.
    at("06-10T08:00:00")
    transfer("in-10", "0000000304", "0000000303", 50_000)
    at("06-20T12:00:00")
    transfer("out-20", "0000000303", "0000000304", 120_000)
    at("06-30T23:00:00")
    transfer("park", "0000000304", "0000000302", 150_000)
    at("07-01T00:05:00")
    transfer("unpark", "0000000302", "0000000304", 150_000)
    at("07-02T09:00:00")
    transfer("july-in", "0000000304", "0000000303", 20_000)
    # And a declined attempt on 301 in June, which moved nothing
    from core.events import Leg, MovementKind
    from payments.domain.errors import VelocityLimitExceeded
    from payments.store import engine, items

    declined = items.Movement(
        payment_id="declined-1",
        kind=MovementKind.TRANSFER,
        legs=(Leg(from_account="0000000301", to_account="0000000304", amount=90_000),),
        at=parse_iso("2025-06-05T10:00:00.000Z"),
    )
    engine.record_decline(declined, VelocityLimitExceeded())
    numbers = [f"000000030{n}" for n in range(1, 6)] + ["0000000399"]
    # When accounts asks for June's lowest balances
    lowest = call("lowest_balances", account_numbers=numbers, **JUNE)["result"]
    # Then each is the lowest the ledger balance was in June, and an unknown account is left out
    assert lowest == {
        "0000000301": 100_000,
        "0000000302": 0,  # the parked money earned nothing
        "0000000303": 30_000,  # 100,000 + 50,000 - 120,000, whatever came in July
        "0000000304": 120_000,  # 200,000 at the start, down to 120,000 after the parking
        "0000000305": 0,  # nothing before its opening on the 15th
    }


@pytest.mark.parametrize(
    "payload",
    [
        {"account_numbers": ["0000000301"], "start": "June", "end": JUNE["end"]},
        {"account_numbers": ["0000000301"], "start": JUNE["start"]},
        {"account_numbers": ["0000000301"] * 101, **JUNE},
        {"account_numbers": ["bank:pool"], **JUNE},
        {"account_numbers": ["0000000301"], **JUNE, "month": "2025-06"},
    ],
    ids=["bad-start", "no-end", "too-many", "bank-account", "extra-field"],
)
def test_lowest_balances_refuses_a_malformed_request(bank: Any, payload: dict[str, Any]) -> None:
    assert call("lowest_balances", **payload)["error"]["code"] == "validation_failed"
