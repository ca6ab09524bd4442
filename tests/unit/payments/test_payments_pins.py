"""The payment PIN (decision 0008): a try is taken before the PIN is compared, a right PIN gives it back,
three wrong ones lock it for 15 minutes after the last, and a wrong PIN tells nothing about the recipient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core.clock import now
from payments.store.models import Payment, Position
from tests.unit.payments.payments_helpers import internal_call, transfer

CallApi = Callable[..., Any]
WINDOW = 15 * 60


def tries(account: str) -> tuple[int, int]:
    """(tries taken, wrong answers) of the account's PIN as stored."""
    position = Position.get(account, consistent_read=True)
    return int(position.pin_tries), int(position.pin_wrong)


@pytest.fixture
def pair(open_account: Any) -> tuple[Any, Any]:
    return open_account(), open_account()


def lock(call_api: CallApi, app: Any, payer: Any, to: str) -> list[Any]:
    return [transfer(call_api, app, payer, to, key=f"wrong-{n}", pin="0000") for n in range(3)]


def test_three_wrong_pins_lock_the_pin_for_the_window_and_say_when_to_come_back(
    call_api: CallApi, payments_app: Any, pair: Any, helpers: Any, clock: Any
) -> None:
    alice, bob = pair
    # When Alice enters a wrong PIN three times
    first, second, third = lock(call_api, payments_app, alice, bob.account)
    # Then the first two say how many tries are left, and the third locks the PIN
    assert [(r.status, r.json["code"], r.json["tries_left"]) for r in (first, second)] == [
        (422, "pin_invalid", 2),
        (422, "pin_invalid", 1),
    ]
    assert (third.status, third.json["code"]) == (423, "pin_locked")
    assert third.json["retry_after_seconds"] == WINDOW
    assert third.headers["retry-after"] == str(WINDOW)
    # And the lock holds just before the window ends, with the time left counting down
    clock(WINDOW - 60)
    still = transfer(call_api, payments_app, alice, bob.account, key="late-wrong", pin="0000")
    assert (still.status, still.json["code"], still.headers["retry-after"]) == (423, "pin_locked", "60")
    # Nothing moved and no payment was recorded for any of them
    assert helpers.balance(alice.account) == (100_000, 0, 100_000)
    assert helpers.count(Payment) == 3  # the opening and the two welcome bonuses
    assert tries(alice.account) == (3, 3)


def test_a_right_pin_while_locked_is_still_locked_with_the_same_answer(
    call_api: CallApi, payments_app: Any, pair: Any, helpers: Any, clock: Any
) -> None:
    alice, bob = pair
    lock(call_api, payments_app, alice, bob.account)
    clock(10)
    right = transfer(call_api, payments_app, alice, bob.account, key="right")
    wrong = transfer(call_api, payments_app, alice, bob.account, key="wrong", pin="0000")
    # Right and wrong get the same answer: the lock tells nothing about the PIN
    assert (right.status, right.json["code"]) == (wrong.status, wrong.json["code"]) == (423, "pin_locked")
    assert right.json["retry_after_seconds"] == wrong.json["retry_after_seconds"] == WINDOW - 10
    assert helpers.balance(alice.account) == (100_000, 0, 100_000)
    assert tries(alice.account) == (3, 3)


def test_a_right_pin_gives_its_try_back(
    call_api: CallApi, payments_app: Any, pair: Any, helpers: Any, clock: Any
) -> None:
    alice, bob = pair
    # Many payments with the right PIN never use up the tries
    for n in range(5):
        assert transfer(call_api, payments_app, alice, bob.account, key=f"ok-{n}").status == 201
        assert tries(alice.account) == (0, 0)
    # After two wrong PINs, a right one keeps only the wrong ones' tries
    for n in range(2):
        transfer(call_api, payments_app, alice, bob.account, key=f"w-{n}", pin="0000")
    assert tries(alice.account) == (2, 2)
    assert transfer(call_api, payments_app, alice, bob.account, key="ok-after").status == 201
    assert tries(alice.account) == (2, 2)
    assert helpers.balance(alice.account)[0] == 100_000 - 6 * 10_000


