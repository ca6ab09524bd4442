"""Accounts unit-test fixtures: moto tables and secrets, the fake payments function, API callers."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from accounts.clients import payments as payments_client
from accounts.store.models import ALL_MODELS
from core import aws as core_aws
from core import internal
from core import secrets as core_secrets
from core.config import settings
from tests.unit.accounts.accounts_fakes import (
    CARD_KEYS,
    PAYMENTS_FUNCTION,
    PIN_KEY,
    PREFIX,
    TABLES,
    FakePayments,
)


def reset_caches() -> None:
    settings.cache_clear()
    core_secrets.forget()
    core_aws.forget_clients()
    payments_client.forget_rules()
    for model in ALL_MODELS:
        model._connection = None


@pytest.fixture
def bank(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePayments]:
    """Tables, secrets and the fake payments function, all fresh for one test."""
    for name, value in {
        **TABLES,
        "PAYMENTS_INTERNAL_FUNCTION": PAYMENTS_FUNCTION,
        "SECRET_PREFIX": PREFIX,
    }.items():
        monkeypatch.setenv(name, value)
    reset_caches()
    for model in ALL_MODELS:
        model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
    secrets = boto3.client("secretsmanager", region_name=os.environ["AWS_DEFAULT_REGION"])
    secrets.create_secret(
        Name=f"{PREFIX}/accounts/pin-key",
        SecretString=json.dumps({"key": base64.b64encode(PIN_KEY).decode()}),
    )
    secrets.create_secret(
        Name=f"{PREFIX}/accounts/card-keys",
        SecretString=json.dumps({k: base64.b64encode(v).decode() for k, v in CARD_KEYS.items()}),
    )
    fake = FakePayments()
    monkeypatch.setattr(internal, "invoke", fake.invoke)
    yield fake
    reset_caches()


@pytest.fixture
def api(call_api: Callable[..., Any]) -> Callable[..., Any]:
    """`api("POST", "/accounts", who, body=...)` against the accounts app."""
    from accounts.app import app

    def call(method: str, resource: str, who: dict[str, str], **kw: Any) -> Any:
        return call_api(app, method, resource, principal=who, **kw)

    return call


@pytest.fixture
def open_account(api: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    def make(who: dict[str, str], kind: str = "current", pin: str = "0123") -> dict[str, Any]:
        response = api("POST", "/accounts", who, body={"type": kind, "pin": pin})
        assert response.status == 201, response.json
        result: dict[str, Any] = response.json
        return result

    return make
