"""Continuous saving: a write-ahead journal beside the last snapshot, so `kill -9` loses no acknowledged
DynamoDB or SQS write (decision 0021).

On when `LOCALCLOUD_SAVE_INTERVAL` is a positive number of seconds (the developer's cloud sets 1). Then:

- **DynamoDB**: after every successful write, still under the provider's lock (`localcloud.dynamodb`), the
  new image of each item it touched (or its absence) is appended; a table created, changed or deleted is
  appended whole. Replaying `put_item`/`delete_item` rebuilds the items and the stream records.
- **SQS**: a message put into a queue and a message deleted are appended under the queue's own lock, so
  the journal has them in the order they happened; a queue created, changed, purged or deleted is appended
  whole. Receives are not journaled: after a crash an in-flight message is visible again (at least once,
  as on AWS after a visibility timeout).
- **SNS -> SQS** deliveries run inside the Publish call when the journal is on, so an acknowledged Publish
  has its SQS message journaled (LocalStack otherwise delivers on a thread pool after answering).
- **Everything else** (Lambda, API Gateway, CloudFormation, S3, IAM, Secrets Manager, ...): a write marks
  the service dirty and a full snapshot follows within the interval (`persistence._save`), at most one
  every interval. CloudWatch Logs is only saved with those snapshots and on a clean stop.

Each record is appended with one `write(2)` before the request is answered; the bytes are then in the
kernel's page cache, which a killed process cannot lose, and they are fsynced within a second for a
machine crash. A record is `<length><crc32><pickle>`; a torn last record is dropped on start. Replay is
idempotent, which is what lets a snapshot be taken while writes go on: from the moment a snapshot starts
until it is committed every record goes to both the old journal and the new one.
"""

from __future__ import annotations

import _thread
import contextlib
import io
import logging
import os
import pickle
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

LOG = logging.getLogger(__name__)

SAVE_INTERVAL_ENV = "LOCALCLOUD_SAVE_INTERVAL"
JOURNAL = "journal.log"
HEADER = struct.Struct("<II")
FSYNC_SECONDS = 1.0
# A snapshot folds the journal in once it is this big and the cloud has been quiet for a moment.
COMPACT_BYTES = 64 * 1024 * 1024
COMPACT_ALWAYS_BYTES = 512 * 1024 * 1024
QUIET_SECONDS = 2.0

# Journaled record by record; the rest is saved by snapshots.
JOURNALED_SERVICES = frozenset({"dynamodb", "dynamodbstreams", "sqs"})
# Saved only with snapshots: every function invoke writes logs, a snapshot per second would cost too much.
SNAPSHOT_ONLY_SERVICES = frozenset({"logs"})
# Operations that change nothing worth a snapshot, by service (reads are recognised by their prefix).
# Every operation counts, reads too: a stack's status moves on in the background, and the tools poll it.
ALWAYS_WRITES = frozenset({"cloudformation"})
NOT_WRITES = {
    "lambda": frozenset({"Invoke", "InvokeAsync", "InvokeWithResponseStream"}),
    "sns": frozenset({"Publish", "PublishBatch"}),
    "sts": frozenset({"AssumeRole", "GetCallerIdentity"}),
}
READ_PREFIXES = (
    "Get",
    "List",
    "Describe",
    "Query",
    "Scan",
    "BatchGet",
    "TransactGet",
    "Head",
    "Lookup",
    "Search",
    "Filter",
)
DDB_ITEM_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
SQS_QUEUE_WRITES = frozenset(
    {
        "CreateQueue",
        "DeleteQueue",
        "SetQueueAttributes",
        "PurgeQueue",
        "TagQueue",
        "UntagQueue",
        "AddPermission",
        "RemovePermission",
    }
)


def save_interval() -> float:
    try:
        return max(0.0, float(os.environ.get(SAVE_INTERVAL_ENV) or 0))
    except ValueError:
        LOG.warning(
            "localcloud: %s=%r is not a number; continuous saving is off",
            SAVE_INTERVAL_ENV,
            os.environ[SAVE_INTERVAL_ENV],
        )
        return 0.0


def is_write(service: str, operation: str) -> bool:
    if service in ALWAYS_WRITES:
        return True
    return not operation.startswith(READ_PREFIXES) and operation not in NOT_WRITES.get(service, ())


# --- pickling ---------------------------------------------------------------------------------


