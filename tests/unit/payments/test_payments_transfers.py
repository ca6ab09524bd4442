"""POST /transfers through the Chalice app under moto: one atomic, idempotent movement or a typed refusal."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from core.events import Event, MoneyMoved
from payments.store.models import Counter, Entry, OutboxRecord, Payment, Position
from tests.unit.payments.payments_helpers import transfer

CallApi = Callable[..., Any]


def written(helpers: Any) -> tuple[int, int, int]:
    return helpers.count(Payment), helpers.count(OutboxRecord), helpers.count(Entry)


def test_a_transfer_moves_money_once_with_its_payment_history_and_event(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any, bank: Any
) -> None:
    # Given two customers with the welcome bonus
    alice, bob = open_account(), open_account()
    events_before = helpers.count(OutboxRecord)
    # When Alice sends Bob 10,000 kobo
    response = transfer(call_api, payments_app, alice, bob.account)
    # Then it is created and both balances moved by exactly the amount
    assert response.status == 201, response.json
    body = response.json
    assert body["status"] == "completed"
    assert (body["from_account"], body["to_account"], body["amount"]) == (alice.account, bob.account, 10_000)
    assert body["correlation_id"] == "corr-1"
    assert response.headers["location"] == f"/transfers/{body['payment_id']}"
    assert "idempotency-replayed" not in response.headers
    assert helpers.balance(alice.account) == (90_000, 0, 90_000)
    assert helpers.balance(bob.account) == (110_000, 0, 110_000)
    # And exactly one money.moved event in the core envelope, carrying the correlation id
    events = [json.loads(r.body) for r in OutboxRecord.scan() if r.type == "money.moved"]
    assert helpers.count(OutboxRecord) == events_before + 1
    mine = [Event.model_validate(e) for e in events if e["data"]["payment_id"] == body["payment_id"]]
    assert len(mine) == 1
    assert mine[0].correlation_id == "corr-1" and mine[0].source == "payments"
    data = MoneyMoved.model_validate(mine[0].data)
    assert [(leg.from_account, leg.to_account, leg.amount) for leg in data.legs] == [
        (alice.account, bob.account, 10_000)
    ]
    # And a history line on each side
    assert [e.direction for e in Entry.query(alice.account) if e.payment_id == body["payment_id"]] == [
        "debit"
    ]
    assert [e.direction for e in Entry.query(bob.account) if e.payment_id == body["payment_id"]] == ["credit"]
    # And the PIN was judged by payments itself: the accounts service was never called
    assert bank.calls == []


def test_the_same_key_and_body_replays_the_first_response_and_moves_money_once(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any
) -> None:
    alice, bob = open_account(), open_account()
    first = transfer(call_api, payments_app, alice, bob.account)
    # When the client retries with the same key and body
    second = transfer(call_api, payments_app, alice, bob.account)
    # Then it gets the first response, marked as a replay, and nothing moved twice
    assert second.status == 201
    assert second.json == first.json
    assert second.headers["idempotency-replayed"] == "true"
    assert helpers.balance(alice.account) == (90_000, 0, 90_000)


def test_the_same_key_with_another_body_is_refused(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any
) -> None:
    alice, bob = open_account(), open_account()
    transfer(call_api, payments_app, alice, bob.account)
    response = transfer(call_api, payments_app, alice, bob.account, amount=20_000)
    assert response.status == 422
    assert response.json["code"] == "idempotency_key_reused"
    assert helpers.balance(alice.account) == (90_000, 0, 90_000)


def test_keys_are_scoped_per_customer(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any
) -> None:
    alice, bob = open_account(), open_account()
    assert transfer(call_api, payments_app, alice, bob.account, key="same").status == 201
    response = transfer(call_api, payments_app, bob, alice.account, key="same")
    assert response.status == 201
    assert "idempotency-replayed" not in response.headers
    assert helpers.balance(alice.account)[0] == helpers.balance(bob.account)[0] == 100_000


def test_a_replay_answers_the_stored_payment_even_when_it_could_not_be_paid_again(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any
) -> None:
    # Given a transfer, after which Alice sends the rest of her money away
    alice, bob = open_account(), open_account()
    first = transfer(call_api, payments_app, alice, bob.account, 10_000, key="rent")
    assert transfer(call_api, payments_app, alice, bob.account, 90_000, key="all").status == 201
    payments = helpers.count(Payment)
    # When the first request is retried (the payment record is the idempotency record)
    again = transfer(call_api, payments_app, alice, bob.account, 10_000, key="rent")
    # Then it is the first answer, not insufficient funds, and nothing moved
    assert (again.status, again.json) == (201, first.json)
    assert again.headers["idempotency-replayed"] == "true"
    assert helpers.balance(alice.account)[0] == 0
    assert helpers.count(Payment) == payments


def test_another_body_under_the_key_of_a_recorded_decline_is_a_reused_key(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any
) -> None:
    alice, bob = open_account(top_up=200_000_000), open_account()
    declined = transfer(call_api, payments_app, alice, bob.account, 100_000_001, key="big")
    assert (declined.status, declined.json["code"]) == (422, "amount_limit_exceeded")
    payments = helpers.count(Payment)
    other = transfer(call_api, payments_app, alice, bob.account, 100_000_002, key="big")
    assert (other.status, other.json["code"]) == (422, "idempotency_key_reused")
    assert helpers.count(Payment) == payments


def test_a_missing_idempotency_key_is_refused(
    call_api: CallApi, payments_app: Any, open_account: Any
) -> None:
    alice, bob = open_account(), open_account()
    response = transfer(call_api, payments_app, alice, bob.account, key="")
    assert response.status == 400
    assert response.json["code"] == "idempotency_key_missing"


@pytest.mark.parametrize(
    ("amount", "status", "code"),
    [
        (-5, 400, "validation_failed"),
        (0, 400, "validation_failed"),
        (100.5, 400, "validation_failed"),
        ("10000", 400, "validation_failed"),
        (True, 400, "validation_failed"),
        (4_999, 422, "amount_below_minimum"),
        (100_001, 422, "insufficient_funds"),
    ],
)
def test_bad_amounts_are_refused_and_nothing_is_written(
    *,
    call_api: CallApi,
    payments_app: Any,
    open_account: Any,
    helpers: Any,
    amount: Any,
    status: int,
    code: str,
) -> None:
    alice, bob = open_account(), open_account()
    before = written(helpers)
    response = transfer(call_api, payments_app, alice, bob.account, amount=amount)
    assert (response.status, response.json["code"]) == (status, code)
    assert written(helpers) == before
    assert helpers.balance(alice.account) == (100_000, 0, 100_000)


def test_a_wrong_pin_is_refused_nothing_is_written_and_the_key_can_be_retried(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any
) -> None:
    alice, bob = open_account(), open_account()
    before = written(helpers)
    response = transfer(call_api, payments_app, alice, bob.account, pin="9999")
    assert (response.status, response.json["code"]) == (422, "pin_invalid")
    assert response.json["tries_left"] == 2
    assert "retry-after" not in response.headers
    assert written(helpers) == before
    # The refusal left nothing under the key: the corrected request runs
    assert transfer(call_api, payments_app, alice, bob.account).status == 201


def test_unknown_and_foreign_accounts_are_not_found(
    call_api: CallApi, payments_app: Any, open_account: Any
) -> None:
    alice, bob = open_account(), open_account()
    unknown = transfer(call_api, payments_app, alice, "9999999999")
    assert (unknown.status, unknown.json["code"], unknown.json["field"]) == (
        404,
        "account_not_found",
        "to_account",
    )
    # Mallory tries to send from Alice's account: it is not hers, so it does not exist for her
    mallory = open_account()
    mallory.account, mallory.pin = alice.account, alice.pin
    foreign = transfer(call_api, payments_app, mallory, bob.account)
    assert (foreign.status, foreign.json["code"], foreign.json["field"]) == (
        404,
        "account_not_found",
        "from_account",
    )
    # And her attempt took none of Alice's tries: it was refused before any was taken
    stored = Position.get(alice.account, consistent_read=True)
    assert (int(stored.pin_tries), int(stored.pin_wrong)) == (0, 0)
    # A payer account that does not exist at all gets the very same answer
    mallory.account = "9999999999"
    missing = transfer(call_api, payments_app, mallory, bob.account, key="k-2")
    assert (missing.status, missing.json) == (foreign.status, foreign.json)


def test_a_self_transfer_is_refused(call_api: CallApi, payments_app: Any, open_account: Any) -> None:
    alice = open_account()
    response = transfer(call_api, payments_app, alice, alice.account)
    assert (response.status, response.json["code"]) == (422, "same_account")


@pytest.mark.parametrize("blocked_side", ["sender", "recipient"])
def test_blocked_accounts_neither_send_nor_receive(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any, blocked_side: str
) -> None:
    from payments.models import SetStatePayload
    from payments.service import positions

    alice, bob = open_account(), open_account()
    blocked = alice if blocked_side == "sender" else bob
    positions.set_state(
        SetStatePayload(account_number=blocked.account, state="blocked", reason="fraud check")
    )
    before = written(helpers)
    response = transfer(call_api, payments_app, alice, bob.account)
    assert (response.status, response.json["code"]) == (422, "account_not_active")
    assert written(helpers) == before
    assert helpers.balance(alice.account)[0] == helpers.balance(bob.account)[0] == 100_000


def test_staff_cannot_send_customer_transfers(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any
) -> None:
    alice, bob = open_account(), open_account()
    body = {"from_account": alice.account, "to_account": bob.account, "amount": 10_000, "pin": "1234"}
    response = call_api(
        payments_app,
        "POST",
        "/transfers",
        body=body,
        headers={"Idempotency-Key": "s"},
        principal=helpers.staff,
    )
    assert response.status == 403


def test_unknown_fields_are_refused(call_api: CallApi, payments_app: Any, open_account: Any) -> None:
    alice, bob = open_account(), open_account()
    response = transfer(call_api, payments_app, alice, bob.account, fee=0)
    assert (response.status, response.json["code"]) == (400, "validation_failed")


# ------------------------------------------------------------------ fraud rules
def test_an_amount_over_the_single_limit_is_declined_recorded_and_replayed(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any
) -> None:
    alice, bob = open_account(top_up=200_000_000), open_account()
    response = transfer(call_api, payments_app, alice, bob.account, amount=100_000_001)
    assert (response.status, response.json["code"]) == (422, "amount_limit_exceeded")
    payment = Payment.get(response.json["payment_id"])
    assert (payment.status, payment.decline_code) == ("declined", "amount_limit_exceeded")
    assert helpers.balance(alice.account)[0] == 200_100_000
    # The decline is an answer: the same request gets it again, marked as a replay
    again = transfer(call_api, payments_app, alice, bob.account, amount=100_000_001)
    assert (again.status, again.json, again.headers["idempotency-replayed"]) == (422, response.json, "true")
    # And the customer sees it in the history
    history = call_api(
        payments_app,
        "GET",
        "/accounts/{number}/transactions",
        path_params={"number": alice.account},
        principal=alice.principal,
    )
    declined = [item for item in history.json["items"] if item["status"] == "declined"]
    assert [(d["decline_code"], d["amount"]) for d in declined] == [("amount_limit_exceeded", 100_000_001)]


@pytest.mark.usefixtures("clock")
def test_more_payments_in_a_minute_than_allowed_are_declined(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any, env: Any
) -> None:
    env(VELOCITY_PER_MINUTE="2")  # and the clock stands still: the windows are calendar minutes
    alice, bob = open_account(), open_account()
    codes = [transfer(call_api, payments_app, alice, bob.account, key=f"v{i}").status for i in range(3)]
    last = transfer(call_api, payments_app, alice, bob.account, key="v-last")
    assert codes[:2] == [201, 201]
    assert codes[2] == 422 and last.json["code"] == "velocity_limit_exceeded"
    assert helpers.balance(alice.account)[0] == 80_000


def test_the_daily_outgoing_limit_is_enforced_per_account(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any, env: Any
) -> None:
    env(DAILY_OUTGOING_LIMIT="25000")
    alice, bob = open_account(), open_account()
    assert transfer(call_api, payments_app, alice, bob.account, key="d1", amount=20_000).status == 201
    second = transfer(call_api, payments_app, alice, bob.account, key="d2", amount=6_000)
    assert (second.status, second.json["code"]) == (422, "daily_limit_exceeded")
    assert transfer(call_api, payments_app, alice, bob.account, key="d3", amount=5_000).status == 201
    assert helpers.balance(alice.account)[0] == 75_000
    assert (
        int(
            Counter.get(
                f"{alice.account}#day#" + Payment.get(second.json["payment_id"]).day.replace("-", "")
            ).value
        )
        == 25_000
    )


def test_a_failed_transfer_does_not_count_against_the_limits(
    call_api: CallApi, payments_app: Any, open_account: Any, env: Any
) -> None:
    env(VELOCITY_PER_MINUTE="1")
    alice, bob = open_account(), open_account()
    assert (
        transfer(call_api, payments_app, alice, bob.account, key="x1", amount=500_000).json["code"]
        == "insufficient_funds"
    )
    assert transfer(call_api, payments_app, alice, bob.account, key="x2").status == 201


# ------------------------------------------------------------------ limits per customer
@pytest.fixture
def two_accounts(open_account: Any) -> tuple[Any, Any, Any]:
    """Alice with two accounts (the second funded: it got no bonus) and Bob."""
    first = open_account(user_id="alice")
    second = open_account(user_id="alice", top_up=100_000)
    return first, second, open_account()


@pytest.fixture
def one_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every transfer of the test in the same minute, whenever the test runs."""
    from datetime import UTC, datetime

    from payments.service import transfers

    monkeypatch.setattr(transfers, "now", lambda: datetime(2026, 11, 24, 10, 30, 15, tzinfo=UTC))


