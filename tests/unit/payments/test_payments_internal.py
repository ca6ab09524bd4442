"""The internal function's actions (the contract in docs/architecture.md) and the bootstrap."""

from __future__ import annotations

from typing import Any

from payments.handlers import internal
from payments.store.tables import OutboxRecord, Payment, Position
from tests.unit.conftest import FakeContext


def call(action: str, **payload: Any) -> dict[str, Any]:
    return internal.handler({"action": action, "payload": payload}, FakeContext())


def total_of_all_positions() -> int:
    return sum(int(p.ledger_balance) for p in Position.scan())


def test_bootstrap_creates_the_bank_and_its_capital_exactly_once(bank: Any) -> None:
    from payments.handlers import bootstrap

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
    first = call("open_position", account_number="0123456789", owner_id="u1", welcome_bonus=True)["result"]
    again = call("open_position", account_number="0123456789", owner_id="u1", welcome_bonus=True)["result"]
    assert first == again
    assert (first["ledger_balance"], first["available_balance"], first["state"]) == (
        100_000,
        100_000,
        "active",
    )
    assert int(Position.get("bank:pool").ledger_balance) == 10**12 - 100_000
    assert Payment.get("bonus:0123456789").kind == "welcome_bonus"
    assert total_of_all_positions() == 0
    # Someone else cannot take the number
    taken = call("open_position", account_number="0123456789", owner_id="u2", welcome_bonus=0)
    assert taken["error"]["code"] == "account_exists"


def test_open_position_with_an_amount_or_without_bonus(bank: Any) -> None:
    assert (
        call("open_position", account_number="0000000011", owner_id="u", welcome_bonus=5)["result"][
            "ledger_balance"
        ]
        == 5
    )
    assert call("open_position", account_number="0000000012", owner_id="u")["result"]["ledger_balance"] == 0


def test_set_state_blocks_unblocks_and_closes_only_empty_accounts(bank: Any) -> None:
    call("open_position", account_number="0000000021", owner_id="u", welcome_bonus=True)
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
    call("open_position", account_number="0000000022", owner_id="u")
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
    call("open_position", account_number="0000000031", owner_id="u", welcome_bonus=True)
    result = call("balances", account_numbers=["0000000031", "0000000098"])["result"]
    assert result == {
        "0000000031": {"ledger_balance": 100_000, "available_balance": 100_000, "state": "active"}
    }


def test_a_linked_multi_leg_movement_nets_one_account_and_is_idempotent(bank: Any) -> None:
    call("open_position", account_number="0000000041", owner_id="u", welcome_bonus=True)
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


def test_a_multi_leg_movement_is_all_or_nothing(bank: Any) -> None:
    call("open_position", account_number="0000000051", owner_id="u", welcome_bonus=True)
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
    call("open_position", account_number="0000000061", owner_id="u")
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
    call("open_position", account_number="0000000071", owner_id="u", welcome_bonus=True)
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


def test_list_positions_walks_every_position_in_pages(bank: Any) -> None:
    for n in range(5):
        call("open_position", account_number=f"00000008{n:02d}", owner_id="u")
    seen: list[str] = []
    cursor = None
    while True:
        page = call("list_positions", limit=3, **({"cursor": cursor} if cursor else {}))["result"]
        seen.extend(item["account"] for item in page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 9  # five customers and the bank's four


def test_unknown_actions_are_refused(bank: Any) -> None:
    assert call("debit")["error"]["code"] == "unknown_action"
