"""The internal `rules` action: payments' own limits and welcome bonus, read-only, for accounts' GET /config."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from core.config import settings
from payments.entrypoints import internal
from payments.settings import conf
from tests.unit.conftest import FakeContext


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    settings.cache_clear()
    yield
    settings.cache_clear()


def call(action: str, payload: dict[str, Any]) -> dict[str, Any]:
    return internal.handler({"action": action, "payload": payload}, FakeContext())


def test_rules_are_the_settings_payments_enforces() -> None:
    answer = call("rules", {})
    settings_now = conf()
    assert answer == {
        "result": {
            "transfers": {
                "min_amount": settings_now.min_transfer_amount,
                "max_single_amount": settings_now.max_single_amount,
                "daily_limit_per_account": settings_now.daily_outgoing_limit,
                "daily_limit_per_customer": settings_now.customer_daily_outgoing_limit,
            },
            "welcome_bonus": settings_now.welcome_bonus,
        }
    }
    # Today's defaults: ₦50 minimum and the ₦1,000 welcome bonus
    assert (answer["result"]["transfers"]["min_amount"], answer["result"]["welcome_bonus"]) == (
        5_000,
        100_000,
    )


def test_rules_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIN_TRANSFER_AMOUNT", "7500")
    monkeypatch.setenv("MAX_SINGLE_AMOUNT", "900000")
    monkeypatch.setenv("DAILY_OUTGOING_LIMIT", "800000")
    monkeypatch.setenv("CUSTOMER_DAILY_OUTGOING_LIMIT", "1600000")
    monkeypatch.setenv("WELCOME_BONUS", "0")
    assert call("rules", {})["result"] == {
        "transfers": {
            "min_amount": 7_500,
            "max_single_amount": 900_000,
            "daily_limit_per_account": 800_000,
            "daily_limit_per_customer": 1_600_000,
        },
        "welcome_bonus": 0,
    }


def test_rules_take_no_payload() -> None:
    assert call("rules", {"anything": 1})["error"]["code"] == "validation_failed"
