"""Transfers between customer accounts: make one (idempotent, PIN-checked) and read one."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from core import errors as shared
from core.http import BankBlueprint, model_response
from payments.domain import errors as e
from payments.models import PaymentView, TransferRequest
from payments.routes.common import (
    MOVEMENT_DECLINES,
    caller,
    counted_failures,
    idempotency_key,
    stored_response,
)
from payments.service import history, transfers

bp = BankBlueprint(__name__)


@bp.route(
    "/transfers",
    methods=["POST"],
    request=TransferRequest,
    response=PaymentView,
    status=201,
    roles=["customer"],
    idempotent=True,
    errors=[
        shared.AccountNotFound,
        e.SameAccount,
        e.AmountBelowMinimum,
        *MOVEMENT_DECLINES,
        e.PinInvalid,
        e.PinLocked,
        e.PinBusy,
    ],
)
def create_transfer() -> Response:
    who = caller(bp)
    request = bp.body(TransferRequest)
    key = idempotency_key(bp)
    with counted_failures():
        result = transfers.create_transfer(who, request, key)
    return stored_response(result, lambda payment: f"/transfers/{payment.payment_id}")


@bp.route("/transfers/{transfer_id}", methods=["GET"], response=PaymentView, errors=[shared.TransferNotFound])
def get_transfer(transfer_id: str) -> Response:
    return model_response(history.get_transfer(caller(bp), transfer_id))
