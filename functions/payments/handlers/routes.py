"""HTTP routes of the payments service: parse, call one service function, respond. A route's declared
`roles` are enforced by `BankApp.route` before the view runs; ownership is the service's to check."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from core.apidoc import PAGE
from core.http import json_response
from core.pagination import parse_limit
from payments.domain import errors as e
from payments.handlers.api import app, caller, counted_failures, idempotency_key, stored_response
from payments.models import (
    CaptureRequest,
    CardAuthorizationRequest,
    CardAuthorizationView,
    HistoryPage,
    PaymentRequestCreate,
    PaymentRequestView,
    PaymentView,
    StaffPaymentsPage,
    TransferRequest,
)
from payments.service import cards, history, transfers


@app.route(
    "/transfers",
    methods=["POST"],
    request=TransferRequest,
    response=PaymentView,
    status=201,
    roles=["customer"],
    idempotent=True,
    errors=[
        e.AccountNotFound,
        e.SameAccount,
        e.AmountBelowMinimum,
        e.InsufficientFunds,
        e.AccountNotActive,
        e.AmountLimitExceeded,
        e.VelocityLimitExceeded,
        e.DailyLimitExceeded,
        e.CustomerVelocityLimitExceeded,
        e.CustomerDailyLimitExceeded,
        e.PinInvalid,
        e.PinLocked,
        e.PinBusy,
    ],
)
def create_transfer() -> Response:
    who = caller()
    request = app.body(TransferRequest)
    key = idempotency_key()
    with counted_failures():
        result = transfers.create_transfer(who, request, key)
    return stored_response(result, f"/transfers/{result['body'].get('payment_id')}")


@app.route("/transfers/{transfer_id}", methods=["GET"], response=PaymentView, errors=[e.TransferNotFound])
def get_transfer(transfer_id: str) -> Response:
    return json_response(history.get_transfer(caller(), transfer_id))


@app.route(
    "/accounts/{number}/transactions",
    methods=["GET"],
    response=HistoryPage,
    query=PAGE,
    errors=[e.AccountNotFound],
)
def account_transactions(number: str) -> Response:
    limit = parse_limit(app.query("limit"))
    return json_response(history.account_history(caller(), number, app.query("cursor"), limit))


@app.route(
    "/payment-requests",
    methods=["POST"],
    request=PaymentRequestCreate,
    response=PaymentRequestView,
    status=201,
    roles=["customer"],
    idempotent=True,
    errors=[e.AccountNotFound, e.AccountNotActive],
)
def create_payment_request() -> Response:
    """A merchant asks for a card payment; the buyer confirms it on the bank's site (`#/pay/<id>`)."""
    who = caller()
    request = app.body(PaymentRequestCreate)
    result = cards.request_payment(who, request, idempotency_key())
    return stored_response(result, f"/payment-requests/{result['body']['payment_request_id']}")


@app.route(
    "/payment-requests/{request_id}",
    methods=["GET"],
    response=PaymentRequestView,
    errors=[e.PaymentRequestNotFound],
)
def get_payment_request(request_id: str) -> Response:
    """A payment request, for its merchant and for the buyer who confirms it (the id is the capability)."""
    app.principal()
    return json_response(cards.get_request(request_id))


@app.route(
    "/card-authorizations",
    methods=["POST"],
    request=CardAuthorizationRequest,
    response=CardAuthorizationView,
    status=201,
    roles=["customer"],
    errors=[
        e.PaymentRequestNotFound,
        e.PaymentRequestClosed,
        e.SameAccount,
        e.InsufficientFunds,
        e.AccountNotActive,
        e.AmountLimitExceeded,
        e.VelocityLimitExceeded,
        e.DailyLimitExceeded,
        e.CustomerVelocityLimitExceeded,
        e.CustomerDailyLimitExceeded,
        e.CardInvalid,
        e.CardBlocked,
        e.CardBusy,
        e.CardExpired,
    ],
)
def authorize_card() -> Response:
    """The cardholder confirms a payment request with their card and PIN: the hold is placed."""
    who = caller()
    request = app.body(CardAuthorizationRequest)
    with counted_failures():
        result = cards.authorize(who, request)
    return stored_response(result, f"/card-authorizations/{result['body'].get('authorization_id')}")


@app.route(
    "/card-authorizations/{authorization_id}",
    methods=["GET"],
    response=CardAuthorizationView,
    errors=[e.HoldNotFound],
)
def get_card_authorization(authorization_id: str) -> Response:
    return json_response(cards.get(caller(), authorization_id))


@app.route(
    "/card-authorizations/{authorization_id}/capture",
    methods=["POST"],
    request=CaptureRequest,
    response=CardAuthorizationView,
    errors=[e.HoldNotFound, e.HoldNotPending, e.HoldExpired, e.CaptureExceedsHold, e.AccountNotActive],
)
def capture_card_authorization(authorization_id: str) -> Response:
    who = caller()
    request = app.body(CaptureRequest)
    with counted_failures():
        return json_response(cards.capture(who, authorization_id, request.amount))


@app.route(
    "/card-authorizations/{authorization_id}/void",
    methods=["POST"],
    response=CardAuthorizationView,
    errors=[e.HoldNotFound, e.HoldNotPending],
)
def void_card_authorization(authorization_id: str) -> Response:
    who = caller()
    with counted_failures():
        return json_response(cards.void(who, authorization_id))


@app.route(
    "/staff/transfers",
    methods=["GET"],
    response=StaffPaymentsPage,
    roles=["staff"],
    query={
        **PAGE,
        "account": {"type": "string", "description": "one account's history instead of a day's payments"},
        "date": {"type": "string", "format": "date", "description": "YYYY-MM-DD (default: today, UTC)"},
    },
)
def staff_transfers() -> Response:
    limit = parse_limit(app.query("limit"))
    return json_response(
        history.staff_search(app.query("account"), app.query("date"), app.query("cursor"), limit)
    )
