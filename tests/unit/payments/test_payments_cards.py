"""Card payments in two phases: authorize (hold) → capture (partial or full) | void | expiry."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from core.clock import now, parse_iso
from payments.domain.movement import scoped_id
from payments.store.models import Hold, OutboxRecord, Payment, PaymentRequest, Position
from tests.unit.payments.payments_helpers import internal_call, reverse_payment

CallApi = Callable[..., Any]
PAN = "5061230000000001"
DETAILS = {"expiry_month": 11, "expiry_year": 2029, "cvv": "123", "pin": "4321"}


@pytest.fixture
def parties(open_account: Any, bank: Any) -> tuple[Any, Any]:
    """A cardholder with a card of their own and a merchant."""
    cardholder, merchant = open_account(), open_account()
    bank.cards[PAN] = {
        "card_id": "card-1",
        "account_number": cardholder.account,
        "owner_id": cardholder.user_id,
        "details": DETAILS,
    }
    return cardholder, merchant


OTHER_PAN = "5061230000000002"


def second_cardholder(open_account: Any, bank: Any) -> Any:
    """Another customer, with a card of their own (OTHER_PAN)."""
    other = open_account()
    bank.cards[OTHER_PAN] = {
        "card_id": "card-2",
        "account_number": other.account,
        "owner_id": other.user_id,
        "details": DETAILS,
    }
    return other


def request_payment(
    call_api: CallApi,
    app: Any,
    merchant: Any,
    *,
    amount: int = 40_000,
    key: str = "a1",
    **extra: Any,
) -> Any:
    """The merchant's `POST /payment-requests` (no card details)."""
    body = {"merchant_account": merchant.account, "amount": amount, "description": "groceries", **extra}
    return call_api(
        app,
        "POST",
        "/payment-requests",
        body=body,
        headers={"Idempotency-Key": key},
        principal=merchant.principal,
    )


def confirm(call_api: CallApi, app: Any, cardholder: Any, request_id: str, **extra: Any) -> Any:
    """The cardholder's `POST /card-authorizations` on the bank's own site, with card and PIN."""
    body = {"payment_request_id": request_id, "pan": PAN, **DETAILS, **extra}
    return call_api(app, "POST", "/card-authorizations", body=body, principal=cardholder.principal)


def authorize(
    call_api: CallApi,
    app: Any,
    cardholder: Any,
    merchant: Any,
    *,
    amount: int = 40_000,
    key: str = "a1",
    **extra: Any,
) -> Any:
    """A payment request made by the merchant and confirmed by the cardholder: the confirmation's answer."""
    request = request_payment(call_api, app, merchant, amount=amount, key=key)
    assert request.status == 201, request.json
    return confirm(call_api, app, cardholder, request.json["payment_request_id"], **extra)