class _FastPickler(pickle.Pickler):
    """The C pickler, ten times faster than LocalStack's dill one on moto's tables; locks come back free
    (see persistence.py for why)."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, _thread.RLock):
            return threading.RLock, ()
        if isinstance(obj, _thread.LockType):
            return _thread.allocate_lock, ()
        return NotImplemented


def fast_dumps(obj: Any) -> bytes:
    """C pickle where it can, LocalStack's dill pickler (which knows more types) where it cannot."""
    from localstack.state import pickle as state_pickle

    buffer = io.BytesIO()
    try:
        _FastPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    except (pickle.PicklingError, TypeError, AttributeError):
        return bytes(state_pickle.dumps(obj))
    return buffer.getvalue()


def loads(data: bytes) -> Any:
    from localstack.state import pickle as state_pickle

    return state_pickle.loads(data)  # dill's unpickler reads both kinds


# --- the journal file -------------------------------------------------------------------------


def frame(record: tuple[Any, ...]) -> bytes:
    data = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data), zlib.crc32(data)) + data


def read_records(path: Path) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(offset after the record, record) for every whole, intact record; stops at a torn or bad one."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    offset = 0
    while offset + HEADER.size <= len(data):
        length, crc = HEADER.unpack_from(data, offset)
        start, end = offset + HEADER.size, offset + HEADER.size + length
        if end > len(data) or zlib.crc32(data[start:end]) != crc:
            return
        yield end, pickle.loads(data[start:end])  # noqa: S301 - our own file, checksummed
        offset = end


class Journal:
    """Appends records to one file, or to two while a snapshot is being taken."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fds: list[int] = []
        self._pending: int | None = None
        self._unsynced = False
        self.size = 0
        self.last_append = 0.0

    @property
    def active(self) -> bool:
        return bool(self._fds)

    def open(self, path: Path) -> None:
        """Append to `path`, first cutting off a torn last record (a write the kill interrupted)."""
        valid = 0
        for valid, _ in read_records(path):  # noqa: B007 - we want the offset of the last good record
            pass
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
        os.ftruncate(fd, valid)
        os.lseek(fd, valid, os.SEEK_SET)
        with self._lock:
            self._close_all()
            self._fds = [fd]
            self.size = valid

    def append(self, record: tuple[Any, ...]) -> None:
        data = frame(record)
        with self._lock:
            for fd in self._fds:
                os.write(fd, data)
            if self._pending is not None:
                os.write(self._pending, data)
            self.size += len(data)
            self._unsynced = True
            self.last_append = time.monotonic()

    def begin_snapshot(self, path: Path) -> None:
        """From now on records also go to `path`, the new snapshot's journal."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        with self._lock:
            self._pending = fd

    def end_snapshot(self, committed: bool) -> None:
        """The new journal replaces the old one when its snapshot was committed; else it is dropped."""
        with self._lock:
            fd, self._pending = self._pending, None
            if fd is None:
                return
            if committed:
                self._close_all()
                self._fds = [fd]
                self.size = os.fstat(fd).st_size
            else:
                os.close(fd)

    def sync(self) -> None:
        with self._lock:
            if not self._unsynced:
                return
            fds = [*self._fds, *([self._pending] if self._pending is not None else [])]
            self._unsynced = False
        for fd in fds:
            with contextlib.suppress(OSError):  # closed by a snapshot switch meanwhile
                os.fsync(fd)

    def close(self) -> None:
        with self._lock:
            self._close_all()
            if self._pending is not None:
                os.close(self._pending)
                self._pending = None

    def _close_all(self) -> None:
        for fd in self._fds:
            os.close(fd)
        self._fds = []


JOURNAL_FILE = Journal()


# --- DynamoDB ---------------------------------------------------------------------------------


