"""Identity unit-test fixtures: moto tables, secrets (the signing keys, and their public halves for the
authorizer) and an SNS topic whose events land in a queue."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from core import aws as core_aws
from core import secrets as core_secrets
from core.config import settings
from identity.store import keys, revocations
from identity.store.models import (
    ClaimModel,
    FamilyModel,
    LoginAttemptModel,
    RefreshTokenModel,
    UserModel,
)
from tests.unit.identity.identity_helpers import PASSWORD, make_key
from tools.secrets_bootstrap import public_keys

PREFIX = "arhan-test"
FIRST_ADMIN = {"username": "rootadmin", "password": "first-admin-Secret-42"}
TABLES = {
    "IDENTITY_USERS_TABLE": "identity-users",
    "IDENTITY_REFRESH_TOKENS_TABLE": "identity-refresh-tokens",
    "IDENTITY_LOGIN_ATTEMPTS_TABLE": "identity-login-attempts",
}


def reset_caches() -> None:
    settings.cache_clear()
    core_secrets.forget()
    keys._parse.cache_clear()
    keys._last_forced["at"] = 0.0
    core_aws.forget_clients()
    revocations.forget()
    for model in (UserModel, ClaimModel, RefreshTokenModel, FamilyModel, LoginAttemptModel):
        model._connection = None


@dataclass
class IdentityCloud:
    signing_keys: dict[str, Any]
    queue_url: str

    def set_signing_keys(self, value: dict[str, Any]) -> None:
        """A key rotation: it writes both secrets, the signing keys and their public halves."""
        secrets = boto3.client("secretsmanager")
        secrets.put_secret_value(SecretId=f"{PREFIX}/identity/signing-keys", SecretString=json.dumps(value))
        secrets.put_secret_value(
            SecretId=f"{PREFIX}/identity/signing-keys-public", SecretString=json.dumps(public_keys(value))
        )
        self.signing_keys = value

    def events(self) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs")
        found: list[dict[str, Any]] = []
        while True:
            batch = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return found
            for message in batch:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def identity(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[IdentityCloud]:
    """Tables, secrets and the events topic of the identity service, all in moto."""
    for name, value in TABLES.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SECRET_PREFIX", PREFIX)
    sns = boto3.client("sns")
    sqs = boto3.client("sqs")
    topic_arn = sns.create_topic(Name="bank-events")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="identity-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}
    )
    monkeypatch.setenv("EVENTS_TOPIC_ARN", topic_arn)
    signing = {"active_kid": "k1", "keys": [make_key("k1")]}
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name=f"{PREFIX}/identity/signing-keys", SecretString=json.dumps(signing))
    secrets.create_secret(
        Name=f"{PREFIX}/identity/signing-keys-public", SecretString=json.dumps(public_keys(signing))
    )
    secrets.create_secret(Name=f"{PREFIX}/identity/first-admin", SecretString=json.dumps(FIRST_ADMIN))
    reset_caches()
    for model in (UserModel, RefreshTokenModel, LoginAttemptModel):
        model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
    yield IdentityCloud(signing_keys=signing, queue_url=queue_url)
    reset_caches()
    os.environ.pop("EVENTS_TOPIC_ARN", None)


@pytest.fixture
def registered(identity: IdentityCloud, call_api: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    """`registered("ada")` → the 201 body of a new customer (password: PASSWORD)."""
    from identity.app import app

    def make(username: str, **overrides: Any) -> dict[str, Any]:
        body = {
            "username": username,
            "password": PASSWORD,
            "email": f"{username}@example.ng",
            "first_name": "Ada",
            "last_name": "Obi",
            "phone": "08031234567",
            **overrides,
        }
        response = call_api(app, "POST", "/auth/register", body=body)
        assert response.status == 201, response.json
        return dict(response.json)

    return make
