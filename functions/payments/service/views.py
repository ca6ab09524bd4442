"""What clients and callers see of positions, payments, history lines and holds: the response models,
built from the stored items. Where an item's names are the contract's (payments, history lines) the
model reads them (`from_attributes`); elsewhere the contract renames or derives a field, said here."""

from __future__ import annotations

from datetime import UTC, datetime

from core.clock import iso
from payments.domain.rules import request_state
from payments.models import (
    BalanceView,
    CardAuthorizationView,
    HistoryLine,
    PaymentRequestView,
    PaymentView,
    PositionView,
    StaffHistoryLine,
)
from payments.store.models import Entry, Hold, Payment, PaymentRequest, Position


def position_view(position: Position) -> PositionView:
    return PositionView(
        account_number=position.account,
        owner_id=position.owner_id,
        ledger_balance=int(position.ledger_balance),
        available_balance=int(position.available),
        held=int(position.held),
        state=position.state,
        kind=position.kind,
    )


def balance_view(position: Position) -> BalanceView:
    return BalanceView(
        ledger_balance=int(position.ledger_balance),
        available_balance=int(position.available),
        state=position.state,
    )


def payment_view(payment: Payment) -> PaymentView:
    return PaymentView.model_validate(payment, from_attributes=True)


def entry_view(entry: Entry) -> HistoryLine:
    return HistoryLine.model_validate(entry, from_attributes=True)


def staff_entry_view(entry: Entry) -> StaffHistoryLine:
    return StaffHistoryLine.model_validate(entry, from_attributes=True)


def _moment(epoch: float) -> str:
    return iso(datetime.fromtimestamp(int(epoch), UTC))


def hold_view(hold: Hold) -> CardAuthorizationView:
    return CardAuthorizationView(
        authorization_id=hold.hold_id,
        state=hold.state,
        amount=int(hold.amount),
        captured_amount=int(hold.captured_amount or 0),
        merchant_account=hold.merchant_account,
        description=hold.description or "",
        payment_id=hold.payment_id,
        expires_at=_moment(hold.expires_at),
        created_at=hold.created_at,
    )


def request_view(request: PaymentRequest, at: datetime) -> PaymentRequestView:
    return PaymentRequestView(
        payment_request_id=request.request_id,
        state=request_state(request.state, int(request.expires_at), at).value,
        amount=int(request.amount),
        merchant_account=request.merchant_account,
        description=request.description or "",
        authorization_id=request.authorization_id,
        decline_code=request.decline_code,
        expires_at=_moment(request.expires_at),
        created_at=request.created_at,
    )
