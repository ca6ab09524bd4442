"""GET /config: the bank's rules for clients, public, each value read from its one owner (loan terms from
accounts.domain.loans, account rules from accounts' settings, transfer limits and the welcome bonus from
payments' `rules` action, remembered for a minute by the warm function)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_args

import pytest

from accounts.clients import payments as payments_client
from accounts.domain import loans
from accounts.domain.states import AccountType
from accounts.settings import conf
from core.errors import ServiceUnavailable
from payments.settings import PaymentsSettings
from tests.unit.accounts.accounts_fakes import FakePayments

Get = Callable[..., Any]


@pytest.fixture
def get_config(bank: FakePayments, call_api: Callable[..., Any]) -> Get:
    """`get_config()` as a visitor (no token), or `get_config(principal=...)`."""
    from accounts.app import app

    return lambda **kw: call_api(app, "GET", "/config", **kw)


def test_the_rules_need_no_sign_in_and_come_from_their_owners(get_config: Get) -> None:
    # Given the bank as configured by default, when a visitor (no token) asks for its rules
    response = get_config()
    # Then every value is its owner's: payments' settings, the loan rules, accounts' settings
    assert response.status == 200, response.json
    payments_settings, accounts_settings = PaymentsSettings(), conf()
    assert response.json == {
        "transfers": {
            "min_amount": payments_settings.min_transfer_amount,
            "max_single_amount": payments_settings.max_single_amount,
            "daily_limit_per_account": payments_settings.daily_outgoing_limit,
            "daily_limit_per_customer": payments_settings.customer_daily_outgoing_limit,
        },
        "loans": {
            "terms_months": list(loans.TERMS),
            "rate_percent": loans.FLAT_RATE_PERCENT,
            "min_amount": loans.MIN_AMOUNT,
            "max_amount": loans.MAX_AMOUNT,
        },
        "accounts": {
            "max_open": accounts_settings.max_open_accounts,
            "types": [kind.value for kind in AccountType],
            "welcome_bonus": payments_settings.welcome_bonus,
        },
    }
    # The site's old constants are what the owners say today (₦50 minimum, flat 12%, ₦100 – ₦10,000,000)
    assert response.json["transfers"]["min_amount"] == 5_000
    assert (response.json["loans"]["rate_percent"], response.json["loans"]["terms_months"]) == (
        12,
        [1, 3, 6, 12, 24],
    )
    assert (response.json["loans"]["min_amount"], response.json["loans"]["max_amount"]) == (
        10_000,
        1_000_000_000,
    )


def test_a_changed_setting_shows_in_the_rules(get_config: Get, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given payments and accounts configured otherwise than by default (settings are read per process)
    monkeypatch.setenv("MIN_TRANSFER_AMOUNT", "7500")
    monkeypatch.setenv("WELCOME_BONUS", "0")
    monkeypatch.setenv("MAX_OPEN_ACCOUNTS", "3")
    from core.config import settings

    settings.cache_clear()
    # When the rules are asked for, then they are the settings the bank runs with
    rules = get_config().json
    assert rules["transfers"]["min_amount"] == 7_500
    assert rules["accounts"]["welcome_bonus"] == 0
    assert rules["accounts"]["max_open"] == 3
    # The four-eyes loan amount is a control of the bank's, never told to the public
    assert "four_eyes_amount" not in rules["loans"]


def test_a_signed_in_caller_and_one_who_must_change_the_password_get_them_too(get_config: Get) -> None:
    customer = {"sub": "u-ada", "role": "customer", "username": "ada"}
    pending = {"sub": "admin-1", "role": "admin", "username": "admin", "pcr": "true"}
    assert get_config(principal=customer).status == 200
    assert get_config(principal=pending).status == 200


def test_payments_is_asked_once_a_minute_at_most(
    bank: FakePayments, get_config: Get, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1_000.0]
    monkeypatch.setattr("accounts.clients.payments.time.monotonic", lambda: clock[0])
    # Given the rules asked for twice within a minute: payments was asked once
    get_config()
    clock[0] += payments_client.RULES_MAX_AGE_SECONDS - 1
    get_config()
    assert [action for action, _ in bank.calls] == ["rules"]
    # When the minute has passed, the next request asks payments again
    clock[0] += 1
    get_config()
    assert [action for action, _ in bank.calls] == ["rules", "rules"]


def test_payments_unavailable_is_a_503_problem_and_is_not_remembered(
    bank: FakePayments, get_config: Get
) -> None:
    bank.fail_next["rules"] = ServiceUnavailable()
    refused = get_config()
    assert (refused.status, refused.json["code"]) == (503, "service_unavailable")
    assert refused.headers["content-type"] == "application/problem+json"
    # The next request asks payments again and answers
    assert get_config().status == 200
    assert [action for action, _ in bank.calls] == ["rules", "rules"]


def test_the_request_and_view_models_name_the_account_types_of_the_domain() -> None:
    # The models spell the types as a Literal (the API document's plain enum); they must be AccountType's.
    from accounts.models import AccountView, OpenAccount

    types = tuple(kind.value for kind in AccountType)
    assert get_args(OpenAccount.model_fields["type"].annotation) == types
    assert get_args(AccountView.model_fields["type"].annotation) == types
