"""Card payments in two phases: authorize (hold) → capture (partial or full) | void | expiry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from core.clock import now
from payments.store.tables import Hold, OutboxRecord, Payment
from tests.unit.payments.payments_helpers import reverse_payment

CallApi = Callable[..., Any]
PAN = "5061230000000001"
DETAILS = {"expiry_month": 11, "expiry_year": 2029, "cvv": "123", "pin": "4321"}


@pytest.fixture
def parties(open_account: Any, bank: Any) -> tuple[Any, Any]:
    """A cardholder with a card and a merchant."""
    cardholder, merchant = open_account(), open_account()
    bank.cards[PAN] = {"card_id": "card-1", "account_number": cardholder.account, "details": DETAILS}
    return cardholder, merchant


def authorize(
    call_api: CallApi, app: Any, merchant: Any, amount: int = 40_000, key: str = "a1", **extra: Any
) -> Any:
    body = {
        "pan": PAN,
        **DETAILS,
        "amount": amount,
        "merchant_account": merchant.account,
        "description": "groceries",
        **extra,
    }
    return call_api(
        app,
        "POST",
        "/card-authorizations",
        body=body,
        headers={"Idempotency-Key": key},
        principal=merchant.principal,
    )


def act(call_api: CallApi, app: Any, who: Any, hold_id: str, action: str, *, body: Any = None) -> Any:
    return call_api(
        app,
        "POST",
        f"/card-authorizations/{{authorization_id}}/{action}",
        path_params={"authorization_id": hold_id},
        body=body,
        principal=who.principal,
    )


def hold_events(hold_id: str) -> list[str]:
    return sorted(r.type for r in OutboxRecord.scan() if hold_id in r.body and r.type.startswith("hold."))


def test_an_authorization_holds_funds_without_moving_them(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any
) -> None:
    cardholder, merchant = parties
    response = authorize(call_api, payments_app, merchant)
    assert response.status == 201, response.json
    hold = response.json
    assert (hold["state"], hold["amount"], hold["merchant_account"]) == ("pending", 40_000, merchant.account)
    # Available drops, ledger does not; the merchant gets nothing yet
    assert helpers.balance(cardholder.account) == (100_000, 40_000, 60_000)
    assert helpers.balance(merchant.account) == (100_000, 0, 100_000)
    assert hold_events(hold["authorization_id"]) == ["hold.created"]
    # Replays answer the same hold
    again = authorize(call_api, payments_app, merchant)
    assert (again.status, again.json, again.headers["idempotency-replayed"]) == (201, hold, "true")
    assert helpers.balance(cardholder.account) == (100_000, 40_000, 60_000)


def test_a_partial_capture_moves_that_amount_and_releases_the_rest_once(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any
) -> None:
    cardholder, merchant = parties
    hold = authorize(call_api, payments_app, merchant).json
    response = act(
        call_api, payments_app, merchant, hold["authorization_id"], "capture", body={"amount": 25_000}
    )
    assert response.status == 200, response.json
    assert (response.json["state"], response.json["captured_amount"]) == ("captured", 25_000)
    assert helpers.balance(cardholder.account) == (75_000, 0, 75_000)
    assert helpers.balance(merchant.account) == (125_000, 0, 125_000)
    payment = Payment.get(response.json["payment_id"])
    assert (payment.kind, payment.amount, payment.from_account) == (
        "card_capture",
        25_000,
        cardholder.account,
    )
    assert hold_events(hold["authorization_id"]) == ["hold.created", "hold.released"]
    # Once only
    again = act(call_api, payments_app, merchant, hold["authorization_id"], "capture", body={"amount": 1_000})
    assert (again.status, again.json["code"]) == (409, "authorization_not_pending")
    assert act(call_api, payments_app, merchant, hold["authorization_id"], "void").status == 409
    assert helpers.balance(cardholder.account) == (75_000, 0, 75_000)


def test_staff_reverse_a_capture_and_both_history_lines_are_marked(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any
) -> None:
    from payments.store.tables import Entry

    cardholder, merchant = parties
    hold = authorize(call_api, payments_app, merchant).json
    captured = act(call_api, payments_app, merchant, hold["authorization_id"], "capture").json
    reversal = reverse_payment(
        call_api, payments_app, captured["payment_id"], helpers.staff, reason="disputed"
    )
    assert reversal.status == 201, reversal.json
    assert helpers.balance(cardholder.account) == (100_000, 0, 100_000)
    assert Payment.get(captured["payment_id"]).reversed_by == reversal.json["payment_id"]
    lines = {e.account: e.reversed_by for e in Entry.scan() if e.payment_id == captured["payment_id"]}
    assert lines == {
        cardholder.account: reversal.json["payment_id"],
        merchant.account: reversal.json["payment_id"],
    }


def test_a_capture_without_amount_takes_the_whole_hold(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any
) -> None:
    cardholder, merchant = parties
    hold = authorize(call_api, payments_app, merchant).json
    assert (
        act(call_api, payments_app, merchant, hold["authorization_id"], "capture").json["captured_amount"]
        == 40_000
    )
    assert helpers.balance(cardholder.account) == (60_000, 0, 60_000)


def test_a_capture_over_the_hold_is_refused(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any
) -> None:
    cardholder, merchant = parties
    hold = authorize(call_api, payments_app, merchant).json
    response = act(
        call_api, payments_app, merchant, hold["authorization_id"], "capture", body={"amount": 40_001}
    )
    assert (response.status, response.json["code"]) == (422, "capture_exceeds_authorization")
    assert helpers.balance(cardholder.account) == (100_000, 40_000, 60_000)


def test_a_void_releases_the_hold(call_api: CallApi, payments_app: Any, parties: Any, helpers: Any) -> None:
    cardholder, merchant = parties
    hold = authorize(call_api, payments_app, merchant).json
    response = act(call_api, payments_app, merchant, hold["authorization_id"], "void")
    assert (response.status, response.json["state"]) == (200, "voided")
    assert helpers.balance(cardholder.account) == (100_000, 0, 100_000)
    assert hold_events(hold["authorization_id"]) == ["hold.created", "hold.released"]
    assert act(call_api, payments_app, merchant, hold["authorization_id"], "capture").status == 409


def test_expired_holds_are_released_by_the_job_and_cannot_be_captured(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any, env: Any
) -> None:
    from payments.handlers import hold_expiry
    from payments.service import cards
    from tests.unit.conftest import FakeContext

    env(HOLD_TTL_SECONDS="60")
    cardholder, merchant = parties
    hold = authorize(call_api, payments_app, merchant).json
    fresh = authorize(call_api, payments_app, merchant, amount=1_000, key="a2").json
    # Nothing has expired yet
    assert hold_expiry.handler({}, FakeContext()) == {"released": 0}
    # Two minutes later the job releases both, once
    later = now() + timedelta(minutes=2)
    assert cards.expire_holds(later) == 2
    assert cards.expire_holds(later) == 0
    assert Hold.get(hold["authorization_id"]).state == "expired"
    assert Hold.get(fresh["authorization_id"]).pending is None
    assert helpers.balance(cardholder.account) == (100_000, 0, 100_000)


def test_a_capture_after_expiry_is_refused_even_before_the_job_ran(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any, env: Any
) -> None:
    env(HOLD_TTL_SECONDS="1")
    _, merchant = parties
    hold = authorize(call_api, payments_app, merchant).json
    Hold(hold["authorization_id"]).update(actions=[Hold.expires_at.set(int(now().timestamp()) - 5)])
    response = act(call_api, payments_app, merchant, hold["authorization_id"], "capture")
    assert (response.status, response.json["code"]) == (409, "authorization_expired")


def test_only_that_merchant_captures_voids_or_reads(
    call_api: CallApi, payments_app: Any, parties: Any, open_account: Any, helpers: Any
) -> None:
    cardholder, merchant = parties
    other = open_account()
    hold = authorize(call_api, payments_app, merchant).json
    for action in ("capture", "void"):
        response = act(call_api, payments_app, other, hold["authorization_id"], action)
        assert (response.status, response.json["code"]) == (404, "authorization_not_found")

    def read(principal: dict[str, str]) -> int:
        return int(
            call_api(
                payments_app,
                "GET",
                "/card-authorizations/{authorization_id}",
                path_params={"authorization_id": hold["authorization_id"]},
                principal=principal,
            ).status
        )

    assert [read(p) for p in (merchant.principal, cardholder.principal, helpers.staff, other.principal)] == [
        200,
        200,
        200,
        404,
    ]


def test_authorizations_are_refused_with_codes(
    *, call_api: CallApi, payments_app: Any, parties: Any, open_account: Any, helpers: Any, bank: Any
) -> None:
    cardholder, merchant = parties
    # Not the caller's merchant account
    stranger = open_account()
    stranger.account = merchant.account
    assert authorize(call_api, payments_app, stranger).json["code"] == "account_not_found"
    # Wrong CVV (the accounts service decides)
    assert authorize(call_api, payments_app, merchant, cvv="999", key="b1").json["code"] == "card_invalid"
    # More than available
    too_much = authorize(call_api, payments_app, merchant, amount=100_001, key="b2")
    assert (too_much.status, too_much.json["code"]) == (422, "insufficient_funds")
    # A merchant charging its own card
    bank.cards[PAN]["account_number"] = merchant.account
    assert authorize(call_api, payments_app, merchant, key="b3").json["code"] == "same_account"
    assert helpers.balance(cardholder.account) == (100_000, 0, 100_000)
    assert helpers.count(Hold) == 0


def test_a_card_amount_over_the_single_limit_is_declined_and_recorded(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any
) -> None:
    cardholder, merchant = parties
    response = authorize(call_api, payments_app, merchant, amount=100_000_001)
    assert (response.status, response.json["code"]) == (422, "amount_limit_exceeded")
    assert Payment.get(response.json["payment_id"]).status == "declined"
    assert helpers.balance(cardholder.account) == (100_000, 0, 100_000)
