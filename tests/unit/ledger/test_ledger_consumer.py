"""The SQS consumer: partial batch failures, non-posting events, malformed messages, duplicates."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from core.events import MovementKind as K
from core.observability import logger
from ledger.entrypoints.consumer import handler
from ledger.store import journal
from ledger.store.models import EntryModel, ProcessedEventModel
from tests.unit.ledger.ledger_helpers import (
    ALICE,
    BOB,
    POOL,
    envelope,
    movement,
    sns_notification,
    sqs_batch,
)

pytestmark = pytest.mark.usefixtures("ledger_tables")


class Ctx:
    function_name = "ledger-consumer"
    aws_request_id = "req-1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:ledger-consumer"
    memory_limit_in_mb = 512


def moved(event_id: str, kind: K, legs: list[tuple[str, str, int]], **kw: str) -> str:
    data = movement(kind, legs, payment_id=f"pay_{event_id}", **kw).model_dump(mode="json")
    return json.dumps(envelope(data, event_id=event_id, correlation_id=f"corr-{event_id}"))


def test_one_bad_record_fails_alone_and_the_good_ones_post() -> None:
    # Given a batch of good transfers with one poison message in the middle
    bodies = [
        moved("e1", K.WELCOME_BONUS, [(POOL, ALICE, 100_000)]),
        moved("e2", K.TRANSFER, [(ALICE, BOB, 1_000)]),
        moved("e3", K.TRANSFER, [(ALICE, "not-an-account", 1_000)]),
        moved("e4", K.TRANSFER, [(ALICE, BOB, 2_000)]),
    ]
    # When the consumer handles it
    response = handler(sqs_batch(bodies), Ctx())
    # Then only the poison message is reported (SQS retries it, then moves it to the DLQ)
    assert response == {"batchItemFailures": [{"itemIdentifier": "msg-2"}]}
    assert [e.balance for e in journal.chain(BOB)] == [1_000, 3_000]
    assert {m.event_id for m in ProcessedEventModel.scan()} == {"e1", "e2", "e4"}


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        json.dumps(envelope({}, type="account.exploded")),  # unknown type
        json.dumps({**envelope({}), "version": 2}),
        json.dumps(envelope({"payment_id": "p"})),  # money.moved without legs
        json.dumps(
            envelope(
                movement(K.TRANSFER, [(ALICE, BOB, 1)]).model_dump(mode="json")
                | {"legs": [{"from_account": ALICE, "to_account": BOB, "amount": 1.5}]}
            )
        ),
    ],
    ids=["not-json", "not-object", "unknown-type", "unknown-version", "no-legs", "float-amount"],
)
def test_malformed_messages_fail_without_posting(body: str) -> None:
    response = handler(sqs_batch([body]), Ctx())
    assert response == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert list(EntryModel.scan()) == []


@pytest.mark.parametrize("kind", ["hold.created", "hold.released", "customer.registered", "staff.created"])
def test_events_that_move_no_money_are_acknowledged_and_not_posted(kind: str) -> None:
    body = json.dumps(envelope({"hold_id": "h1", "account_number": ALICE, "amount": 500}, type=kind))
    assert handler(sqs_batch([body]), Ctx()) == {"batchItemFailures": []}
    assert list(EntryModel.scan()) == []


def test_a_redelivered_event_in_the_same_batch_posts_once() -> None:
    body = moved("e1", K.WELCOME_BONUS, [(POOL, ALICE, 100_000)])
    assert handler(sqs_batch([body, body]), Ctx()) == {"batchItemFailures": []}
    assert handler(sqs_batch([body]), Ctx()) == {"batchItemFailures": []}
    assert [e.balance for e in journal.chain(ALICE)] == [100_000]


def test_a_non_raw_sns_notification_is_unwrapped() -> None:
    inner = moved("e9", K.WELCOME_BONUS, [(POOL, ALICE, 100_000)])
    wrapped = sns_notification(inner)
    assert handler(sqs_batch([wrapped]), Ctx()) == {"batchItemFailures": []}
    entry = next(iter(journal.chain(ALICE)))
    assert entry.correlation_id == "corr-e9"


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The JSON lines the service's Powertools logger writes, whatever stdout pytest captured first."""
    stream = io.StringIO()
    handler_ = logger.registered_handler
    assert isinstance(handler_, logging.StreamHandler)
    previous = handler_.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    handler_.setStream(previous)


def test_the_envelopes_correlation_id_is_on_the_log_lines_and_the_entries(
    log_lines: Callable[[], list[dict[str, Any]]],
) -> None:
    handler(sqs_batch([moved("e5", K.WELCOME_BONUS, [(POOL, ALICE, 100_000)])]), Ctx())
    lines = log_lines()
    handled = next(line for line in lines if line.get("message") == "Event handled")
    assert (handled["correlation_id"], handled["event_id"], handled["outcome"]) == ("corr-e5", "e5", "posted")
    assert {e.correlation_id for e in journal.chain(ALICE)} == {"corr-e5"}


def test_a_failed_record_is_logged_with_its_keys(log_lines: Callable[[], list[dict[str, Any]]]) -> None:
    handler(sqs_batch([moved("e6", K.TRANSFER, [(ALICE, "bank:vault", 1)])]), Ctx())
    lines = log_lines()
    failed = next(line for line in lines if line.get("message") == "Event failed")
    assert (failed["correlation_id"], failed["event_id"]) == ("corr-e6", "e6")
    assert failed["exception_name"] == "UnknownLedgerAccount"