def _ddb_backend(account: str, region: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[account][region]


def _table_name(request: dict[str, Any]) -> str | None:
    if name := request.get("TableName"):
        return str(name).rsplit("/", 1)[-1]  # a table ARN is accepted as a name too
    arn = request.get("ResourceArn") or request.get("TableArn")
    if arn and ":table/" in str(arn):
        return str(arn).split(":table/", 1)[1].split("/", 1)[0]
    return None


def _touched_keys(
    operation: str, request: dict[str, Any]
) -> Iterator[tuple[str, dict[str, Any] | None, Any]]:
    """(table, key, item) for every item a write names: a key, or an item to project the key from."""
    if operation == "PutItem":
        yield request["TableName"], None, request["Item"]
    elif operation in ("UpdateItem", "DeleteItem"):
        yield request["TableName"], request["Key"], None
    elif operation == "BatchWriteItem":
        for table, writes in request.get("RequestItems", {}).items():
            for write in writes:
                if "PutRequest" in write:
                    yield table, None, write["PutRequest"]["Item"]
                elif "DeleteRequest" in write:
                    yield table, write["DeleteRequest"]["Key"], None
    elif operation == "TransactWriteItems":
        for entry in request.get("TransactItems", []):
            if "Put" in entry:
                yield entry["Put"]["TableName"], None, entry["Put"]["Item"]
            for kind in ("Update", "Delete"):
                if kind in entry:
                    yield entry[kind]["TableName"], entry[kind]["Key"], None


def _plain(value: Any) -> Any:
    """The parsed request's attribute values, as moto's JSON (bytes are base64 on the wire)."""
    import base64

    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_plain(inner) for inner in value]
    if isinstance(value, set):
        return [_plain(inner) for inner in value]
    return value


def after_dynamodb_operation(context: Any, request: Any) -> None:
    """Called by the DynamoDB provider after each successful operation, under its lock."""
    if context.service is None or context.service.service_name != "dynamodb" or context.operation is None:
        return
    operation = context.operation.name
    if not is_write("dynamodb", operation) or not JOURNAL_FILE.active:
        return
    from moto.dynamodb.models.dynamo_type import DynamoType

    account, region = context.account_id, context.region
    backend = _ddb_backend(account, region)
    if operation in DDB_ITEM_WRITES:
        for table_name, key, item in _touched_keys(operation, request):
            table = backend.tables.get(str(table_name).rsplit("/", 1)[-1])
            if table is None:
                continue
            source = key if key is not None else item
            hash_key = DynamoType(_plain(source[table.hash_key_attr]))
            range_key = DynamoType(_plain(source[table.range_key_attr])) if table.range_key_attr else None
            key_json = {table.hash_key_attr: hash_key.to_json()}
            if range_key is not None:
                key_json[table.range_key_attr] = range_key.to_json()
            stored = table.get_item(hash_key, range_key)
            image = stored.to_json()["Attributes"] if stored is not None else None
            JOURNAL_FILE.append(("ddb-item", account, region, table.name, key_json, image))
        return
    name = _table_name(request)
    if name is None:
        # PartiQL and anything else we cannot attribute to a table: the next snapshot saves it.
        mark_dirty("dynamodb")
        return
    table = backend.tables.get(name)
    JOURNAL_FILE.append(
        ("ddb-table", account, region, name, fast_dumps(table) if table is not None else None)
    )


def _replay_ddb_item(account: str, region: str, name: str, key: dict[str, Any], image: Any) -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    table = _ddb_backend(account, region).tables.get(name)
    if table is None:
        return
    if image is not None:
        table.put_item(image)
        return
    hash_key = DynamoType(key[table.hash_key_attr])
    range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    if table.get_item(hash_key, range_key) is not None:
        table.delete_item(hash_key, range_key)


def _replay_ddb_table(account: str, region: str, name: str, data: bytes | None) -> None:
    tables = _ddb_backend(account, region).tables
    if data is None:
        tables.pop(name, None)
    else:
        tables[name] = loads(data)


# --- SQS --------------------------------------------------------------------------------------


def _queues(account: str, region: str) -> Any:
    from localstack.services.sqs.models import sqs_stores

    return sqs_stores[account][region].queues


def _queue_by_arn(arn: str) -> Any:
    _, _, _, region, account, name = arn.split(":", 5)
    return _queues(account, region).get(name)


def _message_id(message: Any) -> str:
    return str(message.message["MessageId"])


