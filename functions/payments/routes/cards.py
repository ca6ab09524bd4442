"""Card payments: a merchant's payment request, the cardholder's authorization (a hold), and the
merchant's capture or void of it."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from core import errors as shared
from core.http import BankBlueprint, model_response
from payments.domain import errors as e
from payments.models import (
    CaptureRequest,
    CardAuthorizationRequest,
    CardAuthorizationView,
    PaymentRequestCreate,
    PaymentRequestView,
)
from payments.routes.common import (
    MOVEMENT_DECLINES,
    caller,
    counted_failures,
    idempotency_key,
    stored_response,
)
from payments.service import cards

bp = BankBlueprint(__name__)


@bp.route(
    "/payment-requests",
    methods=["POST"],
    request=PaymentRequestCreate,
    response=PaymentRequestView,
    status=201,
    roles=["customer"],
    idempotent=True,
    errors=[shared.AccountNotFound, shared.AccountNotActive],
)
def create_payment_request() -> Response:
    """A merchant asks for a card payment; the buyer confirms it on the bank's site (`#/pay/<id>`)."""
    who = caller(bp)
    request = bp.body(PaymentRequestCreate)
    result = cards.request_payment(who, request, idempotency_key(bp))
    return stored_response(result, lambda made: f"/payment-requests/{made.payment_request_id}")


@bp.route(
    "/payment-requests/{request_id}",
    methods=["GET"],
    response=PaymentRequestView,
    errors=[e.PaymentRequestNotFound],
)
def get_payment_request(request_id: str) -> Response:
    """A payment request, for its merchant and for the buyer who confirms it (the id is the capability)."""
    bp.principal()
    return model_response(cards.get_request(request_id))


@bp.route(
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
        *MOVEMENT_DECLINES,
        shared.CardInvalid,
        shared.CardBlocked,
        shared.CardBusy,
        shared.CardExpired,
    ],
)
def authorize_card() -> Response:
    """The cardholder confirms a payment request with their card and PIN: the hold is placed."""
    who = caller(bp)
    request = bp.body(CardAuthorizationRequest)
    with counted_failures():
        result = cards.authorize(who, request)
    return stored_response(result, lambda hold: f"/card-authorizations/{hold.authorization_id}")


@bp.route(
    "/card-authorizations/{authorization_id}",
    methods=["GET"],
    response=CardAuthorizationView,
    errors=[e.HoldNotFound],
)
def get_card_authorization(authorization_id: str) -> Response:
    return model_response(cards.get(caller(bp), authorization_id))


@bp.route(
    "/card-authorizations/{authorization_id}/capture",
    methods=["POST"],
    request=CaptureRequest,
    response=CardAuthorizationView,
    errors=[e.HoldNotFound, e.HoldNotPending, e.HoldExpired, e.CaptureExceedsHold, shared.AccountNotActive],
)
def capture_card_authorization(authorization_id: str) -> Response:
    who = caller(bp)
    request = bp.body(CaptureRequest)
    with counted_failures():
        return model_response(cards.capture(who, authorization_id, request.amount))


@bp.route(
    "/card-authorizations/{authorization_id}/void",
    methods=["POST"],
    response=CardAuthorizationView,
    errors=[e.HoldNotFound, e.HoldNotPending],
)
def void_card_authorization(authorization_id: str) -> Response:
    who = caller(bp)
    with counted_failures():
        return model_response(cards.void(who, authorization_id))
