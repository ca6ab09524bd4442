"""Payments unit-test plumbing: moto tables, the bank bootstrapped, and a fake accounts service."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from core import aws
from core.clock import now
from core.config import settings
from core.errors import ErrorKind, error_class

TABLE_ENV = {
    "POSITIONS_TABLE": "payments-positions",
    "PAYMENTS_TABLE": "payments-payments",
    "ENTRIES_TABLE": "payments-entries",
    "HOLDS_TABLE": "payments-holds",
    "PAYMENT_REQUESTS_TABLE": "payments-requests",
    "COUNTERS_TABLE": "payments-counters",
    "OUTBOX_TABLE": "payments-outbox",
    "ACCOUNTS_INTERNAL_FUNCTION": "accounts-internal",
}

CardInvalid = error_class("card_invalid", ErrorKind.UNPROCESSABLE, "The card details are wrong")
PIN_KEY = b"k" * 32
PREFIX = "arhan-test"


@dataclass
class FakeAccounts:
    """The accounts service's internal contract, in memory: verify_card (the caller's own card only)."""

    cards: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def invoke(self, function_name: str, action: str, payload: dict[str, Any]) -> Any:
        assert function_name == "accounts-internal"
        self.calls.append((action, payload))
        if action == "verify_card":
            card = self.cards.get(payload["pan"])
            wanted = (card or {}).get("details")
            given = {k: payload[k] for k in ("expiry_month", "expiry_year", "cvv", "pin")}
            if card is None or wanted != given or card.get("owner_id") != payload["owner_id"]:
                raise CardInvalid()
            return {"card_id": card["card_id"], "account_number": card["account_number"]}
        raise AssertionError(f"unexpected action {action}")


def _clear_caches() -> None:
    from core import secrets

    settings.cache_clear()
    aws.forget_clients()
    secrets.forget()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Table names and accounts function; `env(VELOCITY_PER_MINUTE="2")` changes settings in a test."""
    for name, value in TABLE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SECRET_PREFIX", PREFIX)
    _clear_caches()

    def change(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        settings.cache_clear()

    yield change
    _clear_caches()


@pytest.fixture
def fake_accounts(monkeypatch: pytest.MonkeyPatch) -> FakeAccounts:
    from core import internal

    fake = FakeAccounts()
    monkeypatch.setattr(internal, "invoke", fake.invoke)
    return fake


@pytest.fixture
def bank(aws: None, env: Callable[..., None], fake_accounts: FakeAccounts) -> FakeAccounts:
    """Every payments table created in moto and the bank's positions bootstrapped."""
    import boto3

    from payments.service import positions
    from payments.store.models import create_all

    create_all()
    boto3.client("secretsmanager").create_secret(
        Name=f"{PREFIX}/payments/pin-key",
        SecretString=json.dumps({"key": base64.b64encode(PIN_KEY).decode()}),
    )
    positions.bootstrap()
    return fake_accounts


@dataclass
class Customer:
    user_id: str
    account: str
    pin: str

    @property
    def principal(self) -> dict[str, str]:
        return {"sub": self.user_id, "role": "customer", "username": self.user_id}


STAFF = {"sub": "staff-1", "role": "staff", "username": "staff1"}


@pytest.fixture
def open_account(bank: FakeAccounts) -> Callable[..., Customer]:
    """Open a customer account (welcome bonus 100,000 kobo) plus `top_up` kobo from the pool."""
    from core.events import Leg, MovementKind
    from payments.models import MovePayload, OpenPositionPayload
    from payments.service import positions

    counter = iter(range(1, 10_000))

    def make(user_id: str | None = None, top_up: int = 0, pin: str = "1234") -> Customer:
        n = next(counter)
        account = f"{1000000000 + n * 7919:010d}"
        user = user_id or f"user-{n}"
        positions.open_position(OpenPositionPayload(account_number=account, owner_id=user, pin=pin))
        if top_up:
            positions.move(
                MovePayload(
                    payment_id=f"topup-{account}",
                    kind=MovementKind.INTEREST,
                    legs=[Leg(from_account="bank:pool", to_account=account, amount=top_up)],
                )
            )
        return Customer(user_id=user, account=account, pin=pin)

    return make


@pytest.fixture
def payments_app() -> Any:
    from payments.app import app

    return app


def balance(account: str) -> tuple[int, int, int]:
    """(ledger, held, available) of a position."""
    from payments.store.models import Position

    item = Position.get(account, consistent_read=True)
    return int(item.ledger_balance), int(item.held), int(item.available)


def count(model: Any) -> int:
    return sum(1 for _ in model.scan())


@pytest.fixture
def helpers() -> Any:
    class Helpers:
        balance = staticmethod(balance)
        count = staticmethod(count)
        staff = STAFF

    return Helpers


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """`clock(seconds)` moves the transfers' clock that far from the real now."""
    from payments.service import transfers

    start = now()

    def move_to(seconds: float) -> None:
        monkeypatch.setattr(transfers, "now", lambda: start + timedelta(seconds=seconds))

    move_to(0)
    return move_to