def patch_sqs() -> None:
    """Journal every message put into and deleted from a queue, under the queue's lock."""
    from localstack.aws.api.sqs import MessageSystemAttributeName
    from localstack.services.sqs.models import FifoQueue, SqsQueue, StandardQueue

    source_attribute = MessageSystemAttributeName.DeadLetterQueueSourceArn

    def wrap_put(cls: Any) -> None:
        original = cls.put

        def put(self: Any, *args: Any, **kwargs: Any) -> Any:
            with self.mutex:
                message = original(self, *args, **kwargs)
                if JOURNAL_FILE.active and message is not None:
                    source = message.message.get("Attributes", {}).get(source_attribute)
                    if source:  # moved here by a redrive policy: it left its source queue
                        JOURNAL_FILE.append(("sqs-del", source, _message_id(message)))
                    JOURNAL_FILE.append(("sqs-put", self.arn, fast_dumps(message)))
                return message

        cls.put = put

    wrap_put(StandardQueue)
    wrap_put(FifoQueue)
    original_remove = SqsQueue.remove

    def remove(self: Any, receipt_handle: str) -> None:
        with self.mutex:
            message = self.receipts.get(receipt_handle)
            original_remove(self, receipt_handle)
            if JOURNAL_FILE.active and message is not None and message.deleted:
                JOURNAL_FILE.append(("sqs-del", self.arn, _message_id(message)))

    SqsQueue.remove = remove  # type: ignore[method-assign]
    FifoQueue.remove = _fifo_remove(FifoQueue.remove)  # type: ignore[method-assign]


def _fifo_remove(original: Any) -> Any:
    def remove(self: Any, receipt_handle: str) -> None:
        with self.mutex:
            message = self.receipts.get(receipt_handle)
            original(self, receipt_handle)
            if JOURNAL_FILE.active and message is not None and message.deleted:
                JOURNAL_FILE.append(("sqs-del", self.arn, _message_id(message)))

    return remove


def journal_queue(context: Any, request: dict[str, Any]) -> None:
    """After a queue-level write: the queue as it now is (or its absence)."""
    name = request.get("QueueName") or str(request.get("QueueUrl") or "").rstrip("/").rsplit("/", 1)[-1]
    if not name:
        return
    account, region = context.account_id, context.region
    queue = _queues(account, region).get(name)
    if queue is None:
        JOURNAL_FILE.append(("sqs-queue", account, region, name, None))
        return
    with queue.mutex:
        JOURNAL_FILE.append(("sqs-queue", account, region, name, fast_dumps(queue)))


def _all_messages(queue: Any) -> Iterator[Any]:
    yield from getattr(getattr(queue, "visible", None), "queue", [])
    yield from queue.inflight
    yield from queue.delayed
    for group in getattr(queue, "message_groups", {}).values():
        yield from getattr(group, "messages", [])


def _replay_sqs_put(arn: str, data: bytes) -> None:
    queue = _queue_by_arn(arn)
    if queue is None:
        return
    message = loads(data)
    with queue.mutex:
        if any(_message_id(known) == _message_id(message) for known in _all_messages(queue)):
            return
        message.receipt_handles = set()
        if message.is_delayed:
            queue.delayed.add(message)
        else:
            queue._put_message(message)


def _replay_sqs_del(arn: str, message_id: str) -> None:
    import heapq

    queue = _queue_by_arn(arn)
    if queue is None:
        return
    with queue.mutex:
        visible = getattr(queue, "visible", None)
        if visible is not None:
            with visible.mutex:
                kept = [m for m in visible.queue if _message_id(m) != message_id]
                if len(kept) != len(visible.queue):
                    visible.queue[:] = kept
                    heapq.heapify(visible.queue)
        for message in [m for m in queue.inflight if _message_id(m) == message_id]:
            del queue.inflight[message]
        queue.delayed = {m for m in queue.delayed if _message_id(m) != message_id}
        for group in getattr(queue, "message_groups", {}).values():
            messages = getattr(group, "messages", None)
            if messages is not None:
                messages[:] = [m for m in messages if _message_id(m) != message_id]
        for handle, message in list(queue.receipts.items()):
            if _message_id(message) == message_id:
                del queue.receipts[handle]


def _replay_sqs_queue(account: str, region: str, name: str, data: bytes | None) -> None:
    queues = _queues(account, region)
    if data is None:
        queues.pop(name, None)
    else:
        queues[name] = loads(data)


# --- SNS: deliver to SQS inside Publish -------------------------------------------------------


def patch_sns() -> None:
    """An SQS subscriber's copy is delivered before Publish answers, so the journal has it by then."""
    from localstack.services.sns.publisher import PublishDispatcher

    original = PublishDispatcher._submit_notification

    def submit(self: Any, notifier: Any, ctx: Any, subscriber: Any) -> None:
        fifo = str(subscriber.get("TopicArn", "")).endswith(".fifo")
        if JOURNAL_FILE.active and subscriber.get("Protocol") == "sqs" and not fifo:
            notifier.publish(context=ctx, subscriber=subscriber)
        else:
            original(self, notifier, ctx, subscriber)

    PublishDispatcher._submit_notification = submit  # type: ignore[method-assign]


