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
    PaymentView,
    ReversalRequest,
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
        e.PinInvalid,
        e.PinLocked,
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
    "/card-authorizations",
    methods=["POST"],
    request=CardAuthorizationRequest,
    response=CardAuthorizationView,
    status=201,
    roles=["customer"],
    idempotent=True,
    errors=[
        e.AccountNotFound,
        e.SameAccount,
        e.InsufficientFunds,
        e.AccountNotActive,
        e.BankAccountNotAllowed,
        e.AmountLimitExceeded,
        e.VelocityLimitExceeded,
        e.DailyLimitExceeded,
        e.CardInvalid,
        e.CardBlocked,
        e.CardExpired,
        e.PinInvalid,
        e.PinLocked,
    ],
)
def authorize_card() -> Response:
    who = caller()
    request = app.body(CardAuthorizationRequest)
    key = idempotency_key()
    with counted_failures():
        result = cards.authorize(who, request, key)
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
    "/staff/transfers/{transfer_id}/reversal",
    methods=["POST"],
    request=ReversalRequest,
    response=PaymentView,
    status=201,
    roles=["staff"],
    errors=[e.TransferNotFound, e.NotReversible, e.AlreadyReversed, e.InsufficientFunds],
)
def reverse_transfer(transfer_id: str) -> Response:
    who = caller()
    request = app.body(ReversalRequest)
    with counted_failures():
        return json_response(history.reverse(who, transfer_id, request.reason), 201)


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
