"""Ledger unit-test fixtures: moto tables and queues, fakes of the internal calls."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from core import aws as core_aws
from core.config import settings
from tests.unit.ledger.ledger_helpers import TABLES, FakeInternal, create_ledger_tables


@pytest.fixture
def ledger_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in TABLES.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PAYMENTS_QUERY_FUNCTION", "payments-query")
    settings.cache_clear()
    core_aws.forget_clients()
    yield
    settings.cache_clear()
    core_aws.forget_clients()


@pytest.fixture
def ledger_tables(aws: None, ledger_env: None) -> None:
    create_ledger_tables()


@pytest.fixture
def queues(aws: None, ledger_env: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    sqs = boto3.client("sqs")
    dlq = sqs.create_queue(QueueName="ledger-dlq")["QueueUrl"]
    main = sqs.create_queue(QueueName="ledger-queue")["QueueUrl"]
    monkeypatch.setenv("LEDGER_DLQ_URL", dlq)
    monkeypatch.setenv("LEDGER_QUEUE_URL", main)
    settings.cache_clear()
    return {"dlq": dlq, "main": main}


@pytest.fixture
def internal(monkeypatch: pytest.MonkeyPatch) -> FakeInternal:
    fake = FakeInternal()
    monkeypatch.setattr("core.internal.invoke", fake)
    return fake