@pytest.mark.usefixtures("one_minute")
def test_the_velocity_limit_holds_across_all_of_a_customers_accounts(
    call_api: CallApi, payments_app: Any, two_accounts: Any, helpers: Any, env: Any
) -> None:
    # Given 2 payments a minute per customer, 10 per account
    env(CUSTOMER_VELOCITY_PER_MINUTE="2", VELOCITY_PER_MINUTE="10")
    first, second, bob = two_accounts
    # When Alice pays from one account, then the other, then the first again
    statuses = [
        transfer(call_api, payments_app, first, bob.account, key="c1").status,
        transfer(call_api, payments_app, second, bob.account, key="c2").status,
    ]
    third = transfer(call_api, payments_app, first, bob.account, key="c3")
    # Then the third is declined for the customer, though neither account reached its own limit
    assert statuses == [201, 201]
    assert (third.status, third.json["code"]) == (422, "customer_velocity_limit_exceeded")
    assert Payment.get(third.json["payment_id"]).decline_code == "customer_velocity_limit_exceeded"
    assert helpers.balance(first.account)[0] == helpers.balance(second.account)[0] == 90_000
    # And Bob, another customer, is not held back by Alice's payments
    assert transfer(call_api, payments_app, bob, first.account, key="b1").status == 201


def test_the_daily_outgoing_limit_holds_across_all_of_a_customers_accounts(
    call_api: CallApi, payments_app: Any, two_accounts: Any, helpers: Any, env: Any
) -> None:
    # Given 30,000 kobo a day per customer (each account alone may send far more)
    env(CUSTOMER_DAILY_OUTGOING_LIMIT="30000")
    first, second, bob = two_accounts
    assert transfer(call_api, payments_app, first, bob.account, key="d1", amount=20_000).status == 201
    # When the other account would take the customer over the limit
    over = transfer(call_api, payments_app, second, bob.account, key="d2", amount=15_000)
    # Then it is declined, and what is left of the customer's limit may still be sent
    assert (over.status, over.json["code"]) == (422, "customer_daily_limit_exceeded")
    assert transfer(call_api, payments_app, second, bob.account, key="d3", amount=10_000).status == 201
    assert helpers.balance(first.account)[0] == 80_000
    assert helpers.balance(second.account)[0] == 90_000
    day = Payment.get(over.json["payment_id"]).day.replace("-", "")
    assert int(Counter.get(f"customer:alice#day#{day}").value) == 30_000
    assert int(Counter.get(f"{second.account}#day#{day}").value) == 10_000


def test_one_transfer_over_the_customers_daily_limit_is_declined_even_as_the_days_first(
    call_api: CallApi, payments_app: Any, two_accounts: Any, helpers: Any, env: Any
) -> None:
    env(CUSTOMER_DAILY_OUTGOING_LIMIT="30000")
    first, _, bob = two_accounts
    response = transfer(call_api, payments_app, first, bob.account, key="big", amount=30_001)
    assert (response.status, response.json["code"]) == (422, "customer_daily_limit_exceeded")
    assert helpers.balance(first.account)[0] == 100_000
    assert transfer(call_api, payments_app, first, bob.account, key="fits", amount=30_000).status == 201