def test_a_right_pin_whose_payment_is_refused_gives_its_try_back_too(
    call_api: CallApi, payments_app: Any, pair: Any, env: Any
) -> None:
    env(MAX_SINGLE_AMOUNT="200000")
    alice, bob = pair
    answers = [
        transfer(call_api, payments_app, alice, bob.account, key="poor", amount=150_000).json["code"],
        transfer(call_api, payments_app, alice, bob.account, key="big", amount=250_000).json["code"],
        transfer(call_api, payments_app, alice, "9999999999", key="nobody").json["code"],
        transfer(call_api, payments_app, alice, bob.account, key="poor-2", amount=150_000).json["code"],
    ]
    assert answers == [
        "insufficient_funds",
        "amount_limit_exceeded",
        "account_not_found",
        "insufficient_funds",
    ]
    # None of them counted against the PIN
    assert tries(alice.account) == (0, 0)
    assert transfer(call_api, payments_app, alice, bob.account, key="fine").status == 201


def test_a_payment_whose_outcome_is_unknown_keeps_its_try_and_a_refused_one_gives_it_back(
    call_api: CallApi, payments_app: Any, pair: Any, monkeypatch: pytest.MonkeyPatch, helpers: Any
) -> None:
    from core.errors import ServiceUnavailable
    from payments.store import engine

    alice, bob = pair
    real_move = engine.move
    failures: list[Exception] = [RuntimeError("the write's outcome is unknown"), ServiceUnavailable()]

    def failing(movement: Any) -> Any:
        if failures:
            raise failures.pop(0)
        return real_move(movement)

    monkeypatch.setattr(engine, "move", failing)
    # Given a right PIN whose payment then fails in a way nobody can explain (it may have been written)
    unknown = transfer(call_api, payments_app, alice, bob.account, key="unknown")
    # Then it fails, and its try stays taken until the window ends: it can never come back twice
    assert unknown.status == 500
    assert tries(alice.account) == (1, 0)
    # When a payment is refused with a known answer (nothing written), Then its try goes back
    refused = transfer(call_api, payments_app, alice, bob.account, key="refused")
    assert (refused.status, refused.json["code"]) == (503, "service_unavailable")
    assert tries(alice.account) == (1, 0)
    # And the next payment goes through, giving its own try back; the unknown one's stays taken
    assert transfer(call_api, payments_app, alice, bob.account, key="fine").status == 201
    assert tries(alice.account) == (1, 0)
    assert helpers.balance(alice.account)[0] == 90_000


def test_a_replayed_transfer_takes_no_try(
    call_api: CallApi, payments_app: Any, pair: Any, helpers: Any
) -> None:
    alice, bob = pair
    first = transfer(call_api, payments_app, alice, bob.account, key="same")
    again = [transfer(call_api, payments_app, alice, bob.account, key="same") for _ in range(4)]
    assert {r.headers.get("idempotency-replayed") for r in again} == {"true"}
    assert all(r.json == first.json for r in again)
    assert tries(alice.account) == (0, 0)
    assert helpers.balance(alice.account)[0] == 90_000


def test_the_lock_ends_fifteen_minutes_after_the_last_wrong_pin(
    call_api: CallApi, payments_app: Any, pair: Any, clock: Any
) -> None:
    alice, bob = pair
    # Given wrong PINs 10 minutes apart: the window moves with each, so the third still locks
    for n, minute in enumerate((0, 10, 20)):
        clock(minute * 60)
        last = transfer(call_api, payments_app, alice, bob.account, key=f"w{n}", pin="0000")
    assert last.json["code"] == "pin_locked"
    # When 15 minutes have passed since the last one
    clock(20 * 60 + WINDOW)
    # Then a fresh window opens: the right PIN pays, and a wrong one has all its tries again
    assert transfer(call_api, payments_app, alice, bob.account, key="later").status == 201
    wrong = transfer(call_api, payments_app, alice, bob.account, key="later-wrong", pin="0000")
    assert (wrong.json["code"], wrong.json["tries_left"]) == ("pin_invalid", 2)


def test_staff_unlock_reopens_the_pin_at_once(
    call_api: CallApi, payments_app: Any, pair: Any, helpers: Any, clock: Any
) -> None:
    alice, bob = pair
    lock(call_api, payments_app, alice, bob.account)
    # When staff unlock it (accounts invokes the internal action)
    assert internal_call("unlock_pin", account_number=alice.account) == {
        "result": {"account_number": alice.account, "pin_locked": False}
    }
    # Then, still inside the old window, a wrong PIN has its three tries again and the right PIN pays
    clock(5)
    wrong = transfer(call_api, payments_app, alice, bob.account, key="after-unlock", pin="0000")
    assert (wrong.status, wrong.json["tries_left"]) == (422, 2)
    assert transfer(call_api, payments_app, alice, bob.account, key="pays").status == 201
    assert helpers.balance(alice.account)[0] == 90_000


