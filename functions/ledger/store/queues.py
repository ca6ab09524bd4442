"""The dead-letter queue: peek at its messages and move them back to the ledger queue."""

from __future__ import annotations

from dataclasses import dataclass

from core import aws

# Peeked messages hide while the peek collects distinct ones, then are made visible again at once;
# should the function die in between, they come back by themselves after this long.
PEEK_VISIBILITY_SECONDS = 10
# A message being moved stays hidden long enough for the send and the delete.
MOVE_VISIBILITY_SECONDS = 30
SQS_BATCH = 10


@dataclass(frozen=True)
class QueuedMessage:
    message_id: str
    receipt_handle: str
    body: str
    sent_at_ms: int | None
    receive_count: int
    attributes: dict[str, str]


def approximate_count(queue_url: str) -> int:
    """Visible plus in flight (a message just peeked at is still in the queue)."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    answer = aws.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)
    return sum(int(answer["Attributes"].get(name, 0)) for name in names)


def _receive(queue_url: str, count: int, visibility: int, wait: int = 0) -> list[QueuedMessage]:
    answer = aws.client("sqs").receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=max(1, min(SQS_BATCH, count)),
        VisibilityTimeout=visibility,
        WaitTimeSeconds=wait,
        MessageSystemAttributeNames=["SentTimestamp", "ApproximateReceiveCount"],
        MessageAttributeNames=["All"],
    )
    messages = []
    for raw in answer.get("Messages", []):
        system = raw.get("Attributes", {})
        attributes = {
            name: str(value.get("StringValue", ""))
            for name, value in (raw.get("MessageAttributes") or {}).items()
        }
        messages.append(
            QueuedMessage(
                message_id=raw["MessageId"],
                receipt_handle=raw["ReceiptHandle"],
                body=raw.get("Body", ""),
                sent_at_ms=int(system["SentTimestamp"]) if "SentTimestamp" in system else None,
                receive_count=int(system.get("ApproximateReceiveCount", 0)),
                attributes=attributes,
            )
        )
    return messages


def peek(queue_url: str, limit: int) -> list[QueuedMessage]:
    """Up to `limit` distinct messages, never deleted and visible again when the peek returns."""
    seen: dict[str, QueuedMessage] = {}
    while len(seen) < limit:
        batch = [
            m
            for m in _receive(queue_url, limit - len(seen), PEEK_VISIBILITY_SECONDS)
            if m.message_id not in seen
        ]
        if not batch:
            break
        seen.update((m.message_id, m) for m in batch)
    _release(queue_url, list(seen.values()))
    return list(seen.values())[:limit]


def _release(queue_url: str, messages: list[QueuedMessage]) -> None:
    """Make peeked messages visible again now, so that a redrive right after a look finds them."""
    for start in range(0, len(messages), SQS_BATCH):
        entries = [
            {"Id": str(index), "ReceiptHandle": m.receipt_handle, "VisibilityTimeout": 0}
            for index, m in enumerate(messages[start : start + SQS_BATCH])
        ]
        aws.client("sqs").change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)


def redrive(source_url: str, target_url: str, max_messages: int) -> int:
    """Move messages one batch at a time: send to the target, then delete from the source. A crash
    between the two leaves a copy in both queues, which is harmless: the ledger dedups by event id."""
    sqs = aws.client("sqs")
    moved = 0
    while moved < max_messages:
        batch = _receive(source_url, max_messages - moved, MOVE_VISIBILITY_SECONDS, wait=1)
        if not batch:
            break
        for message in batch:
            attributes = {
                name: {"DataType": "String", "StringValue": value}
                for name, value in message.attributes.items()
                if value
            }
            sqs.send_message(QueueUrl=target_url, MessageBody=message.body, MessageAttributes=attributes)
            sqs.delete_message(QueueUrl=source_url, ReceiptHandle=message.receipt_handle)
            moved += 1
    return moved