# --- replay -----------------------------------------------------------------------------------

REPLAY: dict[str, Callable[..., None]] = {
    "ddb-item": _replay_ddb_item,
    "ddb-table": _replay_ddb_table,
    "sqs-put": _replay_sqs_put,
    "sqs-del": _replay_sqs_del,
    "sqs-queue": _replay_sqs_queue,
}


def replay(path: Path) -> int:
    """Apply the journal of a snapshot that was just loaded; returns the number of records."""
    from localstack.services.plugins import SERVICE_PLUGINS

    count = 0
    started: set[str] = set()
    for _, record in read_records(path):
        kind, *args = record
        service = "dynamodb" if kind.startswith("ddb") else "sqs"
        if service not in started:
            SERVICE_PLUGINS.require(service)  # its state containers exist once it runs
            started.add(service)
        try:
            REPLAY[kind](*args)
        except Exception:
            LOG.exception("localcloud: could not replay a %s record of %s", kind, path)
        count += 1
    return count


# --- dirty services and the saver thread ------------------------------------------------------

_dirty = threading.Event()
_dirty_services: set[str] = set()
_dirty_lock = threading.Lock()


def mark_dirty(service: str) -> None:
    with _dirty_lock:
        _dirty_services.add(service)
    _dirty.set()


def take_dirty() -> set[str]:
    with _dirty_lock:
        services = set(_dirty_services)
        _dirty_services.clear()
    _dirty.clear()
    return services


class JournalFinalizer:
    """Last step of every request: queue-level SQS writes are journaled, other writes mark their service
    for the next snapshot. Runs before the response leaves, so an acknowledged write is covered."""

    def __call__(self, chain: Any, context: Any, response: Any) -> None:
        if not JOURNAL_FILE.active or context.service is None or context.operation is None:
            return
        service, operation = context.service.service_name, context.operation.name
        if service == "sqs":
            if operation in SQS_QUEUE_WRITES and context.service_request is not None:
                journal_queue(context, dict(context.service_request))
            return
        if service in JOURNALED_SERVICES or service in SNAPSHOT_ONLY_SERVICES:
            return
        if is_write(service, operation):
            mark_dirty(service)


def run_saver(root: Path, interval: float) -> None:
    """Snapshots for the dirty services (at most one per interval, and never more than a third of the
    time), a journal fold-in when it grows, and an fsync each second."""
    from localcloud.persistence import save_snapshot

    last_took = 0.0

    def sync_forever() -> None:
        while True:
            time.sleep(FSYNC_SECONDS)
            JOURNAL_FILE.sync()

    threading.Thread(target=sync_forever, name="localcloud-fsync", daemon=True).start()
    while True:
        _dirty.wait(timeout=QUIET_SECONDS)
        quiet = time.monotonic() - JOURNAL_FILE.last_append > QUIET_SECONDS
        oversized = JOURNAL_FILE.size > COMPACT_ALWAYS_BYTES or (quiet and JOURNAL_FILE.size > COMPACT_BYTES)
        if not _dirty.is_set() and not oversized:
            continue
        time.sleep(max(interval, 2 * last_took))
        services = take_dirty()
        started = time.monotonic()
        try:
            save_snapshot(root)
        except Exception:
            LOG.exception("localcloud: continuous snapshot failed; retrying")
            for service in services:
                mark_dirty(service)
            continue
        last_took = time.monotonic() - started
        LOG.debug("localcloud: snapshot for %s in %.2fs", sorted(services) or "the journal", last_took)


def start(root: Path, snapshot: Path, interval: float) -> None:
    """Journal into the current snapshot's journal from now on, and start the saver thread."""
    from localstack.aws import handlers

    patch_sqs()
    patch_sns()
    from localcloud import dynamodb

    dynamodb.after_operation = after_dynamodb_operation
    handlers.run_custom_finalizers.handlers.append(JournalFinalizer())
    JOURNAL_FILE.open(snapshot / JOURNAL)
    threading.Thread(target=run_saver, args=(root, interval), name="localcloud-saver", daemon=True).start()
    LOG.info(
        "localcloud: continuous saving on (journal %s, snapshots at most every %.1fs)",
        snapshot / JOURNAL,
        interval,
    )