def read_request(call_api: CallApi, app: Any, who: Any, request_id: str) -> Any:
    principal = who if isinstance(who, dict) else who.principal
    return call_api(
        app,
        "GET",
        "/payment-requests/{request_id}",
        path_params={"request_id": request_id},
        principal=principal,
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
    # Given the merchant's payment request
    request = request_payment(call_api, payments_app, merchant).json
    # When the cardholder confirms it with their card and PIN
    response = confirm(call_api, payments_app, cardholder, request["payment_request_id"])
    assert response.status == 201, response.json
    hold = response.json
    assert (hold["state"], hold["amount"], hold["merchant_account"]) == ("pending", 40_000, merchant.account)
    assert response.headers["location"] == f"/card-authorizations/{hold['authorization_id']}"
    # Then the hold's id derives from the request's, and the merchant reads it from the request
    assert hold["authorization_id"] == scoped_id("hold", "payment-request", request["payment_request_id"])
    seen = read_request(call_api, payments_app, merchant, request["payment_request_id"]).json
    assert (seen["state"], seen["authorization_id"]) == ("authorized", hold["authorization_id"])
    # Available drops, ledger does not; the merchant gets nothing yet
    assert helpers.balance(cardholder.account) == (100_000, 40_000, 60_000)
    assert helpers.balance(merchant.account) == (100_000, 0, 100_000)
    assert hold_events(hold["authorization_id"]) == ["hold.created"]
    # Replays answer the same hold
    again = confirm(call_api, payments_app, cardholder, request["payment_request_id"])
    assert (again.status, again.json, again.headers["idempotency-replayed"]) == (201, hold, "true")
    assert helpers.balance(cardholder.account) == (100_000, 40_000, 60_000)
    assert helpers.count(Hold) == 1


def test_a_partial_capture_moves_that_amount_and_releases_the_rest_once(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any
) -> None:
    cardholder, merchant = parties
    hold = authorize(call_api, payments_app, cardholder, merchant).json
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
    from payments.store.models import Entry

    cardholder, merchant = parties
    hold = authorize(call_api, payments_app, cardholder, merchant).json
    captured = act(call_api, payments_app, merchant, hold["authorization_id"], "capture").json
    # Approved by a second staff member in accounts, which invokes payments' internal `reverse`
    reversal = reverse_payment(captured["payment_id"], reason="disputed")["result"]
    assert (reversal["kind"], reversal["reverses"]) == ("reversal", captured["payment_id"])
    assert helpers.balance(cardholder.account) == (100_000, 0, 100_000)
    assert Payment.get(captured["payment_id"]).reversed_by == reversal["payment_id"]
    lines = {e.account: e.reversed_by for e in Entry.scan() if e.payment_id == captured["payment_id"]}
    assert lines == {
        cardholder.account: reversal["payment_id"],
        merchant.account: reversal["payment_id"],
    }


def test_a_capture_without_amount_takes_the_whole_hold(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any
) -> None:
    cardholder, merchant = parties
    hold = authorize(call_api, payments_app, cardholder, merchant).json
    assert (
        act(call_api, payments_app, merchant, hold["authorization_id"], "capture").json["captured_amount"]
        == 40_000
    )
    assert helpers.balance(cardholder.account) == (60_000, 0, 60_000)


def test_a_capture_over_the_hold_is_refused(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any
) -> None:
    cardholder, merchant = parties
    hold = authorize(call_api, payments_app, cardholder, merchant).json
    response = act(
        call_api, payments_app, merchant, hold["authorization_id"], "capture", body={"amount": 40_001}
    )
    assert (response.status, response.json["code"]) == (422, "capture_exceeds_authorization")
    assert helpers.balance(cardholder.account) == (100_000, 40_000, 60_000)


def test_a_void_releases_the_hold(call_api: CallApi, payments_app: Any, parties: Any, helpers: Any) -> None:
    cardholder, merchant = parties
    hold = authorize(call_api, payments_app, cardholder, merchant).json
    response = act(call_api, payments_app, merchant, hold["authorization_id"], "void")
    assert (response.status, response.json["state"]) == (200, "voided")
    assert helpers.balance(cardholder.account) == (100_000, 0, 100_000)
    assert hold_events(hold["authorization_id"]) == ["hold.created", "hold.released"]
    assert act(call_api, payments_app, merchant, hold["authorization_id"], "capture").status == 409


def test_expired_holds_are_released_by_the_job_and_cannot_be_captured(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any, env: Any
) -> None:
    from payments.entrypoints import hold_expiry
    from payments.service import cards
    from tests.unit.conftest import FakeContext

    env(HOLD_TTL_SECONDS="60")
    cardholder, merchant = parties
    hold = authorize(call_api, payments_app, cardholder, merchant).json
    fresh = authorize(call_api, payments_app, cardholder, merchant, amount=1_000, key="a2").json
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
    cardholder, merchant = parties
    hold = authorize(call_api, payments_app, cardholder, merchant).json
    Hold(hold["authorization_id"]).update(actions=[Hold.expires_at.set(int(now().timestamp()) - 5)])
    response = act(call_api, payments_app, merchant, hold["authorization_id"], "capture")
    assert (response.status, response.json["code"]) == (409, "authorization_expired")


def test_only_that_merchant_captures_voids_or_reads(
    call_api: CallApi, payments_app: Any, parties: Any, open_account: Any, helpers: Any
) -> None:
    cardholder, merchant = parties
    other = open_account()
    hold = authorize(call_api, payments_app, cardholder, merchant).json
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


def test_staff_can_neither_capture_nor_void_a_hold(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any
) -> None:
    from types import SimpleNamespace

    # Given a pending hold, and staff (who may read it)
    cardholder, merchant = parties
    hold = authorize(call_api, payments_app, cardholder, merchant).json
    staff, admin = (
        SimpleNamespace(principal=helpers.staff),
        SimpleNamespace(principal={"sub": "admin-1", "role": "admin", "username": "root"}),
    )
    # When staff (or an admin) capture or void it, Then 404 as for anyone but its merchant
    for who in (staff, admin):
        for action in ("capture", "void"):
            response = act(call_api, payments_app, who, hold["authorization_id"], action)
            assert (response.status, response.json["code"]) == (404, "authorization_not_found"), action
    # And nothing moved: the hold is still pending, for its merchant alone to settle
    assert Hold.get(hold["authorization_id"], consistent_read=True).state == "pending"
    assert helpers.balance(cardholder.account) == (100_000, 40_000, 60_000)
    captured = act(call_api, payments_app, merchant, hold["authorization_id"], "capture")
    assert (captured.status, captured.json["state"]) == (200, "captured")


def test_authorizations_are_refused_with_codes(
    *, call_api: CallApi, payments_app: Any, parties: Any, open_account: Any, helpers: Any, bank: Any
) -> None:
    cardholder, merchant = parties
    # Not the caller's merchant account: refused when the request is made
    stranger = open_account()
    stranger.account = merchant.account
    foreign = request_payment(call_api, payments_app, stranger, key="b0")
    assert (foreign.status, foreign.json["code"], foreign.json["field"]) == (
        404,
        "account_not_found",
        "merchant_account",
    )
    request_id = request_payment(call_api, payments_app, merchant, key="b1").json["payment_request_id"]
    # Wrong CVV (the accounts service decides)
    wrong = confirm(call_api, payments_app, cardholder, request_id, cvv="999")
    assert (wrong.status, wrong.json["code"]) == (422, "card_invalid")
    # More than available
    too_much = authorize(call_api, payments_app, cardholder, merchant, amount=100_001, key="b2")
    assert (too_much.status, too_much.json["code"]) == (422, "insufficient_funds")
    # A merchant charging its own card
    bank.cards[PAN].update(account_number=merchant.account, owner_id=merchant.user_id)
    own = confirm(call_api, payments_app, merchant, request_id)
    assert (own.status, own.json["code"]) == (422, "same_account")
    # A request that does not exist
    missing = confirm(call_api, payments_app, cardholder, "preq_" + "0" * 32)
    assert (missing.status, missing.json["code"]) == (404, "payment_request_not_found")
    assert helpers.balance(cardholder.account) == (100_000, 0, 100_000)
    assert helpers.count(Hold) == 0
    # And none of the refusals used the request up
    assert read_request(call_api, payments_app, merchant, request_id).json["state"] == "open"


def test_a_card_amount_over_the_single_limit_is_declined_recorded_and_closes_the_request(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any
) -> None:
    cardholder, merchant = parties
    request_id = request_payment(call_api, payments_app, merchant, amount=100_000_001).json[
        "payment_request_id"
    ]
    response = confirm(call_api, payments_app, cardholder, request_id)
    assert (response.status, response.json["code"]) == (422, "amount_limit_exceeded")
    assert Payment.get(response.json["payment_id"]).status == "declined"
    assert helpers.balance(cardholder.account) == (100_000, 0, 100_000)
    # The fraud rule's answer is the request's: declined, with the code, and it cannot be tried again
    seen = read_request(call_api, payments_app, merchant, request_id).json
    assert (seen["state"], seen["decline_code"], seen["authorization_id"]) == (
        "declined",
        "amount_limit_exceeded",
        None,
    )
    again = confirm(call_api, payments_app, cardholder, request_id)
    assert (again.status, again.json["code"]) == (409, "payment_request_closed")
    assert helpers.count(Hold) == 0


def test_a_customer_limit_declines_a_card_payment_in_its_transaction_and_closes_the_request(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any, env: Any
) -> None:
    # Given a customer daily limit of 50,000 kobo (each account's own limit far above it), 40,000 used
    env(CUSTOMER_DAILY_OUTGOING_LIMIT="50000")
    cardholder, merchant = parties
    assert authorize(call_api, payments_app, cardholder, merchant).status == 201
    # When a second card payment would take the customer over it
    request_id = request_payment(call_api, payments_app, merchant, amount=20_000, key="a2").json[
        "payment_request_id"
    ]
    response = confirm(call_api, payments_app, cardholder, request_id)
    # Then the counter's condition declines it in the hold's own transaction, and the request with it
    assert (response.status, response.json["code"]) == (422, "customer_daily_limit_exceeded")
    assert read_request(call_api, payments_app, merchant, request_id).json["state"] == "declined"
    assert helpers.balance(cardholder.account) == (100_000, 40_000, 60_000)
    assert helpers.count(Hold) == 1


def test_a_decline_racing_another_cardholders_authorization_leaves_the_merchant_able_to_capture(
    call_api: CallApi,
    payments_app: Any,
    *,
    parties: Any,
    open_account: Any,
    bank: Any,
    helpers: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a payment request whose link two cardholders hold
    cardholder, merchant = parties
    other = second_cardholder(open_account, bank)
    request_id = request_payment(call_api, payments_app, merchant, amount=20_000).json["payment_request_id"]
    from payments.domain import fraud
    from payments.domain.errors import VelocityLimitExceeded
    from payments.service import cards as card_service

    checked = fraud.check_amount

    def other_pays_first(amount: int, limits: Any) -> None:
        # While the first cardholder's attempt is on its way to being declined, the other one pays
        monkeypatch.setattr(card_service, "check_amount", checked)
        paid = confirm(call_api, payments_app, other, request_id, pan=OTHER_PAN)
        assert paid.status == 201, paid.json
        raise VelocityLimitExceeded()

    monkeypatch.setattr(card_service, "check_amount", other_pays_first)
    # When the first cardholder's decline lands after that
    late = confirm(call_api, payments_app, cardholder, request_id)
    # Then it is refused as a closed request, and no decline took the capture's payment id
    assert (late.status, late.json["code"]) == (409, "payment_request_closed")
    assert all(payment.status != "declined" for payment in Payment.scan())
    # And the merchant captures the other cardholder's hold
    hold_id = read_request(call_api, payments_app, merchant, request_id).json["authorization_id"]
    captured = act(call_api, payments_app, merchant, hold_id, "capture")
    assert (captured.status, captured.json["state"]) == (200, "captured"), captured.json
    assert helpers.balance(other.account)[0] == 80_000


# ------------------------------------------------------------------ payment requests
PREQ_ID = re.compile(r"^preq_[0-9a-f]{32}$")


def test_a_merchant_makes_a_payment_request_without_any_card_details(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any
) -> None:
    _, merchant = parties
    response = request_payment(call_api, payments_app, merchant, amount=12_345)
    assert response.status == 201, response.json
    body = response.json
    assert PREQ_ID.match(body["payment_request_id"])
    assert response.headers["location"] == f"/payment-requests/{body['payment_request_id']}"
    assert "idempotency-replayed" not in response.headers
    assert {k: body[k] for k in ("state", "amount", "merchant_account", "description")} == {
        "state": "open",
        "amount": 12_345,
        "merchant_account": merchant.account,
        "description": "groceries",
    }
    assert (body["authorization_id"], body["decline_code"]) == (None, None)
    created, expires = parse_iso(body["created_at"]), parse_iso(body["expires_at"])
    assert 15 * 60 - 1 <= (expires - created).total_seconds() <= 15 * 60
    # Nothing is held or moved by a request alone
    assert helpers.balance(merchant.account) == (100_000, 0, 100_000)
    assert helpers.count(Hold) == 0


def test_a_request_carrying_card_details_is_refused(
    call_api: CallApi, payments_app: Any, parties: Any
) -> None:
    _, merchant = parties
    response = request_payment(call_api, payments_app, merchant, pan=PAN, cvv="123")
    assert (response.status, response.json["code"]) == (400, "validation_failed")
    assert helpers_count_requests() == 0


def helpers_count_requests() -> int:
    return sum(1 for _ in PaymentRequest.scan())


def test_a_payment_request_is_idempotent_by_key(
    call_api: CallApi, payments_app: Any, parties: Any, open_account: Any
) -> None:
    _, merchant = parties
    first = request_payment(call_api, payments_app, merchant, key="same")
    # The same key and body: the same answer, marked as a replay
    again = request_payment(call_api, payments_app, merchant, key="same")
    assert (again.status, again.json, again.headers["idempotency-replayed"]) == (201, first.json, "true")
    # The same key with another body is refused
    other = request_payment(call_api, payments_app, merchant, key="same", amount=99_999)
    assert (other.status, other.json["code"]) == (422, "idempotency_key_reused")
    assert helpers_count_requests() == 1
    # Keys are the merchant's own: another merchant's same key makes another request
    shop = open_account()
    theirs = request_payment(call_api, payments_app, shop, key="same")
    assert theirs.status == 201 and theirs.json["payment_request_id"] != first.json["payment_request_id"]
    # And a request needs a key
    keyless = call_api(
        payments_app,
        "POST",
        "/payment-requests",
        body={"merchant_account": merchant.account, "amount": 1_000},
        principal=merchant.principal,
    )
    assert (keyless.status, keyless.json["code"]) == (400, "idempotency_key_missing")


def test_a_blocked_merchant_account_cannot_ask_for_payments(
    call_api: CallApi, payments_app: Any, parties: Any
) -> None:
    _, merchant = parties
    internal_call("set_state", account_number=merchant.account, state="blocked", reason="x")
    response = request_payment(call_api, payments_app, merchant)
    assert (response.status, response.json["code"]) == (422, "account_not_active")
    assert helpers_count_requests() == 0


def test_anyone_signed_in_reads_a_request_by_its_id(
    call_api: CallApi, payments_app: Any, parties: Any, open_account: Any, helpers: Any
) -> None:
    cardholder, merchant = parties
    made = request_payment(call_api, payments_app, merchant).json
    request_id = made["payment_request_id"]
    for who in (merchant, cardholder, open_account(), helpers.staff):
        seen = read_request(call_api, payments_app, who, request_id)
        assert (seen.status, seen.json) == (200, made)
    anonymous = call_api(
        payments_app, "GET", "/payment-requests/{request_id}", path_params={"request_id": request_id}
    )
    assert anonymous.status == 401
    missing = read_request(call_api, payments_app, merchant, "preq_" + "f" * 32)
    assert (missing.status, missing.json["code"]) == (404, "payment_request_not_found")


def test_only_the_cards_owner_can_confirm_with_it(
    *, call_api: CallApi, payments_app: Any, parties: Any, open_account: Any, helpers: Any, bank: Any
) -> None:
    cardholder, merchant = parties
    request_id = request_payment(call_api, payments_app, merchant).json["payment_request_id"]
    # When someone who knows every detail of the cardholder's card confirms with it
    thief = open_account()
    stolen = confirm(call_api, payments_app, thief, request_id)
    # Then the card is invalid for them (accounts was asked for the caller's own card), and nothing is held
    assert (stolen.status, stolen.json["code"]) == (422, "card_invalid")
    assert bank.calls[-1] == ("verify_card", {"pan": PAN, **DETAILS, "owner_id": thief.user_id})
    assert helpers.balance(cardholder.account) == (100_000, 0, 100_000)
    # And the request is still open for its real payer
    assert confirm(call_api, payments_app, cardholder, request_id).status == 201
    assert bank.calls[-1][1]["owner_id"] == cardholder.user_id


def test_a_confirmed_request_is_confirmed_once(
    *, call_api: CallApi, payments_app: Any, parties: Any, open_account: Any, helpers: Any, bank: Any
) -> None:
    cardholder, merchant = parties
    request_id = request_payment(call_api, payments_app, merchant).json["payment_request_id"]
    first = confirm(call_api, payments_app, cardholder, request_id)
    # The cardholder's retry gets the same hold and holds nothing more
    again = confirm(call_api, payments_app, cardholder, request_id)
    assert (again.status, again.json) == (201, first.json)
    assert helpers.balance(cardholder.account) == (100_000, 40_000, 60_000)
    # Someone else with a card of their own cannot pay it a second time
    other = second_cardholder(open_account, bank)
    second = confirm(call_api, payments_app, other, request_id, pan=OTHER_PAN)
    assert (second.status, second.json["code"]) == (409, "payment_request_closed")
    assert helpers.balance(other.account) == (100_000, 0, 100_000)
    assert helpers.count(Hold) == 1


def test_an_expired_request_cannot_be_confirmed(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any, bank: Any
) -> None:
    cardholder, merchant = parties
    request_id = request_payment(call_api, payments_app, merchant).json["payment_request_id"]
    # Given its 15 minutes ran out
    PaymentRequest(request_id).update(actions=[PaymentRequest.expires_at.set(int(now().timestamp()) - 1)])
    # Then it reads as expired and a confirmation is refused before the card is even checked
    assert read_request(call_api, payments_app, merchant, request_id).json["state"] == "expired"
    calls = len(bank.calls)
    response = confirm(call_api, payments_app, cardholder, request_id)
    assert (response.status, response.json["code"]) == (409, "payment_request_closed")
    assert len(bank.calls) == calls
    assert helpers.balance(cardholder.account) == (100_000, 0, 100_000)
    assert helpers.count(Hold) == 0


def test_a_request_that_expires_while_its_card_is_checked_holds_nothing(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any, bank: Any
) -> None:
    cardholder, merchant = parties
    request_id = request_payment(call_api, payments_app, merchant).json["payment_request_id"]
    real_invoke = bank.invoke

    def slow_accounts(function_name: str, action: str, payload: dict[str, Any]) -> Any:
        PaymentRequest(request_id).update(actions=[PaymentRequest.expires_at.set(int(now().timestamp()) - 1)])
        return real_invoke(function_name, action, payload)

    from core import internal

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(internal, "invoke", slow_accounts)
        response = confirm(call_api, payments_app, cardholder, request_id)
    # The request's own condition (open and not expired) is part of the hold's transaction
    assert (response.status, response.json["code"]) == (409, "payment_request_closed")
    assert helpers.balance(cardholder.account) == (100_000, 0, 100_000)
    assert helpers.count(Hold) == 0


# ------------------------------------------------------------------ a hold is guaranteed
def test_a_hold_is_captured_after_the_cardholders_account_was_blocked(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any
) -> None:
    cardholder, merchant = parties
    hold = authorize(call_api, payments_app, cardholder, merchant).json
    # Given the cardholder's account blocked after the authorization
    internal_call("set_state", account_number=cardholder.account, state="blocked", reason="lost card")
    # When the merchant captures
    response = act(call_api, payments_app, merchant, hold["authorization_id"], "capture")
    # Then the promised money moves all the same, and the account stays blocked
    assert (response.status, response.json["state"]) == (200, "captured")
    assert helpers.balance(cardholder.account) == (60_000, 0, 60_000)
    assert helpers.balance(merchant.account) == (140_000, 0, 140_000)
    assert Position.get(cardholder.account, consistent_read=True).state == "blocked"
    # But a blocked account makes no new authorization
    refused = authorize(call_api, payments_app, cardholder, merchant, amount=1_000, key="a2")
    assert (refused.status, refused.json["code"]) == (422, "account_not_active")


def test_a_capture_needs_the_merchants_account_active(
    call_api: CallApi, payments_app: Any, parties: Any, helpers: Any
) -> None:
    cardholder, merchant = parties
    hold = authorize(call_api, payments_app, cardholder, merchant).json
    internal_call("set_state", account_number=merchant.account, state="blocked", reason="review")
    response = act(call_api, payments_app, merchant, hold["authorization_id"], "capture")
    assert (response.status, response.json["code"]) == (422, "account_not_active")
    assert helpers.balance(cardholder.account) == (100_000, 40_000, 60_000)
    # The hold can still be voided: the cardholder gets the money back
    assert act(call_api, payments_app, merchant, hold["authorization_id"], "void").status == 200
    assert helpers.balance(cardholder.account) == (100_000, 0, 100_000)