@pytest.mark.parametrize("recipient", ["unknown", "blocked", "closed"])
def test_a_wrong_pin_never_tells_anything_about_the_recipient(
    call_api: CallApi, payments_app: Any, pair: Any, open_account: Any, recipient: str
) -> None:
    alice, bob = pair
    target = bob.account
    if recipient == "unknown":
        target = "9999999999"
    else:
        empty = open_account(user_id=bob.user_id)  # Bob's second account: no bonus, so it may close
        target = empty.account
        internal_call("set_state", account_number=target, state=recipient, reason="x")
    # When Alice sends to it with a wrong PIN
    wrong = transfer(call_api, payments_app, alice, target, key="w", pin="0000")
    # Then she is told only that the PIN is wrong: the same answer as for an active, existing recipient
    assert (wrong.status, wrong.json["code"], wrong.json["tries_left"]) == (422, "pin_invalid", 2)
    usual = transfer(call_api, payments_app, alice, bob.account, key="w2", pin="0000")

    def shown(response: Any) -> dict[str, Any]:
        return {k: v for k, v in response.json.items() if k not in ("tries_left", "detail")}

    assert shown(wrong) == shown(usual)
    assert set(wrong.json) == set(usual.json)
    # And only with the right PIN does she learn about the recipient
    right = transfer(call_api, payments_app, alice, target, key="r")
    expected = (404, "account_not_found") if recipient == "unknown" else (422, "account_not_active")
    assert (right.status, right.json["code"]) == expected
    if recipient == "unknown":
        assert right.json["field"] == "to_account"
    assert tries(alice.account) == (2, 2)


def test_tries_held_by_payments_still_being_checked_are_busy_not_a_lock(
    call_api: CallApi, payments_app: Any, pair: Any, clock: Any
) -> None:
    from payments.store import pins

    alice, bob = pair
    # Given every try held by Alice's own payments still being checked (none judged wrong yet)
    at = int(now().timestamp())
    for _ in range(3):
        pins.take_try(alice.account, alice.user_id, at)
    # When another payment arrives
    busy = transfer(call_api, payments_app, alice, bob.account, key="busy")
    # Then it is told to come back in a moment, not locked out for the window
    assert (busy.status, busy.json["code"], busy.headers["retry-after"]) == (409, "pin_busy", "1")
    # And once those payments gave their tries back, it goes through
    for _ in range(3):
        pins.give_back(alice.account)
    assert transfer(call_api, payments_app, alice, bob.account, key="busy").status == 201


def test_no_more_than_the_limit_of_guesses_is_ever_judged(
    call_api: CallApi, payments_app: Any, pair: Any, monkeypatch: pytest.MonkeyPatch, clock: Any
) -> None:
    from payments.domain import pins as pin_rules

    alice, bob = pair
    judged: list[str] = []
    real_matches = pin_rules.pin_matches

    def counting(key: bytes, account: str, pin: str, stored: str) -> bool:
        judged.append(pin)
        return real_matches(key, account, pin, stored)

    monkeypatch.setattr(pin_rules, "pin_matches", counting)
    # When someone tries every PIN from 0000 up to Alice's
    answers = [
        transfer(call_api, payments_app, alice, bob.account, key=f"g{n}", pin=f"{n:04d}").json["code"]
        for n in range(20)
    ]
    # Then only three guesses were ever compared; every later one was refused before any comparison
    assert judged == ["0000", "0001", "0002"]
    assert answers == ["pin_invalid", "pin_invalid"] + ["pin_locked"] * 18


def test_only_the_owner_takes_tries_of_an_account(bank: Any, open_account: Any) -> None:
    from core.errors import AccountNotFound
    from payments.store import pins

    alice = open_account()
    at = int(now().timestamp())
    with pytest.raises(AccountNotFound):
        pins.take_try(alice.account, "mallory", at)
    with pytest.raises(AccountNotFound):
        pins.take_try("9999999999", "mallory", at)
    assert tries(alice.account) == (0, 0)
    assert Position.count("9999999999") == 0
