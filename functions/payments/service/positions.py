"""Positions for the accounts service, linked movements for internal callers, and the bank's books."""

from __future__ import annotations

from core import errors as shared
from core.clock import now
from core.contracts import BankTotals, PinUnlocked
from core.errors import IdempotencyKeyReused
from core.events import BankAccount, Leg, MovementKind
from core.observability import MetricUnit, metrics
from payments.domain import errors
from payments.domain import pins as pin_rules
from payments.domain.movement import MAY_GO_NEGATIVE, Line, lowest_balance, validate_legs
from payments.domain.rules import PositionState, check_state_change, closure_payout_id, welcome_bonus_id
from payments.models import (
    AccountPayload,
    BalancesPayload,
    BalanceView,
    Bootstrapped,
    ClosePayload,
    ListPositionsPayload,
    LowestBalancesPayload,
    MovePayload,
    OpenPositionPayload,
    PaymentView,
    PositionBalance,
    PositionOwner,
    PositionsPage,
    PositionView,
    SetStatePayload,
)
from payments.service.views import balance_view, payment_view, position_view
from payments.settings import conf
from payments.store import engine, items, keys, pins, repository
from payments.store.models import Position

OPENING_PAYMENT_ID = "opening"


def open_position(payload: OpenPositionPayload) -> PositionView:
    """The position (active, with its PIN) and, for the customer's first account only, the welcome
    bonus from the pool, in one transaction. The bonus payment's id is the customer's
    (`welcome_bonus_id`), so a second account's bonus fails that put and the account opens without one.
    Idempotent: a retried opening finds its position and sets the PIN the customer chose this time."""
    account, owner = payload.account_number, payload.owner_id
    new = items.NewPosition(owner_id=owner, pin_hash=pin_rules.hash_pin(keys.pin_key(), account, payload.pin))
    if not _create_position(account, new):
        position = repository.position(account)
        if position is None or position.owner_id != owner:
            raise errors.AccountExists(f"Account {account} belongs to someone else")
        pins.set_pin(account, owner, str(new.pin_hash))
    position = repository.position(account)
    assert position is not None
    return position_view(position)


def _create_position(account: str, new: items.NewPosition) -> bool:
    """True when this call created the position (with the bonus when it is the customer's first)."""
    at = now()
    amount = conf().welcome_bonus
    try:
        if amount:
            try:
                return engine.move(
                    items.Movement(
                        payment_id=welcome_bonus_id(new.owner_id),
                        kind=MovementKind.WELCOME_BONUS,
                        legs=(Leg(from_account=BankAccount.POOL.value, to_account=account, amount=amount),),
                        at=at,
                        description="Welcome bonus",
                        initiated_by="accounts",
                        new_positions={account: new},
                    )
                ).committed
            except IdempotencyKeyReused:
                pass  # the customer's bonus went to an earlier account: this one opens without it
        engine.commit([items.position_put(account, new, 0, at)])
    except errors.AccountExists:
        return False
    return True


def set_state(payload: SetStatePayload) -> PositionView:
    current = repository.position(payload.account_number)
    if current is None:
        raise shared.AccountNotFound()
    wanted = PositionState(payload.state)
    check_state_change(PositionState(current.state), wanted, int(current.ledger_balance), int(current.held))
    return position_view(repository.set_state(payload.account_number, wanted, payload.reason, now()))


def unlock_pin(payload: AccountPayload) -> PinUnlocked:
    if not pins.unlock(payload.account_number):
        raise shared.AccountNotFound()
    return PinUnlocked(account_number=payload.account_number, pin_locked=False)


