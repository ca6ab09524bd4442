"""Reading queued messages with Powertools' parser models: the records Lambda delivers (as on AWS and
as the local cloud's event source mapping builds them), raw delivery or an SNS notification, and the
DLQ's diagnosis of a message body alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.events import EventType
from core.events import MovementKind as K
from ledger.domain.errors import InvalidEvent
from ledger.service import dlq, messages
from tests.unit.ledger.ledger_helpers import ALICE, POOL, envelope, movement, sns_notification, sqs_batch

SAMPLE = Path(__file__).resolve().parents[3] / "events" / "ledger" / "consumer_batch.json"


def body(event_id: str = "e1", **changes: Any) -> str:
    data = movement(K.WELCOME_BONUS, [(POOL, ALICE, 100_000)]).model_dump(mode="json")
    return json.dumps({**envelope(data, event_id=event_id), **changes})


def test_the_sample_batch_reads_its_events_and_refuses_its_poison_message() -> None:
    records = json.loads(SAMPLE.read_text())["Records"]
    assert [messages.read_record(r).type for r in records[:2]] == [
        EventType.MONEY_MOVED,
        EventType.HOLD_CREATED,
    ]
    with pytest.raises(InvalidEvent, match="Invalid JSON"):
        messages.read_record(records[2])


def test_a_record_as_the_local_clouds_event_source_mapping_builds_it_is_read() -> None:
    # SNS raw delivery forwards the publish's message attributes; LocalStack lower-cases their keys
    (record,) = sqs_batch([body()])["Records"]
    record["messageAttributes"] = {
        name: {"stringValue": value, "stringListValues": [], "binaryListValues": [], "dataType": "String"}
        for name, value in {"type": "money.moved", "correlation_id": "corr-1"}.items()
    }
    record["md5OfMessageAttributes"] = "0" * 32
    assert messages.read_record(record).event_id == "e1"


@pytest.mark.parametrize("delivery", ["raw", "notification"])
def test_a_version_the_ledger_does_not_understand_is_refused_either_way(delivery: str) -> None:
    text = body(version=2)
    with pytest.raises(InvalidEvent, match="event version 2 is not understood"):
        messages.read_body(text if delivery == "raw" else sns_notification(text))


def test_a_notification_missing_what_sns_always_sends_is_refused() -> None:
    wrapped = json.dumps({"Type": "Notification", "MessageId": "m", "Message": body()})
    with pytest.raises(InvalidEvent, match="TopicArn: Field required"):
        messages.read_body(wrapped)


@pytest.mark.usefixtures("ledger_tables")
def test_the_dlq_diagnosis_reads_a_notification_as_the_consumer_does() -> None:
    event, hint = dlq.diagnose(sns_notification(body("e7")))
    assert event is not None and event.event_id == "e7"
    assert hint.startswith("valid_now")
    event, hint = dlq.diagnose(sns_notification(body(version=3)))
    assert event is None and hint.startswith("invalid_event: not an event: notification.Message")
