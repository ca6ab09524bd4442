"""Positions for the accounts service, linked movements for internal callers, and the bank's books."""

from __future__ import annotations

from typing import Any

from core.clock import now
from core.events import BankAccount, Leg, MovementKind
from core.observability import MetricUnit, metrics
from payments.config import conf
from payments.domain import errors
from payments.domain.movement import MAY_GO_NEGATIVE, validate_legs
from payments.domain.rules import PositionState, check_state_change
from payments.models import (
    BalancesPayload,
    ListPositionsPayload,
    MovePayload,
    OpenPositionPayload,
    SetStatePayload,
)
from payments.service.views import balance_view, payment_view, position_view
from payments.store import engine, repository

OPENING_PAYMENT_ID = "opening"


def open_position(payload: OpenPositionPayload) -> dict[str, Any]:
    """The position (active) and its welcome bonus from the pool, in one transaction; idempotent."""
    bonus = payload.welcome_bonus
    amount = (conf().welcome_bonus if bonus else 0) if isinstance(bonus, bool) else bonus
    account = payload.account_number
    new = engine.NewPosition(owner_id=payload.owner_id)
    at = now()
    try:
        if amount:
            engine.move(
                engine.Movement(
                    payment_id=f"bonus:{account}",
                    kind=MovementKind.WELCOME_BONUS,
                    legs=(Leg(from_account=BankAccount.POOL.value, to_account=account, amount=amount),),
                    at=at,
                    description="Welcome bonus",
                    initiated_by="accounts",
                    new_positions={account: new},
                )
            )
        else:
            engine.commit([engine.position_put(account, new, 0, at)])
    except errors.AccountExists:
        pass  # opened before: answer the existing position if it is the same owner's
    position = repository.position(account)
    if position is None or position.owner_id != payload.owner_id:
        raise errors.AccountExists(f"Account {account} belongs to someone else")
    return position_view(position)


def set_state(payload: SetStatePayload) -> dict[str, Any]:
    current = repository.position(payload.account_number)
    if current is None:
        raise errors.AccountNotFound()
    wanted = PositionState(payload.state)
    check_state_change(PositionState(current.state), wanted, int(current.ledger_balance), int(current.held))
    return position_view(repository.set_state(payload.account_number, wanted, payload.reason, now()))


def balances(payload: BalancesPayload) -> dict[str, Any]:
    found = repository.positions(payload.account_numbers)
    return {number: balance_view(position) for number, position in found.items()}


def move(payload: MovePayload) -> dict[str, Any]:
    validate_legs(payload.legs)
    payment = engine.move(
        engine.Movement(
            payment_id=payload.payment_id,
            kind=payload.kind,
            legs=tuple(payload.legs),
            at=now(),
            description=payload.description,
            correlation_id=payload.correlation_id,
            initiated_by="internal",
            reverses=payload.reverses,
        )
    )
    metrics.add_metric(name="movements", unit=MetricUnit.Count, value=1)
    return payment_view(payment)


def bank_totals() -> dict[str, Any]:
    """Every balance sums to zero, so customer deposits are minus the bank's own balances: four reads
    instead of a scan, exact at any moment."""
    bank = repository.positions(account.value for account in BankAccount)

    def balance(account: BankAccount) -> int:
        position = bank.get(account.value)
        return int(position.ledger_balance) if position else 0

    own = sum(balance(account) for account in BankAccount)
    return {
        "pool_balance": balance(BankAccount.POOL),
        "customer_deposits": -own,
        # Assets run negative under credit-minus-debit; report what customers owe as a positive number.
        "loans_receivable": -balance(BankAccount.LOANS_RECEIVABLE),
        "interest_income": balance(BankAccount.INTEREST_INCOME),
    }


def list_positions(payload: ListPositionsPayload) -> dict[str, Any]:
    items, cursor = repository.list_positions(payload.cursor, payload.limit)
    return {
        "items": [
            {
                "account": item.account,
                "ledger_balance": int(item.ledger_balance),
                "available_balance": int(item.available),
                "state": item.state,
            }
            for item in items
        ],
        "next_cursor": cursor,
    }


def bootstrap() -> dict[str, Any]:
    """The bank's own positions and the pool's opening capital (cash → pool), exactly once."""
    at = now()
    created = []
    for account in BankAccount:
        new = engine.NewPosition(
            owner_id="bank", kind="bank", allow_negative=account.value in MAY_GO_NEGATIVE
        )
        try:
            engine.commit([engine.position_put(account.value, new, 0, at)])
            created.append(account.value)
        except errors.AccountExists:
            continue
    payment = engine.move(
        engine.Movement(
            payment_id=OPENING_PAYMENT_ID,
            kind=MovementKind.OPENING,
            legs=(
                Leg(
                    from_account=BankAccount.CASH.value,
                    to_account=BankAccount.POOL.value,
                    amount=conf().opening_capital,
                ),
            ),
            at=at,
            description="Opening capital",
            initiated_by="bootstrap",
        )
    )
    return {"created_positions": created, "opening": payment_view(payment)}