def close_with_payout(payload: ClosePayload) -> PositionView:
    """Close an account, paying its balance out to the owner first (it leaves the bank as cash), in one
    transaction conditioned on exactly the balance the four eyes approved (accounts) and on no holds:
    any other balance fails it (`balance_changed`) rather than being paid out unseen."""
    account = payload.account_number
    current = repository.position(account)
    if current is None:
        raise shared.AccountNotFound()
    check_state_change(PositionState(current.state), PositionState.CLOSED, 0, int(current.held))
    balance = int(current.ledger_balance)
    if balance != payload.balance and not _paid_out(current, payload.balance):
        raise shared.BalanceChanged(f"The balance is {balance}, not the {payload.balance} approved")
    if balance <= 0:
        return set_state(SetStatePayload(account_number=account, state="closed", reason=payload.reason))
    at = now()
    engine.move(
        items.Movement(
            payment_id=closure_payout_id(account),
            kind=MovementKind.CLOSURE_PAYOUT,
            legs=(Leg(from_account=account, to_account=BankAccount.CASH.value, amount=balance),),
            at=at,
            description=payload.reason,
            initiated_by=payload.initiated_by,
            custom_positions={account: items.closing_update(account, balance, payload.reason, at)},
        )
    )
    closed = repository.position(account)
    assert closed is not None
    return position_view(closed)


def _paid_out(position: Position, amount: int) -> bool:
    """A retried closure: the position is closed and its payout of exactly this amount left once."""
    if position.state != PositionState.CLOSED.value:
        return False
    payout = repository.payment(closure_payout_id(str(position.account)))
    return payout is not None and int(payout.amount) == amount


def lowest_balances(payload: LowestBalancesPayload) -> dict[str, int]:
    """Each account's lowest ledger balance in [start, end) (savings interest is paid on it)."""
    found = repository.positions(payload.account_numbers)
    return {
        number: lowest_balance(
            int(position.ledger_balance),
            (
                Line(
                    entry.created_at, int(entry.amount) if entry.direction == "credit" else -int(entry.amount)
                )
                for entry in repository.completed_lines_since(number, payload.start)
            ),
            payload.start,
            payload.end,
        )
        for number, position in found.items()
    }


def balances(payload: BalancesPayload) -> dict[str, BalanceView]:
    found = repository.positions(payload.account_numbers)
    return {number: balance_view(position) for number, position in found.items()}


def move(payload: MovePayload) -> PaymentView:
    validate_legs(payload.legs)
    moved = engine.move(
        items.Movement(
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
    return payment_view(moved.payment)


def bank_totals() -> BankTotals:
    """Every balance sums to zero, so customer deposits are minus the bank's own balances: four reads
    instead of a scan, exact at any moment."""
    bank = repository.positions(account.value for account in BankAccount)

    def balance(account: BankAccount) -> int:
        position = bank.get(account.value)
        return int(position.ledger_balance) if position else 0

    own = sum(balance(account) for account in BankAccount)
    return BankTotals(
        pool_balance=balance(BankAccount.POOL),
        customer_deposits=-own,
        # Assets run negative under credit-minus-debit; report what customers owe as a positive number.
        loans_receivable=-balance(BankAccount.LOANS_RECEIVABLE),
        interest_income=balance(BankAccount.INTEREST_INCOME),
    )


def get_position(payload: AccountPayload) -> PositionOwner:
    """Owner and state of one position (the ledger checks who may read a statement)."""
    position = repository.position(payload.account_number)
    if position is None or position.kind != "customer":
        raise shared.AccountNotFound()
    return PositionOwner(account_number=position.account, owner_id=position.owner_id, state=position.state)


def list_positions(payload: ListPositionsPayload) -> PositionsPage:
    found, cursor = repository.list_positions(payload.cursor, payload.limit)
    return PositionsPage(
        items=[
            PositionBalance(account=position.account, **balance_view(position).model_dump())
            for position in found
        ],
        next_cursor=cursor,
    )


def bootstrap() -> Bootstrapped:
    """The bank's own positions and the pool's opening capital (cash → pool), exactly once."""
    at = now()
    created = []
    for account in BankAccount:
        new = items.NewPosition(owner_id="bank", kind="bank", allow_negative=account.value in MAY_GO_NEGATIVE)
        try:
            engine.commit([items.position_put(account.value, new, 0, at)])
            created.append(account.value)
        except errors.AccountExists:
            continue
    opening = engine.move(
        items.Movement(
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
    return Bootstrapped(created_positions=created, opening=payment_view(opening.payment))
